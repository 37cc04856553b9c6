#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration churn under traffic: for STRESS_S seconds (60) VIPs and
# dests are deleted and added again in a loop while traffic flows both
# ways through them, then everything is flushed. What it is after is the
# kernel's view: a dest or VIP the packet path finds half made, or one
# freed under it (the suite's runner unloads the modules afterwards and
# fails the test on any WARNING, BUG, Oops, refcount or leak report).
#
#	$NS_PEER                 $NS_LB                  $NS_SRV1..3
#	flowgen connect tcp/sctp  12 VIPs (below),         flowgen serve tcp,
#	flowgen send udp  ---->   churned            ---->  sctp; dataplane.py
#	flowgen sink udp/7000                               udp/9000
#	                   <----  replies of nat VIPs <----  and flowgen send
#	                          (the NAT reply path)       from :9000 / :8000
#
# VIPs: {192.0.2.1, 2001:db8:10::1} nat and {192.0.2.2, 2001:db8:10::2}
# tun (the servers own those on lo), each as tcp/8000, udp/9000 and
# sctp (8001 nat, 8002 tun: there the servers bind the VIP, as the tun
# servers of dataplane.sh do), with srv1..3 as dests on the same port.
# Each round is one
# "lbnl restore" batch, in turn: every dest deleted and added again; every
# VIP deleted and added again with its dests; then "lbnl conn flush", so
# that the next packets of established TCP flows are picked up.
#
# Besides the clients' connections and their answers, every server sends
# a steady stream of UDP datagrams from port 9000 and TCP SYNs from port
# 8000 to the peer (flowgen send, raw): each one is looked up as a reply
# of a nat VIP's dest, the moment that dest is added or deleted too.
#
# Checks: every batch applied; TCP and SCTP connections completed and UDP
# answered through the VIPs; the LB NATed replies (global packets_out) and
# picked flows up (picked_up); after the flush no VIP and no entry is left.
#
# Environment: STRESS_S (seconds of churn, 60; times LBNL_TIMEOUT_SCALE on
# the debug kernel, where a round takes about 4 times as long: its run of
# this test churned 3 rounds in 60 s; the connections' 1 s timeout scales
# too: there none completed in 1 s), STRESS_PPS (rate of each server's
# reply-path senders, 500 packets/s).

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"

STRESS_S=${STRESS_S:-$((60 * ${LBNL_TIMEOUT_SCALE:-1}))}
STRESS_PPS=${STRESS_PPS:-500}
FLOWGEN=$dir/flowgen
P_TCP=8000
P_SCTP=8001
P_SCTP_TUN=8002
P_UDP=$DP_PORT
P_SINK=7000

dp_require
[ -x "$FLOWGEN" ] || { echo "SKIP: $FLOWGEN not built (make -C selftests)"; exit $ksft_skip; }

tmp=$(mktemp -d)
defer rm -rf "$tmp"

# "KEY PROTO MODE" per VIP.
vips()
{
	local a m p

	for a in $DP_NAT4 $DP_NAT6 $DP_TUN4 $DP_TUN6; do
		m=$(mode_of "$a")
		for p in tcp udp sctp; do
			echo "$(dp_key "$a" "$(port_of $p "$m")") $p $m"
		done
	done
}

# port_of PROTO MODE: the port of the VIPs (and dests) of PROTO and MODE.
port_of()
{
	case $1/$2 in
	tcp/*)    echo $P_TCP ;;
	udp/*)    echo $P_UDP ;;
	sctp/nat) echo $P_SCTP ;;
	sctp/tun) echo $P_SCTP_TUN ;;
	esac
}

# mode_of ADDR: nat or tun.
mode_of()
{
	case $1 in
	"$DP_NAT4" | "$DP_NAT6") echo nat ;;
	*) echo tun ;;
	esac
}

# dests KEY PROTO: the VIP's dests (its family, its port).
dests()
{
	local port=${1##*:} i

	for i in 1 2 3; do
		case $1 in
		\[*) dp_key 2001:db8:2::1$i "$port" ;;
		*)   dp_key 203.0.113.1$i "$port" ;;
		esac
	done
}

# batch N: the lines of round N for "lbnl restore".
batch()
{
	local key p m d

	vips | while read -r key p m; do
		case $(($1 % 2)) in
		0)
			for d in $(dests "$key"); do
				echo "dest del $key proto $p $d"
			done
			for d in $(dests "$key"); do
				echo "dest add $key proto $p $d"
			done
			;;
		1)
			echo "vip del $key proto $p"
			echo "vip add $key proto $p mode $m"
			for d in $(dests "$key"); do
				echo "dest add $key proto $p $d"
			done
			;;
		esac
	done
}

# global COUNTER: a global counter of "lbnl -j stats".
global()
{
	lbx -j stats | jq -r --arg c "$1" '.global[$c]'
}

# no_entries: the LB has no connection entry.
no_entries()
{
	[ "$(lbx -j conn show | jq length)" -eq 0 ]
}

# sum_ok FILE...: completed connections of "flowgen connect -j" outputs.
sum_ok()
{
	cat "$@" 2>/dev/null | jq -s 'map(.ok) | add // 0'
}

RET=0
dp_setup
check_err $? "setup failed"
if [ "$RET" -ne 0 ]; then
	log_test "setup"
	ksft_exit
fi

# servers: short TCP and SCTP connections (dual-stack), UDP from dp_setup
for i in 1 2 3; do
	ns=${NS_SRVS[i - 1]}
	dp_bg "$ns" "$FLOWGEN" serve -p $P_TCP -P tcp -b :: -w "$tmp/tcp.$i"
	dp_bg "$ns" "$FLOWGEN" serve -p $P_SCTP -P sctp -b :: -w "$tmp/sctp.$i"
	dp_bg "$ns" "$FLOWGEN" serve -p $P_SCTP_TUN -P sctp -b $DP_TUN4 \
		-w "$tmp/sctp4.$i"
	dp_bg "$ns" "$FLOWGEN" serve -p $P_SCTP_TUN -P sctp -b $DP_TUN6 \
		-w "$tmp/sctp6.$i"
done
dp_bg "$NS_PEER" "$FLOWGEN" sink -p $P_SINK -b :: -w "$tmp/sink"
for i in 1 2 3; do
	busywait 10000 test -e "$tmp/tcp.$i" -a -e "$tmp/sctp.$i" \
		-a -e "$tmp/sctp4.$i" -a -e "$tmp/sctp6.$i"
	check_err $? "flowgen serve on srv$i did not start"
done
busywait 10000 test -e "$tmp/sink"
check_err $? "flowgen sink on the peer did not start"

# the VIPs, then a first round of traffic through each: the setup works
{
	vips | while read -r key p m; do
		echo "vip add $key proto $p mode $m"
		for d in $(dests "$key"); do
			echo "dest add $key proto $p $d"
		done
	done
} | dp_apply
check_err $? "initial configuration refused"
for a in $DP_NAT4 $DP_NAT6 $DP_TUN4 $DP_TUN6; do
	for p in tcp sctp; do
		out=$(nsx "$NS_PEER" "$FLOWGEN" connect -d "$a" \
			-p "$(port_of $p "$(mode_of "$a")")" -P $p -c 2 -n 4 -T 20 \
			-t 5000 -j)
		[ "$(echo "$out" | jq .ok)" -eq 4 ]
		check_err $? "$p to $a before the churn: $out"
	done
	case $a in
	*:*) nsx "$NS_PEER" socat -t 3 - "UDP6:[$a]:$P_UDP" \
		< <(echo probe) > "$tmp/udp.probe" 2>&1 ;;
	*)   nsx "$NS_PEER" socat -t 3 - "UDP4:$a:$P_UDP" \
		< <(echo probe) > "$tmp/udp.probe" 2>&1 ;;
	esac
	grep -q "^srv[123]:probe" "$tmp/udp.probe"
	check_err $? "udp to $a before the churn: $(cat "$tmp/udp.probe")"
done
log_test "setup: 12 VIPs answer tcp, udp and sctp"

RET=0
# traffic for the whole churn, and a little longer
T=$((STRESS_S + 5))
for i in 1 2 3; do
	ns=${NS_SRVS[i - 1]}
	dp_bg "$ns" "$FLOWGEN" send -d $PEER_IP4 -p $P_SINK -S $P_UDP -c 0 \
		-T $T -r "$STRESS_PPS" -q
	dp_bg "$ns" "$FLOWGEN" send -d $PEER_IP6 -p $P_SINK -S $P_UDP -c 0 \
		-T $T -r "$STRESS_PPS" -q
	dp_bg "$ns" "$FLOWGEN" send -d $PEER_IP4 -p $((P_SINK + 1)) -S $P_TCP \
		-t syn -c 0 -T $T -r "$STRESS_PPS" -q
	dp_bg "$ns" "$FLOWGEN" send -d $PEER_IP6 -p $((P_SINK + 1)) -S $P_TCP \
		-t syn -c 0 -T $T -r "$STRESS_PPS" -q
done
pids=()
n=0
for a in $DP_NAT4 $DP_NAT6 $DP_TUN4 $DP_TUN6; do
	n=$((n + 1))
	for p in tcp sctp; do
		ip netns exec "$NS_PEER" "$FLOWGEN" connect -d "$a" \
			-p "$(port_of $p "$(mode_of "$a")")" -P $p -c 2 -T $T \
			-t $((1000 * ${LBNL_TIMEOUT_SCALE:-1})) -j \
			> "$tmp/conn.$p.$n" 2>/dev/null &
		pids+=($!)
		defer kill $!
	done
	# 64 flows, UDP answered by dataplane.py (replies through the LB)
	ip netns exec "$NS_PEER" "$FLOWGEN" send -d "$a" -p $P_UDP \
		-S 40000-40063 -n 64 -c 0 -T $T -r 200 -q &
	defer kill $!
done
# what reaches the peer, for the record
rx_before=$(nsx "$NS_PEER" cat /sys/class/net/eth0/statistics/rx_packets)

rounds=0
fails=0
start=$(date +%s)
while [ $(($(date +%s) - start)) -lt "$STRESS_S" ]; do
	if ! batch $rounds | lbx restore 2> "$tmp/restore.err"; then
		fails=$((fails + 1))
		[ $fails -eq 1 ] && cp "$tmp/restore.err" "$tmp/restore.first"
	fi
	if ! lbx conn flush 2> "$tmp/flush.err"; then
		fails=$((fails + 1))
		[ $fails -eq 1 ] && cp "$tmp/flush.err" "$tmp/restore.first"
	fi
	rounds=$((rounds + 1))
done
echo "# $rounds rounds of churn in $(($(date +%s) - start)) s, $fails refused"
[ $fails -eq 0 ]
check_err $? "$fails of $rounds rounds refused, first: $(cat "$tmp/restore.first" 2>/dev/null)"
[ $rounds -ge 4 ]
check_err $? "only $rounds rounds in $STRESS_S s"

for pid in "${pids[@]}"; do
	wait "$pid"
done
tcp_ok=$(sum_ok "$tmp"/conn.tcp.*)
sctp_ok=$(sum_ok "$tmp"/conn.sctp.*)
rx=$(($(nsx "$NS_PEER" cat /sys/class/net/eth0/statistics/rx_packets) - rx_before))
out=$(global packets_out)
picked=$(global picked_up)
echo "# connections completed: tcp $tcp_ok, sctp $sctp_ok; peer received $rx packets; LB: packets_out $out, picked_up $picked"
[ "$tcp_ok" -gt 0 ]
check_err $? "no TCP connection completed during the churn"
[ "$sctp_ok" -gt 0 ]
check_err $? "no SCTP association completed during the churn"
[ "$out" -gt 0 ]
check_err $? "the LB NATed no reply (global packets_out 0)"
[ "$picked" -gt 0 ]
check_err $? "the LB picked no flow up (global picked_up 0)"
log_test "churn of VIPs and dests for $STRESS_S s under traffic"

# Everything goes, while the servers' senders may still run.
RET=0
lbx flush
check_err $? "flush failed"
[ "$(lbx -j vip show | jq length)" -eq 0 ]
check_err $? "VIPs left after the flush: $(lbx vip show)"
busywait 10000 no_entries
check_err $? "entries left after the flush: $(lbx conn show | head -5)"
log_test "flush after the churn"

ksft_exit
