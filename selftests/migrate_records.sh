#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Migrated associations outlive the LB's table (issue 15): lbnld keeps a
# record of every committed migration (its state-dir, migrated.json) and
# installs the entries again after the LB's module restarts, before the
# VIPs are announced; a record ends with its association.
#
#   $NS_PEER (sctp_peer x4) -- $NS_LB (lbnl.ko, lbnld) -- srv1..3 (lbnl-agent,
#                                                          lbnl-echo)
#   tun 192.0.2.2:3868 (the servers bound to the VIP) and nat
#   192.0.2.3:3872 (each server on its own address), dests srv1..3.
#
# Every association starts on srv1 (srv2 and srv3 take no new flows
# then), so that every one of them migrates: a module reload without
# routable tags on the servers (not this test's subject) would otherwise
# reschedule the others too. Per VIP, peer "a" holds NA associations and
# peer "b" one; 4 streams each, a message on each every INTERVAL ms,
# every echo checked (sctp_peer --app-counter).
#
#   migrate   srv1 set to maint on both VIPs: lbnld and the agents move
#             every association to srv2/srv3; each entry is flagged
#             migrated on its target, and lbnld's records name the same
#             (VIP, tag, dest)
#   reload    the LB restarts as lbnld(8) RESTARTS says: the router stops
#             sending it traffic (here: the peer's link cut both ways) and
#             lbnld's routes are gone (a reboot); lbnld killed, "lbnl
#             save", rmmod/insmod lbnl.ko, "lbnl restore", lbnld started;
#             the link comes back once lbnld has announced the VIPs (its
#             routes in table 100). Then every entry must already be back
#             on its target, flagged migrated, and every association's
#             packets go on (each entry's packet count grows, the targets
#             echo)
#   upgrade   the module reloaded under a running lbnld whose restore-file
#             is the LB's "lbnl save" (lbnld(8) READINESS): lbnld holds the
#             new instance, restores it, installs the records, and only
#             then reconciles its routes. The routes of table 100 are
#             never deleted or rewritten meanwhile (ip monitor), the
#             configuration is the save, every migrated entry is back on
#             its target, and traffic goes on once the link (cut during
#             the reload, as in "reload") is back
#   boot      the LB "reboots" with lbnld configuring it: lbnld killed, the
#             link cut, its routes flushed, the module reloaded; lbnld
#             started on the empty module with restore-file and
#             tag-key-file: when the VIPs are announced (routes back in
#             table 100) the configuration is the save, the LB's tag key
#             the one it had (fingerprint), every migrated entry back on
#             its target; lbnld's log says restored, ready, then the
#             routes; traffic goes on
#   lbnld     lbnld killed and started alone: the records file unchanged,
#             nothing installed, added or removed
#   stop      lbnld killed (SIGKILL, a crash): its routes stay; started
#             again, then stopped (SIGTERM, systemctl stop): its routes
#             are gone (on-stop withdraw), the module's table unchanged;
#             started again: announced again
#   end       peer "b" of each VIP closes its association: its record
#             goes at the next reconciliation (SIGHUP), the others stay;
#             then the "a" peers close: no record left. The peers saw
#             nothing: no loss, duplicate, reorder, COMM_LOST, RESTART or
#             ABORT, app counters continuous
#
# The peers tolerate the LB's absence for ~30 s (association and path
# max_retrans 30, RTO max 1 s): a slow VM's restart must not read as a
# failure; an ABORT from a dest that does not hold the association (what
# happens without the records) ends one at once.
#
# Environment: NA (4), INTERVAL (40 ms); LBNLD (tools/lbnld/lbnld: an
# lbnld without records, e.g. a build of an older tree, shows the failure).

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/migrate.sh"

NA=${NA:-4}
INTERVAL=${INTERVAL:-40}
PORT_NAT=3872
NAT_VIP=192.0.2.3
KT=$(dp_key $DP_TUN4 $PORT4)
KN=$(dp_key $NAT_VIP $PORT_NAT)
RECORDS=		# set after agents.sh: $LBNLD_STATE/migrated.json

tmp=$(mktemp -d)
defer rm -rf "$tmp"
umask 077
. "$dir/lib/agents.sh"
RECORDS=$LBNLD_STATE/migrated.json
LBNLD_RESTORE=$tmp/lbnl.save

dp_require
agents_require
require_cmd jq
require_cmd tc

declare -A PPID_OF

# peer_run NAME VIP PORT N: sctp_peer NAME (N associations to VIP:PORT).
peer_run()
{
	local name=$1 vip=$2 port=$3 n=$4

	rm -f "$tmp/$name.ready" "$tmp/$name.stop"
	# shellcheck disable=SC2086 # PEER_RTO: options
	nsn "$NS_PEER" "$dir/sctp_peer" -c "$vip" -p "$port" -n "$n" -S 4 \
		-i "$INTERVAL" --app-counter $PEER_RTO -r "$tmp/$name.ready" \
		--stop-file "$tmp/$name.stop" -o "$tmp/$name.json" \
		> /dev/null 2>>"$tmp/bg.log" &
	PPID_OF[$name]=$!
	defer kill "${PPID_OF[$name]}"
	busywait 30000 test -e "$tmp/$name.ready"
}

# peer_end NAME: stop it; 0 if it saw nothing wrong.
peer_end()
{
	touch "$tmp/$1.stop"
	wait "${PPID_OF[$1]}" || true
	jq -e '.lost == 0 and .duplicated == 0 and .reordered == 0 and
	       .comm_lost == 0 and .restart == 0 and .aborts == 0 and
	       (.app_counter_errors // 0) == 0 and .echoed > 0' \
		"$tmp/$1.json" > /dev/null 2>&1
}

peer_summary()
{
	jq -c '{sent, echoed, lost, aborts, comm_lost, restart, max_stall_ms}' \
		"$tmp/$1.json" 2>/dev/null || echo "no summary"
}

# peer_ports NAME: the local ports of its associations, one a line.
peer_ports()
{
	sed -n 's/.* lport=\([0-9]*\) .*/\1/p' "$tmp/$1.ready"
}

# migrated: "VIP TAG DEST" of every entry flagged migrated, sorted.
migrated()
{
	lb -j conn show |
		jq -r '.[] | select(.flags | index("migrated")) |
			"\(.vip) \(.my_vtag) \(.dest)"' | sort
}

# recorded: the same from lbnld's records.
recorded()
{
	jq -r '.records[] | "\(.vip) \(.my_vtag) \(.dest)"' "$RECORDS" \
		2>/dev/null | sort
}

n_records()
{
	jq '.records | length' "$RECORDS" 2>/dev/null || echo none
}

records_are()
{
	[ "$(n_records)" = "$1" ]
}

# on_dest SRV: established entries of both VIPs on server SRV's address.
on_dest()
{
	lb -j conn show |
		jq -r --arg a "$1:" '.[] | select(.state == "established") |
			select(.dest | startswith($a)) | .peer' | wc -l
}

committed()
{
	[ "$(grep -c 'committed in' "$tmp/lbnld.log")" -ge "$1" ]
}

# entries_of PORTS...: entries (any state) of peer ports PORTS.
entries_of()
{
	local p n=0

	for p in "$@"; do
		n=$((n + $(lb -j conn show |
			jq --arg p ":$p" '[.[] | select(.peer | endswith($p))] | length')))
	done
	echo $n
}

gone()
{
	[ "$(entries_of "$@")" = 0 ]
}

# min_packets: the fewest packets of a migrated entry (0 if none).
min_packets()
{
	lb -j conn show |
		jq '[.[] | select(.flags | index("migrated")) | .packets] |
			min // 0'
}

packets_over()
{
	[ "$(min_packets)" -gt "$1" ]
}

# echoes: messages srv2 and srv3 echoed so far (both VIPs).
echoes()
{
	local i f n=0

	for i in 2 3; do
		for f in count count.nat; do
			n=$((n + $(cut -d' ' -f1 "$tmp/$f.srv$i" 2>/dev/null ||
				echo 0)))
		done
	done
	echo $n
}

echoes_over()
{
	[ "$(echoes)" -gt "$1" ]
}

lb_sysctls()
{
	# Closed entries go within a few seconds (the "end" case).
	nsn "$NS_LB" sysctl -qw net.lbnl.timeout_sctp_closed=1 \
		net.lbnl.gc_interval_ms=100
}

announced()
{
	ip -n "$NS_LB" route show table 100 | grep -q "^$DP_TUN4 " &&
		ip -n "$NS_LB" route show table 100 | grep -q "^$NAT_VIP "
}

# link_cut add|del: nothing passes between the peer and the LB.
link_cut()
{
	nsn "$NS_PEER" tc qdisc "$1" dev eth0 root ${2:+netem loss 100%} &&
		nsn "$NS_LB" tc qdisc "$1" dev eth0 root ${2:+netem loss 100%}
}

rmmod_lbnl()
{
	local i

	for i in $(seq 100); do
		rmmod lbnl 2>"$tmp/rmmod.err" && return 0
		sleep 0.1
	done
	echo "# rmmod lbnl: $(cat "$tmp/rmmod.err")"
	return 1
}

now_ms()
{
	date +%s%3N
}

# Logged since the line count $1 of lbnld's log.
log_since()
{
	tail -n +"$(($1 + 1))" "$tmp/lbnld.log"
}

# traffic_goes_on: every migrated entry's packet count grows past 20 and
# the targets echo 200 more messages (check_err on each).
traffic_goes_on()
{
	local e0

	e0=$(echoes)
	busywait 30000 packets_over 20
	check_err $? "a migrated entry's packets stay at $(min_packets) (of $(lb -j conn show | jq '[.[] | select(.flags | index("migrated"))] | length') flagged)"
	busywait 20000 echoes_over $((e0 + 200))
	check_err $? "the targets echoed $(($(echoes) - e0)) messages since"
}

case_migrate()
{
	local total=$((2 * (NA + 1))) i a

	RET=0
	for i in 2 3; do
		a=SRV${i}_IP4
		lb dest set $KT proto sctp "$(dp_key "${!a}" $PORT4)" weight 1 &&
			lb dest set $KN proto sctp "$(dp_key "${!a}" $PORT_NAT)" weight 1
		check_err $? "weights"
	done
	sleep 1.2	# every association older than migrate-after
	[ "$(on_dest "$SRV1_IP4")" -eq "$total" ]
	check_err $? "$(on_dest "$SRV1_IP4") of $total associations on srv1 before maint"
	lb dest set $KT proto sctp "$(dp_key "$SRV1_IP4" $PORT4)" state maint &&
		lb dest set $KN proto sctp "$(dp_key "$SRV1_IP4" $PORT_NAT)" state maint
	check_err $? "dest set maint failed"
	busywait 60000 committed "$total"
	check_err $? "lbnld committed $(grep -c 'committed in' "$tmp/lbnld.log") of $total migrations: $(grep aborted "$tmp/lbnld.log" | tail -n 2)"
	migrated > "$tmp/map.before"
	[ "$(wc -l < "$tmp/map.before")" -eq "$total" ] &&
		! grep -q " $SRV1_IP4:" "$tmp/map.before"
	check_err $? "entries flagged migrated: $(wc -l < "$tmp/map.before") of $total (not on srv1)"
	busywait 5000 records_are "$total"
	check_err $? "lbnld's records: $(n_records) of $total"
	recorded > "$tmp/rec.before"
	cmp -s "$tmp/map.before" "$tmp/rec.before"
	check_err $? "records differ from the table: $(diff "$tmp/map.before" "$tmp/rec.before" | head -n 4 | tr '\n' ' ')"
	echo "# $total associations moved srv1 -> srv2 ($(grep -c " $SRV2_IP4:" "$tmp/map.before")), srv3 ($(grep -c " $SRV3_IP4:" "$tmp/map.before")); records: $(n_records)"
	log_test "migrate: every association moved off srv1, flagged migrated and recorded"
}

case_reload()
{
	local t0 t1 t2 got

	RET=0
	lb save > "$tmp/lb.save"
	check_err $? "lbnl save"
	lbnld_kill
	t0=$(now_ms)
	link_cut add on
	check_err $? "cutting the peer's link (tc netem)"
	# A reboot leaves no route; the router withdrew the LB's.
	ip -n "$NS_LB" route flush table 100 2>/dev/null
	rmmod_lbnl && insmod "$LBNL_KO"
	check_err $? "rmmod/insmod lbnl"
	lb restore < "$tmp/lb.save" && lb_sysctls
	check_err $? "lbnl restore"
	lbnld_start
	check_err $? "lbnld did not start"
	busywait 30000 announced
	check_err $? "lbnld did not announce the VIPs: $(ip -n "$NS_LB" route show table 100)"
	t1=$(now_ms)
	# What the first packets will find.
	migrated > "$tmp/map.reload"
	link_cut del
	t2=$(now_ms)
	got=$(comm -12 "$tmp/map.before" "$tmp/map.reload" | wc -l)
	[ "$got" -eq "$(wc -l < "$tmp/map.before")" ]
	check_err $? "when the VIPs were announced, $got of $(wc -l < "$tmp/map.before") migrated entries were back on their targets"
	echo "# link cut $((t2 - t0)) ms; VIPs announced $((t1 - t0)) ms after the cut; $got of $(wc -l < "$tmp/map.before") entries back, flagged migrated, on their targets"
	traffic_goes_on
	migrated > "$tmp/map.after"
	cmp -s "$tmp/map.before" "$tmp/map.after"
	check_err $? "the table changed after the reload: $(diff "$tmp/map.before" "$tmp/map.after" | head -n 4 | tr '\n' ' ')"
	log_test "reload: the module reloaded, the configuration restored, lbnld started: every migrated entry back before the VIPs are announced; traffic goes on"
}

# routes: table 100 of the LB (both families), sorted.
routes()
{
	{ ip -n "$NS_LB" route show table 100
	  ip -n "$NS_LB" -6 route show table 100; } 2>/dev/null | sort
}

no_routes()
{
	[ -z "$(routes)" ]
}

case_upgrade()
{
	local lines mon conf

	RET=0
	if ! lbnld_restores; then
		log_test_skip "upgrade: $LBNLD has no restore-file"
		return
	fi
	lb save > "$LBNLD_RESTORE"
	check_err $? "lbnl save"
	conf=$(lb save)
	# lbnld runs with restore-file since its start (agents.sh).
	grep -q "^restore-file $LBNLD_RESTORE\$" "$tmp/lbnld.conf"
	check_err $? "lbnld's configuration has no restore-file"
	busywait 10000 announced
	routes > "$tmp/routes.before"
	lines=$(wc -l < "$tmp/lbnld.log")
	ip -n "$NS_LB" monitor route > "$tmp/monitor" 2>&1 &
	mon=$!
	defer kill $mon
	sleep 0.2
	link_cut add on
	check_err $? "cutting the peer's link (tc netem)"
	rmmod_lbnl && insmod "$LBNL_KO"
	check_err $? "rmmod/insmod lbnl"
	busywait 30000 sh -c "tail -n +$((lines + 1)) '$tmp/lbnld.log' | grep -q 'module ready'"
	check_err $? "lbnld did not say the module is ready: $(log_since "$lines" | tail -n 4)"
	lb_sysctls
	migrated > "$tmp/map.upgrade"
	link_cut del
	sleep 0.5
	kill $mon 2>/dev/null
	wait $mon 2>/dev/null
	[ "$(lb save)" = "$conf" ]
	check_err $? "the restored configuration differs from the save: $(diff <(lb save) <(echo "$conf") | head -n 4 | tr '\n' ' ')"
	cmp -s "$tmp/map.before" "$tmp/map.upgrade"
	check_err $? "when the module was ready, $(comm -12 "$tmp/map.before" "$tmp/map.upgrade" | wc -l) of $(wc -l < "$tmp/map.before") migrated entries were back on their targets"
	! grep -E "table 100" "$tmp/monitor" | grep -q .
	check_err $? "table 100 changed during the reload: $(grep 'table 100' "$tmp/monitor" | head -n 3 | tr '\n' ' ')"
	routes | cmp -s - "$tmp/routes.before"
	check_err $? "the routes differ after the reload: $(routes | tr '\n' ' ')"
	# The restore, then "ready", then whatever lbnld does to a route
	# ("VIP 192.0.2.2 ..." lines): nothing here.
	log_since "$lines" |
		grep -nE 'configuration restored from|module ready|lbnld: VIP ' \
		> "$tmp/order"
	[ "$(wc -l < "$tmp/order")" = 2 ] &&
		sed -n 1p "$tmp/order" | grep -q 'configuration restored' &&
		sed -n 2p "$tmp/order" | grep -q 'module ready'
	check_err $? "lbnld's log, in order: $(cut -c1-120 "$tmp/order" | tr '\n' ' ')"
	traffic_goes_on
	echo "# $(log_since "$lines" | grep -c 'entry installed') entries installed by lbnld; routes untouched: $(wc -l < "$tmp/routes.before")"
	log_test "upgrade: the module reloaded under lbnld: restored by lbnld, records installed, routes untouched; traffic goes on"
}

case_stop()
{
	local n

	RET=0
	routes > "$tmp/routes.before"
	n=$(wc -l < "$tmp/routes.before")
	lbnld_kill
	sleep 0.5
	routes | cmp -s - "$tmp/routes.before"
	check_err $? "routes changed when lbnld was killed: $(routes | tr '\n' ' ')"
	lbnld_start
	check_err $? "lbnld did not start"
	busywait 10000 announced
	migrated > "$tmp/map.stop"
	kill -TERM "$LBNLD_PID"
	wait "$LBNLD_PID"
	check_err $? "lbnld's exit status after SIGTERM"
	no_routes
	check_err $? "routes left after SIGTERM: $(routes | tr '\n' ' ')"
	grep -q "on-stop withdraw: $n of $n routes removed" "$tmp/lbnld.log"
	check_err $? "lbnld did not say it withdrew $n routes: $(grep 'on-stop' "$tmp/lbnld.log")"
	migrated | cmp -s - "$tmp/map.stop"
	check_err $? "the module's table changed when lbnld stopped"
	lbnld_start
	check_err $? "lbnld did not start"
	busywait 10000 announced
	check_err $? "lbnld did not announce the VIPs again"
	echo "# $n routes: kept on SIGKILL, withdrawn on SIGTERM, back at start"
	log_test "stop: SIGKILL leaves the routes, SIGTERM withdraws them (the table untouched), start announces again"
}

case_boot()
{
	local lines conf fp

	RET=0
	if ! lbnld_restores; then
		log_test_skip "boot: $LBNLD has no restore-file"
		return
	fi
	# The LB's tag key, as an operator sets it; lbnld sets it again.
	LBNLD_TAG_KEY=$tmp/tag.key
	lb tag genkey > "$LBNLD_TAG_KEY" &&
		lb tag set key-file "$LBNLD_TAG_KEY"
	check_err $? "lbnl tag genkey / tag set"
	fp=$(lb -j tag show | jq -r '.lb.fingerprint')
	lb save > "$LBNLD_RESTORE"
	conf=$(lb save)
	lbnld_kill
	link_cut add on
	check_err $? "cutting the peer's link (tc netem)"
	ip -n "$NS_LB" route flush table 100 2>/dev/null
	rmmod_lbnl && insmod "$LBNL_KO"
	check_err $? "rmmod/insmod lbnl"
	lines=$(wc -l < "$tmp/lbnld.log")
	lbnld_start
	check_err $? "lbnld did not start"
	busywait 30000 announced
	check_err $? "lbnld did not announce the VIPs: $(log_since "$lines" | tail -n 4)"
	# What the first packets will find.
	migrated > "$tmp/map.boot"
	lb_sysctls
	link_cut del
	[ "$(lb save)" = "$conf" ]
	check_err $? "the restored configuration differs from the save: $(diff <(lb save) <(echo "$conf") | head -n 4 | tr '\n' ' ')"
	[ "$(lb -j tag show | jq -r '.lb.fingerprint')" = "$fp" ]
	check_err $? "the LB's tag key: $(lb -j tag show | jq -c .lb), expected fingerprint $fp"
	cmp -s "$tmp/map.before" "$tmp/map.boot"
	check_err $? "when the VIPs were announced, $(comm -12 "$tmp/map.before" "$tmp/map.boot" | wc -l) of $(wc -l < "$tmp/map.before") migrated entries were back on their targets"
	log_since "$lines" |
		grep -nE "routable tags' key set|configuration restored from|module ready|lbnld: VIP " \
		> "$tmp/order"
	sed -n 1p "$tmp/order" | grep -q "routable tags' key set" &&
		sed -n 2p "$tmp/order" | grep -q 'configuration restored' &&
		sed -n 3p "$tmp/order" | grep -q 'module ready' &&
		sed -n 4p "$tmp/order" | grep -q 'routed to the LB (route written)'
	check_err $? "lbnld's log, in order: $(cut -c1-120 "$tmp/order" | tr '\n' ' ')"
	traffic_goes_on
	log_test "boot: lbnld configures the empty module (key, restore), installs the records, then announces; traffic goes on"
}

case_lbnld()
{
	local lines

	RET=0
	cp "$RECORDS" "$tmp/records.copy" 2>/dev/null
	lbnld_kill
	lines=$(wc -l < "$tmp/lbnld.log")
	lbnld_start
	check_err $? "lbnld did not restart"
	# Its first reconciliation, and one more (SIGHUP).
	busywait 10000 sh -c "tail -n +$((lines + 1)) '$tmp/lbnld.log' | grep -q 'reconciled '"
	kill -HUP "$LBNLD_PID"
	busywait 10000 sh -c "tail -n +$((lines + 1)) '$tmp/lbnld.log' | grep 'reconciled ' | sed -n 2p | grep -q ."
	check_err $? "no reconciliation after the restart: $(log_since "$lines" | tail -n 3)"
	cmp -s "$RECORDS" "$tmp/records.copy"
	check_err $? "the records file changed: $(n_records) records"
	log_since "$lines" | grep -q "$(n_records) records of migrated associations"
	check_err $? "lbnld did not read its records: $(log_since "$lines" | grep records)"
	! log_since "$lines" | grep -Eq 'record (added|removed)|entry installed|replaced'
	check_err $? "lbnld changed something: $(log_since "$lines" | grep -E 'record' | head -n 2)"
	migrated > "$tmp/map.lbnld"
	cmp -s "$tmp/map.before" "$tmp/map.lbnld"
	check_err $? "the table changed"
	echo "# lbnld restarted: records: $(n_records)"
	log_test "lbnld restarted alone: its records intact, nothing installed or removed"
}

# recorded_tag TAG: lbnld has a record of the tag.
recorded_tag()
{
	jq -e --argjson v "$1" '.records | map(.my_vtag) | index($v) != null' \
		"$RECORDS" > /dev/null 2>&1
}

# end_peers NAME...: stop them; their records go at the next reconciliation.
end_peers()
{
	local name ports=() left before vtags v

	before=$(n_records)
	for name in "$@"; do
		mapfile -t -O "${#ports[@]}" ports < <(peer_ports "$name")
	done
	# The tags of their associations, as recorded.
	vtags=$(jq -r --argjson p "$(printf '%s\n' "${ports[@]}" | jq -s .)" \
		'.records[] | select((.peer | sub(".*:"; "") | tonumber) as $x |
			$p | index($x) != null) | .my_vtag' "$RECORDS" 2>/dev/null)
	for name in "$@"; do
		peer_end "$name"
		check_err $? "peer $name: $(peer_summary "$name")"
		echo "# peer $name: $(peer_summary "$name")"
	done
	busywait 30000 gone "${ports[@]}"
	check_err $? "entries of the closed associations still there: $(entries_of "${ports[@]}")"
	left=$((before - ${#ports[@]}))
	kill -HUP "$LBNLD_PID"
	busywait 10000 records_are "$left"
	check_err $? "$(n_records) records after ${#ports[@]} associations ended, expected $left"
	[ "$(echo "$vtags" | grep -c .)" -eq "${#ports[@]}" ]
	check_err $? "$(echo "$vtags" | grep -c .) records of the ${#ports[@]} associations before they ended"
	for v in $vtags; do
		! recorded_tag "$v"
		check_err $? "the record of tag $v is still there"
		grep -q "record removed: .* vtag $(printf '0x%08x' "$v"): its entry is gone: the association ended" "$tmp/lbnld.log"
		check_err $? "lbnld did not log the end of tag $v"
	done
}

case_end()
{
	RET=0
	end_peers bt bn
	echo "# peers b closed: records left: $(n_records)"
	end_peers at an
	echo "# peers a closed: records left: $(n_records)"
	log_test "end: an association that ends loses its record at the next reconciliation; the peers saw nothing"
}

if ! dp_setup; then
	echo "# set-up failed"
	exit $ksft_fail
fi
certs_make || { echo "# certificates: openssl failed"; exit $ksft_fail; }
for i in 1 2 3; do
	agent_start $i || { echo "# agent srv$i did not start"; exit $ksft_fail; }
done
app_servers $PORT4 $DP_TUN4 count 1 2 3
for i in 1 2 3; do
	a=SRV${i}_IP4
	app_servers $PORT_NAT "${!a}" count.nat "$i"
done
# The peer outlives a slow LB restart; an ABORT still ends it at once.
nsn "$NS_PEER" sysctl -qw net.sctp.association_max_retrans=30 \
	net.sctp.path_max_retrans=30
lb_sysctls
lbnld_start || { echo "# lbnld did not start: $(cat "$tmp/lbnld.log")"; exit $ksft_fail; }
lb restore <<-EOF || { echo "# VIP set-up failed"; exit $ksft_fail; }
	vip add $KT proto sctp mode tun migrate-after 1
	dest add $KT proto sctp $SRV1_IP4:$PORT4 weight 1
	dest add $KT proto sctp $SRV2_IP4:$PORT4 weight 0
	dest add $KT proto sctp $SRV3_IP4:$PORT4 weight 0
	vip add $KN proto sctp mode nat migrate-after 1
	dest add $KN proto sctp $SRV1_IP4:$PORT_NAT weight 1
	dest add $KN proto sctp $SRV2_IP4:$PORT_NAT weight 0
	dest add $KN proto sctp $SRV3_IP4:$PORT_NAT weight 0
EOF
defer lb flush
busywait 10000 dp_listening "$NS_SRV1" sctp:$PORT4 sctp:$PORT_NAT &&
	busywait 10000 dp_listening "$NS_SRV3" sctp:$PORT4 sctp:$PORT_NAT ||
	{ echo "# the lbnl-echo servers are not listening"; exit $ksft_fail; }
peer_run at $DP_TUN4 $PORT4 "$NA" && peer_run bt $DP_TUN4 $PORT4 1 &&
	peer_run an $NAT_VIP $PORT_NAT "$NA" && peer_run bn $NAT_VIP $PORT_NAT 1 ||
	{ echo "# peers not ready: $(tail -n 3 "$tmp/bg.log")"; exit $ksft_fail; }

case_migrate
case_reload
case_upgrade
case_boot
case_lbnld
case_stop
case_end
ksft_exit
