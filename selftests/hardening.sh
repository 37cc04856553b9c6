#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Data-plane hardening: what a router or a firewall in the LB's place would
# do with bad or dangerous packets, in topo_lb3 as lib/dataplane.sh readies
# it. lib/hardening.py makes the packets and watches what arrives. CASES
# selects (in order):
#
#   ttl       tun VIPs (udp, IPv4 and IPv6, one dest: srv1): a datagram
#             with TTL / hop limit 1 gets ICMP time exceeded back to the
#             peer from the LB, is not forwarded (srv1 never gets it: a TTL
#             64 one sent after it does) and is counted in
#             drops.ttl_exceeded; one with TTL / hop limit 64 reaches srv1
#             (the inner header, after decapsulation) with 63, as after any
#             router: a routing loop through the LB ends.
#   sctp_crc  nat VIPs (sctp, IPv4 and IPv6, port 7080 -> dest port 7081,
#             so the LB rewrites the port and with it the CRC32c): an INIT
#             with a wrong CRC32c does not reach srv1 (a raw socket there
#             sees every SCTP packet, whatever its CRC) and is counted in
#             drops.bad_checksum; a good INIT sent after it arrives with a
#             valid CRC. (The dataplane matrix covers real associations.)
#   dst_leak  LEAK_COUNT (500) packets too big for a tun VIP that arrive
#             with a route of their own: sent from the LB's namespace to
#             the VIP, local there, they come in over loopback, which keeps
#             the route they were sent with (an uncached one per packet,
#             IP_HDRINCL). The LB answers "fragmentation needed"
#             (drops.too_big, the ICMP to the peer's address the packets
#             claim) and must release that route: the kernel's
#             count of IPv4 routes (/proc/net/stat/rt_cache, "entries")
#             comes back to where it was instead of growing by LEAK_COUNT.
#             (The suite also fails on refcount warnings and on a module
#             that does not unload.)
#
# Environment: CASES ("ttl sctp_crc dst_leak"), LEAK_COUNT (500).

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"

CASES=${CASES:-"ttl sctp_crc dst_leak"}
LEAK_COUNT=${LEAK_COUNT:-500}
HP=$dir/lib/hardening.py
LEAK_VIP=192.0.2.9

require_cmd python3 nsenter jq
require_module sctp ipip ip6_tunnel
if [ ! -x "$LBNL" ]; then
	echo "SKIP: lbnl CLI not found at $LBNL"
	exit $ksft_skip
fi
if [ ! -d /sys/module/lbnl ]; then
	echo "SKIP: module lbnl not loaded"
	exit $ksft_skip
fi
tmp=$(mktemp -d)
defer rm -rf "$tmp"

# hp NS CMD...: lib/hardening.py CMD... in netns NS.
hp()
{
	local ns=$1

	shift
	nsn "$ns" python3 "$HP" "$@"
}

# fam_vars F MODE: vip (of MODE nat or tun), srv (srv1's address) and lb
# (the LB's address on the peer's side) of family F.
fam_vars()
{
	if [ "$1" = 4 ]; then
		srv=$SRV1_IP4 lb=$LB_PEER_IP4
		[ "$2" = nat ] && vip=$DP_NAT4 || vip=$DP_TUN4
	else
		srv=$SRV1_IP6 lb=$LB_PEER_IP6
		[ "$2" = nat ] && vip=$DP_NAT6 || vip=$DP_TUN6
	fi
}

# --- ttl -------------------------------------------------------------------

# ttl_of PAYLOAD: the TTL srv1 got PAYLOAD with (nothing if it did not).
ttl_of()
{
	awk -v p="$1" '$1 == p { print $2 }' "$tmp/ttl.log"
}

ttl_arrived()
{
	[ -n "$(ttl_of "$1")" ]
}

ttl_case()
{
	local f=$1 key out d0 n got type name=TTL

	RET=0
	fam_vars "$f" tun
	[ "$f" = 6 ] && name="hop limit"
	key=$(dp_key "$vip" 7001)
	{
		echo "vip add $key proto udp mode tun"
		echo "dest add $key proto udp $(dp_key "$srv" 7001)"
	} | dp_apply
	check_err $? "configuring $key"

	# type 11 / code 0 (ICMP), type 3 / code 0 (ICMPv6)
	[ "$f" = 4 ] && type=11 || type=3
	d0=$(dp_drop ttl_exceeded)
	out=$(hp "$NS_PEER" ttl-send "$vip" 7001 1 "ttl1-ipv$f" 5)
	[ "$out" = "icmp $type 0 $lb" ]
	check_err $? "$name 1: want 'icmp $type 0 $lb' (time exceeded from the LB) at the peer, got '$out'"
	n=$(($(dp_drop ttl_exceeded) - d0))
	[ "$n" = 1 ]
	check_err $? "$name 1: drops.ttl_exceeded grew by $n, want 1"
	lbx stats | grep -qw ttl_exceeded
	check_err $? "lbnl stats (text) does not name ttl_exceeded"

	# the same path, after it: once this one is in, the other never comes
	hp "$NS_PEER" ttl-send "$vip" 7001 64 "ttl64-ipv$f" 0 >/dev/null
	busywait 10000 ttl_arrived "ttl64-ipv$f"
	check_err $? "$name 64: nothing reached srv1"
	got=$(ttl_of "ttl1-ipv$f")
	[ -z "$got" ]
	check_err $? "$name 1: srv1 got the datagram (with $name $got)"
	log_test "ttl: tun IPv$f, $name 1: ICMP time exceeded to the peer, not forwarded, drops.ttl_exceeded"

	got=$(ttl_of "ttl64-ipv$f")
	[ "$got" = 63 ]
	check_err $? "$name 64: srv1 got it with ${got:-nothing}, want 63"
	log_test "ttl: tun IPv$f, $name 64 reaches the server as 63"
	dp vip del "$key" proto udp
}

check_ttl()
{
	local f

	# no ICMP rate limit in the way of the LB's answers
	nsn "$NS_LB" sysctl -qw net.ipv4.icmp_ratelimit=0 \
		net.ipv6.icmp.ratelimit=0
	dp_bg "$NS_SRV1" python3 "$HP" ttl-serve "$tmp/ttl.log" \
		"$tmp/ttl.ready" "$DP_TUN4:7001" "[$DP_TUN6]:7001"
	if ! busywait 30000 test -e "$tmp/ttl.ready"; then
		RET=1 retmsg="ttl-serve did not start: $(tail -n 3 "$tmp/bg.log")"
		log_test "ttl: servers"
		return
	fi
	for f in 4 6; do
		ttl_case $f
	done
}

# --- sctp_crc ----------------------------------------------------------------

sctp_seen()
{
	grep -q "^$1\$" "$tmp/sctp.log"
}

sctp_case()
{
	local f=$1 key bad good d0 n out

	RET=0
	fam_vars "$f" nat
	key=$(dp_key "$vip" 7080)
	bad=$((7200 + f * 10 + 1)) good=$((7200 + f * 10 + 2))
	{
		echo "vip add $key proto sctp mode nat"
		echo "dest add $key proto sctp $(dp_key "$srv" 7081)"
	} | dp_apply
	check_err $? "configuring $key"

	d0=$(dp_drop bad_checksum)
	hp "$NS_PEER" sctp-send "$vip" 7080 $bad bad
	check_err $? "sending the bad INIT failed"
	hp "$NS_PEER" sctp-send "$vip" 7080 $good good
	check_err $? "sending the good INIT failed"
	busywait 10000 sctp_seen "$f $good 7081 crc-ok"
	check_err $? "the good INIT did not reach srv1:7081 with a valid CRC32c: $(tr '\n' ';' <"$tmp/sctp.log")"
	out=$(grep "^$f $bad " "$tmp/sctp.log" | tr '\n' ';')
	[ -z "$out" ]
	check_err $? "the INIT with a bad CRC32c reached srv1: $out"
	n=$(($(dp_drop bad_checksum) - d0))
	[ "$n" = 1 ]
	check_err $? "drops.bad_checksum grew by $n, want 1"
	lbx stats | grep -qw bad_checksum
	check_err $? "lbnl stats (text) does not name bad_checksum"
	log_test "sctp_crc: nat IPv$f, port 7080 -> 7081: a bad CRC32c is dropped (drops.bad_checksum), a good INIT passes"
	dp vip del "$key" proto sctp
}

check_sctp_crc()
{
	local f

	dp_bg "$NS_SRV1" python3 "$HP" sctp-watch "$tmp/sctp.log" \
		"$tmp/sctp.ready"
	if ! busywait 30000 test -e "$tmp/sctp.ready"; then
		RET=1 retmsg="sctp-watch did not start: $(tail -n 3 "$tmp/bg.log")"
		log_test "sctp_crc: watcher"
		return
	fi
	for f in 4 6; do
		sctp_case $f
	done
}

# --- dst_leak ------------------------------------------------------------------

# rt_entries: the IPv4 routes (dst entries) alive in the kernel, all
# namespaces.
rt_entries()
{
	echo $((0x$(awk 'NR == 2 { print $1 }' /proc/net/stat/rt_cache)))
}

# rt_entries_le N: at most N.
rt_entries_le()
{
	[ "$(rt_entries)" -le "$1" ]
}

check_dst_leak()
{
	local key e0 t0 n out

	RET=0
	key=$(dp_key $LEAK_VIP 7009)
	{
		echo "vip add $key proto udp mode tun"
		echo "dest add $key proto udp $(dp_key "$SRV1_IP4" 7009)"
	} | dp_apply
	check_err $? "configuring $key"
	ip -n "$NS_LB" route add local $LEAK_VIP dev lo
	check_err $? "ip route add local $LEAK_VIP dev lo"

	e0=$(rt_entries)
	t0=$(dp_drop too_big)
	# 1700 bytes with DF: more than br0's 1600 once wrapped. From the
	# peer's address: "fragmentation needed" goes there, and lb's own
	# route to the VIP does not learn a smaller MTU.
	out=$(hp "$NS_LB" big-df "$PEER_IP4" $LEAK_VIP 7009 7100 \
		"$LEAK_COUNT" 1700 2>&1)
	check_err $? "big-df: $out"
	n=$(($(dp_drop too_big) - t0))
	[ "$n" = "$LEAK_COUNT" ]
	check_err $? "drops.too_big grew by $n, want $LEAK_COUNT: the packets did not all take the too-big path"
	# freed after an RCU grace period, or never if leaked
	busywait 10000 rt_entries_le $((e0 + LEAK_COUNT / 4))
	check_err $? "IPv4 routes: $e0 before $LEAK_COUNT too-big packets, $(rt_entries) after: their own routes leaked"
	echo "# IPv4 routes: $e0 before, $(rt_entries) after $LEAK_COUNT packets"
	log_test "dst_leak: tun IPv4, $LEAK_COUNT too-big packets with a route of their own (over loopback): no route leaked"
	ip -n "$NS_LB" route del local $LEAK_VIP dev lo
	dp vip del "$key" proto udp
}

# --- main -------------------------------------------------------------------

if ! dp_setup; then
	echo "# setup failed"
	exit $ksft_fail
fi
for c in $CASES; do
	case $c in
	ttl | sctp_crc | dst_leak) "check_$c" ;;
	*) echo "# unknown case $c"; exit $ksft_fail ;;
	esac
done
ksft_exit
