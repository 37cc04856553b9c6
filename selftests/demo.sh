#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: a tour of lbnl, run by "make demo" inside the test VM (which has
# loaded kmod/lbnl.ko). Builds the topo_lb3 topology (see lib/topo.sh) and
# configures, in the lb namespace, a TCP VIP (NAT) over the three servers
# and an SCTP VIP over IPv6 (IPIP tunnel), puts one server in maintenance,
# and shows the result as text, as JSON, as "lbnl save" output and as the
# events "lbnl monitor" saw. Every command is echoed before it runs.

. "$(dirname "$0")/lib/topo.sh"

LBNL=${LBNL:-lbnl}
VIP4=192.0.2.10
VIP6=2001:db8:10::10

step()
{
	echo
	echo "=== $*"
}

# lbnl ARGS...: echo, then run the CLI in the lb namespace; stop on error.
lbnl()
{
	echo "+ lbnl $*"
	if ! ip netns exec "$NS_LB" "$LBNL" "$@"; then
		echo "demo: FAILED: lbnl $*"
		exit 1
	fi
}

# Is anyone in the lb namespace subscribed to a generic netlink group?
monitor_ready()
{
	ip netns exec "$NS_LB" awk '$2 == 16 && $4 != "00000000" { f = 1 }
		END { exit !f }' /proc/net/netlink
}

events_seen()
{
	[ "$(grep -c . "$monlog")" -ge "$1" ]
}

if [ ! -x "$LBNL" ] && ! command -v "$LBNL" >/dev/null; then
	echo "demo: the lbnl CLI ($LBNL) is not built"
	exit 1
fi

step "topology: peer -- lb -- srv1..3 (namespaces, see selftests/lib/topo.sh)"
topo_lb3 || { echo "demo: FAILED: topology"; exit 1; }
echo "+ ip -br addr  (in lb)"
ip -n "$NS_LB" -br addr
echo "(lbnl commands below run in namespace $NS_LB)"

step "lbnl monitor, in the background"
monlog=$(mktemp)
defer rm -f "$monlog"
echo "+ lbnl monitor &"
ip netns exec "$NS_LB" "$LBNL" monitor >"$monlog" 2>&1 &
monpid=$!
defer kill "$monpid"
busywait 5000 monitor_ready ||
	echo "(monitor not subscribed yet; early events may be missing)"

step "a TCP VIP, NAT mode, three servers"
lbnl vip add $VIP4:80 proto tcp mode nat
lbnl dest add $VIP4:80 proto tcp $SRV1_IP4:8080 weight 100
lbnl dest add $VIP4:80 proto tcp $SRV2_IP4:8080 weight 100
lbnl dest add $VIP4:80 proto tcp $SRV3_IP4:8080 weight 50

step "an SCTP (Diameter) VIP over IPv6, IPIP tunnel mode (servers reply directly)"
lbnl vip add "[$VIP6]:3868" proto sctp mode tun sched maglev migrate-after 60
lbnl dest add "[$VIP6]:3868" proto sctp $SRV1_IP6
lbnl dest add "[$VIP6]:3868" proto sctp $SRV2_IP6
lbnl dest add "[$VIP6]:3868" proto sctp $SRV3_IP6

step "srv2 goes to maintenance: no new flows for it"
lbnl dest set $VIP4:80 proto tcp $SRV2_IP4:8080 state maint

step "what the module holds"
lbnl vip show

step "the same as JSON"
lbnl -j -p vip show

step "lbnl save (what lbnl restore reads back)"
lbnl save

step "events seen by lbnl monitor"
# 2 VIPs + 6 dests added + 1 dest changed
busywait 5000 events_seen 9 ||
	echo "(fewer events than the 9 changes made)"
kill "$monpid" 2>/dev/null
wait "$monpid" 2>/dev/null
cat "$monlog"

step "demo done"
