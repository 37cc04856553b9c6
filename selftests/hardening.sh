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
#   spoof     nat VIPs (IPv4 and IPv6, dests on srv1) and srv2, another
#             host of the server segment, claiming srv1's address: a UDP
#             datagram "from srv1" to the peer is not given the VIP's
#             address (the peer gets nothing; the same datagram sent by
#             srv1 itself does reach it from the VIP), a TCP RST and an
#             SCTP ABORT (with the right tag) "from srv1" neither close the
#             client's entry nor reach the peer; all counted in
#             drops.spoofed_reply. From srv1 itself, the dest: an SCTP
#             INIT-ACK on the established association does not rebind the
#             entry's tag, and an ABORT with another tag does not close it.
#             The held TCP and SCTP connections keep working throughout.
#
# Environment: CASES ("ttl sctp_crc dst_leak spoof"), LEAK_COUNT (500).

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"

CASES=${CASES:-"ttl sctp_crc dst_leak spoof"}
LEAK_COUNT=${LEAK_COUNT:-500}
HP=$dir/lib/hardening.py
LEAK_VIP=192.0.2.9

require_cmd python3 nsenter jq
require_module sctp ipip ip6_tunnel
dp_require_lbnl
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

# --- spoof -------------------------------------------------------------------

# conn_field KEY PROTO FIELD: FIELD of the VIP's (only) entry.
conn_field()
{
	lbx -j conn show "$1" proto "$2" | jq -r ".[0].$3 // empty"
}

# held_ok LOG N: the held connection has answered more than N times.
held_ok()
{
	local n

	[ -e "$1" ] || return 1
	n=$(awk '$1 == "ok" { n = $2 } END { print n + 0 }' "$1")
	[ "$n" -gt "$2" ]
}

# held_last LOG: how many times it has answered.
held_last()
{
	awk '$1 == "ok" { n = $2 } END { print n + 0 }' "$1"
}

spoof_case()
{
	local f=$1 srv2 peer udp tcp sctp d0 n st out tlog slog tport sport
	local my peer_tag i

	fam_vars "$f" nat
	if [ "$f" = 4 ]; then
		srv2=$SRV2_IP4 peer=$PEER_IP4
	else
		srv2=$SRV2_IP6 peer=$PEER_IP6
	fi
	udp=$(dp_key "$vip" 7100) tcp=$(dp_key "$vip" 7110)
	sctp=$(dp_key "$vip" 7120)
	{
		echo "vip add $udp proto udp mode nat"
		echo "dest add $udp proto udp $(dp_key "$srv" 7101)"
		echo "vip add $tcp proto tcp mode nat"
		echo "dest add $tcp proto tcp $(dp_key "$srv" $DP_PORT)"
		echo "vip add $sctp proto sctp mode nat"
		echo "dest add $sctp proto sctp $(dp_key "$srv" 7121)"
	} | dp_apply
	check_err $? "configuring the nat VIPs"

	# UDP: srv1's own datagram is translated, srv2's claim is not
	RET=0
	d0=$(dp_drop spoofed_reply)
	hp "$NS_SRV1" spoof "$srv" "$peer" 7101 7102 udp
	busywait 10000 grep -q "^$vip spoofed\$" "$tmp/udp$f.log"
	check_err $? "srv1's own datagram did not reach the peer from $vip: $(tr '\n' ';' <"$tmp/udp$f.log")"
	: >"$tmp/udp$f.log"
	hp "$NS_SRV2" spoof "$srv" "$peer" 7101 7102 udp
	busywait 5000 test "$(($(dp_drop spoofed_reply) - d0))" -ge 1
	check_err $? "drops.spoofed_reply did not grow for srv2's datagram claiming $srv"
	out=$(cat "$tmp/udp$f.log")
	[ -z "$out" ]
	check_err $? "srv2's datagram claiming $srv reached the peer: $out"
	log_test "spoof: IPv$f udp: srv2 claiming srv1's address is not translated to the VIP (drops.spoofed_reply), srv1 itself is"

	# TCP: a RST claiming srv1 does not close the client's entry
	RET=0
	tlog=$tmp/tcp$f.log slog=$tmp/sctp$f.log
	dp_bg "$NS_PEER" python3 "$HP" hold tcp "$vip" 7110 "$tlog"
	dp_bg "$NS_PEER" python3 "$HP" hold sctp "$vip" 7120 "$slog"
	busywait 30000 held_ok "$tlog" 2
	check_err $? "the TCP connection to $tcp did not come up: $(tail -n 2 "$tlog")"
	busywait 30000 held_ok "$slog" 2
	check_err $? "the SCTP association to $sctp did not come up: $(tail -n 2 "$slog")"
	tport=$(awk '$1 == "port" { print $2 }' "$tlog")
	sport=$(awk '$1 == "port" { print $2 }' "$slog")
	d0=$(dp_drop spoofed_reply)
	hp "$NS_SRV2" spoof "$srv" "$peer" $DP_PORT "$tport" rst
	busywait 5000 test "$(($(dp_drop spoofed_reply) - d0))" -ge 1
	check_err $? "drops.spoofed_reply did not grow for srv2's RST"
	st=$(conn_field "$tcp" tcp state)
	[ "$st" = established ]
	check_err $? "after srv2's RST claiming srv1 the entry is '$st', want established"
	log_test "spoof: IPv$f tcp: a RST from srv2 claiming srv1 leaves the entry established (drops.spoofed_reply)"

	# SCTP: an ABORT claiming srv1, with the right tag
	RET=0
	my=$(conn_field "$sctp" sctp my_vtag)
	peer_tag=$(conn_field "$sctp" sctp peer_vtag)
	[ -n "$my" ] && [ -n "$peer_tag" ]
	check_err $? "no tags in 'lbnl -j conn show $sctp proto sctp'"
	d0=$(dp_drop spoofed_reply)
	hp "$NS_SRV2" spoof "$srv" "$peer" 7121 "$sport" abort "$peer_tag"
	busywait 5000 test "$(($(dp_drop spoofed_reply) - d0))" -ge 1
	check_err $? "drops.spoofed_reply did not grow for srv2's ABORT"
	st=$(conn_field "$sctp" sctp state)
	[ "$st" = established ]
	check_err $? "after srv2's ABORT claiming srv1 the entry is '$st', want established"
	log_test "spoof: IPv$f sctp: an ABORT from srv2 claiming srv1 (right tag) leaves the entry established"

	# SCTP, from srv1 itself: INIT-ACK and a wrong-tag ABORT
	RET=0
	hp "$NS_SRV1" spoof "$srv" "$peer" 7121 "$sport" init-ack \
		"$peer_tag" 0x0badcafe
	hp "$NS_SRV1" spoof "$srv" "$peer" 7121 "$sport" abort \
		$((peer_tag ^ 0x5a5a))
	i=$(held_last "$slog")
	busywait 10000 held_ok "$slog" $((i + 2))
	check_err $? "the SCTP association stopped answering: $(tail -n 2 "$slog")"
	st=$(conn_field "$sctp" sctp my_vtag)
	[ "$st" = "$my" ]
	check_err $? "an INIT-ACK on the established association rebound its tag: $my -> $st"
	st=$(conn_field "$sctp" sctp state)
	[ "$st" = established ]
	check_err $? "an ABORT with another tag made the entry '$st', want established"
	log_test "spoof: IPv$f sctp: from the dest, an INIT-ACK does not rebind an established association, an ABORT with another tag does not close it"

	RET=0
	for out in "$tlog" "$slog"; do
		i=$(held_last "$out")
		busywait 10000 held_ok "$out" $((i + 2))
		check_err $? "$(basename "$out" .log): stopped answering: $(tail -n 2 "$out")"
		! grep -q '^dead' "$out"
		check_err $? "$(basename "$out" .log): $(grep '^dead' "$out")"
	done
	log_test "spoof: IPv$f: the held TCP connection and SCTP association kept working"
	dp vip del "$udp" proto udp
	dp vip del "$tcp" proto tcp
	dp vip del "$sctp" proto sctp
}

check_spoof()
{
	local f

	for f in 4 6; do
		fam_vars $f nat
		dp_bg "$NS_SRV1" python3 "$HP" sctp-echo "$srv" 7121 \
			"$tmp/echo$f.ready"
		if [ $f = 4 ]; then
			dp_bg "$NS_PEER" python3 "$HP" udp-listen "$PEER_IP4" 7102 \
				"$tmp/udp$f.log" "$tmp/udp$f.ready"
		else
			dp_bg "$NS_PEER" python3 "$HP" udp-listen "$PEER_IP6" 7102 \
				"$tmp/udp$f.log" "$tmp/udp$f.ready"
		fi
	done
	for f in 4 6; do
		if ! busywait 30000 test -e "$tmp/echo$f.ready" -a \
				-e "$tmp/udp$f.ready"; then
			RET=1 retmsg="sctp-echo / udp-listen did not start: $(tail -n 3 "$tmp/bg.log")"
			log_test "spoof: servers"
			return
		fi
	done
	for f in 4 6; do
		spoof_case $f
	done
}

# --- main -------------------------------------------------------------------

if ! dp_setup; then
	echo "# setup failed"
	exit $ksft_fail
fi
for c in $CASES; do
	case $c in
	ttl | sctp_crc | dst_leak | spoof) "check_$c" ;;
	*) echo "# unknown case $c"; exit $ksft_fail ;;
	esac
done
ksft_exit
