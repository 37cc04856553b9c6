#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An LB group (issue 18): one configuration in etcd, two LBs whose lbnld
# runs in group mode (lbnld.conf's "group etcd URL ..."), each in its own
# namespace (the module is per namespace). No router: lbnld keeps its
# routes in table 100 of its namespace, which nothing exports.
#
#	$NS_ETCD                              $NS_LB1, $NS_LB2
#	+-------------------------------+     +--------------------+
#	| br0 198.51.100.50/24   lb1 ---|-----| eth0 198.51.100.1  |
#	| etcd :2379             lb2 ---|-----| eth0 198.51.100.2  |
#	+-------------------------------+     +--------------------+
#
# $NS_REF (no lbnld) is where a file is restored to see what "lbnl save"
# prints of it: what each LB must show once it applied the file.
#
#   start     both LBs report in the store; each module is "ready" (routes
#             may follow) only after a revision of the group is applied.
#   load      "lbnl group load" of 3 VIPs: both LBs' "lbnl save" are the
#             file's, each applied within 1 s of the load's return (the
#             time to each lbnld's "revision R applied" is printed, from
#             the load's return and from its start).
#   change    a weight changed and a dest added, in another load: the same.
#   refused   a revision the kernel alone refuses (two dests of one VIP
#             with the same tag id; it also changes a weight elsewhere):
#             both LBs keep the last good configuration whole, "lbnl group
#             status" shows each LB's error and exits 1.
#   etcd-down etcd killed: both LBs keep their configuration, their lbnld
#             stays up and says so once; etcd started again (same data),
#             a change loaded: applied on both, both report it, status 0.
#   reload    the module unloaded: each lbnld withdraws its routes (in a
#             group the other LBs serve; alone it would leave them);
#             loaded again: the group's configuration applied to it, then
#             the routes written again.
#   lease     lb2's lbnld killed (SIGKILL): its status goes when its lease
#             expires (10 s), lb1's stays.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"

LBNLD=${LBNLD:-$dp_top/tools/lbnld/lbnld}
LBNL_KO=${LBNL_KO:-$dp_top/kmod/lb/lbnl.ko}
ETCD=${ETCD:-$(command -v etcd)}
ETCD_IP=198.51.100.50
STORE=http://$ETCD_IP:2379
PREFIX=/lbnl/test
APPLY_MS=1000		# from the load's return to each LB running it

require_cmd jq nsenter curl
dp_require_lbnl
if [ -z "$ETCD" ]; then
	echo "SKIP: etcd not found (Debian package etcd-server)"
	exit $ksft_skip
fi
if [ ! -x "$LBNLD" ]; then
	echo "SKIP: $LBNLD not built"
	exit $ksft_skip
fi

tmp=$(mktemp -d)
defer rm -rf "$tmp"

setup_ns NS_ETCD NS_LB1 NS_LB2 NS_REF || exit $ksft_fail
ip -n "$NS_ETCD" -batch - <<-EOF || exit $ksft_fail
	link add br0 type bridge forward_delay 0
	link add lb1 type veth peer name eth0 netns $NS_LB1
	link add lb2 type veth peer name eth0 netns $NS_LB2
	link set lb1 master br0
	link set lb2 master br0
	link set br0 up
	link set lb1 up
	link set lb2 up
	addr add $ETCD_IP/24 dev br0
EOF
for i in 1 2; do
	ns=NS_LB$i
	ip -n "${!ns}" -batch - <<-EOF || exit $ksft_fail
		link set eth0 up
		addr add 198.51.100.$i/24 dev eth0
	EOF
done

# --- etcd, the CLI -----------------------------------------------------------

ETCD_PID=

etcd_up()
{
	nsn "$NS_ETCD" curl -sf -m 1 -X POST -d '{}' \
		"$STORE/v3/maintenance/status" >/dev/null
}

etcd_start()
{
	# ip netns exec: $! is etcd itself (nsn is a function: a subshell).
	ip netns exec "$NS_ETCD" "$ETCD" --name group --data-dir "$tmp/etcd" \
		--listen-client-urls "$STORE" --advertise-client-urls "$STORE" \
		--listen-peer-urls http://127.0.0.1:2380 \
		--initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster group=http://127.0.0.1:2380 \
		</dev/null >>"$tmp/etcd.log" 2>&1 &
	ETCD_PID=$!
	busywait 60000 etcd_up
}

etcd_kill()
{
	kill "$ETCD_PID" 2>/dev/null
	wait "$ETCD_PID" 2>/dev/null
	ETCD_PID=
}

defer etcd_kill

# grp ARGS...: "lbnl group ARGS" against the store (from etcd's namespace).
grp()
{
	LBNL_STORE=$STORE nsn "$NS_ETCD" "$LBNL" group "$@" --prefix "$PREFIX"
}

# --- the LBs -----------------------------------------------------------------

declare -A LBNLD_PID=()

lbnld_start()
{
	local i=$1 ns=NS_LB$1

	cat >"$tmp/lb$i.conf" <<-EOF
		driver table
		table 100
		log stderr
		metrics-listen none
		state-dir $tmp/lb$i.state
		cli $LBNL
		group etcd $STORE prefix $PREFIX name lb$i
	EOF
	ip netns exec "${!ns}" "$LBNLD" -f -c "$tmp/lb$i.conf" \
		</dev/null >>"$tmp/lb$i.log" 2>&1 &
	LBNLD_PID[$i]=$!
	defer kill "${LBNLD_PID[$i]}"
}

# lb_save I: LB I's "lbnl save".
lb_save()
{
	local ns=NS_LB$1

	nsn "${!ns}" "$LBNL" save
}

# expected FILE: what "lbnl save" prints once FILE is applied (in $NS_REF).
expected()
{
	nsn "$NS_REF" "$LBNL" flush >/dev/null &&
		nsn "$NS_REF" "$LBNL" restore "$1" &&
		nsn "$NS_REF" "$LBNL" save
}

# both_are TEXT: both LBs' "lbnl save" is TEXT.
both_are()
{
	[ "$(lb_save 1)" = "$1" ] && [ "$(lb_save 2)" = "$1" ]
}

# applied_at I R: when LB I logged a revision from R on applied (ms since
# the epoch). It may have read a later one: the LBs' statuses make
# revisions too.
applied_at()
{
	local line

	line=$(awk -v r="$2" '/ group: revision [0-9]+ applied$/ &&
		$6 + 0 >= r + 0 { print; exit }' "$tmp/lb$1.log")
	[ -n "$line" ] || return 1
	date -d "${line:0:23}" +%s%3N
}

# ready_after_applied I: LB I's lbnld held its module until a revision of
# the group was applied to it: "module ready" comes after it in its log.
ready_after_applied()
{
	awk '/ group: revision [0-9]+ applied$/ && !a { a = NR }
		/ module ready: / && !r { r = NR }
		END { exit !(a && r && a < r) }' "$tmp/lb$1.log"
}

# load NAME FILE: "group load" FILE; both LBs run it within APPLY_MS.
load()
{
	local name=$1 file=$2 want out rev t0 t1 t i ms worst=0

	want=$(expected "$file")
	check_err $? "$name: $file does not restore"
	t0=$(date +%s%3N)
	out=$(grp load "$file")
	check_err $? "$name: group load failed: $out"
	# The write is done by now, somewhere in the CLI's run (its start
	# up and reads under TCG take hundreds of ms): the 1 s is counted
	# from here, the time from t0 printed too.
	t1=$(date +%s%3N)
	rev=$(sed -n 's/^revision \([0-9]*\):.*/\1/p' <<<"$out")
	busywait 10000 both_are "$want"
	check_err $? "$name: the LBs' save is not the file's"
	for i in 1 2; do
		t=$(busywait 5000 applied_at "$i" "$rev")
		check_err $? "$name: lb$i did not log revision $rev (or later) applied"
		[ -n "$t" ] || continue
		ms=$((t - t1))
		[ "$ms" -gt "$worst" ] && worst=$ms
		echo "# $name: revision $rev applied on lb$i ${ms} ms after the load returned ($((t - t0)) ms after it started)"
	done
	[ "$worst" -le "$APPLY_MS" ]
	check_err $? "$name: applied after $worst ms (> $APPLY_MS)"
	LAST_GOOD=$want
}

# status_json: "lbnl group status -j"; its exit status in STATUS_RC.
status_json()
{
	STATUS_OUT=$(grp status -j)
	STATUS_RC=$?
}

# lb_reports I: the status lists lb I.
lb_reports()
{
	status_json
	jq -e --arg n "lb$1" 'any(.lbs[]; .name == $n)' <<<"$STATUS_OUT" \
		>/dev/null
}

# all_good: status exits 0 with both LBs current.
all_good()
{
	status_json
	[ "$STATUS_RC" -eq 0 ] &&
		[ "$(jq '[.lbs[] | select(.current)] | length' <<<"$STATUS_OUT")" = 2 ]
}

# --- the files ---------------------------------------------------------------

cat >"$tmp/three.conf" <<EOF
vip add 192.0.2.1:80 proto tcp mode nat
dest add 192.0.2.1:80 proto tcp 203.0.113.11:8080
dest add 192.0.2.1:80 proto tcp 203.0.113.12:8080
vip add 192.0.2.2:53 proto udp mode tun
dest add 192.0.2.2:53 proto udp 203.0.113.11 weight 2
dest add 192.0.2.2:53 proto udp 203.0.113.13 weight 3
vip add [2001:db8:10::1]:3868 proto sctp mode nat
dest add [2001:db8:10::1]:3868 proto sctp [2001:db8:2::11] tag-id 1
dest add [2001:db8:10::1]:3868 proto sctp [2001:db8:2::12] tag-id 2
EOF

# A weight changed (udp .13: 3 -> 7), a dest added (tcp .13).
cat >"$tmp/changed.conf" <<EOF
vip add 192.0.2.1:80 proto tcp mode nat
dest add 192.0.2.1:80 proto tcp 203.0.113.11:8080
dest add 192.0.2.1:80 proto tcp 203.0.113.12:8080
dest add 192.0.2.1:80 proto tcp 203.0.113.13:8080
vip add 192.0.2.2:53 proto udp mode tun
dest add 192.0.2.2:53 proto udp 203.0.113.11 weight 2
dest add 192.0.2.2:53 proto udp 203.0.113.13 weight 7
vip add [2001:db8:10::1]:3868 proto sctp mode nat
dest add [2001:db8:10::1]:3868 proto sctp [2001:db8:2::11] tag-id 1
dest add [2001:db8:10::1]:3868 proto sctp [2001:db8:2::12] tag-id 2
EOF

# Valid for "group load" (lbnl restore's parser), refused by the kernel
# only: a new dest with tag id 2, which [2001:db8:2::12] has. It changes a
# weight of another VIP first: all or nothing, that must not stay either.
cat >"$tmp/refused.conf" <<EOF
vip add 192.0.2.1:80 proto tcp mode nat
dest add 192.0.2.1:80 proto tcp 203.0.113.11:8080
dest add 192.0.2.1:80 proto tcp 203.0.113.12:8080
dest add 192.0.2.1:80 proto tcp 203.0.113.13:8080 weight 5
vip add 192.0.2.2:53 proto udp mode tun
dest add 192.0.2.2:53 proto udp 203.0.113.11 weight 2
dest add 192.0.2.2:53 proto udp 203.0.113.13 weight 7
vip add [2001:db8:10::1]:3868 proto sctp mode nat
dest add [2001:db8:10::1]:3868 proto sctp [2001:db8:2::11] tag-id 1
dest add [2001:db8:10::1]:3868 proto sctp [2001:db8:2::12] tag-id 2
dest add [2001:db8:10::1]:3868 proto sctp [2001:db8:2::13] tag-id 2
EOF

# After etcd's restart: the UDP VIP gone, a dest of the TCP one drained.
cat >"$tmp/after.conf" <<EOF
vip add 192.0.2.1:80 proto tcp mode nat
dest add 192.0.2.1:80 proto tcp 203.0.113.11:8080
dest add 192.0.2.1:80 proto tcp 203.0.113.12:8080 weight 0
dest add 192.0.2.1:80 proto tcp 203.0.113.13:8080
vip add [2001:db8:10::1]:3868 proto sctp mode nat
dest add [2001:db8:10::1]:3868 proto sctp [2001:db8:2::11] tag-id 1
dest add [2001:db8:10::1]:3868 proto sctp [2001:db8:2::12] tag-id 2
EOF

# --- the tests ---------------------------------------------------------------

start=$(date +%s)
etcd_start
check_err $? "etcd did not start: $(tail -3 "$tmp/etcd.log")"
lbnld_start 1
lbnld_start 2
busywait 20000 lb_reports 1 && busywait 20000 lb_reports 2
check_err $? "the LBs do not report in the store: $STATUS_OUT"
for i in 1 2; do
	busywait 10000 ready_after_applied "$i"
	check_err $? "lb$i: module ready before a revision of the group was applied"
done
log_test "group: etcd and two LBs in group mode, ready once applied"

load load "$tmp/three.conf"
log_test "group: load of 3 VIPs: both LBs run it"

load change "$tmp/changed.conf"
log_test "group: weight changed and dest added: both LBs run it"

out=$(grp load "$tmp/refused.conf")
check_err $? "group load refused the file itself: $out"
rev=$(sed -n 's/^revision \([0-9]*\):.*/\1/p' <<<"$out")
for i in 1 2; do
	busywait 5000 grep -Eq "group: revision [0-9]+ refused by the module" \
		"$tmp/lb$i.log"
	check_err $? "lb$i did not log revision $rev refused"
done
both_are "$LAST_GOOD"
check_err $? "an LB does not run the last good configuration"
busywait 5000 eval 'status_json; [ "$(jq "[.lbs[] | select((.error // \"\") | test(\"tag id\"))] | length" <<<"$STATUS_OUT")" = 2 ]'
check_err $? "the status does not show both LBs' error: $STATUS_OUT"
status_json
[ "$STATUS_RC" -eq 1 ]
check_err $? "lbnl group status exits $STATUS_RC, not 1"
grp status | sed 's/^/# /'
log_test "group: a revision the kernel refuses: last good kept, status 1"

etcd_kill
sleep 1.5
both_are "$LAST_GOOD"
check_err $? "an LB lost its configuration with etcd down"
for i in 1 2; do
	kill -0 "${LBNLD_PID[$i]}" 2>/dev/null
	check_err $? "lb$i's lbnld died with etcd down"
	n=$(grep -c "until the store answers" "$tmp/lb$i.log")
	[ "$n" = 1 ]
	check_err $? "lb$i logged the unreachable store $n times in 1.5 s, not once"
done
etcd_start
check_err $? "etcd did not start again: $(tail -3 "$tmp/etcd.log")"
for i in 1 2; do
	busywait 5000 grep -q "the store answers again" "$tmp/lb$i.log"
	check_err $? "lb$i did not log the store back"
done
load after "$tmp/after.conf"
busywait 10000 all_good
check_err $? "the status is not good after etcd came back: $STATUS_OUT"
log_test "group: etcd stopped: configuration kept; back: changes applied"

# lb_routes I: how many routes LB I's lbnld has (table 100, both families).
lb_routes()
{
	local ns=NS_LB$1

	{ ip -n "${!ns}" -4 route show table 100
	  ip -n "${!ns}" -6 route show table 100; } 2>/dev/null | grep -c .
}

# both_routes N|some: both LBs have N routes (some: at least one).
both_routes()
{
	local i n

	for i in 1 2; do
		n=$(lb_routes $i)
		if [ "$1" = some ]; then
			[ "$n" -gt 0 ] || return 1
		else
			[ "$n" = "$1" ] || return 1
		fi
	done
}

if [ -r "$LBNL_KO" ]; then
	defer sh -c "[ -d /sys/module/lbnl ] || insmod '$LBNL_KO'"
	busywait 10000 both_routes some
	check_err $? "the LBs have no routes before the reload: $(lb_routes 1), $(lb_routes 2)"
	end=$((SECONDS + 10))
	until rmmod lbnl 2>"$tmp/rmmod.err"; do
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.2
	done
	[ ! -d /sys/module/lbnl ]
	check_err $? "rmmod lbnl: $(cat "$tmp/rmmod.err")"
	busywait 5000 both_routes 0
	check_err $? "routes left with the module gone: $(lb_routes 1), $(lb_routes 2)"
	for i in 1 2; do
		grep -q 'withdrawing this LB from the group' "$tmp/lb$i.log"
		check_err $? "lb$i did not log its withdrawal"
	done
	insmod "$LBNL_KO"
	check_err $? "insmod $LBNL_KO"
	busywait 20000 both_are "$LAST_GOOD"
	check_err $? "the group's configuration is not applied to the new module"
	busywait 10000 both_routes some
	check_err $? "the routes did not come back: $(lb_routes 1), $(lb_routes 2)"
	for i in 1 2; do
		awk '/withdrawing this LB from the group/ { w = NR }
			w && / group: revision [0-9]+ applied$/ && !a { a = NR }
			w && / module ready: / && !r { r = NR }
			END { exit !(w && a && r && a < r) }' "$tmp/lb$i.log"
		check_err $? "lb$i: the new module ready before the group's revision was applied to it"
	done
	log_test "group: module unloaded: both LBs withdraw; loaded: configured, then announced"
else
	log_test_skip "group: module reload" "$LBNL_KO not found"
fi

kill -9 "${LBNLD_PID[2]}"
t0=$(date +%s%3N)
lb_reports 2
check_err $? "lb2's status is gone at once (it should last its lease)"
busywait 20000 eval '! lb_reports 2'
check_err $? "lb2's status is still there after 20 s"
echo "# lease: lb2's status gone $(($(date +%s%3N) - t0)) ms after its lbnld was killed"
lb_reports 1
check_err $? "lb1's status went too"
log_test "group: a killed lbnld's status goes with its lease"

echo "# group.sh: $(($(date +%s) - start)) s"
ksft_exit
