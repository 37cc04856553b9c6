#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The per-namespace settings: sysctls net.lbnl.* (lbnl.ko) and
# net.lbnl_srv.* (lbnl_srv.ko).
#
#   seeds     a new namespace starts from the module parameters (read-only
#             in /sys/module/*/parameters), also after another namespace
#             changed its own values
#   separate  max_vips 2 in A: A refuses its 3rd VIP ("too many VIPs ...
#             net.lbnl.max_vips"), B takes 3 and keeps its max_vips
#   ranges    out-of-range writes, and what is not a number, are refused
#             (EINVAL) and change nothing; the bounds themselves are taken
#   userns    in a namespace owned by another user namespace the limits
#             may be lowered, not raised above the module parameter
#   srv       net.lbnl_srv.* exist only while lbnl_srv is loaded
#   rmmod     after rmmod lbnl no /proc/sys/net/lbnl in any namespace; after
#             insmod, existing namespaces have it again, from the seeds
#
# The runner loaded both modules before this test; both are loaded again
# at the end.

dir=$(dirname "$0")
. "$dir/lib/topo.sh"

top=${LBNL_TOP:-$(cd "$dir/.." && pwd)}
LBNL=${LBNL:-$top/tools/lbnl/lbnl}
LBNL_KO=${LBNL_KO:-$top/kmod/lb/lbnl.ko}
LBNL_SRV_KO=${LBNL_SRV_KO:-$top/kmod/srv/lbnl_srv.ko}

LB_SYSCTLS="conn_max expire_nodest_conn gc_interval_ms timeout_tcp
	timeout_tcp_syn timeout_tcp_fin timeout_tcp_close timeout_udp
	timeout_sctp timeout_sctp_init timeout_sctp_closed max_vips max_dests
	migrate_buffer_bytes migrate_buffer_share migrate_timeout_ms reply_check
	timeout_unconfirmed unconfirmed_max migrate_retries migrate_max_open"
SRV_SYSCTLS="export_settle_ms release_grace_ms"
LIMITS="conn_max max_vips max_dests migrate_buffer_bytes unconfirmed_max"

M_MAX_VIPS="too many VIPs in this namespace (sysctl net.lbnl.max_vips)"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
require_cmd nsenter sysctl
[ -x "$LBNL" ] || { echo "SKIP: lbnl CLI not found at $LBNL"; exit $ksft_skip; }
for m in lbnl lbnl_srv; do
	if [ ! -d /sys/module/$m ]; then
		echo "SKIP: module $m not loaded"
		exit $ksft_skip
	fi
done
tmp=$(mktemp -d) || exit $ksft_fail
defer rm -rf "$tmp"
# leave the modules as the runner expects them: loaded
defer sh -c "[ -d /sys/module/lbnl ] || insmod '$LBNL_KO'"
defer sh -c "[ -d /sys/module/lbnl_srv ] || insmod '$LBNL_SRV_KO'"

echo "TAP version 13"

nsn()
{
	local ns=$1

	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# get NS DIR NAME: /proc/sys/net/DIR/NAME in NS
get()
{
	nsn "$1" cat "/proc/sys/net/$2/$3"
}

# put NS DIR NAME VALUE: write it; the shell's error (with strerror) on
# stderr
put()
{
	nsn "$1" bash -c 'echo "$1" > "/proc/sys/net/$2/$3"' put "$4" "$2" "$3"
}

# The module parameters, SEED[lbnl.conn_max] and so on: read-only, read
# once. (Few processes: each costs under TCG.)
declare -A SEED
while IFS=: read -r p v; do
	p=${p#/sys/module/}
	SEED[${p%%/*}.${p##*/}]=$v
done < <(grep -r . /sys/module/lbnl/parameters /sys/module/lbnl_srv/parameters)

seed()
{
	echo "${SEED[$1.$2]}"
}

# from_seeds NS: every sysctl of NS has its module parameter's value
from_seeds()
{
	local ns=$1 n p v bad=
	local -A got=()

	while IFS=: read -r p v; do
		p=${p#/proc/sys/net/}
		got[${p%%/*}.${p##*/}]=$v
	done < <(nsn "$ns" grep -r . /proc/sys/net/lbnl /proc/sys/net/lbnl_srv)
	for n in $LB_SYSCTLS; do
		n=lbnl.$n
		[ -n "${got[$n]}" ] && [ "${got[$n]}" = "${SEED[$n]}" ] ||
			bad+=" $n=${got[$n]} (seed ${SEED[$n]})"
	done
	for n in $SRV_SYSCTLS; do
		n=lbnl_srv.$n
		[ -n "${got[$n]}" ] && [ "${got[$n]}" = "${SEED[$n]}" ] ||
			bad+=" $n=${got[$n]} (seed ${SEED[$n]})"
	done
	[ -z "$bad" ] && return 0
	echo "$bad"
	return 1
}

setup_ns NS_A NS_B || exit $ksft_fail

# --- seeds -------------------------------------------------------------------

RET=0
out=$(from_seeds "$NS_A")
check_err $? "A:$out"
out=$(from_seeds "$NS_B")
check_err $? "B:$out"
# the module parameters are read-only, also for root
for p in lbnl/parameters/conn_max lbnl_srv/parameters/release_grace_ms; do
	s=$(cat "/sys/module/$p")
	( echo 1 > "/sys/module/$p" ) 2>/dev/null
	check_fail $? "/sys/module/$p is writable"
	[ "$(cat "/sys/module/$p")" = "$s" ]
	check_err $? "/sys/module/$p changed"
done
log_test "seeds: new namespaces start from the module parameters, which are read-only"

# --- one namespace's settings are its own ---------------------------------------

RET=0
put "$NS_A" lbnl max_vips 2
check_err $? "cannot set max_vips in A"
put "$NS_A" lbnl timeout_udp 7
check_err $? "cannot set timeout_udp in A"
put "$NS_A" lbnl_srv release_grace_ms 1234
check_err $? "cannot set release_grace_ms in A"
for i in 1 2; do
	nsn "$NS_A" "$LBNL" vip add 192.0.2.$i:80 proto tcp
	check_err $? "VIP $i in A refused with max_vips 2"
done
nsn "$NS_A" "$LBNL" vip add 192.0.2.3:80 proto tcp >"$tmp/out" 2>&1
check_fail $? "3rd VIP in A accepted with max_vips 2"
grep -qF "$M_MAX_VIPS" "$tmp/out"
check_err $? "3rd VIP in A: no '$M_MAX_VIPS': $(cat "$tmp/out")"
for i in 1 2 3; do
	nsn "$NS_B" "$LBNL" vip add 192.0.2.$i:80 proto tcp
	check_err $? "VIP $i in B refused (A's max_vips is 2, B's $(get "$NS_B" lbnl max_vips))"
done
out=$(from_seeds "$NS_B")
check_err $? "B after A's writes:$out"
[ "$(get "$NS_A" lbnl max_vips)/$(get "$NS_A" lbnl timeout_udp)/$(get "$NS_A" lbnl_srv release_grace_ms)" = 2/7/1234 ]
check_err $? "A's values did not stay"
log_test "separate: max_vips 2 in A refuses A's 3rd VIP, B takes 3 and keeps its values"

RET=0
setup_ns NS_C || exit $ksft_fail
out=$(from_seeds "$NS_C")
check_err $? "C, created after A's writes:$out"
log_test "seeds: a namespace created later starts from the module parameters, not from A's values"

# --- ranges ----------------------------------------------------------------------

# try_writes: in A, one process: for each "NAME VALUE" on stdin, write
# VALUE to net.lbnl.NAME; print "NAME VALUE|old value|new value|error".
try_writes()
{
	nsn "$NS_A" bash -c '
		while read -r n v; do
			f=/proc/sys/net/lbnl/$n
			read -r old <"$f"
			err=$({ echo "$v" >"$f"; } 2>&1)
			read -r new <"$f"
			echo "$n $v|$old|$new|$err"
		done'
}

# (6.1's unsigned handlers answer EINVAL to a value out of range too)
RET=0
try_writes >"$tmp/refused" <<-EOF
	timeout_tcp 0
	timeout_udp 0
	timeout_sctp_closed 0
	gc_interval_ms 0
	expire_nodest_conn 2
	reply_check 2
	migrate_timeout_ms 9
	migrate_timeout_ms 600001
	migrate_retries 101
	migrate_max_open 0
	migrate_max_open 4097
	conn_max -1
	timeout_tcp abc
	max_vips 4294967296
EOF
check_err $? "writes in A failed to run"
[ "$(wc -l <"$tmp/refused")" = 14 ]
check_err $? "$(wc -l <"$tmp/refused") results of 14 writes: $(cat "$tmp/refused")"
while IFS='|' read -r c old new err; do
	if [ -z "$err" ]; then
		check_err 1 "net.lbnl.${c% *}=${c#* } accepted (now $new)"
	elif [[ $err != *"Invalid argument"* ]]; then
		check_err 1 "net.lbnl.${c% *}=${c#* }: '$err', want EINVAL"
	elif [ "$new" != "$old" ]; then
		check_err 1 "net.lbnl.${c% *}=${c#* } refused but $old became $new"
	fi
done <"$tmp/refused"
try_writes >"$tmp/taken" <<-EOF
	timeout_tcp 1
	timeout_sctp_closed 4294967295
	gc_interval_ms 1
	expire_nodest_conn 0
	reply_check 0
	migrate_timeout_ms 10
	migrate_timeout_ms 600000
	conn_max 0
	max_dests 0
	migrate_buffer_share 0
	conn_max 4294967295
	migrate_retries 0
	migrate_retries 100
	migrate_max_open 1
	migrate_max_open 4096
EOF
check_err $? "writes in A failed to run"
[ "$(wc -l <"$tmp/taken")" = 15 ]
check_err $? "$(wc -l <"$tmp/taken") results of 15 writes: $(cat "$tmp/taken")"
while IFS='|' read -r c old new err; do
	[ -z "$err" ] && [ "$new" = "${c#* }" ]
	check_err $? "net.lbnl.${c% *}=${c#* } not taken: '$err', reads $new"
done <"$tmp/taken"
log_test "ranges: out-of-range writes refused (EINVAL) and change nothing; bounds taken"

# --- user namespaces ---------------------------------------------------------------

RET=0
if ! command -v unshare >/dev/null; then
	log_test_skip "userns: limits lowered, not raised above the module parameter" "no unshare"
elif ! unshare -U -r -n true 2>"$tmp/err"; then
	log_test_skip "userns: limits lowered, not raised above the module parameter" \
		"unshare -Urn: $(cat "$tmp/err")"
else
	# in a new user and network namespace, as its root
	unshare -U -r -n bash -s -- "$LIMITS" >"$tmp/userns" 2>&1 <<-'EOF'
		for n in $1; do
			s=$(cat /sys/module/lbnl/parameters/$n)
			v=$(cat /proc/sys/net/lbnl/$n)
			[ "$v" = "$s" ] || echo "FAIL $n=$v, seed $s"
			echo $((s + 1)) > /proc/sys/net/lbnl/$n 2>/dev/null &&
				echo "FAIL $n raised to $((s + 1))"
			[ "$s" -gt 0 ] || continue
			echo $((s - 1)) > /proc/sys/net/lbnl/$n ||
				echo "FAIL $n not lowered to $((s - 1))"
			echo "$s" > /proc/sys/net/lbnl/$n ||
				echo "FAIL $n not raised back to $s"
		done
		echo 5 > /proc/sys/net/lbnl/timeout_tcp ||
			echo "FAIL timeout_tcp (not a limit) not written"
		echo done
	EOF
	! grep -q FAIL "$tmp/userns" && grep -q '^done$' "$tmp/userns"
	check_err $? "$(grep -v '^done$' "$tmp/userns" | tr '\n' ';')"
	log_test "userns: limits lowered, not raised above the module parameter"
fi

# --- lbnl_srv's sysctls ----------------------------------------------------------------

# gone NS DIR: no /proc/sys/net/DIR in NS
gone()
{
	if nsn "$1" test -e "/proc/sys/net/$2"; then
		echo "/proc/sys/net/$2 still there in $1: $(nsn "$1" ls "/proc/sys/net/$2" | tr '\n' ' ')"
		return 1
	fi
}

# do_rmmod MOD: rmmod, retried for a moment (a socket being torn down may
# hold the module)
do_rmmod()
{
	busywait 5000 rmmod "$1" 2>"$tmp/rmmod.err"
}

RET=0
do_rmmod lbnl_srv
check_err $? "rmmod lbnl_srv: $(cat "$tmp/rmmod.err")"
for ns in "$NS_A" "$NS_B"; do
	out=$(gone "$ns" lbnl_srv)
	check_err $? "$out"
done
[ ! -e /proc/sys/net/lbnl_srv ]
check_err $? "/proc/sys/net/lbnl_srv still there in the initial namespace"
[ "$(get "$NS_A" lbnl max_vips)" = 2 ]
check_err $? "net.lbnl.max_vips of A changed by rmmod lbnl_srv"
insmod "$LBNL_SRV_KO"
check_err $? "insmod $LBNL_SRV_KO"
[ "$(get "$NS_A" lbnl_srv release_grace_ms)" = "$(seed lbnl_srv release_grace_ms)" ]
check_err $? "A's release_grace_ms after insmod: $(get "$NS_A" lbnl_srv release_grace_ms 2>&1)"
log_test "srv: net.lbnl_srv.* exist only while lbnl_srv is loaded"

# --- rmmod lbnl -------------------------------------------------------------------

RET=0
do_rmmod lbnl
check_err $? "rmmod lbnl: $(cat "$tmp/rmmod.err")"
for ns in "$NS_A" "$NS_B" "$NS_C"; do
	out=$(gone "$ns" lbnl)
	check_err $? "$out"
done
[ ! -e /proc/sys/net/lbnl ]
check_err $? "/proc/sys/net/lbnl still there in the initial namespace"
insmod "$LBNL_KO"
check_err $? "insmod $LBNL_KO"
out=$(from_seeds "$NS_A")
check_err $? "A after the reload:$out"
log_test "rmmod: /proc/sys/net/lbnl gone everywhere; after insmod back, from the seeds"

ksft_exit
