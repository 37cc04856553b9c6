#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# atomic_config.sh: a VIP and its dests are one change. No packet is ever
# scheduled on a part of a VIP's dests while "lbnl restore" applies them:
# not at the start-up of a restored LB, not when dests are added to a VIP.
# A mid-flow TCP packet scheduled on a part of the dests gets an entry on a
# dest that the whole set would not give it, and keeps it: the flow's next
# packets reach a server that resets it.
#
#	$NS_PEER --- $NS_LB (nat VIP 192.0.2.1:9000, maglev) --- $NS_SRV1..3
#	flowgen: TCP ACKs            12 dests: srv1..3 x ports 9000..9003,
#	of $FLOWS flows, no SYN      weights 1 and 2 (topo_lb3, lib/topo.sh)
#
# A generator in $NS_PEER sends mid-flow TCP ACKs (no SYN, no connection:
# every one is picked up) from $FLOWS source ports to the VIP, round after
# round, all along. Then, $ROUNDS times each:
#
#   new  "lbnl flush", then "lbnl restore" of the saved file (a tcp VIP
#        with 12 dests, a udp VIP with 3): a restored LB starting up, under
#        traffic.
#   set  "lbnl flush", the VIP restored without dests (its packets are
#        dropped, no_dest), then a file of its 12 "dest add" lines
#        restored: dests added to a VIP under traffic.
#
# After each restore, once every flow has its entry, the entries are
# compared with the whole set's choice: the entries are flushed ("lbnl conn
# flush"), the flows' next packets make new ones on the complete
# configuration (Maglev is deterministic: the same flow, the same dest),
# and every flow must have the same dest in both. A restore that applies
# the VIP before its dests (VIP_NEW then one DEST_NEW per dest, as lbnl
# did before LBNL_A_VIP_DESTS) leaves entries on a part of the dests: the
# count of those is printed each round, and must be 0.
#
# Environment: FLOWS (2000), ROUNDS (5), PPS (20000: the generator's rate
# cap), LBNL (the CLI), LBNL_KO as the suite sets it.

export LC_ALL=C		# sort and join agree on the order
dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"

FLOWS=${FLOWS:-2000}
ROUNDS=${ROUNDS:-5}
PPS=${PPS:-20000}
FLOWGEN=$dir/flowgen
VIP=192.0.2.1
PORT=9000
KEY=$VIP:$PORT

require_cmd jq nsenter
dp_require_lbnl
if [ ! -x "$FLOWGEN" ]; then
	echo "SKIP: $FLOWGEN not built (make -C selftests)"
	exit $ksft_skip
fi
tmp=$(mktemp -d)
defer rm -rf "$tmp"

# vip_conns: the VIP's entries now.
vip_conns()
{
	lbx -j stats | jq -r --arg k "$KEY" '[.vips[] |
		select(.vip == $k and .proto == "tcp") | .active_conns] |
		first // 0'
}

# all_conns: every flow has its entry (for busywait).
all_conns()
{
	[ "$(vip_conns)" -ge "$FLOWS" ]
}

# entries FILE: "peer dest" of each of the VIP's entries, sorted.
entries()
{
	lbx -j conn show "$KEY" proto tcp |
		jq -r '.[] | "\(.peer) \(.dest)"' | sort >"$1"
}

# check_round PHASE N MS: the entries the restore left against those the
# whole set makes; appends "entries partial" to $tmp/result.PHASE.
check_round()
{
	local phase=$1 n=$2 ms=$3 got ref partial missing

	busywait 60000 all_conns
	check_err $? "$phase round $n: $(vip_conns) of $FLOWS flows have an entry"
	entries "$tmp/after"
	lbx conn flush "$KEY" proto tcp
	check_err $? "$phase round $n: conn flush"
	busywait 60000 all_conns
	check_err $? "$phase round $n: $(vip_conns) of $FLOWS flows have an entry after the flush"
	entries "$tmp/ref"
	got=$(wc -l <"$tmp/after")
	ref=$(wc -l <"$tmp/ref")
	# the same flow on another dest, or not in both
	partial=$(join "$tmp/after" "$tmp/ref" | awk '$2 != $3' | wc -l)
	missing=$(join -v1 -v2 "$tmp/after" "$tmp/ref" | wc -l)
	echo "# $phase round $n: restore $ms ms, $got entries, $partial on a part of the dests (reference: $ref entries, $missing flows not in both)"
	echo "$got $partial" >>"$tmp/result.$phase"
	[ "$got" -ge "$FLOWS" ] && [ "$ref" -ge "$FLOWS" ]
	check_err $? "$phase round $n: $got entries, $ref in the reference, want $FLOWS"
}

# restore FILE: "lbnl restore" in $NS_LB; prints how long it took (ms).
restore()
{
	local t0 t1

	t0=$(date +%s%3N)
	lbx restore <"$1" >"$tmp/restore.out" 2>&1 || {
		echo "# lbnl restore: $(cat "$tmp/restore.out")" >&2
		return 1
	}
	t1=$(date +%s%3N)
	echo $((t1 - t0))
}

# summary PHASE DESC: every round's entries on the whole set.
summary()
{
	local entries partial

	read -r entries partial < <(awk '{ e += $1; p += $2 } END {
		print e + 0, p + 0 }' "$tmp/result.$1" 2>/dev/null)
	[ "${partial:-1}" = 0 ]
	check_err $? "$partial of $entries entries on a part of the dests ($ROUNDS rounds)"
	log_test "$2: $entries entries of $FLOWS flows x $ROUNDS rounds, $partial on a part of the dests"
}

RET=0
topo_lb3
check_err $? "topology"
if [ "$RET" -ne 0 ]; then
	log_test "setup"
	ksft_exit
fi

# The saved configuration: a tcp VIP with 12 dests (weights 1 and 2) and a
# udp VIP with 3, as "lbnl save" writes it.
{
	echo "vip add $KEY proto tcp mode nat sched maglev"
	for p in 0 1 2 3; do
		for i in 1 2 3; do
			echo "dest add $KEY proto tcp 203.0.113.1$i:$((PORT + p)) weight $((1 + (i + p) % 2))"
		done
	done
	echo "vip add $VIP:53 proto udp mode nat"
	for i in 1 2 3; do
		echo "dest add $VIP:53 proto udp 203.0.113.1$i:53"
	done
} >"$tmp/saved"
grep "^dest add $KEY " "$tmp/saved" >"$tmp/dests"
head -n 1 "$tmp/saved" >"$tmp/bare"

restore "$tmp/saved" >/dev/null
check_err $? "the first restore"
n=$(lbx -j dest show | jq length)
[ "$n" = 15 ]
check_err $? "$n dests after the restore, want 15"
log_test "setup: 2 VIPs, 15 dests restored"

# The generator: every flow one ACK a round, until killed. ("ip netns
# exec" execs it: $! is flowgen itself.)
ip netns exec "$NS_PEER" "$FLOWGEN" send -d $VIP -p $PORT -t ack -n "$FLOWS" -c 0 \
	-T 3600 -r "$PPS" -q >"$tmp/flowgen.out" 2>&1 &
gen=$!
defer kill $gen

RET=0
for n in $(seq "$ROUNDS"); do
	lbx flush
	check_err $? "new round $n: flush"
	if ! ms=$(restore "$tmp/saved"); then
		check_err 1 "new round $n: the restore failed"
		continue
	fi
	check_round new "$n" "$ms"
done
kill -0 $gen 2>/dev/null
check_err $? "the generator stopped: $(cat "$tmp/flowgen.out")"
summary new "restore of a VIP with its dests (VIP_NEW) under mid-flow packets"

RET=0
for n in $(seq "$ROUNDS"); do
	lbx flush
	check_err $? "set round $n: flush"
	restore "$tmp/bare" >/dev/null
	check_err $? "set round $n: the restore of the VIP alone failed"
	if ! ms=$(restore "$tmp/dests"); then
		check_err 1 "set round $n: the restore of its dests failed"
		continue
	fi
	check_round set "$n" "$ms"
done
kill -0 $gen 2>/dev/null
check_err $? "the generator stopped: $(cat "$tmp/flowgen.out")"
summary set "restore of dests added to a VIP (VIP_SET) under mid-flow packets"

kill $gen 2>/dev/null
wait $gen 2>/dev/null
ksft_exit
