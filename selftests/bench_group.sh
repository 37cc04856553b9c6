#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (make bench): an LB group (lib/lb_group.sh's topology: a BIRD2
# router with ECMP and BFD, 3 LBs with BIRD2 and lbnld in group mode, etcd
# over TLS, 3 servers).
#
#   failover  FAILOVERS times: an LB's link goes down; the time from then
#             to the router's FIB without it ("ip -ts monitor route"
#             stamps it), IPv4 and IPv6; the link back up, the LB back in
#             the routes before the next round. BFD 100 ms x 3.
#   apply     LOADS times: "lbnl group load" of a weight change; the time
#             from the load's return to the last LB's lbnld logging the
#             revision applied.
#   scale     iperf3 through a tun VIP (IPIP, DSR; one dest: an iperf3
#             test's connections must meet one server) with 3, 2 and 1 LBs
#             announcing it (the others' lbnld stopped: withdrawn), -P
#             STREAMS TCP streams for SECONDS s: the sum. Under qemu TCG
#             every LB, the router and the servers share 2 emulated vCPUs:
#             the numbers say what one emulated machine shows, not what N
#             machines do.
#
# Each: median and p99 (the largest sample under 100 samples). No target
# is enforced here (the suite's lb_group.sh checks 1 s for failover and
# apply).

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/lb_flows.sh"
. "$dir/lib/lb_group.sh"

LBNL=${LBNL:-$dir/../tools/lbnl/lbnl}
LBNLD=${LBNLD:-$dir/../tools/lbnld/lbnld}
SCALE=${LBNL_TIMEOUT_SCALE:-1}
FAILOVERS=${FAILOVERS:-10}
LOADS=${LOADS:-20}
STREAMS=${STREAMS:-12}
SECONDS_RUN=${SECONDS_RUN:-5}
IPERF_PORT=5201

group_require
require_cmd iperf3
group_tmp

percentile()
{
	sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 }
		END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'
}

# report NAME FILE UNIT: median and p99 of FILE's samples.
report()
{
	echo "# bench: $1: median $(percentile 50 "$2") $3, p99 $(percentile 99 "$2") $3 ($(wc -l <"$2") samples)"
}

group_setup || ksft_exit

# --- failover -------------------------------------------------------------------

RET=0
: >"$tmp/failover"
for r in $(seq "$FAILOVERS"); do
	: >"$tmp/rtmon"
	rt_monitor_start
	sleep 0.5
	t0=$(now_ms)
	lb_links 1 down
	busywait $((10000 * SCALE)) rt_without "$(lb4 1)" "$(lb6 1)" >/dev/null
	check_err $? "round $r: the router still sends to LB1"
	sleep 0.2
	kill "$RTMON_PID"
	t4=$(rt_dropped_at "${VIP[tun4]}" "$(lb4 1)") &&
		t6=$(rt_dropped_at "${VIP[tun6]}" "$(lb6 1)") &&
		echo $((t4 - t0)) >>"$tmp/failover" &&
		echo $((t6 - t0)) >>"$tmp/failover"
	lb_links 1 up
	busywait $((60000 * SCALE)) rt_serves 1 2 3 >/dev/null
	check_err $? "round $r: LB1 not back"
	[ $RET -eq 0 ] || break
done
report "an LB's link down to the router's FIB without it" "$tmp/failover" ms
log_test "failover: $FAILOVERS rounds"

# --- apply ----------------------------------------------------------------------

RET=0
: >"$tmp/apply"
for r in $(seq "$LOADS"); do
	config | awk -v w=$((r % 3 + 1)) -v srv1="$(srv_addr 4 1)" '
		/^dest add / && $0 ~ " " srv1 " " { sub(" tag-id", " weight " w " tag-id") }
		{ print }' >"$tmp/load.conf"
	group_load "load $r" "$tmp/load.conf" >/dev/null
	check_err $? "load $r"
	[ $RET -eq 0 ] || break
	echo "$LOAD_MS" >>"$tmp/apply"
done
report "group load to every LB running it" "$tmp/apply" ms
log_test "apply: $LOADS loads"

# --- scale ----------------------------------------------------------------------

# an iperf3 server on server 1 (the VIP is its own on lo), a VIP for it
RET=0
bg "${NS_SRVS[1]}" /dev/null "$tmp/iperf.srv.err" iperf3 -s -p $IPERF_PORT
{
	config
	# one dest: an iperf3 test is a control connection and STREAMS
	# data connections, all to the same server; the router spreads the
	# connections over the LBs all the same
	echo "vip add $(key "${VIP[tun4]}" $IPERF_PORT) proto tcp mode tun"
	echo "dest add $(key "${VIP[tun4]}" $IPERF_PORT) proto tcp $(srv_addr 4 1) tag-id 1"
} >"$tmp/iperf.conf"
group_load "iperf VIP" "$tmp/iperf.conf" >/dev/null
check_err $? "the iperf3 VIP"
sleep 1
for n in 3 2 1; do
	[ $RET -eq 0 ] || break
	if [ "$n" -lt 3 ]; then
		lbnld_stop $((n + 1))
		up=()
		for i in $(seq "$n"); do up+=("$i"); done
		busywait $((20000 * SCALE)) rt_serves "${up[@]}" >/dev/null
		check_err $? "$n LBs: the router sends to $(rt_nexthops "${VIP[tun4]}")"
	fi
	nsn "$NS_PEER" iperf3 -c "${VIP[tun4]}" -p $IPERF_PORT \
		-P "$STREAMS" -t "$SECONDS_RUN" -J >"$tmp/iperf.$n.json" \
		2>"$tmp/iperf.$n.err"
	check_err $? "$n LBs: iperf3: $(jq -r '.error // empty' "$tmp/iperf.$n.json" 2>/dev/null) $(head -c 300 "$tmp/iperf.$n.err")"
	bps=$(jq -r '.end.sum_received.bits_per_second // 0' "$tmp/iperf.$n.json")
	echo "# bench: throughput with $n LB(s): $(awk -v b="${bps:-0}" 'BEGIN { printf "%.0f", b / 1e6 }') Mbit/s ($STREAMS TCP streams, ${SECONDS_RUN} s)"
	[ "${bps%.*}" -gt 0 ] 2>/dev/null ||
		head -c 600 "$tmp/iperf.$n.json" | sed 's/^/# iperf3: /'
	[ "$n" = 3 ] && nsn "$NS_RTR" ip -s -j link show sw | jq -c '.[0].stats64' |
		sed 's/^/# router sw: /' 
done
log_test "scale: 3, 2, 1 LBs"

ksft_exit
