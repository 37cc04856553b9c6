#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_group.sh LBNL: "lbnl group" against a real etcd on 127.0.0.1 (a
# free port, a temporary data dir): load then save gives the file back
# at one revision; a second load replaces the whole configuration (a VIP
# the new file lacks is gone); status reads the LBs' status keys (written
# here with etcdctl as lbnld would) and exits 1 when one is behind or in
# error, or when none reports. Skipped, saying so, without etcd.

lbnl=${1:?usage: test_group.sh PATH/TO/lbnl}
tmp=$(mktemp -d)
# shellcheck source=etcd_server.sh
. "$(dirname "$0")/etcd_server.sh"
trap 'etcd_stop; rm -rf "$tmp"' EXIT
prog=$lbnl out=$tmp/out err=$tmp/err
# shellcheck source=expect.sh
. "$(dirname "$0")/expect.sh"

if ! command -v etcdctl >/dev/null; then
	echo "test_group: skipped: etcdctl is not installed (Debian: etcd-client)"
	exit 0
fi
etcd_start "$tmp" >"$tmp/why"
case $? in
0) ;;
4) echo "test_group: skipped: $(cat "$tmp/why")"; exit 0 ;;
*) echo "test_group: $(cat "$tmp/why")"; exit 1 ;;
esac
export LBNL_STORE=$ETCD_URL LBNL_GROUP_CONF=$tmp/group.conf
ctl() { ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" "$@"; }
# status NAME REVISION APPLIED ERROR: what lbnld writes.
status()
{
	ctl put "/lbnl/default/status/$1" \
		"{\"revision\": $2, \"applied\": $3, \"applied_revision\": $2, \"error\": \"$4\", \"time\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}" >/dev/null
}

cat >"$tmp/a" <<'CONF'
vip add 192.0.2.1:80 proto tcp mode nat sched maglev
dest add 192.0.2.1:80 proto tcp 198.51.100.1:8080 weight 10
dest add 192.0.2.1:80 proto tcp 198.51.100.2:8080 weight 20
vip add [2001:db8::1]:443 proto sctp
dest add [2001:db8::1]:443 proto sctp [2001:db8::10]
CONF
# The second: the IPv6 VIP gone, a weight changed, a dest added.
cat >"$tmp/b" <<'CONF'
vip add 192.0.2.1:80 proto tcp mode nat sched maglev
dest add 192.0.2.1:80 proto tcp 198.51.100.1:8080 weight 10
dest add 192.0.2.1:80 proto tcp 198.51.100.2:8080 weight 30
dest add 192.0.2.1:80 proto tcp 198.51.100.3:8080 weight 1
CONF

expect 1 'revision' 'No LB reports a status' group status
expect 0 '^revision [0-9]+: 2 VIPs$' '' group load "$tmp/a"
rev_a=$(sed 's/^revision \([0-9]*\):.*/\1/' "$out")
expect 0 "^# revision $rev_a\$" '' group save
tail -n +2 "$out" | sort >"$tmp/got" && sort "$tmp/a" | cmp -s - "$tmp/got" &&
	ok || not_ok "group save after load a: $(cat "$out")"
# One revision: every VIP's key was written by the one transaction.
[ "$(ctl get --prefix /lbnl/default/vips/ -w json | jq '[.kvs[].mod_revision] | unique | length')" = 1 ] &&
	ok || not_ok "load a: not one revision"
ctl get --prefix --keys-only /lbnl/default/vips/ | grep -qx '/lbnl/default/vips/\[2001:db8::1\]:443-sctp' &&
	ok || not_ok "no key for the IPv6 VIP: $(ctl get --prefix --keys-only /lbnl/default/vips/)"

status lb1 "$rev_a" true ""
expect 0 "^lb1 revision $rev_a applied age [0-9]+s\$" '' group status
expect 0 '^\{"revision":[0-9]+,"lbs":\[\{"name":"lb1","revision":[0-9]+,"applied":true,"current":true,"age_s":[0-9]+,"time":"[-0-9T:]+Z"\}\]\}$' '' -j group status

expect 0 '^revision [0-9]+: 1 VIPs$' '' group load "$tmp/b"
rev_b=$(sed 's/^revision \([0-9]*\):.*/\1/' "$out")
expect 0 "^# revision $rev_b\$" '' group save
tail -n +2 "$out" | sort >"$tmp/got" && sort "$tmp/b" | cmp -s - "$tmp/got" &&
	ok || not_ok "group save after load b: $(cat "$out")"
# lb1 still runs a: behind. lb2 refused b: in error.
status lb2 "$rev_b" false "line 3: weight out of range"
expect 1 "^lb1 revision $rev_a applied behind age" '' group status
grep -q "^lb2 revision $rev_b refused running $rev_b behind age [0-9]*s error: line 3: weight out of range\$" "$out" &&
	ok || not_ok "lb2's status: $(cat "$out")"
status lb1 "$rev_b" true ""
status lb2 "$rev_b" true ""
expect 0 "^lb1 revision $rev_b applied age" '' group status
# A status read after b, nothing changed since: current too.
status lb2 "$((rev_b + 3))" true ""
expect 0 "^lb2 revision $((rev_b + 3)) applied age" '' group status

# The same file again: a new revision, the same configuration.
expect 0 '^revision [0-9]+: 1 VIPs$' '' group load "$tmp/b"
expect 0 'lb1 revision [0-9]+ applied age' '' group status
# An empty file empties the group.
expect 0 '^revision [0-9]+: 0 VIPs$' '' group load /dev/null
expect 0 '^# revision [0-9]+$' '' group save
[ "$(wc -l <"$out")" = 1 ] && ok || not_ok "an emptied group: $(cat "$out")"

# The file's group line: its prefix, URL overridden by LBNL_STORE.
echo "group etcd http://127.0.0.1:1 prefix /lbnl/other # a comment" >"$tmp/group.conf"
expect 0 '^revision [0-9]+: 2 VIPs$' '' group load "$tmp/a"
[ "$(ctl get --prefix --keys-only /lbnl/other/vips/ | grep -c .)" = 2 ] &&
	ok || not_ok "prefix of group.conf not used"
expect 0 '^\{"revision":[0-9]+,"configuration":""\}$' '' group save --prefix /lbnl/default -j
echo "group etcd" >"$tmp/group.conf"
expect 1 '' "^Error: $tmp/group.conf:1: group: expected \"etcd URL\"\$" group save

echo "test_group: $((pass + fail)) checks, $fail failed"
[ "$fail" = 0 ]
