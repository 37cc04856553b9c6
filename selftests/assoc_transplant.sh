#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Association transplant: move live SCTP associations from one server to
# another by exact re-creation, under unmodified applications and peers.
#
#	$NS_PEER           $NS_LB (router "rt")        $NS_SRV1 / $NS_SRV2
#	sctp_peer  ------  routes SVC/32 (/128) to  ---  sctp_echo on SVC (lo)
#	(capture)          the serving server            (same address on both)
#
# Each association sends a numbered message on each of its 4 streams every
# 10 ms (INTERVAL, ms); streams 0 and 2 are ordered, 1 and 3 unordered. The
# single-association checks further down (rollback, refusals) send every
# 40 ms: they test what happens, not how much.
#
# SVC is 192.0.2.10 / 2001:db8:10::10, owned by both servers on lo. A
# transplant is: export every association on srv1 (freeze, quiesce,
# silence), import each on srv2, switch the route on rt, release srv1's
# copies. The peer must see nothing: no message lost, duplicated or
# reordered (ordered streams), no COMM_LOST/RESTART, no ABORT; a capture
# at the peer must show constant vtags, continuing TSNs and valid CRC32c.

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/sctp_capture.sh"
. "$dir/lib/transplant.sh"

NASSOC=${NASSOC:-10}

require_cmd jq tshark
require_module sctp

tmp=$(mktemp -d)
defer rm -rf "$tmp"

# peer_ok FILE: the peer's summary says nothing went wrong.
peer_ok()
{
	jq -e '.lost == 0 and .duplicated == 0 and .reordered == 0 and
	       .comm_lost == 0 and .restart == 0 and .aborts == 0 and
	       .echoed > 0' "$1" > /dev/null
}

# run_case NAME STYLE SVC: a peer with $NASSOC associations on 4 streams,
# every association moved srv1 -> srv2 mid-stream.
run_case()
{
	local name=$1 style=$2 svc=$3 ip1 ip2 n before

	case $svc in
	*:*) ip1=$SRV1_IP6 ip2=$SRV2_IP6 ;;
	*)   ip1=$SRV1_IP4 ip2=$SRV2_IP4 ;;
	esac
	RET=0
	route_to "$svc" "$ip1"
	start_echo "$NS_SRV1" "$style" "$svc" && start_echo "$NS_SRV2" "$style" "$svc"
	check_err $? "echo servers did not start"
	capture_start "$NS_PEER" eth0 "$tmp/$name.pcap"
	check_err $? "capture did not start"

	rm -f "$tmp/ready" "$tmp/stop"
	nsx "$NS_PEER" "$dir/sctp_peer" -c "$svc" -p $PORT -n $NASSOC -S 4 \
		-i ${INTERVAL:-10} $PEER_RTO -r "$tmp/ready" --stop-file "$tmp/stop" \
		-o "$tmp/$name.json" > /dev/null &
	local peer=$!
	busywait 30000 test -e "$tmp/ready"
	check_err $? "peer associations not ready"
	n=$(count_assocs "$NS_SRV1")
	[ "$n" -eq "$NASSOC" ]
	check_err $? "srv1 has $n associations, expected $NASSOC"

	transplant "$NS_SRV1" "$NS_SRV2" "$svc" "$ip2"
	check_err $? "transplant failed"

	# Traffic now flows through srv2, and only srv2.
	before=$(echoed "$NS_SRV2")
	busywait 20000 grows "$NS_SRV2" $((before + 100 * NASSOC))
	check_err $? "srv2 does not serve the moved associations"
	n=$(count_assocs "$NS_SRV2")
	[ "$n" -eq "$NASSOC" ]
	check_err $? "srv2 has $n associations, expected $NASSOC"
	busywait 10000 assoc_count_is "$NS_SRV1" 0
	check_err $? "srv1 still has associations after release"

	touch "$tmp/stop"
	wait $peer
	check_err $? "peer reported errors: $(cat "$tmp/$name.json")"
	peer_ok "$tmp/$name.json"
	check_err $? "peer summary: $(cat "$tmp/$name.json")"
	echo "# peer: $(jq -c '{sent, echoed, lost, max_stall_ms}' "$tmp/$name.json")"
	capture_stop
	capture_check "$tmp/$name.pcap"
	check_err $? "capture at the peer"
	log_test "transplant $name"
	stop_echo_servers
}

# A second unmodified client: lksctp-tools' sctp_test, echoes drained.
run_sctp_test()
{
	local out=$tmp/sctp_test.out rc

	RET=0
	route_to $SVC4 $SRV1_IP4
	start_echo "$NS_SRV1" seqpacket $SVC4 && start_echo "$NS_SRV2" seqpacket $SVC4
	check_err $? "echo servers did not start"
	nsx "$NS_PEER" sctp_test -H $PEER_IP4 -P 4000 -h $SVC4 -p $PORT -s \
		-c -100 -x 3000 -o 2 -M 4 -D > "$out" 2>&1 &
	local peer=$!
	busywait 30000 assoc_count_is "$NS_SRV1" 1
	check_err $? "sctp_test did not connect"
	transplant "$NS_SRV1" "$NS_SRV2" $SVC4 $SRV2_IP4
	check_err $? "transplant failed"
	wait $peer
	rc=$?
	# sctp_test exits non-zero on any failure; notifications of a lost or
	# restarted association would show as COMM_LOST / RESTART.
	[ $rc -eq 0 ] && ! grep -qE "COMM_LOST|RESTART|ABORT" "$out"
	check_err $? "sctp_test exit $rc: $(grep -E "COMM_LOST|RESTART|ABORT" "$out" | head -3; tail -3 "$out")"
	grows "$NS_SRV2" 0
	check_err $? "srv2 never served sctp_test"
	log_test "transplant under sctp_test"
	stop_echo_servers
}

# Rollback: the target has no listener. Nothing reaches the peer from the
# target, the source resumes, the association carries on.
run_rollback()
{
	local l p

	RET=0
	route_to $SVC4 $SRV1_IP4
	start_echo "$NS_SRV1" stream $SVC4
	check_err $? "echo server did not start"
	capture_start "$NS_PEER" eth0 "$tmp/rollback.pcap"
	rm -f "$tmp/ready" "$tmp/stop"
	nsx "$NS_PEER" "$dir/sctp_peer" -c $SVC4 -p $PORT -n 1 -S 4 -i 40 \
		$PEER_RTO -r "$tmp/ready" --stop-file "$tmp/stop" \
		-o "$tmp/rollback.json" > /dev/null &
	local peer=$!
	busywait 30000 test -e "$tmp/ready"
	read -r l p < <(assocs "$NS_SRV1")
	nsx "$NS_SRV1" "$LBNL" assoc export "$l" "$p" > "$tmp/state.rb"
	check_err $? "export failed"
	nsx "$NS_SRV2" "$LBNL" assoc import "$tmp/state.rb" 2> "$tmp/import.err"
	check_fail $? "import without a listener succeeded"
	grep -q "no SCTP listener" "$tmp/import.err"
	check_err $? "import error: $(cat "$tmp/import.err")"
	nsx "$NS_SRV1" "$LBNL" assoc resume "$l" "$p"
	check_err $? "resume failed"
	local before
	before=$(echoed "$NS_SRV1")
	busywait 20000 grows "$NS_SRV1" $((before + 100))
	check_err $? "association does not carry on after resume"
	touch "$tmp/stop"
	wait $peer
	check_err $? "peer: $(cat "$tmp/rollback.json")"
	capture_stop
	[ "$(capture_count_chunks "$tmp/rollback.pcap" ABORT)" -eq 0 ]
	check_err $? "an ABORT reached the peer"
	log_test "rollback: import refused, source resumed"
	stop_echo_servers
}

# Refusals: the association stays untouched and working.
run_refusals()
{
	local l p before

	RET=0
	route_to $SVC4 $SRV1_IP4
	nsx "$NS_SRV1" sysctl -qw net.sctp.auth_enable=1
	nsx "$NS_PEER" sysctl -qw net.sctp.auth_enable=1
	start_echo "$NS_SRV1" stream $SVC4
	rm -f "$tmp/ready" "$tmp/stop"
	nsx "$NS_PEER" "$dir/sctp_peer" -c $SVC4 -p $PORT -n 1 -S 4 -i 40 \
		$PEER_RTO --auth -r "$tmp/ready" --stop-file "$tmp/stop" \
		-o "$tmp/auth.json" > /dev/null &
	local peer=$!
	busywait 30000 test -e "$tmp/ready"
	check_err $? "AUTH peer not ready"
	nsx "$NS_SRV1" "$LBNL" -j assoc show | jq -e '.[0].migratable == false and
		.[0].reason == "AUTH negotiated"' > /dev/null
	check_err $? "assoc show does not say AUTH blocks the move"
	read -r l p < <(assocs "$NS_SRV1")
	nsx "$NS_SRV1" "$LBNL" assoc export "$l" "$p" 2> "$tmp/err" > /dev/null
	check_fail $? "export of an AUTH association succeeded"
	grep -q "AUTH negotiated" "$tmp/err"
	check_err $? "export error: $(cat "$tmp/err")"
	before=$(echoed "$NS_SRV1")
	busywait 20000 grows "$NS_SRV1" $((before + 100))
	check_err $? "AUTH association stopped working"
	touch "$tmp/stop"
	wait $peer
	check_err $? "AUTH peer: $(cat "$tmp/auth.json")"
	stop_echo_servers
	nsx "$NS_SRV1" sysctl -qw net.sctp.auth_enable=0
	nsx "$NS_PEER" sysctl -qw net.sctp.auth_enable=0
	log_test "refusal: AUTH negotiated"

	# Sent data that is never acknowledged: no quiescence, no export.
	RET=0
	start_echo "$NS_SRV1" stream $SVC4
	start_echo "$NS_SRV2" stream $SVC4
	rm -f "$tmp/ready" "$tmp/stop"
	nsx "$NS_PEER" "$dir/sctp_peer" -c $SVC4 -p $PORT -n 1 -S 4 -i 40 \
		$PEER_RTO -r "$tmp/ready" --stop-file "$tmp/stop" \
		-o "$tmp/unacked.json" > /dev/null &
	peer=$!
	busywait 30000 test -e "$tmp/ready"
	read -r l p < <(assocs "$NS_SRV1")
	# rt stops forwarding the peer's packets: srv1's echoes stay unacked.
	nsx "$NS_LB" tc qdisc add dev srv1 root netem loss 100%
	before=$(echoed "$NS_SRV1")
	nsx "$NS_SRV1" "$LBNL" assoc export "$l" "$p" timeout 500 \
		2> "$tmp/err" > /dev/null
	check_fail $? "export of an association with unacked data succeeded"
	grep -q "timed out" "$tmp/err"
	check_err $? "export error: $(cat "$tmp/err")"
	nsx "$NS_LB" tc qdisc del dev srv1 root
	busywait 20000 grows "$NS_SRV1" $((before + 100))
	check_err $? "association stopped working after a refused export"
	log_test "refusal: unacked data never drains"

	# The target already has it.
	RET=0
	nsx "$NS_SRV1" "$LBNL" assoc export "$l" "$p" > "$tmp/state.dup"
	check_err $? "export failed"
	nsx "$NS_SRV2" "$LBNL" assoc import "$tmp/state.dup" > /dev/null
	check_err $? "first import failed"
	nsx "$NS_SRV2" "$LBNL" assoc import "$tmp/state.dup" 2> "$tmp/err" > /dev/null
	check_fail $? "second import succeeded"
	grep -q "already exists" "$tmp/err"
	check_err $? "import error: $(cat "$tmp/err")"
	# Tampered states are refused before anything is injected.
	nsx "$NS_SRV2" "$LBNL" assoc release "$(key $SVC4 $PORT)" "$p"
	busywait 10000 assoc_count_is "$NS_SRV2" 0
	jq '.local.addr = "192.0.2.99" | .local_addrs = ["192.0.2.99"]' \
		"$tmp/state.dup" > "$tmp/state.bad"
	nsx "$NS_SRV2" "$LBNL" assoc import "$tmp/state.bad" 2> "$tmp/err" > /dev/null
	check_fail $? "import for an address srv2 does not own succeeded"
	grep -q "not configured here" "$tmp/err"
	check_err $? "import error: $(cat "$tmp/err")"
	jq '.out_streams = 200 | .out_ssn = [range(200) | 0]' \
		"$tmp/state.dup" > "$tmp/state.bad"
	nsx "$NS_SRV2" "$LBNL" assoc import "$tmp/state.bad" 2> "$tmp/err" > /dev/null
	check_fail $? "import with more streams than the listener's succeeded"
	grep -q "stream counts exceed" "$tmp/err"
	check_err $? "import error: $(cat "$tmp/err")"
	# Roll back: the source resumes.
	nsx "$NS_SRV1" "$LBNL" assoc resume "$l" "$p"
	check_err $? "resume failed"
	before=$(echoed "$NS_SRV1")
	busywait 20000 grows "$NS_SRV1" $((before + 100))
	check_err $? "association stopped working"
	touch "$tmp/stop"
	wait $peer
	check_err $? "peer: $(cat "$tmp/unacked.json")"
	log_test "refusal: the target already has it; tampered states"
	stop_echo_servers

	# A peer that opens 20000 streams (its INIT chooses, the listener
	# accepts as many): their SSNs would not fit the export's netlink
	# attribute. Refused before anything is frozen, and said so by show.
	RET=0
	busywait 10000 assoc_count_is "$NS_SRV1" 0
	check_err $? "srv1 still has the previous case's association"
	ip netns exec "$NS_SRV1" "$dir/sctp_echo" -s stream -p $PORT -a $SVC4 \
		-I 20000 -c "$tmp/count.$NS_SRV1" -q &
	defer kill $!
	busywait 10000 listening "$NS_SRV1"
	check_err $? "echo server with 20000 inbound streams did not start"
	rm -f "$tmp/ready" "$tmp/stop"
	nsx "$NS_PEER" python3 "$dir/lib/sctp_streams.py" $SVC4 $PORT 20000 \
		"$tmp/ready" "$tmp/stop" > "$tmp/streams.json" &
	peer=$!
	busywait 30000 test -e "$tmp/ready"
	check_err $? "peer with 20000 streams not ready: $(cat "$tmp/streams.json")"
	nsx "$NS_SRV1" "$LBNL" -j assoc show > "$tmp/show.json"
	jq -e --argjson p $PORT '[.[] | select(.local_port == $p)] |
		length == 1 and .[0].migratable == false and
		.[0].reason == "more than 16382 streams"' "$tmp/show.json" > /dev/null
	check_err $? "assoc show does not say 20000 streams block the move: $(jq -c . "$tmp/show.json")"
	read -r l p < <(assocs "$NS_SRV1")
	nsx "$NS_SRV1" "$LBNL" assoc export "$l" "$p" timeout 2000 \
		2> "$tmp/err" > /dev/null
	check_fail $? "export of an association with 20000 streams succeeded"
	grep -q "more than 16382 streams" "$tmp/err"
	check_err $? "export error: $(cat "$tmp/err")"
	nsx "$NS_SRV1" "$LBNL" -j assoc show | jq -e --argjson p $PORT \
		'[.[] | select(.local_port == $p)] | .[0].silenced == false' > /dev/null
	check_err $? "association silenced by a refused export"
	before=$(echoed "$NS_SRV1")
	busywait 20000 grows "$NS_SRV1" $((before + 20))
	check_err $? "association with 20000 streams stopped working"
	touch "$tmp/stop"
	wait $peer
	check_err $? "peer: $(cat "$tmp/streams.json")"
	log_test "refusal: more than 16382 streams"
	stop_echo_servers
}

# The target's listener is an SO_REUSEPORT group of two sctp_echo: each
# import must sign its cookie with the member the stack hands it to (the
# group's hash of the peer's address and port), not with the first one.
# NASSOC associations: with two members about half hash to the second.
run_reuseport()
{
	local i n

	RET=0
	route_to $SVC4 $SRV1_IP4
	start_echo "$NS_SRV1" stream $SVC4
	check_err $? "echo server did not start"
	for i in 1 2; do
		ip netns exec "$NS_SRV2" "$dir/sctp_echo" -s stream -p $PORT \
			-a $SVC4 -c "$tmp/count.reuse$i" -q -R &
		defer kill $!
	done
	busywait 10000 sh -c "[ \$(ip netns exec $NS_SRV2 cat /proc/net/sctp/eps | awk -v p=$PORT '\$6 == p' | wc -l) -eq 2 ]"
	check_err $? "srv2: two listeners in a reuseport group did not start"
	rm -f "$tmp/ready" "$tmp/stop"
	nsx "$NS_PEER" "$dir/sctp_peer" -c $SVC4 -p $PORT -n $NASSOC -S 4 \
		-i 40 $PEER_RTO -r "$tmp/ready" --stop-file "$tmp/stop" \
		-o "$tmp/reuseport.json" > /dev/null &
	local peer=$!
	busywait 30000 test -e "$tmp/ready"
	check_err $? "peer associations not ready"
	transplant "$NS_SRV1" "$NS_SRV2" $SVC4 $SRV2_IP4
	check_err $? "transplant to a reuseport group failed"
	n=$(count_assocs "$NS_SRV2")
	[ "$n" -eq "$NASSOC" ]
	check_err $? "srv2 has $n associations, expected $NASSOC"
	busywait 20000 sh -c "awk '\$2 > 0 { n++ } END { exit n != 2 }' '$tmp/count.reuse1' '$tmp/count.reuse2'"
	check_err $? "not both members of the group serve associations: $(cat "$tmp/count.reuse1" "$tmp/count.reuse2")"
	touch "$tmp/stop"
	wait $peer
	check_err $? "peer: $(cat "$tmp/reuseport.json")"
	peer_ok "$tmp/reuseport.json"
	check_err $? "peer summary: $(cat "$tmp/reuseport.json")"
	log_test "transplant to an SO_REUSEPORT group of listeners"
	stop_echo_servers
	rm -f "$tmp/count.reuse1" "$tmp/count.reuse2"
}

# 20 transplants back and forth on one association.
run_back_and_forth()
{
	local i from to via

	RET=0
	route_to $SVC4 $SRV1_IP4
	start_echo "$NS_SRV1" seqpacket $SVC4 && start_echo "$NS_SRV2" seqpacket $SVC4
	rm -f "$tmp/ready" "$tmp/stop"
	nsx "$NS_PEER" "$dir/sctp_peer" -c $SVC4 -p $PORT -n 1 -S 4 -i 40 \
		$PEER_RTO -r "$tmp/ready" --stop-file "$tmp/stop" \
		-o "$tmp/bf.json" > /dev/null &
	local peer=$!
	busywait 30000 test -e "$tmp/ready"
	for i in $(seq 20); do
		if [ $((i % 2)) -eq 1 ]; then
			from=$NS_SRV1 to=$NS_SRV2 via=$SRV2_IP4
		else
			from=$NS_SRV2 to=$NS_SRV1 via=$SRV1_IP4
		fi
		transplant "$from" "$to" $SVC4 $via > /dev/null || break
		# Wait for an echo from the new home before moving again.
		local before
		before=$(echoed "$to")
		busywait 20000 grows "$to" $((before + 4)) || break
	done
	check_err $? "transplant $i failed"
	touch "$tmp/stop"
	wait $peer
	check_err $? "peer: $(cat "$tmp/bf.json")"
	log_test "20 transplants back and forth"
	stop_echo_servers
}

# CASES: which parts to run (all by default), to debug one part alone.
CASES=${CASES:-"v4-one-to-many v4-one-to-one v6-one-to-many v6-one-to-one sctp_test rollback refusals back_and_forth reuseport"}

transplant_setup || exit $ksft_fail
for c in $CASES; do
	case $c in
	v4-one-to-many) run_case $c seqpacket $SVC4 ;;
	v4-one-to-one)  run_case $c stream $SVC4 ;;
	v6-one-to-many) run_case $c seqpacket $SVC6 ;;
	v6-one-to-one)  run_case $c stream $SVC6 ;;
	sctp_test)      run_sctp_test ;;
	rollback)       run_rollback ;;
	refusals)       run_refusals ;;
	back_and_forth) run_back_and_forth ;;
	reuseport)      run_reuseport ;;
	*) echo "unknown case $c"; exit $ksft_fail ;;
	esac
done
ksft_exit
