#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Data plane, end to end: real clients reach real servers through VIPs of
# the load balancer in $NS_LB (topo_lb3; lib/dataplane.sh readies it for
# nat and tun). Each check is a function; CASES selects them (in order),
# after a smoke test (3 TCP flows through a nat VIP, "lbnl -j conn show"
# and "lbnl -j stats" answer) without which the test stops at once.
# dataplane.py (lib/) is the server and client where one process must make
# hundreds of connections or check every echo of a long stream.
#
#   matrix  tcp, udp, sctp x nat, tun x IPv4, IPv6: request/response with
#           socat (and ncat for TCP, sctp_test against sctp_echo for SCTP)
#           through a 3-dest VIP, servers answering with their name; then
#           iperf3 (TCP, UDP, SCTP) through a 1-dest VIP (iperf3's control
#           connection and data flows must meet the same server). Per-dest
#           "conns" of the VIP match who answered. nat VIPs translate ports
#           (80 -> 8080 ...), tun servers own the VIP on lo and decapsulate
#           with tunl0 / ip6tnl0; UDP and SCTP servers bind the tun VIP.
#   spread  SPREAD_FLOWS (300) new TCP connections (source ports fixed, one
#           short connection each) over 3 dests of weight 1: each gets its
#           share +-20%; weights 1:2:3 with SPREAD_FLOWS_WEIGHTED (600: at
#           300 the 1-share is 50 +-10, within 1.6 sigma of a fair hash
#           only). Counted from the servers' answers, cross-checked with the
#           per-dest conns of "lbnl -j stats". IPv4 nat and IPv6 tun.
#   maint   a dest set to maint keeps its established stream (every echo
#           checked) and gets none of 60 new flows; the same with weight 0.
#   delete  a deleted dest's entries leave "lbnl conn show" within 5 s
#           (expire_nodest_conn=1); streams to the other dests go on.
#   flushdest  "conn flush VIP dest D" (a dest set down): D's entries go at
#           once and no other's; D's streams are reset by a live dest, the
#           others go on. lbnl only.
#   limit   conn_max=20: 30 one-datagram UDP queries (unconfirmed entries)
#           are all answered, each new one evicting an unconfirmed entry
#           (stats evicted) and the table never above 20; then 24 TCP
#           connections one after the other (confirmed by their
#           handshake; closed, their entries kept by 600 s close
#           timeouts) take the UDP entries' places until only confirmed
#           entries are left: the extra ones fail (counted in
#           drops.conn_limit) while an established stream goes on; new
#           flows work again once conn_max is back.
#   sched   scheduler wrr (weighted round robin): 600 new TCP flows over
#           weights 1:2:3 give each dest its share +-5% (round robin is
#           exact per CPU, unlike a hash); "vip set ... sched wrr" on a
#           maglev VIP under a stream: the stream stays on its dest (entries
#           stay), 300 new flows spread +-5%; a wrr VIP refuses bypass auto
#           (not deterministic), at creation and by "vip set". lbnl only.
#   reload  rmmod lbnl / insmod $LBNL_KO / "lbnl restore" under a TCP stream
#           through a nat VIP: no reset, no lost or wrong echo, and the flow
#           is back in "lbnl conn show" with flag picked_up.
#   drops   the global drop counters other than conn_limit and no_dest are 0
#           (also checked before the reload, which resets them).
#
# Environment: CASES, MATRIX_PROTOS ("tcp udp sctp"), MATRIX_MODES ("nat
# tun"), MATRIX_FAMILIES ("4 6"), SPREAD_RUNS ("nat4 nat4w tun6 tun6w"),
# SPREAD_FLOWS, SPREAD_FLOWS_WEIGHTED; DP_IMPL=ipvs runs what IPVS can do
# against IPVS instead (to check the test itself: topology, servers,
# clients; limit and drops are lbnl only).

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"

CASES=${CASES:-"matrix spread maint delete flushdest limit sched reload drops"}
MATRIX_PROTOS=${MATRIX_PROTOS:-"tcp udp sctp"}
MATRIX_MODES=${MATRIX_MODES:-"nat tun"}
MATRIX_FAMILIES=${MATRIX_FAMILIES:-"4 6"}
SPREAD_RUNS=${SPREAD_RUNS:-"nat4 nat4w tun6 tun6w"}
SPREAD_FLOWS=${SPREAD_FLOWS:-300}
SPREAD_FLOWS_WEIGHTED=${SPREAD_FLOWS_WEIGHTED:-600}

dp_require
tmp=$(mktemp -d)
defer rm -rf "$tmp"

# now_ms: milliseconds since the epoch.
now_ms()
{
	date +%s%3N
}

# fam_vars M F: vip (the VIP address of mode M, family F), peer, srv[1..3]
# (the servers' addresses) and sfx ("" or "6") for the tools' options.
fam_vars()
{
	local m=$1 f=$2

	if [ "$f" = 4 ]; then
		peer=$PEER_IP4
		srv=("" "$SRV1_IP4" "$SRV2_IP4" "$SRV3_IP4")
		[ "$m" = nat ] && vip=$DP_NAT4 || vip=$DP_TUN4
	else
		peer=$PEER_IP6
		srv=("" "$SRV1_IP6" "$SRV2_IP6" "$SRV3_IP6")
		[ "$m" = nat ] && vip=$DP_NAT6 || vip=$DP_TUN6
	fi
}

# iperf_port M F: the port of the iperf3 servers for mode M, family F.
iperf_port()
{
	if [ "$1" = nat ]; then
		echo 5201
	elif [ "$2" = 4 ]; then
		echo 5202
	else
		echo 5203
	fi
}

# host ADDR: ADDR as socat wants it ([v6]).
host()
{
	case $1 in
	*:*) echo "[$1]" ;;
	*)   echo "$1" ;;
	esac
}

# dest_of NAME F PORT: the dest key of server NAME (srvN), family F.
dest_of()
{
	local i=${1#srv} a

	a=SRV${i}_IP$2
	dp_key "${!a}" "$3"
}

# conns_match KEY PROTO F PORT TALLY: the per-dest conns of KEY are the
# counts in TALLY ("srv1 N srv2 N srv3 N ..."), or a little more: under
# load a retransmitted SYN can reach lb after the FIN of its own flow (the
# CPUs' backlogs reorder them), which then counts as a new flow (port
# reuse), to the same dest. Prints the differences.
conns_match()
{
	local key=$1 proto=$2 f=$3 port=$4 want got i ret=0

	dp_stats_settle
	dp_dest_conns "$key" "$proto" >"$tmp/dconns" || return 1
	set -- $5
	for i in 1 2 3; do
		want=$2
		shift 2
		got=$(awk -v d="$(dest_of srv$i "$f" "$port")" \
			'$1 == d { print $2 }' "$tmp/dconns")
		[ "${got:-0}" = "$want" ] && continue
		echo "srv$i answered $want flows, its dest has conns" \
			"${got:-none}: $(tr '\n' ' ' <"$tmp/dconns")"
		[ "${got:-0}" -ge "$want" ] &&
			[ "${got:-0}" -le $((want + 2 + want / 50)) ] || ret=1
	done
	return $ret
}

# stream_started NAME: after dp_stream_start; if the streams did not
# start, log NAME as failed, stop what runs and return 1.
stream_started()
{
	[ -s "$tmp/st/ready" ] && ! grep -q ' -$' "$tmp/st/ready" && return 0
	check_err 1 "streams did not start: $(cat "$tmp/st/ready" "$tmp/st/err" 2>/dev/null | tr '\n' ' ')"
	dp_stream_stop "$tmp/st"
	log_test "$1"
	return 1
}

# --- matrix ---------------------------------------------------------------

# The servers of the matrix, on each of srv1..3:
#   nat (dest port = VIP port + 8000; listening on every address):
#     socat tcp/8080, udp/8053, sctp/8080 answering "srvN:<first line>";
#     sctp_echo sctp/11868; iperf3 5201 (a 1-dest VIP at VIP:5201)
#   tun (dest port = VIP port; UDP and SCTP bound to the tun VIPs):
#     socat tcp/80, udp/53, sctp/80; sctp_echo sctp/3868; iperf3 5202
#     (bound to DP_TUN4) and 5203 (DP_TUN6)
matrix_servers()
{
	local i ns name sed ports m f

	for i in 1 2 3; do
		ns=${NS_SRVS[i - 1]}
		name=srv$i
		sed="EXEC:sed -u \"s/^/$name:/;q\""
		# -t 30: after the request's end, wait for sed's answer (its start
		# can take a while under TCG; the default is 0.5 s)
		ports=()
		for m in $MATRIX_MODES; do
		for p in $MATRIX_PROTOS; do
		case $m/$p in
		nat/tcp)
			dp_start "$ns" socat -t 30 \
				TCP6-LISTEN:8080,ipv6only=0,reuseaddr,fork "$sed"
			ports+=(tcp:8080)
			;;
		nat/udp)
			dp_start "$ns" socat -t 30 \
				UDP6-RECVFROM:8053,ipv6only=0,reuseaddr,fork "$sed"
			ports+=(udp:8053)
			;;
		nat/sctp)
			dp_start "$ns" socat -t 30 \
				SCTP6-LISTEN:8080,ipv6only=0,reuseaddr,fork "$sed"
			dp_start "$ns" "$dir/sctp_echo" -p 11868 -a :: \
				-c "$tmp/echo.nat.$name" -q
			ports+=(sctp:8080 sctp:11868)
			;;
		tun/tcp)
			dp_start "$ns" socat -t 30 \
				TCP6-LISTEN:80,ipv6only=0,reuseaddr,fork "$sed"
			ports+=(tcp:80)
			;;
		tun/udp)
			for f in $MATRIX_FAMILIES; do
				fam_vars tun "$f"
				dp_start "$ns" socat -t 30 "UDP$f-RECVFROM:53,bind=$(host "$vip"),reuseaddr,fork" "$sed"
			done
			ports+=(udp:53)
			;;
		tun/sctp)
			for f in $MATRIX_FAMILIES; do
				fam_vars tun "$f"
				dp_start "$ns" socat -t 30 "SCTP$f-LISTEN:80,bind=$(host "$vip"),reuseaddr,fork" "$sed"
				dp_start "$ns" "$dir/sctp_echo" -p 3868 \
					-a "$vip" -c "$tmp/echo.tun$f.$name" -q
			done
			ports+=(sctp:80 sctp:3868)
			;;
		esac
		done
		done
		for m in $MATRIX_MODES; do
			if [ "$m" = nat ]; then
				dp_start "$ns" iperf3 -s -p 5201
				ports+=(tcp:5201)
				continue
			fi
			for f in $MATRIX_FAMILIES; do
				fam_vars tun "$f"
				dp_start "$ns" iperf3 -s -p "$(iperf_port tun "$f")" -B "$vip"
				ports+=("tcp:$(iperf_port tun "$f")")
			done
		done
		echo "${ports[*]}" >"$tmp/ports.$name"
	done
	for i in 1 2 3; do
		# shellcheck disable=SC2046
		busywait 20000 dp_listening "${NS_SRVS[i - 1]}" \
			$(cat "$tmp/ports.srv$i") || {
			echo "# srv$i: the matrix servers did not all start:"
			nsn "${NS_SRVS[i - 1]}" ss -Hln -t -u -S | sed 's/^/#   /'
			return 1
		}
	done
}

# echoed_sum KIND: messages the sctp_echo servers of KIND echoed so far.
echoed_sum()
{
	local i n sum=0

	for i in 1 2 3; do
		n=$(cut -d' ' -f1 "$tmp/echo.$1.srv$i" 2>/dev/null)
		sum=$((sum + ${n:-0}))
	done
	echo $sum
}

# echoed_ge KIND N: the sctp_echo servers of KIND echoed N messages or more.
echoed_ge()
{
	[ "$(echoed_sum "$1")" -ge "$2" ]
}

# matrix_case PROTO MODE FAMILY N: the N-th case of the matrix.
matrix_case()
{
	local p=$1 m=$2 f=$3 n=$4 vport dport key ikey iport idest ekey eport
	local kind i sp req out name pids=() tools=() tally ok fails=0 cmd rc
	local t0 t1 before stpid
	local -A served=()

	RET=0
	t0=$(now_ms)
	fam_vars "$m" "$f"
	case $p in
	udp) vport=53 ;;
	*)   vport=80 ;;
	esac
	if [ "$m" = nat ]; then
		dport=$((vport + 8000)) eport=11868 kind=nat
	else
		dport=$vport eport=3868 kind=tun$f
	fi
	iport=$(iperf_port "$m" "$f")
	key=$(dp_key "$vip" $vport)
	ikey=$(dp_key "$vip" $iport)
	ekey=$(dp_key "$vip" 3868)
	idest=$(dp_key "${srv[n % 3 + 1]}" $iport)
	{
		echo "vip add $key proto $p mode $m"
		for i in 1 2 3; do
			echo "dest add $key proto $p $(dp_key "${srv[i]}" $dport)"
		done
		echo "vip add $ikey proto tcp mode $m"
		echo "dest add $ikey proto tcp $idest"
		if [ "$p" != tcp ]; then
			echo "vip add $ikey proto $p mode $m"
			echo "dest add $ikey proto $p $idest"
		fi
		if [ "$p" = sctp ]; then
			echo "vip add $ekey proto sctp mode $m"
			for i in 1 2 3; do
				echo "dest add $ekey proto sctp $(dp_key "${srv[i]}" $eport)"
			done
		fi
	} >"$tmp/matrix.conf"
	dp_apply <"$tmp/matrix.conf" >"$tmp/apply.out" 2>&1
	check_err $? "configuring: $(cat "$tmp/apply.out")"

	# sctp_test against the sctp_echo servers, in the background
	if [ "$p" = sctp ]; then
		before=$(echoed_sum "$kind")
		nsn "$NS_PEER" timeout 60 sctp_test -H "$peer" -P $((41000 + n)) \
			-h "$vip" -p 3868 -s -c -100 -x 20 -D \
			>"$tmp/sctp_test.out" 2>&1 &
		stpid=$!
	fi

	# Request/response, side by side: 3 x socat (+ ncat for TCP).
	for i in 1 2 3 4; do
		sp=$((40000 + n * 10 + i))
		req="$p-$m-ipv$f-$i"
		case $p/$i in
		tcp/4) cmd=(ncat -w 30 -p "$sp" "$vip" "$vport") ;;
		*/4)   continue ;;
		tcp/*) cmd=(socat -t 30 - "TCP$f:$(host "$vip"):$vport,sourceport=$sp") ;;
		# UDP has no end: readbytes makes the answer the end.
		udp/*) cmd=(socat -t 30 - "UDP$f:$(host "$vip"):$vport,sourceport=$sp,readbytes=$((${#req} + 6))") ;;
		# SCTP has no half-close: keep sending open until the answer.
		sctp/*) cmd=(socat -t 30 - "SCTP$f:$(host "$vip"):$vport,shut-none") ;;
		esac
		tools[i]=${cmd[0]}
		echo "$req" >"$tmp/req.$i"
		printf '%s\n' "$req" | nsn "$NS_PEER" timeout 60 "${cmd[@]}" \
			>"$tmp/resp.$i" 2>"$tmp/err.$i" &
		pids[i]=$!
	done
	for i in "${!pids[@]}"; do
		wait "${pids[i]}"
		rc=$?
		read -r req <"$tmp/req.$i"
		out=$(cat "$tmp/resp.$i")
		name=${out%%:*}
		if [[ $name != srv[123] ]] || [ "$out" != "$name:$req" ]; then
			fails=$((fails + 1))
			check_err 1 "${tools[i]} $i: exit $rc, got '$out', want 'srvN:$req' ($(head -c 200 "$tmp/err.$i"))"
			continue
		fi
		served[$name]=$((${served[$name]:-0} + 1))
	done
	tally="srv1 ${served[srv1]:-0} srv2 ${served[srv2]:-0} srv3 ${served[srv3]:-0}"
	if [ $fails = 0 ]; then
		out=$(conns_match "$key" "$p" "$f" $dport "$tally")
		check_err $? "$out"
		[ -z "$out" ] || echo "# $out"
	fi

	if [ "$p" = sctp ]; then
		wait $stpid
		check_err $? "sctp_test failed: $(tail -n 3 "$tmp/sctp_test.out")"
		busywait 5000 echoed_ge "$kind" $((before + 20))
		check_err $? "sctp_echo servers echoed $(($(echoed_sum "$kind") - before)) of sctp_test's 20 messages"
	fi
	t1=$(now_ms)

	# iperf3 through the 1-dest VIP (how much arrives is iperf3's
	# business: under TCG the last blocks may miss the final count).
	case $p in
	tcp)  cmd=(-n 1M) ;;
	udp)  cmd=(-u -b 1M -l 1000 -t 1) ;;
	sctp) cmd=(--sctp -n 1M) ;;
	esac
	nsn "$NS_PEER" timeout 60 iperf3 -c "$vip" -p $iport "${cmd[@]}" -J \
		--connect-timeout 20000 >"$tmp/iperf.json" 2>&1
	ok=$?
	check_err $ok "iperf3 ${cmd[*]}: exit $ok: $(jq -r '.error // empty' "$tmp/iperf.json" 2>/dev/null | head -c 200)"
	if [ $ok = 0 ]; then
		if [ "$p" = udp ]; then
			out=$(jq -r '.end.sum | "\(.packets) \(.lost_packets)"' "$tmp/iperf.json")
		else
			out=$(jq -r '.end | "\(.sum_sent.bytes) \(.sum_received.bytes)"' "$tmp/iperf.json")
		fi
		set -- $out
		echo "# iperf3 $p: $([ "$p" = udp ] && echo "$2 of $1 datagrams lost" || echo "$1 bytes sent, $2 received")"
		if [ "$p" = udp ]; then
			[ "${1:-0}" -gt 0 ] && [ $(($2 * 10)) -le "$1" ]
			check_err $? "iperf3 -u: $2 of $1 datagrams lost"
		else
			[ "${1%.*}" -ge 1048576 ] && [ "${2%.*}" -gt 0 ]
			check_err $? "iperf3: $1 bytes sent (want 1 MiB), $2 received"
		fi
	fi

	echo "# matrix $p $m ipv$f: answered by $tally; $((t1 - t0)) ms +" \
		"iperf3 $(($(now_ms) - t1)) ms"
	log_test "matrix: $p $m IPv$f (socat$([ "$p" = tcp ] && echo ", ncat")$([ "$p" = sctp ] && echo ", sctp_test"), iperf3)"

	sed -n 's/^vip add \([^ ]*\) proto \([a-z]*\).*/vip del \1 proto \2/p' \
		"$tmp/matrix.conf" | dp_apply >/dev/null 2>&1
}

check_matrix()
{
	local p m f n=0

	if ! matrix_servers; then
		RET=1 retmsg="matrix servers did not start"
		log_test "matrix: servers"
		dp_stop
		return
	fi
	for p in $MATRIX_PROTOS; do
		for m in $MATRIX_MODES; do
			for f in $MATRIX_FAMILIES; do
				n=$((n + 1))
				matrix_case "$p" "$m" "$f" $n
			done
		done
	done
	dp_stop
}

# --- spread ---------------------------------------------------------------

# spread_run NAME: one run of SPREAD_RUNS (nat4, nat4w, tun6, tun6w, ...:
# mode, family, "w" for weights 1:2:3).
spread_run()
{
	local name=$1 m f ws count port sport key i sum want lo hi got tally t0

	RET=0
	m=${name%%[46]*}
	f=${name#"$m"}
	f=${f%w}
	if [[ $name == *w ]]; then
		ws=(0 1 2 3) count=$SPREAD_FLOWS_WEIGHTED
	else
		ws=(0 1 1 1) count=$SPREAD_FLOWS
	fi
	fam_vars "$m" "$f"
	# each run its own port (fresh counters) and source ports
	case $name in
	nat4)  port=9001 sport=20000 ;;
	nat4w) port=9002 sport=21000 ;;
	tun6)  port=9003 sport=23000 ;;
	tun6w) port=9004 sport=24000 ;;
	*) port=$((9010 + RANDOM % 10)) sport=25000 ;;
	esac
	key=$(dp_key "$vip" $port)
	{
		echo "vip add $key proto tcp mode $m"
		for i in 1 2 3; do
			echo "dest add $key proto tcp $(dp_key "${srv[i]}" $port) weight ${ws[i]}"
		done
	} | dp_apply
	check_err $? "configuring $key"

	t0=$(now_ms)
	dp_flows tcp "$peer" $sport "$count" "$vip" $port 16 >"$tmp/spread.$name"
	tally=$(dp_tally "$tmp/spread.$name")
	echo "# spread $name: $count flows in $(($(now_ms) - t0)) ms: $tally"
	set -- $tally
	[ "$8" = 0 ]
	check_err $? "$8 of $count flows failed: $(grep -m3 FAIL "$tmp/spread.$name" | tr '\n' ' ')"
	sum=$((ws[1] + ws[2] + ws[3]))
	for i in 1 2 3; do
		want=$((count * ws[i] / sum))
		lo=$((want * 8 / 10)) hi=$((want * 12 / 10))
		got=${tally#*srv"$i" }
		got=${got%% *}
		[ "$got" -ge $lo ] && [ "$got" -le $hi ]
		check_err $? "srv$i (weight ${ws[i]}) got $got flows, want $want +-20%"
	done
	got=$(conns_match "$key" tcp "$f" $port "$tally")
	check_err $? "$got"
	[ -z "$got" ] || echo "# $got"
	log_test "spread: $count flows, $m IPv$f, weights ${ws[*]:1}: $tally"
	dp vip del "$key" proto tcp
}

check_spread()
{
	local r

	for r in $SPREAD_RUNS; do
		spread_run "$r"
	done
}

# --- sched ----------------------------------------------------------------

# sched_shares COUNT TALLY W1 W2 W3 PCT: srvI answered its weight WI's share
# of COUNT flows +-PCT% in TALLY ("srv1 N srv2 N srv3 N ..."). Prints the
# misses.
sched_shares()
{
	local count=$1 tally=$2 pct=$6 ws=(0 "$3" "$4" "$5") sum i want got ret=0

	sum=$((ws[1] + ws[2] + ws[3]))
	for i in 1 2 3; do
		want=$((count * ws[i] / sum))
		got=${tally#*srv"$i" }
		got=${got%% *}
		[ "$got" -ge $((want * (100 - pct) / 100)) ] &&
			[ "$got" -le $((want * (100 + pct) / 100)) ] && continue
		echo "srv$i (weight ${ws[i]}) got $got flows, want $want +-$pct%"
		ret=1
	done
	return $ret
}

# sched_run_flows FILE SPORT COUNT PORT: COUNT new TCP flows to the nat VIP's
# PORT into FILE; prints the tally; fails (with the failures) if any did.
sched_run_flows()
{
	dp_flows tcp "$peer" "$2" "$3" "$vip" "$4" 16 >"$1"
	dp_tally "$1"
	! grep -q FAIL "$1" || {
		echo "flows failed: $(grep -m3 FAIL "$1" | tr '\n' ' ')"
		return 1
	}
}

check_sched()
{
	local key i tally out s n0

	if [ "$DP_IMPL" != lbnl ]; then
		log_test_skip "sched" "lbnl only"
		return
	fi

	RET=0
	fam_vars nat 4
	key=$(dp_key "$vip" 9001)
	{
		echo "vip add $key proto tcp mode nat sched wrr"
		for i in 1 2 3; do
			echo "dest add $key proto tcp $(dp_key "${srv[i]}" 9001) weight $i"
		done
	} | dp_apply
	check_err $? "configuring $key with sched wrr"
	tally=$(sched_run_flows "$tmp/wrr" 26000 600 9001)
	check_err $? "$tally"
	tally=$(head -n1 <<<"$tally")
	out=$(sched_shares 600 "$tally" 1 2 3 5)
	check_err $? "$out"
	out=$(conns_match "$key" tcp 4 9001 "$tally")
	check_err $? "$out"
	log_test "sched wrr: 600 flows, nat IPv4, weights 1 2 3: $tally"
	dp vip del "$key" proto tcp

	# maglev -> wrr under a stream
	RET=0
	key=$(dp_key "$vip" 9002)
	{
		echo "vip add $key proto tcp mode nat sched maglev"
		for i in 1 2 3; do
			echo "dest add $key proto tcp $(dp_key "${srv[i]}" 9002)"
		done
	} | dp_apply
	check_err $? "configuring $key"
	dp_stream_start "$tmp/st" "$peer" 27000 1 "$vip" 9002
	stream_started "sched maglev -> wrr" || return
	read -r _ s <"$tmp/st/ready"
	dp vip set "$key" proto tcp sched wrr
	check_err $? "vip set $key sched wrr failed"
	dp vip show | grep -F "$key" | grep -q " sched wrr"
	check_err $? "vip show: $(dp vip show | grep -F "$key")"
	n0=$(dp_progress "$tmp/st")
	tally=$(sched_run_flows "$tmp/switch" 27100 300 9002)
	check_err $? "$tally"
	tally=$(head -n1 <<<"$tally")
	out=$(sched_shares 300 "$tally" 1 1 1 5)
	check_err $? "after the switch: $out"
	busywait 10000 dp_progress_gt "$tmp/st" $((n0 + 10))
	check_err $? "the stream to $s stalled after the switch: $(dp_progress "$tmp/st") echoes"
	dp_stream_stop "$tmp/st"
	check_err $? "stream: $(cat "$tmp/st/out")"
	out=$(jq -r 'select(.server != "'"$s"'" or .error != null) | tostring' "$tmp/st/out")
	[ -z "$out" ]
	check_err $? "stream: $out"
	log_test "sched maglev -> wrr: the stream stays on $s, 300 new flows: $tally"
	dp vip del "$key" proto tcp

	# not deterministic: no bypass auto
	RET=0
	fam_vars tun 4
	key=$(dp_key "$vip" 9003)
	out=$(dp vip add "$key" proto tcp mode tun sched wrr bypass auto 2>&1)
	[ $? -ne 0 ] && grep -q deterministic <<<"$out"
	check_err $? "vip add sched wrr bypass auto: $out"
	! dp vip show | grep -qF "$key"
	check_err $? "the refused VIP exists: $(dp vip show | grep -F "$key")"
	dp vip add "$key" proto tcp mode tun bypass auto
	check_err $? "vip add $key bypass auto (maglev) failed"
	out=$(dp vip set "$key" proto tcp sched wrr 2>&1)
	[ $? -ne 0 ] && grep -q deterministic <<<"$out"
	check_err $? "vip set sched wrr on a bypass auto VIP: $out"
	dp vip show | grep -F "$key" | grep -q " sched maglev"
	check_err $? "vip show after the refusal: $(dp vip show | grep -F "$key")"
	log_test "sched wrr refuses bypass auto: $out"
	dp vip del "$key" proto tcp
}

# --- maint / weight 0 ------------------------------------------------------

# quiesce_run HOW SPORT: a stream through a 3-dest VIP; its dest is then
# set to HOW ("state maint" or "weight 0"): the stream goes on, 60 new
# flows go elsewhere, and the dest's conns do not grow.
quiesce_run()
{
	local how=$1 sport=$2 key s d n0 c0 c1 tally out

	RET=0
	fam_vars nat 4
	key=$(dp_key "$vip" 9005)
	dp_stream_start "$tmp/st" "$peer" "$sport" 1 "$vip" 9005
	stream_started "dest $how" || return
	read -r _ s <"$tmp/st/ready"
	d=$(dest_of "$s" 4 9005)
	dp_stats_settle
	c0=$(dp_dest_conns "$key" tcp | awk -v d="$d" '$1 == d { print $2 }')
	# shellcheck disable=SC2086
	dp dest set "$key" proto tcp "$d" $how
	check_err $? "dest set $d $how failed"
	n0=$(dp_progress "$tmp/st")

	dp_flows tcp "$peer" $((sport + 100)) 60 "$vip" 9005 >"$tmp/quiesce"
	tally=$(dp_tally "$tmp/quiesce")
	! grep -q " $s\$" "$tmp/quiesce"
	check_err $? "new flows went to $s ($how): $tally"
	! grep -q FAIL "$tmp/quiesce"
	check_err $? "new flows failed: $(grep -m3 FAIL "$tmp/quiesce" | tr '\n' ' ')"
	dp_stats_settle
	c1=$(dp_dest_conns "$key" tcp | awk -v d="$d" '$1 == d { print $2 }')
	[ "${c1:-x}" = "${c0:-y}" ]
	check_err $? "conns of $d went from $c0 to $c1"

	busywait 10000 dp_progress_gt "$tmp/st" $((n0 + 10))
	check_err $? "the stream to $s stalled after $how: $(dp_progress "$tmp/st") echoes"
	dp_stream_stop "$tmp/st"
	check_err $? "stream: $(cat "$tmp/st/out")"
	out=$(jq -r 'select(.server != "'"$s"'" or .error != null) | tostring' "$tmp/st/out")
	[ -z "$out" ]
	check_err $? "stream: $out"
	echo "# $how: stream on $s, $(jq -r '"\(.echoed) echoes, max gap \(.max_gap_ms) ms"' "$tmp/st/out"); new flows: $tally"
	log_test "dest $how: its stream goes on, no new flow ($s)"
	dp dest set "$key" proto tcp "$d" weight 1 state active
}

check_maint()
{
	local i

	fam_vars nat 4
	{
		echo "vip add $(dp_key "$vip" 9005) proto tcp mode nat"
		for i in 1 2 3; do
			echo "dest add $(dp_key "$vip" 9005) proto tcp $(dp_key "${srv[i]}" 9005)"
		done
	} | dp_apply
	quiesce_run "state maint" 30000
	quiesce_run "weight 0" 30500
	dp vip del "$(dp_key "$vip" 9005)" proto tcp
}

# --- dest deleted ---------------------------------------------------------

# no_entries_of KEY DEST: no connection entry of KEY (tcp) goes to DEST.
no_entries_of()
{
	dp_conns "$1" tcp >"$tmp/conns" || return 1
	! awk -v d="$2" '$4 == d' "$tmp/conns" | grep -q .
}

check_delete()
{
	local key i s d n t0 out

	RET=0
	fam_vars nat 4
	key=$(dp_key "$vip" 9006)
	{
		echo "vip add $key proto tcp mode nat"
		for i in 1 2 3; do
			echo "dest add $key proto tcp $(dp_key "${srv[i]}" 9006)"
		done
	} | dp_apply
	dp_stream_start "$tmp/st" "$peer" 31000 12 "$vip" 9006
	stream_started "dest deleted" || return
	read -r _ s <"$tmp/st/ready"
	d=$(dest_of "$s" 4 9006)
	dp_conns "$key" tcp >"$tmp/conns"
	n=$(awk -v d="$d" '$4 == d' "$tmp/conns" | wc -l)
	[ "$n" -ge 1 ]
	check_err $? "no entry of $d before the delete: $(cat "$tmp/conns")"
	[ "$DP_IMPL" = lbnl ] &&
		echo "# expire_nodest_conn=$(nsn "$NS_LB" sysctl -n net.lbnl.expire_nodest_conn 2>&1)"

	t0=$(now_ms)
	dp dest del "$key" proto tcp "$d"
	check_err $? "dest del failed"
	busywait 5000 no_entries_of "$key" "$d"
	check_err $? "entries of $d still there 5 s after its delete: $(awk -v d="$d" '$4 == d' "$tmp/conns" | head -n 3 | tr '\n' ';')"
	echo "# $n entries of $d ($s) gone in $(($(now_ms) - t0)) ms"

	# the other dests' streams go on
	n=$(dp_progress "$tmp/st")
	busywait 10000 dp_progress_gt "$tmp/st" $((n + 20))
	check_err $? "streams stalled after the delete"
	dp_stream_stop "$tmp/st"
	out=$(jq -r 'select(.server != "'"$s"'" and .error != null) | tostring' "$tmp/st/out")
	[ -z "$out" ]
	check_err $? "streams to other dests: $out"
	echo "# streams: $(jq -r '"\(.server)"' "$tmp/st/out" | sort | uniq -c | tr -s ' \n' ' ')"
	log_test "dest deleted: its entries leave the table, other flows go on"
	dp vip del "$key" proto tcp
}

# --- a dest's entries flushed ------------------------------------------------

# dest_entries KEY DEST: how many entries of KEY (tcp) go to DEST.
dest_entries()
{
	dp_conns "$1" tcp | awk -v d="$2" '$4 == d' | wc -l
}

# What lbnld's "on-down flush" does when a check fails: the dest set down,
# then "conn flush VIP dest D". Its entries go at once, no other dest's;
# its clients' next packets are scheduled again, to a live dest, which
# resets them (they reconnect at once instead of waiting on a dead
# server); the other streams go on.
check_flushdest()
{
	local key i s d n p others others1 out states

	if [ "$DP_IMPL" != lbnl ]; then
		log_test_skip "flushdest" "lbnl only"
		return
	fi
	RET=0
	fam_vars nat 4
	key=$(dp_key "$vip" 9010)
	{
		echo "vip add $key proto tcp mode nat"
		for i in 1 2 3; do
			echo "dest add $key proto tcp $(dp_key "${srv[i]}" 9010)"
		done
	} | dp_apply
	dp_stream_start "$tmp/st" "$peer" 34000 12 "$vip" 9010
	stream_started "dest flushed" || return
	read -r _ s <"$tmp/st/ready"
	d=$(dest_of "$s" 4 9010)
	dp_conns "$key" tcp >"$tmp/conns"
	n=$(awk -v d="$d" '$4 == d' "$tmp/conns" | wc -l)
	awk -v d="$d" '$4 != d { print $3, $4 }' "$tmp/conns" | sort >"$tmp/others"
	others=$(wc -l <"$tmp/others")
	[ "$n" -ge 1 ]
	check_err $? "no entry of $d before the flush"
	states=$(awk -v d="$d" '$4 == d { print $5 }' "$tmp/conns" | sort | uniq -c | tr -s ' \n' ' ')

	dp dest set "$key" proto tcp "$d" state down
	check_err $? "dest set $d state down failed"
	out=$(dp conn flush "$key" proto tcp dest "$d" 2>&1)
	check_err $? "conn flush $key dest $d: $out"
	[ "$(dest_entries "$key" "$d")" -eq 0 ]
	check_err $? "entries of $d left after the flush: $(dest_entries "$key" "$d")"
	# the other dests' entries stay (the flushed flows' next packets add
	# their own, on live dests)
	dp_conns "$key" tcp | awk -v d="$d" '$4 != d { print $3, $4 }' |
		sort >"$tmp/others1"
	others1=$(comm -23 "$tmp/others" "$tmp/others1" | wc -l)
	[ "$others1" -eq 0 ]
	check_err $? "$others1 of the other dests' $others entries went: $(comm -23 "$tmp/others" "$tmp/others1" | head -n 3 | tr '\n' ';')"
	out=$(dp conn flush "$key" proto tcp dest 203.0.113.99 2>&1)
	[ $? -ne 0 ] && grep -q "not found" <<<"$out"
	check_err $? "conn flush of a missing dest: $out"

	p=$(dp_progress "$tmp/st")
	busywait 10000 dp_progress_gt "$tmp/st" $((p + 20))
	check_err $? "streams stalled after the flush"
	dp_stream_stop "$tmp/st"
	out=$(jq -r 'select(.server != "'"$s"'" and .error != null) | tostring' "$tmp/st/out")
	[ -z "$out" ]
	check_err $? "streams to other dests: $out"
	out=$(jq -r 'select(.server == "'"$s"'") | .error // "none"' "$tmp/st/out" | sort | uniq -c | tr -s ' \n' ' ')
	! jq -r 'select(.server == "'"$s"'") | .error // "none"' "$tmp/st/out" | grep -vq ECONNRESET
	check_err $? "streams of the flushed dest $s were not reset: $out"
	echo "# $n entries of $d ($s) flushed ($states), $others others kept; its streams: $out"
	log_test "dest flushed: its entries go, its clients are reset by a live dest, other flows go on"
	dp vip del "$key" proto tcp
}

# --- connection table full ---------------------------------------------------

check_limit()
{
	local key cap=20 old before room tu tt ok fail drops0 drops n ev0 ev
	local tmo fin close

	RET=0
	if [ "$DP_IMPL" != lbnl ]; then
		log_test_skip "conn_max" "lbnl only"
		return
	fi
	fam_vars nat 4
	key=$(dp_key "$vip" 9007)
	{
		echo "vip add $key proto tcp mode nat"
		echo "vip add $key proto udp mode nat"
		for i in 1 2 3; do
			echo "dest add $key proto tcp $(dp_key "${srv[i]}" 9007)"
			echo "dest add $key proto udp $(dp_key "${srv[i]}" 9007)"
		done
	} | dp_apply
	lbx conn flush
	check_err $? "lbnl conn flush failed"
	dp_stream_start "$tmp/st" "$peer" 33000 1 "$vip" 9007
	stream_started "conn_max" || return

	# lb's namespace's own conn_max (net.lbnl.conn_max)
	old=$(nsn "$NS_LB" sysctl -n net.lbnl.conn_max)
	defer nsn "$NS_LB" sysctl -qw net.lbnl.conn_max="$old"
	nsn "$NS_LB" sysctl -qw net.lbnl.conn_max=$cap
	check_err $? "cannot set net.lbnl.conn_max"
	before=$(dp_conns | wc -l)
	room=$((cap - before))
	drops0=$(dp_drop conn_limit)

	ev0=$(lbx -j stats | jq '.global.evicted // 0')

	# one-datagram queries: unconfirmed entries, evicted for new ones
	dp_flows udp "$peer" 33100 30 "$vip" 9007 30 5 >"$tmp/limit.udp"
	tu=$(dp_tally "$tmp/limit.udp")
	n=$(dp_conns | wc -l)
	ev=$(($(lbx -j stats | jq '.global.evicted // 0') - ev0))
	echo "# conn_max $cap, $before entries before: udp $tu; $n entries, $ev evicted"
	[ "${tu##* }" = 0 ] && [ "$n" -le $cap ]
	check_err $? "unconfirmed entries did not give way: udp $tu; $n entries, conn_max $cap"
	[ "$ev" -ge $((30 - room)) ]
	check_err $? "$ev entries evicted, want >= $((30 - room))"

	# confirmed connections (their handshake): beyond the room, refused;
	# closed, their entries stay (no room made by their close timeouts)
	tmo=$(nsn "$NS_LB" sysctl -n net.lbnl.timeout_tcp_fin \
		net.lbnl.timeout_tcp_close | tr '\n' ' ')
	nsn "$NS_LB" sysctl -qw net.lbnl.timeout_tcp_fin=600 \
		net.lbnl.timeout_tcp_close=600
	dp_flows tcp "$peer" 33200 24 "$vip" 9007 1 5 >"$tmp/limit.tcp"
	read -r fin close <<<"$tmo"
	nsn "$NS_LB" sysctl -qw net.lbnl.timeout_tcp_fin="$fin" \
		net.lbnl.timeout_tcp_close="$close"
	tt=$(dp_tally "$tmp/limit.tcp")
	fail=${tt##* }
	ok=$((24 - fail))
	drops=$(($(dp_drop conn_limit) - drops0))
	n=$(dp_conns | wc -l)
	echo "# tcp $tt; conn_limit drops $drops; $n entries"
	[ $ok -le $room ] && [ "$n" -le $cap ]
	check_err $? "$ok new TCP connections got through with room for $room; $n entries, conn_max $cap"
	[ $ok -ge 1 ]
	check_err $? "no new TCP connection got through with room for $room"
	[ "$drops" -ge $fail ]
	check_err $? "$fail flows failed, drops.conn_limit grew by $drops only"

	n=$(dp_progress "$tmp/st")
	busywait 10000 dp_progress_gt "$tmp/st" $((n + 10))
	check_err $? "the established stream stalled with the table full"

	nsn "$NS_LB" sysctl -qw net.lbnl.conn_max="$old"
	dp_flows tcp "$peer" 33300 5 "$vip" 9007 5 5 >"$tmp/limit.after"
	! grep -q FAIL "$tmp/limit.after"
	check_err $? "new flows fail after conn_max went back to $old: $(grep -m3 FAIL "$tmp/limit.after" | tr '\n' ' ')"

	dp_stream_stop "$tmp/st"
	check_err $? "stream: $(cat "$tmp/st/out")"
	log_test "conn_max $cap: unconfirmed entries evicted for new flows, confirmed ones never; extra flows refused (drops.conn_limit), established flow goes on"
	dp vip del "$key" proto tcp
	dp vip del "$key" proto udp
}

# --- module reload ------------------------------------------------------------

# picked_up KEY PEER: the flow from PEER is in the table again, flagged
# picked_up (lbnl; IPVS has no such flag: there, just the entry).
picked_up()
{
	dp_conns "$1" tcp >"$tmp/conns" || return 1
	if [ "$DP_IMPL" = lbnl ]; then
		awk -v p="$2" '$3 == p && $6 ~ /(^|,)picked_up(,|$)/' "$tmp/conns" | grep -q .
	else
		awk -v p="$2" '$3 == p' "$tmp/conns" | grep -q .
	fi
}

check_drops()
{
	local bad

	RET=0
	if [ "$DP_IMPL" != lbnl ]; then
		log_test_skip "drops${1:+ $1}" "lbnl only"
		return
	fi
	dp_drops >"$tmp/drops"
	check_err $? "lbnl -j stats failed"
	echo "# drops$1: $(awk '$2 != 0' "$tmp/drops" | tr '\n' ' ')"
	bad=$(awk '$1 != "conn_limit" && $1 != "no_dest" && $2 != 0' "$tmp/drops" | tr '\n' ' ')
	[ -z "$bad" ]
	check_err $? "drops: $bad"
	log_test "no drops but conn_limit/no_dest${1:+ $1}"
}

check_reload()
{
	local key s n t0 out

	[ "$DP_IMPL" = lbnl ] && check_drops "(before the reload)"
	RET=0
	fam_vars nat 4
	key=$(dp_key "$vip" 9008)
	{
		echo "vip add $key proto tcp mode nat"
		for i in 1 2 3; do
			echo "dest add $key proto tcp $(dp_key "${srv[i]}" 9008)"
		done
	} | dp_apply
	dp_stream_start "$tmp/st" "$peer" 32000 1 "$vip" 9008
	stream_started "module reload" || return
	read -r _ s <"$tmp/st/ready"

	# While no load balancer takes them, the peer's packets must not reach
	# anything that answers (ipvs: lb's own stack, the VIPs being local
	# there), and the servers' answers must not reach the peer from their
	# own address (the peer would answer with a RST): lb drops both until
	# the module is back, and the answers until the flow was picked up.
	ip -n "$NS_LB" rule add pref 100 to "$vip" ipproto tcp dport 9008 blackhole
	defer ip -n "$NS_LB" rule del pref 100
	ip -n "$NS_LB" rule add pref 101 from $SRV_NET4 to $PEER_NET4 ipproto tcp sport 9008 blackhole
	defer ip -n "$NS_LB" rule del pref 101
	[ "$DP_IMPL" = lbnl ] && defer sh -c "[ -d /sys/module/lbnl ] || insmod '$LBNL_KO'"

	t0=$(now_ms)
	dp_reload
	check_err $? "reload failed"
	ip -n "$NS_LB" rule del pref 100
	echo "# reloaded in $(($(now_ms) - t0)) ms"
	busywait 60000 picked_up "$key" "$(dp_key "$peer" 32000)"
	check_err $? "the flow is not back in the table with flag picked_up: $(cat "$tmp/conns")"
	echo "# picked up $(($(now_ms) - t0)) ms after the reload started:" \
		"$(awk -v p="$(dp_key "$peer" 32000)" '$3 == p' "$tmp/conns")"
	ip -n "$NS_LB" rule del pref 101

	n=$(dp_progress "$tmp/st")
	busywait 60000 dp_progress_gt "$tmp/st" $((n + 20))
	check_err $? "the stream does not go on after the reload ($(dp_progress "$tmp/st") echoes)"
	dp_stream_stop "$tmp/st"
	check_err $? "stream: $(cat "$tmp/st/out")"
	out=$(jq -r 'select(.server != "'"$s"'" or .error != null) | tostring' "$tmp/st/out")
	[ -z "$out" ]
	check_err $? "stream: $out"
	echo "# stream: $(jq -r '"\(.echoed) echoes from \(.server), max gap \(.max_gap_ms) ms"' "$tmp/st/out")"
	log_test "module reload under a TCP stream: no reset, no loss, picked up"
	dp vip del "$key" proto tcp
}

# --- smoke test -------------------------------------------------------------

# smoke: 3 TCP flows through a nat VIP, and the CLI reads the table and
# the counters. If not, nothing else can work: the test stops there
# (instead of timing out case after case).
smoke()
{
	local key i rc

	RET=0
	fam_vars nat 4
	key=$(dp_key "$vip" 9009)
	{
		echo "vip add $key proto tcp mode nat"
		for i in 1 2 3; do
			echo "dest add $key proto tcp $(dp_key "${srv[i]}" 9009)"
		done
	} | dp_apply >"$tmp/smoke" 2>&1
	check_err $? "configuring $key: $(cat "$tmp/smoke")"
	dp_flows tcp "$peer" 10000 3 "$vip" 9009 3 10 >"$tmp/smoke"
	! grep -q FAIL "$tmp/smoke"
	check_err $? "flows through $key failed: $(tr '\n' ' ' <"$tmp/smoke")"
	if [ "$DP_IMPL" = lbnl ]; then
		lbx -j conn show >/dev/null 2>"$tmp/smoke"
		check_err $? "lbnl -j conn show: $(cat "$tmp/smoke")"
		lbx -j stats >/dev/null 2>"$tmp/smoke"
		check_err $? "lbnl -j stats: $(cat "$tmp/smoke")"
	fi
	rc=$RET
	log_test "smoke: TCP through a nat VIP, conn show, stats"
	dp vip del "$key" proto tcp >/dev/null 2>&1
	return "$rc"
}

# --- main -----------------------------------------------------------------

t_start=$(now_ms)
if ! dp_setup; then
	echo "# setup failed"
	exit $ksft_fail
fi
echo "# $DP_IMPL: topology ready in $(($(now_ms) - t_start)) ms"
if ! smoke; then
	echo "# the data plane does not work at all: not running the rest"
	ksft_exit
fi
for c in $CASES; do
	t0=$(now_ms)
	case $c in
	matrix | spread | maint | delete | flushdest | limit | sched | reload | drops)
		"check_$c" ;;
	*) echo "# unknown case $c"; exit $ksft_fail ;;
	esac
	echo "# $c: $(($(now_ms) - t0)) ms"
done
echo "# total: $(($(now_ms) - t_start)) ms"
ksft_exit
