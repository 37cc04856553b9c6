#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo_bypass.sh: the single-address-tenant part of "make demo" (demo.sh
# runs it last). lib/bypass.sh's topology: a router and the LB, each with
# BIRD2 (eBGP), lbnld on the LB. One tun VIP, 192.0.2.1:9000/tcp, bypass
# auto, dests srv1 and srv2; a client streams numbered lines through it
# (every echo checked) while the tenant scales 2 -> 1 -> 2 dests. Shown at
# each step: the router's FIB ("ip route get 192.0.2.1" in its namespace),
# "lbnl vip show", the LB's packet count for the VIP, what lbnld logged.
# Exit status 0 if the router followed and the stream never broke.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/bypass.sh"
. "$dir/lib/demo.sh"

KEY=$BP_VIP4:$BP_TCP_PORT

tmp=$(mktemp -d)
defer rm -rf "$tmp"

lbnl()
{
	echo "+ lbnl $*"
	bp_lb "$@" || bad "lbnl $*"
}

route_get()
{
	echo "+ ip -n router route get $BP_VIP4"
	ip -n "$NS_RT" route get $BP_VIP4 | head -1
}

echoes()
{
	cat "$tmp/stream/progress" 2>/dev/null || echo 0
}

# show WHAT: the router, the module, the LB's packets, the stream.
show()
{
	route_get
	lbnl vip show
	echo "  the LB has taken $(bp_vip_packets $KEY tcp) packets for the VIP;" \
	     "the client has $(echoes) echoes so far"
}

step "single-address tenants: a router (BIRD2), the LB (BIRD2 + lbnld), 3 servers"
bp_require
bp_setup || { echo "demo: FAILED: set-up (BGP)"; exit 1; }
lbnl vip add $KEY proto tcp mode tun bypass auto
lbnl dest add $KEY proto tcp $SRV1_IP4:$BP_TCP_PORT
lbnl dest add $KEY proto tcp $SRV2_IP4:$BP_TCP_PORT
defer bp_lb flush
bp_lbnld_start
echo "+ lbnld -f -c lbnld.conf   (table $BP_TABLE, exported by the LB's BIRD)"
busywait 10000 bp_rt_via $BP_VIP4 $LB_IP4 > /dev/null ||
	bad "the router did not learn the VIP from the LB"

step "a client streams through the VIP (a line every 100 ms, echoes checked)"
# A source port Maglev gives srv1, the dest that stays.
port=$(DP_FLOWS_RST=1 nsn "$NS_PEER" python3 "$DP_PY" flows tcp $PEER_IP4 \
	26000 20 $BP_VIP4 $BP_TCP_PORT 8 10 | awk '$2 == "srv1" { print $1; exit }')
mkdir -p "$tmp/stream"
nsn "$NS_PEER" python3 "$DP_PY" stream $PEER_IP4 "${port:-26000}" 1 $BP_VIP4 \
	$BP_TCP_PORT "$tmp/stream" > "$tmp/stream/summary" 2>&1 &
stream=$!
busywait 20000 test -e "$tmp/stream/ready" > /dev/null || bad "stream not ready"
show

# scale del|add VIA WHO: srv2 out or in; the router must send the VIP to
# VIA (WHO names it) within 5 s.
scale()
{
	lbnl dest "$1" $KEY proto tcp $SRV2_IP4:$BP_TCP_PORT
	busywait 5000 bp_rt_via $BP_VIP4 "$2" > /dev/null ||
		bad "the router does not send the VIP to $3"
	sleep 2
	show
}

step "the tenant scales down to one dest: the router sends the VIP to it"
scale del $SRV1_IP4 srv1
p0=$(bp_vip_packets $KEY tcp)
n0=$(echoes)
sleep 2
p1=$(bp_vip_packets $KEY tcp)
n1=$(echoes)
echo "  over 2 s: the client got $((n1 - n0)) more echoes, the LB took $((p1 - p0)) packets"
[ "$n1" -gt "$n0" ] || bad "the stream stalled while bypassed"
[ "$p1" -eq "$p0" ] || bad "the LB still takes the VIP's packets"

step "the tenant scales back to two dests: the router sends the VIP to the LB"
scale add $LB_IP4 "the LB"
echo "+ lbnl conn show $KEY proto tcp   (the stream: its entry from before the bypass, srv1)"
bp_lb conn show $KEY proto tcp | grep ":$port " || bad "no entry for the stream"

step "the client stops: every echo came back"
touch "$tmp/stream/stop"
wait $stream || bad "the stream broke: $(cat "$tmp/stream/summary")"
cat "$tmp/stream/summary"

step "what lbnld logged"
grep -v "event \|reconciled" "$tmp/lbnld.log"

exit $failed
