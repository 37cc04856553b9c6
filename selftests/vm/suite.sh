#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# suite.sh [--demo]: the in-VM test runner, kselftest style. Started by
# vm-init.sh with the job's environment:
#   LBNL_TOP    repository root (the same path as on the host)
#   LBNL_KO     absolute path of the LB module (kmod/lb/lbnl.ko)
#   LBNL_SRV_KO absolute path of the server-role module
#               (kmod/srv/lbnl_srv.ko)
#   LBNL        absolute path of the CLI (tools/lbnl/lbnl)
#   TESTS_LIST  file with one test per line, relative to selftests/
#   V           1 = verbose (full dmesg after every test)
#   LBNL_TEST_TIMEOUT  overrides timeout= from selftests/settings
#   LBNL_TIMEOUT_SCALE multiplies the per-test timeout (the debug kernel)
#
# For each test: mark the kernel log, insmod both modules (one VM plays the
# LB and the servers), run the test from selftests/ with a timeout and its
# output indented as "# " lines, kill what it left running, delete leftover
# namespaces, rmmod both, and fail the test if a module does not unload or
# the kernel logged a warning, a BUG, a leak... On a kernel with kmemleak
# (the debug kernel) a scan runs after each test, and what it finds fails
# the test.
# Prints KTAP, then "N passed, N failed, N skipped". Exit 0 if none failed.
#
# With --demo: load the modules, run selftests/demo.sh, same checks after it.

set -uo pipefail

top=${LBNL_TOP:?}
sdir=$top/selftests
kos=("${LBNL_KO:?}" "${LBNL_SRV_KO:?}")
verbose=${V:-0}
work=/tmp/lbnl-suite
mkdir -p "$work"

modnames=()
for ko in "${kos[@]}"; do
	m=$(basename "$ko")
	m=${m%.ko}
	modnames+=("${m//-/_}")
done

timeout=300
if [ -r "$sdir/settings" ]; then
	t=$(sed -n 's/^timeout=\([0-9][0-9]*\).*/\1/p' "$sdir/settings" | tail -n1)
	timeout=${t:-$timeout}
fi
timeout=${LBNL_TEST_TIMEOUT:-$timeout}
timeout=$((timeout * ${LBNL_TIMEOUT_SCALE:-1}))

# Lockdep and the RCU checks report as "WARNING: possible circular locking
# dependency", "WARNING: suspicious RCU usage"; KASAN as "BUG: KASAN: ...";
# DEBUG_ATOMIC_SLEEP as "BUG: sleeping function called from invalid
# context"; debugobjects (DEBUG_OBJECTS_RCU_HEAD) as "ODEBUG: ...".
bad_re='WARNING:|BUG:|Oops|refcount|leak|UBSAN|KASAN|general protection fault|Call Trace|unreferenced object|ODEBUG:|possible circular|possible recursive|suspicious RCU|INFO: task .* blocked|detected stall|soft lockup|hard LOCKUP'
benign_re='loading out-of-tree module taints kernel|module verification failed'

indent()
{
	sed -u 's/^/# /'
}

mark=
mark_dmesg()
{
	mark="lbnl-suite-mark-$1-$RANDOM$RANDOM"
	echo "$mark" >/dev/kmsg
}

dmesg_since_mark()
{
	dmesg | sed -n "/$mark/,\$p" | sed 1d
}

mod_loaded()
{
	grep -q "^$1 " /proc/modules
}

# The modules' dependencies (sctp, ...) the way modprobe would load them,
# then the modules.
load_modules()
{
	local d ko

	for ko in "${kos[@]}"; do
		for d in $(modinfo -F depends "$ko" 2>/dev/null | tr ',' ' '); do
			modprobe "$d" || return 1
		done
		insmod "$ko" || return 1
	done
}

# Sockets closed by killed processes and namespaces being dismantled may
# hold a module for a moment: poll for up to ~10 s.
unload_module()
{
	local i

	for i in $(seq 100); do
		mod_loaded "$1" || return 0
		rmmod "$1" 2>"$work/rmmod.err" && return 0
		sleep 0.1
	done
	return 1
}

# Unload every module; say which did not go.
unload_modules()
{
	local m ret=0

	for m in "${modnames[@]}"; do
		if mod_loaded "$m" && ! unload_module "$m"; then
			echo "# rmmod $m failed: $(cat "$work/rmmod.err")"
			grep "^$m " /proc/modules | indent
			post_why="${post_why:+$post_why, }rmmod $m failed"
			ret=1
		fi
	done
	return $ret
}

# Kill every user process but this runner and its ancestors: what a test
# leaves running (daemons in namespaces, background clients) would hold
# the module or disturb the next test.
kill_strays()
{
	local keep=" 1 $$ " p s pid ppid comm victims=

	p=$$
	while [ "$p" -gt 1 ] && read -r s </proc/$p/stat; do
		s=${s##*) }
		set -- $s
		p=$2
		keep+="$p "
	done
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		case $keep in *" $pid "*) continue ;; esac
		read -r s <"$d/stat" 2>/dev/null || continue
		comm=${s#*(}
		comm=${comm%)*}
		s=${s##*) }
		set -- $s
		ppid=$2
		# kernel threads
		[ "$pid" = 2 ] || [ "$ppid" = 2 ] && continue
		victims+=" $pid"
		echo "# killing leftover process $pid ($comm)"
	done
	[ -n "$victims" ] && kill -KILL $victims 2>/dev/null
	return 0
}

delete_netns()
{
	local left

	left=$(ip netns list 2>/dev/null | awk '{print $1}' | tr '\n' ' ')
	[ -n "$left" ] || return 0
	echo "# deleting leftover netns: $left"
	ip -all netns delete
}

# kmemleak (the debug kernel): what a scan finds after a test, modules
# unloaded, fails it. It only reports objects older than 5 s: the last
# test waits that long first, so that nothing goes unscanned.
kmemleak=/sys/kernel/debug/kmemleak
[ -w "$kmemleak" ] || kmemleak=

kmemleak_scan()
{
	local leaks n

	[ -n "$kmemleak" ] || return 0
	# Twice: a first scan after "clear" reported nothing of 60 objects a
	# sabotaged module leaked (the second found all 60), as nl_fuzz.sh
	# already knew.
	echo scan >"$kmemleak" 2>/dev/null || return 0
	echo scan >"$kmemleak" 2>/dev/null
	leaks=$(cat "$kmemleak")
	echo clear >"$kmemleak"
	[ -n "$leaks" ] || return 0
	n=$(echo "$leaks" | grep -c '^unreferenced object')
	echo "# kmemleak: $n unreferenced objects:"
	echo "$leaks" | head -n 60 | indent
	post_why="${post_why:+$post_why, }kmemleak: $n unreferenced objects"
	return 1
}

# After a test (or the demo): clean up, unload, check the kernel log.
# Prints why it failed, if it did. LAST=1: the last one.
post_why=
post_checks()
{
	local bad ret=0

	post_why=

	kill_strays
	delete_netns
	unload_modules || ret=1
	if [ -n "$kmemleak" ]; then
		[ "${LAST:-0}" = 1 ] && sleep 5
		kmemleak_scan || ret=1
	fi
	bad=$(dmesg_since_mark | grep -E "$bad_re" | grep -vE "$benign_re")
	if [ -n "$bad" ]; then
		echo "# kernel log has warnings or errors:"
		echo "$bad" | indent
		post_why="${post_why:+$post_why, }kernel log: $(echo "$bad" |
			head -n1 | sed 's/^\[[ 0-9.]*\] //' | cut -c1-60)"
		ret=1
	fi
	return $ret
}

dmesg_tail()
{
	echo "# --- kernel log since the test started (last 80 lines) ---"
	dmesg_since_mark | tail -n 80 | indent
	echo "# ---"
}

run_demo()
{
	local rc pid

	mark_dmesg demo
	if ! load_modules; then
		echo "demo: loading ${kos[*]} failed"
		dmesg_tail
		return 1
	fi
	(cd "$sdir" && exec bash ./demo.sh) </dev/null >"$work/demo.out" 2>&1 &
	pid=$!
	tail -s 0.1 --pid=$pid -n +1 -f "$work/demo.out"
	wait $pid
	rc=$?
	LAST=1 post_checks || rc=1
	[ "$verbose" = 1 ] && dmesg_tail
	return $rc
}

n=0 passed=0 failed=0 skipped=0

run_one()
{
	local t=$1 last=$2 rc=0 why= start end secs cmd out pid

	n=$((n + 1))
	echo "# selftests: lbnl: $t"
	mark_dmesg "$n"
	unload_modules >/dev/null ||
		echo "# ${modnames[*]}: still loaded from before, do not unload"
	if [ -x "$sdir/$t" ]; then
		cmd=("./$t")
	elif [ -f "$sdir/$t" ] && [[ $t == *.sh ]]; then
		cmd=(bash "./$t")
	else
		cmd=()
	fi

	start=$(date +%s%N)
	if [ ${#cmd[@]} -eq 0 ]; then
		echo "# $sdir/$t: not found or not executable (did the build run?)"
		rc=1 why="not found"
	elif ! load_modules >"$work/insmod.out" 2>&1; then
		indent <"$work/insmod.out"
		echo "# loading ${kos[*]} failed"
		rc=1 why="insmod failed"
	else
		# Through a file, not a pipe: whatever the test leaves running
		# in the background must not keep us waiting for EOF.
		out=$work/$n.out
		(cd "$sdir" && exec timeout -k 10 "$timeout" "${cmd[@]}") \
			</dev/null >"$out" 2>&1 &
		pid=$!
		tail -s 0.1 --pid=$pid -n +1 -f "$out" | indent
		wait $pid
		rc=$?
	fi
	end=$(date +%s%N)
	secs=$(((end - start) / 1000000))
	secs=$(printf '%d.%03d' $((secs / 1000)) $((secs % 1000)))

	if [ "$rc" = 124 ] || { [ "$rc" = 137 ] &&
			[ "${secs%.*}" -ge "$timeout" ]; }; then
		why="TIMEOUT $timeout seconds"
	elif [ -z "$why" ] && [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
		why="exit=$rc"
	fi
	if ! LAST=$last post_checks; then
		why=${why:+$why, }$post_why
		[ "$rc" = 0 ] || [ "$rc" = 4 ] && rc=1
	fi
	echo "# $t: exit=$rc, ${secs} s"

	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		echo "ok $n $t"
	elif [ "$rc" = 4 ]; then
		skipped=$((skipped + 1))
		echo "ok $n $t # SKIP"
	else
		failed=$((failed + 1))
		dmesg_tail
		echo "not ok $n $t # $why"
		return
	fi
	[ "$verbose" = 1 ] && dmesg_tail
}

# What the kernel reported while booting is not the tests', but it is
# said: on the debug kernel it may also mean a check went blind (KASAN
# without kasan_multi_shot reports once).
boot_bad=$(dmesg | grep -E "$bad_re" | grep -vE "$benign_re" |
	grep -v 'kmemleak: Kernel memory leak detector initialized' | head -n 5)
if [ -n "$boot_bad" ]; then
	echo "# the kernel reported problems while booting, before any test:"
	indent <<<"$boot_bad"
fi

# What kmemleak suspects from before (boot) is not the tests'.
if [ -n "$kmemleak" ]; then
	echo scan >"$kmemleak" 2>/dev/null
	echo clear >"$kmemleak"
fi

if [ "${1:-}" = --demo ]; then
	run_demo
	exit
fi

tests=()
while read -r t; do
	case $t in '' | \#*) continue ;; esac
	tests+=("$t")
done <"${TESTS_LIST:?}"

echo "TAP version 13"
echo "1..${#tests[@]}"
i=0
for t in "${tests[@]}"; do
	i=$((i + 1))
	run_one "$t" $((i == ${#tests[@]}))
done
echo "# Totals: pass:$passed fail:$failed xfail:0 xpass:0 skip:$skipped error:0"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
