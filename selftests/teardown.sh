#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Teardown under traffic (issue 14 item 13): namespace deletion and module
# unloading while everything is in use. topo_lb3 as lib/dataplane.sh
# readies it, with
#
#   tcp   nat VIP 192.0.2.1:9100 (flowgen connect, 4 at a time, short
#         connections to flowgen serve on srv1..3)
#   udp   tun VIP 192.0.2.2:9101 (flowgen send, 64 flows, 500 pps, to
#         flowgen sink on srv1..3)
#   sctp  tun VIP 192.0.2.2:3868 (sctp_peer, NASSOC (4) associations,
#         sctp_echo on srv1..3)
#
# and, for the SCTP VIP, at the moment of the teardown:
#
#   a migration open at the LB (buffering the peer's DATA) for association
#   A, whose export waits on its source (the echo server there is stopped:
#   unread data, never quiescent; export timeout EXPORT_MS, 20000);
#   imports in flight: B's state (exported, then resumed at its source)
#   imported and released on another server over and over.
#
# Cases (CASES, in order; each ITER (1) times):
#
#   netns   every namespace deleted and every process in them killed at
#           once; then lbnl_srv and lbnl unload within UNLOAD_S (60) s
#   rmmod   rmmod lbnl_srv, then lbnl, while it all runs: either refused
#           (busy) until the blocked request ends or done at once, in any
#           case done within UNLOAD_S s; then the namespaces go
#
# After each: the kernel log since the case began has no warning, BUG,
# leak (lbnl's own "leak:" count at unload, the slab's "Objects
# remaining") or refcount message, and, if /sys/kernel/debug/kmemleak
# exists, a scan finds no unreferenced object allocated by lbnl or
# lbnl_srv. The modules are loaded again for the next case (and the suite).

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/migrate.sh"

CASES=${CASES:-netns rmmod}
ITER=${ITER:-1}
NASSOC=${NASSOC:-4}
EXPORT_MS=${EXPORT_MS:-20000}
UNLOAD_S=${UNLOAD_S:-60}
FLOWGEN=$dir/flowgen
LBNL_SRV_KO=${LBNL_SRV_KO:-$dp_top/kmod/srv/lbnl_srv.ko}
KMEMLEAK=/sys/kernel/debug/kmemleak
BAD_RE='WARNING:|BUG|Oops|refcount|leak|UBSAN|KASAN|general protection fault|Call Trace|unreferenced object|Objects remaining'

tmp=$(mktemp -d)
defer rm -rf "$tmp"
umask 077

dp_require
require_cmd jq
[ -x "$FLOWGEN" ] || { echo "SKIP: $FLOWGEN not built"; exit $ksft_skip; }
for m in lbnl lbnl_srv; do
	[ -d /sys/module/$m ] || { echo "SKIP: module $m not loaded"; exit $ksft_skip; }
done
# Leave the modules as the runner expects them: loaded.
defer sh -c "[ -d /sys/module/lbnl ] || insmod '$LBNL_KO'"
defer sh -c "[ -d /sys/module/lbnl_srv ] || insmod '$LBNL_SRV_KO'"

PIDS=()

# bg NS CMD...: CMD in NS in the background, its pid in PIDS.
bg()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@" </dev/null >/dev/null 2>>"$tmp/bg.log" &
	PIDS+=($!)
}

# kill_all: every process this case started and every other process in
# its namespaces, at once, and wait for them.
kill_all()
{
	local p ns

	for ns in "$NS_PEER" "$NS_LB" "$NS_SRV1" "$NS_SRV2" "$NS_SRV3"; do
		ip netns pids "$ns" 2>/dev/null
	done > "$tmp/pids"
	for p in "${PIDS[@]}" $(cat "$tmp/pids"); do
		kill -CONT "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	PIDS=()
}

# unload M: rmmod M, retried while busy, at most UNLOAD_S s; prints the
# seconds it took.
unload()
{
	local t0=$SECONDS

	while [ -d "/sys/module/$1" ]; do
		rmmod "$1" 2>>"$tmp/rmmod.err" && break
		[ $((SECONDS - t0)) -ge "$UNLOAD_S" ] && return 1
		sleep 0.5
	done
	echo $((SECONDS - t0))
}

reload()
{
	[ -d /sys/module/lbnl ] || insmod "$LBNL_KO" || return
	[ -d /sys/module/lbnl_srv ] || insmod "$LBNL_SRV_KO"
}

# up: the topology, the VIPs, the traffic, an open migration with its
# export waiting, imports in flight.
up()
{
	local i ns e vtag from peer bvtag bfrom bpeer to tns

	dp_setup || return
	for i in 1 2 3; do
		ns=${NS_SRVS[i - 1]}
		bg "$ns" "$FLOWGEN" serve -p 9100 -P tcp
		bg "$ns" "$FLOWGEN" sink -p 9101
		bg "$ns" "$dir/sctp_echo" -s seqpacket -p $PORT4 -a $DP_TUN4 \
			-c "$tmp/count.srv$i" -q
		eval "ECHO$i=\$!"
	done
	lb vip add $DP_NAT4:9100 proto tcp mode nat &&
		lb vip add $DP_TUN4:9101 proto udp mode tun &&
		lb vip add "$KEY" proto sctp mode tun || return
	for i in 1 2 3; do
		ns=$(eval echo "\$SRV${i}_IP4")
		lb dest add $DP_NAT4:9100 proto tcp "$ns" &&
			lb dest add $DP_TUN4:9101 proto udp "$ns" &&
			lb dest add "$KEY" proto sctp "$ns:$PORT4" || return
	done
	busywait 10000 dp_listening "$NS_SRV1" tcp:9100 udp:9101 || return
	bg "$NS_PEER" "$FLOWGEN" connect -d $DP_NAT4 -p 9100 -P tcp -c 4 -T 600
	bg "$NS_PEER" "$FLOWGEN" send -d $DP_TUN4 -p 9101 -n 64 -r 500 -T 600 -q
	rm -f "$tmp/ready"
	bg "$NS_PEER" "$dir/sctp_peer" -c $DP_TUN4 -p $PORT4 -n "$NASSOC" -S 4 \
		-i 20 $PEER_RTO -r "$tmp/ready" -o "$tmp/peer.json"
	busywait 30000 test -e "$tmp/ready" || { echo "# peer not ready"; return 1; }
	sleep 0.5
	entries > "$tmp/entries"
	[ -s "$tmp/entries" ] || { echo "# no SCTP entry at the LB"; return 1; }

	# A: migration open, export waiting on its stopped source.
	read -r vtag from peer < "$tmp/entries"
	to=$S1
	[ "$from" = "$S1" ] && to=$S2
	lb migrate start "$KEY" proto sctp vtag "$vtag" to "$(dp_key "$to" $PORT4)" \
		timeout 600000 > /dev/null || { echo "# migrate start failed"; return 1; }
	case $from in
	"$SRV1_IP4") kill -STOP "$ECHO1" ;;
	"$SRV2_IP4") kill -STOP "$ECHO2" ;;
	"$SRV3_IP4") kill -STOP "$ECHO3" ;;
	esac
	bg "$(srv_ns "$from")" "$LBNL" assoc export "$KEY" "$peer" \
		timeout "$EXPORT_MS"
	WHAT="migration open, export waiting"

	# B: on another server than A's; exported, resumed, imported elsewhere
	# in a loop.
	read -r bvtag bfrom bpeer < <(awk -v f="$from" '$2 != f' "$tmp/entries" | head -n1)
	if [ -z "$bvtag" ]; then
		echo "# every association is on $from: no import in flight"
		return 0
	fi
	ns=$(srv_ns "$bfrom")
	nsn "$ns" "$LBNL" assoc export "$KEY" "$bpeer" timeout 5000 > "$tmp/state.b" &&
		nsn "$ns" "$LBNL" assoc resume "$KEY" "$bpeer" ||
		{ echo "# export of B failed"; return 1; }
	tns=$NS_SRV3
	[ "$ns" = "$NS_SRV3" ] && tns=$NS_SRV2
	[ "$tns" = "$(srv_ns "$from")" ] && tns=$NS_SRV1
	[ "$tns" = "$ns" ] && tns=$NS_SRV2
	bg "$tns" bash -c "while :; do '$LBNL' assoc import '$tmp/state.b'; '$LBNL' assoc release '$KEY' '$bpeer'; sleep 0.05; done"
	WHAT="$WHAT, imports in flight"
}

# clean_since MARK: the kernel log since MARK has nothing bad; kmemleak
# (if any) finds nothing of ours.
clean_since()
{
	local bad

	dmesg | sed -n "/$1/,\$p" > "$tmp/dmesg"
	bad=$(grep -E "$BAD_RE" "$tmp/dmesg" | head -n 5)
	if [ -n "$bad" ]; then
		echo "# kernel log:"
		sed 's/^/#   /' "$tmp/dmesg" | tail -n 60
		return 1
	fi
	if [ -w "$KMEMLEAK" ]; then
		echo scan > "$KMEMLEAK"
		if grep -qE "lbnl" "$KMEMLEAK"; then
			echo "# kmemleak:"
			sed 's/^/#   /' "$KMEMLEAK" | head -n 60
			return 1
		fi
	fi
}

case_netns()
{
	local mark=lbnl-teardown-netns-$RANDOM t1 t2 ns

	RET=0
	echo "$mark" > /dev/kmsg
	if ! up; then
		check_err 1 "set-up failed: $(tail -n 5 "$tmp/bg.log")"
		kill_all
		log_test "netns deletion under traffic"
		return
	fi
	sleep 2
	kill_all
	for ns in "$NS_PEER" "$NS_LB" "$NS_SRV1" "$NS_SRV2" "$NS_SRV3"; do
		ip netns del "$ns"
	done
	t1=$(unload lbnl_srv)
	check_err $? "lbnl_srv did not unload within $UNLOAD_S s: $(tail -n 3 "$tmp/rmmod.err")"
	t2=$(unload lbnl)
	check_err $? "lbnl did not unload within $UNLOAD_S s: $(tail -n 3 "$tmp/rmmod.err")"
	clean_since "$mark"
	check_err $? "kernel log or kmemleak not clean"
	reload
	check_err $? "modules do not load again"
	echo "# $WHAT; unloaded in ${t1:-?} s and ${t2:-?} s"
	log_test "netns deletion under traffic ($WHAT): clean, no leak"
}

case_rmmod()
{
	local mark=lbnl-teardown-rmmod-$RANDOM t1 t2 ns

	RET=0
	echo "$mark" > /dev/kmsg
	if ! up; then
		check_err 1 "set-up failed: $(tail -n 5 "$tmp/bg.log")"
		kill_all
		log_test "rmmod under traffic"
		return
	fi
	sleep 2
	t1=$(unload lbnl_srv)
	check_err $? "lbnl_srv did not unload within $UNLOAD_S s: $(tail -n 3 "$tmp/rmmod.err")"
	t2=$(unload lbnl)
	check_err $? "lbnl did not unload within $UNLOAD_S s: $(tail -n 3 "$tmp/rmmod.err")"
	# Traffic goes on without the LB a moment, then everything goes.
	sleep 1
	kill_all
	for ns in "$NS_PEER" "$NS_LB" "$NS_SRV1" "$NS_SRV2" "$NS_SRV3"; do
		ip netns del "$ns"
	done
	clean_since "$mark"
	check_err $? "kernel log or kmemleak not clean"
	reload
	check_err $? "modules do not load again"
	echo "# $WHAT; unloaded in ${t1:-?} s and ${t2:-?} s"
	log_test "rmmod under traffic ($WHAT): clean, no leak"
}

use_family 4
for ((it = 1; it <= ITER; it++)); do
	for c in $CASES; do
		"case_$c"
	done
done
ksft_exit
