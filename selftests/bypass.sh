#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Single-address tenants (US 8,805,990), end to end with a real router:
# BIRD2 in $NS_RT and in $NS_LB (eBGP on the segment the router shares with
# the LB and the servers), lbnld in $NS_LB keeping the VIP routes in table
# 100 (lib/bypass.sh draws the topology). One tenant address, 192.0.2.1,
# with two tun VIPs, TCP 9000 and SCTP 3868, both "bypass auto". Scaling
# the tenant is adding or deleting srv2 on both VIPs; srv1 stays.
#
#   lb       two dests: the router sends the address to the LB, new TCP
#            flows spread over srv1 and srv2.
#   bypass   srv2 deleted: within 2 s the router sends the address to
#            srv1, both VIPs are single/active, new flows reach srv1 while
#            the LB's packet counter of the VIPs stands still and its
#            connection table gets no entry.
#   unbypass a TCP stream and an SCTP peer (2 associations, 4 streams,
#            every message checked) opened during the bypass; srv2 added:
#            within 2 s the router sends the address to the LB again, the
#            stream and the associations go on to the end without a reset,
#            ABORT, loss or reordering (the LB pins them to srv1: picked
#            up), and new TCP flows spread over both dests.
#   flap     1 <-> 2 dests 50 times in about 10 s while streams are opened
#            (source ports that Maglev gives srv1, the dest that stays:
#            a flow of a deleted dest ends with it, LB or not): the end
#            state agrees everywhere (module flags, table 100, the
#            router's FIB) and no stream broke.
#   bird     BIRD of the LB killed (SIGKILL) and restarted, while bypassed
#            and while not: graceful restart keeps the router's route,
#            the session comes back, streams go on.
#   lbnld    lbnld killed and restarted while bypassed: the routes stay,
#            it reconciles; killed while not bypassed, srv2 deleted
#            meanwhile: the VIPs stay single/pending, the router keeps
#            sending to the LB, which keeps state (the safe default);
#            lbnld restarted: it reconciles and the bypass completes.
#   v6       an IPv6 tun VIP, alone on its address: /128 routes, the
#            IPv6 session; bypassed with one dest, back with two, its route
#            gone with it.
#
# Environment: CASES (all of the above, in order).

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/bypass.sh"

CASES=${CASES:-lb bypass unbypass flap bird lbnld v6}
TCP_KEY=$BP_VIP4:$BP_TCP_PORT
SCTP_KEY=$BP_VIP4:$BP_SCTP_PORT

tmp=$(mktemp -d)
defer rm -rf "$tmp"

bp_require
require_cmd socat

# scale_one tcp|sctp 1|2: delete or add srv2 on one VIP.
scale_one()
{
	local op=del key=$TCP_KEY port=$BP_TCP_PORT

	[ "$2" = 2 ] && op=add
	[ "$1" = sctp ] && key=$SCTP_KEY port=$BP_SCTP_PORT
	bp_lb dest $op $key proto "$1" $SRV2_IP4:$port
}

# scale 1|2: delete or add srv2 on both VIPs.
scale()
{
	scale_one tcp "$1" && scale_one sctp "$1"
}

# scale_timed 1|2 VIA: scale, and print how long after the change that
# completes it (the SCTP VIP's: the address follows both VIPs) the router
# sent the address to VIA; fail after 2 s.
scale_timed()
{
	local t0 t1

	scale_one tcp "$1" || return
	t0=$(date +%s%3N)
	scale_one sctp "$1" || return
	busywait 2000 bp_rt_via $BP_VIP4 "$2" || return
	t1=$(date +%s%3N)
	echo "# scale to $1: the router's next hop was $2 $((t1 - t0)) ms after the change (polled)"
}

# state_is STATE: both VIPs are in STATE ("flags router").
state_is()
{
	[ "$(bp_vip_state $TCP_KEY tcp)" = "$1" ] &&
		[ "$(bp_vip_state $SCTP_KEY sctp)" = "$1" ]
}

# flows SPORT COUNT: COUNT short TCP flows through the VIP; prints the
# servers that answered, one per line, "FAIL ..." for failures.
flows()
{
	nsn "$NS_PEER" python3 "$DP_PY" flows tcp $PEER_IP4 "$1" "$2" \
		$BP_VIP4 $BP_TCP_PORT 8 10 | cut -d' ' -f2-
}

# entries: connection entries of both VIPs.
entries()
{
	bp_lb -j conn show | jq length
}

packets()
{
	echo $(($(bp_vip_packets $TCP_KEY tcp) + $(bp_vip_packets $SCTP_KEY sctp)))
}

# consistent: module, table 100 and router agree, bypassed or not.
consistent()
{
	local t r

	t=$(bp_table_route $BP_VIP4)
	r=$(bp_rt_nexthop $BP_VIP4)
	if state_is "single active"; then
		[ "$t" = "via $SRV1_IP4" ] && [ "$r" = "$SRV1_IP4" ]
	elif state_is "multi withdrawn" || state_is "- lb"; then
		[ "${t%% *}" = dev ] && [ "$r" = "$LB_IP4" ]
	else
		return 1
	fi
}

describe()
{
	echo "module: tcp '$(bp_vip_state $TCP_KEY tcp)'" \
	     "sctp '$(bp_vip_state $SCTP_KEY sctp)';" \
	     "table $BP_TABLE: '$(bp_table_route $BP_VIP4)';" \
	     "router: '$(bp_rt_nexthop $BP_VIP4)'"
}

# stream_start NAME SPORT COUNT: content-checked TCP streams in the
# background, in $tmp/NAME/.
stream_start()
{
	mkdir -p "$tmp/$1"
	nsn "$NS_PEER" python3 "$DP_PY" stream $PEER_IP4 "$2" "$3" $BP_VIP4 \
		$BP_TCP_PORT "$tmp/$1" > "$tmp/$1/summary" 2>&1 &
	eval "STREAM_$1=$!"
	busywait 20000 test -e "$tmp/$1/ready"
}

# stream_stop NAME: stop the streams, 0 if none failed.
stream_stop()
{
	local pid

	eval "pid=\$STREAM_$1"
	touch "$tmp/$1/stop"
	wait "$pid"
}

progress()
{
	cat "$tmp/$1/progress" 2>/dev/null || echo 0
}

# grows NAME N: the streams' echoes pass N.
grows()
{
	[ "$(progress "$1")" -ge "$2" ]
}

sctp_start()
{
	rm -f "$tmp/sctp.ready" "$tmp/sctp.stop"
	nsn "$NS_PEER" "$dir/sctp_peer" -c $BP_VIP4 -p $BP_SCTP_PORT -n 2 -S 4 \
		-i 40 -r "$tmp/sctp.ready" --stop-file "$tmp/sctp.stop" \
		-o "$tmp/sctp.json" > /dev/null 2>>"$tmp/bg.log" &
	SCTP_PEER=$!
	busywait 30000 test -e "$tmp/sctp.ready"
}

sctp_stop()
{
	touch "$tmp/sctp.stop"
	wait $SCTP_PEER || return
	jq -e '.ok and .lost == 0 and .duplicated == 0 and .reordered == 0 and
		.aborts == 0 and .restart == 0 and .comm_lost == 0' \
		"$tmp/sctp.json" > /dev/null
}

# ports_on SERVER FIRST COUNT: of COUNT flows from source ports FIRST...,
# those that SERVER answered (while the LB schedules over srv1 and srv2).
ports_on()
{
	DP_FLOWS_RST=1 nsn "$NS_PEER" python3 "$DP_PY" flows tcp $PEER_IP4 "$2" "$3" \
		$BP_VIP4 $BP_TCP_PORT 8 10 | awk -v s="$1" '$2 == s { print $1 }'
}

case_lb()
{
	local servers

	RET=0
	busywait 10000 bp_rt_via $BP_VIP4 $LB_IP4
	check_err $? "router: $BP_VIP4 not via the LB: $(describe)"
	# srv1 then srv2 were added: single for a moment, never confirmed
	# (lbnld was not running yet), then multi.
	state_is "multi withdrawn" || state_is "- lb"
	check_err $? "VIPs neither multi nor unflagged: $(describe)"
	servers=$(flows 20000 40 | sort | uniq -c)
	echo "$servers" | grep -q ' srv1$' && echo "$servers" | grep -q ' srv2$'
	check_err $? "new flows not spread over srv1 and srv2: $servers"
	echo "$servers" | grep -q FAIL
	check_fail $? "flows failed: $servers"
	log_test "two dests: routed to the LB, flows spread"
}

case_bypass()
{
	local p0 p1 e0 e1 servers

	RET=0
	scale_timed 1 $SRV1_IP4
	check_err $? "router not via srv1 within 2 s: $(describe)"
	busywait 5000 state_is "single active"
	check_err $? "VIPs not single/active: $(describe)"
	[ "$(bp_table_route $BP_VIP4)" = "via $SRV1_IP4" ]
	check_err $? "table $BP_TABLE: $(describe)"

	p0=$(packets)
	e0=$(entries)
	servers=$(flows 20100 30 | sort | uniq -c)
	[ "$(echo "$servers" | awk '{ print $2 }')" = srv1 ]
	check_err $? "bypassed flows not all on srv1: $servers"
	p1=$(packets)
	e1=$(entries)
	[ "$p1" -eq "$p0" ]
	check_err $? "the LB took $((p1 - p0)) packets of the bypassed VIPs"
	[ "$e1" -le "$e0" ]
	check_err $? "the LB created entries while bypassed: $e0 -> $e1"
	log_test "one dest: router to the dest, LB out of the path"
}

case_unbypass()
{
	local n servers

	RET=0
	state_is "single active" || { scale 1; busywait 5000 consistent; }
	stream_start during 21000 2
	check_err $? "streams opened during the bypass not ready"
	sctp_start
	check_err $? "SCTP peer opened during the bypass not ready"

	scale_timed 2 $LB_IP4
	check_err $? "router not back to the LB within 2 s: $(describe)"
	busywait 5000 state_is "multi withdrawn"
	check_err $? "VIPs not multi/withdrawn: $(describe)"

	n=$(progress during)
	busywait 20000 grows during $((n + 40))
	check_err $? "streams opened during the bypass stopped"
	bp_lb -j conn show $TCP_KEY proto tcp |
		jq -e --arg d "$SRV1_IP4:$BP_TCP_PORT" '[.[] |
			select(.peer | test(":2100[01]$")) |
			select(.dest == $d and (.flags | index("picked_up")))] |
			length == 2' > /dev/null
	check_err $? "the LB did not pin the streams to srv1: $(bp_lb conn show)"
	servers=$(flows 22000 40 | sort | uniq -c)
	echo "$servers" | grep -q ' srv1$' && echo "$servers" | grep -q ' srv2$'
	check_err $? "new flows not spread over srv1 and srv2: $servers"

	sleep 2		# some traffic of the associations through the LB
	stream_stop during
	check_err $? "streams: $(cat "$tmp/during/summary")"
	sctp_stop
	check_err $? "SCTP peer: $(cat "$tmp/sctp.json")"
	log_test "two dests again: routed to the LB, bypass-era flows intact"
}

case_flap()
{
	local ports i t0 t1

	RET=0
	state_is "multi withdrawn" || { scale 2; busywait 5000 consistent; }
	# Source ports whose flows Maglev gives srv1 with srv1 and srv2.
	ports=($(ports_on srv1 23000 40))
	[ ${#ports[@]} -ge 6 ]
	check_err $? "only ${#ports[@]} of 40 probe flows went to srv1"

	# 5 bursts of 10 flips (one "lbnl restore" each: an lbnl process
	# costs ~0.2 s under TCG), about 2 s apart; streams open in between.
	for i in $(seq 10); do
		echo "dest del $TCP_KEY proto tcp $SRV2_IP4:$BP_TCP_PORT"
		echo "dest del $SCTP_KEY proto sctp $SRV2_IP4:$BP_SCTP_PORT"
		echo "dest add $TCP_KEY proto tcp $SRV2_IP4:$BP_TCP_PORT"
		echo "dest add $SCTP_KEY proto sctp $SRV2_IP4:$BP_SCTP_PORT"
	done > "$tmp/flips"
	t0=$(date +%s%3N)
	for i in 1 2 3 4 5; do
		bp_lb restore "$tmp/flips" || break
		case $i in
		2) stream_start flap1 "${ports[0]}" 1 ;;
		3) stream_start flap2 "${ports[2]}" 1 ;;
		4) stream_start flap3 "${ports[4]}" 1 ;;
		*) sleep 1 ;;
		esac
	done
	t1=$(date +%s%3N)
	[ "$i" -eq 5 ]
	check_err $? "burst $i failed"
	echo "# 50 flips (200 dest changes) in $((t1 - t0)) ms"
	busywait 10000 consistent
	check_err $? "not consistent after the flapping: $(describe)"
	state_is "multi withdrawn"
	check_err $? "VIPs not multi/withdrawn: $(describe)"
	for i in 1 2 3; do
		stream_stop flap$i
		check_err $? "stream opened during flip: $(cat "$tmp/flap$i/summary")"
	done
	log_test "flapping 1 <-> 2 dests 50 times: consistent, streams intact"
}

# bird_restart STATE: kill the LB's BIRD, check the router keeps routing
# as in STATE, restart it.
bird_restart()
{
	local via=$1 n

	bp_bird_kill lb
	n=$(progress bird)
	busywait 10000 grows bird $((n + 20))
	check_err $? "stream stopped with the LB's BIRD down"
	bp_rt_via $BP_VIP4 "$via"
	check_err $? "router dropped the route with the LB's BIRD down: $(describe)"
	bp_bird_start lb
	busywait 30000 bp_established
	check_err $? "BGP session did not come back"
	busywait 10000 consistent
	check_err $? "not consistent after BIRD's restart: $(describe)"
	bp_rt_via $BP_VIP4 "$via"
	check_err $? "router: $(describe)"
}

case_bird()
{
	local ports

	RET=0
	state_is "multi withdrawn" || { scale 2; busywait 5000 consistent; }
	ports=($(ports_on srv1 24000 20))
	stream_start bird "${ports[0]}" 1
	check_err $? "stream not ready"
	bird_restart $LB_IP4
	scale 1
	busywait 5000 consistent
	check_err $? "not bypassed: $(describe)"
	bird_restart $SRV1_IP4
	scale 2
	busywait 5000 consistent
	check_err $? "not back to the LB: $(describe)"
	stream_stop bird
	check_err $? "stream: $(cat "$tmp/bird/summary")"
	log_test "the LB's BIRD killed and restarted: routes kept, reconverged"
}

case_lbnld()
{
	local ports n e0 e1 p0 p1

	RET=0
	state_is "multi withdrawn" || { scale 2; busywait 5000 consistent; }
	ports=($(ports_on srv1 25000 20))
	stream_start lbnld "${ports[0]}" 1
	check_err $? "stream not ready"

	# Killed and restarted while bypassed.
	scale 1
	busywait 5000 consistent
	check_err $? "not bypassed: $(describe)"
	bp_lbnld_kill
	bp_lbnld_start
	busywait 10000 consistent
	check_err $? "not consistent after lbnld's restart: $(describe)"
	state_is "single active"
	check_err $? "bypass lost across lbnld's restart: $(describe)"

	# Killed while not bypassed; the tenant scales down meanwhile.
	scale 2
	busywait 5000 consistent
	check_err $? "not back to the LB: $(describe)"
	bp_lbnld_kill
	scale 1
	state_is "single pending"
	check_err $? "VIPs not single/pending without lbnld: $(describe)"
	sleep 1
	bp_rt_via $BP_VIP4 $LB_IP4
	check_err $? "router moved without lbnld: $(describe)"
	p0=$(packets)
	e0=$(entries)
	flows 25100 10 | grep -qv srv1
	check_fail $? "flows not on srv1 without lbnld"
	p1=$(packets)
	e1=$(entries)
	[ "$p1" -gt "$p0" ] && [ "$e1" -gt "$e0" ]
	check_err $? "the LB stopped keeping state without lbnld: packets $p0 -> $p1, entries $e0 -> $e1"

	bp_lbnld_start
	busywait 10000 consistent
	check_err $? "lbnld did not complete the bypass: $(describe)"
	state_is "single active"
	check_err $? "not single/active: $(describe)"
	scale 2
	busywait 5000 consistent
	check_err $? "not back to the LB: $(describe)"
	n=$(progress lbnld)
	busywait 10000 grows lbnld $((n + 20))
	check_err $? "stream stopped"
	stream_stop lbnld
	check_err $? "stream: $(cat "$tmp/lbnld/summary")"
	log_test "lbnld killed and restarted; absent: never bypassed"
}

describe6()
{
	echo "table $BP_TABLE: '$(bp_table_route $BP_VIP6)';" \
	     "router: '$(bp_rt_nexthop $BP_VIP6)'"
}

# IPv6: its own VIP and address, /128 routes, the IPv6 BGP session.
case_v6()
{
	local key6="[$BP_VIP6]:$BP_TCP_PORT" servers

	RET=0
	bp_lb vip add "$key6" proto tcp mode tun bypass auto &&
		bp_lb dest add "$key6" proto tcp "[$SRV1_IP6]:$BP_TCP_PORT"
	check_err $? "IPv6 VIP set-up failed"
	busywait 2000 bp_rt_via $BP_VIP6 $SRV1_IP6
	check_err $? "router not via srv1 (IPv6) within 2 s: $(describe6)"
	servers=$(nsn "$NS_PEER" python3 "$DP_PY" flows tcp $PEER_IP6 27000 10 \
		$BP_VIP6 $BP_TCP_PORT 8 10 | cut -d' ' -f2- | sort | uniq -c)
	[ "$(echo "$servers" | awk '{ print $2 }')" = srv1 ]
	check_err $? "bypassed IPv6 flows not all on srv1: $servers"
	bp_lb dest add "$key6" proto tcp "[$SRV2_IP6]:$BP_TCP_PORT"
	busywait 2000 bp_rt_via $BP_VIP6 $LB_IP6
	check_err $? "router not back to the LB (IPv6) within 2 s: $(describe6)"
	servers=$(nsn "$NS_PEER" python3 "$DP_PY" flows tcp $PEER_IP6 27100 40 \
		$BP_VIP6 $BP_TCP_PORT 8 10 | cut -d' ' -f2- | sort | uniq -c)
	echo "$servers" | grep -q ' srv1$' && echo "$servers" | grep -q ' srv2$'
	check_err $? "new IPv6 flows not spread over srv1 and srv2: $servers"
	bp_lb vip del "$key6" proto tcp
	busywait 5000 test "$(bp_table_route $BP_VIP6)" = -
	check_err $? "lbnld kept the route of a deleted VIP: $(bp_table_route $BP_VIP6)"
	log_test "IPv6: /128 routes follow, bypassed and back"
}

if ! bp_setup; then
	echo "# set-up failed"
	sed 's/^/#   /' "$tmp/bg.log" "$tmp"/bird.*.log 2>/dev/null | tail -40
	exit $ksft_fail
fi
bp_lb vip add $TCP_KEY proto tcp mode tun bypass auto &&
	bp_lb vip add $SCTP_KEY proto sctp mode tun bypass auto &&
	bp_lb dest add $TCP_KEY proto tcp $SRV1_IP4:$BP_TCP_PORT &&
	bp_lb dest add $SCTP_KEY proto sctp $SRV1_IP4:$BP_SCTP_PORT &&
	scale 2 || { echo "# VIP set-up failed"; exit $ksft_fail; }
defer bp_lb flush
bp_lbnld_start

for c in $CASES; do
	"case_$c"
done

if [ $EXIT_STATUS -ne 0 ]; then
	echo "# lbnld log (tail):"
	tail -30 "$tmp/lbnld.log" | sed 's/^/#   /'
fi
ksft_exit
