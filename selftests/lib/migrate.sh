# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# migrate.sh: helpers of the LB-side SCTP migration test and demo. Source
# after topo.sh and dataplane.sh (dp_setup's topology, tun VIPs); $tmp must
# name a scratch directory. The functions play what lbnld and the agents
# will do, in the claim's order: the LB opens the migration (or did, for a
# dest in maint), the source exports, the target imports, the LB commits,
# the source releases; any failure rolls back (abort, resume).

PORT4=3868
PORT6=3869
PEER_RTO="--rto-min 100 --rto-max 1000 --rto-initial 500"

# use_family 4|6: the VIP the cases work on: 192.0.2.2:3868 or
# [2001:db8:10::2]:3869 (its own echo servers, on srv1 and srv2).
use_family()
{
	if [ "$1" = 6 ]; then
		VIP=$DP_TUN6 PORT=$PORT6 S1=$SRV1_IP6 S2=$SRV2_IP6 CNT=count6
	else
		VIP=$DP_TUN4 PORT=$PORT4 S1=$SRV1_IP4 S2=$SRV2_IP4 CNT=count
	fi
	KEY=$(dp_key $VIP $PORT)
}
# echo_servers PORT ADDR COUNT I...: the unmodified echo server
# (one-to-many, bound to ADDR) on srvI..., counting into $tmp/COUNT.srvI;
# per-association SCTP buffers (README, "Association transplant").
echo_servers()
{
	start_servers "" "$@"
}

# start_servers APP PORT ADDR COUNT I...: echo_servers; APP non-empty:
# lbnl-echo ($ECHO_APP, lib/agents.sh) registered with srvI's agent instead.
start_servers()
{
	local app=$1 port=$2 addr=$3 cnt=$4 i ns cmd

	shift 4
	for i in "$@"; do
		ns=${NS_SRVS[i - 1]}
		cmd=("$dir/sctp_echo" -s seqpacket)
		[ -n "$app" ] && cmd=("$ECHO_APP" -A "$tmp/apps.srv$i.sock")
		nsn "$ns" sysctl -qw net.sctp.sndbuf_policy=1 \
			net.sctp.rcvbuf_policy=1
		ip netns exec "$ns" "${cmd[@]}" -p "$port" -a "$addr" \
			-c "$tmp/$cnt.srv$i" -q \
			</dev/null >/dev/null 2>>"$tmp/bg.log" &
		defer kill $!
	done
}

lb()
{
	nsn "$NS_LB" "$LBNL" "$@"
}

srv_ns()
{
	case $1 in
	"$SRV1_IP4" | "$SRV1_IP6") echo "$NS_SRV1" ;;
	"$SRV2_IP4" | "$SRV2_IP6") echo "$NS_SRV2" ;;
	"$SRV3_IP4" | "$SRV3_IP6") echo "$NS_SRV3" ;;
	esac
}

# entries: "vtag dest-address peer" per association of the VIP.
entries()
{
	lb -j conn show $KEY proto sctp |
		jq -r '.[] | select(.state == "established") |
			"\(.my_vtag) \(.dest | sub(":[0-9]+$"; "") |
			ltrimstr("[") | rtrimstr("]")) \(.peer)"'
}

# carry_out VTAG FROM TO PEER: what the agents and lbnld do once the LB
# has opened the migration: export, import, commit, release; on failure,
# rollback (abort at the LB, resume the source, drop the target's copy).
carry_out()
{
	local vtag=$1 from=$2 to=$3 peer=$4 st=$tmp/state.$1
	local fns tns

	fns=$(srv_ns "$from")
	tns=$(srv_ns "$to")
	# The export's own deadline, scaled as dp_setup scales the LB's.
	if ! nsn "$fns" "$LBNL" assoc export $KEY "$peer" \
		timeout $((5000 * ${LBNL_TIMEOUT_SCALE:-1})) > "$st"; then
		echo "# export $peer on $from failed"
		lb migrate abort $KEY proto sctp vtag "$vtag"
		return 1
	fi
	if ! nsn "$tns" "$LBNL" assoc import "$st" > /dev/null; then
		echo "# import $peer on $to failed"
		lb migrate abort $KEY proto sctp vtag "$vtag"
		nsn "$fns" "$LBNL" assoc resume $KEY "$peer"
		return 1
	fi
	if ! lb migrate commit $KEY proto sctp vtag "$vtag"; then
		echo "# commit of $peer failed (deadline?)"
		nsn "$tns" "$LBNL" assoc release $KEY "$peer"
		nsn "$fns" "$LBNL" assoc resume $KEY "$peer"
		return 1
	fi
	nsn "$fns" "$LBNL" assoc release $KEY "$peer"
}

# migrate_one VTAG FROM TO PEER: open the migration at the LB, carry it out.
migrate_one()
{
	lb migrate start $KEY proto sctp vtag "$1" to "$(dp_key "$3" $PORT)" \
		> /dev/null || return
	carry_out "$@"
}

peer_start()
{
	rm -f "$tmp/ready" "$tmp/stop"
	nsn "$NS_PEER" "$dir/sctp_peer" -c $VIP -p $PORT -n "$1" -S 4 \
		-i "${INTERVAL:-10}" $PEER_EXTRA \
		$PEER_RTO -r "$tmp/ready" --stop-file "$tmp/stop" \
		-o "$tmp/peer.json" > /dev/null 2>>"$tmp/bg.log" &
	PEER_PID=$!
	busywait 30000 test -e "$tmp/ready"
}

peer_stop()
{
	touch "$tmp/stop"
	wait $PEER_PID || return
	jq -e '.lost == 0 and .duplicated == 0 and .reordered == 0 and
	       .comm_lost == 0 and .restart == 0 and .aborts == 0 and
	       (.app_counter_errors // 0) == 0 and .echoed > 0' "$tmp/peer.json" > /dev/null
}

# none_open: no migration is open at the LB.
none_open()
{
	[ "$(lb -j migrate show | jq length)" -eq 0 ]
}

echoed()
{
	cut -d' ' -f1 "$tmp/$CNT.$1" 2>/dev/null || echo 0
}

grows()
{
	[ "$(echoed "$1")" -ge "$2" ]
}

on_dest()
{
	entries | awk -v d="$1" '$2 == d' | wc -l
}

