#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# LB restart and failover, invisible to flows (issue 15): under traffic,
# the LB's module is reloaded with its configuration restored, and the
# router moves the VIPs to a second LB configured from the same "lbnl
# save"; no flow may notice.
#
#   $NS_PEER                 $NS_RTR                   $NS_LB1 (active)
#   eth0 198.51.100.1/26  -- p1 .2        lb1 .129 --- eth0 .130   eth1 -.
#        2001:db8:1::1/64       ::2       4::1         4::2  (.1, 2::1,   |
#   eth1 198.51.100.65/26 -- p2 .66       lb2 .193 -.        gateway .254,|
#        2001:db8:3::1/64       3::2      5::1      |        2::fe)       |
#   main table: default via p1;                     |  $NS_LB2 (standby)  |
#   table 100 (ipproto sctp):                       `- eth0 .194   eth1 -+
#   the VIPs via p1 or p2,                             5::2  (.2, 2::2)   |
#   flipped every FLIP_MS                                                 |
#       $NS_SRV1..3: eth0 203.0.113.11..13, 2001:db8:2::11..13 ---- br0 in $NS_SW
#       default routes via the gateway 203.0.113.254 / 2001:db8:2::fe (MTU
#       1500; the segment's is 1600, room for the tunnel headers)
#
# (198.51.100.0/26 and 2001:db8:1::/64: the peer's path 1; .64/26 and
# 2001:db8:3::/64 its path 2; .128/26, 2001:db8:4::/64 and .192/26,
# 2001:db8:5::/64 the router's links to the LBs; 203.0.113.0/24,
# 2001:db8:2::/64 the server segment.)
#
# VIPs, each with the 3 servers as dests (tcp and udp port 9000, sctp
# 3868): nat4 192.0.2.1, tun4 192.0.2.2, nat6 [2001:db8:10::1], tun6
# [2001:db8:10::2]. The servers run lib/lb_restart.py's TCP/UDP echo server
# (every address) and one sctp_echo per VIP, bound to their own address
# (nat) or to the VIP alone (tun: they own it on lo and decapsulate IPIP /
# ip6ip6 with tunl0 / ip6tnl0).
#
# Traffic, per phase (started afresh, one message per flow every
# INTERVAL_MS, BEFORE_S seconds before the event, then until every TCP/UDP
# flow echoes again and AFTER_S seconds more):
#   - 20 SCTP associations, 5 per VIP, 2 streams each (one ordered, one
#     unordered; a message on each every 2 x INTERVAL_MS): sctp_peer, multi-homed on both of the peer's addresses
#     (its INITs list both). Both paths carry traffic: a policy rule sends
#     the peer's SCTP through table 100, whose routes to the VIPs flip
#     between path 1 and path 2 every FLIP_MS, so the associations send
#     from one address and then the other (the servers' SACKs follow the
#     DATA, their echoes go to the primary); tc counters on the router
#     check that SCTP came from and went to both addresses before and after
#     the event;
#   - 20 TCP connections and 20 UDP flows, 5 of each per VIP
#     (lib/lb_restart.py flows). The UDP client retransmits a message not
#     echoed within 250 ms, as UDP applications that must not lose
#     messages do: a datagram in flight while no LB forwards is lost by
#     nature, and a UDP flow breaks when the LB sends it to another server
#     ("moved"), not when a datagram is dropped.
#
# Phases (PHASES, in order; each is a set of functions PHASE_prepare,
# PHASE_event, PHASE_finish, and a label in PHASE_LABEL: add more the same
# way):
#   reload    (a) on the active LB: "lbnl save", rmmod lbnl, insmod, tag
#             key, "lbnl restore". The module is the VM's: both LBs lose
#             their configuration, both get the save back. While no module
#             runs, the LB host would forward what arrives by its routes:
#             the nat servers' replies with their own addresses (the peer's
#             stack answers them with RSTs and ABORTs) and the peer's
#             packets to the VIPs back to the router. An operator guards
#             that window, and so does this test (RELOAD_GUARD=1, the
#             default): on the active LB, blackhole rules for packets from
#             the server segment with a server's address and for packets
#             to the VIPs from the router, deleted once the configuration
#             is back.
#             (lbnl takes its packets at PRE_ROUTING, before those rules:
#             they only matter while it is away.)
#   failover  (b) the standby LB gets the active one's "lbnl save" (and the
#             tag key) before the traffic starts; then the active LB fails
#             (its links, at the router and at the switch, go down), the
#             router moves the VIPs to the standby, and the standby takes
#             the servers' gateway address over and announces it
#             (gratuitous ARP, unsolicited NA: lib/lb_restart.py announce).
#             nat needs the servers' return path to move with the VIPs;
#             a real operator does that with a floating gateway address
#             that the LB pair moves (VRRP: keepalived's virtual_ipaddress
#             on the server side next to the VIPs on the router side), not
#             by touching every server's routes: so here. Both LBs
#             health-check the servers (here: one ping each at set-up), so
#             the standby has their neighbour entries, which reply_check
#             needs to believe the first replies it sees. After the checks,
#             the failed LB comes back as the standby.
#
# Checks, per phase: every SCTP association and TCP connection survives
# (no ABORT, no reset, no COMM_LOST or RESTART notification at the peer),
# every message of every flow is echoed exactly once and in order (UDP: not
# counting retransmitted messages), no UDP flow moves to another server,
# SCTP used both peer addresses, and the kernel log has no warning. A
# summary line per phase gives the counts.
#
# Routable SCTP tags (LB_RESTART_TAGS=1, the default): one key
# ("lbnl tag genkey"), set on every LB ("lbnl tag set key-file K") and on
# every server with its id ("lbnl tag set key-file K server-id I"), each
# dest added with "tag-id I". Without them an LB that lost its entries
# cannot tell which server an association is on: the feature is required,
# so a CLI without "lbnl tag" fails the test. LB_RESTART_TAGS=0 runs
# without tags, to observe the baseline (SCTP associations reset).
#
# Environment: PHASES ("reload failover"), LB_RESTART_TAGS (1),
# RELOAD_GUARD (1), INTERVAL_MS (100), BEFORE_S (3), AFTER_S (4), FLIP_MS
# (1000); LBNL_TIMEOUT_SCALE multiplies the timeouts.

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/lb_flows.sh"

LBNL=${LBNL:-$dir/../tools/lbnl/lbnl}
LBNL_KO=${LBNL_KO:-$dir/../kmod/lb/lbnl.ko}
PHASES=${PHASES:-"reload failover"}
LB_RESTART_TAGS=${LB_RESTART_TAGS:-1}
FLOW_TAGS=$LB_RESTART_TAGS
RELOAD_GUARD=${RELOAD_GUARD:-1}
INTERVAL_MS=${INTERVAL_MS:-100}
BEFORE_S=${BEFORE_S:-3}
AFTER_S=${AFTER_S:-4}
FLIP_MS=${FLIP_MS:-1000}
SCALE=${LBNL_TIMEOUT_SCALE:-1}

declare -A PHASE_LABEL=(
	[reload]="(a) module reload"
	[failover]="(b) failover"
)

KINDS="nat4 nat6 tun4 tun6"
PER_KIND=5		# flows of each protocol per VIP: 4 x 5 = 20
PORT=9000
SCTP_PORT=3868
declare -A VIP=([nat4]=192.0.2.1 [tun4]=192.0.2.2
		[nat6]=2001:db8:10::1 [tun6]=2001:db8:10::2)
VIP_NET4=192.0.2.0/24
VIP_NET6=2001:db8:10::/64
SRV_NET4=203.0.113.0/24
SRV_NET6=2001:db8:2::/64

PEER1_4=198.51.100.1	RTR_P1_4=198.51.100.2
PEER2_4=198.51.100.65	RTR_P2_4=198.51.100.66
PEER1_6=2001:db8:1::1	RTR_P1_6=2001:db8:1::2
PEER2_6=2001:db8:3::1	RTR_P2_6=2001:db8:3::2
# the router's end and the LB's end of the link to LB 1, 2
RTR_LB4=("" 198.51.100.129 198.51.100.193)
LB_UP4=("" 198.51.100.130 198.51.100.194)
RTR_LB6=("" 2001:db8:4::1 2001:db8:5::1)
LB_UP6=("" 2001:db8:4::2 2001:db8:5::2)
LB_SRV4=("" 203.0.113.1 203.0.113.2)
LB_SRV6=("" 2001:db8:2::1 2001:db8:2::2)
GW4=203.0.113.254
GW6=2001:db8:2::fe


require_cmd jq tc python3 nsenter
require_module sctp ipip ip6_tunnel sch_ingress cls_flower act_gact
if [ ! -x "$dir/sctp_echo" ] || [ ! -x "$dir/sctp_peer" ]; then
	echo "SKIP: sctp_echo/sctp_peer not built (make -C selftests)"
	exit $ksft_skip
fi
[ -x "$LBNL" ] || { echo "SKIP: $LBNL not built"; exit $ksft_skip; }
[ -d /sys/module/lbnl ] || { echo "SKIP: module lbnl not loaded"; exit $ksft_skip; }
[ -r "$LBNL_KO" ] || { echo "SKIP: $LBNL_KO not found"; exit $ksft_skip; }

tmp=$(mktemp -d)
defer rm -rf "$tmp"
defer kill_running
# the runner expects the module loaded at the end
defer sh -c "[ -d /sys/module/lbnl ] || insmod '$LBNL_KO'"

# --- topology -----------------------------------------------------------

topology()
{
	local i ns
	# shellcheck disable=SC2034 # used unquoted: lists of settings
	local fwd="net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1"
	local rp="net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0"
	# quick SCTP failure detection and recovery on both ends
	local sctp="net.sctp.rto_min=100 net.sctp.rto_max=1000
		net.sctp.rto_initial=300 net.sctp.hb_interval=500
		net.sctp.path_max_retrans=2 net.sctp.pf_retrans=0
		net.sctp.association_max_retrans=30"

	setup_ns NS_PEER NS_RTR NS_SW NS_LB1 NS_LB2 NS_SRV1 NS_SRV2 NS_SRV3 ||
		return
	NS_LBS=("" "$NS_LB1" "$NS_LB2")
	NS_SRVS=("" "$NS_SRV1" "$NS_SRV2" "$NS_SRV3")

	# One "ip -batch" per namespace: every exec is slow under TCG.
	ip -n "$NS_RTR" -batch - <<-EOF || return
		link add p1 type veth peer name eth0 netns $NS_PEER
		link add p2 type veth peer name eth1 netns $NS_PEER
		link add lb1 type veth peer name eth0 netns $NS_LB1
		link add lb2 type veth peer name eth0 netns $NS_LB2
		link set p1 up
		link set p2 up
		link set lb1 up
		link set lb2 up
		addr add $RTR_P1_4/26 dev p1
		addr add $RTR_P1_6/64 dev p1 nodad
		addr add $RTR_P2_4/26 dev p2
		addr add $RTR_P2_6/64 dev p2 nodad
		addr add ${RTR_LB4[1]}/26 dev lb1
		addr add ${RTR_LB6[1]}/64 dev lb1 nodad
		addr add ${RTR_LB4[2]}/26 dev lb2
		addr add ${RTR_LB6[2]}/64 dev lb2 nodad
		route add $VIP_NET4 via ${LB_UP4[1]}
		route add $VIP_NET6 via ${LB_UP6[1]}
	EOF
	# A failed LB's link comes back with its IPv6 addresses.
	nsn "$NS_RTR" sysctl -qw $fwd $rp net.ipv6.conf.all.keep_addr_on_down=1 \
		net.ipv6.conf.lb1.keep_addr_on_down=1 \
		net.ipv6.conf.lb2.keep_addr_on_down=1 || return

	ip -n "$NS_SW" -batch - <<-EOF || return
		link add br0 type bridge forward_delay 0
		link add lb1 type veth peer name eth1 netns $NS_LB1
		link add lb2 type veth peer name eth1 netns $NS_LB2
		link add srv1 type veth peer name eth0 netns $NS_SRV1
		link add srv2 type veth peer name eth0 netns $NS_SRV2
		link add srv3 type veth peer name eth0 netns $NS_SRV3
		link set lb1 mtu 1600 master br0 up
		link set lb2 mtu 1600 master br0 up
		link set srv1 mtu 1600 master br0 up
		link set srv2 mtu 1600 master br0 up
		link set srv3 mtu 1600 master br0 up
		link set br0 mtu 1600 up
	EOF

	ip -n "$NS_PEER" -batch - <<-EOF || return
		link set eth0 up
		link set eth1 up
		addr add $PEER1_4/26 dev eth0
		addr add $PEER1_6/64 dev eth0 nodad
		addr add $PEER2_4/26 dev eth1
		addr add $PEER2_6/64 dev eth1 nodad
		route add default via $RTR_P1_4
		route add default via $RTR_P1_6
		route add $VIP_NET4 via $RTR_P1_4 table 100
		route add $VIP_NET6 via $RTR_P1_6 table 100
	EOF
	ip -n "$NS_PEER" rule add pref 100 ipproto sctp lookup 100 &&
		ip -n "$NS_PEER" -6 rule add pref 100 ipproto sctp lookup 100 &&
		nsn "$NS_PEER" sysctl -qw $rp $sctp || return

	for i in 1 2; do
		ip -n "${NS_LBS[i]}" -batch - <<-EOF || return
			link set eth0 up
			link set eth1 mtu 1600 up
			addr add ${LB_UP4[i]}/26 dev eth0
			addr add ${LB_UP6[i]}/64 dev eth0 nodad
			addr add ${LB_SRV4[i]}/24 dev eth1
			addr add ${LB_SRV6[i]}/64 dev eth1 nodad
			route add default via ${RTR_LB4[i]}
			route add default via ${RTR_LB6[i]}
		EOF
		nsn "${NS_LBS[i]}" sysctl -qw $fwd $rp || return
	done
	gateway_add 1 || return

	for i in 1 2 3; do
		ns=${NS_SRVS[i]}
		ip -n "$ns" -batch - <<-EOF || return
			link set eth0 mtu 1600 up
			addr add $(srv_addr 4 "$i")/24 dev eth0
			addr add $(srv_addr 6 "$i")/64 dev eth0 nodad
			route add default via $GW4 mtu 1500
			route add default via $GW6 mtu 1500
			link set tunl0 up
			link set ip6tnl0 up
			addr add ${VIP[tun4]}/32 dev lo
			addr add ${VIP[tun6]}/128 dev lo nodad
		EOF
		nsn "$ns" sysctl -qw $rp net.ipv4.conf.tunl0.rp_filter=0 \
			$sctp || return
	done

	# SCTP from and to each of the peer's addresses, counted on the
	# router's links to the peer (filter prefs: 1 IPv4, 2 IPv6).
	tc -n "$NS_RTR" -batch - <<-EOF
		$(path_filters p1 $PEER1_4 $PEER1_6)
		$(path_filters p2 $PEER2_4 $PEER2_6)
	EOF
}

# gateway_add I / gateway_del I: the servers' gateway addresses on LB I.
gateway_add()
{
	ip -n "${NS_LBS[$1]}" -batch - <<-EOF
		addr add $GW4/24 dev eth1
		addr add $GW6/64 dev eth1 nodad
	EOF
}

gateway_del()
{
	ip -n "${NS_LBS[$1]}" -batch - <<-EOF
		addr del $GW4/24 dev eth1
		addr del $GW6/64 dev eth1
	EOF
}

# The active LB (1 or 2); the other one is the standby, in sync.
ACTIVE=1

standby()
{
	echo $((3 - ACTIVE))
}


# (a) reload ------------------------------------------------------------

# reload_guard add|del: while no module runs on the active LB, it forwards
# nothing of the servers' with their own addresses, and nothing to the
# VIPs.
reload_guard()
{
	local ns=${NS_LBS[ACTIVE]}

	[ "$RELOAD_GUARD" = 1 ] || return 0
	ip -n "$ns" -batch - <<-EOF &&
		rule $1 pref 90 iif eth1 from $SRV_NET4 blackhole
		rule $1 pref 91 iif eth0 to $VIP_NET4 blackhole
	EOF
	ip -n "$ns" -6 -batch - <<-EOF
		rule $1 pref 90 iif eth1 from $SRV_NET6 blackhole
		rule $1 pref 91 iif eth0 to $VIP_NET6 blackhole
	EOF
}

# rmmod_lbnl: a socket being torn down may hold the module for a moment.
rmmod_lbnl()
{
	local end=$((SECONDS + 5 * SCALE))

	until rmmod lbnl 2>"$tmp/rmmod.err"; do
		if [ "$SECONDS" -ge "$end" ]; then
			echo "# rmmod lbnl: $(cat "$tmp/rmmod.err")"
			return 1
		fi
		sleep 0.1
	done
}

reload_event()
{
	local d=$1 t0 i rc

	t0=$(now_ms)
	lbx "$ACTIVE" save >"$d/lb.save" || return
	reload_guard add || return
	rmmod_lbnl && insmod "$LBNL_KO"
	rc=$?
	for i in "$ACTIVE" "$(standby)"; do
		[ $rc = 0 ] || break
		tags_lb "$i" && lbx "$i" restore <"$d/lb.save"
		rc=$?
	done
	echo "# reload: configuration back $(($(now_ms) - t0)) ms after the save"
	reload_guard del
	return $rc
}

# (b) failover ----------------------------------------------------------

failover_prepare()
{
	lb_sync "$ACTIVE" "$(standby)"
}

# lb_links I up|down: LB I's links, at the router's end and the switch's.
lb_links()
{
	ip -n "$NS_RTR" link set lb$1 "$2" &&
		ip -n "$NS_SW" link set lb$1 "$2"
}

failover_event()
{
	local from=$ACTIVE to

	to=$(standby)
	# LB $from fails; the router moves the VIPs (BFD, BGP); LB $to takes
	# the servers' gateway over (VRRP) and announces it.
	lb_links "$from" down || return
	ip -n "$NS_RTR" -batch - <<-EOF || return
		route replace $VIP_NET4 via ${LB_UP4[to]}
		route replace $VIP_NET6 via ${LB_UP6[to]}
	EOF
	gateway_add "$to" &&
		ip netns exec "${NS_LBS[to]}" python3 "$dir/lib/lb_restart.py" \
			announce eth1 $GW4 $GW6 || return
	# the failed LB will come back as a backup, without the address
	gateway_del "$from" || return
	ACTIVE=$to
}

# The failed LB is repaired: the standby.
failover_finish()
{
	lb_links "$(standby)" up
}

# --- main -------------------------------------------------------------------

# Without them, no need to build anything to know the test fails.
if [ "$LB_RESTART_TAGS" = 1 ] && ! "$LBNL" tag help >/dev/null 2>&1; then
	check_err 1 "$LBNL has no \"tag\" object: routable SCTP tags are required (LB_RESTART_TAGS=0: the baseline without them)"
	log_test "routable SCTP tags in the CLI"
	ksft_exit
fi

RET=0
topology
check_err $? "topology"
tlog "topology"
[ $RET -eq 0 ] && { start_servers; check_err $? "servers"; }
tlog "servers"
[ $RET -eq 0 ] && { health_checks; check_err $? "the LBs do not reach every server"; }
log_test "set-up: 8 namespaces, servers"
[ "$EXIT_STATUS" = 0 ] || ksft_exit

RET=0
if [ "$LB_RESTART_TAGS" = 1 ]; then
	tags_setup
	check_err $? "routable SCTP tags could not be set up"
	log_test "routable SCTP tags: one key on the LBs and the servers"
else
	log_test_skip "routable SCTP tags" "LB_RESTART_TAGS=0: the baseline, without tags"
fi
[ "$EXIT_STATUS" = 0 ] || ksft_exit

RET=0
config >"$tmp/lb.conf" && lbx 1 restore <"$tmp/lb.conf" &&
	lbx 2 restore <"$tmp/lb.conf"
check_err $? "configuring the LBs"
log_test "both LBs: 12 VIPs of 3 dests$([ "$LB_RESTART_TAGS" = 1 ] && echo ", with tag ids")"
[ "$EXIT_STATUS" = 0 ] || ksft_exit

for p in $PHASES; do
	if ! declare -F "${p}_event" >/dev/null; then
		RET=1 retmsg="no such phase"
		log_test "phase $p"
		continue
	fi
	run_phase "$p"
done

ksft_exit
