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
#
# Environment: CASES (all of the above), NASSOC (6).

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"

CASES=${CASES:-move maint rollback refused}
NASSOC=${NASSOC:-6}
VIP=$DP_TUN4
PORT=3868
KEY=$VIP:$PORT
PEER_RTO="--rto-min 100 --rto-max 1000 --rto-initial 500"

tmp=$(mktemp -d)
defer rm -rf "$tmp"
umask 077

dp_require
require_cmd jq

lb()
{
	nsn "$NS_LB" "$LBNL" "$@"
}

srv_ns()
{
	case $1 in
	"$SRV1_IP4") echo "$NS_SRV1" ;;
	"$SRV2_IP4") echo "$NS_SRV2" ;;
	"$SRV3_IP4") echo "$NS_SRV3" ;;
	esac
}

# entries: "vtag dest-addr peer" per association of the VIP.
entries()
{
	lb -j conn show $KEY proto sctp |
		jq -r '.[] | select(.state == "established") |
			"\(.my_vtag) \(.dest | sub(":[0-9]+$"; "")) \(.peer)"'
}

# carry_out VTAG FROM TO PEER: what the agents and lbnld do once the LB
# has opened the migration: export, import, commit, release; on failure,
# rollback (abort at the LB, resume the source, drop the target's copy).
carry_out()
{
	local vtag=$1 from=$2 to=$3 peer=$4 st=$tmp/state.$1
	local fns tns

	fns=$(srv_ns "$from")
	tns=$(srv_ns "$to")
	if ! nsn "$fns" "$LBNL" assoc export $KEY "$peer" timeout 5000 > "$st"; then
		echo "# export $peer on $from failed"
		lb migrate abort $KEY proto sctp vtag "$vtag"
		return 1
	fi
	if ! nsn "$tns" "$LBNL" assoc import "$st" > /dev/null; then
		echo "# import $peer on $to failed"
		lb migrate abort $KEY proto sctp vtag "$vtag"
		nsn "$fns" "$LBNL" assoc resume $KEY "$peer"
		return 1
	fi
	if ! lb migrate commit $KEY proto sctp vtag "$vtag"; then
		echo "# commit of $peer failed (deadline?)"
		nsn "$tns" "$LBNL" assoc release $KEY "$peer"
		nsn "$fns" "$LBNL" assoc resume $KEY "$peer"
		return 1
	fi
	nsn "$fns" "$LBNL" assoc release $KEY "$peer"
}

# migrate_one VTAG FROM TO PEER: open the migration at the LB, carry it out.
migrate_one()
{
	lb migrate start $KEY proto sctp vtag "$1" to "$3:$PORT" > /dev/null ||
		return
	carry_out "$@"
}

peer_start()
{
	rm -f "$tmp/ready" "$tmp/stop"
	nsn "$NS_PEER" "$dir/sctp_peer" -c $VIP -p $PORT -n "$1" -S 4 -i 10 \
		$PEER_RTO -r "$tmp/ready" --stop-file "$tmp/stop" \
		-o "$tmp/peer.json" > /dev/null 2>>"$tmp/bg.log" &
	PEER_PID=$!
	busywait 30000 test -e "$tmp/ready"
}

peer_stop()
{
	touch "$tmp/stop"
	wait $PEER_PID || return
	jq -e '.lost == 0 and .duplicated == 0 and .reordered == 0 and
	       .comm_lost == 0 and .restart == 0 and .aborts == 0 and
	       .echoed > 0' "$tmp/peer.json" > /dev/null
}

# none_open: no migration is open at the LB.
none_open()
{
	[ "$(lb -j migrate show | jq length)" -eq 0 ]
}

echoed()
{
	cut -d' ' -f1 "$tmp/count.$1" 2>/dev/null || echo 0
}

grows()
{
	[ "$(echoed "$1")" -ge "$2" ]
}

on_dest()
{
	entries | awk -v d="$1" '$2 == d' | wc -l
}

case_move()
{
	local vtag from peer to n=0 e1 e2

	RET=0
	peer_start "$NASSOC"
	check_err $? "peer not ready"
	entries > "$tmp/before"
	[ "$(wc -l < "$tmp/before")" -eq "$NASSOC" ]
	check_err $? "LB has $(wc -l < "$tmp/before") established entries, expected $NASSOC"
	while read -r vtag from peer; do
		to=$SRV1_IP4
		[ "$from" = "$SRV1_IP4" ] && to=$SRV2_IP4
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
	e1=$(echoed srv1)
	e2=$(echoed srv2)
	busywait 20000 grows srv1 $((e1 + 200)) && busywait 20000 grows srv2 $((e2 + 200))
	check_err $? "the targets do not echo"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	echo "# peer: $(jq -c '{sent, echoed, lost, max_stall_ms}' "$tmp/peer.json")"
	log_test "every association migrated mid-stream, the peer sees nothing"
}

case_maint()
{
	local id vtag from peer to n=0 total

	RET=0
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
# The echo servers; per-association buffers (see README, transplant).
for i in 1 2 3; do
	ns=${NS_SRVS[i - 1]}
	nsn "$ns" sysctl -qw net.sctp.sndbuf_policy=1 net.sctp.rcvbuf_policy=1
	ip netns exec "$ns" "$dir/sctp_echo" -s seqpacket -p $PORT -a $VIP \
		-c "$tmp/count.srv$i" -q </dev/null >/dev/null 2>>"$tmp/bg.log" &
	defer kill $!
done
lb vip add $KEY proto sctp mode tun &&
	lb vip add $VIP:80 proto tcp mode tun &&
	lb dest add $KEY proto sctp $SRV1_IP4:$PORT &&
	lb dest add $KEY proto sctp $SRV2_IP4:$PORT &&
	lb dest add $KEY proto sctp $SRV3_IP4:$PORT weight 0 ||
	{ echo "# VIP set-up failed"; exit $ksft_fail; }
defer lb flush

for c in $CASES; do
	"case_$c"
done
ksft_exit
