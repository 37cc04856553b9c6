# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lb_group.sh: an active-active LB group behind a BIRD2 router's ECMP, its
# configuration in etcd (TLS, client certificates), the flows of
# lb_flows.sh; used by lb_group.sh (the test; its header draws the
# topology) and bench_group.sh. Source after topo.sh and lb_flows.sh, with
# dir, LBNL, LBNLD, SCALE set; then group_require, the scratch directory
# (group_tmp) and group_setup.

ETCD=${ETCD:-$(command -v etcd)}
FLOW_TAGS=1
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
STORE=https://$ETCD_IP:2379
PREFIX=/lbnl/group
TABLE=100
NLB=4			# LB namespaces; LB4 starts in phase join
LB_UP=(1 2 3)		# the LBs in the group
APPLY_MS=1000		# from a "group load" to every LB running it

# group_require: what the group needs, or skip.
group_require()
{
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
}

# group_tmp: the scratch directory $tmp, and what goes before it does.
group_tmp()
{
	tmp=$(mktemp -d)
	defer rm -rf "$tmp"
	defer kill_running
	defer lb_stop_all
	CERTS=$tmp/certs
	MKCERT=${MKCERT:-$dir/../tools/tests/mkcert.sh}
	[ -x "$MKCERT" ] || { echo "SKIP: $MKCERT not found"; exit $ksft_skip; }
}

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

# The store is reached over TLS with client certificates, as in
# production: etcd's own (SAN its address), one per LB (lb1..lb4) and the
# operator's (the CLI), all from one CA (tools/tests/mkcert.sh).
certs_make()
{
	local i

	"$MKCERT" ca "$CERTS" &&
		"$MKCERT" cert "$CERTS" etcd none 1 "$ETCD_IP" &&
		"$MKCERT" cert "$CERTS" operator none 1 || return
	for i in $(seq $NLB); do
		"$MKCERT" cert "$CERTS" "lb$i" none 1 || return
	done
}

# tls_line NAME: the TLS options of the "group" line of client NAME.
tls_line()
{
	echo "ca-file $CERTS/ca.pem cert-file $CERTS/$1.pem key-file $CERTS/$1.key"
}

etcd_up()
{
	nsn "$NS_ETCD" curl -sf -m 1 --cacert "$CERTS/ca.pem" \
		--cert "$CERTS/operator.pem" --key "$CERTS/operator.key" \
		-X POST -d '{}' "$STORE/v3/maintenance/status" >/dev/null
}

etcd_start()
{
	ip netns exec "$NS_ETCD" "$ETCD" --name group --data-dir "$tmp/etcd" \
		--cert-file "$CERTS/etcd.pem" --key-file "$CERTS/etcd.key" \
		--client-cert-auth --trusted-ca-file "$CERTS/ca.pem" \
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
	LBNL_GROUP_CONF=$tmp/operator.conf nsn "$NS_ETCD" "$LBNL" group "$@"
}

# --- BIRD -----------------------------------------------------------------

# BFD: a dead LB is noticed after 3 x 100 ms without its packets.
BFD_OPTS="min rx interval 100 ms; min tx interval 100 ms; multiplier 3;"

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

# lb_start I: BIRD and lbnld (group mode) of LB I.
lb_start()
{
	bird_start "lb$1" "$(lb_ns "$1")"
	lbnld_start "$1"
}

lb_ns()
{
	local ns=NS_LB$1

	echo "${!ns}"
}

# lbnld_start I: LB I's lbnld, in group mode; it sets the routable tags'
# key (tag-key-file) in the module before the group's configuration.
lbnld_start()
{
	local i=$1 ns=NS_LB$1

	cat >"$tmp/lb$i.conf" <<-EOF
		driver table
		table $TABLE
		log stderr
		metrics-listen none
		state-dir $tmp/lb$i.state
		cli $LBNL
		tag-key-file $tmp/tag.key
		group etcd $STORE prefix $PREFIX name lb$i $(tls_line "lb$i")
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

# lbnld_stop I: LB I's lbnld stopped (SIGTERM: its routes withdrawn).
lbnld_stop()
{
	kill "${LBNLD_PID[$1]}" 2>/dev/null
	reap "${LBNLD_PID[$1]}" $((10000 * SCALE))
	unset "LBNLD_PID[$1]"
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

# --- the store: what the LBs run -----------------------------------------

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

# --- set-up -----------------------------------------------------------------

# tags_servers: the routable tags' key, on the servers with their ids (the
# LBs' lbnld sets it from tag-key-file).
tags_servers()
{
	local i

	( umask 077; "$LBNL" tag genkey >"$tmp/tag.key" ) || return
	for i in 1 2 3; do
		nsn "${NS_SRVS[i]}" "$LBNL" tag set key-file "$tmp/tag.key" \
			server-id "$i" || return
	done
}

# group_setup: the topology, servers, etcd, tags, the group (3 LBs) loaded
# and announced: each step a KTAP line. Returns non-zero if one failed.
group_setup()
{
	local i out want

	mark_dmesg setup
	RET=0
	topology
	check_err $? "topology"
	tlog "topology"
	[ $RET -eq 0 ] && { start_servers; check_err $? "servers"; }
	[ $RET -eq 0 ] && { certs_make; check_err $? "certificates: openssl failed"; }
	echo "group etcd $STORE prefix $PREFIX $(tls_line operator)" >"$tmp/operator.conf"
	[ $RET -eq 0 ] && { etcd_start; check_err $? "etcd did not start: $(tail -n 3 "$tmp/etcd.log")"; }
	tlog "servers, etcd"
	log_test "set-up: 12 namespaces, servers, etcd (TLS, client certificates)"
	[ "$EXIT_STATUS" = 0 ] || return 1

	RET=0
	tags_servers
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
	[ "$EXIT_STATUS" = 0 ] || return 1

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
		return 1
	fi
}
