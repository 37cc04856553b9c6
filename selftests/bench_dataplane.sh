#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (make bench): lbnl's data plane against IPVS, with the same
# topology (topo_lb3) and the same traffic, in one VM. Prints a table of
# lbnl/IPVS ratios; the absolute numbers come from qemu without KVM (TCG)
# on a shared machine: only the ratios mean anything.
#
#	peer ---- lb (lbnl or IPVS: VIP 192.0.2.1) ---- srv1, srv2, srv3
#
# Services on the VIP (the same for both LBs, forwarding mode $MODE):
#	tcp/80, sctp/80     -> the three servers: "flowgen serve" answers
#	                       each connection at once and closes it
#	udp/9000            -> the three servers: "flowgen sink" takes the
#	                       datagrams and drops them (no ICMP back)
#	tcp/5201, sctp/5201 -> srv1 only: iperf3 (its control connection and
#	                       its data stream must reach the same server)
# IPVS uses the "mh" scheduler (IPVS's Maglev) with the mh-port flag (it
# hashes address and port, as lbnl does), or "rr" where ip_vs_mh is
# missing; its connection table has 2^$IPVS_TAB_BITS buckets when this
# script loads ip_vs. IPVS needs the VIP on the LB (on lo); lbnl does not.
#
# With REF=1, a third topology, "ref", has no load balancer: lb routes the
# VIP to the servers (ECMP on addresses and ports) and the servers own it.
# Its rates show how far the endpoints, not the LB, set them. (It is no
# lower bound of the LB's cost: its per-connection cost measured above
# IPVS's here.)
#
# The two vCPUs are split: every process (clients, servers, iperf3, this
# script) runs on CPU 0, and RPS hands every packet lb receives to CPU 1
# (packets the peer and the servers receive go to CPU 0). CPU 1 then does
# nothing but lb's forwarding, so its busy time per connection, per MB or
# per packet is the LB's own cost: the figure that tells the data planes
# apart, while the rates of connections and bytes are mostly set by the
# endpoints on CPU 0.
#
# Under TCG on a machine shared with other VMs every number moves a lot:
# the pairing below keeps a ratio steady within a run, but whole runs have
# differed by 30 % and more. Run it several times before believing a ratio.
#
# Phase 1, the three topologies side by side, each measurement $ROUNDS
# times per topology in turn (ipvs lbnl ref, then ref lbnl ipvs, ...): a
# lbnl/IPVS ratio is the median of the ratios of samples taken one after
# the other, so that a change of the machine's speed (other VMs) between
# rounds cancels out.
#  - TCP connections/s and SCTP associations/s: "flowgen connect", $CONC
#    at a time for $DUR s (connect, 64-byte request, 64-byte answer, close;
#    SCTP: INIT .. SHUTDOWN-COMPLETE on one-to-one sockets);
#  - TCP and SCTP throughput: iperf3, one stream, $DUR s;
#  - UDP packets/s: "flowgen send" at full speed from $STREAM_FLOWS flows
#    for $DUR s, counted as they reach the servers (lb's ports to them:
#    what the servers' eth0 get); the sender goes as fast as it can, so
#    CPU 1 is often the bottleneck (then the rate is the LB's forwarding
#    capacity); the cost is per packet lb took in.
# Phase 2, one LB at a time in a fresh topology:
#  - the UDP stream of phase 1 (its $STREAM_FLOWS entries exist), $SAMPLES
#    times $STREAM_DUR s: rate and cost per packet with 1k entries;
#  - fill: $FLOWS - $STREAM_FLOWS more distinct UDP flows, one packet each
#    (source addresses from $FLOW_SRC, which the peer owns through a local
#    route, x source ports $FLOW_SPORTS), without RPS (so that none is lost
#    in a full backlog): new flows taken per second;
#  - memory: the slab caches of the entries (ip_vs_conn; lbnl_*, from
#    /sys/kernel/slab) before and after the fill, per entry the LB reports
#    (ipvsadm -Ln; lbnl -j stats active_conns), and the drop of MemFree per
#    entry (hash tables included, except IPVS's preallocated one);
#  - the stream again with $FLOWS entries: the per-packet cost is flat if
#    the cost per packet stays the same (1M/1k ratio 1.0).
#
# Environment: MODE (nat|tun, default nat), DUR (3), ROUNDS (3), CONC
# (32), FLOWS (1000000), STREAM_FLOWS (1000), STREAM_DUR (2), SAMPLES (3),
# LBS ("ipvs lbnl": the LBs to measure), REF (1: measure ref too; 0),
# FILL_MAX_S (400: the fill stops there, however many flows it made),
# METRICS (phase 1's: "tcp_cps sctp_aps tcp_mbps sctp_mbps udp_pps"),
# TABLE (1: run phase 2),
# IPVS_TAB_BITS (20), SENDER (packet: AF_PACKET past the qdisc; raw: raw
# IP socket), BENCH_JSON (also write the results there, as JSON).
#
# Not a test: exits 0 whatever the numbers (4 if it cannot run at all).
# A side that does not work (e.g. lbnl without a data plane) shows "n/a".

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"

MODE=${MODE:-nat}
DUR=${DUR:-3}
ROUNDS=${ROUNDS:-3}
CONC=${CONC:-32}
FLOWS=${FLOWS:-1000000}
STREAM_FLOWS=${STREAM_FLOWS:-1000}
STREAM_DUR=${STREAM_DUR:-2}
SAMPLES=${SAMPLES:-3}
LBS=${LBS:-ipvs lbnl}
REF=${REF:-0}
IPVS_TAB_BITS=${IPVS_TAB_BITS:-20}
FILL_MAX_S=${FILL_MAX_S:-400}
METRICS=${METRICS:-tcp_cps sctp_aps tcp_mbps sctp_mbps udp_pps}
TABLE=${TABLE:-1}
SENDER=${SENDER:-packet}
LBNL=${LBNL:-lbnl}
FLOWGEN=$dir/flowgen

VIP=192.0.2.1
P_CONN=80
P_UDP=9000
P_IPERF=5201
# 64 addresses x 16000 ports = 1,024,000 distinct flows
FLOW_SRC=198.51.100.128/26
FLOW_SPORTS=10000-25999

case $MODE in
nat | tun) ;;
*) echo "SKIP: MODE must be nat or tun"; exit $ksft_skip ;;
esac

require_cmd jq iperf3 ipvsadm ss
[ -x "$FLOWGEN" ] || { echo "SKIP: $FLOWGEN not built (make -C selftests)"; exit $ksft_skip; }
require_module sctp
[ "$MODE" = tun ] && require_module ipip

tmp=$(mktemp -d)
defer rm -rf "$tmp"
RESULTS=$tmp/results		# lines "metric key value"
: > "$RESULTS"
: > "$tmp/details"

note()
{
	printf '# [%4ds] %s\n' "$SECONDS" "$*"
}

say()
{
	echo "# $*"
}

detail()
{
	echo "$*" >> "$tmp/details"
}

result()
{
	[ -n "$3" ] && echo "$1 $2 $3" >> "$RESULTS"
}

# get METRIC KEY: a result, or nothing.
get()
{
	awk -v m="$1" -v k="$2" '$1 == m && $2 == k { v = $3 }
		END { if (v != "") print v }' "$RESULTS"
}

# mean < numbers
mean()
{
	awk '{ s += $1; n++ } END { if (n) printf "%.1f\n", s / n }'
}

# ratios FILE_A FILE_B: "median min max" of B[i]/A[i] (line by line), or
# nothing.
ratios()
{
	[ -s "$1" ] && [ -s "$2" ] || return 0
	paste "$1" "$2" | awk 'NF == 2 && $1 > 0 { print $2 / $1 }' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR)
			printf "%.3f %.3f %.3f\n", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2, v[1], v[NR] }'
}

# --- IPVS and lbnl ----------------------------------------------------------

declare -A LB_OK LB_WHY
IPVS_SCHED=rr
IPVS_FLAGS=
ipvs_loaded_here=0

ipvs_prepare()
{
	if ! grep -q '^ip_vs ' /proc/modules; then
		modprobe ip_vs conn_tab_bits="$IPVS_TAB_BITS" || return 1
		ipvs_loaded_here=1
	fi
	if modprobe ip_vs_mh 2>/dev/null; then
		IPVS_SCHED=mh
		IPVS_FLAGS="-b mh-port"
	else
		modprobe ip_vs_rr || return 1
	fi
}

ipvs_cleanup()
{
	[ "$ipvs_loaded_here" = 1 ] || return 0
	modprobe -r ip_vs_mh ip_vs_rr ip_vs 2>/dev/null
	return 0
}

lbnl_prepare()
{
	grep -q '^lbnl ' /proc/modules || { LB_WHY[lbnl]="lbnl.ko is not loaded"; return 1; }
	command -v "$LBNL" >/dev/null || { LB_WHY[lbnl]="no lbnl CLI"; return 1; }
}

# --- topologies --------------------------------------------------------------

# Topology KEY (ipvs, lbnl, ref): namespaces in T_PEER[KEY], T_LB[KEY],
# T_SRVS[KEY] (space separated), processes in T_PIDS[KEY] (T_LBPID[KEY]: one
# in lb's namespace), the MAC address of lb's eth0 in T_MAC[KEY].
declare -A T_PEER T_LB T_SRVS T_PIDS T_MAC T_LBPID

# The servers own the VIP in tun mode and in ref. The TCP/SCTP servers bind
# the VIP then, else their own address (a wildcard SCTP socket would list
# every address of the server in its INIT-ACK).
owns_vip()
{
	[ "$1" = ref ] || [ "$MODE" = tun ]
}

# iperf3 (srv1) binds srv1's address, but the VIP behind a tun LB.
iperf_bind()
{
	if [ "$1" != ref ] && [ "$MODE" = tun ]; then echo $VIP; else echo $SRV1_IP4; fi
}

iperf_target()
{
	if [ "$1" = ref ]; then echo $SRV1_IP4; else echo $VIP; fi
}

# start_bg KEY NS CMD...: start CMD in NS in the background, remember it.
start_bg()
{
	local key=$1 ns=$2

	shift 2
	ip netns exec "$ns" "$@" > /dev/null 2>> "$tmp/$key.err" &
	T_PIDS[$key]+=" $!"
}

iperf_listening()
{
	nsx "$1" ss -Hltn "sport = :$P_IPERF" | grep -q .
}

# rps NS MASK DEV...: hand what the DEVs receive to the CPUs in MASK (0:
# none).
rps()
{
	local ns=$1 mask=$2 dev cmd=

	[ "$STEER" = 1 ] || return 0
	shift 2
	for dev in "$@"; do
		cmd+="echo $mask > /sys/class/net/$dev/queues/rx-0/rps_cpus && "
	done
	nsx "$ns" sh -c "${cmd}:"
}

# topo_up KEY: namespaces, addresses, server processes; returns once every
# server listens.
topo_up()
{
	local key=$1 i ns b

	rm -f "$tmp/$key".*.tcp "$tmp/$key".*.sctp "$tmp/$key".*.udp
	topo_lb3 || return 1
	T_PEER[$key]=$NS_PEER
	T_LB[$key]=$NS_LB
	T_SRVS[$key]="${NS_SRVS[*]}"
	T_PIDS[$key]=
	# a process in lb's namespace, to read its /proc/PID/net
	start_bg "$key" "$NS_LB" sleep 100000
	T_LBPID[$key]=$!

	# The peer owns the flow sources (a local route: it answers ARP for
	# them) and may use every port for its connections.
	ip -n "$NS_PEER" route add local $FLOW_SRC dev lo || return 1
	nsx "$NS_PEER" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" || return 1
	T_MAC[$key]=$(ip -n "$NS_LB" -j link show eth0 | jq -r '.[0].address')
	rps "$NS_LB" $LB_MASK eth0 srv1 srv2 srv3 && rps "$NS_PEER" $APP_MASK eth0 || return 1
	for ns in "${NS_SRVS[@]}"; do
		rps "$ns" $APP_MASK eth0 || return 1
	done

	if [ "$key" != ref ] && [ "$MODE" = tun ]; then
		# IPIP adds 20 bytes: room for them between lb and the servers.
		ip -n "$NS_LB" -batch - <<-EOF || return 1
			link set srv1 mtu 1600
			link set srv2 mtu 1600
			link set srv3 mtu 1600
			link set br0 mtu 1600
		EOF
	fi
	for i in 1 2 3; do
		ns=${NS_SRVS[i - 1]}
		b=203.0.113.1$i
		if owns_vip "$key"; then
			ip -n "$ns" addr add $VIP/32 dev lo || return 1
			b=$VIP
		fi
		if [ "$key" != ref ] && [ "$MODE" = tun ]; then
			ip -n "$ns" -batch - <<-EOF || return 1
				link set eth0 mtu 1600
				link set tunl0 up
			EOF
			nsx "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
				net.ipv4.conf.tunl0.rp_filter=0 || return 1
		fi
		start_bg "$key" "$ns" "$FLOWGEN" serve -p $P_CONN -P tcp -b $b -w "$tmp/$key.$i.tcp"
		start_bg "$key" "$ns" "$FLOWGEN" serve -p $P_CONN -P sctp -b $b -w "$tmp/$key.$i.sctp"
		start_bg "$key" "$ns" "$FLOWGEN" sink -p $P_UDP -w "$tmp/$key.$i.udp"
	done
	start_bg "$key" "${NS_SRVS[0]}" iperf3 -s -B "$(iperf_bind "$key")" -p $P_IPERF
	for i in 1 2 3; do
		busywait 10000 test -e "$tmp/$key.$i.tcp" -a -e "$tmp/$key.$i.sctp" \
			-a -e "$tmp/$key.$i.udp" || return 1
	done
	busywait 10000 iperf_listening "${NS_SRVS[0]}"
}

# topo_down KEY: stop the processes, delete the namespaces (the kernel
# dismantles them in the background).
topo_down()
{
	local key=$1 ns p

	for p in ${T_PIDS[$key]}; do
		kill "$p" 2>/dev/null
	done
	for p in ${T_PIDS[$key]}; do
		wait "$p" 2>/dev/null
	done
	T_PIDS[$key]=
	for ns in ${T_PEER[$key]} ${T_LB[$key]} ${T_SRVS[$key]}; do
		ip netns del "$ns" 2>/dev/null
	done
	T_PEER[$key]= T_LB[$key]= T_SRVS[$key]=
}

# lb_config KEY: the services above through IPVS or lbnl; for ref, routes.
lb_config()
{
	local key=$1 ns=${T_LB[$1]} i p svc fwd=-m want

	case $key in
	ref)
		nsx "$ns" sysctl -qw net.ipv4.fib_multipath_hash_policy=1 &&
			ip -n "$ns" route add $VIP/32 nexthop via $SRV1_IP4 \
				nexthop via $SRV2_IP4 nexthop via $SRV3_IP4
		;;
	ipvs)
		[ "$MODE" = tun ] && fwd=-i
		# IPVS takes VIP traffic at LOCAL_IN: the VIP must be local.
		ip -n "$ns" addr add $VIP/32 dev lo || return 1
		# tun: the servers' replies (from the VIP) come back through lb,
		# their gateway here; without this, a local source is martian.
		if [ "$MODE" = tun ]; then
			nsx "$ns" sysctl -qw net.ipv4.conf.br0.accept_local=1 || return 1
		fi
		nsx "$ns" ipvsadm --set 900 120 300 || return 1
		{
			for svc in "-t $VIP:$P_CONN" "--sctp-service $VIP:$P_CONN" \
					"-u $VIP:$P_UDP"; do
				echo "-A $svc -s $IPVS_SCHED $IPVS_FLAGS"
				for i in 1 2 3; do
					echo "-a $svc -r 203.0.113.1$i:${svc##*:} $fwd -w 1"
				done
			done
			for svc in "-t $VIP:$P_IPERF" "--sctp-service $VIP:$P_IPERF"; do
				echo "-A $svc -s $IPVS_SCHED $IPVS_FLAGS"
				echo "-a $svc -r $SRV1_IP4:$P_IPERF $fwd -w 1"
			done
		} | nsx "$ns" ipvsadm -R
		;;
	lbnl)
		# room for every flow in lb's namespace (its own conn_max)
		want=$((FLOWS + 100000))
		if [ "$(nsx "$ns" sysctl -n net.lbnl.conn_max)" -lt "$want" ]; then
			nsx "$ns" sysctl -qw net.lbnl.conn_max=$want || return 1
		fi
		{
			for p in "$P_CONN tcp" "$P_CONN sctp" "$P_UDP udp"; do
				set -- $p
				echo "vip add $VIP:$1 proto $2 mode $MODE"
				for i in 1 2 3; do
					echo "dest add $VIP:$1 proto $2 203.0.113.1$i:$1 weight 1"
				done
			done
			for p in tcp sctp; do
				echo "vip add $VIP:$P_IPERF proto $p mode $MODE"
				echo "dest add $VIP:$P_IPERF proto $p $SRV1_IP4:$P_IPERF weight 1"
			done
		} | nsx "$ns" "$LBNL" restore
		;;
	esac
}

# lb_entries KEY: connection entries the LB holds now.
lb_entries()
{
	local ns=${T_LB[$1]}

	case $1 in
	ipvs)
		nsx "$ns" ipvsadm -Ln | awk '$1 == "->" && $2 ~ /:[0-9]+$/ { s += $5 + $6 }
			END { print s + 0 }' ;;
	lbnl)
		nsx "$ns" "$LBNL" -j stats | jq '.global.active_conns //
			([.vips[]? | .active_conns // ([.dests[]?.active_conns] | add) // 0] | add) // 0' ;;
	*) echo 0 ;;
	esac
}

entries_at_least()
{
	[ "$(lb_entries "$1")" -ge "$2" ]
}

# conntrack_count NS: entries in conntrack there (0 if it is not loaded).
conntrack_count()
{
	nsx "$1" cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0
}

# --- quiet machine -----------------------------------------------------------

# idle_above PCT: the VM's CPUs were at least PCT % idle over the next
# half second.
idle_above()
{
	local a b

	read -r -a a < /proc/stat
	sleep 0.5
	read -r -a b < /proc/stat
	awk -v pct="$1" -v a="${a[*]}" -v b="${b[*]}" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 2; i <= n; i++) t += y[i] - x[i]
		idle = (y[5] - x[5]) + (y[6] - x[6])
		exit !(t > 0 && idle * 100 >= pct * t) }'
}

# quiesce: before a measurement, let what the last one left behind (closing
# connections, namespaces being dismantled) finish: wait up to 2 s for a
# half second with the CPUs 75 % idle (this script's own polling and
# qemu's timer work keep them from ever being quite idle).
quiesce()
{
	local t0=$SECONDS

	if ! busywait 2000 idle_above 75; then
		detail "the VM was still busy before a measurement (at ${SECONDS}s)"
	fi
}

# --- measurements -------------------------------------------------------------
#
# Each prints "VALUE COST": the rate, and CPU 1's busy microseconds per unit
# (connection, MB, packet); or nothing if it failed.

# lbcpu_us: CPU 1's busy time so far (everything but idle and iowait), us.
lbcpu_us()
{
	awk -v cpu="cpu$LB_CPU" -v hz="$CLK_TCK" '$1 == cpu {
		printf "%.0f\n", ($2 + $3 + $4 + $7 + $8 + $9) * 1e6 / hz }' /proc/stat
}

# cpu_busy_us: "CPU0 CPU1" busy time so far, us.
cpu_busy_us()
{
	awk -v hz="$CLK_TCK" '$1 ~ /^cpu[01]$/ {
		printf "%.0f ", ($2 + $3 + $4 + $7 + $8 + $9) * 1e6 / hz } END { print "" }' /proc/stat
}

# bg_cpu: "ALL CPU0 CPU1": % of one CPU the VM keeps busy over the next 3 s
# with no traffic (the LB's timers and garbage collection, and the rest of
# the VM: qemu's emulated timer ticks alone cost some).
bg_cpu()
{
	local a0 a1 b0 b1

	read -r a0 a1 < <(cpu_busy_us)
	sleep 3
	read -r b0 b1 < <(cpu_busy_us)
	awk -v x=$((b0 - a0)) -v y=$((b1 - a1)) 'BEGIN {
		printf "%.1f %.1f %.1f\n", (x + y) / 3e4, x / 3e4, y / 3e4 }'
}

# cost US UNITS: US / UNITS, or nothing if there is no CPU split.
cost()
{
	[ "$STEER" = 1 ] || return 0
	awk -v us="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.2f", us / n }'
}

# m_conn KEY tcp|sctp: connections per second; CPU us per connection.
m_conn()
{
	local key=$1 out c0 c1 ok

	c0=$(lbcpu_us)
	out=$(nsx "${T_PEER[$key]}" "$FLOWGEN" connect -d $VIP -p $P_CONN -P "$2" \
		-c "$CONC" -T "$DUR" -j) || return 1
	c1=$(lbcpu_us)
	detail "$key $2 connect: $out"
	ok=$(jq .ok <<< "$out")
	[ "$ok" -gt 0 ] || return 1
	echo "$(jq .rate <<< "$out") $(cost $((c1 - c0)) "$ok")"
}

# m_tput KEY tcp|sctp: Mbit/s of one iperf3 stream; CPU us per MB.
m_tput()
{
	local key=$1 opt= c0 c1 mbps mb

	[ "$2" = sctp ] && opt=--sctp
	c0=$(lbcpu_us)
	if ! nsx "${T_PEER[$key]}" timeout $((DUR + 30)) iperf3 -c "$(iperf_target "$key")" \
			-p $P_IPERF $opt -t "$DUR" -J > "$tmp/iperf.json" 2>&1; then
		detail "$key $2 iperf3 failed: $(jq -r '.error // empty' "$tmp/iperf.json" 2>/dev/null)"
		return 1
	fi
	c1=$(lbcpu_us)
	read -r mbps mb < <(jq -r '(.end.sum_received // .end.sum) |
		"\(.bits_per_second / 1e6 * 10 | round / 10) \(.bytes / 1e6)"' "$tmp/iperf.json")
	echo "$mbps $(cost $((c1 - c0)) "$mb")"
}

# lb_counts KEY: "RX TX": packets lb's eth0 took in (with RPS: queued for
# CPU 1, not those a full backlog refused) and packets lb handed to the
# servers (what their eth0 received: veth counts what the other end's
# backlog took). Read through a process in lb's namespace: no exec.
lb_counts()
{
	awk '{ sub(/^ */, ""); sub(/:/, " ") }
		$1 == "eth0" { rx = $3 } $1 ~ /^srv[123]$/ { tx += $11 }
		END { print rx, tx }' "/proc/${T_LBPID[$1]}/net/dev"
}

# send_flows KEY ARGS...: "flowgen send" from the peer to the UDP VIP;
# prints its JSON.
send_flows()
{
	local key=$1 snd=()

	shift
	[ "$SENDER" = packet ] && snd=(-i eth0 -m "${T_MAC[$key]}")
	nsx "${T_PEER[$key]}" "$FLOWGEN" send -d $VIP -p $P_UDP -s $FLOW_SRC \
		-S $FLOW_SPORTS "${snd[@]}" -j "$@"
}

# m_udp KEY [SECS]: packets/s the servers get from a full-speed stream of
# the first $STREAM_FLOWS flows; CPU us per packet lb took in.
m_udp()
{
	local key=$1 secs=${2:-$DUR} r0 r1 t0 t1 c0 c1 out

	read -r r0 t0 < <(lb_counts "$key")
	c0=$(lbcpu_us)
	out=$(send_flows "$key" -n "$STREAM_FLOWS" -c 0 -T "$secs") || return 1
	# let CPU 1 finish its backlog (1000 packets at most)
	busywait 2000 udp_settled "$key" > /dev/null
	c1=$(lbcpu_us)
	read -r r1 t1 < <(lb_counts "$key")
	detail "$key udp stream: $out, lb took $((r1 - r0)), the servers $((t1 - t0))"
	[ $((t1 - t0)) -gt 0 ] || return 1
	echo "$(jq -r --argjson d $((t1 - t0)) '$d / .elapsed_s | round' <<< "$out") $(cost $((c1 - c0)) $((r1 - r0)))"
}

# udp_settled KEY: lb's counters do not move over 50 ms.
udp_settled()
{
	local a b

	a=$(lb_counts "$1")
	sleep 0.05
	b=$(lb_counts "$1")
	[ "$a" = "$b" ]
}

# --- slab and memory ---------------------------------------------------------

# slab_caches KEY: the slab caches of the LB's connection entries.
slab_caches()
{
	local c

	case $1 in
	ipvs) echo ip_vs_conn ;;
	lbnl)
		for c in /sys/kernel/slab/lbnl_*; do
			[ -e "$c" ] && echo "${c##*/}"
		done ;;
	esac
}

# slab_use CACHE...: "objects bytes" over the caches (bytes: whole slabs).
# /sys/kernel/slab also has the caches merged into another one (their
# numbers are then the merged cache's).
slab_use()
{
	local c objs slabs order o=0 b=0

	for c in "$@"; do
		[ -e "/sys/kernel/slab/$c" ] || continue
		read -r objs _ < "/sys/kernel/slab/$c/objects"
		read -r slabs _ < "/sys/kernel/slab/$c/slabs"
		read -r order < "/sys/kernel/slab/$c/order"
		o=$((o + objs))
		b=$((b + slabs * (4096 << order)))
	done
	echo "$o $b"
}

slab_merged()
{
	local c t

	for c in "$@"; do
		[ -L "/sys/kernel/slab/$c" ] || continue
		t=$(readlink "/sys/kernel/slab/$c")
		echo "$c is merged into slab cache ${t##*/} (its other users count too)"
	done
}

slab_below()
{
	local max=$1 o

	shift
	read -r o _ < <(slab_use "$@")
	[ "$o" -le "$max" ]
}

# wait_freed KEY OBJS: after its namespaces went (the kernel dismantles
# them in the background), wait up to 2 min for the LB's caches to hold at
# most OBJS objects.
wait_freed()
{
	local key=$1 t0=$SECONDS

	if busywait 120000 slab_below "$2" $(slab_caches "$key") > /dev/null; then
		note "$key: entries freed in $((SECONDS - t0)) s"
	else
		note "$key: entries still not freed 2 min after its namespaces went:" \
			"$(slab_use $(slab_caches "$key") | cut -d' ' -f1) objects"
	fi
}

memfree_kb()
{
	awk '$1 == "MemFree:" { print $2 }' /proc/meminfo
}

# --- phase 1: all topologies side by side -----------------------------------

# sample METRIC KEY: one measurement; appends the value and the cost to
# $tmp/METRIC.KEY and $tmp/METRIC_cost.KEY ("0" for a failure, so that
# samples stay paired by line number).
sample()
{
	local metric=$1 key=$2 v c

	quiesce
	case $metric in
	tcp_cps)   read -r v c < <(m_conn "$key" tcp) ;;
	sctp_aps)  read -r v c < <(m_conn "$key" sctp) ;;
	tcp_mbps)  read -r v c < <(m_tput "$key" tcp) ;;
	sctp_mbps) read -r v c < <(m_tput "$key" sctp) ;;
	udp_pps)   read -r v c < <(m_udp "$key") ;;
	rate1k | rate1m) read -r v c < <(m_udp "$key" "$STREAM_DUR") ;;
	esac
	echo "${v:-0}" >> "$tmp/$metric.$key"
	echo "${c:-0}" >> "$tmp/${metric}_cost.$key"
	note "$metric $key: ${v:-failed}${c:+ (LB CPU $c us/unit)}"
}

# summarize [-n] METRIC KEY...: means of the samples into RESULTS, and the
# lbnl/IPVS ratios of paired samples (not with -n: samples not paired).
summarize()
{
	local paired=1 metric key m v

	[ "$1" = -n ] && { paired=0; shift; }
	metric=$1
	shift
	for key in "$@"; do
		for m in "$metric" "${metric}_cost"; do
			[ -s "$tmp/$m.$key" ] &&
				result "$m" "$key" "$(awk '$1 > 0' "$tmp/$m.$key" | mean)"
		done
	done
	[ "$paired" = 1 ] || return 0
	for m in "$metric" "${metric}_cost"; do
		read -r v _ < <(ratios "$tmp/$m.ipvs" "$tmp/$m.lbnl")
		result "${m}_ratio" lbnl "$v"
	done
}

run_rates()
{
	local metric r key order

	for metric in $METRICS; do
		for r in $(seq "$ROUNDS"); do
			if [ $((r % 2)) -eq 1 ]; then order=$RUN_KEYS; else order=$RUN_KEYS_REV; fi
			for key in $order; do
				sample $metric "$key"
			done
		done
		summarize $metric $RUN_KEYS
	done
}

# --- phase 2: a big table, one LB at a time ---------------------------------

# run_table KEY: stream, fill, memory, stream.
run_table()
{
	local key=$1 caches o0 b0 o1 b1 m0 m1 e0 e1 t0 t1 out ct i m a b v v0 v1 r0 r1 x0 x1

	if ! topo_up "$key" || ! lb_config "$key"; then
		note "$key: setup for phase 2 failed"
		return 1
	fi
	caches=$(slab_caches "$key")
	# the stream's flows first
	send_flows "$key" -n "$STREAM_FLOWS" -c 1 > /dev/null || return 1
	busywait 5000 entries_at_least "$key" "$STREAM_FLOWS" > /dev/null
	note "$key: $(lb_entries "$key") entries"
	for i in $(seq "$SAMPLES"); do
		sample rate1k "$key"
	done
	quiesce
	read -r v v0 v1 < <(bg_cpu)
	note "$key: with no traffic, $(lb_entries "$key") entries: CPU $v % (CPU0 $v0 %, CPU1 $v1 %)"
	result bg_cpu_1k "$key" "$v"

	quiesce
	read -r r0 x0 < <(lb_counts "$key")
	e0=$(lb_entries "$key")
	read -r o0 b0 < <(slab_use $caches)
	m0=$(memfree_kb)
	# no RPS: lb works on the sender's CPU, in step with it, and no packet
	# is lost to a full backlog
	rps "${T_LB[$key]}" 0 eth0
	t0=$(date +%s%N)
	out=$(send_flows "$key" -o "$STREAM_FLOWS" -n $((FLOWS - STREAM_FLOWS)) -c 1 -T "$FILL_MAX_S")
	t1=$(date +%s%N)
	rps "${T_LB[$key]}" "$LB_MASK" eth0
	[ -n "$out" ] || { note "$key: fill failed"; return 1; }
	e1=$(lb_entries "$key")
	read -r r1 x1 < <(lb_counts "$key")
	read -r o1 b1 < <(slab_use $caches)
	m1=$(memfree_kb)
	ct=$(conntrack_count "${T_LB[$key]}")
	detail "$key fill: $out"
	note "$key: fill: $out; entries $e0 -> $e1; slab (${caches//$'\n'/ }) objects $o0 -> $o1," \
		"bytes $b0 -> $b1; MemFree -$(((m0 - m1) / 1024)) MiB; conntrack entries in lb: $ct;" \
		"lb took $((r1 - r0)) packets, handed $((x1 - x0)) to the servers"
	result fill_fps "$key" "$(awk -v n=$((e1 - e0)) -v t=$((t1 - t0)) 'BEGIN { if (t > 0 && n > 0) printf "%.0f", n * 1e9 / t }')"
	result entries "$key" "$e1"
	if [ $((e1 - e0)) -gt 0 ]; then
		[ -n "$caches" ] &&
			result slab_bytes_per_entry "$key" "$(awk -v b=$((b1 - b0)) -v n=$((e1 - e0)) 'BEGIN { printf "%.0f", b / n }')" &&
			result slab_mib "$key" "$(awk -v b="$b1" 'BEGIN { printf "%.1f", b / 1048576 }')"
		result memfree_bytes_per_entry "$key" "$(awk -v k=$((m0 - m1)) -v n=$((e1 - e0)) 'BEGIN { printf "%.0f", k * 1024 / n }')"
	fi
	[ -n "$caches" ] || note "$key: no slab cache of its entries found"
	slab_merged $caches | sed 's/^/# /'

	[ "$key" = lbnl ] &&
		note "lbnl drops: $(nsx "${T_LB[$key]}" "$LBNL" -j stats | jq -c '.global.drops')"
	note "$key: $(lb_entries "$key") entries"
	for i in $(seq "$SAMPLES"); do
		sample rate1m "$key"
	done
	quiesce
	read -r v v0 v1 < <(bg_cpu)
	note "$key: with no traffic, $(lb_entries "$key") entries: CPU $v % (CPU0 $v0 %, CPU1 $v1 %)"
	result bg_cpu_1m "$key" "$v"
	summarize -n rate1k "$key"
	summarize -n rate1m "$key"
	for m in rate1 rate1_cost; do
		a=$(get "${m/1/1k}" "$key")
		b=$(get "${m/1/1m}" "$key")
		result "flat${m#rate1}" "$key" "$(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0 && b > 0) printf "%.3f", b / a }')"
	done

	topo_down "$key"
	# the next LB's fill must not see these being freed (MemFree)
	wait_freed "$key" $((o0 + (o1 - o0) / 20))
}

# --- report -----------------------------------------------------------------

# row LABEL METRIC [TARGET]: IPVS, lbnl, lbnl/IPVS, ref.
row()
{
	local a b r f

	a=$(get "$2" ipvs)
	b=$(get "$2" lbnl)
	f=$(get "$2" ref)
	r=$(get "${2}_ratio" lbnl)
	[ -n "$r" ] || r=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0 && b != "") printf "%.3f", b / a }')
	printf '# %-38s %10s %10s %9s %10s  %s\n' "$1" "${a:-n/a}" "${b:-n/a}" "${r:-n/a}" \
		"${f:--}" "${3:-}"
}

spread()
{
	local r

	r=$(ratios "$tmp/$1.ipvs" "$tmp/$1.lbnl")
	[ -n "$r" ] && echo "$r" | awk -v m="$1" '{ printf "%s %s..%s", m, $2, $3 }'
}

report()
{
	local k m s=

	echo "#"
	say "lbnl vs IPVS ($IPVS_SCHED${IPVS_FLAGS:+ ${IPVS_FLAGS#-b }}), mode $MODE, IPv4, $ROUNDS rounds of $DUR s,"
	say "in qemu TCG (no KVM) on a shared machine: absolute numbers are only there to read the ratios by."
	say "lbnl/IPVS: median over rounds of the ratio of samples taken one after the other (phase 1)."
	say "LB CPU: busy time of the vCPU that does nothing but lb's forwarding."
	[ "$REF" = 1 ] && say "ref: no LB, plain routing (ECMP) through lb."
	printf '# %-38s %10s %10s %9s %10s  %s\n' "metric (TCG)" IPVS lbnl lbnl/IPVS ref target
	row "TCP connections/s (c=$CONC)" tcp_cps ">= 1.3"
	row "  LB CPU us per connection" tcp_cps_cost "lower is better"
	row "SCTP associations/s (c=$CONC)" sctp_aps
	row "  LB CPU us per association" sctp_aps_cost "lower is better"
	row "TCP throughput Mbit/s (iperf3)" tcp_mbps ">= 1.0"
	row "  LB CPU us per MB" tcp_mbps_cost "lower is better"
	row "SCTP throughput Mbit/s (iperf3)" sctp_mbps ">= 1.0"
	row "  LB CPU us per MB" sctp_mbps_cost "lower is better"
	row "UDP packets/s ($STREAM_FLOWS flows)" udp_pps
	row "  LB CPU us per packet" udp_pps_cost "lower is better"
	row "UDP new flows/s (fill, no RPS)" fill_fps
	row "entries after the fill" entries
	row "slab bytes per entry" slab_bytes_per_entry "lower is better"
	row "slab MiB, all the entries" slab_mib "lower is better"
	row "MemFree drop per entry (bytes)" memfree_bytes_per_entry "lower is better"
	row "UDP pps, $STREAM_FLOWS entries" rate1k
	row "UDP pps, $FLOWS entries" rate1m
	row "  pps ratio, $FLOWS/$STREAM_FLOWS entries" flat "~1.0"
	row "LB CPU us/packet, $STREAM_FLOWS entries" rate1k_cost
	row "LB CPU us/packet, $FLOWS entries" rate1m_cost
	row "  cost ratio, $FLOWS/$STREAM_FLOWS entries" flat_cost "~1.0 (flat)"
	row "VM CPU %, no traffic, $STREAM_FLOWS entries" bg_cpu_1k "timers, GC, qemu ticks"
	row "VM CPU %, no traffic, $FLOWS entries" bg_cpu_1m "timers, GC, qemu ticks"
	echo "#"
	for m in tcp_cps sctp_aps tcp_mbps sctp_mbps udp_pps tcp_cps_cost sctp_aps_cost udp_pps_cost; do
		s+="${s:+, }$(spread $m)"
	done
	[ -n "$(get tcp_cps_ratio lbnl)" ] && say "lbnl/IPVS ranges over the rounds: $s"
	say "IPVS conn table: 2^$(cat /sys/module/ip_vs/parameters/conn_tab_bits 2>/dev/null || echo '?') buckets" \
		"(preallocated: not in the per-entry numbers); sender: $SENDER;" \
		"CPU split: $([ "$STEER" = 1 ] && echo "apps on CPU $APP_CPU, lb on CPU $LB_CPU" || echo no)"
	for k in $LBS ref; do
		[ "$k" = ref ] && [ "$REF" != 1 ] && continue
		[ "${LB_OK[$k]}" = 1 ] || say "$k: not measured: ${LB_WHY[$k]}"
	done
	if [ -s "$tmp/details" ]; then
		say "details:"
		sed 's/^/#   /' "$tmp/details"
	fi
	json=$(jq -Rn --arg mode "$MODE" --arg sched "$IPVS_SCHED" '
		[inputs | split(" ") | {(.[0]): {(.[1]): (.[2] | tonumber? // .)}}]
		| reduce .[] as $x ({mode: $mode, ipvs_sched: $sched}; . * $x)' < "$RESULTS")
	say "results: $(jq -c . <<< "$json")"
	[ -z "${BENCH_JSON:-}" ] || echo "$json" > "$BENCH_JSON"
}

# --- main -------------------------------------------------------------------

# The CPU split (see the top): this script and all it starts on CPU 0.
STEER=0 APP_CPU=0 LB_CPU=0 LB_MASK=0 APP_MASK=0
CLK_TCK=$(getconf CLK_TCK)
if [ "$(nproc)" -ge 2 ] && command -v taskset > /dev/null &&
		taskset -pc $APP_CPU $$ > /dev/null; then
	STEER=1 LB_CPU=1 LB_MASK=2 APP_MASK=1
fi

for key in $LBS; do
	case $key in
	ipvs)
		if ipvs_prepare; then LB_OK[ipvs]=1; else LB_WHY[ipvs]="ip_vs does not load"; fi ;;
	lbnl)
		lbnl_prepare && LB_OK[lbnl]=1 ;;
	*) echo "SKIP: LBS: unknown '$key' (ipvs, lbnl)"; exit $ksft_skip ;;
	esac
done
defer ipvs_cleanup

# Phase 1: every topology up; a side whose setup or first connections fail
# is left out.
RUN_KEYS=
keys=$LBS
[ "$REF" = 1 ] && { keys+=" ref"; LB_OK[ref]=1; }
for key in $keys; do
	[ "${LB_OK[$key]}" = 1 ] || continue
	if ! topo_up "$key"; then
		LB_OK[$key]=0 LB_WHY[$key]="topology setup failed: $(tail -n3 "$tmp/$key.err" 2>/dev/null)"
	elif ! out=$(lb_config "$key" 2>&1); then
		LB_OK[$key]=0 LB_WHY[$key]="configuration failed: $out"
	elif ! out=$(nsx "${T_PEER[$key]}" "$FLOWGEN" connect -d $VIP -p $P_CONN \
			-c 1 -n 3 -t 3000 -T 10 -j -v 2>&1) ||
			[ "$(grep '^{' <<< "$out" | jq .ok)" != 3 ]; then
		LB_OK[$key]=0 LB_WHY[$key]="no TCP connection through the VIP: $out"
	fi
	if [ "${LB_OK[$key]}" = 1 ]; then
		RUN_KEYS+="$key "
	else
		topo_down "$key"
	fi
done
if [ -z "${RUN_KEYS/ref /}" ]; then
	for key in $keys; do note "$key: ${LB_WHY[$key]:-ok}"; done
	echo "SKIP: no load balancer works here"
	exit $ksft_skip
fi
RUN_KEYS_REV=$(printf '%s\n' $RUN_KEYS | tac | tr '\n' ' ')
# warm-up, not measured: the first connections after a set-up are slow
for key in $RUN_KEYS; do
	nsx "${T_PEER[$key]}" "$FLOWGEN" connect -d $VIP -p $P_CONN -c "$CONC" -T 1 > /dev/null
done
note "measuring $RUN_KEYS(mode $MODE, IPVS scheduler $IPVS_SCHED)"
run_rates
for key in $RUN_KEYS; do
	topo_down "$key"
done

# Phase 2: one LB at a time.
for key in $RUN_KEYS; do
	[ "$key" = ref ] || [ "$TABLE" != 1 ] && continue
	run_table "$key" || topo_down "$key"
done

report
for key in $LBS; do
	if [ "${LB_OK[$key]}" = 1 ]; then
		RET=0
	else
		RET=$ksft_skip retmsg=${LB_WHY[$key]}
	fi
	log_test "bench_dataplane: $key"
done
# A benchmark, not a test: 0 whatever the numbers.
ksft_exit
