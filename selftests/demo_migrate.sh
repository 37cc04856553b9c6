#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo_migrate.sh: the live-migration part of "make demo" (demo.sh runs
# it). topo_lb3 with a tun SCTP VIP, 192.0.2.2:3868, on srv1..3, each
# running an unmodified echo server; a peer holds 6 associations, each
# sending a numbered message on 4 streams every 10 ms and checking every
# echo. The server with the most associations goes into maintenance: the
# LB opens a migration for each (migrate-after 1), buffers their DATA,
# and this script plays lbnld and the agents (export on the source, import
# on the target, commit at the LB, release). Shown: the LB's table before
# and after, the open migrations, each move's time and buffered packets,
# the events, and the peer's own account. Exit 0 if the peer saw nothing.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/migrate.sh"
. "$dir/lib/demo.sh"

tmp=$(mktemp -d)
defer rm -rf "$tmp"
umask 077

run()
{
	echo "+ lbnl $*"
	lb "$@" || bad "lbnl $*"
}

step "live SCTP migration: a tun VIP on srv1..3, an echo server on each"
dp_require
use_family 4
dp_setup || { echo "demo: FAILED: set-up"; exit 1; }
echo_servers $PORT $VIP count 1 2 3
run vip add $KEY proto sctp mode tun migrate-after 1
for ip in $SRV1_IP4 $SRV2_IP4 $SRV3_IP4; do
	run dest add $KEY proto sctp $ip:$PORT
done
defer lb flush

step "a peer opens 6 associations and streams (4 streams, a message each every 10 ms)"
peer_start 6 || bad "peer not ready"
sleep 1.5
run conn show $KEY proto sctp
from=$(entries | awk '{ print $2 }' | sort | uniq -c | sort -rn |
	awk 'NR == 1 { print $2 }')
n=$(on_dest "$from")

step "$from ($n associations) goes into maintenance"
nsenter --net="/run/netns/$NS_LB" "$LBNL" monitor > "$tmp/monitor" 2>&1 &
mon=$!
sleep 0.3
run dest set $KEY proto sctp $from:$PORT state maint
run migrate show
lb -j migrate show > "$tmp/open.json"

step "the agents' part: export on the source, import on the target, commit, release"
while read -r vtag peer to; do
	t0=$(date +%s%3N)
	buffered=$(lb -j migrate show | jq --arg p "$peer" '.[] | select(.peer == $p) | .buffered')
	if carry_out "$vtag" "$from" "${to%:*}" "$peer"; then
		echo "  $peer: $from -> ${to%:*} in $(($(date +%s%3N) - t0)) ms" \
		     "($buffered packets buffered at the LB when the export began)"
	else
		bad "migration of $peer"
	fi
done < <(jq -r '.[] | "\(.vtag) \(.peer) \(.target)"' "$tmp/open.json")
[ "$(on_dest "$from")" -eq 0 ] || bad "$from still serves $(on_dest "$from") associations"
run conn show $KEY proto sctp

step "events seen by lbnl monitor"
sleep 0.5
kill $mon 2>/dev/null
wait $mon 2>/dev/null
grep migrate "$tmp/monitor"

step "the peer's account"
sleep 2
peer_stop || bad "the peer saw a problem"
jq -M -c '{assocs, sent, echoed, lost, duplicated, reordered, comm_lost, restart,
	aborts, max_stall_ms}' "$tmp/peer.json"
exit $failed
