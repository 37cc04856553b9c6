#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live SCTP migration through the LB (US 9,923,827), the LB's half: a tun
# SCTP VIP (192.0.2.2:3868) on srv1 and srv2 of topo_lb3, an unmodified
# echo server (sctp_echo, one-to-many) on each, a checking peer (sctp_peer:
# numbered messages on 4 streams, ordered and unordered, every echo
# verified). The test plays lbnld and the agents, in the claim's order:
#
#   LB      lbnl migrate start VIP proto sctp vtag V to TARGET
#           (from here the LB keeps a copy of the peer's DATA packets)
#   source  lbnl assoc export ...   target  lbnl assoc import ...
#   LB      lbnl migrate commit ... (the entry names the target; the
#           copies are sent to it in order)
#   source  lbnl assoc release ...
#
#   move      every association moves to the other dest, one after the
#             other, mid-stream: the peer sees 0 lost, 0 duplicated, 0
#             reordered messages, no COMM_LOST/RESTART/ABORT; "lbnl conn
#             show" names the new dests; the targets echo.
#   maint     migrate-after 1 and srv2 set to maint: the LB opens a
#             migration for each of srv2's associations (MIGRATE_START
#             events, "lbnl migrate show"); carried out as above, all of
#             them end on srv1, the peer sees nothing.
#   rollback  a migration aborted (asked for) and one past its deadline:
#             the entry keeps the source, the association goes on there.
#   refused   an unknown vtag (ENOENT), a second migration of the same
#             association (EBUSY), a non-SCTP VIP, a target in maint.
#   noimport  the target has no listener: its import fails, the LB's
#             migration is aborted, the source resumes, nothing is lost.
#   move6     "move" on an IPv6 VIP ([2001:db8:10::2]:3869).
#
# Environment: CASES (all of the above), NASSOC (6).

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/migrate.sh"

CASES=${CASES:-move maint rollback refused noimport move6}
NASSOC=${NASSOC:-6}

tmp=$(mktemp -d)
defer rm -rf "$tmp"
umask 077

dp_require
require_cmd jq
use_family 4

case_move()
{
	: "${FAM:=4}"
	local vtag from peer to n=0 e1 e2

	RET=0
	peer_start "$NASSOC"
	check_err $? "peer not ready"
	sleep 0.5	# the last COOKIE-ACKs reach the LB's entries
	entries > "$tmp/before"
	[ "$(wc -l < "$tmp/before")" -eq "$NASSOC" ]
	check_err $? "LB has $(wc -l < "$tmp/before") established entries, expected $NASSOC"
	rm -f "$tmp/want"
	while read -r vtag from peer; do
		to=$S1
		[ "$from" = "$S1" ] && to=$S2
		migrate_one "$vtag" "$from" "$to" "$peer" || break
		n=$((n + 1))
		echo "$vtag $to $peer" >> "$tmp/want"
	done < "$tmp/before"
	[ "$n" -eq "$NASSOC" ]
	check_err $? "only $n of $NASSOC migrations went through"
	entries | sort > "$tmp/after"
	sort "$tmp/want" | cmp -s - "$tmp/after"
	check_err $? "LB entries after: $(cat "$tmp/after"), wanted $(cat "$tmp/want")"
	none_open
	check_err $? "migrations left open: $(lb migrate show)"
	# Every server that received associations echoes (the associations'
	# random vtags may all have been on one server: then one target).
	e1=$(echoed srv1)
	e2=$(echoed srv2)
	if grep -q "^[0-9]* $S1 " "$tmp/want"; then
		busywait 20000 grows srv1 $((e1 + 200))
		check_err $? "srv1, a target, does not echo"
	fi
	if grep -q "^[0-9]* $S2 " "$tmp/want"; then
		busywait 20000 grows srv2 $((e2 + 200))
		check_err $? "srv2, a target, does not echo"
	fi
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	echo "# peer: $(jq -c '{sent, echoed, lost, max_stall_ms}' "$tmp/peer.json")"
	log_test "IPv$FAM: every association migrated mid-stream, the peer sees nothing"
}

case_move6()
{
	use_family 6
	FAM=6 case_move
	use_family 4
}

# The target has no listener: the import fails, the migration is aborted,
# the source resumes; the association goes on there.
case_noimport()
{
	local vtag from peer

	RET=0
	peer_start 1
	check_err $? "peer not ready"
	lb dest set $KEY proto sctp $SRV3_IP4:$PORT weight 1 state active
	read -r vtag from peer < <(entries)
	migrate_one "$vtag" "$from" $SRV3_IP4 "$peer" 2> "$tmp/err"
	check_fail $? "a migration to a server without a listener succeeded"
	[ "$(entries | awk '{ print $2 }')" = "$from" ]
	check_err $? "entry moved: $(entries)"
	none_open
	check_err $? "migration left open: $(lb migrate show)"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	lb dest set $KEY proto sctp $SRV3_IP4:$PORT weight 0
	log_test "import refused by the target: rolled back, nothing lost"
}

case_maint()
{
	local id vtag from peer to n=0 total old

	RET=0
	# The script carries the migrations out one by one, an lbnl process
	# per step (about 1 s each under TCG): the module's deadline (5 s by
	# default) must outlast the last of them.
	old=$(nsn "$NS_LB" sysctl -n net.lbnl.migrate_timeout_ms)
	nsn "$NS_LB" sysctl -qw net.lbnl.migrate_timeout_ms=60000
	lb vip set $KEY proto sctp migrate-after 1
	peer_start "$NASSOC"
	check_err $? "peer not ready"
	sleep 1.5
	total=$(on_dest $SRV2_IP4)
	# nsenter execs lbnl: $! is the monitor itself.
	nsenter --net="/run/netns/$NS_LB" "$LBNL" monitor > "$tmp/monitor" 2>&1 &
	local mon=$!
	sleep 0.3
	lb dest set $KEY proto sctp $SRV2_IP4:$PORT state maint
	check_err $? "dest set maint failed"
	lb -j migrate show > "$tmp/open.json"
	[ "$(jq length "$tmp/open.json")" -eq "$total" ]
	check_err $? "$(jq length "$tmp/open.json") migrations opened for srv2's $total associations"
	while read -r vtag peer to; do
		carry_out "$vtag" $SRV2_IP4 "${to%:*}" "$peer" || break
		n=$((n + 1))
	done < <(jq -r '.[] | "\(.vtag) \(.peer) \(.target)"' "$tmp/open.json")
	[ "$n" -eq "$total" ]
	check_err $? "only $n of $total maintenance migrations went through"
	[ "$(on_dest $SRV2_IP4)" -eq 0 ]
	check_err $? "srv2 still has $(on_dest $SRV2_IP4) associations"
	kill $mon 2>/dev/null
	wait $mon 2>/dev/null
	[ "$(grep -c 'migrate start' "$tmp/monitor")" -eq "$total" ] &&
		[ "$(grep -c 'migrate commit' "$tmp/monitor")" -eq "$total" ]
	check_err $? "events: $(grep migrate "$tmp/monitor")"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	echo "# srv2 in maint: $total associations moved to srv1;" \
	     "peer: $(jq -c '{sent, echoed, lost, max_stall_ms}' "$tmp/peer.json")"
	lb dest set $KEY proto sctp $SRV2_IP4:$PORT state active
	lb vip set $KEY proto sctp migrate-after 0
	nsn "$NS_LB" sysctl -qw net.lbnl.migrate_timeout_ms="$old"
	log_test "dest in maint: its old associations migrate, the peer sees nothing"
}

case_rollback()
{
	local vtag from peer

	RET=0
	peer_start 1
	check_err $? "peer not ready"
	read -r vtag from peer < <(entries)
	lb migrate start $KEY proto sctp vtag "$vtag" > /dev/null
	check_err $? "start failed"
	sleep 0.5
	lb migrate abort $KEY proto sctp vtag "$vtag"
	check_err $? "abort failed"
	[ "$(entries | awk '{ print $2 }')" = "$from" ]
	check_err $? "entry moved on abort: $(entries)"
	lb migrate start $KEY proto sctp vtag "$vtag" timeout 300 > /dev/null
	check_err $? "start with a deadline failed"
	busywait 5000 none_open
	check_err $? "the deadline did not close the migration"
	[ "$(entries | awk '{ print $2 }')" = "$from" ]
	check_err $? "entry moved at the deadline: $(entries)"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	log_test "aborted and timed-out migrations: the association stays"
}

case_refused()
{
	local vtag from peer

	RET=0
	peer_start 1
	check_err $? "peer not ready"
	read -r vtag from peer < <(entries)
	lb migrate start $KEY proto sctp vtag 12345 2> "$tmp/err"
	check_fail $? "unknown vtag accepted"
	lb migrate start $KEY proto sctp vtag "$vtag" > /dev/null
	check_err $? "start failed"
	lb migrate start $KEY proto sctp vtag "$vtag" 2> "$tmp/err" > /dev/null
	check_fail $? "second migration of one association accepted"
	grep -q "already open" "$tmp/err"
	check_err $? "error: $(cat "$tmp/err")"
	lb migrate abort $KEY proto sctp vtag "$vtag"
	lb migrate start $VIP:80 proto tcp vtag "$vtag" 2> "$tmp/err"
	check_fail $? "migration on a TCP VIP accepted"
	lb dest set $KEY proto sctp $SRV3_IP4:$PORT state maint
	lb migrate start $KEY proto sctp vtag "$vtag" to $SRV3_IP4:$PORT 2> "$tmp/err"
	check_fail $? "target in maint accepted"
	lb dest set $KEY proto sctp $SRV3_IP4:$PORT weight 0 state active
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	log_test "refusals: unknown, already open, not SCTP, target in maint"
}

if ! dp_setup; then
	echo "# set-up failed"
	exit $ksft_fail
fi
# The echo servers on srv1 and srv2 (srv3 has none: the noimport case),
# one per VIP.
echo_servers $PORT4 $DP_TUN4 count 1 2
echo_servers $PORT6 $DP_TUN6 count6 1 2
K6=$(dp_key $DP_TUN6 $PORT6)
lb vip add $KEY proto sctp mode tun &&
	lb vip add $VIP:80 proto tcp mode tun &&
	lb dest add $KEY proto sctp $SRV1_IP4:$PORT &&
	lb dest add $KEY proto sctp $SRV2_IP4:$PORT &&
	lb dest add $KEY proto sctp $SRV3_IP4:$PORT weight 0 &&
	lb vip add "$K6" proto sctp mode tun &&
	lb dest add "$K6" proto sctp "[$SRV1_IP6]:$PORT6" &&
	lb dest add "$K6" proto sctp "[$SRV2_IP6]:$PORT6" ||
	{ echo "# VIP set-up failed"; exit $ksft_fail; }
defer lb flush

for c in $CASES; do
	"case_$c"
done
ksft_exit
