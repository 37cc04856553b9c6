#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who may read: every lbnl and lbnl_srv command, reads included, and the
# events of both families need CAP_NET_ADMIN (as IPVS's: the VIPs are the
# site's configuration, the connections, counters and events name every
# client). In a namespace with a VIP and a dest (an empty table is refused
# as well as a full one), as
#
#   nobody    setpriv --reuid/--regid 65534 (no capability at all)
#   nocap     root without CAP_NET_ADMIN (setpriv: gone from the bounding
#             and inheritable sets, so the exec'd lbnl has it nowhere)
#   root      the test itself
#
# "lbnl vip show", "dest show", "conn show", "stats", "migrate show",
# "assoc show", "tag show" and "monitor" fail for nobody and nocap (exit 1, "permission
# denied: lbnl needs CAP_NET_ADMIN ..." on stderr, nothing on stdout) and
# work for root (monitor: still running when stopped).

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"

top=${LBNL_TOP:-$(cd "$dir/.." && pwd)}
LBNL=${LBNL:-$top/tools/lbnl/lbnl}
VIP=192.0.2.1

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit $ksft_skip; }
require_cmd setpriv timeout nsenter
[ -x "$LBNL" ] || { echo "SKIP: lbnl CLI not found at $LBNL"; exit $ksft_skip; }
for m in lbnl lbnl_srv; do
	if [ ! -d /sys/module/$m ]; then
		echo "SKIP: module $m not loaded"
		exit $ksft_skip
	fi
done
tmp=$(mktemp -d) || exit $ksft_fail
defer rm -rf "$tmp"

echo "TAP version 13"

setup_ns NS || exit $ksft_fail
ip -n "$NS" link add d0 type dummy &&
	ip -n "$NS" link set d0 up &&
	ip -n "$NS" addr add 203.0.113.1/24 dev d0 &&
	nsx "$NS" "$LBNL" vip add $VIP:80 proto udp mode nat &&
	nsx "$NS" "$LBNL" dest add $VIP:80 proto udp 203.0.113.11 ||
	{ echo "# set-up failed"; exit $ksft_fail; }

# as WHO CMD...: CMD in the namespace as WHO (nobody, nocap, root)
as()
{
	local who=$1

	shift
	case $who in
	nobody)
		nsx "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$@" ;;
	nocap)
		nsx "$NS" setpriv --inh-caps=-net_admin \
			--bounding-set=-net_admin "$@" ;;
	root)
		nsx "$NS" "$@" ;;
	esac
}

READS=("vip show" "dest show" "conn show" "stats" "migrate show"
       "assoc show" "tag show")

for who in nobody nocap; do
	for r in "${READS[@]}"; do
		RET=0
		# shellcheck disable=SC2086
		as $who "$LBNL" $r > "$tmp/out" 2> "$tmp/err"
		rc=$?
		[ $rc -eq 1 ]
		check_err $? "exit $rc, stdout: $(head -c 300 "$tmp/out")"
		grep -q "permission denied: lbnl needs CAP_NET_ADMIN" "$tmp/err"
		check_err $? "stderr: $(cat "$tmp/err")"
		[ ! -s "$tmp/out" ]
		check_err $? "stdout: $(head -c 300 "$tmp/out")"
		log_test "$who: lbnl $r refused, clearly"
	done
	RET=0
	as $who timeout 5 "$LBNL" monitor > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ $rc -eq 1 ]
	check_err $? "monitor: exit $rc (124: it subscribed), stderr: $(cat "$tmp/err")"
	grep -q "cannot subscribe to lbnl events: permission denied: lbnl needs CAP_NET_ADMIN" "$tmp/err"
	check_err $? "stderr: $(cat "$tmp/err")"
	log_test "$who: lbnl monitor cannot subscribe"
done

RET=0
for r in "${READS[@]}"; do
	# shellcheck disable=SC2086
	as root "$LBNL" $r > "$tmp/out" 2> "$tmp/err"
	check_err $? "root: lbnl $r: $(cat "$tmp/err")"
done
as root "$LBNL" vip show | grep -q "$VIP:80"
check_err $? "root: vip show does not list the VIP"
as root timeout 2 "$LBNL" monitor > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 124 ]
check_err $? "root: monitor exit $rc: $(cat "$tmp/err")"
log_test "root reads everything and subscribes"

ksft_exit
