#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo_migrate.sh: the live-migration part of "make demo" (demo.sh runs
# it). topo_lb3 with a tun SCTP VIP, 192.0.2.2:3868, on srv1..3, each
# running lbnl-agent and lbnl-echo (a migration-aware echo server whose
# echoes carry a per-association message count); lbnld on the LB. A peer
# holds 6 associations, each sending a numbered message on 4 streams every
# 10 ms and checking every echo and every count. The server with the most
# associations goes into maintenance: the LB opens a migration for each
# (migrate-after 1) and buffers their DATA; lbnld and the agents move
# them. Shown: the LB's table before and after, the events with each
# migration's time and buffered packets, the agents' and lbnld's account,
# and the peer's own. Exit 0 if the peer saw nothing.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/migrate.sh"
. "$dir/lib/demo.sh"

tmp=$(mktemp -d)
defer rm -rf "$tmp"
umask 077
. "$dir/lib/agents.sh"

run()
{
	echo "+ lbnl $*"
	lb "$@" || bad "lbnl $*"
}

migrations_ended()
{
	[ "$(grep -cE 'migrate (commit|abort)' "$tmp/monitor")" -ge "$1" ]
}

step "live SCTP migration: a tun VIP on srv1..3, lbnl-agent and lbnl-echo on each, lbnld on the LB"
dp_require
agents_require
use_family 4
PEER_EXTRA=--app-counter
dp_setup || { echo "demo: FAILED: set-up"; exit 1; }
certs_make || bad "certificates"
for i in 1 2 3; do
	agent_start $i || bad "agent on srv$i"
done
app_servers $PORT $VIP count 1 2 3
lbnld_start || bad "lbnld"
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

step "$from ($n associations) goes into maintenance; lbnld and the agents move them"
nsenter --net="/run/netns/$NS_LB" "$LBNL" monitor > "$tmp/monitor" 2>&1 &
mon=$!
sleep 0.3
run dest set $KEY proto sctp $from:$PORT state maint
busywait 20000 migrations_ended "$n" || bad "migrations did not end"
run conn show $KEY proto sctp
[ "$(on_dest "$from")" -eq 0 ] || bad "$from still serves $(on_dest "$from") associations"

step "events seen by lbnl monitor (age: request to commit; max: packets the LB held)"
kill $mon 2>/dev/null
wait $mon 2>/dev/null
grep migrate "$tmp/monitor"

step "what lbnld and the source agent logged"
grep -hE 'committed in|aborted after' "$tmp/lbnld.log" | cut -d' ' -f3-
grep -hE 'exported [0-9]+ ms' "$tmp"/agent.srv*.log | cut -d' ' -f3-

step "the peer's account"
sleep 2
peer_stop || bad "the peer saw a problem"
jq -M -c '{assocs, sent, echoed, lost, duplicated, reordered, comm_lost, restart,
	aborts, max_stall_ms, app_counter_errors}' "$tmp/peer.json"
exit $failed
