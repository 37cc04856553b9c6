# SPDX-License-Identifier: GPL-2.0
#
# topo.sh: helpers shared by lbnl's shell selftests and the demo, after the
# conventions of tools/testing/selftests/net/lib.sh. Source it from a test:
#
#	. "$(dirname "$0")/lib/topo.sh"
#
# and build the standard topology with topo_lb3:
#
#	$NS_PEER              $NS_LB                          $NS_SRV1..3
#	+----------+   veth   +-------------------------+     +-------------+
#	| eth0     |----------| eth0         br0        |-srv1-| eth0 .11 ::11|
#	| .1   ::1 |          | .2   ::2     .1   ::1   |-srv2-| eth0 .12 ::12|
#	+----------+          |  (forwarding on)        |-srv3-| eth0 .13 ::13|
#	                      +-------------------------+     +-------------+
#	198.51.100.0/24 (PEER_NET4)      203.0.113.0/24 (SRV_NET4)
#	2001:db8:1::/64 (PEER_NET6)      2001:db8:2::/64 (SRV_NET6)
#
# peer and servers route everything via lb, so VIPs taken from 192.0.2.0/24
# (VIP4_NET) and 2001:db8:10::/64 (VIP6_NET) reach lb. The servers share one
# L2 segment (bridge br0 in lb; its ports are srv1..3). Namespace names get
# a random suffix, so tests can run side by side; cleanup is automatic.
#
# Test helpers: ksft_* exit codes, require_cmd, setup_ns, veth_pair,
# addr_add, busywait (poll, never sleep a fixed time), defer (cleanup stack
# run on EXIT, last in first out), check_err/check_fail/log_test (RET-style
# checks printing KTAP "ok N name" / "not ok N name # why") and ksft_exit.

ksft_pass=0
ksft_fail=1
ksft_skip=4

PEER_NET4=198.51.100.0/24
PEER_NET6=2001:db8:1::/64
SRV_NET4=203.0.113.0/24
SRV_NET6=2001:db8:2::/64
VIP4_NET=192.0.2.0/24
VIP6_NET=2001:db8:10::/64

PEER_IP4=198.51.100.1
PEER_IP6=2001:db8:1::1
LB_PEER_IP4=198.51.100.2
LB_PEER_IP6=2001:db8:1::2
LB_SRV_IP4=203.0.113.1
LB_SRV_IP6=2001:db8:2::1
SRV1_IP4=203.0.113.11
SRV1_IP6=2001:db8:2::11
SRV2_IP4=203.0.113.12
SRV2_IP6=2001:db8:2::12
SRV3_IP4=203.0.113.13
SRV3_IP6=2001:db8:2::13

# --- cleanup stack -------------------------------------------------------

__defer=()

# defer CMD [ARGS...]: run CMD at exit (in reverse order of deferral).
defer()
{
	local q

	q=$(printf '%q ' "$@")
	__defer+=("$q")
}

# defer_run: run and forget everything deferred so far (also runs on EXIT).
defer_run()
{
	local i

	for ((i = ${#__defer[@]} - 1; i >= 0; i--)); do
		eval "${__defer[i]}" >/dev/null 2>&1
	done
	__defer=()
}

trap defer_run EXIT

# --- requirements --------------------------------------------------------

# require_cmd CMD...: skip the test (exit 4) unless every CMD is there.
require_cmd()
{
	local c

	for c in "$@"; do
		if ! command -v "$c" >/dev/null; then
			echo "SKIP: $c not found"
			exit $ksft_skip
		fi
	done
}

# require_module MOD...: skip the test unless every MOD loads.
require_module()
{
	local m

	for m in "$@"; do
		if ! modprobe -q "$m"; then
			echo "SKIP: module $m not available"
			exit $ksft_skip
		fi
	done
}

# --- namespaces and links ------------------------------------------------

# setup_ns VAR...: for each VAR create a namespace with a unique name
# (NS_PEER -> peer-3f9a06c2), store the name in VAR, bring lo up and delete
# the namespace at exit. (Add IPv6 addresses with addr_add or "nodad":
# duplicate address detection would make them unusable for a while.)
setup_ns()
{
	local var name

	for var in "$@"; do
		name=${var#NS_}
		name=$(printf '%s-%04x%04x' "${name,,}" $RANDOM $RANDOM)
		if ! ip netns add "$name"; then
			echo "setup_ns: cannot create namespace $name" >&2
			return 1
		fi
		defer ip netns del "$name"
		ip -n "$name" link set lo up || return
		printf -v "$var" '%s' "$name"
	done
}

# nsx NS CMD [ARGS...]: run CMD in namespace NS.
nsx()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

# veth_pair NS1 IF1 NS2 IF2: a veth link from NS1 (named IF1) to NS2 (IF2),
# both ends up.
veth_pair()
{
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up &&
		ip -n "$3" link set "$4" up
}

# addr_add NS IF ADDR/LEN...: add addresses (IPv6 ones without DAD).
addr_add()
{
	local ns=$1 dev=$2 a

	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" addr add "$a" dev "$dev" nodad || return ;;
		*)   ip -n "$ns" addr add "$a" dev "$dev" || return ;;
		esac
	done
}

# topo_lb3: build the topology in the diagram above. Sets NS_PEER, NS_LB,
# NS_SRV1..3 and the array NS_SRVS=("$NS_SRV1" "$NS_SRV2" "$NS_SRV3").
topo_lb3()
{
	local i ns

	setup_ns NS_PEER NS_LB NS_SRV1 NS_SRV2 NS_SRV3 || return
	NS_SRVS=("$NS_SRV1" "$NS_SRV2" "$NS_SRV3")

	# One "ip -batch" per namespace: every exec is slow under TCG.
	ip -n "$NS_LB" -batch - <<-EOF || return
		link add eth0 type veth peer name eth0 netns $NS_PEER
		link add br0 type bridge forward_delay 0
		link add srv1 type veth peer name eth0 netns $NS_SRV1
		link add srv2 type veth peer name eth0 netns $NS_SRV2
		link add srv3 type veth peer name eth0 netns $NS_SRV3
		link set srv1 master br0
		link set srv2 master br0
		link set srv3 master br0
		link set eth0 up
		link set br0 up
		link set srv1 up
		link set srv2 up
		link set srv3 up
		addr add $LB_PEER_IP4/24 dev eth0
		addr add $LB_PEER_IP6/64 dev eth0 nodad
		addr add $LB_SRV_IP4/24 dev br0
		addr add $LB_SRV_IP6/64 dev br0 nodad
	EOF
	ip netns exec "$NS_LB" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 || return

	ip -n "$NS_PEER" -batch - <<-EOF || return
		link set eth0 up
		addr add $PEER_IP4/24 dev eth0
		addr add $PEER_IP6/64 dev eth0 nodad
		route add default via $LB_PEER_IP4
		route add default via $LB_PEER_IP6
	EOF

	for i in 1 2 3; do
		ns=${NS_SRVS[i - 1]}
		ip -n "$ns" -batch - <<-EOF || return
			link set eth0 up
			addr add 203.0.113.1$i/24 dev eth0
			addr add 2001:db8:2::1$i/64 dev eth0 nodad
			route add default via $LB_SRV_IP4
			route add default via $LB_SRV_IP6
		EOF
	done
}

# --- waiting -------------------------------------------------------------

# busywait TIMEOUT_MS CMD [ARGS...]: run CMD until it succeeds or
# TIMEOUT_MS passes; returns CMD's last status and prints its last output.
busywait()
{
	local timeout=$1 start now out ret

	shift
	start=$(date +%s%3N)
	while :; do
		out=$("$@")
		ret=$?
		if [ $ret -eq 0 ]; then
			[ -z "$out" ] || echo "$out"
			return 0
		fi
		now=$(date +%s%3N)
		if [ $((now - start)) -ge "$timeout" ]; then
			[ -z "$out" ] || echo "$out"
			return $ret
		fi
		sleep 0.1
	done
}

# --- checks and results (KTAP) -------------------------------------------

RET=0
retmsg=
EXIT_STATUS=0
__ktap_n=0
__ktap_pass=0
__ktap_skip=0
__ktap_fail=0

# check_err ERR MSG: record a failure (first one wins) if ERR is nonzero.
check_err()
{
	if [ "$RET" -eq 0 ] && [ "$1" -ne 0 ]; then
		RET=$1
		retmsg=$2
	fi
}

# check_fail ERR MSG: record a failure if ERR is zero (it should have failed).
check_fail()
{
	if [ "$RET" -eq 0 ] && [ "$1" -eq 0 ]; then
		RET=1
		retmsg=$2
	fi
}

# log_test NAME: print "ok N NAME" or "not ok N NAME # retmsg" for the
# checks since the last log_test, and reset RET. RET=$ksft_skip marks a
# skip ("ok N NAME # SKIP retmsg").
log_test()
{
	local name=$1

	__ktap_n=$((__ktap_n + 1))
	if [ "$RET" -eq 0 ]; then
		__ktap_pass=$((__ktap_pass + 1))
		echo "ok $__ktap_n $name"
	elif [ "$RET" -eq "$ksft_skip" ]; then
		__ktap_skip=$((__ktap_skip + 1))
		echo "ok $__ktap_n $name # SKIP${retmsg:+ $retmsg}"
	else
		__ktap_fail=$((__ktap_fail + 1))
		EXIT_STATUS=$ksft_fail
		echo "not ok $__ktap_n $name${retmsg:+ # $retmsg}"
	fi
	RET=0
	retmsg=
}

# log_test_skip NAME WHY: a skipped check.
log_test_skip()
{
	RET=$ksft_skip
	retmsg=$2
	log_test "$1"
}

# ksft_exit: print the plan and totals, run the cleanups and exit with 1 if
# anything failed, 4 if everything was skipped, else 0.
ksft_exit()
{
	echo "1..$__ktap_n"
	echo "# Totals: pass:$__ktap_pass fail:$__ktap_fail xfail:0 xpass:0" \
		"skip:$__ktap_skip error:0"
	defer_run
	if [ "$__ktap_fail" -gt 0 ]; then
		exit $ksft_fail
	elif [ "$__ktap_pass" -eq 0 ] && [ "$__ktap_skip" -gt 0 ]; then
		exit $ksft_skip
	fi
	exit $EXIT_STATUS
}
