# SPDX-License-Identifier: GPL-2.0
#
# transplant.sh: helpers for tests and benchmarks that move SCTP
# associations between servers. Source after topo.sh; needs $tmp (a
# scratch directory) and uses topo_lb3's namespaces: $NS_LB plays the
# router that sends the service address to the serving server.
#
# The service address SVC4/SVC6 is owned by srv1 and srv2 on lo; an
# unmodified echo server (sctp_echo) listens on it in each.

LBNL=${LBNL:-$dir/../tools/lbnl/lbnl}
# Association states hold vtags: root-only files.
umask 077
SVC4=192.0.2.10
SVC6=2001:db8:10::10
PORT=3868
# A telecom-like peer: short RTOs keep the (invisible) stall short.
PEER_RTO="--rto-min 100 --rto-max 1000 --rto-initial 500"

# transplant_setup: topo_lb3, the service address on srv1 and srv2,
# routed to srv1.
transplant_setup()
{
	local ns

	topo_lb3 || return
	# Per-association send and receive buffers (README, "Servers"): on a
	# one-to-many socket, one association's backlog must not hold up the
	# replies of another in the application, out of the module's sight.
	for ns in "$NS_SRV1" "$NS_SRV2"; do
		ip netns exec "$ns" sysctl -qw net.sctp.sndbuf_policy=1 \
			net.sctp.rcvbuf_policy=1 || return
	done
	addr_add "$NS_SRV1" lo $SVC4/32 $SVC6/128 &&
	addr_add "$NS_SRV2" lo $SVC4/32 $SVC6/128 &&
	route_to $SVC4 $SRV1_IP4 && route_to $SVC6 $SRV1_IP6
}

# key ADDR PORT: how the CLI writes an endpoint.
key()
{
	case $1 in
	*:*) echo "[$1]:$2" ;;
	*)   echo "$1:$2" ;;
	esac
}

# route_to SVC VIA: make rt (NS_LB) send SVC to the server at VIA.
route_to()
{
	local svc=$1 via=$2

	case $svc in
	*:*) ip -n "$NS_LB" -6 route replace "$svc/128" via "$via" ;;
	*)   ip -n "$NS_LB" route replace "$svc/32" via "$via" ;;
	esac
}

# listening NS: an SCTP listener on $PORT exists in NS.
listening()
{
	nsx "$1" cat /proc/net/sctp/eps | awk -v p=$PORT '$6 == p' | grep -q .
}

# start_echo NS STYLE SVC: the unmodified echo server.
start_echo()
{
	local ns=$1 style=$2 svc=$3

	# ip netns exec, not nsx (a function): $! must be the server itself.
	ip netns exec "$ns" "$dir/sctp_echo" -s "$style" -p $PORT -a "$svc" \
		-c "$tmp/count.$ns" -q &
	defer kill $!
	busywait 10000 listening "$ns"
}

# assocs NS: "LADDR:LPORT PADDR:PPORT" of every association on $PORT.
assocs()
{
	nsx "$1" "$LBNL" -j assoc show |
		jq -r --argjson p $PORT '.[] | select(.local_port == $p) |
			[.local_addr, .local_port, .peer_addr, .peer_port] |
			@tsv' |
		while read -r la lp pa pp; do
			echo "$(key "$la" "$lp") $(key "$pa" "$pp")"
		done
}

count_assocs()
{
	assocs "$1" | wc -l
}

# assoc_count_is NS N: NS has exactly N associations (for busywait, which
# must run the count again on every try).
assoc_count_is()
{
	[ "$(count_assocs "$1")" -eq "$2" ]
}

# transplant_fail FROM TO WHAT: say what failed and how both sides look.
transplant_fail()
{
	echo "# transplant: $3 failed; associations on both sides:"
	nsx "$1" "$LBNL" assoc show | sed 's/^/#   from: /'
	nsx "$2" "$LBNL" assoc show | sed 's/^/#   to:   /'
	return 1
}

# move_assoc FROM TO L P N: export one association of FROM, import it on
# TO; the state goes through $tmp/state.N, the stage reached into
# $tmp/stage.N (exported, imported).
move_assoc()
{
	rm -f "$tmp/stage.$5"
	nsx "$1" "$LBNL" assoc export "$3" "$4" timeout 5000 > "$tmp/state.$5" ||
		transplant_fail "$1" "$2" "export $3 $4" || return
	echo exported > "$tmp/stage.$5"
	nsx "$2" "$LBNL" assoc import "$tmp/state.$5" > /dev/null ||
		transplant_fail "$1" "$2" "import $3 $4" || return
	echo imported > "$tmp/stage.$5"
}

# transplant_rollback FROM TO: undo the moves of a failed transplant (the
# route has not been switched): drop the target's copies, resume the source.
transplant_rollback()
{
	local l p i=0 stage

	while read -r l p; do
		i=$((i + 1))
		stage=$(cat "$tmp/stage.$i" 2>/dev/null)
		[ "$stage" = imported ] &&
			nsx "$2" "$LBNL" assoc release "$l" "$p" 2>/dev/null
		[ -n "$stage" ] && nsx "$1" "$LBNL" assoc resume "$l" "$p"
	done < "$tmp/assocs"
	echo "# transplant rolled back"
}

# transplant FROM TO SVC VIA: move every association of FROM to TO: export
# and import them all (side by side: each one frozen is a stall for its
# peer), switch the route to VIA, release FROM's copies. On failure before
# the switch, everything is rolled back.
transplant()
{
	local from=$1 to=$2 svc=$3 via=$4 l p i=0 t0 t1 pid err=0
	local -a pids=()

	t0=$(date +%s%N)
	assocs "$from" > "$tmp/assocs"
	[ -s "$tmp/assocs" ] || { echo "# no association on $from"; return 1; }
	while read -r l p; do
		i=$((i + 1))
		move_assoc "$from" "$to" "$l" "$p" $i &
		pids+=($!)
	done < "$tmp/assocs"
	for pid in "${pids[@]}"; do
		wait "$pid" || err=1
	done
	if [ $err -ne 0 ]; then
		transplant_rollback "$from" "$to"
		return 1
	fi
	route_to "$svc" "$via" || return 1
	while read -r l p; do
		nsx "$from" "$LBNL" assoc release "$l" "$p" ||
			transplant_fail "$from" "$to" "release $l $p" || return
	done < "$tmp/assocs"
	t1=$(date +%s%N)
	echo "# moved $i associations in $(((t1 - t0) / 1000000)) ms"
}

echoed()
{
	cut -d' ' -f1 "$tmp/count.$1" 2>/dev/null || echo 0
}

# grows NS N: the echo server in NS has echoed more than N messages.
grows()
{
	[ "$(echoed "$1")" -gt "$2" ]
}

# stop_echo_servers: stop the echo servers (keep the namespaces).
stop_echo_servers()
{
	pkill -f "$dir/sctp_echo" 2>/dev/null
	busywait 5000 sh -c "! pgrep -f '$dir/sctp_echo' > /dev/null"
	for ns in "$NS_SRV1" "$NS_SRV2"; do
		rm -f "$tmp/count.$ns"
	done
}

