#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lbnld's active health checks against real backends: each server's
# health endpoint is killed, hung (accepts, never answers) and restored;
# its dest goes down, then active again; its existing flows are kept
# while it is down, and new flows go only to the dests that are up.
#
# The LB (topo_lb3, lib/dataplane.sh's servers answering on 9000-9009)
# has three TCP nat VIPs and an SCTP one with srv1..3 each, and lbnld
# (table driver, no router, metrics off) checking every dest every 500 ms,
# timeout 400 ms, rise 2, fall 3:
#
#   192.0.2.1:9000  check tcp on port 8001 (a listener of the test's)
#   192.0.2.1:9001  check http /health on port 8080 (python3 -m http.server)
#   192.0.2.1:9002  check command "test -e $tmp/up.srvN"
#   192.0.2.1:3868  check sctp on port 3869 (an SCTP listener of the test's)
#   192.0.2.1:9003  check all (srv1, srv2, later srv3) tcp on port 8002;
#                   srv2 with a line of its own: command "test -e ..."
#
# The health endpoints are not the data service: killing one leaves the
# data service answering, so that a dest's flows can be seen to go on.
#
#   tcp      srv1's listener killed: srv1 down (lbnld's log says why);
#            TCP streams to the VIP that were on srv1 keep being echoed
#            by srv1 and keep their entries; 30 new flows: none on srv1;
#            the listener back: srv1 active, new flows reach it again.
#   tcp_hung srv2 drops TCP to the check's port (SYNs unanswered): down
#            within fall * interval + timeout (and a little); let through
#            again: active. (An application that hangs while its kernel
#            still accepts passes a tcp check by design: http and command
#            checks are for that.)
#   maint    srv3 set to maint by the operator, its listener killed: it
#            stays in maint (lbnld leaves the operator's state alone).
#   http     srv2's server killed: down; a listener that accepts and never
#            answers in its place: still down (by timeout), no new flow on
#            srv2; the server back: active.
#   command  srv3's file removed: down, new flows avoid it; back: active.
#   command_hung  srv2's command never returns (sleep): killed at the
#            timeout each time, down within fall * interval + timeout (and
#            a little), no process of it left and no zombie; back: active.
#   sctp     srv1's SCTP listener killed: down; back: active.
#   sctp_hung  srv2's namespace drops SCTP silently (tc): the INIT is
#            never answered: down within fall * interval + timeout (and a
#            little); SCTP let through again: active.
#   heartbeat  sctp heartbeat (192.0.2.1:3870, all, port 3871, servers
#            that hold every association): one association per dest for
#            every probe; srv1 killed: the association lost, down; back:
#            active on one new association; srv2 drops SCTP: heartbeats
#            unanswered, down within fall * interval + timeout; back:
#            active.
#   all      one line for every dest: srv1's listener killed: down, back:
#            active; srv2 has no listener but a line of its own that
#            passes: active (its line wins), then fails: down; srv3 added
#            to the VIP without a listener: probed, down; its listener:
#            active; srv3 deleted: its probe stops.
#   flush    on-down flush (192.0.2.1:9004, all, tcp on port 8003): srv1's
#            listener killed: down, its entries flushed: its TCP streams
#            are reset at once (their next packet scheduled to srv2 or
#            srv3), the other streams go on; back: active.
#   reload   SIGHUP with a bad check line: refused with its line and
#            reason, the checks keep running (a dest killed afterwards
#            still goes down).
#
# Environment: CASES (all of the above, in order).

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"

LBNLD=${LBNLD:-$dp_top/tools/lbnld/lbnld}
TCP_VIP=192.0.2.1:9000
HTTP_VIP=192.0.2.1:9001
CMD_VIP=192.0.2.1:9002
SCTP_VIP=192.0.2.1:3868
ALL_VIP=192.0.2.1:9003
FLUSH_VIP=192.0.2.1:9004
HB_VIP=192.0.2.1:3870
TCP_HC=8001
ALL_HC=8002
FLUSH_HC=8003
HB_HC=3871
SCTP_HC=3869
HTTP_HC=8080
SETTINGS="interval 500 timeout 400 rise 2 fall 3"
# Down at most this long after a backend fails: fall * interval + timeout,
# and 2 s for the VM (TCG: a fork and exec, each read of the state, take
# a few hundred ms); a timeout not enforced would take 15 s.
DOWN_MS=$((3 * 500 + 400 + 2000))
CASES=${CASES:-"tcp tcp_hung maint http command command_hung sctp sctp_hung heartbeat all flush reload"}

require_cmd curl jq python3
dp_require
if [ ! -x "$LBNLD" ]; then
	echo "SKIP: $LBNLD not built"
	exit $ksft_skip
fi

tmp=$(mktemp -d)
defer rm -rf "$tmp"

declare -A hc_pid=()
sctp_skip=

# A TCP listener in a server's namespace: "accept" accepts and closes,
# "hang" accepts and keeps every connection without a word.
HC_PY='
import socket, sys
proto = socket.IPPROTO_SCTP if sys.argv[5:] == ["sctp"] else 0
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(128)
open(sys.argv[4], "w").close()
held = []
while True:
    c, _ = s.accept()
    if sys.argv[3] == "hang":
        held.append(c)
        with open(sys.argv[4] + ".n", "w") as f:
            f.write("%d\n" % len(held))
    else:
        c.close()
'

srv_ns()
{
	echo "${NS_SRVS[$1 - 1]}"
}

srv_ip()
{
	local v=SRV$1_IP4

	echo "${!v}"
}

# hc_start NAME N CMD...: a health endpoint NAME of srvN, ready when
# $tmp/NAME.ready exists (or, for the http server, when it answers).
hc_start()
{
	local name=$1 n=$2

	shift 2
	rm -f "$tmp/$name.ready"
	dp_bg "$(srv_ns "$n")" "$@"
	hc_pid[$name]=$DP_BG_PID
}

hc_stop()
{
	kill "${hc_pid[$1]}" 2>/dev/null
	wait "${hc_pid[$1]}" 2>/dev/null
	unset "hc_pid[$1]"
}

# tcp_hc N MODE: srvN's listener on TCP_HC (accept or hang).
tcp_hc()
{
	hc_start "tcp$1" "$1" python3 -c "$HC_PY" "$(srv_ip "$1")" $TCP_HC \
		"$2" "$tmp/tcp$1.ready"
	busywait 30000 test -e "$tmp/tcp$1.ready"
}

# hb_hc N: srvN's SCTP server on HB_HC, holding every association.
hb_hc()
{
	hc_start "hb$1" "$1" python3 -c "$HC_PY" "$(srv_ip "$1")" $HB_HC \
		hang "$tmp/hb$1.ready" sctp
	busywait 30000 test -e "$tmp/hb$1.ready"
}

# flush_hc N: srvN's listener on FLUSH_HC (accepts and closes).
flush_hc()
{
	hc_start "flush$1" "$1" python3 -c "$HC_PY" "$(srv_ip "$1")" \
		$FLUSH_HC accept "$tmp/flush$1.ready"
	busywait 30000 test -e "$tmp/flush$1.ready"
}

# all_hc N: srvN's listener on ALL_HC (accepts and closes).
all_hc()
{
	hc_start "all$1" "$1" python3 -c "$HC_PY" "$(srv_ip "$1")" $ALL_HC \
		accept "$tmp/all$1.ready"
	busywait 30000 test -e "$tmp/all$1.ready"
}

# sctp_hc N: srvN's SCTP listener on SCTP_HC (accepts and closes).
sctp_hc()
{
	hc_start "sctp$1" "$1" python3 -c "$HC_PY" "$(srv_ip "$1")" $SCTP_HC \
		accept "$tmp/sctp$1.ready" sctp
	busywait 30000 test -e "$tmp/sctp$1.ready"
}

# http_hc N: srvN's HTTP server on HTTP_HC, /health answered 200.
http_hc()
{
	mkdir -p "$tmp/www"
	echo ok >"$tmp/www/health"
	hc_start "http$1" "$1" python3 -m http.server --bind "$(srv_ip "$1")" \
		--directory "$tmp/www" $HTTP_HC
	busywait 30000 nsn "$NS_LB" curl -sf -m 2 -o /dev/null \
		"http://$(srv_ip "$1"):$HTTP_HC/health"
}

# hung_hc N: a listener on srvN's HTTP_HC that never answers.
hung_hc()
{
	hc_start "http$1" "$1" python3 -c "$HC_PY" "$(srv_ip "$1")" \
		$HTTP_HC hang "$tmp/http$1.ready"
	busywait 30000 test -e "$tmp/http$1.ready"
}

# state VIP N: the state of srvN's dest of VIP (tcp; sctp for SCTP_VIP
# and HB_VIP).
state()
{
	local proto=tcp

	[ "$1" = "$SCTP_VIP" ] || [ "$1" = "$HB_VIP" ] && proto=sctp
	lbx -j dest show "$1" proto $proto |
		jq -r --arg a "$(srv_ip "$2")" '.[] | select(.addr == $a) | .state'
}

state_is()
{
	[ "$(state "$1" "$2")" = "$3" ]
}

# wait_state VIP N STATE: within 15 s.
wait_state()
{
	busywait 15000 state_is "$@"
}

# took_ms VIP N STATE: wait for it (15 s at most); prints the ms waited.
took_ms()
{
	local t0=$(date +%s%3N) ret

	busywait 15000 state_is "$@" >/dev/null
	ret=$?
	echo $(($(date +%s%3N) - t0))
	return $ret
}

# hung_procs: the hung check commands' processes (sleep 7777) running:
# the shell forks it (it is not the last command), so that only a kill
# of the whole process group ends it.
hung_procs()
{
	pgrep -c -f "^sleep 7777$"
}

# lbnld_zombies: lbnld's children that ended and were not waited for.
lbnld_zombies()
{
	ps -o stat= --ppid "$LBNLD_PID" | grep -c '^Z'
}

# flows VIP SPORT: 30 new flows from the peer, tallied.
flows()
{
	dp_flows tcp "$PEER_IP4" "$2" 30 "${1%:*}" "${1##*:}" 8 >"$tmp/flows"
	dp_tally "$tmp/flows"
}

lbnld_start()
{
	local n

	{
		echo "table 100"
		echo "state-dir $tmp/lbnld.state"
		echo "metrics-listen none"
		echo "log stderr"
		for n in 1 2 3; do
			echo "check $TCP_VIP proto tcp $(srv_ip $n) tcp port $TCP_HC $SETTINGS"
			echo "check $HTTP_VIP proto tcp $(srv_ip $n) http /health port $HTTP_HC $SETTINGS"
			echo "check $CMD_VIP proto tcp $(srv_ip $n) command \"test -e $tmp/up.srv$n && { ! test -e $tmp/hang.srv$n || { sleep 7777; false; }; }\" $SETTINGS"
			echo "check $SCTP_VIP proto sctp $(srv_ip $n) sctp port $SCTP_HC $SETTINGS"
		done
		echo "check $ALL_VIP proto tcp all tcp port $ALL_HC $SETTINGS"
		echo "check $FLUSH_VIP proto tcp all tcp port $FLUSH_HC on-down flush $SETTINGS"
		echo "check $HB_VIP proto sctp all sctp heartbeat port $HB_HC $SETTINGS"
		echo "check $ALL_VIP proto tcp $SRV2_IP4 command \"test -e $tmp/all.srv2\" $SETTINGS"
	} >"$tmp/lbnld.conf"
	ip netns exec "$NS_LB" "$LBNLD" -f -v -c "$tmp/lbnld.conf" \
		</dev/null >>"$tmp/lbnld.log" 2>&1 &
	LBNLD_PID=$!
	defer kill $LBNLD_PID
}

log_has()
{
	grep -q -- "$1" "$tmp/lbnld.log"
}

# log_count PATTERN N: at least N lines of lbnld's log match PATTERN.
log_count()
{
	[ "$(grep -c -- "$1" "$tmp/lbnld.log")" -ge "$2" ]
}

# --- setup -----------------------------------------------------------------

dp_setup
check_err $? "topology"
lbx restore <<-EOF
	vip add $TCP_VIP proto tcp mode nat
	dest add $TCP_VIP proto tcp $SRV1_IP4
	dest add $TCP_VIP proto tcp $SRV2_IP4
	dest add $TCP_VIP proto tcp $SRV3_IP4
	vip add $HTTP_VIP proto tcp mode nat
	dest add $HTTP_VIP proto tcp $SRV1_IP4
	dest add $HTTP_VIP proto tcp $SRV2_IP4
	dest add $HTTP_VIP proto tcp $SRV3_IP4
	vip add $CMD_VIP proto tcp mode nat
	dest add $CMD_VIP proto tcp $SRV1_IP4
	dest add $CMD_VIP proto tcp $SRV2_IP4
	dest add $CMD_VIP proto tcp $SRV3_IP4
	vip add $SCTP_VIP proto sctp mode nat
	dest add $SCTP_VIP proto sctp $SRV1_IP4
	dest add $SCTP_VIP proto sctp $SRV2_IP4
	dest add $SCTP_VIP proto sctp $SRV3_IP4
	vip add $ALL_VIP proto tcp mode nat
	dest add $ALL_VIP proto tcp $SRV1_IP4
	dest add $ALL_VIP proto tcp $SRV2_IP4
	vip add $FLUSH_VIP proto tcp mode nat
	dest add $FLUSH_VIP proto tcp $SRV1_IP4
	dest add $FLUSH_VIP proto tcp $SRV2_IP4
	dest add $FLUSH_VIP proto tcp $SRV3_IP4
	vip add $HB_VIP proto sctp mode nat
	dest add $HB_VIP proto sctp $SRV1_IP4
	dest add $HB_VIP proto sctp $SRV2_IP4
EOF
check_err $? "configuration refused"
for n in 1 2 3; do
	tcp_hc $n accept >/dev/null || check_err 1 "srv$n: tcp listener"
	http_hc $n >/dev/null || check_err 1 "srv$n: http server"
	touch "$tmp/up.srv$n"
	sctp_hc $n >/dev/null || sctp_skip="no SCTP listener on srv$n: $(tail -n 2 "$tmp/bg.log")"
done
all_hc 1 >/dev/null || check_err 1 "srv1: all listener"
for n in 1 2 3; do
	flush_hc $n >/dev/null || check_err 1 "srv$n: flush listener"
done
if [ -z "$sctp_skip" ]; then
	for n in 1 2; do
		hb_hc $n >/dev/null || check_err 1 "srv$n: heartbeat server"
	done
fi
touch "$tmp/all.srv2"
lbnld_start
for n in 1 2 3; do
	busywait 15000 log_has "check tcp $HTTP_VIP dest $(srv_ip $n):9001 (http): up after 2 successes" \
		>/dev/null
	check_err $? "srv$n http check not up: $(tail -n 5 "$tmp/lbnld.log")"
done
if [ $RET != 0 ]; then
	log_test "setup"
	ksft_exit
fi

# --- tcp: killed, restored; flows kept, new flows avoid it -----------------

case_tcp()
{
	RET=0
	dp_stream_start "$tmp/streams" "$PEER_IP4" 30000 24 "${TCP_VIP%:*}" \
		"${TCP_VIP##*:}"
	check_err $? "streams did not start"
	on_srv1=$(grep -c ' srv1$' "$tmp/streams/ready")
	[ "$on_srv1" -gt 0 ]
	check_err $? "no stream on srv1 (of 24): $(cat "$tmp/streams/ready")"
	hc_stop tcp1
	wait_state $TCP_VIP 1 down
	check_err $? "srv1 not down: $(state $TCP_VIP 1); $(tail -n 5 "$tmp/lbnld.log")"
	log_has "check tcp $TCP_VIP dest $SRV1_IP4:9000 (tcp): down after 3 failures in a row: Connection refused" &&
		log_has "check tcp $TCP_VIP dest $SRV1_IP4:9000 (tcp): dest set down (was active)"
	check_err $? "lbnld's log: $(grep "$SRV1_IP4:9000" "$tmp/lbnld.log")"
	state_is $TCP_VIP 2 active && state_is $TCP_VIP 3 active
	check_err $? "other dests not active: $(lbx dest show $TCP_VIP proto tcp)"
	# Down does not empty: nothing to wait for.
	out=$(lbx dest wait $TCP_VIP proto tcp $SRV1_IP4 empty timeout 1 2>&1)
	check_fail $? "dest wait on a down dest succeeded"
	[[ $out == *"the dest is down: it empties only in maint or drain"* ]]
	check_err $? "dest wait on a down dest: $out"
	# The streams on srv1 go on being echoed, by srv1, their entries kept.
	p=$(dp_progress "$tmp/streams")
	busywait 20000 dp_progress_gt "$tmp/streams" $((p + 50)) >/dev/null
	check_err $? "the streams stopped while srv1 is down"
	[ "$(dp_conns $TCP_VIP tcp | awk -v d="$SRV1_IP4:9000" '$4 == d' | wc -l)" -ge "$on_srv1" ]
	check_err $? "srv1's entries gone: $(dp_conns $TCP_VIP tcp)"
	t=$(flows $TCP_VIP 31000)
	[ "$(grep -c ' srv1$' "$tmp/flows")" = 0 ] && [[ $t == *"fail 0" ]]
	check_err $? "new flows while srv1 is down: $t"
	dp_stream_stop "$tmp/streams" >/dev/null
	check_err $? "a stream failed: $(grep -v '"error": null' "$tmp/streams/out" | head -n 3)"
	tcp_hc 1 accept >/dev/null
	wait_state $TCP_VIP 1 active
	check_err $? "srv1 not active again: $(state $TCP_VIP 1)"
	log_has "check tcp $TCP_VIP dest $SRV1_IP4:9000 (tcp): dest set active (was down)"
	check_err $? "lbnld's log: no 'set active'"
	t=$(flows $TCP_VIP 32000)
	[ "$(grep -c ' srv1$' "$tmp/flows")" -gt 0 ] && [[ $t == *"fail 0" ]]
	check_err $? "new flows after srv1 came back: $t"
	log_test "tcp: killed: down, its $on_srv1 streams kept, new flows elsewhere; back: active"
}

# --- the operator's maint is left alone -------------------------------------

case_maint()
{
	RET=0
	lbx dest set $TCP_VIP proto tcp $SRV3_IP4 state maint
	check_err $? "dest set maint refused"
	hc_stop tcp3
	busywait 15000 log_has "check tcp $TCP_VIP dest $SRV3_IP4:9000 (tcp): the dest is maint (the operator's): left alone" \
		>/dev/null
	check_err $? "lbnld did not see srv3 fail: $(grep "$SRV3_IP4:9000" "$tmp/lbnld.log")"
	state_is $TCP_VIP 3 maint
	check_err $? "srv3 not in maint: $(state $TCP_VIP 3)"
	tcp_hc 3 accept >/dev/null
	busywait 15000 log_count "check tcp $TCP_VIP dest $SRV3_IP4:9000 (tcp): up after 2 successes" 2 \
		>/dev/null
	state_is $TCP_VIP 3 maint
	check_err $? "srv3 not in maint after its check came back: $(state $TCP_VIP 3)"
	lbx dest set $TCP_VIP proto tcp $SRV3_IP4 state active
	log_test "maint: the operator's state, left alone while the check fails and after"
}

# --- http: killed, hung, restored --------------------------------------------

case_http()
{
	RET=0
	hc_stop http2
	wait_state $HTTP_VIP 2 down
	check_err $? "srv2 not down (killed): $(state $HTTP_VIP 2)"
	hung_hc 2 >/dev/null
	check_err $? "hung listener"
	# Failed by timeout (-v: each failure logged), three times: still down.
	busywait 15000 log_count "check tcp $HTTP_VIP dest $SRV2_IP4:9001 (http): failed ([0-9]* in a row): no answer within 400 ms" 3 \
		>/dev/null
	check_err $? "the hung server did not fail by timeout: $(grep "$SRV2_IP4:9001" "$tmp/lbnld.log" | tail -n 3)"
	state_is $HTTP_VIP 2 down
	check_err $? "srv2 not down while hung: $(state $HTTP_VIP 2)"
	t=$(flows $HTTP_VIP 33000)
	[ "$(grep -c ' srv2$' "$tmp/flows")" = 0 ] && [[ $t == *"fail 0" ]]
	check_err $? "new flows while srv2 hangs: $t"
	hc_stop http2
	http_hc 2 >/dev/null
	wait_state $HTTP_VIP 2 active
	check_err $? "srv2 not active again: $(state $HTTP_VIP 2)"
	# Hung from the start: a dest that was up goes down by timeout.
	hc_stop http1
	hung_hc 1 >/dev/null
	wait_state $HTTP_VIP 1 down
	check_err $? "srv1 not down when hung: $(state $HTTP_VIP 1)"
	log_has "check tcp $HTTP_VIP dest $SRV1_IP4:9001 (http): down after 3 failures in a row: no answer within 400 ms"
	check_err $? "lbnld's log: $(grep "$SRV1_IP4:9001" "$tmp/lbnld.log")"
	hc_stop http1
	http_hc 1 >/dev/null
	wait_state $HTTP_VIP 1 active
	check_err $? "srv1 not active again: $(state $HTTP_VIP 1)"
	log_test "http: killed and hung: down (new flows elsewhere); restored: active"
}

# --- command -------------------------------------------------------------------

case_command()
{
	RET=0
	rm -f "$tmp/up.srv3"
	wait_state $CMD_VIP 3 down
	check_err $? "srv3 not down: $(state $CMD_VIP 3)"
	t=$(flows $CMD_VIP 34000)
	[ "$(grep -c ' srv3$' "$tmp/flows")" = 0 ] && [[ $t == *"fail 0" ]]
	check_err $? "new flows while srv3 is down: $t"
	touch "$tmp/up.srv3"
	wait_state $CMD_VIP 3 active
	check_err $? "srv3 not active again: $(state $CMD_VIP 3)"
	log_test "command: fails: down, new flows elsewhere; passes: active"
}

# --- sctp --------------------------------------------------------------------

case_sctp()
{
	RET=0
	if [ -n "$sctp_skip" ]; then
		log_test_skip "sctp: killed: down; back: active" "$sctp_skip"
	else
		busywait 15000 log_has "check sctp $SCTP_VIP dest $SRV1_IP4:3868 (sctp): up after 2 successes" \
			>/dev/null
		check_err $? "srv1's sctp check not up: $(grep "$SRV1_IP4:3868" "$tmp/lbnld.log" | tail -n 3)"
		hc_stop sctp1
		wait_state $SCTP_VIP 1 down
		check_err $? "srv1 not down: $(state $SCTP_VIP 1); $(grep "$SRV1_IP4:3868" "$tmp/lbnld.log" | tail -n 3)"
		state_is $SCTP_VIP 2 active && state_is $SCTP_VIP 3 active
		check_err $? "other dests not active: $(lbx dest show $SCTP_VIP proto sctp)"
		sctp_hc 1 >/dev/null
		wait_state $SCTP_VIP 1 active
		check_err $? "srv1 not active again: $(state $SCTP_VIP 1)"
		log_test "sctp: killed: down; back: active"
	fi
}

# --- reload with a bad line ------------------------------------------------------

case_reload()
{
	RET=0
	cp "$tmp/lbnld.conf" "$tmp/lbnld.conf.good"
	echo "check $TCP_VIP proto tcp $SRV2_IP4 tcp rise 0" >>"$tmp/lbnld.conf"
	bad=$(wc -l <"$tmp/lbnld.conf")
	kill -HUP $LBNLD_PID
	busywait 10000 log_has "lbnld.conf:$bad: invalid rise '0': a number from 1 to 100: keeping the configuration in use" \
		>/dev/null
	check_err $? "bad line not refused: $(tail -n 3 "$tmp/lbnld.log")"
	hc_stop tcp2
	wait_state $TCP_VIP 2 down
	check_err $? "srv2 not down after a refused reload: $(state $TCP_VIP 2)"
	tcp_hc 2 accept >/dev/null
	wait_state $TCP_VIP 2 active
	check_err $? "srv2 not active again: $(state $TCP_VIP 2)"
	log_test "reload: a bad check line refused (line $bad), the checks keep running"
}

# --- command hung: killed at the timeout, nothing left behind ----------------

case_command_hung()
{
	local ms

	RET=0
	touch "$tmp/hang.srv2"
	ms=$(took_ms $CMD_VIP 2 down)
	check_err $? "srv2 not down while its command hangs: $(state $CMD_VIP 2)"
	[ "$ms" -le $DOWN_MS ]
	check_err $? "srv2 down after $ms ms (more than $DOWN_MS)"
	log_has "check tcp $CMD_VIP dest $SRV2_IP4:9002 (command): down after 3 failures in a row: killed after 400 ms"
	check_err $? "lbnld's log: $(grep "$SRV2_IP4:9002" "$tmp/lbnld.log" | tail -n 3)"
	# At most the probe running now: each hung one was killed.
	[ "$(hung_procs)" -le 1 ]
	check_err $? "hung commands left running: $(pgrep -a -f '^sleep 7777$')"
	t=$(flows $CMD_VIP 35000)
	[ "$(grep -c ' srv2$' "$tmp/flows")" = 0 ] && [[ $t == *"fail 0" ]]
	check_err $? "new flows while srv2 hangs: $t"
	rm -f "$tmp/hang.srv2"
	wait_state $CMD_VIP 2 active
	check_err $? "srv2 not active again: $(state $CMD_VIP 2)"
	busywait 2000 test "$(hung_procs)" = 0 >/dev/null
	check_err $? "hung commands left after they stopped hanging: $(pgrep -a -f '^sleep 7777$')"
	[ "$(lbnld_zombies)" = 0 ]
	check_err $? "zombies of lbnld: $(ps -o pid=,stat=,args= --ppid "$LBNLD_PID")"
	log_test "command hung: killed at the timeout, down in $ms ms, nothing left; back: active"
}

# --- sctp hung: SCTP dropped silently ------------------------------------------

# in_drop N add|del [U32 MATCH...]: srv N's eth0 drops (or no longer) the
# incoming IPv4 packets the u32 match selects.
in_drop()
{
	local ns=$(srv_ns "$1") how=$2

	shift 2
	if [ "$how" = add ]; then
		ip netns exec "$ns" tc qdisc add dev eth0 clsact &&
			ip netns exec "$ns" tc filter add dev eth0 ingress \
				protocol ip u32 "$@" action drop
	else
		ip netns exec "$ns" tc qdisc del dev eth0 clsact
	fi
}

# sctp_drop N add|del: srvN's namespace drops (or not) every SCTP packet
# it receives, without a word.
sctp_drop()
{
	in_drop "$1" "$2" match ip protocol 132 0xff
}

# tcp_drop N add|del: srv N drops TCP to the tcp check's port (its SYNs
# unanswered: a host or a stack that hangs); the data service untouched.
tcp_drop()
{
	in_drop "$1" "$2" match ip protocol 6 0xff match ip dport $TCP_HC 0xffff
}

# A tcp check sees whether a connection is set up, which a hung
# application whose kernel still accepts passes (that is for http and
# command checks); what it must catch is a host that no longer answers.
case_tcp_hung()
{
	local ms out

	RET=0
	wait_state $TCP_VIP 2 active
	check_err $? "srv2 not active to start with: $(state $TCP_VIP 2)"
	if ! out=$(tcp_drop 2 add 2>&1); then
		tcp_drop 2 del 2>/dev/null
		log_test_skip "tcp hung: down; restored: active" "tc cannot drop TCP: $out"
		return
	fi
	ms=$(took_ms $TCP_VIP 2 down)
	check_err $? "srv2 not down while its SYNs are dropped: $(state $TCP_VIP 2)"
	[ "$ms" -le $DOWN_MS ]
	check_err $? "srv2 down after $ms ms (more than $DOWN_MS)"
	log_has "check tcp $TCP_VIP dest $SRV2_IP4:9000 (tcp): down after 3 failures in a row: no answer within 400 ms"
	check_err $? "lbnld's log: $(grep "$SRV2_IP4:9000" "$tmp/lbnld.log" | tail -n 3)"
	state_is $TCP_VIP 1 active && state_is $TCP_VIP 3 active
	check_err $? "other dests not active: $(lbx dest show $TCP_VIP proto tcp)"
	tcp_drop 2 del
	check_err $? "tc: TCP not let through again"
	wait_state $TCP_VIP 2 active
	check_err $? "srv2 not active again: $(state $TCP_VIP 2)"
	log_test "tcp hung: SYN unanswered: down in $ms ms; restored: active"
}

case_sctp_hung()
{
	local ms out

	RET=0
	if [ -n "$sctp_skip" ]; then
		log_test_skip "sctp hung: down; restored: active" "$sctp_skip"
		return
	fi
	wait_state $SCTP_VIP 2 active
	check_err $? "srv2 not active to start with: $(state $SCTP_VIP 2)"
	if ! out=$(sctp_drop 2 add 2>&1); then
		sctp_drop 2 del 2>/dev/null
		log_test_skip "sctp hung: down; restored: active" "tc cannot drop SCTP: $out"
		return
	fi
	ms=$(took_ms $SCTP_VIP 2 down)
	check_err $? "srv2 not down while SCTP is dropped: $(state $SCTP_VIP 2)"
	[ "$ms" -le $DOWN_MS ]
	check_err $? "srv2 down after $ms ms (more than $DOWN_MS)"
	log_has "check sctp $SCTP_VIP dest $SRV2_IP4:3868 (sctp): down after 3 failures in a row: no answer within 400 ms"
	check_err $? "lbnld's log: $(grep "$SRV2_IP4:3868" "$tmp/lbnld.log" | tail -n 3)"
	state_is $SCTP_VIP 1 active && state_is $SCTP_VIP 3 active
	check_err $? "other dests not active: $(lbx dest show $SCTP_VIP proto sctp)"
	sctp_drop 2 del
	check_err $? "tc: SCTP not let through again"
	wait_state $SCTP_VIP 2 active
	check_err $? "srv2 not active again: $(state $SCTP_VIP 2)"
	log_test "sctp hung: INIT unanswered: down in $ms ms; restored: active"
}

# --- on-down flush: a down dest's flows scheduled again ----------------------------

# no_conns_to VIP DEST: no entry of VIP (tcp) goes to DEST.
no_conns_to()
{
	! dp_conns "$1" tcp | awk -v d="$2" '$4 == d' | grep -q .
}

case_flush()
{
	local on_srv1 p bad

	RET=0
	for n in 1 2 3; do
		busywait 15000 log_has "check tcp $FLUSH_VIP dest $(srv_ip $n):9004 (tcp): up after 2 successes" \
			>/dev/null
		check_err $? "srv$n: not checked: $(grep "$FLUSH_VIP" "$tmp/lbnld.log" | tail -n 3)"
	done
	dp_stream_start "$tmp/fstreams" "$PEER_IP4" 36000 12 "${FLUSH_VIP%:*}" \
		"${FLUSH_VIP##*:}"
	check_err $? "streams did not start"
	on_srv1=$(grep -c ' srv1$' "$tmp/fstreams/ready")
	[ "$on_srv1" -gt 0 ]
	check_err $? "no stream on srv1 (of 12): $(cat "$tmp/fstreams/ready")"
	hc_stop flush1
	wait_state $FLUSH_VIP 1 down
	check_err $? "srv1 not down: $(state $FLUSH_VIP 1)"
	busywait 5000 log_has "check tcp $FLUSH_VIP dest $SRV1_IP4:9004 (tcp): the dest's connection entries flushed (on-down flush)" \
		>/dev/null
	check_err $? "lbnld's log: $(grep "$SRV1_IP4:9004" "$tmp/lbnld.log" | tail -n 3)"
	# srv1's flows: their next packet went to srv2 or srv3, which reset
	# them; no entry of srv1 is left. The other flows go on.
	busywait 5000 no_conns_to $FLUSH_VIP "$SRV1_IP4:9004" >/dev/null
	check_err $? "srv1's entries left: $(dp_conns $FLUSH_VIP tcp | grep "$SRV1_IP4")"
	p=$(dp_progress "$tmp/fstreams")
	busywait 20000 dp_progress_gt "$tmp/fstreams" $((p + 50)) >/dev/null
	check_err $? "the other streams stopped"
	dp_stream_stop "$tmp/fstreams" >/dev/null
	bad=$(jq -r --arg s srv1 'select((.server == $s) != (.error != null and (.error | startswith("ECONNRESET")))) | "\(.sport) \(.server) \(.error)"' \
		"$tmp/fstreams/out")
	[ -z "$bad" ]
	check_err $? "streams not reset on srv1, or reset elsewhere: $bad"
	flush_hc 1 >/dev/null
	wait_state $FLUSH_VIP 1 active
	check_err $? "srv1 not active again: $(state $FLUSH_VIP 1)"
	log_test "on-down flush: srv1 down, its $on_srv1 flows reset at once, the others go on"
}

# --- sctp heartbeat: a standing association ------------------------------------

# hb_accepts N: the associations srvN's heartbeat server accepted.
hb_accepts()
{
	cat "$tmp/hb$1.ready.n" 2>/dev/null || echo 0
}

# hb_more_than N K: srvN's server accepted more than K associations.
hb_more_than()
{
	[ "$(hb_accepts "$1")" -gt "$2" ]
}

case_heartbeat()
{
	local ms n out

	RET=0
	if [ -n "$sctp_skip" ]; then
		log_test_skip "sctp heartbeat" "$sctp_skip"
		return
	fi
	for n in 1 2; do
		busywait 15000 log_has "check sctp $HB_VIP dest $(srv_ip $n):3870 (sctp heartbeat): up after 2 successes" \
			>/dev/null
		check_err $? "srv$n: not up: $(grep "$(srv_ip $n):3870" "$tmp/lbnld.log" | tail -n 3)"
	done
	# 2 s more of probes (500 ms each), all on the one association.
	! busywait 2000 hb_more_than 1 1 >/dev/null && [ "$(hb_accepts 1)" = 1 ]
	check_err $? "srv1 accepted $(hb_accepts 1) associations (1 expected: it stands)"
	# Killed: the association is shut down, reopening is refused.
	hc_stop hb1
	wait_state $HB_VIP 1 down
	check_err $? "srv1 not down when killed: $(state $HB_VIP 1)"
	log_has "check sctp $HB_VIP dest $SRV1_IP4:3870 (sctp heartbeat): failed (1 in a row): the association was lost"
	check_err $? "lbnld's log: $(grep "$SRV1_IP4:3870" "$tmp/lbnld.log" | tail -n 4)"
	hb_hc 1 >/dev/null
	wait_state $HB_VIP 1 active
	check_err $? "srv1 not active again: $(state $HB_VIP 1)"
	[ "$(hb_accepts 1)" = 1 ]
	check_err $? "srv1 accepted $(hb_accepts 1) associations once back (1 expected)"
	# Hung: the heartbeats go unanswered.
	if ! out=$(sctp_drop 2 add 2>&1); then
		sctp_drop 2 del 2>/dev/null
		check_err 1 "tc cannot drop SCTP: $out"
	else
		ms=$(took_ms $HB_VIP 2 down)
		check_err $? "srv2 not down while SCTP is dropped: $(state $HB_VIP 2)"
		[ "$ms" -le $DOWN_MS ]
		check_err $? "srv2 down after $ms ms (more than $DOWN_MS)"
		log_has "check sctp $HB_VIP dest $SRV2_IP4:3870 (sctp heartbeat): down after 3 failures in a row: no heartbeat answer within 400 ms"
		check_err $? "lbnld's log: $(grep "$SRV2_IP4:3870" "$tmp/lbnld.log" | tail -n 3)"
		sctp_drop 2 del
		wait_state $HB_VIP 2 active
		check_err $? "srv2 not active again: $(state $HB_VIP 2)"
	fi
	log_test "sctp heartbeat: one standing association; killed: lost, down; back: active; unanswered: down in ${ms:-?} ms; restored: active"
}

# --- all: one line for every dest of a VIP ---------------------------------------

case_all()
{
	local d

	RET=0
	for d in "$SRV1_IP4:9003 (tcp)" "$SRV2_IP4:9003 (command)"; do
		busywait 15000 log_has "check tcp $ALL_VIP dest $d: up after 2 successes" \
			>/dev/null
		check_err $? "$d: not checked: $(grep "$ALL_VIP" "$tmp/lbnld.log" | tail -n 5)"
	done
	! log_has "check tcp $ALL_VIP dest $SRV2_IP4:9003 (tcp)"
	check_err $? "srv2 checked by the all line too: $(grep "$SRV2_IP4:9003" "$tmp/lbnld.log")"
	# Killed and back, as one line per dest would.
	hc_stop all1
	wait_state $ALL_VIP 1 down
	check_err $? "srv1 not down: $(state $ALL_VIP 1)"
	state_is $ALL_VIP 2 active
	check_err $? "srv2 (no listener, its own line passes) not active: $(state $ALL_VIP 2)"
	all_hc 1 >/dev/null
	wait_state $ALL_VIP 1 active
	check_err $? "srv1 not active again: $(state $ALL_VIP 1)"
	# srv2's own line.
	rm -f "$tmp/all.srv2"
	wait_state $ALL_VIP 2 down
	check_err $? "srv2 not down when its own line fails: $(state $ALL_VIP 2)"
	touch "$tmp/all.srv2"
	wait_state $ALL_VIP 2 active
	check_err $? "srv2 not active again: $(state $ALL_VIP 2)"
	# A dest added is probed: no listener, down; its listener: active.
	lbx dest add $ALL_VIP proto tcp $SRV3_IP4
	check_err $? "dest add srv3 refused"
	wait_state $ALL_VIP 3 down
	check_err $? "srv3 (added, no listener) not down: $(state $ALL_VIP 3)"
	all_hc 3 >/dev/null
	wait_state $ALL_VIP 3 active
	check_err $? "srv3 not active once it listens: $(state $ALL_VIP 3)"
	# A dest deleted loses its probe.
	lbx dest del $ALL_VIP proto tcp $SRV3_IP4
	check_err $? "dest del srv3 refused"
	busywait 5000 log_has "check tcp $ALL_VIP dest $SRV3_IP4:9003 (tcp): stopped" \
		>/dev/null
	check_err $? "srv3's probe not stopped: $(grep "$SRV3_IP4:9003" "$tmp/lbnld.log" | tail -n 3)"
	hc_stop all3
	log_test "all: each dest probed, its own line wins; a dest added is probed, a dest deleted is not"
}

for c in $CASES; do
	"case_$c"
done

if [ "$EXIT_STATUS" != 0 ]; then
	echo "# lbnld's log:"
	sed 's/^/#   /' "$tmp/lbnld.log" | tail -n 60
fi
ksft_exit
