#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (make bench): live SCTP migrations end to end, lbnld and
# lbnl-agent carrying them out (lib/agents.sh), lbnl-echo on srv1 and srv2
# behind a tun VIP, a checking peer (numbered messages on 4 streams,
# --app-counter).
#
#  - latency: $ROUNDS migrations one after the other ("lbnl migrate
#    start" of one association to the other server), $NASSOC associations
#    each with a message per stream every $INTERVAL ms; per migration, the
#    module's own time from the request to the commit (the age_ms of its
#    MIGRATE_COMMIT event): export, app state, transfer, import, result,
#    commit. p50 and p99.
#  - rate: $NCONC associations all on srv1, srv1 set to maint with
#    migrate-after 1: the LB opens $NCONC migrations at once; lbnld and the
#    agents carry them out side by side; associations per second from the
#    maint command to the last commit event, and the p50/p99 of their ages.
#
# The peer must see nothing lost, duplicated or reordered, no restart.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/migrate.sh"

ROUNDS=${ROUNDS:-100}
NASSOC=${NASSOC:-10}
INTERVAL=${INTERVAL:-40}
NCONC=${NCONC:-100}

tmp=$(mktemp -d)
defer rm -rf "$tmp"
umask 077
. "$dir/lib/agents.sh"

dp_require
agents_require
require_cmd jq
use_family 4
PEER_EXTRA=--app-counter

percentile()
{
	sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 }
		END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'
}

# commits FILE: the age_ms of every migrate_commit event in the monitor's
# output FILE; aborts FILE: how many were aborted.
commits()
{
	jq -r 'select(.event == "migrate_commit") | .migrate.age_ms' "$1"
}

aborts()
{
	jq -r 'select(.event == "migrate_abort") | .migrate.reason' "$1" | wc -l
}

ended_in()
{
	[ "$(jq -r 'select(.event == "migrate_commit" or
		.event == "migrate_abort") | .event' "$1" | wc -l)" -ge "$2" ]
}

monitor_start()
{
	nsenter --net="/run/netns/$NS_LB" "$LBNL" -j monitor > "$1" 2>&1 &
	MON=$!
	defer kill $MON
	sleep 0.3
}

dp_setup || { echo "# set-up failed"; exit $ksft_fail; }
certs_make || { echo "# certificates: openssl failed"; exit $ksft_fail; }
agent_start 1 && agent_start 2 || { echo "# agents did not start"; exit $ksft_fail; }
app_servers $PORT $VIP count 1 2
lbnld_start || { echo "# lbnld did not start"; exit $ksft_fail; }
lb vip add $KEY proto sctp mode tun &&
	lb dest add $KEY proto sctp $S1:$PORT &&
	lb dest add $KEY proto sctp $S2:$PORT ||
	{ echo "# VIP set-up failed"; exit $ksft_fail; }
defer lb flush

RET=0
# latency
peer_start "$NASSOC" || { echo "# peer not ready"; exit $ksft_fail; }
sleep 0.5
monitor_start "$tmp/lat.json"
for r in $(seq "$ROUNDS"); do
	read -r vtag from peer < <(entries | sed -n "$(((r - 1) % NASSOC + 1))p")
	to=$S1
	[ "$from" = "$S1" ] && to=$S2
	lb migrate start $KEY proto sctp vtag "$vtag" to "$(dp_key $to $PORT)" \
		> /dev/null || continue
	busywait 10000 ended_in "$tmp/lat.json" "$r"
done
kill $MON
commits "$tmp/lat.json" > "$tmp/lat"
lat_aborts=$(aborts "$tmp/lat.json")
peer_stop
check_err $? "peer (latency): $(cat "$tmp/peer.json")"
cp "$tmp/peer.json" "$tmp/peer.lat.json"

# rate: NCONC associations on srv1, srv1 into maintenance
lb dest set $KEY proto sctp $S2:$PORT weight 0
INTERVAL=500 peer_start "$NCONC" || { echo "# peer not ready"; exit $ksft_fail; }
lb dest set $KEY proto sctp $S2:$PORT weight 1
lb vip set $KEY proto sctp migrate-after 1
sleep 1.5
all_on_srv1()
{
	[ "$(on_dest $S1)" -eq "$NCONC" ]
}
busywait 10000 all_on_srv1
check_err $? "srv1 has $(on_dest $S1) of $NCONC associations"
n=$(on_dest $S1)
monitor_start "$tmp/rate.json"
t0=$(date +%s%N)
lb dest set $KEY proto sctp $S1:$PORT state maint
busywait 120000 ended_in "$tmp/rate.json" "$n"
t1=$(date +%s%N)
kill $MON
commits "$tmp/rate.json" > "$tmp/rate"
rate_aborts=$(aborts "$tmp/rate.json")
[ "$(on_dest $S2)" -eq "$n" ]
check_err $? "after maint: $(on_dest $S1) on srv1, $(on_dest $S2) on srv2"
peer_stop
check_err $? "peer (rate): $(cat "$tmp/peer.json")"

echo "# migration, request to commit (the module's age at commit), n=$(wc -l < "$tmp/lat")" \
     "($lat_aborts rolled back): p50 $(percentile 50 "$tmp/lat") ms," \
     "p99 $(percentile 99 "$tmp/lat") ms, max $(percentile 100 "$tmp/lat") ms (target p99 < 50 ms)"
echo "# $n associations of a server in maint, migrated side by side" \
     "($rate_aborts rolled back): $(((t1 - t0) / 1000000)) ms," \
     "$(awk -v n="$n" -v ms=$(((t1 - t0) / 1000000)) 'BEGIN { printf "%.1f", n * 1000 / ms }') per second;" \
     "each: p50 $(percentile 50 "$tmp/rate") ms, p99 $(percentile 99 "$tmp/rate") ms"
# The source agents' account of each phase (the latency run and the rate
# run together): medians.
phase()
{
	grep -ho "$1 [0-9]* ms" "$tmp"/agent.srv*.log | awk '{ print $2 }' > "$tmp/phase"
	percentile 50 "$tmp/phase"
}
echo "# phases (source agent, p50): export $(phase exported) ms, app $(phase app) ms," \
     "transfer+import $(phase imported) ms, result to decision $(phase committed) ms"
echo "# peer (latency): $(jq -c '{sent, echoed, lost, duplicated, reordered, max_stall_ms, app_counter_errors}' "$tmp/peer.lat.json")"
echo "# peer (rate): $(jq -c '{sent, echoed, lost, duplicated, reordered, max_stall_ms, app_counter_errors}' "$tmp/peer.json")"
[ "$lat_aborts" -eq 0 ] && [ "$rate_aborts" -eq 0 ]
check_err $? "rolled back: $lat_aborts + $rate_aborts"
log_test "migrations with lbnld and the agents: latency and rate"
ksft_exit
