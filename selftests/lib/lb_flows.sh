# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lb_flows.sh: flows that must not notice an event on the LB tier, and the
# checks that they did not (lb_restart.sh, lb_group.sh). Source after
# topo.sh. The test defines, before calling anything here:
#
#   dir LBNL tmp SCALE INTERVAL_MS BEFORE_S AFTER_S FLIP_MS
#   KINDS (VIP kinds, e.g. "nat4 tun6": mode nat|tun, family 4|6), VIP[kind],
#   PER_KIND (flows of each protocol per VIP), PORT, SCTP_PORT, VIP_NET4/6
#   FLOW_TAGS (1: routable SCTP tags, dests with tag ids 1..3)
#   NS_PEER (two addresses: PEER1_4/6 via RTR_P1_4/6, PEER2_4/6 via
#     RTR_P2_4/6), NS_RTR (links p1, p2 to the peer), NS_SRVS=("" s1 s2 s3),
#     NS_LBS=("" lb1 lb2 ...)
#   PHASE_LABEL[phase], and per phase NAME_event (NAME_prepare, NAME_finish
#   if wanted)
#
# After $tmp is made (and its removal deferred): "defer kill_running", so
# that the background processes (bg) are killed before it goes.
#
# The servers are 203.0.113.11..13 and 2001:db8:2::11..13; each runs
# lib/lb_restart.py's TCP/UDP echo server and one sctp_echo per VIP.

bad_re='WARNING:|BUG:|Oops|refcount|leak|UBSAN|KASAN|general protection fault|Call Trace|unreferenced object|ODEBUG:|possible circular|possible recursive|suspicious RCU|INFO: task .* blocked|detected stall|soft lockup|hard LOCKUP'

# --- helpers ------------------------------------------------------------

now_ms()
{
	date +%s%3N
}

# tlog MSG: MSG with the test's time so far.
tlog()
{
	echo "# t=${SECONDS}s: $*"
}

# On two CPUs or more, the TCP/UDP client runs on CPU 0 and the servers on
# CPU 1: a UDP flow's datagrams are then never reordered by the kernel
# (veth queues them on the backlog of the CPU that sends them, and a
# sender moving between CPUs could overtake its own queued datagrams), so
# an echo out of order is the LB's doing.
PIN_CLIENT=() PIN_SERVERS=()
if [ "$(nproc)" -ge 2 ]; then
	PIN_CLIENT=(taskset -c 0) PIN_SERVERS=(taskset -c 1)
fi

# nsn NS CMD...: CMD in netns NS (nsenter: cheaper than "ip netns exec").
nsn()
{
	local ns=$1

	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# lbx I ARGS...: lbnl ARGS on LB I (1, 2).
lbx()
{
	local i=$1

	shift
	nsn "${NS_LBS[i]}" "$LBNL" "$@"
}

# key ADDR PORT: how the CLI writes an endpoint.
key()
{
	case $1 in
	*:*) echo "[$1]:$2" ;;
	*)   echo "$1:$2" ;;
	esac
}

# srv_addr KIND I: server I's address in KIND's family.
srv_addr()
{
	case $1 in
	*6) echo "2001:db8:2::1$2" ;;
	*)  echo "203.0.113.1$2" ;;
	esac
}

# Background processes of the test, killed at exit if still running.
declare -A RUNNING=()
kill_running()
{
	local p

	for p in "${!RUNNING[@]}"; do
		kill "$p" 2>/dev/null
	done
}

# bg NS OUT ERR CMD...: CMD in netns NS in the background; its pid in BG.
# ("ip netns exec" execs CMD: $! is CMD itself.)
bg()
{
	local ns=$1 out=$2 err=$3

	shift 3
	ip netns exec "$ns" "$@" </dev/null >"$out" 2>"$err" &
	BG=$!
	RUNNING[$BG]=1
}

# reap PID TIMEOUT_MS: wait for PID to end (killed after TIMEOUT_MS); its
# exit status.
reap()
{
	local pid=$1

	busywait "$2" sh -c "! kill -0 $pid 2>/dev/null" >/dev/null ||
		kill "$pid" 2>/dev/null
	wait "$pid"
	local rc=$?
	unset "RUNNING[$pid]"
	return $rc
}

mark=
mark_dmesg()
{
	mark="lb_restart-mark-$1-$RANDOM$RANDOM"
	echo "$mark" >/dev/kmsg
}

# kernel_log_bad: what the kernel logged since the mark that looks bad.
kernel_log_bad()
{
	dmesg | awk -v mark="$mark" -v re="$bad_re" \
		'seen && $0 ~ re { print } index($0, mark) { seen = 1 }'
}

# path_filters DEV ADDR4 ADDR6: the tc commands that count SCTP from
# (ingress) and to (egress) the peer's addresses on the router's DEV.
path_filters()
{
	cat <<-EOF
		qdisc add dev $1 clsact
		filter add dev $1 ingress protocol ip pref 1 flower ip_proto sctp src_ip $2 action pass
		filter add dev $1 ingress protocol ipv6 pref 2 flower ip_proto sctp src_ip $3 action pass
		filter add dev $1 egress protocol ip pref 1 flower ip_proto sctp dst_ip $2 action pass
		filter add dev $1 egress protocol ipv6 pref 2 flower ip_proto sctp dst_ip $3 action pass
	EOF
}

# path_counts: "from1_4 from1_6 from2_4 from2_6 to1_4 to1_6 to2_4 to2_6",
# SCTP packets so far from and to the peer's addresses (1, 2).
path_counts()
{
	tc -n "$NS_RTR" -s -j -batch - <<-EOF | jq -s -r '[.[] |
		[.[] | select(.options.actions != null)] | sort_by(.pref)[] |
		.options.actions[0].stats.packets] | join(" ")'
		filter show dev p1 ingress
		filter show dev p2 ingress
		filter show dev p1 egress
		filter show dev p2 egress
	EOF
}

# path_delta A B: B - A per counter.
path_delta()
{
	local a b i out=()

	read -ra a <<<"$1"
	read -ra b <<<"$2"
	for i in 0 1 2 3 4 5 6 7; do
		out+=($((${b[i]:-0} - ${a[i]:-0})))
	done
	echo "${out[*]}"
}

# sctp_path N: route the peer's SCTP to the VIPs over its path N.
sctp_path()
{
	local via4=$RTR_P1_4 via6=$RTR_P1_6

	if [ "$1" = 2 ]; then
		via4=$RTR_P2_4 via6=$RTR_P2_6
	fi
	ip -n "$NS_PEER" -batch - <<-EOF
		route replace $VIP_NET4 via $via4 table 100
		route replace $VIP_NET6 via $via6 table 100
	EOF
}

# flip_paths STOPFILE: alternate the SCTP path every FLIP_MS until
# STOPFILE exists.
flip_paths()
{
	local n=0 s

	s=$(printf '%d.%03d' $((FLIP_MS / 1000)) $((FLIP_MS % 1000)))
	while [ ! -e "$1" ]; do
		sleep "$s"
		n=$((n + 1))
		sctp_path $((n % 2 + 1))
	done
}

# --- servers and configuration ------------------------------------------

start_servers()
{
	local i k a

	for i in 1 2 3; do
		bg "${NS_SRVS[i]}" /dev/null "$tmp/serve.$i.err" \
			"${PIN_SERVERS[@]}" python3 \
			"$dir/lib/lb_restart.py" serve srv$i "$tmp/serve.$i" $PORT
		for k in $KINDS; do
			if [ "${k%?}" = nat ]; then
				a=$(srv_addr $k $i)
			else
				a=${VIP[$k]}
			fi
			bg "${NS_SRVS[i]}" /dev/null "$tmp/echo.$k.$i.err" \
				"$dir/sctp_echo" -s seqpacket -p $SCTP_PORT -a "$a" \
				-c "$tmp/echo.$k.$i" -q
		done
	done
	for i in 1 2 3; do
		busywait $((60000 * SCALE)) test -e "$tmp/serve.$i" || {
			echo "# lb_restart.py serve on srv$i did not start:" \
				"$(cat "$tmp/serve.$i.err")"
			return 1
		}
		for k in $KINDS; do
			busywait $((20000 * SCALE)) test -s "$tmp/echo.$k.$i" || {
				echo "# sctp_echo $k on srv$i did not start:" \
					"$(cat "$tmp/echo.$k.$i.err")"
				return 1
			}
		done
	done
}

# config: the LB configuration, as "lbnl restore" lines.
config()
{
	local k p port i tag=

	for k in $KINDS; do
		for p in tcp udp sctp; do
			port=$PORT
			[ $p = sctp ] && port=$SCTP_PORT
			echo "vip add $(key "${VIP[$k]}" $port) proto $p mode ${k%?}"
			for i in 1 2 3; do
				[ "$FLOW_TAGS" = 1 ] && tag=" tag-id $i"
				echo "dest add $(key "${VIP[$k]}" $port) proto $p" \
					"$(srv_addr $k $i)$tag"
			done
		done
	done
}

# tags_lb I: LB I gets the tag key (after a reload too: it is never read
# back, so "lbnl save" cannot have it).
tags_lb()
{
	[ "$FLOW_TAGS" = 1 ] || return 0
	lbx "$1" tag set key-file "$tmp/tag.key"
}

# tags_setup: the key, on both LBs and the servers (with their ids).
tags_setup()
{
	local i

	[ "$FLOW_TAGS" = 1 ] || return 0
	if ! "$LBNL" tag help >/dev/null 2>&1; then
		echo "# $LBNL has no \"tag\" object: no routable SCTP tags"
		return 1
	fi
	( umask 077; "$LBNL" tag genkey >"$tmp/tag.key" ) || return
	for ((i = 1; i < ${#NS_LBS[@]}; i++)); do
		tags_lb $i || return
	done
	for i in 1 2 3; do
		nsn "${NS_SRVS[i]}" "$LBNL" tag set key-file "$tmp/tag.key" \
			server-id $i || return
	done
}

# lb_sync FROM TO: LB TO gets LB FROM's "lbnl save" (and the tag key),
# in place of its own configuration.
lb_sync()
{
	{ echo flush; lbx "$1" save; } >"$tmp/sync.save" && tags_lb "$2" &&
		lbx "$2" restore <"$tmp/sync.save"
}

# health_checks: every LB reaches every server (and so has its neighbour
# entries, as an LB health-checking its servers would).
health_checks()
{
	local i j a=()

	for j in 1 2 3; do
		a+=("$(srv_addr 4 $j)" "$(srv_addr 6 $j)")
	done
	for ((i = 1; i < ${#NS_LBS[@]}; i++)); do
		# shellcheck disable=SC2016 # for sh
		nsn "${NS_LBS[i]}" sh -c 'for a; do
			ping -q -c 1 -W 5 "$a" >/dev/null ||
				{ echo "# no answer from $a"; exit 1; }
			done' - "${a[@]}" || return
	done
}

# --- traffic ------------------------------------------------------------

declare -A SCTP_PID=()
FLOWS_PID=
FLIP_PID=

traffic_ready()
{
	local k

	for k in $KINDS; do
		[ -e "$1/sctp.$k.ready" ] || return 1
	done
	[ -e "$1/ready" ]
}

# traffic_start DIR: the flows of a phase, state in DIR.
traffic_start()
{
	local d=$1 k b specs=()

	mkdir -p "$d"
	sctp_path 1
	for k in $KINDS; do
		case $k in
		*6) b="-b $PEER1_6 -b $PEER2_6" ;;
		*)  b="-b $PEER1_4 -b $PEER2_4" ;;
		esac
		# shellcheck disable=SC2086 # two options
		bg "$NS_PEER" /dev/null "$d/sctp.$k.err" "$dir/sctp_peer" \
			-c "${VIP[$k]}" -p $SCTP_PORT $b -n $PER_KIND -S 2 \
			-i $((2 * INTERVAL_MS)) --rto-min 100 --rto-max 1000 \
			--rto-initial 300 --hb-interval 500 \
			--setup-timeout $((60 * SCALE)) \
			--drain-ms $((20000 * SCALE)) -r "$d/sctp.$k.ready" \
			--stop-file "$d/stop" -o "$d/sctp.$k.json" -q
		SCTP_PID[$k]=$BG
		specs+=("$k,tcp,${VIP[$k]},$PORT,$PER_KIND"
			"$k,udp,${VIP[$k]},$PORT,$PER_KIND")
	done
	bg "$NS_PEER" "$d/flows.out" "$d/flows.err" "${PIN_CLIENT[@]}" python3 \
		"$dir/lib/lb_restart.py" flows "$d" "$INTERVAL_MS" \
		$((20 * SCALE)) "${specs[@]}"
	FLOWS_PID=$BG
	tlog "clients started"
	busywait $((90000 * SCALE)) traffic_ready "$d" || return
	tlog "every flow had an echo"
	flip_paths "$d/stop" &
	FLIP_PID=$!
	RUNNING[$FLIP_PID]=1
}

# traffic_stop DIR: stop sending, wait for the last echoes; SCTP_RC[kind],
# FLOWS_RC: the clients' exit statuses.
declare -A SCTP_RC=()
traffic_stop()
{
	local d=$1 k

	touch "$d/stop"
	for k in $KINDS; do
		reap "${SCTP_PID[$k]}" $((60000 * SCALE))
		SCTP_RC[$k]=$?
	done
	tlog "SCTP clients done"
	reap "$FLOWS_PID" $((60000 * SCALE))
	FLOWS_RC=$?
	tlog "TCP/UDP client done"
	reap "$FLIP_PID" 10000
	sctp_path 1
}

# flows_live DIR: every TCP/UDP flow had an echo in the last second.
flows_live()
{
	local live n

	read -r _ live n <"$1/progress" 2>/dev/null || return 1
	[ "$live" = "$n" ]
}

# sctp_echoed: messages the sctp_echo servers echoed so far, all VIPs.
sctp_echoed()
{
	local f e n=0

	for f in "$tmp"/echo.*.[123]; do
		read -r e _ <"$f" 2>/dev/null
		n=$((n + ${e:-0}))
	done
	echo $n
}

# --- checks -------------------------------------------------------------

# flows_per_proto: SCTP associations (TCP connections, UDP flows) in all.
flows_per_proto()
{
	local k n=0

	for k in $KINDS; do
		n=$((n + PER_KIND))
	done
	echo $n
}

# check_sctp DIR LABEL: every association survived, every message echoed
# once and in order, no COMM_LOST/RESTART/ABORT. Sets SUM_SCTP.
check_sctp()
{
	local d=$1 k s n reset aborts comm_lost restart sent lost dup reord bad gap

	for k in $KINDS; do
		[ -s "$d/sctp.$k.json" ] || echo '{}' >"$d/sctp.$k.json"
	done
	s=$(jq -s -r '
		[.[].per_assoc // [] | .[]] as $a |
		{assocs: ($a | length),
		 reset: ([$a[] | select(.aborted or .state == "dead")] | length),
		 aborts: (map(.aborts // 0) | add),
		 comm_lost: (map(.comm_lost // 0) | add),
		 restart: (map(.restart // 0) | add),
		 sent: (map(.sent // 0) | add),
		 lost: (map(.lost // 0) | add),
		 dup: (map(.duplicated // 0) | add),
		 reord: (map(.reordered // 0) | add),
		 bad: (map(.bad // 0) | add),
		 gap: (map(.max_stall_ms // 0) | max)} |
		"\(.assocs) \(.reset) \(.aborts) \(.comm_lost) \(.restart) \(.sent) \(.lost) \(.dup) \(.reord) \(.bad) \(.gap)"
		' "$d"/sctp.*.json)
	read -r n reset aborts comm_lost restart sent lost dup reord bad gap <<<"$s"
	SUM_SCTP="sctp: $n assocs, $reset reset (aborts $aborts, comm_lost $comm_lost, restart $restart), sent $sent, lost $lost, dup $dup, reord $reord, max stall $gap ms"
	[ "$n" = $(flows_per_proto) ]
	check_err $? "SCTP: $n associations of $(flows_per_proto)"
	[ "$reset" = 0 ] && [ "$aborts" = 0 ] && [ "$comm_lost" = 0 ] &&
		[ "$restart" = 0 ]
	check_err $? "SCTP: $reset of $n associations reset (aborts $aborts, comm_lost $comm_lost, restart $restart)"
	[ "$lost" = 0 ] && [ "$dup" = 0 ] && [ "$reord" = 0 ] && [ "$bad" = 0 ] &&
		[ "$sent" -gt 0 ]
	check_err $? "SCTP: sent $sent, lost $lost, duplicated $dup, reordered $reord, bad $bad"
	for k in $KINDS; do
		[ "${SCTP_RC[$k]}" = 0 ]
		check_err $? "SCTP $k: sctp_peer exit ${SCTP_RC[$k]}: $(head -c 300 "$d/sctp.$k.err")"
	done
	# the broken associations, a few
	jq -r '.per_assoc // [] | .[] |
		select(.aborted or .state == "dead" or .lost > 0) |
		"#   sctp \(input_filename | sub(".*/sctp\\."; "") | sub("\\.json"; ""))/\(.idx): \(.state)\(if .aborted then " aborted" else "" end) sent \(.sent) echoed \(.echoed) lost \(.lost) \(.why // "")"' \
		"$d"/sctp.*.json 2>/dev/null | head -n 8
}

# check_proto DIR PROTO: the TCP or UDP flows. Sets SUM_<PROTO>.
check_proto()
{
	local d=$1 p=$2 s n reset sent lost dup reord moved bad retx gap

	s=$(jq -r --arg p "$p" '[.flows[] | select(.proto == $p)] |
		{n: length,
		 reset: ([.[] | select(.error != null)] | length),
		 sent: (map(.sent) | add // 0), lost: (map(.lost) | add // 0),
		 dup: (map(.duplicated) | add // 0),
		 reord: (map(.reordered) | add // 0),
		 moved: ([.[] | select(.moved > 0)] | length),
		 bad: (map(.bad) | add // 0),
		 retx: (map(.retransmits) | add // 0),
		 gap: (map(.max_gap_ms) | max // 0)} |
		"\(.n) \(.reset) \(.sent) \(.lost) \(.dup) \(.reord) \(.moved) \(.bad) \(.retx) \(.gap)"
		' "$d/summary.json" 2>/dev/null)
	read -r n reset sent lost dup reord moved bad retx gap <<<"$s"
	if [ -z "$n" ] || [ "$FLOWS_RC" -gt 1 ]; then
		check_err 1 "${p^^}: lb_restart.py exit $FLOWS_RC: $(head -c 300 "$d/flows.err")"
		printf -v "SUM_${p^^}" '%s: no summary' "$p"
		return
	fi
	if [ "$p" = tcp ]; then
		printf -v SUM_TCP '%s' "tcp: $n conns, $reset reset, sent $sent, lost $lost, dup $dup, reord $reord, max gap $gap ms"
	else
		printf -v SUM_UDP '%s' "udp: $n flows, $moved moved, $reset failed, sent $sent, lost $lost, dup $dup, reord $reord, retransmits $retx, max gap $gap ms"
	fi
	[ "$n" = $(flows_per_proto) ]
	check_err $? "${p^^}: $n flows of $(flows_per_proto)"
	[ "$reset" = 0 ] && [ "$moved" = 0 ]
	check_err $? "${p^^}: $reset of $n flows failed, $moved moved to another server"
	[ "$lost" = 0 ] && [ "$dup" = 0 ] && [ "$reord" = 0 ] && [ "$bad" = 0 ] &&
		[ "$sent" -gt 0 ]
	check_err $? "${p^^}: sent $sent, lost $lost, duplicated $dup, reordered $reord, bad $bad"
	jq -r --arg p "$p" '.flows[] | select(.proto == $p) |
		select(.error != null or .lost > 0 or .moved > 0 or
		       .duplicated > 0 or .reordered > 0 or .bad > 0) |
		"#   \(.name) port \(.lport) (\(.server)): sent \(.sent) echoed \(.echoed) lost \(.lost) dup \(.duplicated) reord \(.reordered) moved \(.moved) \(.servers // "" | tostring) \(.error // "")"' \
		"$d/summary.json" 2>/dev/null | head -n 8
	# their entries on the active LB
	jq -r --arg p "$p" '.flows[] | select(.proto == $p) |
		select(.error != null or .lost > 0 or .moved > 0) | .lport' \
		"$d/summary.json" 2>/dev/null | head -n 8 >"$d/broken.$p"
	[ -s "$d/broken.$p" ] || return 0
	lbx "$ACTIVE" -j conn show 2>/dev/null | jq -r --arg p "$p" \
		--rawfile ports "$d/broken.$p" '($ports | split("\n")) as $l |
		.[] | select(.proto == $p) |
		select((.peer | sub(".*:"; "")) as $pp | $l | index($pp)) |
		"#   LB'"$ACTIVE"' entry: \(.vip) \(.peer) -> \(.dest) \(.state) \(.flags // [] | join(","))"'
}

# check_paths C0 C1 C2: SCTP came from both peer addresses (each family)
# before the event (C0..C1) and after (C1..C2), and went to both.
check_paths()
{
	local before after a b i ok=0

	before=$(path_delta "$1" "$2")
	after=$(path_delta "$2" "$3")
	echo "# SCTP packets from addr1 v4 v6, addr2 v4 v6; to addr1 v4 v6, addr2 v4 v6:"
	echo "#   before the event: $before"
	echo "#   after the event:  $after"
	read -ra a <<<"$before"
	read -ra b <<<"$after"
	for i in 0 1 2 3; do
		[ "${a[i]}" -gt 0 ] && [ "${b[i]}" -gt 0 ] || ok=1
	done
	for i in 4 5 6 7; do
		[ $((a[i] + b[i])) -gt 0 ] || ok=1
	done
	check_err $ok "SCTP did not use both peer addresses: before $before, after $after"
}

# --- phases ---------------------------------------------------------------
#
# run_phase NAME: NAME_prepare (if defined), traffic, BEFORE_S s,
# NAME_event, until every TCP/UDP flow echoes again, AFTER_S s, stop,
# checks, NAME_finish (if defined). Each phase is self-contained; $ACTIVE
# is the LB whose entries and drops are shown when a check fails.

ACTIVE=${ACTIVE:-1}

run_phase()
{
	local p=$1 label=${PHASE_LABEL[$1]:-$1} d=$tmp/$1 c0 c1 c2 t0 t1 e0 bad

	mark_dmesg "$p"
	RET=0
	if declare -F "${p}_prepare" >/dev/null; then
		"${p}_prepare" "$d"
		check_err $? "$p: preparation failed"
	fi
	traffic_start "$d"
	check_err $? "traffic did not start: $(cat "$d"/*.err 2>/dev/null | head -c 600)"
	c0=$(path_counts)
	tlog "$label: traffic up, LB$ACTIVE active"
	sleep "$BEFORE_S"
	c1=$(path_counts)
	e0=$(sctp_echoed)
	t0=$(now_ms)
	"${p}_event" "$d"
	check_err $? "$p: the event failed"
	t1=$(now_ms)
	echo "# $label: event done in $((t1 - t0)) ms"
	busywait $((60000 * SCALE)) flows_live "$d"
	echo "# $label: every TCP/UDP flow echoing again $(($(now_ms) - t0)) ms" \
		"after the event began ($(cat "$d/progress" 2>/dev/null |
		awk '{ print $2 " of " $3 " live" }'))"
	sleep "$AFTER_S"
	c2=$(path_counts)
	echo "# $label: SCTP echoes since the event: $(($(sctp_echoed) - e0))"
	traffic_stop "$d"
	tlog "$label: traffic stopped"
	if [ "$RET" -ne 0 ]; then
		log_test "$label: under traffic"
	else
		log_test "$label: under traffic ($((t1 - t0)) ms)"
	fi
	lbx "$ACTIVE" -j stats 2>/dev/null | jq -c '.global.drops // {} |
		with_entries(select(.value != 0))' | sed "s/^/# $label: drops on LB$ACTIVE: /"
	[ "$FLOW_TAGS" = 1 ] && lbx "$ACTIVE" tag show 2>&1 |
		sed "s/^/# $label: LB$ACTIVE tag show: /"

	RET=0
	check_sctp "$d"
	log_test "$label: SCTP: no association reset, restarted or lost; nothing lost, duplicated, reordered"
	RET=0
	check_proto "$d" tcp
	log_test "$label: TCP: no connection reset; nothing lost, duplicated, reordered"
	RET=0
	check_proto "$d" udp
	log_test "$label: UDP: no flow moved; nothing lost, duplicated, reordered"
	RET=0
	check_paths "$c0" "$c1" "$c2"
	log_test "$label: SCTP from and to both peer addresses"
	echo "# summary $label: $SUM_SCTP | $SUM_TCP | $SUM_UDP"

	tlog "$label: checked"
	RET=0
	if declare -F "${p}_finish" >/dev/null; then
		"${p}_finish" "$d"
		check_err $? "$p: finishing failed"
	fi
	bad=$(kernel_log_bad)
	[ -z "$bad" ]
	check_err $? "kernel log: $(echo "$bad" | head -n 5)"
	log_test "$label: kernel log clean"
}
