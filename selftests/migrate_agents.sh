#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live SCTP migration end to end (US 9,923,827): the module on the LB and
# the servers, lbnld on the LB, lbnl-agent on each server, the
# migration-aware echo app (lbnl-echo) or an unaware one (sctp_echo), a
# checking peer (sctp_peer: numbered messages on 4 streams, ordered and
# unordered, every echo verified; --app-counter: the app's per-association
# counter carried in each echo must run 1, 2, 3 ... across a migration).
# The claim's flow, nothing played by the script: dest set to maint -> the
# module opens migrations and buffers -> lbnld -> source agent: export, app
# state -> target agent: import, app adopts, ack -> source agent -> lbnld:
# commit -> the module switches its entry and flushes the buffer.
#
#   maint      20 associations, migrate-after 1, the dest serving most of
#              them set to maint: all of them end on the other dest; the
#              peer sees 0 lost/duplicated/reordered, no COMM_LOST/RESTART/
#              ABORT; the app counters continue; a capture at the peer
#              (tshark) shows constant vtags, valid CRC32c, TSNs continuing
#   maint6     the same on an IPv6 VIP (6 associations)
#   retry      a maintenance that finishes (the module's maint.c): the
#              only target has no listener, so every migration rolls
#              back; once another target takes new flows, the retries
#              move them all and "lbnl dest wait ... empty" exits 0. Then,
#              with net.lbnl.migrate_retries 1 and again no usable target,
#              the associations are given up: "dest wait" exits 1 and
#              lists them (unmigratable, how the last attempt ended);
#              "dest set ... state maint" again starts afresh and moves
#              them. The peer sees nothing
#   young      associations younger than migrate-after (5 s) when their
#              dest is set to maint stay until they reach it, then move
#              without anything else asked; "dest wait" on a terminal
#              (script(1)) keeps one progress line
#   loaded     NASSOC_LOADED (100) associations set to maint while a busy
#              loop runs on every vCPU: "dest wait ... empty" exits 0,
#              all of them end on the other dest, the peer loses nothing
#              (it lost 9 of 100 without retries and 32 with them until
#              the source agent read past a crossed transfer-ack: see
#              "crossed"; loaded_noretry, not in the default list, runs it
#              with net.lbnl.migrate_retries 0)
#   nat        a nat VIP (192.0.2.3:3872; lbnl-echo bound to each server's
#              own address): one association moved by "lbnl migrate
#              start", the others by maint; the source agent translates
#              the local endpoint to the target's; entries on the target,
#              the target echoes, the peer sees nothing, the capture at
#              the peer shows constant vtags, valid CRC32c, TSNs going on;
#              then on 192.0.2.3:3873, whose servers (sctp_echo) are bound
#              to two addresses each: refused ("multi-homed"), rolled back
#   nat6       the first part of nat on an IPv6 nat VIP
#              ([2001:db8:10::3]:3874)
#   transport  an unaware app (sctp_echo): its associations move
#              transport-only
#   darn       the same with lksctp-tools' unmodified sctp_darn as the
#              peer: every message it sent reached a server exactly once
#   nolisten   the target has no listener: rolled back
#   srckilled  the source agent is not running: rolled back
#   tgtkilled  the target agent killed in the middle: rolled back
#   deadline   the target agent too slow: the LB's deadline rolls back,
#              and the late ack is answered "abort"
#   crossed    the target imported but its app is slow (stopped): the
#              source gives up at the deadline and sends its FINISH abort,
#              which the target's late TRANSFER_ACK crosses. The source
#              must read past that ack to the target's FINISH echo and
#              resume: rolled back, nothing lost (it used to keep the
#              association silenced for good: what lost associations in
#              a mass migration on a busy CPU)
#   overflow   the LB's buffer overflows while the target is slow: rolled
#              back, nothing lost
#   lbnld      lbnld restarted in the middle: the source agent brings its
#              result to the new lbnld, which commits from the LB's table
#   attacks    control connections without TLS, without a certificate,
#              with one of an unknown CA, an expired one, one of the wrong
#              role, and one of another dest are refused and logged by an
#              agent and by lbnld (lbnl-ctl-probe); then a migration works
#   identity   srv1's agent replaced by one holding srv3's (valid)
#              certificate: lbnld does not let it export for srv1, the
#              source agent srv2 does not let it import for srv1: both
#              migrations roll back, refused and logged
#   capture    the control traffic of a migration (captured at srv1 and
#              srv2) does not hold the association's vtag in clear (as
#              binary, decimal or hex); the same search finds it in the
#              SCTP capture at the peer
#   flood      1000 idle and 1000 slow-sending connections to srv1's agent
#              (from srv3) while maint migrations run: all commit; the
#              agent's thread count and RSS stay bounded
#   auth       an association with SCTP AUTH is refused with its reason
#              and keeps working on the source
#
# Environment: CASES (all of the above), NASSOC (20), NASSOC_NAT (4),
# NASSOC_LOADED (100).

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/migrate.sh"
. "$dir/lib/sctp_capture.sh"

CASES=${CASES:-maint maint6 retry young loaded nat nat6 transport darn nolisten srckilled tgtkilled \
deadline crossed overflow lbnld attacks identity capture flood auth}
NASSOC=${NASSOC:-20}
PORT_UNAWARE=3870
PORT_AUTH=3871
# The nat VIP; its dests listen on their own addresses, same port.
NAT_VIP=192.0.2.3
PORT_NAT=3872
PORT_NAT_MH=3873
NASSOC_NAT=${NASSOC_NAT:-4}
NASSOC_LOADED=${NASSOC_LOADED:-100}
NAT_VIP6=2001:db8:10::3
PORT_NAT6=3874

tmp=$(mktemp -d)
defer rm -rf "$tmp"
umask 077
. "$dir/lib/agents.sh"

dp_require
agents_require
require_cmd jq
require_cmd tshark
use_family 4
PEER_EXTRA=--app-counter
# 4 streams per association, a message on each every INTERVAL ms.
INTERVAL=${INTERVAL:-40}
# How long a server may take to start listening (the debug kernel's
# LBNL_TIMEOUT_SCALE stretches it: a wait, not a target).
START_MS=$((10000 * ${LBNL_TIMEOUT_SCALE:-1}))

# ended N: lbnld logged the end of N migrations (since it started).
ended()
{
	[ "$(count_ended '(committed in|aborted after)')" -ge "$1" ]
}

count_ended()
{
	grep -cE "migration [0-9]+ .*$1" "$tmp/lbnld.log"
}

# one_migration TARGET [ARGS]: open a migration of the (only) association
# to TARGET's address; lbnld carries it out. Sets VTAG FROM PEER.
one_migration()
{
	local to=$1

	shift
	read -r VTAG FROM PEER < <(entries)
	lb migrate start $KEY proto sctp vtag "$VTAG" \
		to "$(dp_key "$to" $PORT)" "$@" > /dev/null
}

# rolled_back WHAT: the migration ended aborted, the entry stayed on the
# source, the peer saw nothing, and the source still echoes.
rolled_back()
{
	local what=$1 e

	busywait 15000 none_open
	check_err $? "$what: migration left open: $(lb migrate show)"
	[ "$(entries | awk '{ print $2 }')" = "$FROM" ]
	check_err $? "$what: entry moved: $(entries)"
	e=$(echoed "$(srv_name "$FROM")")
	busywait 10000 grows "$(srv_name "$FROM")" $((e + 50))
	check_err $? "$what: the source does not echo any more"
	peer_stop
	check_err $? "$what: peer: $(cat "$tmp/peer.json")"
}

srv_name()
{
	case $1 in
	"$SRV1_IP4" | "$SRV1_IP6") echo srv1 ;;
	"$SRV2_IP4" | "$SRV2_IP6") echo srv2 ;;
	"$SRV3_IP4" | "$SRV3_IP6") echo srv3 ;;
	esac
}

# busiest: the dest address (of S1, S2) with more established entries.
busiest()
{
	if [ "$(on_dest "$S1")" -ge "$(on_dest "$S2")" ]; then
		echo "$S1"
	else
		echo "$S2"
	fi
}

# all_moved FROM TO N PCAP: the N associations are all on TO, which echoes;
# the peer saw nothing; the capture at the peer (PCAP) passes the checks.
all_moved()
{
	local from=$1 to=$2 n=$3 pcap=$4 e

	[ "$(on_dest "$from")" -eq 0 ] && [ "$(on_dest "$to")" -eq "$n" ]
	check_err $? "after maint: $(on_dest "$from") on $from, $(on_dest "$to") on $to"
	e=$(echoed "$(srv_name "$to")")
	busywait 20000 grows "$(srv_name "$to")" $((e + 20 * n))
	check_err $? "the target does not echo"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	capture_stop "$pcap"
	capture_check "$pcap" > "$pcap.txt"
	check_err $? "capture at the peer: $(cat "$pcap.txt")"
}

case_maint()
{
	RET=0
	case_maint_run
	log_test "IPv${FAM:-4}: dest in maint, lbnld and the agents move its associations, the peer sees nothing"
}

case_maint_run()
{
	: "${FAM:=4}"
	local n=${N:-$NASSOC} from to total base ends pcap=$tmp/maint$FAM.pcap

	busywait $START_MS dp_listening "$NS_SRV1" sctp:$PORT &&
		busywait $START_MS dp_listening "$NS_SRV2" sctp:$PORT
	check_err $? "the lbnl-echo servers of $KEY are not listening"
	base=$(count_ended 'committed in')
	ends=$(count_ended '(committed in|aborted after)')
	capture_start "$NS_PEER" eth0 "$pcap"
	lb vip set $KEY proto sctp migrate-after 1
	peer_start "$n"
	check_err $? "peer not ready"
	sleep 1.5	# every association older than migrate-after
	[ "$(entries | wc -l)" -eq "$n" ]
	check_err $? "LB has $(entries | wc -l) established entries, expected $n"
	from=$(busiest)
	to=$S1
	[ "$from" = "$S1" ] && to=$S2
	total=$(on_dest "$from")
	lb dest set $KEY proto sctp "$(dp_key "$from" $PORT)" state maint
	check_err $? "dest set maint failed"
	busywait 30000 ended $((ends + total))
	check_err $? "lbnld ended $(($(count_ended 'committed in') - base)) of $total migrations"
	busywait 5000 none_open
	check_err $? "migrations left open: $(lb migrate show)"
	[ "$(count_ended 'committed in')" -eq $((base + total)) ]
	check_err $? "only $(($(count_ended 'committed in') - base)) of $total committed: $(grep aborted "$tmp/lbnld.log")"
	all_moved "$from" "$to" "$n" "$pcap"
	echo "# $total of $n associations moved $from -> $to;" \
	     "peer: $(jq -c '{sent, echoed, lost, max_stall_ms}' "$tmp/peer.json")"
	grep -E 'migration [0-9]+ .*committed in' "$tmp/lbnld.log" | tail -n 3 |
		sed 's/^/# lbnld: /'
	lb dest set $KEY proto sctp "$(dp_key "$from" $PORT)" state active
	lb vip set $KEY proto sctp migrate-after 0
}

case_maint6()
{
	use_family 6
	FAM=6 N=6 case_maint
	use_family 4
}

# dest_key ADDR: the dest of $KEY at ADDR (same port).
dest_key()
{
	dp_key "$1" $PORT
}

# weights W1 W2 W3: srv1's, srv2's and srv3's weights on $KEY.
weights()
{
	lb dest set $KEY proto sctp "$(dest_key "$S1")" weight "$1" &&
		lb dest set $KEY proto sctp "$(dest_key "$S2")" weight "$2" &&
		lb dest set $KEY proto sctp "$(dest_key $SRV3_IP4)" weight "$3"
}

# dest_field ADDR FIELD: moved, left or unmigratable of $KEY's dest ADDR.
dest_field()
{
	lb -j dest show $KEY proto sctp |
		jq -r --arg a "$1" ".[] | select(.addr == \$a) | .$2"
}

# wait_empty ADDR S OUT: "lbnl dest wait" for dest ADDR, at most S
# seconds; its output in OUT (stderr in OUT.err). Its exit status.
wait_empty()
{
	lb dest wait $KEY proto sctp "$(dest_key "$1")" empty timeout "$2" \
		> "$3" 2> "$3.err"
}

case_retry()
{
	local n=4 from to k aborted base ends rc e

	RET=0
	base=$(count_ended 'committed in')
	ends=$(count_ended 'aborted after')
	lb vip set $KEY proto sctp migrate-after 1
	peer_start $n
	check_err $? "peer not ready"
	sleep 1.5
	from=$(busiest)
	to=$S1
	[ "$from" = "$S1" ] && to=$S2
	k=$(on_dest "$from")
	# Part 1: the only target, srv3, has no listener: all roll back.
	if [ "$from" = "$S1" ]; then weights 1 0 1; else weights 0 1 1; fi
	check_err $? "weights not set"
	lb dest set $KEY proto sctp "$(dest_key "$from")" state maint
	check_err $? "dest set maint failed"
	busywait 30000 ended_as 'aborted after' $((ends + k))
	check_err $? "not every migration to srv3 (no listener) rolled back: $(lb conn show $KEY proto sctp)"
	aborted=$(($(count_ended 'aborted after') - ends))
	lb conn show $KEY proto sctp | grep -q 'migrate-failed [0-9]* (last: requested)'
	check_err $? "no entry shows its failed migration: $(lb conn show $KEY proto sctp)"
	# Another target: the retries (nothing else) move them.
	weights 1 1 0
	wait_empty "$from" 120 "$tmp/wait1"
	rc=$?
	[ $rc -eq 0 ] && [ "$(on_dest "$from")" -eq 0 ] &&
		[ "$(on_dest "$to")" -eq $n ]
	check_err $? "retries: wait exit $rc ($(cat "$tmp/wait1" "$tmp/wait1.err")); $(on_dest "$from") on $from, $(on_dest "$to") on $to"
	[ "$(dest_field "$from" moved)" = "$k" ] && [ "$(dest_field "$from" left)" = 0 ]
	check_err $? "dest show: $(lb dest show $KEY proto sctp)"
	echo "# $k associations: $aborted migrations to srv3 rolled back, then moved by retries; wait: $(tail -n 1 "$tmp/wait1")"

	# Part 2: one retry only, no usable target: given up, listed.
	lb dest set $KEY proto sctp "$(dest_key "$from")" state active
	nsn "$NS_LB" sysctl -qw net.lbnl.migrate_retries=1
	if [ "$to" = "$S1" ]; then weights 1 0 1; else weights 0 1 1; fi
	# ("from" is active again but weight 0: srv3 is the only target.)
	lb dest set $KEY proto sctp "$(dest_key "$to")" state maint
	wait_empty "$to" 120 "$tmp/wait2"
	rc=$?
	[ $rc -eq 1 ] && [ "$(grep -c '^sctp .*unmigratable' "$tmp/wait2")" -eq $n ] &&
		grep -q 'given up' "$tmp/wait2.err"
	check_err $? "given up: wait exit $rc, $(cat "$tmp/wait2" "$tmp/wait2.err")"
	grep -m1 '^sctp .*unmigratable' "$tmp/wait2" | sed 's/^/# /'
	[ "$(dest_field "$to" unmigratable)" = $n ] && [ "$(dest_field "$to" left)" = $n ]
	check_err $? "dest show: $(lb dest show $KEY proto sctp)"
	# Maint again starts afresh: now with a target that listens.
	nsn "$NS_LB" sysctl -qw net.lbnl.migrate_retries=8
	weights 1 1 0
	lb dest set $KEY proto sctp "$(dest_key "$to")" state maint
	wait_empty "$to" 120 "$tmp/wait3"
	rc=$?
	[ $rc -eq 0 ] && [ "$(on_dest "$from")" -eq $n ]
	check_err $? "afresh: wait exit $rc ($(cat "$tmp/wait3" "$tmp/wait3.err")), $(on_dest "$from") on $from"
	lb dest set $KEY proto sctp "$(dest_key "$to")" state active
	weights 1 1 0
	[ "$(($(count_ended 'committed in') - base))" -eq $((k + n)) ]
	check_err $? "$(($(count_ended 'committed in') - base)) committed, expected $((k + n))"
	e=$(echoed "$(srv_name "$from")")
	busywait 20000 grows "$(srv_name "$from")" $((e + 20 * n))
	check_err $? "the dest they ended on does not echo"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	lb vip set $KEY proto sctp migrate-after 0
	log_test "maint retries rolled-back migrations until the dest is empty; gives up after migrate_retries, listed; maint again starts afresh"
}

case_young()
{
	local n=2 from k rc

	RET=0
	lb vip set $KEY proto sctp migrate-after 5
	peer_start $n
	check_err $? "peer not ready"
	from=$(busiest)
	k=$(on_dest "$from")
	lb dest set $KEY proto sctp "$(dest_key "$from")" state maint
	check_err $? "dest set maint failed"
	sleep 1
	# (left counts every entry: also earlier cases' closed ones)
	[ "$(dest_field "$from" moved)" = 0 ] && [ "$(on_dest "$from")" -eq "$k" ] &&
		[ "$(dest_field "$from" left)" -ge "$k" ]
	check_err $? "young associations moved early: $(lb dest show $KEY proto sctp)"
	# On a terminal: one line, rewritten (carriage return, erase line).
	nsn "$NS_LB" script -qec "$LBNL dest wait $KEY proto sctp $(dest_key "$from") empty timeout 60" \
		/dev/null > "$tmp/wait.young" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ "$(on_dest "$from")" -eq 0 ] &&
		[ "$(dest_field "$from" moved)" = "$k" ]
	check_err $? "wait exit $rc: $(tr '\r\033' '|~' < "$tmp/wait.young"); $(on_dest "$from") left on $from"
	grep -q $'\r\033\[K' "$tmp/wait.young"
	check_err $? "no progress line on a terminal: $(tr '\r\033' '|~' < "$tmp/wait.young")"
	[ "$(grep -c . "$tmp/wait.young")" -le 2 ]
	check_err $? "more than one line on a terminal: $(tr '\r\033' '|~' < "$tmp/wait.young")"
	echo "# $k young associations moved once $(lb -j vip show $KEY proto sctp | jq '.[0].migrate_after') s old; wait: $(tr '\r' '\n' < "$tmp/wait.young" | grep . | tail -n 1)"
	lb dest set $KEY proto sctp "$(dest_key "$from")" state active
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	lb vip set $KEY proto sctp migrate-after 0
	log_test "associations younger than migrate-after move once they reach it; dest wait keeps one progress line on a terminal"
}

# ended_as WHAT N: lbnld logged N migrations ending so (since it started).
ended_as()
{
	[ "$(count_ended "$1")" -ge "$2" ]
}

# cpu_hog: a busy loop on every CPU of the VM until cpu_hog_stop.
cpu_hog()
{
	local i

	HOGS=()
	for ((i = 0; i < $(nproc); i++)); do
		(while :; do :; done) &
		HOGS+=($!)
	done
}

cpu_hog_stop()
{
	kill "${HOGS[@]}" 2>/dev/null
	wait "${HOGS[@]}" 2>/dev/null
	HOGS=()
}

case_loaded()
{
	local n=$NASSOC_LOADED from to base ends rc t0 e sampler max_open
	local INTERVAL=500

	RET=0
	base=$(count_ended 'committed in')
	ends=$(count_ended 'aborted after')
	lb vip set $KEY proto sctp migrate-after 1
	peer_start "$n"
	check_err $? "peer not ready"
	sleep 1.5
	[ "$(entries | wc -l)" -eq "$n" ]
	check_err $? "LB has $(entries | wc -l) established entries, expected $n"
	from=$(busiest)
	to=$S1
	[ "$from" = "$S1" ] && to=$S2
	cpu_hog
	t0=$SECONDS
	lb dest set $KEY proto sctp "$(dest_key "$from")" state maint
	check_err $? "dest set maint failed"
	# how many migrations are open at once (net.lbnl.migrate_max_open)
	(while :; do lb -j migrate show | jq length; sleep 0.3; done \
		>"$tmp/open.loaded" 2>/dev/null) &
	sampler=$!
	wait_empty "$from" 900 "$tmp/wait.loaded"
	rc=$?
	kill "$sampler"
	wait "$sampler" 2>/dev/null
	cpu_hog_stop
	max_open=$(sort -n "$tmp/open.loaded" | tail -n 1)
	[ "${max_open:-0}" -ge 1 ] &&
		[ "$max_open" -le "$(nsn "$NS_LB" sysctl -n net.lbnl.migrate_max_open)" ]
	check_err $? "up to ${max_open:-none} migrations open at once, net.lbnl.migrate_max_open is $(nsn "$NS_LB" sysctl -n net.lbnl.migrate_max_open)"
	[ $rc -eq 0 ] && [ "$(on_dest "$from")" -eq 0 ] &&
		[ "$(on_dest "$to")" -eq "$n" ]
	check_err $? "wait exit $rc ($(tail -n 2 "$tmp/wait.loaded" "$tmp/wait.loaded.err")); $(on_dest "$from") on $from, $(on_dest "$to") on $to"
	echo "# $n associations, CPUs busy: $(tail -n 1 "$tmp/wait.loaded") (in $((SECONDS - t0)) s," \
	     "at most $max_open open at once);" \
	     "$(($(count_ended 'aborted after') - ends)) rollbacks retried," \
	     "$(($(count_ended 'committed in') - base)) committed"
	grep 'aborted after' "$tmp/lbnld.log" | tail -n +$((ends + 1)) |
		sed -E 's/.*(aborted after [0-9]+ ms: )/\1/; s/[0-9]+ ms/N ms/; s/[0-9.]+:[0-9]+/ADDR/g' |
		sort | uniq -c | sort -rn | head -n 4 | sed 's/^/# rolled back: /'
	e=$(echoed "$(srv_name "$to")")
	busywait 30000 grows "$(srv_name "$to")" $((e + 4 * n))
	check_err $? "the target does not echo"
	peer_stop
	check_err $? "peer: $(jq -c '{sent, echoed, lost, duplicated, reordered, comm_lost, restart, aborts}' "$tmp/peer.json")"
	if [ $RET -ne 0 ]; then
		echo "# peer: $(jq -c '{sent, echoed, lost, duplicated, reordered, comm_lost, restart, aborts}' "$tmp/peer.json")"
		for i in 1 2; do
			grep -iE 'error|fail|closed|abort|refus|resum|releas' "$tmp/agent.srv$i.log" |
				sed -E 's/^[0-9-]+ [0-9:.]+ //; s/[0-9]+/N/g' | sort | uniq -c |
				sort -rn | head -n 12 | sed "s/^/# agent srv$i: /"
		done
	fi
	lb dest set $KEY proto sctp "$(dest_key "$from")" state active
	lb vip set $KEY proto sctp migrate-after 0
	log_test "$n associations set to maint with every CPU busy: all moved (retried as needed), dest wait exits 0, nothing lost"
}

# loaded_noretry: the same without retries (net.lbnl.migrate_retries 0),
# to compare; not in the default list.
case_loaded_noretry()
{
	nsn "$NS_LB" sysctl -qw net.lbnl.migrate_retries=0
	case_loaded
	nsn "$NS_LB" sysctl -qw net.lbnl.migrate_retries=8
}

# A nat VIP: the servers hold the associations on their own addresses.
case_nat()
{
	local vip=$VIP port=$PORT key=$KEY cnt=$CNT

	RET=0
	VIP=$NAT_VIP PORT=$PORT_NAT KEY=$(dp_key $NAT_VIP $PORT_NAT) \
		CNT=count.nat case_nat_run
	VIP=$NAT_VIP PORT=$PORT_NAT_MH KEY=$(dp_key $NAT_VIP $PORT_NAT_MH) \
		CNT=count.natmh PEER_EXTRA= case_nat_multihomed
	VIP=$vip PORT=$port KEY=$key CNT=$cnt
	log_test "nat VIP: the source agent translates the local endpoint, lbnld and the agents move the associations, the peer sees nothing"
}

case_nat_run()
{
	local n=$NASSOC_NAT from to total base ends pcap=$tmp/nat$PORT.pcap
	local src_log

	base=$(count_ended 'committed in')
	ends=$(count_ended '(committed in|aborted after)')
	capture_start "$NS_PEER" eth0 "$pcap"
	peer_start "$n"
	check_err $? "peer not ready"
	sleep 0.5
	[ "$(entries | wc -l)" -eq "$n" ]
	check_err $? "LB has $(entries | wc -l) established entries, expected $n"

	# One association, by an explicit migration.
	read -r VTAG FROM PEER < <(entries | head -n 1)
	target_of "$FROM"
	src_log=$tmp/agent.$(srv_name "$FROM").log
	lb migrate start $KEY proto sctp vtag "$VTAG" to "$(dp_key $TO $PORT)" \
		> /dev/null
	check_err $? "migrate start failed"
	busywait 10000 ended $((ends + 1))
	busywait 5000 none_open
	check_err $? "migration left open: $(lb migrate show)"
	[ "$(entries | awk -v v="$VTAG" '$1 == v { print $2 }')" = "$TO" ]
	check_err $? "entry not on the target $TO: $(entries)"
	grep -F "$PEER" "$src_log" | grep -qF "nat: local endpoint \
$(dp_key "$FROM" $PORT) translated to the target's $(dp_key "$TO" $PORT)"
	check_err $? "the source agent did not log the translation"
	grep -F "$PEER" "$src_log" | grep -F "nat: local endpoint" | tail -n 1 |
		sed 's/^/# agent: /'

	# The others, by maint of the dest serving most of them.
	lb vip set $KEY proto sctp migrate-after 1
	sleep 1.2	# every association older than migrate-after
	from=$(busiest)
	to=$S1
	[ "$from" = "$S1" ] && to=$S2
	total=$(on_dest "$from")
	lb dest set $KEY proto sctp "$(dp_key "$from" $PORT)" state maint
	check_err $? "dest set maint failed"
	busywait 30000 ended $((ends + 1 + total))
	check_err $? "lbnld ended $(($(count_ended '(committed in|aborted after)') - ends)) of $((1 + total)) migrations"
	busywait 5000 none_open
	check_err $? "migrations left open: $(lb migrate show)"
	[ "$(count_ended 'committed in')" -eq $((base + 1 + total)) ]
	check_err $? "only $(($(count_ended 'committed in') - base)) of $((1 + total)) committed: $(grep aborted "$tmp/lbnld.log" | tail -n 3)"
	all_moved "$from" "$to" "$n" "$pcap"
	echo "# 1 association moved by migrate start, $total of $n by maint" \
	     "$from -> $to; peer: $(jq -c '{sent, echoed, lost, max_stall_ms}' "$tmp/peer.json")"
	grep -F "sctp $KEY " "$tmp/lbnld.log" | grep "committed in" |
		tail -n 2 | sed 's/^/# lbnld: /'
	lb dest set $KEY proto sctp "$(dp_key "$from" $PORT)" state active
	lb vip set $KEY proto sctp migrate-after 0
}

case_nat6()
{
	RET=0
	use_family 6
	VIP=$NAT_VIP6 PORT=$PORT_NAT6 KEY=$(dp_key $NAT_VIP6 $PORT_NAT6) \
		CNT=count.nat6 case_nat_run
	use_family 4
	log_test "nat VIP, IPv6: the source agent translates the local endpoint, lbnld and the agents move the associations, the peer sees nothing"
}

# A server side with two local addresses cannot be translated: refused.
case_nat_multihomed()
{
	peer_start 1
	check_err $? "peer not ready (multi-homed servers)"
	sleep 0.3
	read -r VTAG FROM PEER < <(entries)
	target_of "$FROM"
	one_migration "$TO"
	check_err $? "start failed (multi-homed servers)"
	rolled_back "nat, multi-homed server side"
	grep -E "migration [0-9]+ .*$PEER.*aborted after" "$tmp/lbnld.log" |
		tail -n 1 > "$tmp/natmh.line"
	grep -q "multi-homed" "$tmp/natmh.line"
	check_err $? "multi-homed: reason not given: $(cat "$tmp/natmh.line")"
	sed 's/^/# lbnld: /' "$tmp/natmh.line"
}

# An unaware app: no app state, the association moves alone.
case_transport()
{
	local port=$PORT

	RET=0
	PORT=$PORT_UNAWARE KEY=$(dp_key $VIP $PORT_UNAWARE) PEER_EXTRA= \
		case_transport_run
	PORT=$port
	log_test "unaware app (sctp_echo): transport-only migration"
}

case_transport_run()
{
	local to

	peer_start 2
	check_err $? "peer not ready"
	sleep 0.5
	read -r VTAG FROM PEER < <(entries)
	to=$S1
	[ "$FROM" = "$S1" ] && to=$S2
	lb migrate start $KEY proto sctp vtag "$VTAG" to "$(dp_key $to $PORT)" \
		> /dev/null
	check_err $? "start failed"
	busywait 10000 none_open
	[ "$(entries | awk -v v="$VTAG" '$1 == v { print $2 }')" = "$to" ]
	check_err $? "entry not on the target: $(entries)"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
}

# darn_sent: the unaware servers echoed (received) this many messages.
darn_total()
{
	echo $(($(echoed srv1) + $(echoed srv2)))
}

darn_done()
{
	[ "$(CNT=count.unaware darn_total)" -ge "$1" ]
}

case_darn()
{
	local n=300 base to pid port=$PORT key=$KEY

	RET=0
	PORT=$PORT_UNAWARE
	KEY=$(dp_key $VIP $PORT_UNAWARE)
	base=$(CNT=count.unaware darn_total)
	for i in $(seq $n); do
		echo "message $i"
		sleep 0.02
	done | ip netns exec "$NS_PEER" sctp_darn -H $PEER_IP4 -P 5001 \
		-h $VIP -p $PORT -s > "$tmp/darn.out" 2>&1 &
	pid=$!
	busywait 10000 darn_done $((base + 20))
	check_err $? "sctp_darn's first messages did not arrive"
	VTAG=$(lb -j conn show $KEY proto sctp |
		jq -r '.[] | select(.peer | endswith(":5001")) | .my_vtag')
	FROM=$(lb -j conn show $KEY proto sctp |
		jq -r '.[] | select(.peer | endswith(":5001")) | .dest' |
		sed 's/:[0-9]*$//')
	target_of "$FROM"
	lb migrate start $KEY proto sctp vtag "$VTAG" to "$(dp_key $TO $PORT)" \
		> /dev/null
	check_err $? "start failed"
	busywait 10000 none_open
	check_err $? "migration left open: $(lb migrate show)"
	[ "$(entries | awk -v v="$VTAG" '$1 == v { print $2 }')" = "$TO" ]
	check_err $? "entry not on the target: $(entries)"
	# sctp_darn's exit status says nothing: its output says what it saw.
	wait $pid
	busywait 5000 darn_done $((base + n))
	[ "$(CNT=count.unaware darn_total)" -eq $((base + n)) ]
	check_err $? "servers got $(($(CNT=count.unaware darn_total) - base)) of $n messages"
	grep -Eqi "COMM_LOST|RESTART|ABORT|CANT_STR" "$tmp/darn.out"
	check_fail $? "sctp_darn saw: $(grep -Eio '[A-Z_]*(COMM_LOST|RESTART|ABORT|CANT_STR)[A-Z_]*' "$tmp/darn.out" | sort -u)"
	PORT=$port
	KEY=$key
	log_test "unmodified sctp_darn peer: moved mid-stream, every message received once"
}

case_nolisten()
{
	RET=0
	lb dest set $KEY proto sctp $SRV3_IP4:$PORT weight 1 state active
	peer_start 1
	check_err $? "peer not ready"
	one_migration $SRV3_IP4
	check_err $? "start failed"
	rolled_back "no listener"
	lb dest set $KEY proto sctp $SRV3_IP4:$PORT weight 0
	grep -E "migration [0-9]+ .*aborted after" "$tmp/lbnld.log" | tail -n 1 |
		sed 's/^/# lbnld: /'
	log_test "target without a listener: rolled back, nothing lost"
}

case_srckilled()
{
	local i

	RET=0
	one_association
	i=$(srv_name "$FROM")
	i=${i#srv}
	agent_signal "$i" KILL
	one_migration "$([ "$FROM" = "$S1" ] && echo "$S2" || echo "$S1")"
	check_err $? "start failed"
	rolled_back "source agent killed"
	agent_start "$i"
	log_test "source agent not running: rolled back, nothing lost"
}

# target_of FROM: the other of S1, S2; its index in TI.
target_of()
{
	if [ "$1" = "$S1" ]; then TO=$S2 TI=2; else TO=$S1 TI=1; fi
}

# one_association: the peer sets up one; sets VTAG FROM PEER.
one_association()
{
	peer_start 1
	check_err $? "peer not ready"
	read -r VTAG FROM PEER < <(entries)
}

# stalled_migration [ARGS]: one association, its target agent stopped
# (SIGSTOP: it accepts connections and answers nothing), its migration
# started (ARGS: more for "lbnl migrate start"). Sets VTAG FROM PEER TO TI.
stalled_migration()
{
	one_association
	target_of "$FROM"
	agent_signal "$TI" STOP
	one_migration "$TO" "$@"
	check_err $? "start failed"
}

# transferring: the source agent exported and turned to the target agent.
transferring()
{
	grep -q "session .*$PEER.*to the target agent" \
		"$tmp/agent.$(srv_name "$FROM").log"
}

case_tgtkilled()
{
	RET=0
	stalled_migration
	busywait 5000 transferring
	agent_signal "$TI" KILL
	rolled_back "target agent killed"
	agent_start "$TI"
	log_test "target agent killed mid-migration: rolled back, nothing lost"
}

case_deadline()
{
	RET=0
	stalled_migration timeout 500
	busywait 5000 none_open
	check_err $? "the deadline did not close the migration"
	agent_signal "$TI" CONT
	rolled_back "deadline"
	log_test "deadline exceeded: rolled back, the late ack answered, nothing lost"
}

# imported_on ADDR: the dest ADDR's kernel has the association of $PEER.
imported_on()
{
	nsn "$(srv_ns "$1")" "$LBNL" assoc show | grep -q "peer $PEER"
}

case_crossed()
{
	local app

	RET=0
	one_association
	target_of "$FROM"
	app=$(pgrep -f -- "apps.srv$TI.sock -p $PORT -a $VIP " | head -n 1)
	[ -n "$app" ]
	check_err $? "the target's app (lbnl-echo) not found"
	kill -STOP "$app"
	one_migration "$TO" timeout 3000
	check_err $? "start failed"
	# Imported on the target, which now waits for its stopped app.
	busywait 5000 imported_on "$TO"
	check_err $? "never imported on the target"
	agent_signal "$TI" STOP
	busywait 10000 grep -q "session .*$PEER.*no transfer-ack by the deadline" \
		"$tmp/agent.$(srv_name "$FROM").log"
	check_err $? "the source did not give up at its deadline"
	kill -CONT "$app"
	agent_signal "$TI" CONT
	rolled_back "crossed ack"
	grep -q "session .*$PEER.*stays silenced" "$tmp/agent.$(srv_name "$FROM").log"
	check_fail $? "the source kept the association silenced"
	grep -E "session .*$PEER.*(came late|resumed here)" \
		"$tmp/agent.$(srv_name "$FROM").log" | sed 's/^/# source: /'
	log_test "the target's late transfer-ack crosses the source's abort: the source waits for the echo, resumes, nothing lost"
}

case_overflow()
{
	local old drops

	RET=0
	# A few packets' truesize.
	old=$(nsn "$NS_LB" sysctl -n net.lbnl.migrate_buffer_share)
	nsn "$NS_LB" sysctl -qw net.lbnl.migrate_buffer_share=6000
	stalled_migration
	busywait 5000 none_open
	check_err $? "the full buffer did not close the migration"
	agent_signal "$TI" CONT
	rolled_back "buffer overflow"
	nsn "$NS_LB" sysctl -qw net.lbnl.migrate_buffer_share="$old"
	drops=$(lb -j stats | jq '.global.drops.migrate_full')
	[ "$drops" -gt 0 ]
	check_err $? "no migrate_full drop counted"
	log_test "LB buffer overflow: rolled back, nothing lost"
}

case_lbnld()
{
	RET=0
	stalled_migration timeout 5000
	busywait 5000 transferring
	lbnld_kill
	lbnld_start
	agent_signal "$TI" CONT
	busywait 10000 none_open
	check_err $? "migration left open: $(lb migrate show)"
	[ "$(entries | awk '{ print $2 }')" = "$TO" ]
	check_err $? "entry not on the target: $(entries)"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	grep -E "$PEER" "$tmp/lbnld.log" | tail -n 2 | sed 's/^/# lbnld: /'
	log_test "lbnld restarted mid-migration: the new one commits from the LB's table"
}

# probe NS TO MODE [NAME] [ARGS]: lbnl-ctl-probe from NS to TO, with NAME's
# certificate (none for plain and nocert), output in $tmp/probe.out.
probe()
{
	local ns=$1 to=$2 mode=$3 who=${4:-}

	shift 4
	# shellcheck disable=SC2046
	nsn "$ns" "$PROBE" $([ -n "$who" ] && cert_args "$who") "$to" "$mode" \
		"$@" > "$tmp/probe.out" 2>&1
}

case_attacks()
{
	local a what

	RET=0
	peer_start 1
	check_err $? "peer not ready"
	# Certificates an attacker may hold: another CA's, an expired one.
	"$MKCERT" ca "$CERTS/alien" &&
		"$MKCERT" cert "$CERTS/alien" lb lb 1 &&
		"$MKCERT" cert "$CERTS/alien" srv1 agent 1 "$SRV1_IP4" &&
		"$MKCERT" cert "$CERTS" oldlb lb -1 &&
		"$MKCERT" cert "$CERTS" oldsrv1 agent -1 "$SRV1_IP4"
	check_err $? "attackers' certificates"
	cp "$CERTS/alien/lb.pem" "$CERTS/alienlb.pem"
	cp "$CERTS/alien/lb.key" "$CERTS/alienlb.key"
	cp "$CERTS/alien/srv1.pem" "$CERTS/aliensrv1.pem"
	cp "$CERTS/alien/srv1.key" "$CERTS/aliensrv1.key"
	# At the agent: each must fail or be refused, nothing done.
	for a in "plain -" "nocert -" "attack alienlb" "attack oldlb" \
		 "attack srv3" "attack srv3 --type transfer --source $SRV1_IP4 --target $SRV1_IP4" \
		 "attack srv3 --type transfer --source $SRV3_IP4 --target $SRV3_IP4" \
		 "attack lb --type transfer --source $SRV2_IP4 --target $SRV1_IP4"; do
		# shellcheck disable=SC2086
		set -- $a
		[ "$2" = - ] && set -- "$1" ""
		probe "$NS_LB" "$SRV1_IP4:7342" "$@"
		check_err $? "agent, $a: $(cat "$tmp/probe.out")"
		echo "# agent, $a: $(tail -n 1 "$tmp/probe.out")"
	done
	# At lbnld: the same, and an LB's certificate sending a RESULT.
	for a in "plain -" "nocert -" "attack aliensrv1 --type result" \
		 "attack oldsrv1 --type result" "attack lb --type result"; do
		# shellcheck disable=SC2086
		set -- $a
		[ "$2" = - ] && set -- "$1" ""
		probe "$NS_SRV1" "$LB_SRV_IP4:7341" "$@"
		check_err $? "lbnld, $a: $(cat "$tmp/probe.out")"
		echo "# lbnld, $a: $(tail -n 1 "$tmp/probe.out")"
	done
	for what in "certificate has expired" "unable to get local issuer" \
		    "peer did not return a certificate" \
		    "a migrate needs an LB's certificate" \
		    "does not name the source dest $SRV1_IP4" \
		    "target dest $SRV3_IP4 is not this host's" \
		    "a transfer needs an agent's certificate"; do
		grep -q "$what" "$tmp/agent.srv1.log"
		check_err $? "the agent did not log '$what'"
	done
	for what in "certificate has expired" "unable to get local issuer" \
		    "peer did not return a certificate"; do
		grep -q "$what" "$tmp/lbnld.log"
		check_err $? "lbnld did not log '$what'"
	done
	grep -E "rejected|refused" "$tmp/agent.srv1.log" | tail -n 4 |
		sed 's/^/# agent: /'
	grep -E "rejected|refused" "$tmp/lbnld.log" | tail -n 3 |
		sed 's/^/# lbnld: /'
	# Still serving.
	read -r VTAG FROM PEER < <(entries)
	target_of "$FROM"
	one_migration "$TO"
	busywait 10000 none_open
	[ "$(entries | awk '{ print $2 }')" = "$TO" ]
	check_err $? "a migration after the attacks failed: $(entries)"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	log_test "control connections without TLS, without a certificate, with an unknown CA's, expired, wrong-role or other-dest certificates refused and logged"
}

# peer_on ADDR: one association, on ADDR (of S1, S2): the other dest takes
# no new flow while it is made. Sets VTAG FROM PEER.
peer_on()
{
	local other=$S1

	[ "$1" = "$S1" ] && other=$S2
	lb dest set $KEY proto sctp "$(dp_key "$other" $PORT)" weight 0
	peer_start 1
	check_err $? "peer not ready"
	lb dest set $KEY proto sctp "$(dp_key "$other" $PORT)" weight 1
	read -r VTAG FROM PEER < <(entries)
	[ "$FROM" = "$1" ]
	check_err $? "the association is on $FROM, not $1"
}

case_identity()
{
	RET=0
	# srv1's agent holds srv3's certificate: valid, for another dest.
	agent_signal 1 KILL
	agent_start 1 srv3
	check_err $? "agent with srv3's certificate did not start"

	# Export for srv1: lbnld does not ask it.
	peer_on "$S1"
	one_migration "$S2"
	check_err $? "start failed"
	rolled_back "export by srv3's certificate"
	grep -E "migration [0-9]+ .*$PEER.*aborted after" "$tmp/lbnld.log" |
		tail -n 1 > "$tmp/id.line"
	grep -q "its certificate does not name the source dest $S1" "$tmp/id.line"
	check_err $? "lbnld: not refused for the certificate: $(cat "$tmp/id.line")"
	sed 's/^/# lbnld: /' "$tmp/id.line"

	# Import for srv1: the source agent (srv2) does not send it the state.
	peer_on "$S2"
	one_migration "$S1"
	check_err $? "start failed"
	rolled_back "import by srv3's certificate"
	grep -F "$PEER" "$tmp/agent.srv2.log" |
		grep "its certificate does not name the target dest $S1" |
		tail -n 1 > "$tmp/id.line"
	[ -s "$tmp/id.line" ]
	check_err $? "srv2's agent did not refuse the target: $(grep -F "$PEER" "$tmp/agent.srv2.log" | tail -n 3)"
	sed 's/^/# agent srv2: /' "$tmp/id.line"

	agent_signal 1 KILL
	agent_start 1
	check_err $? "srv1's agent did not restart"
	log_test "a valid certificate for srv3 cannot export or import for srv1"
}

# in_pcap PCAP VTAG: the vtag's bytes (binary either order, decimal, hex)
# are somewhere in the file.
in_pcap()
{
	python3 - "$1" "$2" <<-'PY'
		import struct, sys
		data = open(sys.argv[1], "rb").read()
		v = int(sys.argv[2], 0)
		pats = [struct.pack(">I", v), struct.pack("<I", v),
			str(v).encode(), b"%08x" % v, b"%x" % v, b"%08X" % v]
		sys.exit(0 if any(p in data for p in pats) else 1)
	PY
}

case_capture()
{
	local c1=$tmp/ctl.srv1.pcap c2=$tmp/ctl.srv2.pcap pd=$tmp/data.pcap

	RET=0
	one_association
	target_of "$FROM"
	CAPTURE_FILTER="tcp port 7341 or tcp port 7342" \
		capture_start "$NS_SRV1" eth0 "$c1"
	CAPTURE_FILTER="tcp port 7341 or tcp port 7342" \
		capture_start "$NS_SRV2" eth0 "$c2"
	capture_start "$NS_PEER" eth0 "$pd"
	one_migration "$TO"
	check_err $? "start failed"
	busywait 10000 none_open
	[ "$(entries | awk -v v="$VTAG" '$1 == v { print $2 }')" = "$TO" ]
	check_err $? "entry not on the target: $(entries)"
	sleep 0.3
	capture_stop "$c1"
	capture_stop "$c2"
	capture_stop "$pd"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	# The search works: the peer's SCTP packets carry the vtag.
	in_pcap "$pd" "$VTAG"
	check_err $? "vtag $VTAG not found in the SCTP capture (search broken?)"
	# There was control traffic, and none of it shows the vtag.
	[ "$(stat -c %s "$c1")" -gt 2000 ] && [ "$(stat -c %s "$c2")" -gt 2000 ]
	check_err $? "no control traffic captured: $(stat -c %s "$c1" "$c2")"
	in_pcap "$c1" "$VTAG"
	check_fail $? "vtag $VTAG in clear in srv1's control traffic"
	in_pcap "$c2" "$VTAG"
	check_fail $? "vtag $VTAG in clear in srv2's control traffic"
	echo "# vtag $VTAG: in the SCTP capture, not in $(stat -c %s "$c1") + $(stat -c %s "$c2") bytes of control traffic"
	log_test "a migration's control traffic does not show the vtag in clear"
}

# thread_watch PID FILE: the max of Threads and VmRSS (kB) of PID into FILE,
# every 200 ms, until FILE.stop exists.
thread_watch()
{
	local pid=$1 f=$2 t r mt=0 mr=0

	while [ ! -e "$f.stop" ]; do
		t=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		[ "${t:-0}" -gt "$mt" ] && mt=$t
		[ "${r:-0}" -gt "$mr" ] && mr=$r
		echo "$mt $mr" > "$f"
		sleep 0.2
	done
}

case_flood()
{
	local pid fpid wpid mt mr t0 r0 ci ui cs us

	RET=0
	pid=${AGENT_PID[1]}
	t0=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")
	r0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	rm -f "$tmp/watch" "$tmp/watch.stop"
	thread_watch "$pid" "$tmp/watch" &
	wpid=$!
	nsn "$NS_SRV3" "$PROBE" "$SRV1_IP4:7342" flood 1000 1000 15 \
		> "$tmp/flood.out" 2>&1 &
	fpid=$!
	sleep 1
	N=6 FAM=4 case_maint_run
	wait $fpid
	check_err $? "flood: $(cat "$tmp/flood.out")"
	# Every connection that reached the agent was closed by it.
	read -r ci ui cs us < <(sed -nE 's/.*closed ([0-9]+) of ([0-9]+) idle and ([0-9]+) of ([0-9]+) slow.*/\1 \2 \3 \4/p' "$tmp/flood.out")
	[ "${ui:-0}" -ge 900 ] && [ "${us:-0}" -ge 900 ] &&
		[ "$ci" = "$ui" ] && [ "$cs" = "$us" ]
	check_err $? "flood: not all closed: $(tail -n 1 "$tmp/flood.out")"
	touch "$tmp/watch.stop"
	wait $wpid
	read -r mt mr < "$tmp/watch"
	echo "# $(tail -n 1 "$tmp/flood.out")"
	echo "# srv1's agent: $t0 threads, $r0 kB before; at most $mt threads, $mr kB during"
	[ "$mt" -le 16 ]
	check_err $? "srv1's agent reached $mt threads"
	[ "$mr" -le $((r0 + 32768)) ]
	check_err $? "srv1's agent reached $mr kB (from $r0)"
	grep "unauthenticated control connections" "$tmp/agent.srv1.log" |
		tail -n 1 | sed 's/^/# agent: /'
	log_test "1000 idle and 1000 slow connections to an agent while migrations run: all commit, threads and memory bounded"
}

# SCTP AUTH negotiated (net.sctp.auth_enable on both sides when the sockets
# are made): not migratable; refused with that reason.
case_auth()
{
	local port=$PORT

	RET=0
	PORT=$PORT_AUTH KEY=$(dp_key $VIP $PORT_AUTH) PEER_EXTRA=--auth \
		case_auth_run
	PORT=$port
	log_test "AUTH association: refused with its reason, keeps working on the source"
}

case_auth_run()
{
	local CNT=count.auth

	nsn "$NS_PEER" sysctl -qw net.sctp.auth_enable=1
	peer_start 1
	check_err $? "peer not ready"
	nsn "$NS_PEER" sysctl -qw net.sctp.auth_enable=0
	sleep 0.3
	read -r VTAG FROM PEER < <(entries)
	target_of "$FROM"
	one_migration "$TO"
	check_err $? "start failed"
	rolled_back "auth"
	grep -E "migration [0-9]+ .*$PEER.*aborted after" "$tmp/lbnld.log" | tail -n 1 > "$tmp/auth.line"
	grep -q "AUTH" "$tmp/auth.line"
	check_err $? "reason not given: $(cat "$tmp/auth.line")"
	sed 's/^/# lbnld: /' "$tmp/auth.line"
}

if ! dp_setup; then
	echo "# set-up failed"
	exit $ksft_fail
fi
certs_make || { echo "# certificates: openssl failed"; exit $ksft_fail; }
for i in 1 2 3; do
	agent_start $i || { echo "# agent srv$i did not start"; exit $ksft_fail; }
done
app_servers $PORT4 $DP_TUN4 count 1 2
app_servers $PORT6 $DP_TUN6 count6 1 2
echo_servers $PORT_UNAWARE $DP_TUN4 count.unaware 1 2
# nat: each server's app on its own address.
app_servers $PORT_NAT $SRV1_IP4 count.nat 1
app_servers $PORT_NAT $SRV2_IP4 count.nat 2
app_servers $PORT_NAT6 $SRV1_IP6 count.nat6 1
app_servers $PORT_NAT6 $SRV2_IP6 count.nat6 2
# nat, multi-homed server side: each bound to its own address and DP_TUN4.
for i in 1 2; do
	a=SRV${i}_IP4
	ip netns exec "${NS_SRVS[i - 1]}" "$dir/sctp_echo" -s seqpacket \
		-p $PORT_NAT_MH -a "${!a}" -a $DP_TUN4 \
		-c "$tmp/count.natmh.srv$i" -q </dev/null >/dev/null \
		2>>"$tmp/bg.log" &
	defer kill $!
done
# The AUTH servers' sockets are made with AUTH on.
for i in 1 2; do
	nsn "${NS_SRVS[i - 1]}" sysctl -qw net.sctp.auth_enable=1
done
echo_servers $PORT_AUTH $DP_TUN4 count.auth 1 2
busywait $START_MS dp_listening "$NS_SRV1" sctp:$PORT_AUTH &&
	busywait $START_MS dp_listening "$NS_SRV2" sctp:$PORT_AUTH ||
	{ echo "# AUTH echo servers did not start"; exit $ksft_fail; }
for i in 1 2; do
	nsn "${NS_SRVS[i - 1]}" sysctl -qw net.sctp.auth_enable=0
done
lbnld_start || { echo "# lbnld did not start: $(cat "$tmp/lbnld.log")"; exit $ksft_fail; }
K6=$(dp_key $DP_TUN6 $PORT6)
KU=$(dp_key $DP_TUN4 $PORT_UNAWARE)
KA=$(dp_key $DP_TUN4 $PORT_AUTH)
KN=$(dp_key $NAT_VIP $PORT_NAT)
KNM=$(dp_key $NAT_VIP $PORT_NAT_MH)
KN6=$(dp_key $NAT_VIP6 $PORT_NAT6)
lb restore <<-EOF || { echo "# VIP set-up failed"; exit $ksft_fail; }
	vip add $KEY proto sctp mode tun
	dest add $KEY proto sctp $SRV1_IP4:$PORT4
	dest add $KEY proto sctp $SRV2_IP4:$PORT4
	dest add $KEY proto sctp $SRV3_IP4:$PORT4 weight 0
	vip add $K6 proto sctp mode tun
	dest add $K6 proto sctp [$SRV1_IP6]:$PORT6
	dest add $K6 proto sctp [$SRV2_IP6]:$PORT6
	vip add $KU proto sctp mode tun
	dest add $KU proto sctp $SRV1_IP4:$PORT_UNAWARE
	dest add $KU proto sctp $SRV2_IP4:$PORT_UNAWARE
	vip add $KA proto sctp mode tun
	dest add $KA proto sctp $SRV1_IP4:$PORT_AUTH
	dest add $KA proto sctp $SRV2_IP4:$PORT_AUTH
	vip add $KN proto sctp mode nat
	dest add $KN proto sctp $SRV1_IP4:$PORT_NAT
	dest add $KN proto sctp $SRV2_IP4:$PORT_NAT
	vip add $KNM proto sctp mode nat
	dest add $KNM proto sctp $SRV1_IP4:$PORT_NAT_MH
	dest add $KNM proto sctp $SRV2_IP4:$PORT_NAT_MH
	vip add $KN6 proto sctp mode nat
	dest add $KN6 proto sctp [$SRV1_IP6]:$PORT_NAT6
	dest add $KN6 proto sctp [$SRV2_IP6]:$PORT_NAT6
EOF
defer lb flush

for c in $CASES; do
	"case_$c"
done
ksft_exit
