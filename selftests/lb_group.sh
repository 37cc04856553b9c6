#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An active-active group of LBs behind a router's ECMP (issue 18): every LB
# announces the VIPs over BGP once its lbnld applied the group's
# configuration from etcd, the router spreads the flows over them
# (multipath, L4 hash), BFD withdraws a dead LB. No flow may notice an LB
# dying or joining: each LB makes the same choice for a flow (Maglev over
# the same configuration), SCTP associations are found by their routable
# tags, and an LB picks up the TCP/UDP flows another one carried.
#
#   $NS_PEER                  $NS_RTR (BIRD2: BGP + BFD
#   eth0 198.51.100.1/26  --  p1 .2     to every LB, ECMP)
#        2001:db8:1::1/64        ::2
#   eth1 198.51.100.65/26 --  p2 .66
#        2001:db8:3::1/64        3::2
#                             sw 203.0.113.254, 2001:db8:2::fe
#                              |
#   br0 in $NS_SW (MTU 1600: room for the tunnel headers) --------------.
#    |  $NS_LB1..3 eth0 203.0.113.1..3, 2001:db8:2::1..3 (BIRD2, lbnld   |
#    |    in group mode, driver table: the VIP routes of table 100 are   |
#    |    exported to the router); $NS_LB4 .4, ::4 joins in phase join   |
#    |  $NS_SRV1..3 eth0 203.0.113.11..13, 2001:db8:2::11..13 (the VIPs  |
#    |    on lo, IPIP / ip6ip6 decapsulated; replies straight to the     |
#    |    router, MTU 1500)                                              |
#    `- $NS_ETCD 203.0.113.50: etcd, the group's store -----------------'
#
# etcd serves its clients over TLS and wants their certificates
# (--client-cert-auth): each lbnld and the CLI have their own, from the
# test's CA (tools/tests/mkcert.sh).
#
# The VIPs are tun (IPIP, DSR) only: with replies bypassing the LBs, the
# router may send a flow to any LB. A nat VIP needs its replies back
# through the LB holding the flow's entry, which an ECMP group cannot
# promise (README: "LB groups").
#
# The flows (lib/lb_flows.sh): 2 VIPs (tun4 192.0.2.2, tun6
# [2001:db8:10::2]) of the 3 servers, tcp and udp port 9000, sctp 3868, each
# with PER_KIND flows of each protocol (15: 30 SCTP associations,
# multi-homed on the peer's 2 addresses and switching paths every FLIP_MS,
# 30 TCP connections, 30 UDP flows), numbered messages echoed, every one
# checked.
#
# Phases (PHASES, in order):
#   kill   (a) LB1's link goes down at the switch: it withdraws nothing,
#          the router must notice (BFD) and drop it from the ECMP route
#          within KILL_MS (1 s); no flow lost. LB1's link comes back
#          afterwards and the router uses it again.
#   upgrade (b) each LB in turn: lbnld stopped (its routes withdrawn),
#          its namespace emptied as a new module instance would be (no
#          VIP, no tag key), lbnld started: the key and the group's
#          revision set, then announced again; no flow lost.
#   join   (c) a 4th LB starts (BIRD, lbnld in group mode): it announces
#          the VIPs only once it applied the group's configuration, then
#          the router spreads the flows over 4 LBs; no flow lost.
#   change (d) in the store, a weight changed and a dest added (tun4's
#          tcp and udp get a second address of server 3): every LB's
#          "lbnl save" is the new configuration, each LB's lbnld logged it
#          applied within APPLY_MS (1 s) of "group load" returning; no flow
#          lost.
#   etcd   (f) etcd killed, started again 2 s later: no flow notices; a
#          change loaded then (server 1's weight back to 1) runs on every
#          LB.
#   lag    LB3 cannot apply a revision the others run (its
#          net.lbnl.max_vips is one short of the new VIP): its lbnld
#          withdraws it, the router sends its flows to the others; its
#          limit raised, the revision applies at the next try (every 5 s)
#          and LB3 is announced again; no flow lost.
#
# $NS_REF (no lbnld) shows what "lbnl save" prints once a file is applied.
#
# The topology, the store and the LBs' helpers are lib/lb_group.sh's
# (bench_group.sh uses them too).
#
# Environment: PHASES or CASES ("kill upgrade join change etcd lag"),
# INTERVAL_MS (100), BEFORE_S (3), AFTER_S (4), FLIP_MS (1000), KILL_MS
# (1000); LBNL_TIMEOUT_SCALE multiplies the timeouts (not KILL_MS: the
# router's own promise).

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"
. "$dir/lib/lb_flows.sh"
. "$dir/lib/lb_group.sh"

LBNL=${LBNL:-$dir/../tools/lbnl/lbnl}
LBNLD=${LBNLD:-$dir/../tools/lbnld/lbnld}
PHASES=${PHASES:-${CASES:-"kill upgrade join change etcd lag"}}
INTERVAL_MS=${INTERVAL_MS:-100}
BEFORE_S=${BEFORE_S:-3}
AFTER_S=${AFTER_S:-4}
FLIP_MS=${FLIP_MS:-1000}
KILL_MS=${KILL_MS:-1000}
SCALE=${LBNL_TIMEOUT_SCALE:-1}

declare -A PHASE_LABEL=(
	[kill]="(a) an LB killed"
	[upgrade]="(b) rolling upgrade"
	[join]="(c) a 4th LB joins"
	[change]="(d) weights and a dest changed in the store"
	[etcd]="(f) etcd stopped and started"
	[lag]="(lag) an LB behind the group"
)

group_require
group_tmp

# --- phases -----------------------------------------------------------------

# (b) upgrade: each LB in turn withdrawn (lbnld stopped), its module
# replaced, back. The VM has one lbnl module for all its LBs: a new module
# instance is what "lbnl flush" and "lbnl tag del" leave in the LB's
# namespace (no VIP, no key), which lbnld configures as it would a
# reloaded module (README: "rolling upgrade" says what an operator runs).
upgrade_event()
{
	local i others j t0

	for i in "${LB_UP[@]}"; do
		others=()
		for j in "${LB_UP[@]}"; do
			[ "$j" = "$i" ] || others+=("$j")
		done
		t0=$(now_ms)
		lbnld_stop "$i" &&
			busywait $((20000 * SCALE)) rt_serves "${others[@]}" || {
			echo "# upgrade: LB$i not withdrawn: $(rt_nexthops "${VIP[tun4]}")"
			return 1
		}
		nsn "$(lb_ns "$i")" "$LBNL" flush &&
			nsn "$(lb_ns "$i")" "$LBNL" tag del || return
		lbnld_start "$i"
		busywait $((30000 * SCALE)) rt_serves "${LB_UP[@]}" || {
			echo "# upgrade: LB$i not back: $(rt_nexthops "${VIP[tun4]}")"
			return 1
		}
		echo "# upgrade: LB$i withdrawn, emptied and back in $(($(now_ms) - t0)) ms"
	done
}

# (a) kill
kill_event()
{
	local t0 t4 t6

	: >"$tmp/rtmon"
	rt_monitor_start
	sleep 0.5
	t0=$(now_ms)
	lb_links 1 down || return
	busywait $((10000 * SCALE)) rt_without "$(lb4 1)" "$(lb6 1)"
	sleep 0.2
	kill "$RTMON_PID"
	t4=$(rt_dropped_at "${VIP[tun4]}" "$(lb4 1)") &&
		t6=$(rt_dropped_at "${VIP[tun6]}" "$(lb6 1)") || {
		echo "# kill: the router's route changes: $(head -c 600 "$tmp/rtmon")"
		return 1
	}
	KILL_MEASURED=$((t4 > t6 ? t4 - t0 : t6 - t0))
	echo "# kill: the router dropped LB1 $((t4 - t0)) ms (IPv4), $((t6 - t0)) ms (IPv6) after its link went down"
	grep -i 'lb1_' "$tmp/bird.rtr.log" | tail -n 6 | sed 's/^/# kill: router: /'
	rt_serves 2 3
}

kill_finish()
{
	RET=0
	[ -n "$KILL_MEASURED" ] && [ "$KILL_MEASURED" -le "$KILL_MS" ]
	check_err $? "the router dropped the dead LB after ${KILL_MEASURED:-?} ms (> $KILL_MS ms)"
	log_test "(a) the router drops a dead LB within $KILL_MS ms (${KILL_MEASURED:-?} ms)"

	RET=0
	lb_links 1 up &&
		busywait $((60000 * SCALE)) rt_serves 1 2 3
	check_err $? "LB1 back: the router's next hops are $(rt_nexthops "${VIP[tun4]}") / $(rt_nexthops "${VIP[tun6]}")"
	log_test "(a) LB1 back: the router uses all 3 LBs again"
	RET=0
}

# (c) join
join_event()
{
	local t0

	NS_LBS+=("$NS_LB4")
	LB_UP+=(4)
	t0=$(now_ms)
	lb_start 4 || return
	busywait $((60000 * SCALE)) rt_serves 1 2 3 4 || return
	echo "# join: LB4 in the router's routes $(($(now_ms) - t0)) ms after it started"
}

join_finish()
{
	RET=0
	# lbnld announced the VIPs only once the group's revision ran
	awk '/ group: revision [0-9]+ applied$/ && !a { a = NR }
		/ module ready: / && !r { r = NR }
		END { exit !(a && r && a < r) }' "$tmp/lbnld.lb4.err"
	check_err $? "LB4's lbnld did not apply a revision before its module was ready"
	log_test "(c) LB4 announced the VIPs only once the group's configuration ran"
	RET=0
}

# (d) change

# change_config W: server 1's weight W (tun4, all protocols), and a dest
# added (a second address of server 3, 203.0.113.23, to tun4's tcp and
# udp VIPs).
change_config()
{
	config | awk -v srv1="$(srv_addr 4 1)" -v new=203.0.113.23 -v w="$1" '
		/^dest add / && $0 ~ " " srv1 " " { sub(" tag-id", " weight " w " tag-id") }
		{ print }
		/^dest add .* proto (tcp|udp) / && $0 ~ " " srv1 " " {
			sub(" " srv1 " weight " w " tag-id 1", " " new); print }'
}

change_prepare()
{
	ip -n "$NS_SRV3" addr add 203.0.113.23/24 dev eth0
}

change_event()
{
	change_config 3 >"$tmp/change.conf"
	group_load "(d) change" "$tmp/change.conf" && LOADED=change.conf
}

change_finish()
{
	RET=0
	[ -n "$LOAD_MS" ] && [ "$LOAD_MS" -le $((APPLY_MS * SCALE)) ]
	check_err $? "the change ran on every LB ${LOAD_MS:-?} ms after the load (> $((APPLY_MS * SCALE)) ms)"
	log_test "(d) every LB runs the change within $((APPLY_MS * SCALE)) ms of the load (${LOAD_MS:-?} ms)"
	RET=0
}

# (f) etcd stopped, started
etcd_event()
{
	kill "$ETCD_PID" && wait "$ETCD_PID" 2>/dev/null
	tlog "etcd stopped"
	sleep 2
	etcd_start || return
	tlog "etcd started"
	# server 1's weight back to 1 (the dest added stays: it has flows)
	change_config 1 >"$tmp/etcd.conf"
	group_load "(f) after etcd" "$tmp/etcd.conf" && LOADED=etcd.conf
}

# (lag) an LB that cannot apply a revision the others run

# lag_config: the group's configuration (the last loaded) and one VIP
# more.
lag_config()
{
	cat "$tmp/$LOADED"
	echo "vip add $(key "${VIP[tun4]}" 9100) proto tcp mode tun"
	echo "dest add $(key "${VIP[tun4]}" 9100) proto tcp $(srv_addr 4 1) tag-id 1"
}

lag_event()
{
	local t0 want i others=()

	for i in "${LB_UP[@]}"; do
		[ "$i" = 3 ] || others+=("$i")
	done
	MAX_VIPS=$(nsn "$NS_LB3" sysctl -n net.lbnl.max_vips) || return
	nsn "$NS_LB3" sysctl -qw net.lbnl.max_vips=$((2 * 3)) || return
	lag_config >"$tmp/lag.conf"
	want=$(expected "$tmp/lag.conf") || return
	t0=$(now_ms)
	grp load "$tmp/lag.conf" >/dev/null || return
	busywait $((20000 * SCALE)) lb_saves_are "$want" "${others[@]}" || {
		echo "# lag: LBs ${others[*]} do not run the new revision"
		return 1
	}
	busywait $((20000 * SCALE)) rt_serves "${others[@]}" || {
		echo "# lag: the router still sends to $(rt_nexthops "${VIP[tun4]}")"
		return 1
	}
	echo "# lag: LB3 out of the router's routes $(($(now_ms) - t0)) ms after the load"
	sleep 1
	t0=$(now_ms)
	nsn "$NS_LB3" sysctl -qw net.lbnl.max_vips="$MAX_VIPS" || return
	busywait $((30000 * SCALE)) lb_saves_are "$want" 3 &&
		busywait $((30000 * SCALE)) rt_serves "${LB_UP[@]}" || {
		echo "# lag: LB3 did not come back: $(rt_nexthops "${VIP[tun4]}")"
		return 1
	}
	echo "# lag: LB3 back in the router's routes $(($(now_ms) - t0)) ms after its limit was raised"
}

lag_finish()
{
	RET=0
	grep -q 'which this LB could not apply: it withdraws' "$tmp/lbnld.lb3.err" &&
		grep -q 'applied: this LB serves again' "$tmp/lbnld.lb3.err"
	check_err $? "LB3's lbnld did not say it withdrew and came back: $(grep ' group: ' "$tmp/lbnld.lb3.err" | tail -n 3)"
	! grep -q 'withdraws until' "$tmp"/lbnld.lb[124].err 2>/dev/null
	check_err $? "an LB that ran the revision withdrew"
	log_test "(lag) the LB behind the group withdrew, and came back once it ran the group's revision"
	RET=0
}

# --- main -------------------------------------------------------------------

group_setup || ksft_exit

for p in $PHASES; do
	if ! declare -F "${p}_event" >/dev/null; then
		RET=1 retmsg="no such phase"
		log_test "phase $p"
		continue
	fi
	run_phase "$p"
done

ksft_exit
