#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lbnl CLI ($LBNL): grammar, save/restore round trip, JSON, errors and exit
# codes, all-or-nothing restore, help, monitor. Every namespace is fresh:
#
#   A  the configuration under test (v4 + v6, tcp/udp/sctp, nat/tun, ...)
#   B  "ip netns exec A lbnl save | ip netns exec B lbnl restore" target
#   C  restores that fail (kernel refusal: rolled back; syntax: not applied)
#   M  "lbnl monitor" / "lbnl -j monitor" in the background
#   E  never configured: everything shows empty
#
# Exit codes of lbnl: 0 ok, 1 refused by the kernel / failed, 2 usage.

ksft_skip=4

top=${LBNL_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
LBNL=${LBNL:-$top/tools/lbnl/lbnl}

suffix=$(mktemp -u XXXXXXXX)
A=lbnl-cli-a-$suffix
B=lbnl-cli-b-$suffix
C=lbnl-cli-c-$suffix
M=lbnl-cli-m-$suffix
E=lbnl-cli-e-$suffix
ALL_NS="$A $B $C $M $E"
tmp=
mon_pid=

n=0
nfail=0

cleanup()
{
	if [ -n "$mon_pid" ]; then
		kill "$mon_pid" 2>/dev/null
		wait "$mon_pid" 2>/dev/null
	fi
	for ns in $ALL_NS; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT

skip()
{
	echo "1..0 # SKIP $*"
	exit $ksft_skip
}

ok()
{
	n=$((n + 1))
	echo "ok $n $1"
}

# not_ok DESC [LINE...]: a failed check, with what is needed to debug it
not_ok()
{
	local l

	n=$((n + 1))
	nfail=$((nfail + 1))
	echo "not ok $n $1"
	shift
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/#   /'
	done
}

# nsx NS CMD...: CMD in netns NS. nsenter is much cheaper than "ip netns
# exec" under TCG (no mount namespace, no /sys remount), and lbnl needs
# only the network namespace.
nsx()
{
	local ns=$1

	shift
	if [ -n "$have_nsenter" ]; then
		nsenter --net="/run/netns/$ns" "$@"
	else
		ip netns exec "$ns" "$@"
	fi
}

# lbx NS ARGS...: lbnl ARGS in NS
lbx()
{
	local ns=$1

	shift
	nsx "$ns" "$LBNL" "$@"
}

# slurp VAR FILE: VAR = the content of FILE without its trailing newlines,
# like $(cat FILE) but without a fork (forks are slow under TCG)
slurp()
{
	local -n slurp_var=$1

	IFS= read -r -d '' slurp_var <"$2"
	while [[ $slurp_var == *$'\n' ]]; do
		slurp_var=${slurp_var%$'\n'}
	done
}

# has_line TEXT PREFIX: a line of TEXT starts with PREFIX
has_line()
{
	[[ $'\n'$1 == *$'\n'"$2"* ]]
}

# lb NS ARGS...: run lbnl in NS; sets $out, $err, $rc, $cmd
lb()
{
	local ns=$1

	shift
	cmd="ip netns exec $ns lbnl $*"
	lbx "$ns" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	slurp out "$tmp/stdout"
	slurp err "$tmp/stderr"
}

report()
{
	echo "command: $cmd"
	echo "exit: $rc"
	echo "stdout: $out"
	echo "stderr: $err"
}

# run DESC NS ARGS...: must succeed, quietly on stderr
run()
{
	local desc=$1

	shift
	lb "$@"
	if [ "$rc" = 0 ] && [ -z "$err" ]; then
		ok "$desc"
		return 0
	fi
	not_ok "$desc" "$(report)" "want: exit 0, nothing on stderr"
	return 1
}

# setup NS ARGS...: like run, but only reported if it fails
setup()
{
	lb "$@"
	[ "$rc" = 0 ] && return 0
	not_ok "setup: lbnl ${*:2}" "$(report)"
	return 1
}

# refused DESC RCS PATTERN NS ARGS...: exit in RCS ("1", "2" or "1|2"),
# "Error:" on stderr, and PATTERN (an ERE, may be empty) in it
refused()
{
	local desc=$1 rcs=$2 pat=$3

	shift 3
	lb "$@"
	if [[ "|$rcs|" == *"|$rc|"* ]] && has_line "$err" "Error:" &&
	   [[ $err =~ $pat ]]; then
		ok "$desc"
		return 0
	fi
	not_ok "$desc" "$(report)" \
		"want: exit $rcs, stderr with 'Error:'${pat:+ and /$pat/}"
	return 1
}

# state NS: the whole configuration of NS, as text and JSON
state()
{
	lbx "$1" save 2>&1
	echo "--- json"
	lbx "$1" -j vip show 2>&1
}

# canon NS: the same, in an order-independent form (a rollback may re-add
# objects in another order than they were listed in): "save" has every
# setting of every object, "vip show" adds the dest counts. Not the bypass
# history (flags single/multi, router state, its dest and time): runtime
# state that a rolled-back change moves on, as any change does.
canon()
{
	lbx "$1" save 2>&1 | sort
	echo "--- vip show"
	lbx "$1" vip show 2>&1 | grep -v '^ ' |
		sed -E 's/ flags [a-z,]+//; s/ router [a-z]+//;
			s/ bypass-dest [^ ]+//; s/ changed [0-9.]+s ago//' | sort
}

# same DESC FILE_WANT FILE_GOT
same()
{
	if cmp -s "$2" "$3"; then
		ok "$1"
		return 0
	fi
	not_ok "$1" "before / want:" "$(cat "$2")" "after / got:" "$(cat "$3")" \
		"diff:" "$(diff -u "$2" "$3")"
	return 1
}

# jqcheck DESC EXPR [DESC EXPR...]: each EXPR, run by jq on $out (the last
# lb), must give only true (and something). One jq run for all of them:
# jq takes half a second to start under TCG.
jqcheck()
{
	local descs=() exprs=() res=() prog='' i

	while [ $# -ge 2 ]; do
		descs+=("$1")
		exprs+=("$2")
		shift 2
	done
	for i in "${!exprs[@]}"; do
		prog+="${prog:+, }(try ([${exprs[$i]}] | length > 0 and all) catch false)"
	done
	mapfile -t res < <(jq -c "$prog" <<<"$out" 2>/dev/null)
	for i in "${!exprs[@]}"; do
		if [ "${res[$i]:-}" = true ]; then
			ok "${descs[$i]}"
		else
			not_ok "${descs[$i]}" "$(report)" \
				"want: jq '${exprs[$i]}' true; jq says: $(jq "${exprs[$i]}" <<<"$out" 2>&1)"
		fi
	done
}

# wait_for SECONDS CMD...: poll CMD until it succeeds or SECONDS pass
wait_for()
{
	local end=$((SECONDS + $1))

	shift
	while ! "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$LBNL" ] || skip "lbnl CLI not found at $LBNL (make tools)"
command -v jq >/dev/null || skip "jq not installed"
[ -d /sys/module/lbnl ] || skip "module lbnl not loaded"
have_nsenter=$(command -v nsenter)
tmp=$(mktemp -d) || exit 1
for ns in $ALL_NS; do
	ip netns add "$ns" || { echo "cannot create netns $ns"; exit 1; }
done

echo "TAP version 13"

# ---------------------------------------------------------------------------
# an empty namespace shows nothing

lb "$E" vip show
if [ "$rc" = 0 ] && [ -z "$out" ]; then
	ok "vip show: empty in a fresh netns"
else
	not_ok "vip show: empty in a fresh netns" "$(report)"
fi
lb "$E" -j vip show
jqcheck "-j vip show: [] in a fresh netns" 'type == "array" and length == 0'
lb "$E" dest show
if [ "$rc" = 0 ] && [ -z "$out" ]; then
	ok "dest show: empty in a fresh netns"
else
	not_ok "dest show: empty in a fresh netns" "$(report)"
fi
lb "$E" save
if [ "$rc" = 0 ] && [ -z "$out" ]; then
	ok "save: empty in a fresh netns"
else
	not_ok "save: empty in a fresh netns" "$(report)"
fi

# ---------------------------------------------------------------------------
# the grammar: build A

run "vip add v4 tcp nat" "$A" vip add 192.0.2.1:80 proto tcp mode nat
run "vip add v4 udp tun bypass auto migrate-after" "$A" \
	vip add 192.0.2.1:53 proto udp mode tun bypass auto migrate-after 30
run "vip add v4 sctp tun sched maglev" "$A" \
	vip add 192.0.2.2:9999 proto sctp mode tun sched maglev migrate-after 5
run "vip add v6 tcp nat" "$A" vip add '[2001:db8::1]:80' proto tcp mode nat
run "vip add v6 sctp tun bypass auto" "$A" \
	vip add '[2001:db8::1]:443' proto sctp mode tun bypass auto
run "vip add v6 udp, defaults" "$A" vip add '[2001:db8::2]:53' proto udp
run "dest add, default port, weight" "$A" \
	dest add 192.0.2.1:80 proto tcp 10.0.0.1 weight 5
run "dest add, port, weight 0, maint" "$A" \
	dest add 192.0.2.1:80 proto tcp 10.0.0.2:8080 weight 0 state maint
run "dest add, explicit VIP port, drain" "$A" \
	dest add 192.0.2.1:80 proto tcp 10.0.0.3:80 state drain
run "dest add to udp tun VIP" "$A" dest add 192.0.2.1:53 proto udp 10.0.0.4
run "dest add weight 65535" "$A" \
	dest add 192.0.2.2:9999 proto sctp 10.0.0.5:9998 weight 65535
run "dest add v6 [addr]:port" "$A" \
	dest add '[2001:db8::1]:80' proto tcp '[2001:db8:1::2]:80' weight 3
run "dest add v6, no port" "$A" \
	dest add '[2001:db8::1]:80' proto tcp 2001:db8:1::3 state drain
run "dest add v6 sctp, active" "$A" \
	dest add '[2001:db8::1]:443' proto sctp '[2001:db8:1::4]:8443' weight 7 state active
run "dest set weight (dest named without port)" "$A" \
	dest set 192.0.2.1:80 proto tcp 10.0.0.1 weight 9
run "dest set if-state: in that state, applied" "$A" \
	dest set 192.0.2.1:80 proto tcp 10.0.0.2:8080 state drain if-state maint
refused "dest set if-state: in another state, refused (exit 1)" 1 \
	"not in the state" "$A" \
	dest set 192.0.2.1:80 proto tcp 10.0.0.2:8080 state active if-state maint
lb "$A" -j dest show 192.0.2.1:80 proto tcp
jqcheck "dest set if-state: the refused change left the dest as it was" \
	'.[] | select(.addr == "10.0.0.2" and .port == 8080) | .state == "drain"'
run "dest set if-state: back to maint" "$A" \
	dest set 192.0.2.1:80 proto tcp 10.0.0.2:8080 state maint if-state drain
run "vip set migrate-after" "$A" vip set 192.0.2.1:80 proto tcp migrate-after 12
run "vip add + del" "$A" vip add 192.0.2.3:80 proto tcp
run "vip del" "$A" vip del 192.0.2.3:80 proto tcp
run "dest add + del" "$A" dest add 192.0.2.1:53 proto udp 10.0.0.9:99
run "dest del" "$A" dest del 192.0.2.1:53 proto udp 10.0.0.9:99

lb "$A" -j vip show
jqcheck "-j vip show: 6 VIPs" 'length == 6' \
	"-j vip show: every VIP has every key" \
	'all(.[]; has("addr") and has("port") and has("proto") and has("mode")
	  and has("sched") and has("bypass") and has("migrate_after")
	  and has("flags") and has("dest_count") and has("dests"))
	 and all(.[].dests[]; has("addr") and has("port") and has("weight")
	  and has("state"))' \
	"-j vip show: 192.0.2.1:80/tcp" \
	'.[] | select(.addr == "192.0.2.1" and .port == 80 and .proto == "tcp")
	 | .mode == "nat" and .sched == "maglev" and .bypass == "off"
	   and .migrate_after == 12 and .dest_count == 3 and (.dests | length) == 3' \
	"-j vip show: dest without port got the VIP's, and its set weight" \
	'.[] | select(.addr == "192.0.2.1" and .port == 80) | .dests[]
	 | select(.addr == "10.0.0.1") | .port == 80 and .weight == 9
	   and .state == "active"' \
	"-j vip show: dest weight 0 maint on 8080" \
	'.[] | select(.addr == "192.0.2.1" and .port == 80) | .dests[]
	 | select(.addr == "10.0.0.2") | .port == 8080 and .weight == 0
	   and .state == "maint"' \
	"-j vip show: udp tun bypass auto migrate-after 30" \
	'.[] | select(.addr == "192.0.2.1" and .port == 53 and .proto == "udp")
	 | .mode == "tun" and .bypass == "auto" and .migrate_after == 30
	   and .dests[0].port == 53 and .dests[0].weight == 1
	   and .dests[0].state == "active"' \
	"-j vip show: sctp VIP, dest weight 65535" \
	'.[] | select(.addr == "192.0.2.2" and .proto == "sctp")
	 | .port == 9999 and .mode == "tun" and .dests[0].weight == 65535
	   and .dests[0].port == 9998' \
	"-j vip show: v6 VIP and dests" \
	'.[] | select(.addr == "2001:db8::1" and .port == 80 and .proto == "tcp")
	 | .dest_count == 2
	   and (.dests[] | select(.addr == "2001:db8:1::2") | .port == 80 and .weight == 3)
	   and (.dests[] | select(.addr == "2001:db8:1::3") | .port == 80 and .state == "drain")' \
	"-j vip show: v6 sctp tun bypass auto" \
	'.[] | select(.addr == "2001:db8::1" and .port == 443 and .proto == "sctp")
	 | .mode == "tun" and .bypass == "auto" and .dests[0].port == 8443' \
	"-j vip show: defaults are nat, maglev, bypass off" \
	'.[] | select(.addr == "2001:db8::2") | .mode == "nat"
	 and .sched == "maglev" and .bypass == "off" and .dest_count == 0'

lb "$A" -j -p vip show
if [ "$rc" = 0 ] && jq -e . >/dev/null 2>&1 <<<"$out" &&
   [ "$(wc -l <<<"$out")" -gt 6 ]; then
	ok "-j -p vip show: valid, indented JSON"
else
	not_ok "-j -p vip show: valid, indented JSON" "$(report)"
fi
lb "$A" -j -p dest show
jqcheck "-j -p dest show: valid JSON, 8 dests" 'length == 8'
lb "$A" -j vip show 192.0.2.1:53 proto udp
jqcheck "-j vip show ADDR:PORT proto P: that VIP only" \
	'length == 1 and .[0].addr == "192.0.2.1" and .[0].port == 53'
lb "$A" -j dest show '[2001:db8::1]:80' proto tcp
jqcheck "-j dest show VIP proto P: its dests only" 'length == 2'
lb "$A" vip show
if [ "$rc" = 0 ] && [[ $out == *192.0.2.1:80* ]] &&
   [[ $out == *"[2001:db8::1]:443"* ]]; then
	ok "vip show (text) lists v4 and v6 VIPs"
else
	not_ok "vip show (text) lists v4 and v6 VIPs" "$(report)"
fi

# ---------------------------------------------------------------------------
# save | restore into a fresh namespace: the same configuration

lbx "$A" save >"$tmp/save.a" 2>"$tmp/save.err"
rc=$?
if [ "$rc" = 0 ] && [ "$(grep -c . "$tmp/save.a")" = 14 ]; then
	ok "save: 6 VIPs + 8 dests = 14 lines"
else
	not_ok "save: 6 VIPs + 8 dests = 14 lines" "exit $rc" "$(cat "$tmp/save.a")" \
		"$(cat "$tmp/save.err")"
fi
ip netns exec "$A" "$LBNL" save 2>/dev/null |
	ip netns exec "$B" "$LBNL" restore 2>"$tmp/restore.err"
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$tmp/restore.err" ]; then
	ok "save | restore: exit 0"
else
	not_ok "save | restore: exit 0" "exit $rc" "stderr: $(cat "$tmp/restore.err")"
fi
# The time of a VIP's last bypass transition is the one thing that
# differs: each namespace's VIPs went single when their dest was added.
lbx "$A" -j vip show 2>&1 | sed -E 's/"changed_ms":[0-9]+/"changed_ms":T/g' >"$tmp/json.a"
lbx "$B" -j vip show 2>&1 | sed -E 's/"changed_ms":[0-9]+/"changed_ms":T/g' >"$tmp/json.b"
same "save | restore: -j vip show byte-identical" "$tmp/json.a" "$tmp/json.b"
lbx "$A" vip show 2>&1 | sed -E 's/ changed [0-9.]+s ago/ changed T/' >"$tmp/text.a"
lbx "$B" vip show 2>&1 | sed -E 's/ changed [0-9.]+s ago/ changed T/' >"$tmp/text.b"
same "save | restore: vip show byte-identical" "$tmp/text.a" "$tmp/text.b"
lbx "$A" -j dest show >"$tmp/dest.a" 2>&1
lbx "$B" -j dest show >"$tmp/dest.b" 2>&1
same "save | restore: -j dest show byte-identical" "$tmp/dest.a" "$tmp/dest.b"
lbx "$B" save >"$tmp/save.b" 2>&1
same "save | restore: save output identical" "$tmp/save.a" "$tmp/save.b"
run "restore of an empty file" "$E" restore /dev/null
{
	echo "# a comment"
	echo
	echo "lbnl vip add 198.51.100.9:80 proto tcp"
} >"$tmp/comment.rst"
run "restore FILE with a comment and a leading 'lbnl'" "$C" restore "$tmp/comment.rst"
lb "$C" -j vip show
jqcheck "restore FILE applied it" 'length == 1 and .[0].addr == "198.51.100.9"'
run "flush" "$C" flush
lb "$C" -j vip show
jqcheck "flush: nothing left" 'length == 0'
run "flush of an empty netns" "$C" flush
printf 'flush\n' >"$tmp/flush.rst"
run "restore of a flush of an empty netns" "$C" restore "$tmp/flush.rst"
run "flush B" "$B" flush
lb "$B" -j vip show
jqcheck "flush B: nothing left, A untouched" 'length == 0'
lb "$A" -j vip show
jqcheck "A still has its 6 VIPs" 'length == 6'

# ---------------------------------------------------------------------------
# usage errors: exit 2, "Error:", nothing changed

state "$A" >"$tmp/a.before"
refused "usage: unknown keyword" 2 "colour" "$A" vip add 192.0.2.9:80 proto tcp colour blue
refused "usage: bad IPv4 address" 2 "" "$A" vip add 192.0.2.300:80 proto tcp
refused "usage: bad IPv6 address" 2 "" "$A" vip add '[2001:db8::zz]:80' proto tcp
refused "usage: missing proto" 2 "" "$A" vip add 192.0.2.9:80
refused "usage: unknown proto" 2 "" "$A" vip add 192.0.2.9:80 proto icmp
refused "usage: port 70000" 2 "" "$A" vip add 192.0.2.9:70000 proto tcp
refused "usage: VIP without port" 2 "" "$A" vip add 192.0.2.9 proto tcp
refused "usage: bad mode" 2 "" "$A" vip add 192.0.2.9:80 proto tcp mode dsr
refused "usage: bad bypass" 2 "" "$A" vip add 192.0.2.9:80 proto tcp mode tun bypass on
refused "usage: bad migrate-after" 2 "" "$A" vip add 192.0.2.9:80 proto tcp migrate-after soon
refused "usage: keyword without value" 2 "" "$A" vip add 192.0.2.9:80 proto tcp mode
refused "usage: bad dest state" 2 "" "$A" dest add 192.0.2.1:80 proto tcp 10.0.0.9 state up
refused "usage: bad dest address" 2 "" "$A" dest add 192.0.2.1:80 proto tcp 10.0.0.999
refused "usage: dest without address" 2 "" "$A" dest add 192.0.2.1:80 proto tcp
refused "usage: extra argument to vip del" 2 "" "$A" vip del 192.0.2.1:80 proto tcp now
refused "usage: unknown object" 2 "" "$A" vips show
refused "usage: unknown command" 2 "" "$A" vip frob
refused "usage: no prefix matching" 2 "" "$A" vip sh
refused "usage: unknown option" 2 "" "$A" --frob vip show
state "$A" >"$tmp/a.after"
same "usage errors changed nothing" "$tmp/a.before" "$tmp/a.after"

# ---------------------------------------------------------------------------
# kernel refusals: exit 1, "Error:" with the kernel's extack message

refused "kernel: duplicate VIP" 1 "VIP already exists" "$A" vip add 192.0.2.1:80 proto tcp
refused "kernel: duplicate v6 VIP" 1 "VIP already exists" "$A" \
	vip add '[2001:db8::1]:443' proto sctp mode nat
refused "kernel: dest on a missing VIP" 1 "VIP not found" "$A" \
	dest add 192.0.2.99:80 proto tcp 10.0.0.1
refused "kernel: dest on VIP with another proto" 1 "VIP not found" "$A" \
	dest add 192.0.2.1:80 proto udp 10.0.0.1
refused "kernel: duplicate dest" 1 "dest already exists" "$A" \
	dest add 192.0.2.1:80 proto tcp 10.0.0.1:80
refused "kernel: vip del of a missing VIP" 1 "VIP not found" "$A" vip del 192.0.2.99:80 proto tcp
refused "kernel: vip set of a missing VIP" 1 "VIP not found" "$A" \
	vip set 192.0.2.99:80 proto tcp mode tun
refused "kernel: dest del of a missing dest" 1 "dest not found" "$A" \
	dest del 192.0.2.1:80 proto tcp 10.0.0.77
refused "kernel: dest set of a missing dest" 1 "dest not found" "$A" \
	dest set 192.0.2.1:80 proto tcp 10.0.0.1:81 weight 1
refused "refused: bypass auto with mode nat" "1|2" "" "$A" \
	vip add 192.0.2.9:80 proto tcp mode nat bypass auto
refused "refused: vip set mode nat of a bypass auto VIP" "1|2" "" "$A" \
	vip set 192.0.2.1:53 proto udp mode nat
refused "refused: v6 dest on a v4 tun VIP" "1|2" "" "$A" \
	dest add 192.0.2.1:53 proto udp '[2001:db8::5]:80'
refused "refused: v4 dest on a v6 nat VIP" "1|2" "" "$A" \
	dest add '[2001:db8::1]:80' proto tcp 10.0.0.5:80
refused "refused: weight 65536" "1|2" "" "$A" \
	dest add 192.0.2.1:80 proto tcp 10.0.0.8 weight 65536
refused "refused: multicast VIP" "1|2" "" "$A" vip add 224.0.0.1:80 proto tcp
refused "refused: VIP port 0" "1|2" "" "$A" vip add 192.0.2.9:0 proto tcp
state "$A" >"$tmp/a.after"
same "refusals changed nothing" "$tmp/a.before" "$tmp/a.after"

# ---------------------------------------------------------------------------
# restore is all or nothing

# C: something to be left exactly as it is
run "flush C" "$C" flush
setup "$C" vip add 203.0.113.1:80 proto tcp mode tun bypass auto migrate-after 5
setup "$C" dest add 203.0.113.1:80 proto tcp 10.9.9.1 weight 4
setup "$C" dest add 203.0.113.1:80 proto tcp 10.9.9.2:8080 state drain
setup "$C" vip add '[2001:db8:9::1]:443' proto udp
setup "$C" dest add '[2001:db8:9::1]:443' proto udp '[2001:db8:9::a]:443'
canon "$C" >"$tmp/c.before"

# restore_refused DESC PATTERN FILE: exit 1, extack shown, C unchanged
restore_refused()
{
	lb "$C" restore "$3"
	if [ "$rc" = 1 ] && has_line "$err" "Error:" && [[ $err =~ $2 ]]; then
		ok "$1: exit 1 with the kernel's message"
	else
		not_ok "$1: exit 1 with the kernel's message" "$(report)" \
			"file:" "$(cat "$3")" "want: exit 1, Error: .../$2/"
	fi
	canon "$C" >"$tmp/c.after"
	same "$1: rolled back" "$tmp/c.before" "$tmp/c.after"
}

cat >"$tmp/r1" <<EOF
vip add 198.51.100.1:80 proto tcp mode tun
vip set 203.0.113.1:80 proto tcp migrate-after 77 bypass off
vip add 203.0.113.1:80 proto tcp
vip add 198.51.100.2:80 proto tcp
EOF
restore_refused "restore, line 3 a duplicate VIP (after vip add, vip set)" \
	"VIP already exists" "$tmp/r1"

cat >"$tmp/r2" <<EOF
dest set 203.0.113.1:80 proto tcp 10.9.9.1 weight 42 state maint
dest del 203.0.113.1:80 proto tcp 10.9.9.2:8080
dest add 198.51.100.77:80 proto tcp 10.9.9.3
vip del [2001:db8:9::1]:443 proto udp
EOF
restore_refused "restore, line 3 a dest on a missing VIP (after dest set, dest del)" \
	"VIP not found" "$tmp/r2"

cat >"$tmp/r3" <<EOF
vip add 198.51.100.5:80 proto sctp
vip del 203.0.113.1:80 proto tcp
vip del 203.0.113.1:80 proto tcp
EOF
restore_refused "restore, line 3 a missing VIP (after a vip del with dests)" \
	"VIP not found" "$tmp/r3"

cat >"$tmp/r4" <<EOF
flush
vip add 198.51.100.6:80 proto tcp
dest add 198.51.100.6:80 proto tcp 10.9.9.1
dest add 198.51.100.6:80 proto tcp 10.9.9.1:80
EOF
restore_refused "restore, line 4 a duplicate dest (after a flush)" \
	"line 4: dest already exists" "$tmp/r4"

# a VIP's dests go with it (or together) as one change: the line named is
# the refused dest's, and nothing of the change stays
cat >"$tmp/r5" <<EOF
dest add 203.0.113.1:80 proto tcp 10.9.9.3
dest add 203.0.113.1:80 proto tcp [2001:db8::5]:80
dest add 203.0.113.1:80 proto tcp 10.9.9.4
EOF
restore_refused "restore, line 2 of 3 dests added at once of the other family" \
	"line 2: dest address family must match" "$tmp/r5"

cat >"$tmp/r6" <<EOF
vip add 198.51.100.7:80 proto tcp
vip add 198.51.100.8:80 proto udp
dest add 198.51.100.7:80 proto tcp 10.9.9.1
dest add 198.51.100.8:80 proto udp 10.9.9.1
dest add 198.51.100.7:80 proto tcp [2001:db8::1]
EOF
restore_refused "restore, line 5 the 2nd dest of a VIP, another VIP's lines between" \
	"line 5: dest address family must match" "$tmp/r6"

# syntax errors: exit 2 before anything is applied
restore_usage()
{
	lb "$C" restore "$2"
	if [ "$rc" = 2 ] && has_line "$err" "Error:"; then
		ok "$1: exit 2"
	else
		not_ok "$1: exit 2" "$(report)" "file:" "$(cat "$2")"
	fi
	canon "$C" >"$tmp/c.after"
	same "$1: nothing applied" "$tmp/c.before" "$tmp/c.after"
}

cat >"$tmp/s1" <<EOF
vip add 198.51.100.1:80 proto tcp
dest add 198.51.100.1:80 proto tcp 10.0.0.1
flush
vip add 198.51.100.2:80 proto tcp mode bogus
EOF
restore_usage "restore, line 4 a bad mode" "$tmp/s1"

cat >"$tmp/s2" <<EOF
vip del 203.0.113.1:80 proto tcp
vipp add 198.51.100.1:80 proto tcp
EOF
restore_usage "restore, line 2 an unknown object" "$tmp/s2"

cat >"$tmp/s3" <<EOF
vip add 198.51.100.1:80 proto tcp
vip show
EOF
restore_usage "restore, a show command" "$tmp/s3"

lb "$C" restore "$tmp/does-not-exist"
if [ "$rc" = 1 ] && has_line "$err" "Error:"; then
	ok "restore of a missing file: exit 1"
else
	not_ok "restore of a missing file: exit 1" "$(report)"
fi

# ---------------------------------------------------------------------------
# --help for every command

for c in "" vip "vip add" "vip set" "vip del" "vip show" dest "dest add" \
	 "dest set" "dest del" "dest show" flush monitor save restore sync; do
	# shellcheck disable=SC2086
	nsx "$E" timeout 10 "$LBNL" $c --help >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	slurp out "$tmp/stdout"
	slurp err "$tmp/stderr"
	cmd="lbnl $c --help"
	if [ "$rc" = 0 ] && [[ ${out,,} == *usage* ]] && [ -z "$err" ]; then
		ok "$cmd"
	else
		not_ok "$cmd" "$(report)" "want: exit 0, usage on stdout"
	fi
done
lb "$E" vip add help
if [ "$rc" = 0 ] && [[ ${out,,} == *usage* ]]; then
	ok "lbnl vip add help"
else
	not_ok "lbnl vip add help" "$(report)"
fi
lb "$E" -j vip show
jqcheck "help changed nothing" 'length == 0'

# ---------------------------------------------------------------------------
# monitor: every change, as it happens

# mon_has FILE PATTERN: grep -E in the monitor's output
mon_has()
{
	grep -qE -- "$2" "$1"
}

# start_monitor FILE ARGS...: lbnl ARGS monitor in M, subscribed when it
# returns (probe changes until one is seen)
start_monitor()
{
	local file=$1 i=0

	shift
	# not through a function: $! must be lbnl itself (ip netns exec execs it)
	ip netns exec "$M" "$LBNL" "$@" monitor >"$file" 2>"$file.err" &
	mon_pid=$!
	probe()
	{
		i=$((i + 1))
		lbx "$M" vip add "192.0.2.250:$i" proto tcp &&
		lbx "$M" vip del "192.0.2.250:$i" proto tcp &&
		grep -q '192\.0\.2\.250' "$file"
	}
	wait_for 20 probe
}

stop_monitor()
{
	kill "$mon_pid" 2>/dev/null
	wait "$mon_pid" 2>/dev/null
	mon_pid=
}

changes()
{
	setup "$M" vip add 198.51.100.7:80 proto udp mode tun migrate-after 3
	setup "$M" dest add 198.51.100.7:80 proto udp 10.7.0.1 weight 2
	setup "$M" dest set 198.51.100.7:80 proto udp 10.7.0.1:80 state drain
	setup "$M" vip set 198.51.100.7:80 proto udp migrate-after 9
	setup "$M" vip add '[2001:db8::7]:443' proto tcp
	setup "$M" dest add 198.51.100.7:80 proto udp 10.7.0.2:81
	setup "$M" dest del 198.51.100.7:80 proto udp 10.7.0.2:81
	setup "$M" vip del 198.51.100.7:80 proto udp
	# refused: no event
	lbx "$M" vip add '[2001:db8::7]:443' proto tcp 2>/dev/null
	# another namespace's changes: not seen here
	setup "$A" vip add 198.51.100.8:80 proto tcp
	setup "$A" vip del 198.51.100.8:80 proto tcp
	setup "$M" flush
}

if start_monitor "$tmp/mon"; then
	ok "monitor: subscribed (a probe change was printed)"
else
	not_ok "monitor: subscribed (a probe change was printed)" \
		"no probe event in 20 s" "stdout: $(cat "$tmp/mon")" \
		"stderr: $(cat "$tmp/mon.err")"
fi
changes
wait_for 20 mon_has "$tmp/mon" '^flush'
stop_monitor
sed '/192\.0\.2\.250/d' "$tmp/mon" >"$tmp/mon.events"
cat >"$tmp/mon.want" <<'EOF'
^vip add 198\.51\.100\.7:80 proto udp mode tun .*migrate-after 3( |$)
^dest add 198\.51\.100\.7:80 proto udp 10\.7\.0\.1:80 weight 2 state active$
^dest set 198\.51\.100\.7:80 proto udp 10\.7\.0\.1:80 weight 2 state drain$
^vip set 198\.51\.100\.7:80 proto udp mode tun .*migrate-after 9( |$)
^vip add \[2001:db8::7\]:443 proto tcp( |$)
^dest add 198\.51\.100\.7:80 proto udp 10\.7\.0\.2:81 weight 1 state active$
^dest del 198\.51\.100\.7:80 proto udp 10\.7\.0\.2:81 weight 1 state active$
^vip del 198\.51\.100\.7:80 proto udp( |$)
^flush$
EOF
lines=$(grep -c . "$tmp/mon.events")
i=0
mon_ok=1
while read -r pat; do
	i=$((i + 1))
	got=$(sed -n "${i}p" "$tmp/mon.events")
	if ! grep -qE -- "$pat" <<<"$got"; then
		mon_ok=0
		break
	fi
done <"$tmp/mon.want"
if [ "$mon_ok" = 1 ] && [ "$lines" = 9 ]; then
	ok "monitor: one line per change, in order, no refused or foreign change"
else
	not_ok "monitor: one line per change, in order, no refused or foreign change" \
		"line $i: want /$pat/, got '$got'" \
		"want 9 lines, got $lines:" "$(cat "$tmp/mon.events")" \
		"stderr: $(cat "$tmp/mon.err")"
fi

if start_monitor "$tmp/jmon" -j; then
	ok "-j monitor: subscribed"
else
	not_ok "-j monitor: subscribed" "stdout: $(cat "$tmp/jmon")" \
		"stderr: $(cat "$tmp/jmon.err")"
fi
changes
wait_for 20 mon_has "$tmp/jmon" '"flush"'
stop_monitor
# one JSON value per line: jq -c prints one line per value it parsed
bad=$(jq -c . "$tmp/jmon" 2>&1 | wc -l)
if [ "$bad" = "$(wc -l <"$tmp/jmon")" ] && jq -e . "$tmp/jmon" >/dev/null 2>&1; then
	bad=0
fi
out=$(grep -v '192\.0\.2\.250' "$tmp/jmon" | jq -s . 2>&1)
cmd="lbnl -j monitor"
rc=
err=$(cat "$tmp/jmon.err")
if [ "$bad" = 0 ]; then
	ok "-j monitor: one JSON object per line"
else
	not_ok "-j monitor: one JSON object per line" "jq -c printed $bad lines for:" \
		"$(cat "$tmp/jmon")"
fi
jqcheck "-j monitor: 9 events" 'length == 9' \
	"-j monitor: VIP events carry the VIP" \
	'[.[] | select(.vip.addr == "198.51.100.7" and .vip.port == 80
		       and .vip.proto == "udp")] | length == 7' \
	"-j monitor: vip add carries the settings" \
	'.[0].vip.mode == "tun" and .[0].vip.migrate_after == 3' \
	"-j monitor: dest events carry the dest" \
	'.[1].dest.addr == "10.7.0.1" and .[1].dest.port == 80
	 and .[1].dest.weight == 2 and .[2].dest.state == "drain"' \
	"-j monitor: v6 VIP" '.[4].vip.addr == "2001:db8::7" and .[4].vip.port == 443' \
	"-j monitor: the flush last, without objects" \
	'(.[8] | has("vip") | not) and (.[8] | has("dest") | not)'

# ---------------------------------------------------------------------------
# sync: the configuration becomes the file's, touching only what differs

run "flush M for sync" "$M" flush
setup "$M" vip add 203.0.113.1:80 proto tcp mode tun migrate-after 5
setup "$M" dest add 203.0.113.1:80 proto tcp 10.9.9.1 weight 4
setup "$M" dest add 203.0.113.1:80 proto tcp 10.9.9.2:8080 state drain
setup "$M" dest add 203.0.113.1:80 proto tcp 10.9.9.3 tag-id 7
setup "$M" vip add 203.0.113.2:80 proto udp
setup "$M" dest add 203.0.113.2:80 proto udp 10.9.9.5
setup "$M" vip add '[2001:db8:9::1]:443' proto sctp
setup "$M" dest add '[2001:db8:9::1]:443' proto sctp '[2001:db8:9::a]:443'
# the file: 203.0.113.2 gone, 203.0.113.4 new, 203.0.113.1 changed (a
# setting, a weight, a state, a dest gone, one new), the v6 VIP as it is
cat >"$tmp/sync1" <<EOF
vip add 203.0.113.4:53 proto udp mode tun
dest add 203.0.113.4:53 proto udp 10.9.9.6 weight 2
dest add 203.0.113.4:53 proto udp 10.9.9.7
vip add 203.0.113.1:80 proto tcp mode tun migrate-after 9
dest add 203.0.113.1:80 proto tcp 10.9.9.1 weight 5
dest add 203.0.113.1:80 proto tcp 10.9.9.2:8080 state maint
dest add 203.0.113.1:80 proto tcp 10.9.9.4 tag-id 8
vip add [2001:db8:9::1]:443 proto sctp
dest add [2001:db8:9::1]:443 proto sctp [2001:db8:9::a]:443
EOF
# what "save" prints for it: every setting, in the kernel's order
cat >"$tmp/sync1.want" <<EOF
dest add 203.0.113.1:80 proto tcp 10.9.9.1:80 weight 5 state active
dest add 203.0.113.1:80 proto tcp 10.9.9.2:8080 weight 1 state maint
dest add 203.0.113.1:80 proto tcp 10.9.9.4:80 weight 1 state active tag-id 8
dest add 203.0.113.4:53 proto udp 10.9.9.6:53 weight 2 state active
dest add 203.0.113.4:53 proto udp 10.9.9.7:53 weight 1 state active
dest add [2001:db8:9::1]:443 proto sctp [2001:db8:9::a]:443 weight 1 state active
vip add 203.0.113.1:80 proto tcp mode tun sched maglev bypass off migrate-after 9
vip add 203.0.113.4:53 proto udp mode tun sched maglev bypass off migrate-after 0
vip add [2001:db8:9::1]:443 proto sctp mode nat sched maglev bypass off migrate-after 0
EOF
# a monitor sees each change the sync makes, and none of what matched
start_monitor "$tmp/sync.mon" || not_ok "sync: monitor subscribed"
run "sync: a file with VIPs and dests deleted, added and changed" "$M" \
	sync "$tmp/sync1"
lbx "$M" save | sort >"$tmp/sync1.got"
same "sync: save prints the file's configuration" "$tmp/sync1.want" \
	"$tmp/sync1.got"
# markers around the second sync: what the monitor saw in between
setup "$M" vip add 192.0.2.251:80 proto tcp
wait_for 20 mon_has "$tmp/sync.mon" '192\.0\.2\.251'
setup "$M" vip del 192.0.2.251:80 proto tcp
run "sync of the same file again" "$M" sync "$tmp/sync1"
setup "$M" vip add 192.0.2.252:80 proto tcp
wait_for 20 mon_has "$tmp/sync.mon" '192\.0\.2\.252'
stop_monitor
setup "$M" vip del 192.0.2.252:80 proto tcp
grep -v '192\.0\.2\.250' "$tmp/sync.mon" | sed '/192\.0\.2\.251/,$d' >"$tmp/sync.first"
sed -n '/vip add 192\.0\.2\.251/,/vip add 192\.0\.2\.252/p' "$tmp/sync.mon" |
	grep -v '192\.0\.2\.25[12]' >"$tmp/sync.second"
if ! grep -q '2001:db8:9::' "$tmp/sync.first" &&
   [ "$(grep -c '^vip del' "$tmp/sync.first")" = 1 ] &&
   grep -q '^vip del 203\.0\.113\.2:80 proto udp' "$tmp/sync.first" &&
   grep -q '^vip set 203\.0\.113\.1:80 proto tcp .*migrate-after 9' "$tmp/sync.first" &&
   grep -q '^dest add 203\.0\.113\.1:80 proto tcp 10\.9\.9\.4:80' "$tmp/sync.first" &&
   grep -q '^dest del 203\.0\.113\.1:80 proto tcp 10\.9\.9\.3:80' "$tmp/sync.first" &&
   [ "$(grep -c '^dest set' "$tmp/sync.first")" = 2 ] &&
   [ ! -s "$tmp/sync.second" ]; then
	ok "sync: one change per difference, none for what matched, none on a second sync"
else
	not_ok "sync: one change per difference, none for what matched, none on a second sync" \
		"first sync:" "$(cat "$tmp/sync.first")" \
		"second sync:" "$(cat "$tmp/sync.second")"
fi

# down belongs to the health checks: a sync saying active leaves it down
setup "$M" dest set 203.0.113.4:53 proto udp 10.9.9.7 state down
run "sync with a dest down that the file has active" "$M" sync "$tmp/sync1"
lb "$M" -j dest show 203.0.113.4:53 proto udp
jqcheck "sync: the down dest stays down" \
	'.[] | select(.addr == "10.9.9.7") | .state == "down"'
setup "$M" dest set 203.0.113.4:53 proto udp 10.9.9.7 state active

# all or nothing: the kernel refuses one change (a tag id two dests
# share): nothing of the sync stays
canon "$M" >"$tmp/c.before"
cat >"$tmp/sync2" <<EOF
vip add 203.0.113.5:80 proto tcp
dest add 203.0.113.5:80 proto tcp 10.9.9.8
vip add 203.0.113.1:80 proto tcp mode tun migrate-after 9
dest add 203.0.113.1:80 proto tcp 10.9.9.1 weight 6
dest add 203.0.113.1:80 proto tcp 10.9.9.2:8080 state maint tag-id 8
dest add 203.0.113.1:80 proto tcp 10.9.9.4 tag-id 8
EOF
refused "sync refused by the kernel: exit 1, the line named" 1 \
	"line 5:.*(tag|id)" "$M" sync "$tmp/sync2"
canon "$M" >"$tmp/c.after"
same "sync refused: rolled back, nothing changed" "$tmp/c.before" "$tmp/c.after"

# what is not a configuration is refused before anything is applied
printf 'vip add 203.0.113.1:80 proto tcp\nvip set 203.0.113.1:80 proto tcp mode nat\n' >"$tmp/sync3"
refused "sync of a file with a vip set line" 2 "line 2: sync takes what 'lbnl save' prints" \
	"$M" sync "$tmp/sync3"
printf 'dest add 203.0.113.1:80 proto tcp 10.9.9.1\n' >"$tmp/sync4"
refused "sync of a dest without its VIP" 2 "line 1: dest of a VIP no line above adds" \
	"$M" sync "$tmp/sync4"
printf 'vip add 203.0.113.1:80 proto tcp\nvip add 203.0.113.1:80 proto tcp\n' >"$tmp/sync5"
refused "sync of a VIP added twice" 2 "line 2: VIP added twice" "$M" sync "$tmp/sync5"
canon "$M" >"$tmp/c.after"
same "sync refusals: nothing changed" "$tmp/c.before" "$tmp/c.after"
: >"$tmp/sync6"
run "sync of an empty file" "$M" sync "$tmp/sync6"
lb "$M" save
if [ "$rc" = 0 ] && [ -z "$out" ]; then
	ok "sync of an empty file: nothing left"
else
	not_ok "sync of an empty file: nothing left" "$(report)"
fi

# ---------------------------------------------------------------------------

echo "1..$n"
echo "# $((n - nfail)) passed, $nfail failed"
[ "$nfail" = 0 ] || exit 1
exit 0
