#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (make bench): what routable SCTP tags cost (README, "The LB
# tier"), with and without them in one VM run, one topology:
#
#	peer ---- lb (lbnl: VIP 192.0.2.1, mode $MODE) ---- srv1, srv2, srv3
#
#	sctp/80   -> srv1..3, tag-id 1..3: "flowgen serve" answers each
#	             association at once and closes it
#	sctp/5201 -> srv1 (tag-id 1), tcp/5201 -> srv1: iperf3 (its control
#	             connection is TCP)
#
# Two settings, switched in place (no rebuild), round by round:
#   off  no key on the LB, none on the servers ("lbnl tag del", "lbnl tag
#        del server"); the dests keep their tag-id (without a key the LB
#        never looks at it);
#   on   one key ("lbnl tag genkey") on the LB ("lbnl tag set key-file K")
#        and on each server's namespace with its id ("... server-id I"):
#        the servers' SCTP stacks choose tags naming them (lbnl_srv's
#        kretprobe), the LB decodes the tag of a packet without an entry.
# Each round measures both, back to back, in alternating order (off on,
# then on off, ...); an on/off ratio is the median over $ROUNDS rounds of
# the ratios of such pairs, so that a drift of the machine's speed (other
# VMs on the host) cancels out. Measured:
#  1. SCTP associations/s: "flowgen connect -P sctp", $CONC at a time for
#     $DUR s (INIT .. SHUTDOWN-COMPLETE, a 64-byte request and answer); and
#     the LB's CPU per association. With tags on, the servers' "tag show"
#     counter "chosen" must grow (2 per incoming association): checked and
#     said below the table.
#  2. per-packet CPU on the LB:
#     (a) established associations' data: one iperf3 --sctp stream, $DUR s
#         (Mbit/s; LB CPU per MB and per packet, both directions counted);
#     (b) the path tags change: SCTP packets that find no entry. With
#         tags, the LB decodes the tag and sends the packet to the dest of
#         that id; without, Maglev schedules it; either way it creates an
#         entry (a pickup). Measured with crafted DATA packets: "flowgen
#         send -t sctp-data -g TAGS", $NE_FLOWS flows (source address and
#         port) of one packet each at $NE_PPS packets/s, their tags chosen
#         under the key for ids 1..3 ("test_tag encode"), the table flushed
#         before each sample ("lbnl conn flush"): the same packets in both
#         settings, only the LB's key differs. LB CPU per packet the LB
#         took in; it includes the server's ABORT (an association it does
#         not know) coming back through the LB. With tags on, the LB's
#         "tag show" counter "routed" must grow by one per packet: checked.
#         Not measured with real associations (many standing associations,
#         a flush, each one's next packet): without tags two thirds of them
#         would land on a server that does not know them and be aborted,
#         so the two settings would not handle the same packets (ABORTs
#         and retransmissions on one side) and every off round would have
#         to set its associations up again; with tags nothing of that
#         happens, which lb_restart.sh checks.
#  3. time from module load to serving a restored configuration: "lbnl
#     save" of $RVIPS SCTP VIPs x $RDESTS dests (with tag ids) plus the
#     VIPs above; then $RELOADS times: rmmod lbnl; insmod $LBNL_KO, "lbnl
#     tag set key-file K", "lbnl restore" of the save, then short SCTP
#     connects ("flowgen connect -n 1", 500 ms each) until one completes
#     through the VIP: ms from the insmod to that association's end, and
#     each step's ms; medians. The module is loaded again at the end,
#     whatever happens (the suite runner unloads it and checks the log).
#
# LB CPU: the two vCPUs are split as bench_dataplane.sh does: this script
# and every process it starts run on CPU 0, and RPS hands every packet lb
# receives to CPU 1, so CPU 1's busy time (/proc/stat) is the LB's
# forwarding cost.
#
# Everything runs under qemu TCG (no KVM) on a shared machine: absolute
# numbers only serve to read the ratios by. The rounds' ratios are printed
# as a range beside each median: on a busy 2-core host they spread from
# about 0.5 to 2 (the first runs), so one run tells tens of percent, not
# the 5 % of "no regression over 5 %"; "noisy" in the table says so.
#
# Environment: MODE (nat|tun, default nat), DUR (3), ROUNDS (8), CONC
# (32), NE_FLOWS (40000), NE_PPS (20000), RVIPS (100), RDESTS (8), RELOADS
# (3), METRICS ("sctp_aps sctp_mbps noentry"), RESTORE (1: run part 3),
# BENCH_JSON (also write the results there, as JSON). (The VM does not
# pass the environment on: under "make bench" the defaults apply.)
#
# Not a test: exits 0 whatever the numbers (4 if it cannot run at all).

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"

MODE=${MODE:-nat}
DUR=${DUR:-3}
ROUNDS=${ROUNDS:-8}
CONC=${CONC:-32}
NE_FLOWS=${NE_FLOWS:-40000}
NE_PPS=${NE_PPS:-20000}
RVIPS=${RVIPS:-100}
RDESTS=${RDESTS:-8}
RELOADS=${RELOADS:-3}
METRICS=${METRICS:-sctp_aps sctp_mbps noentry}
RESTORE=${RESTORE:-1}
LBNL=${LBNL:-$dir/../tools/lbnl/lbnl}
LBNL_KO=${LBNL_KO:-$dir/../kmod/lb/lbnl.ko}
FLOWGEN=$dir/flowgen
TAGTOOL=${TAGTOOL:-$dir/../tools/tests/test_tag}

VIP=192.0.2.1
P_CONN=80
P_IPERF=5201
# the sources of the crafted packets: 64 addresses x 16000 ports
FLOW_SRC=198.51.100.128/26
FLOW_SPORTS=10000-25999
FLOW_CAP=1024000

case $MODE in
nat | tun) ;;
*) echo "SKIP: MODE must be nat or tun"; exit $ksft_skip ;;
esac
[ "$NE_FLOWS" -le 60000 ] ||
	{ echo "SKIP: NE_FLOWS above 60000 (net.lbnl.unconfirmed_max is 65536)"; exit $ksft_skip; }

require_cmd jq iperf3 ss nsenter taskset
for p in "$FLOWGEN" "$TAGTOOL" "$LBNL"; do
	[ -x "$p" ] || { echo "SKIP: $p not built (make)"; exit $ksft_skip; }
done
require_module sctp
[ "$MODE" = tun ] && require_module ipip
[ -d /sys/module/lbnl ] || { echo "SKIP: lbnl.ko is not loaded"; exit $ksft_skip; }
[ -d /sys/module/lbnl_srv ] ||
	{ echo "SKIP: lbnl_srv.ko is not loaded (the servers' tags)"; exit $ksft_skip; }

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

get()
{
	awk -v m="$1" -v k="$2" '$1 == m && $2 == k { v = $3 }
		END { if (v != "") print v }' "$RESULTS"
}

# median < numbers
median()
{
	sort -g | awk '{ v[NR] = $1 } END { if (NR)
		printf "%.3f\n", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 }'
}

# ratios FILE_A FILE_B: "median min max" of B[i]/A[i] (line by line).
ratios()
{
	[ -s "$1" ] && [ -s "$2" ] || return 0
	paste "$1" "$2" | awk 'NF == 2 && $1 > 0 && $2 > 0 { print $2 / $1 }' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR)
			printf "%.3f %.3f %.3f\n", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2, v[1], v[NR] }'
}

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# nsn NS CMD...: CMD in NS's network namespace only (cheaper than "ip netns
# exec" under TCG).
nsn()
{
	local ns=$1

	shift
	nsenter --net="/run/netns/$ns" "$@"
}

lb()
{
	nsn "$NS_LB" "$LBNL" "$@"
}

# --- the CPU split ------------------------------------------------------------

STEER=0 LB_CPU=0 LB_MASK=0 APP_MASK=0
CLK_TCK=$(getconf CLK_TCK)
if [ "$(nproc)" -ge 2 ] && taskset -pc 0 $$ > /dev/null; then
	STEER=1 LB_CPU=1 LB_MASK=2 APP_MASK=1
fi

rps()
{
	local ns=$1 mask=$2 dev cmd=

	[ "$STEER" = 1 ] || return 0
	shift 2
	for dev in "$@"; do
		cmd+="echo $mask > /sys/class/net/$dev/queues/rx-0/rps_cpus && "
	done
	# ip netns exec: its own /sys (nsenter --net keeps the caller's)
	ip netns exec "$ns" sh -c "${cmd}:"
}

lbcpu_us()
{
	awk -v cpu="cpu$LB_CPU" -v hz="$CLK_TCK" '$1 == cpu {
		printf "%.0f\n", ($2 + $3 + $4 + $7 + $8 + $9) * 1e6 / hz }' /proc/stat
}

# cost US UNITS: US / UNITS, or nothing without the CPU split.
cost()
{
	[ "$STEER" = 1 ] || return 0
	awk -v us="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.2f", us / n }'
}

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

quiesce()
{
	busywait 2000 idle_above 75 > /dev/null ||
		detail "the VM was still busy before a measurement (at ${SECONDS}s)"
}

# lb_counts: "RX_PEER RX_ALL": packets lb's eth0 took in, and those plus
# what came from the servers (every packet CPU 1 handles). Read through a
# process in lb's namespace.
lb_counts()
{
	awk '{ sub(/^ */, ""); sub(/:/, " ") }
		$1 == "eth0" { rx = $3 } $1 ~ /^srv[123]$/ { s += $3 }
		END { print rx, rx + s }' "/proc/$LBPID/net/dev"
}

settled()
{
	local a b

	a=$(lb_counts)
	sleep 0.05
	b=$(lb_counts)
	[ "$a" = "$b" ]
}

# --- topology and configuration ---------------------------------------------

iperf_bind()
{
	if [ "$MODE" = tun ]; then echo $VIP; else echo $SRV1_IP4; fi
}

iperf_listening()
{
	nsn "$1" ss -Hltn "sport = :$P_IPERF" | grep -q .
}

# service_config: the VIPs of parts 1 and 2, as "lbnl restore" lines.
service_config()
{
	local i

	echo "vip add $VIP:$P_CONN proto sctp mode $MODE"
	for i in 1 2 3; do
		echo "dest add $VIP:$P_CONN proto sctp 203.0.113.1$i:$P_CONN weight 1 tag-id $i"
	done
	echo "vip add $VIP:$P_IPERF proto sctp mode $MODE"
	echo "dest add $VIP:$P_IPERF proto sctp $SRV1_IP4:$P_IPERF tag-id 1"
	echo "vip add $VIP:$P_IPERF proto tcp mode $MODE"
	echo "dest add $VIP:$P_IPERF proto tcp $SRV1_IP4:$P_IPERF"
}

topo_up()
{
	local i ns b

	topo_lb3 || return 1
	# a process in lb's namespace, to read its /proc/PID/net
	ip netns exec "$NS_LB" sleep 100000 &
	LBPID=$!
	defer kill $LBPID
	ip -n "$NS_PEER" route add local $FLOW_SRC dev lo || return 1
	nsn "$NS_PEER" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" || return 1
	LB_MAC=$(ip -n "$NS_LB" -j link show eth0 | jq -r '.[0].address')
	rps "$NS_LB" $LB_MASK eth0 srv1 srv2 srv3 && rps "$NS_PEER" $APP_MASK eth0 || return 1
	if [ "$MODE" = tun ]; then
		ip -n "$NS_LB" -batch - <<-EOF || return 1
			link set srv1 mtu 1600
			link set srv2 mtu 1600
			link set srv3 mtu 1600
			link set br0 mtu 1600
		EOF
	fi
	for i in 1 2 3; do
		ns=${NS_SRVS[i - 1]}
		rps "$ns" $APP_MASK eth0 || return 1
		b=203.0.113.1$i
		if [ "$MODE" = tun ]; then
			b=$VIP
			ip -n "$ns" -batch - <<-EOF || return 1
				addr add $VIP/32 dev lo
				link set eth0 mtu 1600
				link set tunl0 up
			EOF
			nsn "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
				net.ipv4.conf.tunl0.rp_filter=0 || return 1
		fi
		ip netns exec "$ns" "$FLOWGEN" serve -p $P_CONN -P sctp -b $b \
			-w "$tmp/serve.$i" > /dev/null 2>> "$tmp/bg.err" &
		defer kill $!
	done
	ip netns exec "${NS_SRVS[0]}" iperf3 -s -B "$(iperf_bind)" -p $P_IPERF \
		> /dev/null 2>> "$tmp/bg.err" &
	defer kill $!
	for i in 1 2 3; do
		busywait 10000 test -e "$tmp/serve.$i" || return 1
	done
	busywait 10000 iperf_listening "${NS_SRVS[0]}"
}

# --- the two settings ----------------------------------------------------------

SETTING=
# tags on|off: switch in place.
tags()
{
	local i

	[ "$SETTING" = "$1" ] && return 0
	if [ "$1" = on ]; then
		lb tag set key-file "$tmp/tag.key" || return 1
		for i in 1 2 3; do
			nsn "${NS_SRVS[i - 1]}" "$LBNL" tag set key-file "$tmp/tag.key" \
				server-id $i || return 1
		done
	else
		lb tag del || return 1
		for i in 1 2 3; do
			nsn "${NS_SRVS[i - 1]}" "$LBNL" tag del server || return 1
		done
	fi
	SETTING=$1
}

# chosen: the tags the servers' hooks chose so far, all three ("missed"
# ones too, as "chosen+missed" in $tmp/missed).
chosen()
{
	local i s c=0 m=0

	for i in 1 2 3; do
		s=$(nsn "${NS_SRVS[i - 1]}" "$LBNL" -j tag show | jq -c '.server')
		c=$((c + $(jq '.chosen // 0' <<< "$s")))
		m=$((m + $(jq '.missed // 0' <<< "$s")))
	done
	echo "$c $m"
}

routed()
{
	lb -j tag show | jq '.lb.routed // 0'
}

# --- measurements: each prints "VALUE COST [COST2]", or nothing ----------------

m_aps()
{
	local out c0 c1 ok k0 k1 m0 m1

	[ "$SETTING" = on ] && read -r k0 m0 < <(chosen)
	c0=$(lbcpu_us)
	out=$(nsn "$NS_PEER" "$FLOWGEN" connect -d $VIP -p $P_CONN -P sctp \
		-c "$CONC" -T "$DUR" -j) || return 1
	c1=$(lbcpu_us)
	ok=$(jq .ok <<< "$out")
	detail "$SETTING sctp connect: $out"
	[ "$ok" -gt 0 ] || return 1
	if [ "$SETTING" = on ]; then
		read -r k1 m1 < <(chosen)
		echo "$ok $((k1 - k0)) $((m1 - m0))" >> "$tmp/chosen"
	fi
	echo "$(jq .rate <<< "$out") $(cost $((c1 - c0)) "$ok")"
}

m_tput()
{
	local c0 c1 p0 p1 mbps mb

	read -r _ p0 < <(lb_counts)
	c0=$(lbcpu_us)
	if ! nsn "$NS_PEER" timeout $((DUR + 30)) iperf3 -c $VIP -p $P_IPERF --sctp \
			-t "$DUR" -J > "$tmp/iperf.json" 2>&1; then
		detail "$SETTING iperf3 --sctp failed: $(jq -r '.error // empty' "$tmp/iperf.json" 2>/dev/null)"
		return 1
	fi
	busywait 2000 settled > /dev/null
	c1=$(lbcpu_us)
	read -r _ p1 < <(lb_counts)
	read -r mbps mb < <(jq -r '(.end.sum_received // .end.sum) |
		"\(.bits_per_second / 1e6 * 10 | round / 10) \(.bytes / 1e6)"' "$tmp/iperf.json")
	echo "$mbps $(cost $((c1 - c0)) "$mb") $(cost $((c1 - c0)) $((p1 - p0)))"
}

NE_SAMPLE=0
m_noentry()
{
	local off out c0 c1 r0 r1 a0 a1 t0 t1 n

	lb conn flush > /dev/null || return 1
	off=$(((NE_SAMPLE * NE_FLOWS) % (FLOW_CAP - NE_FLOWS)))
	NE_SAMPLE=$((NE_SAMPLE + 1))
	quiesce
	[ "$SETTING" = on ] && t0=$(routed)
	read -r r0 a0 < <(lb_counts)
	c0=$(lbcpu_us)
	out=$(nsn "$NS_PEER" "$FLOWGEN" send -d $VIP -p $P_CONN -t sctp-data \
		-g "$tmp/tags" -s $FLOW_SRC -S $FLOW_SPORTS -o "$off" \
		-n "$NE_FLOWS" -c 1 -r "$NE_PPS" -i eth0 -m "$LB_MAC" -j) || return 1
	busywait 3000 settled > /dev/null
	c1=$(lbcpu_us)
	read -r r1 a1 < <(lb_counts)
	n=$((r1 - r0))
	detail "$SETTING entry-less: $out; lb took $n from the peer, $((a1 - a0)) in all"
	if [ "$SETTING" = on ]; then
		t1=$(routed)
		echo "$n $((t1 - t0))" >> "$tmp/routed"
	fi
	[ "$n" -gt 0 ] || return 1
	echo "$(jq -r .pps <<< "$out") $(cost $((c1 - c0)) $n)"
}

# sample METRIC SETTING: appends value and costs to $tmp/METRIC*.SETTING
# ("0" for a failure: samples stay paired by line).
sample()
{
	local metric=$1 v c c2

	if ! tags "$2"; then
		note "cannot switch tags $2"
		return 1
	fi
	[ "$metric" = noentry ] || quiesce
	case $metric in
	sctp_aps)  read -r v c < <(m_aps) ;;
	sctp_mbps) read -r v c c2 < <(m_tput) ;;
	noentry)   read -r v c < <(m_noentry) ;;
	esac
	echo "${v:-0}" >> "$tmp/$metric.$2"
	echo "${c:-0}" >> "$tmp/${metric}_cost.$2"
	[ "$metric" = sctp_mbps ] && echo "${c2:-0}" >> "$tmp/${metric}_pcost.$2"
	note "$metric tags $2: ${v:-failed}${c:+ (LB CPU $c us/unit${c2:+, $c2 us/packet})}"
}

summarize()
{
	local metric=$1 m k v

	for m in "$metric" "${metric}_cost" "${metric}_pcost"; do
		for k in off on; do
			[ -s "$tmp/$m.$k" ] &&
				result "$m" "$k" "$(awk '$1 > 0' "$tmp/$m.$k" | median)"
		done
		read -r v lo hi < <(ratios "$tmp/$m.off" "$tmp/$m.on")
		result "${m}_ratio" on "$v"
		result "${m}_lo" on "$lo"
		result "${m}_hi" on "$hi"
	done
}

run_rounds()
{
	local metric r order s

	for metric in $METRICS; do
		for r in $(seq "$ROUNDS"); do
			if [ $((r % 2)) -eq 1 ]; then order="off on"; else order="on off"; fi
			for s in $order; do
				sample "$metric" "$s"
			done
		done
		summarize "$metric"
	done
}

# --- part 3: module load to serving a restored configuration ------------------

big_config()
{
	local v d

	service_config
	for v in $(seq "$RVIPS"); do
		echo "vip add 192.0.2.$((v + 9)):3868 proto sctp mode $MODE"
		for d in $(seq "$RDESTS"); do
			echo "dest add 192.0.2.$((v + 9)):3868 proto sctp 203.0.113.$((d + 20)) tag-id $d"
		done
	done
}

ensure_loaded()
{
	[ -d /sys/module/lbnl ] || insmod "$LBNL_KO"
}

rmmod_lbnl()
{
	local end=$((SECONDS + 10))

	until rmmod lbnl 2> "$tmp/rmmod.err"; do
		if [ "$SECONDS" -ge "$end" ]; then
			note "rmmod lbnl: $(cat "$tmp/rmmod.err")"
			return 1
		fi
		sleep 0.1
	done
}

# one_assoc: one short SCTP association through the VIP (500 ms at most);
# its own duration in ASSOC_MS. No jq: part 3 times it.
one_assoc()
{
	local out

	out=$(nsn "$NS_PEER" "$FLOWGEN" connect -d $VIP -p $P_CONN -P sctp \
		-c 1 -n 1 -t 500 -j 2> /dev/null)
	ASSOC_MS=${out##*\"avg_ms\": }
	ASSOC_MS=${ASSOC_MS%\}}
	[[ $out == '{"ok": 1,'* ]]
}

# us: microseconds now, without a fork
us()
{
	echo "${EPOCHREALTIME/./}"
}

run_restore()
{
	local i t0 t1 t2 t3 t4 tries n a

	{ echo flush; big_config; } | lb restore || { note "restore of the big configuration failed"; return 1; }
	lb save > "$tmp/lb.save" || return 1
	n=$(grep -c '^vip add' "$tmp/lb.save")
	note "saved: $n VIPs, $(grep -c '^dest add' "$tmp/lb.save") dests"
	result restore_vips all "$n"
	result restore_dests all "$(grep -c '^dest add' "$tmp/lb.save")"
	# the same connect on a configured LB: what a first association costs
	# anyway (processes started under TCG, the association itself)
	lb tag set key-file "$tmp/tag.key" || return 1
	for i in 1 2 3; do
		t0=$(us)
		one_assoc || continue
		t1=$(us)
		echo $(((t1 - t0) / 1000)) >> "$tmp/r_ref"
		echo "$ASSOC_MS" >> "$tmp/r_refown"
	done
	defer ensure_loaded
	for i in $(seq "$RELOADS"); do
		rmmod_lbnl || return 1
		t0=$(us)
		insmod "$LBNL_KO" || { note "insmod $LBNL_KO failed"; return 1; }
		t1=$(us)
		lb tag set key-file "$tmp/tag.key" || { note "tag set after the reload failed"; return 1; }
		t2=$(us)
		lb restore < "$tmp/lb.save" || { note "restore after the reload failed"; return 1; }
		t3=$(us)
		tries=1
		until one_assoc; do
			tries=$((tries + 1))
			if [ $(($(us) - t0)) -gt 30000000 ]; then
				note "no association through the VIP 30 s after the insmod"
				return 1
			fi
		done
		t4=$(us)
		echo $(((t1 - t0) / 1000)) >> "$tmp/r_insmod"
		echo $(((t2 - t1) / 1000)) >> "$tmp/r_tagset"
		echo $(((t3 - t2) / 1000)) >> "$tmp/r_restore"
		echo $(((t4 - t3) / 1000)) >> "$tmp/r_assoc"
		echo $(((t4 - t0) / 1000)) >> "$tmp/r_total"
		note "reload $i: insmod $(((t1 - t0) / 1000)) ms, tag set $(((t2 - t1) / 1000)) ms," \
			"restore $(((t3 - t2) / 1000)) ms, first association $(((t4 - t3) / 1000)) ms" \
			"($tries attempt(s), the last one ${ASSOC_MS} ms itself): $(((t4 - t0) / 1000)) ms"
	done
	for i in insmod tagset restore assoc total ref refown; do
		[ -s "$tmp/r_$i" ] || continue
		result "restore_$i" all "$(median < "$tmp/r_$i" | cut -d. -f1)"
		result "restore_${i}_range" all "$(sort -n "$tmp/r_$i" | sed -n '1p;$p' | paste -sd-)"
	done
	lb save | diff -q - "$tmp/lb.save" > /dev/null ||
		detail "the configuration after the last reload differs from the save"
}

# --- report -------------------------------------------------------------------

# verdict RATIO higher|lower LO HI: the median against "no regression over
# 5 %"; "noisy" when the rounds' ratios spread over more than 0.2.
verdict()
{
	[ -n "$1" ] && [ -n "$2" ] || return 0
	awk -v r="$1" -v dir="$2" -v lo="$3" -v hi="$4" 'BEGIN {
		bad = dir == "higher" ? r < 0.95 : r > 1.05
		noisy = hi - lo > 0.2
		printf "%s%s\n", (bad ? "over 5 % worse" : "within 5 %"),
			(noisy ? " (noisy)" : "") }'
}

row()
{
	local label=$1 m=$2 better=$3 a b r lo hi

	a=$(get "$m" off)
	b=$(get "$m" on)
	r=$(get "${m}_ratio" on)
	lo=$(get "${m}_lo" on)
	hi=$(get "${m}_hi" on)
	printf '# %-42s %9s %9s %6s %-13s %s\n' "$label" "${a:-n/a}" "${b:-n/a}" \
		"${r:-n/a}" "${lo:+($lo-$hi)}" "$(verdict "$r" "$better" "$lo" "$hi")"
}

report()
{
	local c k m n t json

	echo "#"
	say "routable SCTP tags off/on, mode $MODE, IPv4, $ROUNDS rounds of $DUR s, qemu TCG (no KVM):"
	say "on/off: median over rounds of the ratio of samples taken one after the other (range)."
	say "LB CPU: busy time of the vCPU that does nothing but lb's forwarding$([ "$STEER" = 1 ] || echo " (NO CPU SPLIT: not measured)")."
	printf '# %-42s %9s %9s %6s %-13s %s\n' "metric (TCG)" "tags off" "tags on" on/off range "(no regression over 5 %)"
	row "SCTP associations/s (c=$CONC)" sctp_aps higher
	row "  LB CPU us per association" sctp_aps_cost lower
	row "SCTP throughput Mbit/s (iperf3)" sctp_mbps higher
	row "  LB CPU us per MB" sctp_mbps_cost lower
	row "  LB CPU us per packet (both ways)" sctp_mbps_pcost lower
	row "entry-less SCTP packets: LB CPU us/packet" noentry_cost lower
	row "  (packets/s sent, rate-limited)" noentry
	if [ -s "$tmp/r_total" ]; then
		say "module load to serving a restored configuration ($(get restore_vips all) VIPs," \
			"$(get restore_dests all) dests; median of $(wc -l < "$tmp/r_total") reloads, ms, range):"
		printf '# %-42s %9s %s\n' "  insmod" "$(get restore_insmod all)" "($(get restore_insmod_range all))"
		printf '# %-42s %9s %s\n' "  lbnl tag set" "$(get restore_tagset all)" "($(get restore_tagset_range all))"
		printf '# %-42s %9s %s\n' "  lbnl restore" "$(get restore_restore all)" "($(get restore_restore_range all))"
		printf '# %-42s %9s %s\n' "  first SCTP association through the VIP" "$(get restore_assoc all)" "($(get restore_assoc_range all))"
		printf '# %-42s %9s %s\n' "  total, insmod to first association" "$(get restore_total all)" "($(get restore_total_range all))"
		printf '# %-42s %9s %s\n' "  (the same connect, LB configured)" "$(get restore_ref all)" "($(get restore_ref_range all); the association itself $(get restore_refown all) ms)"
	fi
	echo "#"
	if [ -s "$tmp/chosen" ]; then
		read -r c m n < <(awk '{ a += $1; c += $2; m += $3 } END { print c, m, a }' "$tmp/chosen")
		say "tags on: the servers chose $c tags for $n associations ($(awk -v c="$c" -v n="$n" 'BEGIN { if (n) printf "%.2f", c / n }') each; 2 expected), missed $m"
		result tags_chosen_per_assoc on "$(awk -v c="$c" -v n="$n" 'BEGIN { if (n) printf "%.3f", c / n }')"
	fi
	if [ -s "$tmp/routed" ]; then
		read -r n t < <(awk '{ n += $1; t += $2 } END { print n, t }' "$tmp/routed")
		say "tags on: the LB routed $t of the $n entry-less packets it took in by their tag"
		result tags_routed_share on "$(awk -v t="$t" -v n="$n" 'BEGIN { if (n) printf "%.3f", t / n }')"
	fi
	if [ -s "$tmp/details" ]; then
		say "details:"
		sed 's/^/#   /' "$tmp/details"
	fi
	json=$(jq -Rn --arg mode "$MODE" --argjson rounds "$ROUNDS" --argjson dur "$DUR" '
		[inputs | split(" ") | {(.[0]): {(.[1]): (.[2] | tonumber? // .)}}]
		| reduce .[] as $x ({mode: $mode, rounds: $rounds, dur_s: $dur}; . * $x)' < "$RESULTS")
	say "results: $(jq -c . <<< "$json")"
	[ -z "${BENCH_JSON:-}" ] || echo "$json" > "$BENCH_JSON"
}

# --- main ---------------------------------------------------------------------

( umask 077; "$LBNL" tag genkey > "$tmp/tag.key" ) || { echo "SKIP: lbnl tag genkey failed"; exit $ksft_skip; }
key=$(cat "$tmp/tag.key")
# the crafted packets' tags: 20001 per id, ids 1..3 in turn (60003 tags,
# prime to the 16000 source ports: no two flows share tag and port)
for i in 1 2 3; do
	"$TAGTOOL" encode "$key" $i 1 20001 > "$tmp/tags.$i" || exit $ksft_skip
done
paste -d '\n' "$tmp/tags.1" "$tmp/tags.2" "$tmp/tags.3" | grep -vx 0x00000000 > "$tmp/tags"

if ! topo_up; then
	echo "SKIP: topology set-up failed: $(tail -n3 "$tmp/bg.err" 2>/dev/null)"
	exit $ksft_skip
fi
if ! out=$(service_config | lb restore 2>&1); then
	echo "SKIP: lbnl configuration failed: $out"
	exit $ksft_skip
fi
defer lb flush
if ! tags on || ! tags off; then
	echo "SKIP: lbnl tag set/del failed (lbnl_srv's hook missing? see the kernel log)"
	exit $ksft_skip
fi
if ! one_assoc && ! one_assoc; then
	echo "SKIP: no SCTP association through the VIP"
	exit $ksft_skip
fi
# warm-up, not measured
nsn "$NS_PEER" "$FLOWGEN" connect -d $VIP -p $P_CONN -P sctp -c "$CONC" -T 1 > /dev/null
note "measuring: $METRICS; mode $MODE, $ROUNDS rounds"
run_rounds
if [ "$RESTORE" = 1 ]; then
	# the servers keep their keys across the LB's reload
	tags on || detail "tags on before part 3 failed"
	note "module load to serving a restored configuration, $RELOADS reloads"
	run_restore || detail "part 3 did not complete"
	ensure_loaded
fi
report
RET=0
log_test "bench_tags"
# A benchmark, not a test: 0 whatever the numbers.
ksft_exit
