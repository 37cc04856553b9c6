#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A multi-homed SCTP peer through the LB: the association stays on one
# dest when the peer's primary path fails and the traffic moves to its
# second address.
#
#	$NS_PEER                          $NS_LB                    $NS_SRV1..3
#	eth0 198.51.100.1/24   ---------- eth0 .2     (path 1)
#	     2001:db8:1::1/64                ::2
#	eth1 198.51.100.129/25 ---------- eth1 .130   (path 2)      sctp_echo
#	     2001:db8:3::1/64                ::2      br0 --------- (nat: own
#	default routes via eth0, and via eth1 (metric 2048)          address;
#	                                                             tun: VIP)
#
# Four associations at once, one per VIP (port 3868, dests srv1..3):
#   nat4 192.0.2.1      nat6 [2001:db8:10::1]     (mode nat)
#   tun4 192.0.2.2      tun6 [2001:db8:10::2]     (mode tun: IPIP / ip6ip6;
#                       the servers own the VIP on lo and bind it alone)
# Each peer (sctp_peer) binds both of its addresses (sctp_bindx), so its
# INIT lists both and the server gets two paths back to it; the peer has one
# path to the VIP, sent from whichever address its route gives. Messages on
# 2 streams every 100 ms, every echo checked. Then the primary path fails
# ("ip link set eth0 down" in the peer: its routes via eth0 go, packets to
# the VIP leave from the second address through eth1, and the servers' T3
# timers move their traffic to the second address). Short RTOs (100 ms ..
# 1 s) and heartbeats every 500 ms make that quick.
#
# Checks, per association: echoes keep coming after the failure (nothing
# lost, duplicated or reordered, no COMM_LOST, RESTART or ABORT); DATA
# from the second address went over path 2; one dest only: "lbnl -j stats"
# shows packets for one dest of the VIP and one connection created, "lbnl
# -j conn show" one entry with that dest, only that server's echo server
# saw the association and only its capture holds its vtags. Captures on
# both paths (taken at the LB's end of the peer's two links: the peer's
# eth0 goes down, which would stop a capture there) and on every server's
# eth0 are checked with capture_check (lib/sctp_capture.sh): valid CRC32c
# on every packet, constant vtags, no restart, no ABORT, TSNs.
#
# LB_IMPL=ipvs: the same with IPVS (source hashing, the VIPs local on the
# LB) to validate the plumbing; IPVS keys SCTP by addresses, not vtags, so
# the one-dest checks may fail there.

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/sctp_capture.sh"

LBNL=${LBNL:-$dir/../tools/lbnl/lbnl}
LB_IMPL=${LB_IMPL:-lbnl}
PORT=3868
PEER2_IP4=198.51.100.129
LB_PEER2_IP4=198.51.100.130
PEER2_IP6=2001:db8:3::1
LB_PEER2_IP6=2001:db8:3::2
KINDS="nat4 nat6 tun4 tun6"
declare -A VIP=([nat4]=192.0.2.1 [nat6]=2001:db8:10::1
		[tun4]=192.0.2.2 [tun6]=2001:db8:10::2)
# Messages per association expected after the failure (2 streams / 100 ms).
AFTER=${AFTER:-40}
# The servers that are dests of every VIP (DESTS="2": one dest only, which
# lets IPVS pass too).
DESTS=${DESTS:-1 2 3}

require_cmd jq tshark dumpcap mergecap ethtool
require_module sctp ipip ip6_tunnel
if [ ! -x "$dir/sctp_echo" ] || [ ! -x "$dir/sctp_peer" ]; then
	echo "SKIP: sctp_echo/sctp_peer not built (make -C selftests)"
	exit $ksft_skip
fi
case $LB_IMPL in
lbnl) [ -x "$LBNL" ] || { echo "SKIP: $LBNL not built"; exit $ksft_skip; } ;;
ipvs) require_cmd ipvsadm; require_module ip_vs ip_vs_sh ;;
*) echo "LB_IMPL must be lbnl or ipvs"; exit $ksft_fail ;;
esac

tmp=$(mktemp -d)
defer rm -rf "$tmp"
defer capture_stop

# key ADDR PORT: how the CLI writes an endpoint.
key()
{
	case $1 in
	*:*) echo "[$1]:$2" ;;
	*)   echo "$1:$2" ;;
	esac
}

mode_of()
{
	echo "${1%?}"
}

# srv_addr KIND I: server I's address of KIND's family.
srv_addr()
{
	case $1 in
	*6) echo "2001:db8:2::1$2" ;;
	*)  echo "203.0.113.1$2" ;;
	esac
}

setup()
{
	local i ns k

	topo_lb3 || return
	# Path 2: a second link, a second peer subnet.
	ip -n "$NS_LB" link add eth1 type veth peer name eth1 netns "$NS_PEER" &&
	ip -n "$NS_LB" link set eth1 up &&
	ip -n "$NS_PEER" link set eth1 up &&
	addr_add "$NS_LB" eth1 $LB_PEER2_IP4/25 $LB_PEER2_IP6/64 &&
	addr_add "$NS_PEER" eth1 $PEER2_IP4/25 $PEER2_IP6/64 &&
	ip -n "$NS_PEER" route add default via $LB_PEER2_IP4 metric 2048 &&
	ip -n "$NS_PEER" -6 route add default via $LB_PEER2_IP6 metric 2048 ||
		return

	# Quick failure detection on both ends (net.sctp is per namespace).
	for ns in "$NS_PEER" "${NS_SRVS[@]}"; do
		nsx "$ns" sysctl -qw net.sctp.rto_min=100 net.sctp.rto_max=1000 \
			net.sctp.rto_initial=300 net.sctp.hb_interval=500 \
			net.sctp.path_max_retrans=2 net.sctp.pf_retrans=0 \
			net.sctp.association_max_retrans=30 || return
	done

	for i in 1 2 3; do
		ns=${NS_SRVS[i - 1]}
		# tun: the VIPs on lo, decapsulation by the fallback devices.
		addr_add "$ns" lo ${VIP[tun4]}/32 ${VIP[tun6]}/128 &&
		ip -n "$ns" link set tunl0 up &&
		ip -n "$ns" link set ip6tnl0 up &&
		nsx "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 \
			net.ipv4.conf.tunl0.rp_filter=0 || return
		for k in $KINDS; do
			local a

			if [ "$(mode_of $k)" = nat ]; then
				a=$(srv_addr $k $i)
			else
				a=${VIP[$k]}
			fi
			# ip netns exec, not nsx: $! must be the server itself.
			ip netns exec "$ns" "$dir/sctp_echo" -s seqpacket -p $PORT \
				-a "$a" -c "$tmp/count.$k.$i" -q &
			defer kill $!
		done
	done
	for i in 1 2 3; do
		for k in $KINDS; do
			busywait 20000 test -s "$tmp/count.$k.$i" > /dev/null || {
				echo "# echo server $k on srv$i did not start"
				return 1
			}
		done
	done

	if [ "$LB_IMPL" = ipvs ]; then
		# The VIPs are local addresses here, and the LB is the servers'
		# gateway: direct replies from a VIP need accept_local.
		addr_add "$NS_LB" lo ${VIP[nat4]}/32 ${VIP[tun4]}/32 \
			${VIP[nat6]}/128 ${VIP[tun6]}/128 &&
		nsx "$NS_LB" sysctl -qw net.ipv4.conf.all.accept_local=1 \
			net.ipv4.conf.br0.accept_local=1 || return
		for k in $KINDS; do
			local fwd=-m

			[ "$(mode_of $k)" = tun ] && fwd=-i
			nsx "$NS_LB" ipvsadm -A --sctp-service "$(key ${VIP[$k]} $PORT)" \
				-s sh || return
			for i in $DESTS; do
				nsx "$NS_LB" ipvsadm -a --sctp-service \
					"$(key ${VIP[$k]} $PORT)" \
					-r "$(key "$(srv_addr $k $i)" $PORT)" $fwd || return
			done
		done
		return 0
	fi
	for k in $KINDS; do
		nsx "$NS_LB" "$LBNL" vip add "$(key ${VIP[$k]} $PORT)" proto sctp \
			mode "$(mode_of $k)" || return
		for i in $DESTS; do
			nsx "$NS_LB" "$LBNL" dest add "$(key ${VIP[$k]} $PORT)" \
				proto sctp "$(srv_addr $k $i)" || return
		done
	done
}

# echoed KIND I: messages server I echoed for KIND.
echoed()
{
	local e

	read -r e _ < "$tmp/count.$1.$2" 2>/dev/null
	echo "${e:-0}"
}

# serving KIND: the servers (1..3) that saw an association of KIND.
serving()
{
	local i e a

	for i in 1 2 3; do
		read -r e a < "$tmp/count.$1.$i" 2>/dev/null
		[ "${a:-0}" -gt 0 ] || [ "${e:-0}" -gt 0 ] && echo $i
	done
}

# grew KIND N: the servers together echoed >= N messages for KIND.
grew()
{
	local i n=0

	for i in 1 2 3; do
		n=$((n + $(echoed "$1" $i)))
	done
	[ $n -ge "$2" ]
}

total_echoed()
{
	local i n=0

	for i in 1 2 3; do
		n=$((n + $(echoed "$1" $i)))
	done
	echo $n
}

# dest_index ADDR:PORT: the server a dest string names (1..3).
dest_index()
{
	local d=$1

	d=${d%:*}
	d=${d%]}
	echo "${d: -1}"
}

# check_lb KIND SERVER: lbnl's view of KIND's association.
check_lb()
{
	local k=$1 s=$2 vip n dests d

	vip=$(key ${VIP[$k]} $PORT)
	dests=$(jq -r --arg v "$vip" '.vips[] | select(.vip == $v and .proto == "sctp") |
		.dests[] | select(.packets_in > 0) | .dest' "$tmp/stats.json")
	n=$(printf '%s\n' "$dests" | grep -c .)
	[ "$n" -eq 1 ]
	check_err $? "$k: $n dests of $vip have packets: $(echo $dests)"
	d=$(dest_index "$dests")
	[ "$n" -ne 1 ] || [ "$d" = "$s" ]
	check_err $? "$k: lbnl sends it to $dests, srv$s serves it"
	n=$(jq --arg v "$vip" '[.vips[] | select(.vip == $v and .proto == "sctp") |
		.conns] | add // 0' "$tmp/stats.json")
	[ "$n" -eq 1 ]
	check_err $? "$k: $n connection entries created for $vip (1 expected)"
	n=$(jq --arg v "$vip" '[.[] | select(.vip == $v and .proto == "sctp")] |
		length' "$tmp/conns.json")
	[ "$n" -eq 1 ]
	check_err $? "$k: lbnl conn show has $n entries for $vip"
	d=$(jq -r --arg v "$vip" '.[] | select(.vip == $v and .proto == "sctp") |
		.dest' "$tmp/conns.json" | head -n1)
	[ "$(dest_index "$d")" = "$s" ]
	check_err $? "$k: conn show's dest is $d, srv$s serves it"
	jq -r --arg v "$vip" '.[] | select(.vip == $v and .proto == "sctp") |
		"\(.my_vtag) \(.peer_vtag)"' "$tmp/conns.json" | head -n1 \
		> "$tmp/vtags.$k"
}

if ! setup; then
	echo "# set-up failed"
	exit $ksft_fail
fi

# Captures: the peer's two links (at the LB's end), every server.
RET=0
export CAPTURE_FILTER="sctp or ip proto 4 or ip6 proto 41"
capture_start "$NS_LB" eth0 "$tmp/path1.pcap" &&
capture_start "$NS_LB" eth1 "$tmp/path2.pcap" &&
capture_start "$NS_SRV1" eth0 "$tmp/srv1.pcap" &&
capture_start "$NS_SRV2" eth0 "$tmp/srv2.pcap" &&
capture_start "$NS_SRV3" eth0 "$tmp/srv3.pcap"
check_err $? "captures did not start"
echo "# t=${SECONDS}s: captures started"
log_test "set-up: $LB_IMPL, 4 VIPs, 2 paths, captures"

RET=0
declare -A PEER_PID
for k in $KINDS; do
	case $k in
	*6) b="-b $PEER_IP6 -b $PEER2_IP6" ;;
	*)  b="-b $PEER_IP4 -b $PEER2_IP4" ;;
	esac
	# shellcheck disable=SC2086 # two options
	ip netns exec "$NS_PEER" "$dir/sctp_peer" -c ${VIP[$k]} -p $PORT $b \
		-n 1 -S 2 -i 100 --rto-min 100 --rto-max 1000 --rto-initial 300 \
		--hb-interval 500 --setup-timeout 60 --drain-ms 20000 \
		-r "$tmp/ready.$k" --stop-file "$tmp/stop" -o "$tmp/peer.$k.json" \
		-q > /dev/null 2> "$tmp/peer.$k.err" &
	PEER_PID[$k]=$!
	defer kill "${PEER_PID[$k]}"
done
for k in $KINDS; do
	busywait 60000 test -e "$tmp/ready.$k" > /dev/null
	check_err $? "$k: association not up: $(cat "$tmp/peer.$k.err")"
done
for k in $KINDS; do
	echo "# $k: $(cat "$tmp/ready.$k" 2>/dev/null), served by:" \
		"$(serving $k | sed 's/^/srv/' | tr '\n' ' ')"
done
echo "# t=${SECONDS}s: associations up"
log_test "associations up from two addresses"

# Fail path 1.
RET=0
declare -A BEFORE
for k in $KINDS; do
	BEFORE[$k]=$(total_echoed $k)
done
ip -n "$NS_PEER" link set eth0 down
check_err $? "ip link set eth0 down failed"
t0=$(date +%s%3N)
for k in $KINDS; do
	busywait 60000 grew $k $((BEFORE[$k] + AFTER)) > /dev/null
	check_err $? "$k: echoes stopped after path 1 failed" \
		"($(total_echoed $k) echoed, ${BEFORE[$k]} before)"
done
echo "# $AFTER more echoes each within $(($(date +%s%3N) - t0)) ms of the failure"
log_test "traffic carries on over path 2"

# One dest per association, seen from the LB and from the servers.
RET=0
if [ "$LB_IMPL" = lbnl ]; then
	nsx "$NS_LB" "$LBNL" -j stats > "$tmp/stats.json" &&
		nsx "$NS_LB" "$LBNL" -j conn show > "$tmp/conns.json"
	check_err $? "lbnl -j stats / conn show failed"
else
	nsx "$NS_LB" ipvsadm -Lnc | sed 's/^/# ipvs: /'
fi
declare -A SRV
for k in $KINDS; do
	s=$(serving $k)
	n=$(printf '%s\n' "$s" | grep -c .)
	[ "$n" -eq 1 ]
	check_err $? "$k: served by $n servers: srv$(echo $s)"
	SRV[$k]=$(printf '%s\n' "$s" | head -n1)
	[ "$LB_IMPL" = lbnl ] && [ "$n" -eq 1 ] && check_lb $k "${SRV[$k]}"
done
echo "# t=${SECONDS}s: checked"
log_test "each association on one dest only"

# The end: stop the peers, read their summaries.
RET=0
touch "$tmp/stop"
for k in $KINDS; do
	wait "${PEER_PID[$k]}"
	rc=$?
	echo "# $k: $(jq -c '{sent, echoed, lost, duplicated, reordered, comm_lost,
		restart, aborts, max_stall_ms, path_events}' "$tmp/peer.$k.json" 2>/dev/null)"
	[ $rc -eq 0 ] && jq -e '.lost == 0 and .duplicated == 0 and
		.reordered == 0 and .comm_lost == 0 and .restart == 0 and
		.aborts == 0 and .echoed > 0' "$tmp/peer.$k.json" > /dev/null
	check_err $? "$k: peer exit $rc: $(cat "$tmp/peer.$k.json" "$tmp/peer.$k.err" 2>/dev/null | head -c 600)"
done
echo "# t=${SECONDS}s: peers done"
log_test "nothing lost, duplicated or reordered; no restart or abort"

RET=0
capture_stop
echo "# t=${SECONDS}s: captures stopped"
# Packets with DATA on path 2: "SRC DST" per line.
tshark -n -r "$tmp/path2.pcap" -Y "sctp.chunk_type == 0" -T fields \
	-e ip.src -e ip.dst -e ipv6.src -e ipv6.dst 2>/dev/null |
	awk '{ print $1, $2 }' > "$tmp/path2.data"
for k in $KINDS; do
	case $k in
	*6) a=$PEER2_IP6 f=ipv6 ;;
	*)  a=$PEER2_IP4 f=ip ;;
	esac
	n=$(awk -v s=$a -v d=${VIP[$k]} '$1 == s && $2 == d' "$tmp/path2.data" | wc -l)
	[ "$n" -gt 0 ]
	check_err $? "$k: no DATA from $a to the VIP over path 2"
	echo "# $k: $n packets with DATA from $a to the VIP over path 2"
done
CAPTURE_TSN_HOLES=warn capture_check "$tmp/path1.pcap" "$tmp/path2.pcap" |
	sed 's/^/# /'
check_err "${PIPESTATUS[0]}" "capture of the peer's paths"
echo "# t=${SECONDS}s: paths checked"
log_test "capture of both paths: CRC32c, vtags, no restart, no ABORT"

RET=0
for i in 1 2 3; do
	CAPTURE_ALLOW_EMPTY=1 CAPTURE_TSN_HOLES=warn \
		capture_check "$tmp/srv$i.pcap" > "$tmp/srv$i.check"
	check_err $? "capture of srv$i"
	sed 's/^/# /' "$tmp/srv$i.check"
done
# The association's vtags (from conn show) in the servers' reports.
if [ "$LB_IMPL" = lbnl ]; then
	for k in $KINDS; do
		[ -s "$tmp/vtags.$k" ] || continue
		read -r v1 v2 < "$tmp/vtags.$k"
		v1=$(printf '0x%08x' "$v1") v2=$(printf '0x%08x' "$v2")
		for i in 1 2 3; do
			n=$(grep -c -e "$v1" -e "$v2" "$tmp/srv$i.check")
			if [ "$i" = "${SRV[$k]}" ]; then
				[ "$n" -gt 0 ]
				check_err $? "$k: srv$i serves it but its capture lacks vtags $v1/$v2"
			else
				[ "$n" -eq 0 ]
				check_err $? "$k: its vtags $v1/$v2 reached srv$i"
			fi
		done
	done
fi
log_test "captures at the servers: CRC32c; each association at one server"

ksft_exit
