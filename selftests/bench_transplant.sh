#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (make bench): association transplant latency and rate.
#
#  - latency: one live association (a message every 10 ms, 4 streams in turn)
#    moved back and forth between srv1 and srv2 $ROUNDS times; for each move
#    the time from the start of "lbnl assoc export" to the end of "lbnl
#    assoc import" (which returns once the copy is established).
#  - rate: $NRATE associations moved from srv1 to srv2 in one go (export and
#    import of each, one route switch, releases): associations per second.
#
# Times include starting the lbnl processes, which under TCG costs tens of
# milliseconds each: they are an upper bound of what the kernel takes.

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/transplant.sh"

ROUNDS=${ROUNDS:-100}
NRATE=${NRATE:-20}

require_cmd jq
require_module sctp

tmp=$(mktemp -d)
defer rm -rf "$tmp"

# percentile P FILE: the P-th percentile of the numbers in FILE.
percentile()
{
	sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 }
		END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'
}

# move_one FROM TO VIA: transplant the one association, timing export to
# established import; append the time (ms) to $tmp/lat.
move_one()
{
	local from=$1 to=$2 via=$3 l p t0 t1

	read -r l p < <(assocs "$from")
	[ -n "$l" ] || return 1
	t0=$(date +%s%N)
	nsx "$from" "$LBNL" assoc export "$l" "$p" timeout 5000 > "$tmp/st" &&
		nsx "$to" "$LBNL" assoc import "$tmp/st" > /dev/null || return 1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) | awk '{ printf "%.1f\n", $1 / 1000 }' >> "$tmp/lat"
	route_to $SVC4 "$via" &&
		nsx "$from" "$LBNL" assoc release "$l" "$p"
}

start_peer()
{
	rm -f "$tmp/ready" "$tmp/stop"
	nsx "$NS_PEER" "$dir/sctp_peer" -c $SVC4 -p $PORT -n "$1" -S 4 -i 40 \
		$PEER_RTO -r "$tmp/ready" --stop-file "$tmp/stop" \
		-o "$tmp/peer.json" > /dev/null &
	PEER_PID=$!
	busywait 60000 test -e "$tmp/ready"
}

stop_peer()
{
	touch "$tmp/stop"
	wait "$PEER_PID"
	echo "# peer: $(jq -c '{sent, echoed, lost, duplicated, reordered, aborts, max_stall_ms}' "$tmp/peer.json")"
}

transplant_setup || exit $ksft_fail
start_echo "$NS_SRV1" seqpacket $SVC4 && start_echo "$NS_SRV2" seqpacket $SVC4 ||
	exit $ksft_fail

RET=0
start_peer 1
check_err $? "peer not ready"
: > "$tmp/lat"
for i in $(seq "$ROUNDS"); do
	if [ $((i % 2)) -eq 1 ]; then
		move_one "$NS_SRV1" "$NS_SRV2" $SRV2_IP4
	else
		move_one "$NS_SRV2" "$NS_SRV1" $SRV1_IP4
	fi || { check_err 1 "transplant $i failed"; break; }
done
stop_peer
n=$(wc -l < "$tmp/lat")
printf '# transplant export->import->established: n=%d p50=%s ms p99=%s ms max=%s ms\n' \
	"$n" "$(percentile 50 "$tmp/lat")" "$(percentile 99 "$tmp/lat")" \
	"$(percentile 100 "$tmp/lat")"
log_test "transplant latency over $ROUNDS moves"

RET=0
route_to $SVC4 $SRV1_IP4
start_peer "$NRATE"
check_err $? "peer not ready"
t0=$(date +%s%N)
transplant "$NS_SRV1" "$NS_SRV2" $SVC4 $SRV2_IP4 > /dev/null
check_err $? "transplant of $NRATE associations failed"
t1=$(date +%s%N)
stop_peer
ms=$(((t1 - t0) / 1000000))
printf '# transplant rate: %d associations in %d ms = %s per second\n' \
	"$NRATE" "$ms" "$(awk -v n="$NRATE" -v ms="$ms" 'BEGIN { printf "%.1f", n * 1000 / ms }')"
log_test "transplant rate, $NRATE associations"
ksft_exit
