#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An active-active group of LBs behind a router's ECMP (issue 18): every LB
# announces the VIPs over BGP once its lbnld applied the group's
# configuration from etcd, the router spreads the flows over them
# (multipath, L4 hash), BFD withdraws a dead LB. No flow may notice an LB
# dying or joining: each LB makes the same choice for a flow (Maglev over
# the same configuration), SCTP associations are found by their routable
# tags, and an LB picks up the TCP/UDP flows another one carried.
#
#   $NS_PEER                  $NS_RTR (BIRD2: BGP + BFD
#   eth0 198.51.100.1/26  --  p1 .2     to every LB, ECMP)
#        2001:db8:1::1/64        ::2
#   eth1 198.51.100.65/26 --  p2 .66
#        2001:db8:3::1/64        3::2
#                             sw 203.0.113.254, 2001:db8:2::fe
#                              |
#   br0 in $NS_SW (MTU 1600: room for the tunnel headers) --------------.
#    |  $NS_LB1..3 eth0 203.0.113.1..3, 2001:db8:2::1..3 (BIRD2, lbnld   |
#    |    in group mode, driver table: the VIP routes of table 100 are   |
#    |    exported to the router); $NS_LB4 .4, ::4 joins in phase join   |
#    |  $NS_SRV1..3 eth0 203.0.113.11..13, 2001:db8:2::11..13 (the VIPs  |
#    |    on lo, IPIP / ip6ip6 decapsulated; replies straight to the     |
#    |    router, MTU 1500)                                              |
#    `- $NS_ETCD 203.0.113.50: etcd, the group's store -----------------'
#
# The VIPs are tun (IPIP, DSR) only: with replies bypassing the LBs, the
# router may send a flow to any LB. A nat VIP needs its replies back
# through the LB holding the flow's entry, which an ECMP group cannot
# promise (README: "LB groups").
#
# The flows (lib/lb_flows.sh): 2 VIPs (tun4 192.0.2.2, tun6
# [2001:db8:10::2]) of the 3 servers, tcp and udp port 9000, sctp 3868, each
# with PER_KIND flows of each protocol (15: 30 SCTP associations,
# multi-homed on the peer's 2 addresses and switching paths every FLIP_MS,
# 30 TCP connections, 30 UDP flows), numbered messages echoed, every one
# checked.
#
# Phases (PHASES, in order):
#   kill   (a) LB1's link goes down at the switch: it withdraws nothing,
#          the router must notice (BFD) and drop it from the ECMP route
#          within KILL_MS (1 s); no flow lost. LB1's link comes back
#          afterwards and the router uses it again.
#   join   (c) a 4th LB starts (BIRD, lbnld in group mode): it announces
#          the VIPs only once it applied the group's configuration, then
#          the router spreads the flows over 4 LBs; no flow lost.
#   change (d) in the store, a weight changed and a dest added (tun4's
#          tcp and udp get a second address of server 3): every LB's
#          "lbnl save" is the new configuration, each LB's lbnld logged it
#          applied within APPLY_MS (1 s) of "group load" returning; no flow
#          lost.
#   etcd   (f) etcd killed, started again 2 s later: no flow notices; a
#          change loaded then (server 1's weight back to 1) runs on every
#          LB.
#   lag    LB3 cannot apply a revision the others run (its
#          net.lbnl.max_vips is one short of the new VIP): its lbnld
#          withdraws it, the router sends its flows to the others; its
#          limit raised, the revision applies at the next try (every 5 s)
#          and LB3 is announced again; no flow lost.
#
# $NS_REF (no lbnld) shows what "lbnl save" prints once a file is applied.
#
# Environment: PHASES or CASES ("kill join change etcd lag"), INTERVAL_MS (100), BEFORE_S (3),
# AFTER_S (4), FLIP_MS (1000), KILL_MS (1000); LBNL_TIMEOUT_SCALE
# multiplies the timeouts (not KILL_MS: the router's own promise).

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/lb_flows.sh"

LBNL=${LBNL:-$dir/../tools/lbnl/lbnl}
LBNLD=${LBNLD:-$dir/../tools/lbnld/lbnld}
ETCD=${ETCD:-$(command -v etcd)}
PHASES=${PHASES:-${CASES:-"kill join change etcd lag"}}
INTERVAL_MS=${INTERVAL_MS:-100}
BEFORE_S=${BEFORE_S:-3}
AFTER_S=${AFTER_S:-4}
FLIP_MS=${FLIP_MS:-1000}
KILL_MS=${KILL_MS:-1000}
SCALE=${LBNL_TIMEOUT_SCALE:-1}
FLOW_TAGS=1

declare -A PHASE_LABEL=(
	[kill]="(a) an LB killed"
	[join]="(c) a 4th LB joins"
	[change]="(d) weights and a dest changed in the store"
	[etcd]="(f) etcd stopped and started"
	[lag]="(lag) an LB behind the group"
)

KINDS="tun4 tun6"
PER_KIND=15
PORT=9000
SCTP_PORT=3868
declare -A VIP=([tun4]=192.0.2.2 [tun6]=2001:db8:10::2)
VIP_NET4=192.0.2.0/24
VIP_NET6=2001:db8:10::/64

PEER1_4=198.51.100.1	RTR_P1_4=198.51.100.2
PEER2_4=198.51.100.65	RTR_P2_4=198.51.100.66
PEER1_6=2001:db8:1::1	RTR_P1_6=2001:db8:1::2
PEER2_6=2001:db8:3::1	RTR_P2_6=2001:db8:3::2
RTR4=203.0.113.254
RTR6=2001:db8:2::fe
ETCD_IP=203.0.113.50
STORE=http://$ETCD_IP:2379
PREFIX=/lbnl/group
TABLE=100
NLB=4			# LB namespaces; LB4 starts in phase join
LB_UP=(1 2 3)		# the LBs in the group
APPLY_MS=1000		# from a "group load" to every LB running it

require_cmd jq python3 nsenter bird birdc curl tc
require_module sctp ipip ip6_tunnel sch_ingress cls_flower act_gact
if [ ! -x "$dir/sctp_echo" ] || [ ! -x "$dir/sctp_peer" ]; then
	echo "SKIP: sctp_echo/sctp_peer not built (make -C selftests)"
	exit $ksft_skip
fi
[ -x "$LBNL" ] || { echo "SKIP: $LBNL not built"; exit $ksft_skip; }
[ -x "$LBNLD" ] || { echo "SKIP: $LBNLD not built"; exit $ksft_skip; }
[ -n "$ETCD" ] || { echo "SKIP: etcd not found (Debian package etcd-server)"; exit $ksft_skip; }
[ -d /sys/module/lbnl ] || { echo "SKIP: module lbnl not loaded"; exit $ksft_skip; }

tmp=$(mktemp -d)
defer rm -rf "$tmp"
defer kill_running
defer lb_stop_all

lb4() { echo "203.0.113.$1"; }
lb6() { echo "2001:db8:2::$1"; }

# --- topology -----------------------------------------------------------

topology()
{
	local i ns
	# shellcheck disable=SC2034 # used unquoted: lists of settings
	local rp="net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0"
	local sctp="net.sctp.rto_min=100 net.sctp.rto_max=1000
		net.sctp.rto_initial=300 net.sctp.hb_interval=500
		net.sctp.path_max_retrans=2 net.sctp.pf_retrans=0
		net.sctp.association_max_retrans=30"

	setup_ns NS_PEER NS_RTR NS_SW NS_ETCD NS_LB1 NS_LB2 NS_LB3 NS_LB4 \
		NS_SRV1 NS_SRV2 NS_SRV3 NS_REF || return
	NS_LBS=("" "$NS_LB1" "$NS_LB2" "$NS_LB3")
	NS_SRVS=("" "$NS_SRV1" "$NS_SRV2" "$NS_SRV3")

	ip -n "$NS_RTR" -batch - <<-EOF || return
		link add p1 type veth peer name eth0 netns $NS_PEER
		link add p2 type veth peer name eth1 netns $NS_PEER
		link add sw type veth peer name rtr netns $NS_SW
		link set p1 up
		link set p2 up
		link set sw mtu 1600 up
		addr add $RTR_P1_4/26 dev p1
		addr add $RTR_P1_6/64 dev p1 nodad
		addr add $RTR_P2_4/26 dev p2
		addr add $RTR_P2_6/64 dev p2 nodad
		addr add $RTR4/24 dev sw
		addr add $RTR6/64 dev sw nodad
	EOF
	# ECMP over the LBs by the flows' ports too (L4 hash)
	nsn "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 $rp \
		net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv6.fib_multipath_hash_policy=1 || return

	ip -n "$NS_SW" -batch - <<-EOF || return
		link add br0 type bridge forward_delay 0
		link set rtr mtu 1600 master br0 up
		link add etcd type veth peer name eth0 netns $NS_ETCD
		link set etcd mtu 1600 master br0 up
		$(for i in $(seq $NLB); do
			ns=NS_LB$i
			echo "link add lb$i type veth peer name eth0 netns ${!ns}"
			echo "link set lb$i mtu 1600 master br0 up"
		done)
		$(for i in 1 2 3; do
			echo "link add srv$i type veth peer name eth0 netns ${NS_SRVS[i]}"
			echo "link set srv$i mtu 1600 master br0 up"
		done)
		link set br0 mtu 1600 up
	EOF

	ip -n "$NS_ETCD" -batch - <<-EOF || return
		link set eth0 mtu 1600 up
		addr add $ETCD_IP/24 dev eth0
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

	for i in $(seq $NLB); do
		ns=NS_LB$i
		ip -n "${!ns}" -batch - <<-EOF || return
			link set eth0 mtu 1600 up
			addr add $(lb4 "$i")/24 dev eth0
			addr add $(lb6 "$i")/64 dev eth0 nodad
			route add default via $RTR4
			route add default via $RTR6
		EOF
		nsn "${!ns}" sysctl -qw $rp || return
	done

	for i in 1 2 3; do
		ns=${NS_SRVS[i]}
		ip -n "$ns" -batch - <<-EOF || return
			link set eth0 mtu 1600 up
			addr add $(srv_addr 4 "$i")/24 dev eth0
			addr add $(srv_addr 6 "$i")/64 dev eth0 nodad
			route add default via $RTR4 mtu 1500
			route add default via $RTR6 mtu 1500
			link set tunl0 up
			link set ip6tnl0 up
			addr add ${VIP[tun4]}/32 dev lo
			addr add ${VIP[tun6]}/128 dev lo nodad
		EOF
		nsn "$ns" sysctl -qw $rp net.ipv4.conf.tunl0.rp_filter=0 \
			$sctp || return
	done

	tc -n "$NS_RTR" -batch - <<-EOF
		$(path_filters p1 $PEER1_4 $PEER1_6)
		$(path_filters p2 $PEER2_4 $PEER2_6)
	EOF
}

# --- etcd -----------------------------------------------------------------

ETCD_PID=

etcd_up()
{
	nsn "$NS_ETCD" curl -sf -m 1 -X POST -d '{}' \
		"$STORE/v3/maintenance/status" >/dev/null
}

etcd_start()
{
	ip netns exec "$NS_ETCD" "$ETCD" --name group --data-dir "$tmp/etcd" \
		--listen-client-urls "$STORE" --advertise-client-urls "$STORE" \
		--listen-peer-urls http://127.0.0.1:2380 \
		--initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster group=http://127.0.0.1:2380 \
		</dev/null >>"$tmp/etcd.log" 2>&1 &
	ETCD_PID=$!
	RUNNING[$ETCD_PID]=1
	busywait $((60000 * SCALE)) etcd_up
}

# grp ARGS...: "lbnl group ARGS" against the store.
grp()
{
	LBNL_STORE=$STORE nsn "$NS_ETCD" "$LBNL" group "$@" --prefix "$PREFIX"
}

# --- BIRD -----------------------------------------------------------------

# BFD: a dead LB is noticed after 5 x 100 ms without its packets.
BFD_OPTS="min rx interval 100 ms; min tx interval 100 ms; multiplier 5;"

bird_conf_rtr()
{
	local i

	cat <<-EOF
		log "$tmp/bird.rtr.log" all;
		timeformat log "%F %T.%3f";
		router id $RTR4;
		protocol device { scan time 10; }
		protocol kernel { merge paths on; ipv4 { import none; export all; }; }
		protocol kernel { merge paths on; ipv6 { import none; export all; }; }
		protocol bfd { interface "sw" { $BFD_OPTS }; }
	EOF
	for i in $(seq $NLB); do
		cat <<-EOF
			protocol bgp lb${i}_4 {
				local $RTR4 as 65000; neighbor $(lb4 "$i") as 65001;
				bfd on; connect retry time 1; error wait time 1, 5;
				ipv4 { import all; export none; };
			}
			protocol bgp lb${i}_6 {
				local $RTR6 as 65000; neighbor $(lb6 "$i") as 65001;
				bfd on; connect retry time 1; error wait time 1, 5;
				ipv6 { import all; export none; };
			}
		EOF
	done
}

# bird_conf_lb I: the routes lbnld keeps in table $TABLE, to the router.
bird_conf_lb()
{
	cat <<-EOF
		log "$tmp/bird.lb$1.log" all;
		router id $(lb4 "$1");
		protocol device { scan time 10; }
		protocol kernel {
			ipv4 { import all; export none; };
			kernel table $TABLE; learn;
		}
		protocol kernel {
			ipv6 { import all; export none; };
			kernel table $TABLE; learn;
		}
		protocol bfd { interface "eth0" { $BFD_OPTS }; }
		protocol bgp rt4 {
			local $(lb4 "$1") as 65001; neighbor $RTR4 as 65000;
			bfd on; connect retry time 1; error wait time 1, 5;
			ipv4 { import none; export all; next hop keep; };
		}
		protocol bgp rt6 {
			local $(lb6 "$1") as 65001; neighbor $RTR6 as 65000;
			bfd on; connect retry time 1; error wait time 1, 5;
			ipv6 { import none; export all; next hop keep; };
		}
	EOF
}

# bird_start NAME NS: BIRD of the router (rtr) or of an LB (lbI).
bird_start()
{
	if [ "$1" = rtr ]; then
		bird_conf_rtr >"$tmp/bird.$1.conf"
	else
		bird_conf_lb "${1#lb}" >"$tmp/bird.$1.conf"
	fi
	bg "$2" /dev/null "$tmp/bird.$1.err" bird -f -c "$tmp/bird.$1.conf" \
		-s "$tmp/bird.$1.ctl" -P "$tmp/bird.$1.pid"
}

# rt_nexthops ADDR: the router's next hops for ADDR, sorted ("-": none).
rt_nexthops()
{
	local fam=-4

	case $1 in *:*) fam=-6 ;; esac
	ip -n "$NS_RTR" $fam -j route show "$1" | jq -r '
		[.[0] // {} | (.nexthops // [.]) | .[] | .gateway // empty] |
		sort | if length == 0 then "-" else join(" ") end'
}

# rt_serves LB...: the router sends both VIPs to exactly these LBs.
rt_serves()
{
	local i want4=() want6=()

	for i; do
		want4+=("$(lb4 "$i")")
		want6+=("$(lb6 "$i")")
	done
	[ "$(rt_nexthops "${VIP[tun4]}")" = "$(printf '%s\n' "${want4[@]}" | sort | xargs)" ] &&
		[ "$(rt_nexthops "${VIP[tun6]}")" = "$(printf '%s\n' "${want6[@]}" | sort | xargs)" ]
}

# rt_without ADDR4 ADDR6: no route of the router goes via them.
rt_without()
{
	! ip -n "$NS_RTR" -4 route show "${VIP[tun4]}" | grep -q "via $1 " &&
		! ip -n "$NS_RTR" -6 route show "${VIP[tun6]}" | grep -q "via $2 "
}

# rt_monitor_start: the router's route changes, with the time each was
# seen ("ip -ts monitor route"), in $tmp/rtmon.
rt_monitor_start()
{
	bg "$NS_RTR" "$tmp/rtmon" /dev/null ip -ts monitor route
	RTMON_PID=$BG
}

# rt_dropped_at ADDR VIA: when the router's route to ADDR first changed to
# one not via VIA (ms since the epoch), from $tmp/rtmon.
rt_dropped_at()
{
	local ts

	ts=$(awk -v a="$1" -v via="via $2 " '
		function done() {
			if (!found && m ~ ("^(Deleted )?" a " ") &&
			    index(m, via) == 0) {
				print t; found = 1; exit
			}
		}
		/^\[/ { done(); t = substr($1, 2, length($1) - 2)
			 m = substr($0, length($1) + 2); next }
		{ m = m " " $0 }
		END { done() }' "$tmp/rtmon")
	[ -n "$ts" ] && date -d "$ts" +%s%3N
}

# --- the LBs ----------------------------------------------------------------

declare -A LBNLD_PID=()

# lb_start I: the tag key, BIRD and lbnld (group mode) of LB I.
lb_start()
{
	local i=$1 ns=NS_LB$1

	nsn "${!ns}" "$LBNL" tag set key-file "$tmp/tag.key" || return
	bird_start "lb$i" "${!ns}"
	cat >"$tmp/lb$i.conf" <<-EOF
		driver table
		table $TABLE
		log stderr
		metrics-listen none
		state-dir $tmp/lb$i.state
		cli $LBNL
		group etcd $STORE prefix $PREFIX name lb$i
	EOF
	bg "${!ns}" "$tmp/lbnld.lb$i.log" "$tmp/lbnld.lb$i.err" \
		"$LBNLD" -f -c "$tmp/lb$i.conf"
	LBNLD_PID[$i]=$BG
}

# by_vip: "lbnl save" lines in an order of their own: by VIP, each VIP's
# line then its dests' sorted. An LB lists its VIPs and dests in the order
# it added them, the store in key order; neither order matters (Maglev
# takes the dests in address order).
by_vip()
{
	awk -F ' ' '/^vip add / { v = $3 " " $5; print v "\t0\t" $0; next }
		{ print v "\t1\t" $0 }' | sort | cut -f 3
}

# lb_save I: LB I's configuration (by_vip).
lb_save()
{
	local ns=NS_LB$1

	nsn "${!ns}" "$LBNL" save | by_vip
}

# lb_stop_all: every lbnld stopped (SIGTERM: its routes withdrawn), waited for.
lb_stop_all()
{
	local i

	for i in "${!LBNLD_PID[@]}"; do
		kill "${LBNLD_PID[$i]}" 2>/dev/null
	done
	for i in "${!LBNLD_PID[@]}"; do
		reap "${LBNLD_PID[$i]}" $((10000 * SCALE))
	done
}

# lb_saves_are TEXT LB...: each LB's configuration (by_vip) is TEXT.
lb_saves_are()
{
	local want=$1 i

	shift
	for i; do
		[ "$(lb_save "$i")" = "$want" ] || return 1
	done
}

# lb_links I up|down: LB I's link, at the switch.
lb_links()
{
	ip -n "$NS_SW" link set "lb$1" "$2"
}

# --- phases -----------------------------------------------------------------

# (a) kill
kill_event()
{
	local t0 t4 t6

	: >"$tmp/rtmon"
	rt_monitor_start
	sleep 0.5
	t0=$(now_ms)
	lb_links 1 down || return
	busywait $((10000 * SCALE)) rt_without "$(lb4 1)" "$(lb6 1)"
	sleep 0.2
	kill "$RTMON_PID"
	t4=$(rt_dropped_at "${VIP[tun4]}" "$(lb4 1)") &&
		t6=$(rt_dropped_at "${VIP[tun6]}" "$(lb6 1)") || {
		echo "# kill: the router's route changes: $(head -c 600 "$tmp/rtmon")"
		return 1
	}
	KILL_MEASURED=$((t4 > t6 ? t4 - t0 : t6 - t0))
	echo "# kill: the router dropped LB1 $((t4 - t0)) ms (IPv4), $((t6 - t0)) ms (IPv6) after its link went down"
	grep -i 'lb1_' "$tmp/bird.rtr.log" | tail -n 6 | sed 's/^/# kill: router: /'
	rt_serves 2 3
}

kill_finish()
{
	RET=0
	[ -n "$KILL_MEASURED" ] && [ "$KILL_MEASURED" -le "$KILL_MS" ]
	check_err $? "the router dropped the dead LB after ${KILL_MEASURED:-?} ms (> $KILL_MS ms)"
	log_test "(a) the router drops a dead LB within $KILL_MS ms (${KILL_MEASURED:-?} ms)"

	RET=0
	lb_links 1 up &&
		busywait $((60000 * SCALE)) rt_serves 1 2 3
	check_err $? "LB1 back: the router's next hops are $(rt_nexthops "${VIP[tun4]}") / $(rt_nexthops "${VIP[tun6]}")"
	log_test "(a) LB1 back: the router uses all 3 LBs again"
	RET=0
}

# (c) join
join_event()
{
	local t0

	NS_LBS+=("$NS_LB4")
	LB_UP+=(4)
	t0=$(now_ms)
	lb_start 4 || return
	busywait $((60000 * SCALE)) rt_serves 1 2 3 4 || return
	echo "# join: LB4 in the router's routes $(($(now_ms) - t0)) ms after it started"
}

join_finish()
{
	RET=0
	# lbnld announced the VIPs only once the group's revision ran
	awk '/ group: revision [0-9]+ applied$/ && !a { a = NR }
		/ module ready: / && !r { r = NR }
		END { exit !(a && r && a < r) }' "$tmp/lbnld.lb4.err"
	check_err $? "LB4's lbnld did not apply a revision before its module was ready"
	log_test "(c) LB4 announced the VIPs only once the group's configuration ran"
	RET=0
}

# (d) change

# applied_at I R: when LB I's lbnld logged a revision from R on applied (ms
# since the epoch; the LBs' statuses make revisions too).
applied_at()
{
	local line

	line=$(awk -v r="$2" '/ group: revision [0-9]+ applied$/ &&
		$6 + 0 >= r + 0 { print; exit }' "$tmp/lbnld.lb$1.err")
	[ -n "$line" ] || return 1
	date -d "${line:0:23}" +%s%3N
}

# expected FILE: what "lbnl save" shows (by_vip) once FILE runs.
expected()
{
	nsn "$NS_REF" "$LBNL" flush >/dev/null &&
		nsn "$NS_REF" "$LBNL" restore "$1" >/dev/null &&
		nsn "$NS_REF" "$LBNL" save | by_vip
}

# group_load NAME FILE: "lbnl group load FILE"; every LB runs it. Sets
# LOAD_MS: the longest time from the load's return to an LB's lbnld
# logging the revision applied.
group_load()
{
	local want out t1 rev i t worst=0

	want=$(expected "$2") || return
	out=$(grp load "$2" 2>&1) || { echo "# $1: group load: $out"; return 1; }
	t1=$(now_ms)
	rev=$(sed -n 's/^revision \([0-9]*\):.*/\1/p' <<<"$out")
	busywait $((20000 * SCALE)) lb_saves_are "$want" "${LB_UP[@]}" || {
		echo "# $1: not every LB runs revision $rev"
		return 1
	}
	for i in "${LB_UP[@]}"; do
		t=$(applied_at "$i" "$rev") || t=$((t1 + 999999))
		[ $((t - t1)) -gt $worst ] && worst=$((t - t1))
	done
	LOAD_MS=$worst
	echo "# $1: revision $rev applied on LBs ${LB_UP[*]}, the last $worst ms after the load"
}

# change_config W: server 1's weight W (tun4, all protocols), and a dest
# added (a second address of server 3, 203.0.113.23, to tun4's tcp and
# udp VIPs).
change_config()
{
	config | awk -v srv1="$(srv_addr 4 1)" -v new=203.0.113.23 -v w="$1" '
		/^dest add / && $0 ~ " " srv1 " " { sub(" tag-id", " weight " w " tag-id") }
		{ print }
		/^dest add .* proto (tcp|udp) / && $0 ~ " " srv1 " " {
			sub(" " srv1 " weight " w " tag-id 1", " " new); print }'
}

change_prepare()
{
	ip -n "$NS_SRV3" addr add 203.0.113.23/24 dev eth0
}

change_event()
{
	change_config 3 >"$tmp/change.conf"
	group_load "(d) change" "$tmp/change.conf" && LOADED=change.conf
}

change_finish()
{
	RET=0
	[ -n "$LOAD_MS" ] && [ "$LOAD_MS" -le $((APPLY_MS * SCALE)) ]
	check_err $? "the change ran on every LB ${LOAD_MS:-?} ms after the load (> $((APPLY_MS * SCALE)) ms)"
	log_test "(d) every LB runs the change within $((APPLY_MS * SCALE)) ms of the load (${LOAD_MS:-?} ms)"
	RET=0
}

# (f) etcd stopped, started
etcd_event()
{
	kill "$ETCD_PID" && wait "$ETCD_PID" 2>/dev/null
	tlog "etcd stopped"
	sleep 2
	etcd_start || return
	tlog "etcd started"
	# server 1's weight back to 1 (the dest added stays: it has flows)
	change_config 1 >"$tmp/etcd.conf"
	group_load "(f) after etcd" "$tmp/etcd.conf" && LOADED=etcd.conf
}

# (lag) an LB that cannot apply a revision the others run

# lag_config: the group's configuration (the last loaded) and one VIP
# more.
lag_config()
{
	cat "$tmp/$LOADED"
	echo "vip add $(key "${VIP[tun4]}" 9100) proto tcp mode tun"
	echo "dest add $(key "${VIP[tun4]}" 9100) proto tcp $(srv_addr 4 1) tag-id 1"
}

lag_event()
{
	local t0 want i others=()

	for i in "${LB_UP[@]}"; do
		[ "$i" = 3 ] || others+=("$i")
	done
	MAX_VIPS=$(nsn "$NS_LB3" sysctl -n net.lbnl.max_vips) || return
	nsn "$NS_LB3" sysctl -qw net.lbnl.max_vips=$((2 * 3)) || return
	lag_config >"$tmp/lag.conf"
	want=$(expected "$tmp/lag.conf") || return
	t0=$(now_ms)
	grp load "$tmp/lag.conf" >/dev/null || return
	busywait $((20000 * SCALE)) lb_saves_are "$want" "${others[@]}" || {
		echo "# lag: LBs ${others[*]} do not run the new revision"
		return 1
	}
	busywait $((20000 * SCALE)) rt_serves "${others[@]}" || {
		echo "# lag: the router still sends to $(rt_nexthops "${VIP[tun4]}")"
		return 1
	}
	echo "# lag: LB3 out of the router's routes $(($(now_ms) - t0)) ms after the load"
	sleep 1
	t0=$(now_ms)
	nsn "$NS_LB3" sysctl -qw net.lbnl.max_vips="$MAX_VIPS" || return
	busywait $((30000 * SCALE)) lb_saves_are "$want" 3 &&
		busywait $((30000 * SCALE)) rt_serves "${LB_UP[@]}" || {
		echo "# lag: LB3 did not come back: $(rt_nexthops "${VIP[tun4]}")"
		return 1
	}
	echo "# lag: LB3 back in the router's routes $(($(now_ms) - t0)) ms after its limit was raised"
}

lag_finish()
{
	RET=0
	grep -q 'which this LB could not apply: it withdraws' "$tmp/lbnld.lb3.err" &&
		grep -q 'applied: this LB serves again' "$tmp/lbnld.lb3.err"
	check_err $? "LB3's lbnld did not say it withdrew and came back: $(grep ' group: ' "$tmp/lbnld.lb3.err" | tail -n 3)"
	! grep -q 'withdraws until' "$tmp"/lbnld.lb[124].err 2>/dev/null
	check_err $? "an LB that ran the revision withdrew"
	log_test "(lag) the LB behind the group withdrew, and came back once it ran the group's revision"
	RET=0
}

# --- main -------------------------------------------------------------------

mark_dmesg setup
RET=0
topology
check_err $? "topology"
tlog "topology"
[ $RET -eq 0 ] && { start_servers; check_err $? "servers"; }
[ $RET -eq 0 ] && { etcd_start; check_err $? "etcd did not start: $(tail -n 3 "$tmp/etcd.log")"; }
tlog "servers, etcd"
log_test "set-up: 12 namespaces, servers, etcd"
[ "$EXIT_STATUS" = 0 ] || ksft_exit

RET=0
( umask 077; "$LBNL" tag genkey >"$tmp/tag.key" ) &&
	for i in 1 2 3; do
		nsn "${NS_SRVS[i]}" "$LBNL" tag set key-file "$tmp/tag.key" \
			server-id "$i" || exit 1
	done
check_err $? "routable SCTP tags on the servers"
config >"$tmp/group.conf"
LOADED=group.conf	# the file of the group's configuration, in $tmp
out=$(grp load "$tmp/group.conf" 2>&1)
check_err $? "group load: $out"
bird_start rtr "$NS_RTR"
for i in 1 2 3; do
	lb_start "$i"
	check_err $? "LB$i did not start"
done
log_test "the group: 2 VIPs x 3 protocols of 3 dests in etcd; 3 LBs"
[ "$EXIT_STATUS" = 0 ] || ksft_exit

RET=0
# what each LB's "lbnl save" shows once it runs the group's configuration
# (seen on LB4, before it joins)
nsn "$NS_LB4" "$LBNL" restore "$tmp/group.conf" >/dev/null
want=$(nsn "$NS_LB4" "$LBNL" save | by_vip)
nsn "$NS_LB4" "$LBNL" flush >/dev/null
busywait $((60000 * SCALE)) lb_saves_are "$want" 1 2 3
check_err $? "not every LB runs the group's configuration"
if [ $RET -ne 0 ]; then
	for i in 1 2 3; do
		diff <(echo "$want") <(lb_save "$i") | head -n 10 |
			sed "s/^/# LB$i save: /"
	done
fi
busywait $((60000 * SCALE)) rt_serves 1 2 3
check_err $? "the router's next hops: $(rt_nexthops "${VIP[tun4]}") / $(rt_nexthops "${VIP[tun6]}")"
tlog "ECMP over 3 LBs"
[ $RET -eq 0 ] && { health_checks; check_err $? "the LBs do not reach every server"; }
log_test "every LB runs the group's configuration; the router spreads both VIPs over 3 LBs"
if [ "$EXIT_STATUS" != 0 ]; then
	grp status 2>&1 | sed 's/^/# status: /'
	birdc -s "$tmp/bird.rtr.ctl" show protocols 2>&1 | sed 's/^/# rtr: /'
	ksft_exit
fi

for p in $PHASES; do
	if ! declare -F "${p}_event" >/dev/null; then
		RET=1 retmsg="no such phase"
		log_test "phase $p"
		continue
	fi
	run_phase "$p"
done

ksft_exit
