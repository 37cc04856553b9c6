#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lbnld's /metrics, scraped by Debian's real Prometheus (/usr/bin/prometheus,
# package prometheus) in the LB's namespace, every second; what Prometheus
# stored is read back through its HTTP API and compared with the module.
#
# The LB (topo_lb3, lib/dataplane.sh's servers) has
#   192.0.2.1:80 tcp nat         srv1, srv2 :9000    TCP flows (dataplane.py)
#   [2001:db8:10::2]:9001 udp tun  srv1, srv2, srv3 (maint)   UDP flows
#   192.0.2.1:81 tcp nat         srv3 :9000 in maint  flows dropped: no_dest
#   192.0.2.2:9002 tcp tun, bypass auto, srv3 alone   lbnld bypasses it
#   192.0.2.1:3868 sctp nat      srv1, srv2 :3868   an association's entry
#                                (lbnl conn add) that migrations move
# and lbnld (table driver, no key-file, metrics-listen left to its
# default: 127.0.0.1:9642).
#
#   listen    /metrics answers on 127.0.0.1:9642 only, not on the LB's other
#             addresses.
#   counters  once traffic stopped, every counter of "lbnl -j stats" (the
#             namespace's, each VIP's, each dest's; drops by reason) is a
#             series Prometheus stored with the same value, and there is
#             no other VIP or dest series; the drops sum to "dropped". The
#             gauges move on their own (entries time out): the comparison
#             is made while "lbnl -j stats" stays the same from before the
#             scrape until after the query, tried again otherwise.
#   state     dest states (maint, active), the bypassed VIP's router state
#             (active, once lbnld confirmed it) and bypass dest, vip_info.
#   migrate   on the SCTP entry: a migration open (lbnl_migrations_open 1),
#             then committed; one aborted (requested); one past its
#             deadline (100 ms): started 3, committed 1, aborted 2 by
#             reason, the duration histogram's counts and sum.
#
# Skipped (exit 4) without /usr/bin/prometheus.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"

LBNLD=${LBNLD:-$dp_top/tools/lbnld/lbnld}
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
MPORT=9642		# lbnld's default
PPORT=9090		# Prometheus, in the LB's namespace

if [ ! -x "$PROMETHEUS" ]; then
	echo "SKIP: $PROMETHEUS not found (Debian package prometheus)"
	exit $ksft_skip
fi
require_cmd curl jq
dp_require
if [ ! -x "$LBNLD" ]; then
	echo "SKIP: $LBNLD not built"
	exit $ksft_skip
fi

tmp=$(mktemp -d)
defer rm -rf "$tmp"

NAT=192.0.2.1:80
DROP=192.0.2.1:81
UDP='[2001:db8:10::2]:9001'
BYP=192.0.2.2:9002
SCTP=192.0.2.1:3868
VTAG=0x1badcafe

# --- Prometheus ------------------------------------------------------------

# prom QUERY: the JSON of an instant query.
prom()
{
	nsn "$NS_LB" curl -s -m 20 -G "http://127.0.0.1:$PPORT/api/v1/query" \
		--data-urlencode "query=$1"
}

# prom_lines QUERY: "NAME LABELS VALUE" per series, LABELS sorted k=v,...
# without instance and job.
prom_lines()
{
	prom "$1" | jq -r '.data.result[] |
		"\(.metric.__name__ // "") \(.metric |
		del(.__name__, .instance, .job) | to_entries |
		map("\(.key)=\(.value)") | sort | join(",")) \(.value[1])"'
}

# prom_value QUERY: the value of its one series ("" if none).
prom_value()
{
	prom "$1" | jq -r '.data.result[0].value[1] // ""'
}

# prom_is QUERY VALUE: the query's one series has VALUE.
prom_is()
{
	[ "$(prom_value "$1")" = "$2" ]
}

# scraped_after T: Prometheus has a scrape of lbnld that started after T
# (seconds since the epoch).
scraped_after()
{
	local ts

	ts=$(prom_value 'timestamp(lbnl_module_loaded)')
	[ -n "$ts" ] && awk -v a="$ts" -v b="$1" 'BEGIN { exit !(a > b) }'
}

# fresh: wait until Prometheus holds a scrape newer than now.
fresh()
{
	local t

	t=$(date +%s.%3N)
	busywait 20000 scraped_after "$t"
}

prom_start()
{
	cat >"$tmp/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 1s
		  scrape_timeout: 1s
		scrape_configs:
		  - job_name: lbnl
		    static_configs:
		      - targets: ['127.0.0.1:$MPORT']
	EOF
	ip netns exec "$NS_LB" "$PROMETHEUS" \
		--config.file="$tmp/prometheus.yml" \
		--storage.tsdb.path="$tmp/prometheus" \
		--web.listen-address=127.0.0.1:$PPORT --log.level=warn \
		</dev/null >/dev/null 2>"$tmp/prometheus.log" &
	PROM_PID=$!
	defer kill $PROM_PID
	# Its first scrape comes after target discovery's first update (5 s).
	busywait 180000 prom_is 'up{job="lbnl"}' 1 >/dev/null
}

prom_stop()
{
	kill "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
}

# --- the LB ----------------------------------------------------------------

lbnld_start()
{
	cat >"$tmp/lbnld.conf" <<-EOF
		# no router here: table 100 is exported to no one
		table 100
		driver table
		state-dir $tmp/lbnld.state
		log stderr
	EOF
	ip netns exec "$NS_LB" "$LBNLD" -f -v -c "$tmp/lbnld.conf" \
		</dev/null >>"$tmp/lbnld.log" 2>&1 &
	LBNLD_PID=$!
	defer kill $LBNLD_PID
	busywait 20000 nsn "$NS_LB" curl -sf -o /dev/null \
		"http://127.0.0.1:$MPORT/metrics"
}

configure()
{
	lbx restore <<-EOF
		vip add $NAT proto tcp mode nat
		dest add $NAT proto tcp $SRV1_IP4:$DP_PORT
		dest add $NAT proto tcp $SRV2_IP4:$DP_PORT
		vip add $DROP proto tcp mode nat
		dest add $DROP proto tcp $SRV3_IP4:$DP_PORT state maint
		vip add $UDP proto udp mode tun
		dest add $UDP proto udp $SRV1_IP6 weight 1
		dest add $UDP proto udp $SRV2_IP6 weight 2
		dest add $UDP proto udp $SRV3_IP6 state maint
		vip add $BYP proto tcp mode tun bypass auto
		dest add $BYP proto tcp $SRV3_IP4
		vip add $SCTP proto sctp mode nat
		dest add $SCTP proto sctp $SRV1_IP4
		dest add $SCTP proto sctp $SRV2_IP4
	EOF
}

router_active()
{
	lbx -j vip show "$BYP" proto tcp | jq -e '.[0].router == "active"' \
		>/dev/null
}

traffic()
{
	dp_flows tcp "$PEER_IP4" 20000 40 "${NAT%:*}" "${NAT##*:}" 8 \
		>"$tmp/flows.tcp"
	dp_flows udp "$PEER_IP6" 21000 30 2001:db8:10::2 9001 8 \
		>"$tmp/flows.udp"
	dp_flows tcp "$PEER_IP4" 22000 3 "${DROP%:*}" "${DROP##*:}" 3 1 \
		>"$tmp/flows.drop"
}

# --- the comparison ----------------------------------------------------------

# expected <STATS: "NAME LABELS VALUE" of every counter of "lbnl -j stats".
expected()
{
	jq -r '
		def names: {packets_in: "packets_in_total",
			bytes_in: "bytes_in_total",
			packets_out: "packets_out_total",
			bytes_out: "bytes_out_total",
			conns: "connections_total",
			picked_up: "connections_picked_up_total",
			active_conns: "connections_active",
			unconfirmed: "connections_unconfirmed",
			evicted: "connections_evicted_total"};
		def lines($prefix; $labels):
			to_entries[] | select(names[.key]) |
			"lbnl_\($prefix)\(names[.key]) \($labels) \(.value)";
		(.global | lines(""; "")),
		(.global.drops | to_entries[] |
			"lbnl_dropped_packets_total reason=\(.key) \(.value)"),
		(.vips[] | . as $v |
			lines("vip_"; "proto=\($v.proto),vip=\($v.vip)"),
			(.dests[] | lines("dest_";
				"dest=\(.dest),proto=\($v.proto),vip=\($v.vip)")))'
}

# compare_once: 0 if Prometheus stored every counter of "lbnl -j stats" as
# it is (and no other VIP or dest series), 1 if not, 2 if the stats moved
# meanwhile (try again).
compare_once()
{
	lbx -j stats >"$tmp/stats.1" || return 1
	fresh >/dev/null || { echo "no new scrape"; return 1; }
	prom_lines '{__name__=~"lbnl_.*"}' | sort >"$tmp/prom.all"
	lbx -j stats >"$tmp/stats.2" || return 1
	cmp -s "$tmp/stats.1" "$tmp/stats.2" || return 2
	expected <"$tmp/stats.1" | sort >"$tmp/expected"
	# Prometheus's series of the names "lbnl -j stats" gives.
	awk '{ print $1 }' "$tmp/expected" | sort -u >"$tmp/names"
	awk 'NR == FNR { n[$1]; next } $1 in n' "$tmp/names" "$tmp/prom.all" \
		>"$tmp/prom"
	diff "$tmp/expected" "$tmp/prom" >"$tmp/diff" && return 0
	echo "$(wc -l <"$tmp/expected") series expected, $(wc -l <"$tmp/prom") stored; diff (< lbnl -j stats, > prometheus):"
	head -n 20 "$tmp/diff"
	return 1
}

compare()
{
	local rc

	# Entries time out (10 s after their last packet, by GC slices over
	# 16 s): the gauges can keep moving for a while.
	for _ in $(seq 40); do
		compare_once >"$tmp/compare.out"
		rc=$?
		[ $rc = 2 ] || break
		sleep 0.5
	done
	[ $rc = 2 ] && echo "lbnl -j stats kept changing" >"$tmp/compare.out"
	return $rc
}

# --- cases -----------------------------------------------------------------

dp_setup
check_err $? "topology"
configure
check_err $? "configuration refused"
lbnld_start >/dev/null
check_err $? "lbnld does not serve 127.0.0.1:$MPORT/metrics: $(tail -n 5 "$tmp/lbnld.log")"
if [ $RET != 0 ]; then
	log_test "setup"
	ksft_exit
fi

RET=0
nsn "$NS_LB" curl -sf -m 5 -o /dev/null "http://$LB_SRV_IP4:$MPORT/metrics"
check_fail $? "/metrics answered on $LB_SRV_IP4"
nsn "$NS_LB" curl -sf -m 5 -o /dev/null "http://[$LB_PEER_IP6]:$MPORT/metrics"
check_fail $? "/metrics answered on $LB_PEER_IP6"
nsn "$NS_LB" curl -sf -m 5 "http://127.0.0.1:$MPORT/metrics" |
	grep -qx 'lbnl_module_loaded 1'
check_err $? "no lbnl_module_loaded 1 on 127.0.0.1:$MPORT"
log_test "listen: 127.0.0.1:$MPORT only (the default)"

RET=0
prom_start
check_err $? "Prometheus does not scrape lbnld: $(tail -n 5 "$tmp/prometheus.log")"
if [ $RET != 0 ]; then
	log_test "prometheus"
	ksft_exit
fi
busywait 20000 router_active
check_err $? "lbnld did not bypass $BYP: $(lbx vip show "$BYP" proto tcp)"
traffic
[ "$(grep -c ' srv[12]$' "$tmp/flows.tcp")" = 40 ]
check_err $? "TCP flows: $(dp_tally "$tmp/flows.tcp")"
[ "$(grep -c ' srv[12]$' "$tmp/flows.udp")" = 30 ]
check_err $? "UDP flows: $(dp_tally "$tmp/flows.udp")"
[ "$(grep -c ' srv' "$tmp/flows.drop")" = 0 ]
check_err $? "flows to a VIP without an active dest answered"
compare
check_err $? "$(cat "$tmp/compare.out")"
dropped=$(jq -r .global.dropped "$tmp/stats.1")
[ "$dropped" -gt 0 ] &&
	prom_is 'sum(lbnl_dropped_packets_total)' "$dropped" &&
	prom_is 'lbnl_dropped_packets_total{reason="no_dest"}' \
		"$(jq -r .global.drops.no_dest "$tmp/stats.1")"
check_err $? "drops: lbnl stats dropped $dropped, Prometheus $(prom_value 'sum(lbnl_dropped_packets_total)')"
for k in "$NAT tcp" "$UDP udp" "$BYP tcp" "$SCTP sctp" "$DROP tcp"; do
	read -r key proto <<<"$k"
	[ "$(prom_value "count(lbnl_dest_packets_in_total{vip=\"$key\",proto=\"$proto\"})")" = \
	  "$(lbx -j dest show "$key" proto "$proto" | jq length)" ]
	check_err $? "$proto $key: not one series per dest"
done
[ "$(jq '[.vips[].dests[].packets_out] | add' "$tmp/stats.1")" -gt 0 ] &&
	[ "$(jq '.vips[] | select(.vip == "'"$NAT"'") | .packets_in' "$tmp/stats.1")" -ge 40 ]
check_err $? "the traffic was not counted: $(cat "$tmp/stats.1")"
log_test "counters: what Prometheus stored is lbnl -j stats (counted: $(wc -l <"$tmp/expected") series)"

RET=0
prom_is "lbnl_dest_state{vip=\"$UDP\",proto=\"udp\",dest=\"[$SRV3_IP6]:9001\",state=\"maint\"}" 1 &&
	prom_is "lbnl_dest_state{vip=\"$UDP\",proto=\"udp\",dest=\"[$SRV3_IP6]:9001\",state=\"active\"}" 0 &&
	prom_is "lbnl_dest_state{vip=\"$UDP\",proto=\"udp\",dest=\"[$SRV1_IP6]:9001\",state=\"active\"}" 1 &&
	prom_is "lbnl_dest_weight{vip=\"$UDP\",proto=\"udp\",dest=\"[$SRV2_IP6]:9001\"}" 2
check_err $? "dest state: $(prom_lines "lbnl_dest_state{vip=\"$UDP\"} == 1")"
prom_is "lbnl_vip_router_state{vip=\"$BYP\",proto=\"tcp\",state=\"active\"}" 1 &&
	prom_is "lbnl_vip_router_state{vip=\"$BYP\",proto=\"tcp\",state=\"lb\"}" 0 &&
	prom_is "lbnl_vip_router_state{vip=\"$NAT\",proto=\"tcp\",state=\"lb\"}" 1 &&
	prom_is "lbnl_vip_bypass_dest{vip=\"$BYP\",proto=\"tcp\",dest=\"$SRV3_IP4:9002\"}" 1 &&
	[ -n "$(prom_value "lbnl_vip_bypass_changed_timestamp_seconds{vip=\"$BYP\"} > 0")" ]
check_err $? "bypass state: $(prom_lines "{__name__=~\"lbnl_vip_(router_state|bypass_.*)\",vip=\"$BYP\"}")"
prom_is "lbnl_vip_info{vip=\"$UDP\",proto=\"udp\",mode=\"tun\",sched=\"maglev\",bypass=\"off\"}" 1 &&
	prom_is "lbnl_vip_dests{vip=\"$UDP\",proto=\"udp\"}" 3 &&
	prom_is "lbnl_vip_active_dests{vip=\"$UDP\",proto=\"udp\"}" 2
check_err $? "vip info: $(prom_lines "{__name__=~\"lbnl_vip_(info|dests|active_dests)\",vip=\"$UDP\"}")"
log_test "state: dest states and weights, bypass state, VIP settings"

# mig ACTION [ARGS...]: lbnl migrate ACTION of the SCTP entry.
mig()
{
	local action=$1

	shift
	lbx migrate "$action" "$SCTP" proto sctp vtag $VTAG "$@"
}

none_open()
{
	[ "$(lbx -j migrate show | jq length)" = 0 ]
}

RET=0
lbx conn add "$SCTP" proto sctp "$PEER_IP4:5000" vtag $VTAG \
	dest "$SRV1_IP4:3868"
check_err $? "conn add refused"
mig start to "$SRV2_IP4:3868" timeout 60000 >/dev/null
check_err $? "migration start refused"
fresh >/dev/null
prom_is lbnl_migrations_open 1 && prom_is lbnl_migrations_started_total 1
check_err $? "open: $(prom_lines '{__name__=~"lbnl_migrations_(open|started_total)"}')"
mig commit
check_err $? "commit refused"
mig start to "$SRV1_IP4:3868" >/dev/null && mig abort
check_err $? "start and abort refused"
mig start to "$SRV1_IP4:3868" timeout 100 >/dev/null
check_err $? "start with a deadline refused"
busywait 10000 none_open
check_err $? "the deadline did not close the migration"
busywait 10000 grep -q 'aborted: deadline' "$tmp/lbnld.log" >/dev/null
fresh >/dev/null
prom_is lbnl_migrations_open 0 &&
	prom_is lbnl_migrations_started_total 3 &&
	prom_is 'lbnl_migrations_total{outcome="committed"}' 1 &&
	prom_is 'lbnl_migrations_total{outcome="aborted"}' 2 &&
	prom_is 'lbnl_migrations_aborted_total{reason="requested"}' 1 &&
	prom_is 'lbnl_migrations_aborted_total{reason="deadline"}' 1 &&
	prom_is 'sum(lbnl_migrations_aborted_total)' 2 &&
	prom_is 'lbnl_migration_duration_seconds_count{outcome="committed"}' 1 &&
	prom_is 'lbnl_migration_duration_seconds_count{outcome="aborted"}' 2 &&
	prom_is 'lbnl_migration_duration_seconds_bucket{outcome="aborted",le="+Inf"}' 2 &&
	prom_is 'count(lbnl_migration_duration_seconds_sum{outcome="aborted"} >= 0.1)' 1 &&
	prom_is 'lbnl_events_lost_total' 0
check_err $? "migrations: $(prom_lines '{__name__=~"lbnl_migration.*|lbnl_events_lost_total",le=""}')"
log_test "migrate: open, committed, aborted by reason, durations"

prom_stop
ksft_exit
