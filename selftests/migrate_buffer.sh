#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The LB's migration buffer (kmod/lb/migrate.c): what it takes, how much,
# and that what it took is all sent on. The tun SCTP VIP of migrate.sh
# (192.0.2.2:3868 on srv1 and srv2, unmodified echo servers, a checking
# peer); lib/hardening.py sctp-data crafts DATA packets with an
# association's vtag and port and a wrong CRC32c (the servers' SCTP
# discards them silently and counts them: SctpChecksumErrors).
#
#   spoof   a migration open, SPOOF_N (300) packets with the association's
#           vtag and port from another address of the peer's network:
#           the migration's buffer does not take them ("lbnl migrate show"
#           buffered grows by less than SPOOF_N / 3: only the peer's own
#           traffic), it stays open, and carried out (export, import,
#           commit) the peer sees nothing lost, duplicated or reordered.
#   share   migrate_buffer_share 256 KiB, migrate_buffer_bytes 512 KiB: two
#           migrations open, a third is refused (ENOBUFS: no room left);
#           the second one's own address floods it (FILL_N packets of 1000
#           bytes): it alone overflows (aborted, "buffer full"), the first
#           stays open and is carried out, the peer sees nothing.
#   flush   net.core.netdev_max_backlog lowered to 5: a migration holds
#           FLUSH_N (300) copies (the peer's address, crafted), then is
#           aborted: every copy reaches the source (its SctpChecksumErrors
#           grows by FLUSH_N more) and drops.migrate_flush stays 0.
#
# Environment: CASES (spoof share flush), SPOOF_N, FILL_N (400), FLUSH_N.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/migrate.sh"

CASES=${CASES:-spoof share flush}
SPOOF_N=${SPOOF_N:-300}
FILL_N=${FILL_N:-400}
FLUSH_N=${FLUSH_N:-300}
HP=$dir/lib/hardening.py
SPOOF_IP4=198.51.100.77

tmp=$(mktemp -d)
defer rm -rf "$tmp"
umask 077

dp_require
require_cmd jq python3
use_family 4

# craft ENTRY SRC COUNT: COUNT crafted DATA packets of the association
# ENTRY ("vtag dest peer:port") from SRC, sent from the peer's namespace.
craft()
{
	local vtag=${1%% *} pport=${1##*:}

	nsn "$NS_PEER" python3 "$HP" sctp-data "$2" "$VIP" "$PORT" "$pport" \
		"$vtag" "$3" 1000 > /dev/null
}

# mig FIELD VTAG: FIELD of the open migration of VTAG ("" if none).
mig()
{
	lb -j migrate show | jq -r --argjson v "$2" \
		".[] | select(.vtag == \$v) | .$1"
}

is_open()
{
	[ -n "$(mig id "$1")" ]
}

# bad_seen NS: SCTP packets with a bad CRC32c NS received.
bad_seen()
{
	nsn "$1" awk '$1 == "SctpChecksumErrors" { print $2 }' /proc/net/sctp/snmp
}

case_spoof()
{
	local e vtag from peer to b0 b1

	RET=0
	INTERVAL=200 peer_start 1
	check_err $? "peer not ready"
	sleep 0.5
	e=$(entries)
	read -r vtag from peer <<< "$e"
	to=$S1
	[ "$from" = "$S1" ] && to=$S2
	lb migrate start $KEY proto sctp vtag "$vtag" to "$(dp_key "$to" $PORT)" \
		timeout 60000 > /dev/null
	check_err $? "migrate start failed"
	b0=$(mig buffered "$vtag")
	craft "$e" $SPOOF_IP4 "$SPOOF_N"
	sleep 0.5
	b1=$(mig buffered "$vtag")
	is_open "$vtag"
	check_err $? "the spoofed packets closed the migration: $(lb migrate show)"
	[ -n "$b1" ] && [ $((b1 - b0)) -lt $((SPOOF_N / 3)) ]
	check_err $? "buffered went from $b0 to $b1 with $SPOOF_N spoofed packets"
	carry_out "$vtag" "$from" "$to" "$peer"
	check_err $? "the migration could not be carried out"
	[ "$(entries | awk '{ print $2 }')" = "$to" ]
	check_err $? "entry not on the target: $(entries)"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	echo "# buffered $b0 -> $b1 over $SPOOF_N spoofed packets;" \
	     "peer: $(jq -c '{sent, echoed, lost}' "$tmp/peer.json")"
	log_test "spoofed packets with the association's vtag are not buffered"
}

case_share()
{
	local e1 e2 e3 v1 v2 v3 f1 f2 f3 p1 p2 p3 t1 t2 t3 ob os i

	RET=0
	ob=$(nsn "$NS_LB" sysctl -n net.lbnl.migrate_buffer_bytes)
	os=$(nsn "$NS_LB" sysctl -n net.lbnl.migrate_buffer_share)
	if ! nsn "$NS_LB" sysctl -qw net.lbnl.migrate_buffer_share=262144 \
	     net.lbnl.migrate_buffer_bytes=524288; then
		check_err 1 "no sysctls net.lbnl.migrate_buffer_share, _bytes"
		log_test "one migration's flood overflows it alone"
		return
	fi
	INTERVAL=100 peer_start 3
	check_err $? "peer not ready"
	sleep 0.5
	entries > "$tmp/e3"
	{ read -r e1; read -r e2; read -r e3; } < "$tmp/e3"
	for i in 1 2 3; do
		eval "read -r v$i f$i p$i <<< \"\$e$i\""
		eval "t$i=\$S1; [ \"\$f$i\" = \"\$S1\" ] && t$i=\$S2"
	done
	lb migrate start $KEY proto sctp vtag "$v1" to "$(dp_key "$t1" $PORT)" \
		timeout 60000 > /dev/null &&
		lb migrate start $KEY proto sctp vtag "$v2" \
			to "$(dp_key "$t2" $PORT)" timeout 60000 > /dev/null
	check_err $? "two migrations did not open"
	lb migrate start $KEY proto sctp vtag "$v3" to "$(dp_key "$t3" $PORT)" \
		> /dev/null 2> "$tmp/err"
	check_fail $? "a third migration opened past the namespace's budget"
	grep -q "migration buffer is all reserved" "$tmp/err"
	check_err $? "third refused with: $(cat "$tmp/err")"
	craft "$e2" "${p2%:*}" "$FILL_N"
	busywait 5000 eval '! is_open "$v2"'
	check_err $? "flooding the second migration did not overflow it"
	is_open "$v1"
	check_err $? "the first migration closed with the second's overflow: $(lb migrate show)"
	carry_out "$v1" "$f1" "$t1" "$p1"
	check_err $? "the first migration could not be carried out"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	nsn "$NS_LB" sysctl -qw net.lbnl.migrate_buffer_share="$os" \
		net.lbnl.migrate_buffer_bytes="$ob"
	log_test "one migration's flood overflows it alone; no room: refused"
}

case_flush()
{
	local e vtag from peer sns b old d0 c0 n0 n

	RET=0
	old=$(sysctl -n net.core.netdev_max_backlog)
	sysctl -qw net.core.netdev_max_backlog=5
	defer sysctl -qw net.core.netdev_max_backlog="$old"
	INTERVAL=200 peer_start 1
	check_err $? "peer not ready"
	sleep 0.5
	e=$(entries)
	read -r vtag from peer <<< "$e"
	sns=$(srv_ns "$from")
	lb migrate start $KEY proto sctp vtag "$vtag" timeout 60000 > /dev/null
	check_err $? "migrate start failed"
	d0=$(dp_drop migrate_flush)
	c0=$(bad_seen "$sns")
	craft "$e" "${peer%:*}" "$FLUSH_N"
	# The packets themselves reach the source while the copies wait.
	busywait 10000 eval '[ "$(bad_seen "$sns")" -ge $((c0 + FLUSH_N)) ]'
	n0=$(bad_seen "$sns")
	[ "$n0" -eq $((c0 + FLUSH_N)) ]
	check_err $? "the source got $((n0 - c0)) of the $FLUSH_N packets themselves"
	b=$(mig buffered "$vtag")
	[ -n "$b" ] && [ "$b" -ge "$FLUSH_N" ]
	check_err $? "buffered $b, want at least $FLUSH_N"
	lb migrate abort $KEY proto sctp vtag "$vtag"
	check_err $? "abort failed"
	busywait 20000 eval '[ "$(bad_seen "$sns")" -ge $((n0 + FLUSH_N)) ]'
	n=$(($(bad_seen "$sns") - n0))
	[ "$n" -eq "$FLUSH_N" ]
	check_err $? "$n of the $FLUSH_N buffered copies reached the source after the abort (netdev_max_backlog 5)"
	[ "$(dp_drop migrate_flush)" -eq "$d0" ]
	check_err $? "drops.migrate_flush grew by $(($(dp_drop migrate_flush) - d0))"
	peer_stop
	check_err $? "peer: $(cat "$tmp/peer.json")"
	sysctl -qw net.core.netdev_max_backlog="$old"
	echo "# $n of $FLUSH_N copies re-injected with netdev_max_backlog 5"
	log_test "a buffer larger than netdev_max_backlog is sent on entirely"
}

if ! dp_setup; then
	echo "# set-up failed"
	exit $ksft_fail
fi
echo_servers $PORT4 $DP_TUN4 count 1 2
lb vip add $KEY proto sctp mode tun &&
	lb dest add $KEY proto sctp $SRV1_IP4:$PORT &&
	lb dest add $KEY proto sctp $SRV2_IP4:$PORT ||
	{ echo "# VIP set-up failed"; exit $ksft_fail; }
defer lb flush

for c in $CASES; do
	"case_$c"
done
ksft_exit
