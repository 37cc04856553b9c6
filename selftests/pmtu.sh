#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nat VIPs, ICMP errors and fragments: path MTU discovery works through the
# LB both ways, a dest's ICMP errors and fragmented replies come from the
# VIP (README, "Security" and "nat"). topo_lb3 as lib/dataplane.sh readies
# it; lib/pmtu.py serves and fetches. Each case in IPv4 and IPv6; CASES
# selects (in order):
#
#   lb_mtu    the LB's own link to the peer has MTU 1280 (the peer's side
#             1500, so the peer announces a full-size MSS): a 1 MB TCP
#             download from a nat VIP completes. The dest's full-size
#             replies do not fit the LB's way out: the LB answers the dest
#             "fragmentation needed" / "packet too big" (drops.too_big),
#             not the VIP, which the stack would answer after the
#             translation and which no one would hear.
#   path_mtu  a client ("far") behind a router (the peer's namespace)
#             whose link to it has MTU 1280: the router's ICMP error goes
#             to the VIP, quoting the VIP's packet; the LB sends it on to
#             the dest, translated (the dest then has a route exception
#             with MTU 1280 towards far), and the 1 MB download completes.
#   icmp_out  a nat UDP VIP (port 7300 -> dest port 7301, where nothing
#             listens): the dest's "port unreachable" reaches the peer's
#             connected socket, so it comes from the VIP and quotes the
#             VIP's address and port (ECONNREFUSED).
#   frag      a dest's 4,000-byte UDP answer leaves it in fragments: the
#             LB reassembles, translates and fragments it again; the peer's
#             socket, connected to the VIP, gets all 4,000 bytes.
#   no_conn   an ICMP error to a VIP about a flow without an entry is
#             dropped and counted (drops.icmp_no_conn).
#   spoof     srv2, another host of the server segment, sends the peer a
#             "port unreachable" claiming srv1's address and quoting a
#             datagram to srv1's port 7301: dropped (drops.spoofed_reply),
#             never translated to the VIP's.
#
# Environment: CASES ("lb_mtu path_mtu icmp_out frag no_conn spoof"), SIZE
# (1000000 bytes).

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"

CASES=${CASES:-"lb_mtu path_mtu icmp_out frag no_conn spoof"}
SIZE=${SIZE:-1000000}
PY=$dir/lib/pmtu.py
PORT=7200
FAR_IP4=198.51.100.200
FAR_IP6=2001:db8:1::200

require_cmd python3 nsenter jq
dp_require_lbnl
tmp=$(mktemp -d)
defer rm -rf "$tmp"

# py NS CMD...: lib/pmtu.py CMD... in netns NS.
py()
{
	local ns=$1

	shift
	nsn "$ns" python3 "$PY" "$@"
}

# fam_vars F: vip, srv (srv1's address), peer, far of family F.
fam_vars()
{
	if [ "$1" = 4 ]; then
		vip=$DP_NAT4 srv=$SRV1_IP4 peer=$PEER_IP4 far=$FAR_IP4
	else
		vip=$DP_NAT6 srv=$SRV1_IP6 peer=$PEER_IP6 far=$FAR_IP6
	fi
}

# fetch_ok NS: a SIZE-byte TCP download from the VIP to NS.
fetch_ok()
{
	local out

	out=$(py "$1" fetch tcp "$vip" $PORT "$SIZE" 120)
	echo "$out" >"$tmp/fetch.out"
	[ "${out%% *}" = ok ]
}

setup()
{
	local f key

	dp_setup || return
	for f in 4 6; do
		fam_vars $f
		dp_bg "$NS_SRV1" python3 "$PY" serve "$srv" $PORT \
			"$tmp/serve$f.ready"
		key=$(dp_key "$vip" $PORT)
		{
			echo "vip add $key proto tcp mode nat"
			echo "dest add $key proto tcp $(dp_key "$srv" $PORT)"
			echo "vip add $key proto udp mode nat"
			echo "dest add $key proto udp $(dp_key "$srv" $PORT)"
			key=$(dp_key "$vip" 7300)
			echo "vip add $key proto udp mode nat"
			echo "dest add $key proto udp $(dp_key "$srv" 7301)"
		} | dp_apply || return
	done
	busywait 30000 test -e "$tmp/serve4.ready" -a -e "$tmp/serve6.ready" ||
		{ echo "# pmtu.py serve did not start: $(tail -n 3 "$tmp/bg.log")"; return 1; }

	# far: a client behind the peer's namespace, over a link whose
	# router side has MTU 1280. The peer answers the LB's ARP / ND for
	# far's address (proxy) and routes it.
	setup_ns NS_FAR || return
	ip -n "$NS_PEER" link add pfar mtu 1280 type veth peer name eth0 \
		netns "$NS_FAR" || return
	ip -n "$NS_PEER" -batch - <<-EOF || return
		link set pfar up
		addr add fe80::1/64 dev pfar nodad
		route add $FAR_IP4/32 dev pfar
		route add $FAR_IP6/128 dev pfar
		neigh add proxy $FAR_IP6 dev eth0
	EOF
	nsn "$NS_PEER" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 net.ipv4.conf.eth0.proxy_arp=1 \
		net.ipv6.conf.eth0.proxy_ndp=1 || return
	ip -n "$NS_FAR" -batch - <<-EOF || return
		link set eth0 up
		addr add $FAR_IP4/32 dev eth0
		addr add $FAR_IP6/128 dev eth0 nodad
		route add default via $PEER_IP4 dev eth0 onlink
		route add default via fe80::1 dev eth0
	EOF
}

check_lb_mtu()
{
	local f d0 n

	ip -n "$NS_LB" link set eth0 mtu 1280
	for f in 4 6; do
		RET=0
		fam_vars $f
		d0=$(dp_drop too_big)
		fetch_ok "$NS_PEER"
		check_err $? "the download from $vip stalled: $(cat "$tmp/fetch.out")"
		n=$(($(dp_drop too_big) - d0))
		[ "$n" -ge 1 ]
		check_err $? "drops.too_big grew by $n, want >= 1"
		log_test "lb_mtu: IPv$f, LB->peer MTU 1280: $SIZE bytes from the nat VIP ($(cat "$tmp/fetch.out")), the dest told (too_big $n)"
	done
	ip -n "$NS_LB" link set eth0 mtu 1500
}

check_path_mtu()
{
	local f out

	for f in 4 6; do
		RET=0
		fam_vars $f
		fetch_ok "$NS_FAR"
		check_err $? "the download from $vip to far stalled: $(cat "$tmp/fetch.out")"
		out=$(ip -n "$NS_SRV1" route get "$far" 2>&1)
		echo "$out" | grep -qw "mtu 1280"
		check_err $? "srv1 has no MTU 1280 towards $far: $out"
		log_test "path_mtu: IPv$f, router->far MTU 1280: the router's error reaches the dest, $SIZE bytes to far ($(cat "$tmp/fetch.out"))"
	done
}

check_icmp_out()
{
	local f out

	for f in 4 6; do
		RET=0
		fam_vars $f
		out=$(py "$NS_PEER" refused "$vip" 7300 10)
		[ "$out" = refused ]
		check_err $? "want 'refused' (srv1's port unreachable, from the VIP), got '$out'"
		log_test "icmp_out: IPv$f, srv1's port unreachable reaches the peer as the VIP's"
	done
}

check_frag()
{
	local f out

	for f in 4 6; do
		RET=0
		fam_vars $f
		out=$(py "$NS_PEER" fetch udp "$vip" $PORT 4000 10)
		[ "${out%% *}" = ok ]
		check_err $? "the 4000-byte answer did not reach the peer from the VIP: $out"
		log_test "frag: IPv$f, srv1's fragmented UDP answer reassembled, translated, sent on"
	done
}

check_no_conn()
{
	local f d0 n

	for f in 4 6; do
		RET=0
		fam_vars $f
		d0=$(dp_drop icmp_no_conn)
		py "$NS_PEER" icmp-unreach "$peer" "$vip" $PORT 4242
		busywait 5000 test "$(($(dp_drop icmp_no_conn) - d0))" -ge 1
		check_err $? "drops.icmp_no_conn did not grow"
		log_test "no_conn: IPv$f, an ICMP error about a flow without an entry is dropped (icmp_no_conn)"
	done
}

check_spoof()
{
	local f d0 srv2

	for f in 4 6; do
		RET=0
		fam_vars $f
		[ $f = 4 ] && srv2=$SRV2_IP4 || srv2=$SRV2_IP6
		d0=$(dp_drop spoofed_reply)
		py "$NS_SRV2" icmp-unreach "$srv" "$peer" 4243 7301 "$srv"
		busywait 5000 test "$(($(dp_drop spoofed_reply) - d0))" -ge 1
		check_err $? "drops.spoofed_reply did not grow for srv2 ($srv2) claiming $srv"
		log_test "spoof: IPv$f, srv2's ICMP error claiming srv1's address is dropped (spoofed_reply)"
	done
}

if ! setup; then
	echo "# setup failed"
	exit $ksft_fail
fi
for c in $CASES; do
	case $c in
	lb_mtu | path_mtu | icmp_out | frag | no_conn | spoof) "check_$c" ;;
	*) echo "# unknown case $c"; exit $ksft_fail ;;
	esac
done
ksft_exit
