#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# flood.sh: a flood of spoofed packets from random sources cannot take the
# connection table from legitimate flows (conn.c: unconfirmed entries,
# their eviction). In topo_lb3 (lib/dataplane.sh), nat VIPs on 192.0.2.1
# and tun VIPs on 192.0.2.2:
#
#	nat tcp/9000, sctp/7300  streams: $STREAMS TCP connections and as
#	                     many SCTP associations (lib/flood.py), a line
#	                     every 0.5 s each, echoed by the servers
#	tun tcp/7400, sctp/7401  new connections all along (flowgen connect:
#	                     connect, ask, read the answer, close)
#	nat udp/9000         flooded only
#
# The new connections go to tun VIPs because there the servers answer the
# spoofed packets (RST, ABORT) straight to their sources, not through the
# LB: nothing closes a spoofed entry early, as in the measured attack. (In
# nat, the RSTs and ABORTs passing through the LB close the entries, and a
# module without unconfirmed entries gets by; with tun VIPs it refuses
# every new connection, conn_limit, until the 15-minute entries expire.)
#
# With the table small (sysctl conn_max $CONN_MAX, unconfirmed_max
# $UNCONF_MAX), the peer sends $FLOOD spoofed packets, each from a source
# (address in 198.51.100.128/25, port) of its own: TCP ACKs to tcp/9000
# and tcp/7400, SYNs to tcp/7400, SCTP DATA (a tag per source) to
# sctp/7300 and sctp/7401, UDP to udp/9000. Every one would create an
# entry with a 5-15 minute timeout, were it not unconfirmed. Checks: no
# stream lost (every TCP connection and SCTP association still echoes at
# the end: one whose retransmissions backed off while the VM's CPUs were
# flooded has 120 s to echo again), no new connection failed during the
# flood and all succeed after it, the flood was sent whole; then, with the
# table full and a last flood of fresh spoofed ACKs to the tun VIP going
# on, 10 new TCP and 10 new SCTP connections complete (a module without
# unconfirmed entries refuses them all, conn_limit). The table's occupancy
# (entries, unconfirmed, evicted, conn_limit drops) is printed.
#
# Environment: STREAMS (100), FLOOD (1000000), CONN_MAX (30000),
# UNCONF_MAX (5000).

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"

STREAMS=${STREAMS:-100}
FLOOD=${FLOOD:-1000000}
CONN_MAX=${CONN_MAX:-30000}
UNCONF_MAX=${UNCONF_MAX:-5000}
FLOWGEN=$dir/flowgen
FP=$dir/lib/flood.py
HP=$dir/lib/hardening.py
SPOOF_SRC=198.51.100.128/25
P_SCTP=7300 P_NEW=7400 P_NEW_SCTP=7401

require_cmd python3 nsenter jq
require_module sctp
if [ ! -x "$LBNL" ] || [ ! -x "$FLOWGEN" ]; then
	echo "SKIP: lbnl CLI or flowgen not built"
	exit $ksft_skip
fi
if [ ! -d /sys/module/lbnl ]; then
	echo "SKIP: module lbnl not loaded"
	exit $ksft_skip
fi
tmp=$(mktemp -d)
defer rm -rf "$tmp"

# connect PROTO PORT COUNT CONC SECS: flowgen connect's JSON (tun VIP).
connect()
{
	nsx "$NS_PEER" "$FLOWGEN" connect -d $DP_TUN4 -p "$2" -P "$1" -n "$3" \
		-c "$4" -T "$5" -t 15000 -j 2>/dev/null
}

# stat FIELD: a global counter of "lbnl -j stats".
stat()
{
	lbx -j stats | jq -r ".global.$1 // 0"
}

RET=0
dp_setup
check_err $? "setup failed"
if [ "$RET" -ne 0 ]; then
	log_test "setup"
	ksft_exit
fi
nsn "$NS_LB" sysctl -qw net.lbnl.conn_max=$CONN_MAX
check_err $? "sysctl net.lbnl.conn_max"
# (a module without unconfirmed entries has no such sysctl)
nsn "$NS_LB" sysctl -qw net.lbnl.unconfirmed_max=$UNCONF_MAX ||
	echo "# no net.lbnl.unconfirmed_max"
for i in 1 2 3; do
	ns=${NS_SRVS[i - 1]}
	srv=$(eval echo "\$SRV${i}_IP4")
	dp_bg "$ns" python3 "$HP" sctp-echo "$srv" $P_SCTP "$tmp/echo.$i"
	dp_bg "$ns" "$FLOWGEN" serve -p $P_NEW -P tcp -b :: -w "$tmp/tcp.$i"
	dp_bg "$ns" "$FLOWGEN" serve -p $P_NEW_SCTP -P sctp -b :: \
		-w "$tmp/sctp.$i"
done
for i in 1 2 3; do
	busywait 30000 test -e "$tmp/echo.$i" -a -e "$tmp/tcp.$i" \
		-a -e "$tmp/sctp.$i"
	check_err $? "the servers of srv$i did not start"
done
{
	for v in "tcp $DP_PORT nat" "udp $DP_PORT nat" "sctp $P_SCTP nat" \
		 "tcp $P_NEW tun" "sctp $P_NEW_SCTP tun"; do
		set -- $v
		[ "$3" = nat ] && vip=$DP_NAT4 || vip=$DP_TUN4
		echo "vip add $vip:$2 proto $1 mode $3"
		for i in 1 2 3; do
			echo "dest add $vip:$2 proto $1 $(eval echo "\$SRV${i}_IP4"):$2"
		done
	done
} | dp_apply
check_err $? "configuring the VIPs"
out=$(connect tcp $P_NEW 6 2 30)
[ "$(echo "$out" | jq .ok)" = 6 ]
check_err $? "tcp/$P_NEW before the flood: $out"
out=$(connect sctp $P_NEW_SCTP 6 2 30)
[ "$(echo "$out" | jq .ok)" = 6 ]
check_err $? "sctp/$P_NEW_SCTP before the flood: $out"
log_test "setup: the VIPs answer, $STREAMS-entry streams next"

# the streams
RET=0
for p in tcp sctp; do
	[ $p = tcp ] && port=$DP_PORT || port=$P_SCTP
	dp_bg "$NS_PEER" python3 "$FP" streams $p $DP_NAT4 $port "$STREAMS" \
		"$tmp/streams.$p" "$tmp/stop"
done
for p in tcp sctp; do
	busywait 120000 test -e "$tmp/streams.$p.up"
	check_err $? "$p streams did not come up"
	[ "$(cat "$tmp/streams.$p.up" 2>/dev/null)" = "$STREAMS" ]
	check_err $? "$(cat "$tmp/streams.$p.up" 2>/dev/null) of $STREAMS $p streams came up"
done
log_test "streams: $STREAMS TCP connections and $STREAMS SCTP associations up"

# the flood, and new connections all along
RET=0
n=$((FLOOD / 10))
flood=()
fl=0
for f in "ack $DP_PORT 0 $((n * 2)) $DP_NAT4" \
	 "ack $P_NEW $((n * 2)) $n $DP_TUN4" \
	 "syn $P_NEW $((n * 3)) $((n * 2)) $DP_TUN4" \
	 "sctp-data $P_SCTP 0 $((n * 2)) $DP_NAT4" \
	 "sctp-data $P_NEW_SCTP $((n * 2)) $n $DP_TUN4" \
	 "udp $DP_PORT 0 $((FLOOD - n * 8)) $DP_NAT4"; do
	set -- $f
	fl=$((fl + 1))
	nsx "$NS_PEER" "$FLOWGEN" send -d "$5" -p "$2" -t "$1" \
		-s $SPOOF_SRC -S 1024-65535 -o "$3" -n "$4" -c 1 -j \
		>"$tmp/flood.$fl" 2>&1 &
	flood+=($!)
done
t0=$(date +%s)
nc=0
while kill -0 "${flood[@]}" 2>/dev/null; do
	nc=$((nc + 1))
	connect tcp $P_NEW 4 2 5 >"$tmp/during.tcp.$nc" &
	connect sctp $P_NEW_SCTP 4 2 5 >"$tmp/during.sctp.$nc"
	wait $!
done
wait "${flood[@]}"
t1=$(date +%s)
sent=$(cat "$tmp"/flood.* | jq -s 'map(.sent) | add // 0')
echo "# flood: $sent spoofed packets in $((t1 - t0)) s"
[ "$sent" -ge "$FLOOD" ]
check_err $? "the flood sent $sent packets, want $FLOOD: $(cat "$tmp"/flood.*)"
echo "# table after the flood: entries $(stat active_conns) (conn_max $CONN_MAX), unconfirmed $(stat unconfirmed), evicted $(stat evicted), drops.conn_limit $(dp_drop conn_limit)"
log_test "flood: $FLOOD spoofed ACK/SYN/SCTP DATA/UDP packets from random sources"

RET=0
ok=$(cat "$tmp"/during.* | jq -s 'map(.ok) | add // 0')
failed=$(cat "$tmp"/during.* | jq -s 'map(.failed) | add // 0')
echo "# new connections during the flood: $ok completed, $failed failed ($nc rounds)"
[ "$ok" -gt 0 ] && [ "$failed" = 0 ]
check_err $? "new connections during the flood: $ok completed, $failed failed"
for p in "tcp $P_NEW" "sctp $P_NEW_SCTP"; do
	set -- $p
	out=$(connect "$1" "$2" 10 2 60)
	[ "$(echo "$out" | jq .ok)" = 10 ]
	check_err $? "$1/$2 after the flood: $out"
done
log_test "new flows: accepted during and after the flood"

# The table full of spoofed entries, and a flood that goes on: fresh
# spoofed ACKs (a source each, never twice: two packets would confirm an
# entry) to the tun VIP take every slot that frees up, unless a new flow
# may evict them. 10 new TCP and 10 new SCTP connections must complete
# while it lasts.
RET=0
nsx "$NS_PEER" "$FLOWGEN" send -d $DP_TUN4 -p $P_NEW -t ack \
	-s $SPOOF_SRC -S 1024-65535 -o "$FLOOD" -n 7000000 -c 1 -j \
	>"$tmp/flood.last" 2>&1 &
flood_pid=$!
sleep 3
out_tcp=$(connect tcp $P_NEW 10 2 60)
out_sctp=$(connect sctp $P_NEW_SCTP 10 2 60)
kill -0 $flood_pid 2>/dev/null
check_err $? "the last flood ended before the connections did: $(cat "$tmp/flood.last")"
kill $flood_pid 2>/dev/null
wait $flood_pid 2>/dev/null
[ "$(echo "$out_tcp" | jq .ok)" = 10 ]
check_err $? "tcp/$P_NEW during the last flood: $out_tcp"
[ "$(echo "$out_sctp" | jq .ok)" = 10 ]
check_err $? "sctp/$P_NEW_SCTP during the last flood: $out_sctp"
echo "# table during the last flood: entries $(stat active_conns), unconfirmed $(stat unconfirmed), evicted $(stat evicted), drops.conn_limit $(dp_drop conn_limit)"
log_test "new flows: accepted while a full table is flooded on"

RET=0
touch "$tmp/stop"
for p in tcp sctp; do
	busywait 150000 test -s "$tmp/streams.$p"
	check_err $? "$p streams did not report"
	read -r _ up _ lost _ echoes _ min <"$tmp/streams.$p"
	echo "# $p streams: $up up, $lost lost, $echoes echoes (fewest $min)"
	[ "$up" = "$STREAMS" ] && [ "$lost" = 0 ] && [ "$min" -gt 0 ]
	check_err $? "$p streams: $(head -n 4 "$tmp/streams.$p" | tr '\n' ';')"
done
log_test "streams: 0 of $STREAMS TCP connections and $STREAMS SCTP associations lost"
ksft_exit
