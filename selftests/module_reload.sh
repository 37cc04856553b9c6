#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lbnl.ko unloads cleanly with configuration in place, 20 times over:
#
#   netns X, Y: 3 VIPs (v4 + v6, tcp/udp/sctp) with dests each
#   round 5:   a "lbnl monitor" is subscribed in X across the rmmod
#   round 10:  netns Z, configured, is deleted just before the rmmod
#
#   each round: configure X and Y; rmmod lbnl (must succeed, family gone:
#   "lbnl vip show" says the module is not loaded); insmod $LBNL_KO (family
#   back, X and Y empty); no "lbnl: leak", WARNING or BUG in the kernel log.
#
# Then the role split: lbnl.ko needs no sctp.ko (its dependencies, as
# modprobe resolves them from the symbols it uses, do not name sctp: an LB
# host never loads it for lbnl); lbnl_srv.ko comes and goes while lbnl.ko
# keeps its configuration. (Unloading sctp.ko to watch lbnl.ko load
# without it does not work here: sctp's per-namespace control sockets hold
# it while any namespace exists, the initial one included.)
#
# The runner loaded the modules before this test; they are loaded again at
# the end (the runner unloads them and checks the log once more).

ksft_skip=4
ROUNDS=${ROUNDS:-20}

top=${LBNL_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
LBNL=${LBNL:-$top/tools/lbnl/lbnl}
LBNL_KO=${LBNL_KO:-$top/kmod/lb/lbnl.ko}
LBNL_SRV_KO=${LBNL_SRV_KO:-$top/kmod/srv/lbnl_srv.ko}
modname=lbnl

suffix=$(mktemp -u XXXXXXXX)
X=lbnl-reload-x-$suffix
Y=lbnl-reload-y-$suffix
Z=lbnl-reload-z-$suffix
tmp=
mon_pid=
n=0
nfail=0

bad_re='lbnl: leak|WARNING:|BUG:|Oops|refcount_t|UBSAN|KASAN|general protection fault|Call Trace|unreferenced object'

loaded()
{
	[ -d /sys/module/$modname ]
}

cleanup()
{
	if [ -n "$mon_pid" ]; then
		kill "$mon_pid" 2>/dev/null
		wait "$mon_pid" 2>/dev/null
	fi
	for ns in $X $Y $Z; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$tmp" ] && rm -rf "$tmp"
	# leave them as the runner expects them: loaded
	loaded || insmod "$LBNL_KO" 2>/dev/null
	[ -d /sys/module/lbnl_srv ] || insmod "$LBNL_SRV_KO" 2>/dev/null
}
trap cleanup EXIT

skip()
{
	echo "1..0 # SKIP $*"
	exit $ksft_skip
}

ok()
{
	n=$((n + 1))
	echo "ok $n $1"
}

not_ok()
{
	local l

	n=$((n + 1))
	nfail=$((nfail + 1))
	echo "not ok $n $1"
	shift
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/#   /'
	done
}

# slurp VAR FILE: VAR = FILE without trailing newlines, with no fork
# (forks are slow under TCG: this test is mostly process startups)
slurp()
{
	local -n slurp_var=$1

	IFS= read -r -d '' slurp_var <"$2"
	while [[ $slurp_var == *$'\n' ]]; do
		slurp_var=${slurp_var%$'\n'}
	done
}

# check DESC CMD...: CMD must succeed
check()
{
	local desc=$1 out

	shift
	if "$@" >"$tmp/check.out" 2>&1; then
		ok "$desc"
		return 0
	fi
	slurp out "$tmp/check.out"
	not_ok "$desc" "command: $*" "output: $out"
	return 1
}

mark=
mark_dmesg()
{
	mark="lbnl-reload-mark-$1-$RANDOM$RANDOM"
	echo "$mark" >/dev/kmsg
}

# lbx NS ARGS...: lbnl ARGS in netns NS (nsenter: cheaper than "ip netns
# exec" under TCG, and lbnl needs only the network namespace)
lbx()
{
	local ns=$1

	shift
	if [ -n "$have_nsenter" ]; then
		nsenter --net="/run/netns/$ns" "$LBNL" "$@"
	else
		ip netns exec "$ns" "$LBNL" "$@"
	fi
}

# configure NS: 3 VIPs, 5 dests, through lbnl restore (one process)
configure()
{
	lbx "$1" restore <<'EOF'
vip add 192.0.2.1:80 proto tcp mode tun bypass auto migrate-after 10
dest add 192.0.2.1:80 proto tcp 10.0.0.1 weight 3
dest add 192.0.2.1:80 proto tcp 10.0.0.2:8080 state drain
vip add [2001:db8::1]:443 proto sctp mode tun
dest add [2001:db8::1]:443 proto sctp [2001:db8:1::1]:443 weight 2
dest add [2001:db8::1]:443 proto sctp 2001:db8:1::2
vip add 192.0.2.2:53 proto udp
dest add 192.0.2.2:53 proto udp 10.0.0.3
EOF
}

# configured NS: all of it is there
configured()
{
	local lines

	lbx "$1" save >"$tmp/save" || return 1
	mapfile -t lines <"$tmp/save"
	[ "${#lines[@]}" = 8 ] && return 0
	echo "save in $1 gave ${#lines[@]} lines, want 8:"
	printf '%s\n' "${lines[@]}"
	return 1
}

# empty NS: the module is loaded and NS has no VIPs
empty()
{
	local out

	lbx "$1" vip show >"$tmp/show" 2>&1 || {
		echo "lbnl vip show failed:"
		cat "$tmp/show"
		return 1
	}
	slurp out "$tmp/show"
	[ -z "$out" ] && return 0
	echo "not empty: $out"
	return 1
}

# unloaded NS: the family is gone, and lbnl says so
unloaded()
{
	local out rc

	if loaded || grep -q "^$modname " /proc/modules; then
		echo "$modname still in /proc/modules or /sys/module"
		return 1
	fi
	lbx "$1" vip show >"$tmp/show" 2>&1
	rc=$?
	slurp out "$tmp/show"
	if [ "$rc" = 1 ] && [[ ${out,,} == *"module not loaded"* ]]; then
		return 0
	fi
	echo "lbnl vip show: exit $rc (want 1): $out"
	return 1
}

# do_rmmod: rmmod; a socket being torn down may hold the module for a
# moment, so retry for a few seconds (polling, not a fixed wait)
do_rmmod()
{
	local end=$((SECONDS + 5))

	until rmmod "$modname" 2>"$tmp/rmmod.err"; do
		if [ "$SECONDS" -ge "$end" ]; then
			cat "$tmp/rmmod.err"
			grep "^$modname " /proc/modules
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# kernel_log_clean: nothing bad logged since the mark
kernel_log_clean()
{
	local bad

	bad=$(dmesg | awk -v mark="$mark" -v re="$bad_re" \
		'seen && $0 ~ re { print } index($0, mark) { seen = 1 }')
	[ -z "$bad" ] && return 0
	echo "$bad"
	return 1
}

[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$LBNL" ] || skip "lbnl CLI not found at $LBNL (make tools)"
[ -r "$LBNL_KO" ] || skip "module not found at $LBNL_KO (make module)"
loaded || skip "module $modname not loaded (the runner insmods it first)"
have_nsenter=$(command -v nsenter)
tmp=$(mktemp -d) || exit 1
ip netns add "$X" && ip netns add "$Y" || { echo "cannot create netns"; exit 1; }

echo "TAP version 13"

for ((r = 1; r <= ROUNDS; r++)); do
	mark_dmesg "$r"
	check "round $r: configure X" configure "$X"
	check "round $r: configure Y" configure "$Y"
	check "round $r: X configured" configured "$X"
	check "round $r: Y configured" configured "$Y"

	if [ "$r" = 5 ]; then
		ip netns exec "$X" "$LBNL" monitor >"$tmp/mon" 2>&1 &
		mon_pid=$!
		# subscribed once it prints a change
		end=$((SECONDS + 20))
		i=0
		until grep -q 192.0.2.250 "$tmp/mon"; do
			i=$((i + 1))
			lbx "$X" vip add 192.0.2.250:$i proto tcp
			[ "$SECONDS" -ge "$end" ] && break
			sleep 0.1
		done
		check "round $r: monitor subscribed in X" grep -q 192.0.2.250 "$tmp/mon"
	fi
	if [ "$r" = 10 ]; then
		check "round $r: create netns Z" ip netns add "$Z"
		check "round $r: configure Z" configure "$Z"
		check "round $r: Z configured" configured "$Z"
		check "round $r: delete netns Z with its configuration" \
			ip netns del "$Z"
	fi

	check "round $r: rmmod $modname" do_rmmod
	check "round $r: family gone (lbnl: module not loaded)" unloaded "$X"

	if [ -n "$mon_pid" ]; then
		kill "$mon_pid" 2>/dev/null
		wait "$mon_pid" 2>/dev/null
		mon_pid=
	fi

	check "round $r: insmod $LBNL_KO" insmod "$LBNL_KO"
	check "round $r: family back, X empty" empty "$X"
	check "round $r: Y empty" empty "$Y"
	check "round $r: no leak/WARNING/BUG in the kernel log" kernel_log_clean
done

# and it works after all that
check "final: configure X" configure "$X"
check "final: X configured" configured "$X"
check "final: Y empty" empty "$Y"

# The role split. lbnl.ko (the LB) must not need sctp.ko.
no_sctp_dep()
{
	local deps

	deps=$(modinfo -F depends "$LBNL_KO") || return 1
	echo "lbnl.ko depends on: ${deps:-nothing}"
	[[ ",$deps," != *,sctp,* ]]
}
check "split: lbnl.ko does not depend on sctp" no_sctp_dep

# lbnl_srv goes and comes back; the LB's configuration does not notice.
srv_gone()
{
	local out

	out=$(ip netns exec "$X" "$LBNL" assoc show 2>&1)
	[ $? = 1 ] && [[ $out == *"lbnl_srv kernel module not loaded"* ]]
}
check "split: rmmod lbnl_srv with the LB configured" rmmod lbnl_srv
check "split: lbnl assoc says lbnl_srv is not loaded" srv_gone
check "split: X still configured" configured "$X"
check "split: insmod lbnl_srv again" insmod "$LBNL_SRV_KO"
check "split: lbnl assoc works again" ip netns exec "$X" "$LBNL" assoc show

echo "1..$n"
echo "# $((n - nfail)) passed, $nfail failed"
[ "$nfail" = 0 ] || exit 1
exit 0
