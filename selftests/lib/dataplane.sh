# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# dataplane.sh: helpers for the data-plane tests. Source after topo.sh;
# $tmp must name a scratch directory before dp_setup:
#
#	. "$dir/lib/topo.sh"
#	. "$dir/lib/dataplane.sh"
#
# dp_setup builds topo_lb3 and readies it for both forwarding modes:
#   - servers: tunl0 and ip6tnl0 up (they decapsulate IPIP / ip6ip6),
#     rp_filter off, the tun VIPs DP_TUN4/DP_TUN6 on lo, eth0 MTU 1600 so
#     that a full-size packet still fits once the LB wrapped it in an outer
#     header (their default routes keep MTU 1500: what they send themselves
#     is normal-sized), and dataplane.py's server ("dataplane.py serve")
#     on DP_PORT..DP_PORT+10, TCP and UDP, answering every line with
#     "srvN:<line>";
#   - lb: its server-side links (br0, srv1..3) at MTU 1600 too.
#
# The load balancer under test is $DP_IMPL:
#   lbnl  (default) lbnl.ko, configured with $LBNL
#   ipvs  IPVS with ipvsadm (mh scheduler with mh-port and mh-fallback; -m
#         for nat, -i for tun; maint and drain are weight 0), to check the
#         topology, servers and clients against a known load balancer.
#         IPVS takes VIP traffic at LOCAL_IN, so there the VIP ranges are
#         local routes of lb (accept_local lets lb forward the tun
#         servers' replies, whose source is then one of its addresses).
#
# Configuration goes through "dp CMD..." (an lbnl command line, run in
# $NS_LB: "dp vip add 192.0.2.1:80 proto tcp mode nat"; translated for
# ipvs) or "dp_apply" (such lines on stdin; "lbnl restore" for lbnl).
# What the tests read back is normalized:
#   dp_conns [KEY PROTO]     "proto vip peer dest state flags" per entry
#   dp_dest_conns KEY PROTO  "dest conns" per dest (entries created; after
#                            dp_stats_settle)
#   dp_drops                 "reason count" per global drop reason (lbnl)
# Dests are always written with their port (ipvs needs it).

dp_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dp_top=${LBNL_TOP:-$(cd "$dp_dir/../.." && pwd)}
DP_IMPL=${DP_IMPL:-lbnl}
LBNL=${LBNL:-$dp_top/tools/lbnl/lbnl}
LBNL_KO=${LBNL_KO:-$dp_top/kmod/lb/lbnl.ko}
DP_PY=$dp_dir/dataplane.py

DP_NAT4=192.0.2.1
DP_TUN4=192.0.2.2
DP_NAT6=2001:db8:10::1
DP_TUN6=2001:db8:10::2
DP_PORT=9000

declare -A __dp_mode=() __dp_weight=()

# nsn NS CMD...: CMD in netns NS. nsenter: only the network namespace (no
# mount namespace and /sys remount as with "ip netns exec"), which is all
# sockets, /proc/net and /proc/sys/net need.
nsn()
{
	local ns=$1

	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# dp_key ADDR PORT: "192.0.2.1:80" or "[2001:db8:10::1]:80".
dp_key()
{
	case $1 in
	*:*) echo "[$1]:$2" ;;
	*)   echo "$1:$2" ;;
	esac
}

# dp_require_lbnl: skip unless the lbnl CLI is built and the module loaded.
dp_require_lbnl()
{
	if [ ! -x "$LBNL" ]; then
		echo "SKIP: lbnl CLI not found at $LBNL"
		exit $ksft_skip
	fi
	if [ ! -d /sys/module/lbnl ]; then
		echo "SKIP: module lbnl not loaded"
		exit $ksft_skip
	fi
}

# dp_require: skip unless the load balancer under test and the tools are
# there. Loads the tunnel and SCTP modules.
dp_require()
{
	require_cmd jq socat ncat iperf3 sctp_test python3 nsenter ss
	require_module sctp ipip ip6_tunnel
	if [ ! -x "$dp_dir/../sctp_echo" ]; then
		echo "SKIP: $dp_dir/../sctp_echo not built (make -C selftests)"
		exit $ksft_skip
	fi
	case $DP_IMPL in
	lbnl)
		dp_require_lbnl
		;;
	ipvs)
		require_cmd ipvsadm
		require_module ip_vs ip_vs_mh
		;;
	*)
		echo "DP_IMPL must be lbnl or ipvs, not '$DP_IMPL'"
		exit $ksft_fail
		;;
	esac
}

# dp_ipvs_sysctls: IPVS's per-namespace settings (again after a reload).
dp_ipvs_sysctls()
{
	nsn "$NS_LB" sysctl -qw net.ipv4.vs.expire_nodest_conn=1 \
		net.ipv4.vs.sloppy_tcp=${1:-0} net.ipv4.vs.sloppy_sctp=${1:-0}
}

# dp_ipvs_local_routes add|del: the VIP ranges as local routes of lb.
dp_ipvs_local_routes()
{
	ip -n "$NS_LB" route "$1" local $VIP4_NET dev lo &&
		ip -n "$NS_LB" -6 route "$1" local $VIP6_NET dev lo
}

dp_setup()
{
	local i ns

	topo_lb3 || return
	ip -n "$NS_LB" -batch - <<-EOF || return
		link set srv1 mtu 1600
		link set srv2 mtu 1600
		link set srv3 mtu 1600
		link set br0 mtu 1600
	EOF
	for i in 1 2 3; do
		ns=${NS_SRVS[i - 1]}
		ip -n "$ns" -batch - <<-EOF || return
			link set eth0 mtu 1600
			link set tunl0 up
			link set ip6tnl0 up
			addr add $DP_TUN4/32 dev lo
			addr add $DP_TUN6/128 dev lo nodad
			route change default via $LB_SRV_IP4 mtu 1500
			route change default via $LB_SRV_IP6 mtu 1500
		EOF
		nsn "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 \
			net.ipv4.conf.tunl0.rp_filter=0 || return
	done
	# A slower kernel (the debug lane: LBNL_TIMEOUT_SCALE) gets the
	# migrations' default deadline scaled as the tests' timeouts are: an
	# export under KASAN and lockdep takes several times its stock time.
	# Requests that set their own deadline keep it.
	if [ "$DP_IMPL" != ipvs ] && [ "${LBNL_TIMEOUT_SCALE:-1}" -gt 1 ]; then
		nsn "$NS_LB" sysctl -qw \
			net.lbnl.migrate_timeout_ms=$((5000 * LBNL_TIMEOUT_SCALE)) ||
			return
	fi
	if [ "$DP_IMPL" = ipvs ]; then
		dp_ipvs_local_routes add || return
		nsn "$NS_LB" sysctl -qw net.ipv4.conf.all.accept_local=1 \
			net.ipv4.conf.br0.accept_local=1 || return
		dp_ipvs_sysctls
	fi
	for i in 1 2 3; do
		dp_bg "${NS_SRVS[i - 1]}" python3 "$DP_PY" serve srv$i \
			"$tmp/serve.srv$i" $(seq $DP_PORT $((DP_PORT + 10)))
	done
	for i in 1 2 3; do
		busywait 60000 test -e "$tmp/serve.srv$i" || {
			echo "# dataplane.py server srv$i did not start:"
			sed 's/^/#   /' "$tmp/bg.log"
			return 1
		}
	done
}

# dp_bg NS CMD...: CMD in the background in netns NS (stderr appended to
# $tmp/bg.log), killed at exit; its pid in DP_BG_PID. ("ip netns exec"
# execs CMD: $! is CMD itself.)
dp_bg()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@" </dev/null >/dev/null 2>>"$tmp/bg.log" &
	DP_BG_PID=$!
	defer kill $DP_BG_PID
}

# dp_start NS CMD...: dp_bg, and dp_stop stops it.
__dp_pids=()
dp_start()
{
	dp_bg "$@"
	__dp_pids+=("$DP_BG_PID")
}

# dp_stop: stop what dp_start started.
dp_stop()
{
	local p

	for p in "${__dp_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${__dp_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	__dp_pids=()
}

# dp_listening NS PROTO:PORT...: every PROTO (tcp, udp, sctp) has a
# listening socket on PORT in NS.
dp_listening()
{
	local ns=$1 have w

	shift
	have=" $(nsn "$ns" ss -Hln -t -u -S |
		awk '{ n = split($5, a, ":"); printf "%s:%s ", $1, a[n] }')"
	for w in "$@"; do
		[[ $have == *" $w "* ]] || return 1
	done
}

# --- the load balancer -------------------------------------------------

lbx()
{
	nsn "$NS_LB" "$LBNL" "$@"
}

# dp CMD...: an lbnl command line (without "lbnl"), run in $NS_LB.
dp()
{
	case $DP_IMPL in
	lbnl) lbx "$@" ;;
	ipvs) dp_ipvs "$@" ;;
	esac
}

# dp_apply: lbnl command lines on stdin, applied in order.
dp_apply()
{
	local line

	case $DP_IMPL in
	lbnl)
		lbx restore
		;;
	ipvs)
		while read -r line; do
			[ -n "$line" ] || continue
			# shellcheck disable=SC2086
			dp_ipvs $line || return
		done
		;;
	esac
}

# ipvsadm's service arguments for PROTO KEY.
__dp_svc()
{
	case $1 in
	tcp)  echo "-t $2" ;;
	udp)  echo "-u $2" ;;
	sctp) echo "--sctp-service $2" ;;
	esac
}

# dp_ipvs OBJECT CMD KEY proto P [DEST] [mode M] [weight W] [state S]
dp_ipvs()
{
	local obj=$1 cmd=$2 key=$3 proto='' mode='' w='' st='' dest='' svc fwd

	shift 3
	while [ $# -gt 0 ]; do
		case $1 in
		proto)  proto=$2; shift ;;
		mode)   mode=$2; shift ;;
		weight) w=$2; shift ;;
		state)  st=$2; shift ;;
		sched | bypass | migrate-after) shift ;;
		*)      dest=$1 ;;
		esac
		shift
	done
	svc=$(__dp_svc "$proto" "$key")
	case $obj/$cmd in
	vip/add)
		__dp_mode[$proto/$key]=${mode:-nat}
		# shellcheck disable=SC2086
		nsn "$NS_LB" ipvsadm -A $svc -s mh -b mh-port,mh-fallback
		;;
	vip/del)
		# shellcheck disable=SC2086
		nsn "$NS_LB" ipvsadm -D $svc
		;;
	dest/add | dest/set)
		[ "${__dp_mode[$proto/$key]}" = tun ] && fwd=-i || fwd=-m
		[ -n "$w" ] || w=${__dp_weight[$proto/$key/$dest]:-1}
		__dp_weight[$proto/$key/$dest]=$w
		case $st in maint | drain) w=0 ;; esac
		[ "$cmd" = add ] && cmd=-a || cmd=-e
		# shellcheck disable=SC2086
		nsn "$NS_LB" ipvsadm $cmd $svc -r "$dest" $fwd -w "$w"
		;;
	dest/del)
		# shellcheck disable=SC2086
		nsn "$NS_LB" ipvsadm -d $svc -r "$dest"
		;;
	*)
		echo "dp_ipvs: $obj $cmd: not translated" >&2
		return 1
		;;
	esac
}

# dp_conns [KEY PROTO]: "proto vip peer dest state flags" per entry (flags
# comma-separated, "-" for none).
dp_conns()
{
	case $DP_IMPL in
	lbnl)
		lbx -j conn show ${1:+"$1" proto "$2"} |
			jq -r --arg k "$1" --arg p "$2" '.[] |
			select($k == "" or (.vip == $k and .proto == $p)) |
			[.proto, .vip, .peer, .dest, .state,
			 ((.flags // []) | if length == 0 then "-"
			  else join(",") end)] | join(" ")'
		;;
	ipvs)
		nsn "$NS_LB" ipvsadm -Lnc | awk -v k="$1" -v p="$2" '
			NR > 2 && (k == "" || ($5 == k && tolower($1) == p)) {
				print tolower($1), $5, $4, $6, tolower($3), "-"
			}'
		;;
	esac
}

# dp_dest_conns KEY PROTO: "dest conns" per dest of the VIP.
dp_dest_conns()
{
	case $DP_IMPL in
	lbnl)
		lbx -j stats | jq -r --arg k "$1" --arg p "$2" '.vips[] |
			select(.vip == $k and .proto == $p) | .dests[] |
			"\(.dest) \(.conns)"'
		;;
	ipvs)
		# shellcheck disable=SC2046
		nsn "$NS_LB" ipvsadm -Ln --stats $(__dp_svc "$2" "$1") |
			awk '$1 == "->" && $2 != "RemoteAddress:Port" {
				print $2, $3 }'
		;;
	esac
}

# dp_stats_settle: wait until the counters dp_dest_conns reads include
# everything so far. lbnl's are exact when read; IPVS's estimator copies
# them every 2 s (nothing to poll for: a fixed wait, ipvs only).
dp_stats_settle()
{
	[ "$DP_IMPL" = ipvs ] && sleep 2.2
	return 0
}

# dp_drops: "reason count" per global drop reason.
dp_drops()
{
	lbx -j stats | jq -r '.global.drops | to_entries[] |
		"\(.key) \(.value)"'
}

# dp_drop REASON: the global count of drops for REASON.
dp_drop()
{
	dp_drops | awk -v r="$1" '$1 == r { print $2; f = 1 } END {
		if (!f) print 0 }'
}

# dp_reload: unload and reload the load balancer's module with the same
# configuration (connection entries are lost: the flows go on as
# mid-flow packets). lbnl: "lbnl save", rmmod, insmod $LBNL_KO,
# "lbnl restore"; ipvs: the same with ipvsadm -S/-R and sloppy_tcp on
# (else IPVS does not take flows mid-way).
dp_reload()
{
	local i

	case $DP_IMPL in
	lbnl)
		lbx save >"$tmp/dp.save" || return
		for i in $(seq 50); do
			rmmod lbnl 2>"$tmp/rmmod.err" && break
			sleep 0.1
		done
		if [ -d /sys/module/lbnl ]; then
			echo "# rmmod lbnl: $(cat "$tmp/rmmod.err")"
			return 1
		fi
		insmod "$LBNL_KO" || return
		lbx restore <"$tmp/dp.save"
		;;
	ipvs)
		nsn "$NS_LB" ipvsadm -S -n >"$tmp/dp.save" || return
		# no local VIPs while IPVS is away: lb's own stack would
		# answer the peer's packets with RSTs
		dp_ipvs_local_routes del
		nsn "$NS_LB" ipvsadm -C
		for i in $(seq 50); do
			modprobe -r ip_vs_mh ip_vs 2>"$tmp/rmmod.err" && break
			sleep 0.1
		done
		if [ -d /sys/module/ip_vs ]; then
			echo "# modprobe -r ip_vs: $(cat "$tmp/rmmod.err")"
			lsmod | grep ip_vs
			return 1
		fi
		modprobe ip_vs_mh || return
		dp_ipvs_sysctls 1
		nsn "$NS_LB" ipvsadm -R <"$tmp/dp.save" &&
			dp_ipvs_local_routes add
		;;
	esac
}

# --- clients --------------------------------------------------------------

# dp_flows PROTO SRC SPORT COUNT DST PORT [CONC [TIMEOUT]] >FILE: COUNT
# flows from $NS_PEER (dataplane.py flows): "SPORT srvN" or "SPORT FAIL why"
# per flow.
dp_flows()
{
	nsn "$NS_PEER" python3 "$DP_PY" flows "$@"
}

# dp_tally FILE: "srv1 N srv2 N srv3 N fail N" from dp_flows' output.
dp_tally()
{
	awk '{ n[$2 == "FAIL" ? "fail" : $2]++ } END {
		printf "srv1 %d srv2 %d srv3 %d fail %d\n",
			n["srv1"], n["srv2"], n["srv3"], n["fail"] }' "$1"
}

# dp_stream_start DIR SRC SPORT COUNT DST PORT: COUNT TCP streams from
# $NS_PEER in the background (dataplane.py stream), state in DIR (ready,
# progress, summary in DIR/out); waits until every stream had an echo.
dp_stream_start()
{
	local d=$1

	shift
	rm -rf "$d"
	mkdir -p "$d"
	# nsenter execs python: $! is the client itself
	nsenter --net="/run/netns/$NS_PEER" python3 "$DP_PY" stream "$@" "$d" \
		>"$d/out" 2>"$d/err" &
	echo $! >"$d/pid"
	defer kill $!
	busywait 60000 test -e "$d/ready"
}

# dp_progress DIR: echoes the streams got so far.
dp_progress()
{
	cat "$1/progress" 2>/dev/null || echo 0
}

# dp_progress_gt DIR N: more than N echoes so far (for busywait).
dp_progress_gt()
{
	[ "$(dp_progress "$1")" -gt "$2" ]
}

# dp_stream_stop DIR: stop the streams, wait for them (the client gives
# the last echoes 10 s at most; killed after 60 s); their status.
dp_stream_stop()
{
	local pid

	pid=$(cat "$1/pid" 2>/dev/null) || return 1
	touch "$1/stop"
	busywait 60000 sh -c "! kill -0 $pid 2>/dev/null" ||
		kill "$pid" 2>/dev/null
	wait "$pid"
}
