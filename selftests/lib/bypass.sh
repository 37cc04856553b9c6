# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# bypass.sh: the single-address-tenant topology, with a real router. Source
# after topo.sh and dataplane.sh; $tmp must name a scratch directory.
#
#	$NS_PEER          $NS_RT (BIRD2)              $NS_LB (BIRD2, lbnld)
#	+---------+ veth  +-----------------------+   +------------------+
#	| eth0 .1 |-------| eth0 .2    br0 .254   |---| eth0 .1  ::1     |
#	+---------+       |            ::fe       |   +------------------+
#	198.51.100.0/24   +-----------------------+   $NS_SRV1..3: eth0
#	                  ports lb, srv1..3 of br0    .11..13, the VIP on lo
#	                  203.0.113.0/24, 2001:db8:2::/64
#
# The router, the LB and the servers share one segment: the LB's BIRD
# exports the VIP routes that lbnld keeps in routing table $BP_TABLE over
# eBGP with "next hop keep", so a "via DEST" route reaches the router with
# the dest as next hop (third party) and a device route with the LB's own
# address. The servers own the VIP on lo (tun/DSR: what the router sends
# them directly is theirs too) and reply through the router.

BP_TABLE=100
BP_VIP4=192.0.2.1
BP_VIP6=2001:db8:10::1
BP_TCP_PORT=9000
BP_SCTP_PORT=3868
RT_IP4=203.0.113.254
RT_IP6=2001:db8:2::fe
LB_IP4=203.0.113.1
LB_IP6=2001:db8:2::1
LBNLD=${LBNLD:-$dp_top/tools/lbnld/lbnld}

bp_require()
{
	require_cmd bird birdc jq python3 nsenter
	require_module sctp ipip ip6_tunnel
	if [ ! -x "$LBNLD" ]; then
		echo "SKIP: lbnld not found at $LBNLD"
		exit $ksft_skip
	fi
	if [ ! -x "$dp_dir/../sctp_echo" ] || [ ! -x "$dp_dir/../sctp_peer" ]; then
		echo "SKIP: sctp_echo/sctp_peer not built (make -C selftests)"
		exit $ksft_skip
	fi
	if [ ! -d /sys/module/lbnl ]; then
		echo "SKIP: module lbnl not loaded"
		exit $ksft_skip
	fi
}

# bp_topo: namespaces, links and addresses.
bp_topo()
{
	local i ns

	setup_ns NS_PEER NS_RT NS_LB NS_SRV1 NS_SRV2 NS_SRV3 || return
	NS_SRVS=("$NS_SRV1" "$NS_SRV2" "$NS_SRV3")

	ip -n "$NS_RT" -batch - <<-EOF || return
		link add eth0 type veth peer name eth0 netns $NS_PEER
		link add br0 type bridge forward_delay 0
		link add lb type veth peer name eth0 netns $NS_LB
		link add srv1 type veth peer name eth0 netns $NS_SRV1
		link add srv2 type veth peer name eth0 netns $NS_SRV2
		link add srv3 type veth peer name eth0 netns $NS_SRV3
		link set lb master br0
		link set srv1 master br0
		link set srv2 master br0
		link set srv3 master br0
		link set eth0 up
		link set br0 up
		link set lb up
		link set srv1 up
		link set srv2 up
		link set srv3 up
		addr add $LB_PEER_IP4/24 dev eth0
		addr add $LB_PEER_IP6/64 dev eth0 nodad
		addr add $RT_IP4/24 dev br0
		addr add $RT_IP6/64 dev br0 nodad
	EOF
	nsn "$NS_RT" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 || return

	ip -n "$NS_PEER" -batch - <<-EOF || return
		link set eth0 up
		addr add $PEER_IP4/24 dev eth0
		addr add $PEER_IP6/64 dev eth0 nodad
		route add default via $LB_PEER_IP4
		route add default via $LB_PEER_IP6
	EOF

	ip -n "$NS_LB" -batch - <<-EOF || return
		link set eth0 up
		addr add $LB_IP4/24 dev eth0
		addr add $LB_IP6/64 dev eth0 nodad
		route add default via $RT_IP4
		route add default via $RT_IP6
	EOF

	for i in 1 2 3; do
		ns=${NS_SRVS[i - 1]}
		ip -n "$ns" -batch - <<-EOF || return
			link set eth0 up
			link set tunl0 up
			link set ip6tnl0 up
			addr add 203.0.113.1$i/24 dev eth0
			addr add 2001:db8:2::1$i/64 dev eth0 nodad
			addr add $BP_VIP4/32 dev lo
			addr add $BP_VIP6/128 dev lo nodad
			route add default via $RT_IP4
			route add default via $RT_IP6
		EOF
		nsn "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 \
			net.ipv4.conf.tunl0.rp_filter=0 || return
	done
}

# bp_bird_conf NAME: the BIRD configuration of the router (rt) or the LB.
bp_bird_conf()
{
	case $1 in
	rt)
		cat <<-EOF
			log "$tmp/bird.rt.log" all;
			router id $RT_IP4;
			protocol device { scan time 10; }
			protocol kernel {
				ipv4 { import none; export all; };
			}
			protocol kernel {
				ipv6 { import none; export all; };
			}
			protocol bgp lb4 {
				local $RT_IP4 as 65000;
				neighbor $LB_IP4 as 65001;
				graceful restart on;
				connect retry time 1;
				ipv4 { import all; export none; };
			}
			protocol bgp lb6 {
				local $RT_IP6 as 65000;
				neighbor $LB_IP6 as 65001;
				graceful restart on;
				connect retry time 1;
				ipv6 { import all; export none; };
			}
		EOF
		;;
	lb)
		cat <<-EOF
			log "$tmp/bird.lb.log" all;
			router id $LB_IP4;
			protocol device { scan time 10; }
			protocol kernel {
				ipv4 { import all; export none; };
				kernel table $BP_TABLE;
				learn;
			}
			protocol kernel {
				ipv6 { import all; export none; };
				kernel table $BP_TABLE;
				learn;
			}
			protocol bgp rt4 {
				local $LB_IP4 as 65001;
				neighbor $RT_IP4 as 65000;
				graceful restart on;
				connect retry time 1;
				ipv4 { import none; export all; next hop keep; };
			}
			protocol bgp rt6 {
				local $LB_IP6 as 65001;
				neighbor $RT_IP6 as 65000;
				graceful restart on;
				connect retry time 1;
				ipv6 { import none; export all; next hop keep; };
			}
		EOF
		;;
	esac
}

# bp_bird_start rt|lb: run BIRD in the router's or the LB's namespace.
bp_bird_start()
{
	local ns

	case $1 in
	rt) ns=$NS_RT ;;
	lb) ns=$NS_LB ;;
	esac
	[ -e "$tmp/bird.$1.conf" ] || bp_bird_conf "$1" > "$tmp/bird.$1.conf"
	ip netns exec "$ns" bird -f -c "$tmp/bird.$1.conf" \
		-s "$tmp/bird.$1.ctl" -P "$tmp/bird.$1.pid" \
		</dev/null >/dev/null 2>>"$tmp/bg.log" &
	eval "BP_BIRD_${1^^}=$!"
	defer kill $!
}

# bp_bird_kill rt|lb: SIGKILL, as a crash.
bp_bird_kill()
{
	local pid

	eval "pid=\$BP_BIRD_${1^^}"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$tmp/bird.$1.ctl"
}

# bp_established: both BGP sessions of the router are up.
bp_established()
{
	[ "$(birdc -s "$tmp/bird.rt.ctl" show protocols 2>/dev/null |
		grep -c 'Established')" -eq 2 ]
}

# bp_lbnld_start: lbnld in the LB's namespace, foreground, table BP_TABLE.
bp_lbnld_start()
{
	cat > "$tmp/lbnld.conf" <<-EOF
		# lbnld of the bypass test
		table $BP_TABLE
		driver table
		state-dir $tmp/lbnld.state
	EOF
	ip netns exec "$NS_LB" "$LBNLD" -f -v -c "$tmp/lbnld.conf" \
		</dev/null >>"$tmp/lbnld.log" 2>&1 &
	BP_LBNLD=$!
	defer kill $BP_LBNLD
}

bp_lbnld_kill()
{
	kill -9 "$BP_LBNLD" 2>/dev/null
	wait "$BP_LBNLD" 2>/dev/null
}

# bp_rt_nexthop ADDR: the router's FIB next hop for ADDR ("-" for none,
# "dev" for a device route).
bp_rt_nexthop()
{
	local fam=-4

	case $1 in *:*) fam=-6 ;; esac
	ip -n "$NS_RT" $fam -j route show "$1" |
		jq -r 'if length == 0 then "-" else (.[0].gateway // "dev") end'
}

# bp_rt_via ADDR NEXTHOP: the router sends ADDR to NEXTHOP.
bp_rt_via()
{
	[ "$(bp_rt_nexthop "$1")" = "$2" ]
}

# bp_table_route ADDR: lbnld's route for ADDR in table BP_TABLE: "via X",
# "dev D" or "-".
bp_table_route()
{
	local fam=-4

	case $1 in *:*) fam=-6 ;; esac
	ip -n "$NS_LB" $fam -j route show table $BP_TABLE "$1" |
		jq -r 'if length == 0 then "-" elif .[0].gateway then
			"via " + .[0].gateway else "dev " + .[0].dev end'
}

# bp_vip_state KEY PROTO: "flags router" of a VIP, e.g. "single active".
bp_vip_state()
{
	nsn "$NS_LB" "$LBNL" -j vip show |
		jq -r --arg k "$1" --arg p "$2" '.[] |
			select("\(.addr):\(.port)" == $k and .proto == $p) |
			"\((.flags // []) | join(",") | if . == "" then "-"
			   else . end) \(.router // "lb")"'
}

# bp_vip_packets KEY PROTO: packets the LB has taken for a VIP.
bp_vip_packets()
{
	nsn "$NS_LB" "$LBNL" -j stats |
		jq -r --arg k "$1" --arg p "$2" '.vips[] |
			select(.vip == $k and .proto == $p) | .packets_in'
}

# bp_lb KEY-less lbnl command in the LB's namespace.
bp_lb()
{
	nsn "$NS_LB" "$LBNL" "$@"
}

# bp_servers: dataplane.py (TCP) and sctp_echo (SCTP, bound to the VIPs)
# in every server.
bp_servers()
{
	local i ns

	for i in 1 2 3; do
		ns=${NS_SRVS[i - 1]}
		dp_bg "$ns" python3 "$DP_PY" serve srv$i "$tmp/serve.srv$i" \
			$BP_TCP_PORT
		dp_bg "$ns" "$dp_dir/../sctp_echo" -s seqpacket \
			-p $BP_SCTP_PORT -a $BP_VIP4 -q
	done
	for i in 1 2 3; do
		busywait 60000 test -e "$tmp/serve.srv$i" || return
	done
}

# bp_setup: everything up to established BGP sessions and lbnld running.
bp_setup()
{
	bp_topo || return
	bp_servers || return
	bp_bird_start rt || return
	bp_bird_start lb || return
	busywait 30000 bp_established || {
		echo "# BGP sessions did not come up:"
		birdc -s "$tmp/bird.rt.ctl" show protocols | sed 's/^/#   /'
		return 1
	}
}
