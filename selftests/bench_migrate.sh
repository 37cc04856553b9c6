#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (make bench): live SCTP migrations through the LB
# (lib/migrate.sh's set-up: a tun VIP on srv1 and srv2, unmodified echo
# servers, a checking peer with $NASSOC associations on 4 streams, a message
# per stream every $INTERVAL ms).
#
#  - latency: $ROUNDS migrations one after the other, each association
#    moved to the other server in turn; per migration, the time from
#    "lbnl migrate start" to the end of "lbnl migrate commit".
#  - rate: the busier server set to maint, migrate-after 1: the LB opens a
#    migration for each of its associations at once; all are carried out
#    side by side; associations per second from the maint command to the
#    last commit.
#
# The agents do not exist yet: this script plays them, starting an lbnl
# process per step (about 0.1 s each under TCG), so the times are an upper
# bound dominated by process starts, not the module's cost. The peer must
# see nothing lost, duplicated or reordered.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/migrate.sh"

ROUNDS=${ROUNDS:-30}
NASSOC=${NASSOC:-10}
INTERVAL=${INTERVAL:-40}

tmp=$(mktemp -d)
defer rm -rf "$tmp"
umask 077

dp_require
require_cmd jq
use_family 4

percentile()
{
	sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 }
		END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'
}

dp_setup || { echo "# set-up failed"; exit $ksft_fail; }
echo_servers $PORT $VIP count 1 2
lb vip add $KEY proto sctp mode tun &&
	lb dest add $KEY proto sctp $S1:$PORT &&
	lb dest add $KEY proto sctp $S2:$PORT ||
	{ echo "# VIP set-up failed"; exit $ksft_fail; }
defer lb flush

RET=0
peer_start "$NASSOC" || { echo "# peer not ready"; exit $ksft_fail; }
sleep 0.5

# latency
failed=0
for r in $(seq "$ROUNDS"); do
	read -r vtag from peer < <(entries | sed -n "$(((r - 1) % NASSOC + 1))p")
	to=$S1
	[ "$from" = "$S1" ] && to=$S2
	t0=$(date +%s%N)
	if migrate_one "$vtag" "$from" "$to" "$peer"; then
		echo $((($(date +%s%N) - t0) / 1000000)) >> "$tmp/lat"
	else
		failed=$((failed + 1))	# rolled back; the peer must not notice
	fi
done

# rate: the busier server into maintenance, all of its associations at once
src=$S1
[ "$(on_dest $S2)" -gt "$(on_dest $S1)" ] && src=$S2
lb vip set $KEY proto sctp migrate-after 1
sleep 1.1
n=$(on_dest $src)
t0=$(date +%s%N)
lb dest set $KEY proto sctp $src:$PORT state maint
lb -j migrate show > "$tmp/open.json"
pids=()
cfailed=0
while read -r vtag peer to; do
	carry_out "$vtag" $src "${to%:*}" "$peer" &
	pids+=($!)
done < <(jq -r '.[] | "\(.vtag) \(.peer) \(.target)"' "$tmp/open.json")
for p in "${pids[@]}"; do
	wait "$p" || cfailed=$((cfailed + 1))
done
t1=$(date +%s%N)

peer_stop
check_err $? "peer: $(cat "$tmp/peer.json")"

echo "# migration, start to commit (incl. export and import), n=$(wc -l < "$tmp/lat")" \
     "($failed rolled back):" \
     "p50 $(percentile 50 "$tmp/lat") ms, p99 $(percentile 99 "$tmp/lat") ms," \
     "max $(percentile 100 "$tmp/lat") ms (target p99 < 50 ms with real agents)"
echo "# $n associations of a server in maint, migrated side by side" \
     "($cfailed rolled back): $(((t1 - t0) / 1000000)) ms," \
     "$(awk -v n="$n" -v ms=$(((t1 - t0) / 1000000)) 'BEGIN { printf "%.1f", n * 1000 / ms }') per second"
echo "# peer: $(jq -c '{sent, echoed, lost, duplicated, reordered, max_stall_ms}' "$tmp/peer.json")"
log_test "migrations: latency and rate"
ksft_exit
