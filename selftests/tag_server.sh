#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Routable SCTP tags, the server's half: with a key and a server id set in
# a namespace ("lbnl tag set key-file K server-id 7", lbnl_srv's kretprobe
# on sctp_generate_tag), every verification tag the SCTP stack chooses
# there names server 7 under that key; elsewhere, and after "tag del",
# tags are the stack's random ones.
#
#	$NS_A (key K, server id 7)          $NS_B (no key)
#	sctp_peer --- lo --- sctp_echo       sctp_peer --- lo --- sctp_echo
#	  NASSOC associations to               NASSOC associations to
#	  127.0.0.1:3868                       127.0.0.1:3868
#
# Both ends of each association are in the namespace, so "lbnl -j assoc
# show" lists 2 x NASSOC associations there, each with the tag its end
# chose (vtag): the listener's (the temporary association answering the
# INIT chose it, the cookie carried it) and the connecting socket's. The
# decoder is the host test of the codec (tools/tests/test_tag decode KEY
# TAG...), built with the same header and the kernel's own SipHash.
#
# Checks: TAG_GET shows id 7, the key's fingerprint, the hook installed;
# every tag chosen in $NS_A decodes to 7; CHOSEN grew by at least
# 3 x NASSOC (two choices per incoming association, one per outgoing) and
# nothing was missed; in $NS_B (no key) the tags decode to ids spread over
# the range, few of them 7, and $NS_A's count did not move; a new key with
# id 4095 replaces the old one; after "tag del server" new associations in
# $NS_A are random again and TAG_GET/TAG_DEL say there is no key.

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"

LBNL=${LBNL:-$dir/../tools/lbnl/lbnl}
DECODER=${DECODER:-$dir/../tools/tests/test_tag}
NASSOC=${NASSOC:-50}
PORT=3868

require_cmd jq
require_module sctp
for p in "$LBNL" "$DECODER" "$dir/sctp_echo" "$dir/sctp_peer"; do
	if [ ! -x "$p" ]; then
		echo "SKIP: $p not built (make; make -C selftests)"
		exit $ksft_skip
	fi
done

tmp=$(mktemp -d)
defer rm -rf "$tmp"
umask 077

# show NS: "lbnl -j tag show"'s server object.
show()
{
	nsx "$1" "$LBNL" -j tag show | jq -c '.server'
}

# show_field NS FIELD
show_field()
{
	show "$1" | jq -r ".$2"
}

# start_echo NS: the listener on 127.0.0.1:$PORT.
start_echo()
{
	# ip netns exec, not nsx (a function): $! must be the server itself.
	ip netns exec "$1" "$dir/sctp_echo" -p $PORT -a 127.0.0.1 \
		-c "$tmp/count.$1" -q &
	defer kill $!
	busywait 10000 test -e "$tmp/count.$1"
}

# assoc_count NS: the associations of NS.
assoc_count()
{
	nsx "$1" "$LBNL" -j assoc show | jq length
}

# no_assocs NS (for busywait)
no_assocs()
{
	[ "$(assoc_count "$1")" = 0 ]
}

# run_peer NS N: N associations to the listener, up and echoing; their
# tags (both ends' vtag, one a line) into $tmp/tags.NS; then closed.
run_peer()
{
	local ns=$1 n=$2 pid ret=0

	rm -f "$tmp/ready" "$tmp/stop"
	ip netns exec "$ns" "$dir/sctp_peer" -c 127.0.0.1 -p $PORT -n "$n" \
		-S 1 -i 500 --setup-timeout 60 --drain-ms 2000 -q \
		-r "$tmp/ready" --stop-file "$tmp/stop" >"$tmp/peer.json" &
	pid=$!
	if busywait 60000 test -e "$tmp/ready" >/dev/null; then
		nsx "$ns" "$LBNL" -j assoc show >"$tmp/assocs.json" &&
		jq -r '.[].vtag' "$tmp/assocs.json" >"$tmp/tags.$ns" || ret=1
	else
		echo "# $n associations not up in $ns"
		ret=1
	fi
	touch "$tmp/stop"
	wait $pid || { echo "# sctp_peer in $ns: $(cat "$tmp/peer.json")"; ret=1; }
	busywait 20000 no_assocs "$ns" || ret=1
	return $ret
}

# decode NS: the ids the tags of $tmp/tags.NS name under the key, one a
# line, into $tmp/ids.NS.
decode()
{
	# shellcheck disable=SC2046 # one tag a word
	"$DECODER" decode "$key" $(cat "$tmp/tags.$1") >"$tmp/ids.$1"
}

# count_id NS ID: how many of NS's tags decode to ID.
count_id()
{
	grep -cx "$2" "$tmp/ids.$1"
}

setup_ns NS_A NS_B
start_echo "$NS_A" && start_echo "$NS_B"
check_err $? "echo servers did not start"
"$LBNL" tag genkey >"$tmp/key" && key=$(cat "$tmp/key")
check_err $? "tag genkey failed"
nsx "$NS_A" "$LBNL" tag set key-file "$tmp/key" server-id 7
check_err $? "tag set key-file K server-id 7 failed"
log_test "set up: listeners, key, server id 7 in one namespace"

# TAG_GET: id, fingerprint, hook; nothing chosen yet.
RET=0
s=$(show "$NS_A")
echo "# $NS_A: $s"
fp=$("$DECODER" fingerprint "$key")
jq -e --arg fp "$fp" '.key and .server_id == 7 and .fingerprint == $fp and
		     .hook and .chosen == 0 and .missed == 0' <<<"$s" >/dev/null
check_err $? "tag show: expected id 7, fingerprint $fp, hook, nothing chosen"
s=$(show "$NS_B")
jq -e '.key == false' <<<"$s" >/dev/null
check_err $? "tag show in the other namespace: $s, expected no key"
nsx "$NS_B" "$LBNL" tag show | grep -qx 'server no key'
check_err $? "tag show (text) in the other namespace: no 'server no key'"
log_test "tag show: server id, fingerprint (as the decoder's), hook installed"

# Every tag chosen with the key names server 7.
RET=0
run_peer "$NS_A" "$NASSOC"
check_err $? "associations in $NS_A failed"
decode "$NS_A"
n=$(wc -l <"$tmp/ids.$NS_A")
seven=$(count_id "$NS_A" 7)
echo "# $NS_A: $n tags, $seven name server 7"
[ "$n" = $((2 * NASSOC)) ]
check_err $? "$n tags in $NS_A, expected $((2 * NASSOC)) (both ends)"
[ "$seven" = "$n" ]
check_err $? "$((n - seven)) of $n tags do not name server 7 (ids $(head -n 8 "$tmp/ids.$NS_A" | tr '\n' ' ')...)"
log_test "$NASSOC associations: all $((2 * NASSOC)) tags (both ends) decode to server 7"

RET=0
s=$(show "$NS_A")
chosen=$(jq -r .chosen <<<"$s")
echo "# $NS_A after $NASSOC associations: $s"
[ "$chosen" -ge $((3 * NASSOC)) ]
check_err $? "chosen $chosen, expected at least $((3 * NASSOC)) (2 per incoming, 1 per outgoing)"
[ "$(jq -r .missed <<<"$s")" = 0 ]
check_err $? "the hook missed choices: $s"
log_test "TAG_GET: chosen grew by $chosen (2 per incoming, 1 per outgoing association), none missed"

# Without a key: the stack's random tags, this namespace's count unmoved.
RET=0
run_peer "$NS_B" "$NASSOC"
check_err $? "associations in $NS_B failed"
decode "$NS_B"
n=$(wc -l <"$tmp/ids.$NS_B")
seven=$(count_id "$NS_B" 7)
distinct=$(sort -u "$tmp/ids.$NS_B" | wc -l)
echo "# $NS_B (no key): $n tags, $seven decode to 7, $distinct distinct ids"
[ "$n" = $((2 * NASSOC)) ] && [ "$seven" -le 3 ] && [ "$distinct" -ge $((n / 2)) ]
check_err $? "$NS_B's tags: $seven of $n decode to 7, $distinct distinct ids"
[ "$(show_field "$NS_A" chosen)" = "$chosen" ]
check_err $? "$NS_A's count moved with $NS_B's associations"
log_test "a namespace without a key: random tags (ids spread), the keyed one's count unmoved"

# A new setting replaces the old one.
RET=0
nsx "$NS_A" "$LBNL" tag set key-file - server-id 4095 <"$tmp/key"
check_err $? "tag set key-file - server-id 4095 failed"
run_peer "$NS_A" 10
check_err $? "associations in $NS_A failed"
decode "$NS_A"
[ "$(count_id "$NS_A" 4095)" = 20 ]
check_err $? "not every tag names server 4095 (ids $(head -n 8 "$tmp/ids.$NS_A" | tr '\n' ' ')...)"
log_test "tag set again (server id 4095): new tags name 4095"

# tag del: random tags again; GET and DEL say there is no key.
RET=0
nsx "$NS_A" "$LBNL" tag del server
check_err $? "tag del server failed"
nsx "$NS_A" "$LBNL" tag show | grep -qx 'server no key'
check_err $? "tag show after tag del: no 'server no key'"
out=$(nsx "$NS_A" "$LBNL" tag del server 2>&1)
[ $? = 1 ] && [ "$out" = "Error: no tag key is set" ]
check_err $? "a second tag del: '$out', expected 'Error: no tag key is set'"
run_peer "$NS_A" "$NASSOC"
check_err $? "associations in $NS_A failed"
decode "$NS_A"
n=$(wc -l <"$tmp/ids.$NS_A")
seven=$(count_id "$NS_A" 4095)
distinct=$(sort -u "$tmp/ids.$NS_A" | wc -l)
echo "# $NS_A after tag del: $n tags, $seven decode to 4095, $distinct distinct ids"
[ "$n" = $((2 * NASSOC)) ] && [ "$seven" -le 3 ] && [ "$distinct" -ge $((n / 2)) ]
check_err $? "after tag del: $seven of $n tags still decode to 4095, $distinct distinct ids"
log_test "tag del: random tags again, no key to show or delete"

ksft_exit
