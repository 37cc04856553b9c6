#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzz of both families ("lbnl" and "lbnl_srv") with nl_fuzz (see
# the top of nl_fuzz.c for what it sends and checks), in three modes:
#
#   root     as root in the initial namespace; a peer namespace behind a
#            veth (nlfz0: 198.51.100.2 / 2001:db8:1::2 here) sends UDP and
#            TCP SYNs to the VIPs, so that there are connection entries
#   netns    as root in a fresh namespace, with its own peer namespace
#   userns   as uid NLFUZZ_UID (65534) with CAP_NET_ADMIN only inside a new
#            user namespace (and a network namespace it owns): root fills
#            that namespace with VIPs, dests and SCTP associations first;
#            every command that needs CAP_NET_ADMIN must be refused with
#            EPERM and answer nothing, and root's dumps after the fuzz must
#            equal those before
#
# After each mode: the lbnl state is flushed (root) or its namespace gone;
# the kernel log since the mode started has no WARNING, BUG, Oops,
# refcount_t or list corruption, no "lbnl: leak"; the module caches
# (lbnl_conn, lbnl_conn6, lbnl_sctp_conn), when not merged with others,
# hold no object; /proc/meminfo Slab is back within NLFUZZ_SLAB_SLACK_KB of
# where it was; kmemleak (if the kernel has it) reports nothing of lbnl;
# both modules unload (rmmod lbnl_srv lbnl) and load again.
#
# Environment: NLFUZZ_COUNT (2000 messages per family and mode: 12,000 in
# all, the suite's share; a mode of 10,000 per family took 13 min under TCG,
# mostly in the fuzzer's waits for answers that never come),
# NLFUZZ_SEED (1; the seed of mode k is NLFUZZ_SEED + k), NLFUZZ_MODES
# ("root netns userns"), NLFUZZ_UID (65534), NLFUZZ_SLAB_SLACK_KB (4096),
# NLFUZZ_VERBOSE=1 (every failure with the requests in hex).

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"

top=${LBNL_TOP:-$(cd "$dir/.." && pwd)}
NLFUZZ=$dir/nl_fuzz
LBNL_KO=${LBNL_KO:-$top/kmod/lb/lbnl.ko}
LBNL_SRV_KO=${LBNL_SRV_KO:-$top/kmod/srv/lbnl_srv.ko}
COUNT=${NLFUZZ_COUNT:-2000}
SEED=${NLFUZZ_SEED:-1}
MODES=${NLFUZZ_MODES:-"root netns userns"}
UNPRIV_UID=${NLFUZZ_UID:-65534}
SLAB_SLACK_KB=${NLFUZZ_SLAB_SLACK_KB:-4096}
CACHES="lbnl_conn lbnl_conn6 lbnl_sctp_conn"
KMEMLEAK=/sys/kernel/debug/kmemleak

bad_re='WARNING:|BUG:|Oops|refcount_t|list_del corruption|list_add corruption|lbnl: leak|lbnl_srv: leak|UBSAN|KASAN|general protection fault|Call Trace|unreferenced object|Slab cache still has objects'

require_cmd ip nsenter awk
if [ ! -x "$NLFUZZ" ]; then
	echo "SKIP: $NLFUZZ not built (make -C selftests)"
	exit $ksft_skip
fi
if [ ! -d /sys/module/lbnl ] || [ ! -d /sys/module/lbnl_srv ]; then
	echo "SKIP: modules lbnl and lbnl_srv not loaded"
	exit $ksft_skip
fi
tmp=$(mktemp -d)
defer rm -rf "$tmp"
chmod 755 "$tmp"

mark=
mark_dmesg()
{
	mark="nl_fuzz-mark-$1-$RANDOM$RANDOM"
	echo "$mark" > /dev/kmsg
}

dmesg_bad()
{
	dmesg | sed -n "/$mark/,\$p" | sed 1d | grep -E "$bad_re"
}

slab_kb()
{
	echo 2 > /proc/sys/vm/drop_caches
	awk '/^Slab:/ { print $2 }' /proc/meminfo
}

# cache_objects: "name objects" for the module caches that are not merged
# with other caches (a merged cache's count is everybody's).
cache_objects()
{
	local c

	for c in $CACHES; do
		[ -d "/sys/kernel/slab/$c" ] && [ ! -L "/sys/kernel/slab/$c" ] ||
			continue
		echo "$c $(awk '{ print $1 }' "/sys/kernel/slab/$c/objects")"
	done
}

# A KASAN kernel (the debug lane) quarantines freed objects.
KASAN=
grep -qw kasan_report /proc/kallsyms 2>/dev/null && KASAN=1

caches_empty()
{
	! cache_objects | awk '$2 != 0 { bad = 1 } END { exit !bad }'
}

slab_back()
{
	local now

	now=$(slab_kb)
	[ $((now - SLAB0)) -le "$SLAB_SLACK_KB" ]
}

kmemleak_clear()
{
	[ -w "$KMEMLEAK" ] && echo clear > "$KMEMLEAK" 2>/dev/null
	return 0
}

# kmemleak_lbnl: what a scan finds that involves lbnl (nothing if the
# kernel has no kmemleak).
kmemleak_lbnl()
{
	[ -w "$KMEMLEAK" ] || return 0
	# objects must be older than kmemleak's minimum age to be reported
	sleep 6
	echo scan > "$KMEMLEAK" 2>/dev/null
	echo scan > "$KMEMLEAK" 2>/dev/null
	awk '/^unreferenced object/ { if (obj ~ /lbnl/) print obj; obj = "" }
	     { obj = obj $0 "\n" }
	     END { if (obj ~ /lbnl/) print obj }' "$KMEMLEAK"
}

unload_module()
{
	local i

	for i in $(seq 100); do
		[ -d "/sys/module/$1" ] || return 0
		rmmod "$1" 2>"$tmp/rmmod.err" && return 0
		sleep 0.1
	done
	return 1
}

reload_modules()
{
	unload_module lbnl_srv ||
		{ echo "# rmmod lbnl_srv: $(cat "$tmp/rmmod.err")"; return 1; }
	unload_module lbnl ||
		{ echo "# rmmod lbnl: $(cat "$tmp/rmmod.err")"; return 1; }
	insmod "$LBNL_KO" && insmod "$LBNL_SRV_KO"
}

# peer_for NS_VAR_OR_EMPTY: a peer namespace behind a veth from the
# fuzzer's namespace (the initial one if empty); sets PEER.
peer_for()
{
	local lb=$1

	setup_ns NS_PEER || return
	PEER=$NS_PEER
	if [ -z "$lb" ]; then
		ip link add nlfz0 type veth peer name eth0 netns "$PEER" || return
		defer ip link del nlfz0
		ip link set nlfz0 up &&
			ip addr add $LB_PEER_IP4/24 dev nlfz0 &&
			ip addr add $LB_PEER_IP6/64 dev nlfz0 nodad || return
	else
		ip -n "$lb" link add eth0 type veth peer name eth0 \
			netns "$PEER" || return
		ip -n "$lb" link set eth0 up &&
			ip -n "$lb" addr add $LB_PEER_IP4/24 dev eth0 &&
			ip -n "$lb" addr add $LB_PEER_IP6/64 dev eth0 nodad ||
			return
	fi
	ip -n "$PEER" -batch - <<-EOF
		link set eth0 up
		addr add $PEER_IP4/24 dev eth0
		addr add $PEER_IP6/64 dev eth0 nodad
		route add default via $LB_PEER_IP4
		route add default via $LB_PEER_IP6
	EOF
}

# fuzz MODE SEED: run nl_fuzz in MODE; its output goes to $tmp/out.
fuzz()
{
	local mode=$1 seed=$2 v=

	[ "${NLFUZZ_VERBOSE:-0}" = 1 ] && v=-v
	case $mode in
	root)
		peer_for "" || return 2
		"$NLFUZZ" $v -s "$seed" -n "$COUNT" -p "/run/netns/$PEER"
		;;
	netns)
		setup_ns NS_FZ || return 2
		peer_for "$NS_FZ" || return 2
		nsenter --net="/run/netns/$NS_FZ" \
			"$NLFUZZ" $v -s "$seed" -n "$COUNT" -p "/run/netns/$PEER"
		;;
	userns)
		"$NLFUZZ" $v -s "$seed" -n "$COUNT" -U "$UNPRIV_UID"
		;;
	esac
}

# defer_run_from N: run (and forget) what was deferred after the first N.
defer_run_from()
{
	local i

	for ((i = ${#__defer[@]} - 1; i >= $1; i--)); do
		eval "${__defer[i]}" >/dev/null 2>&1
		unset '__defer[i]'
	done
}

USERNS_SYSCTL=/proc/sys/kernel/unprivileged_userns_clone
run_mode()
{
	local mode=$1 seed=$2 rc t0 t1 bad leak slab1 objs ndefer

	RET=0
	ndefer=${#__defer[@]}
	mark_dmesg "$mode"
	kmemleak_clear
	SLAB0=$(slab_kb)
	if [ "$mode" = userns ] && [ -w "$USERNS_SYSCTL" ]; then
		defer sysctl -qw "kernel.unprivileged_userns_clone=$(cat $USERNS_SYSCTL)"
		echo 1 > "$USERNS_SYSCTL"
	fi
	t0=$(date +%s)
	fuzz "$mode" "$seed" > "$tmp/out" 2>&1 < /dev/null
	rc=$?
	t1=$(date +%s)
	sed 's/^#* *//; s/^/# /' "$tmp/out" | grep -v '^# $'
	echo "# $mode: nl_fuzz exit $rc in $((t1 - t0)) s"
	if [ $rc = 4 ]; then
		defer_run_from "$ndefer"
		log_test_skip "nl_fuzz $mode" "$(tail -n1 "$tmp/out")"
		return
	fi
	check_err $rc "nl_fuzz $mode (seed $seed) failed: $(grep -m1 FAIL "$tmp/out")"

	# the state goes: flush (root), namespaces deleted (the others)
	if [ "$mode" = root ]; then
		"$NLFUZZ" -F > /dev/null
		check_err $? "lbnl FLUSH after the fuzz failed"
	fi
	defer_run_from "$ndefer"
	busywait 10000 caches_empty > /dev/null
	objs=$(cache_objects | tr '\n' ' ')
	if [ -n "$KASAN" ]; then
		# KASAN's quarantine keeps freed objects counted for a while:
		# kmemleak and the caches' destruction at unload (which
		# drains the quarantine and reports what is left) check.
		echo "# $mode: KASAN: cache counts not checked ($objs)"
	else
		caches_empty
		check_err $? "module caches not empty after the flush: $objs"
	fi
	busywait 10000 slab_back > /dev/null
	slab1=$(slab_kb)
	echo "# $mode: Slab ${SLAB0} kB before, ${slab1} kB after the flush; caches: ${objs:-merged or absent}"
	[ $((slab1 - SLAB0)) -le "$SLAB_SLACK_KB" ]
	check_err $? "Slab grew by $((slab1 - SLAB0)) kB (> $SLAB_SLACK_KB)"

	# (before the rmmod, so that the backtraces name lbnl's functions)
	leak=$(kmemleak_lbnl)
	[ -z "$leak" ]
	check_err $? "kmemleak: $(echo "$leak" | head -n 3 | tr '\n' ' ')"
	[ -n "$leak" ] && echo "$leak" | sed 's/^/# /'
	reload_modules
	check_err $? "modules did not unload and load again"
	bad=$(dmesg_bad)
	[ -z "$bad" ]
	check_err $? "kernel log: $(echo "$bad" | head -n1)"
	[ -n "$bad" ] && echo "$bad" | sed 's/^/# /'
	log_test "nl_fuzz $mode: $COUNT messages per family, seed $seed"
}

[ -w "$KMEMLEAK" ] && echo "# kmemleak: on" || echo "# kmemleak: not in this kernel"
k=0
for mode in $MODES; do
	run_mode "$mode" $((SEED + k))
	k=$((k + 1))
done
ksft_exit
