#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: a tour of lbnl, run by "make demo" inside the test VM (which has
# loaded kmod/lb/lbnl.ko and kmod/srv/lbnl_srv.ko). Builds the topo_lb3
# topology (see lib/topo.sh),
# starts on srv1..3 small servers that answer with their name (socat for
# TCP and SCTP, a few lines of python for UDP) and configures, in the lb
# namespace:
#
#   192.0.2.10:80           tcp   nat  -> srv1..3:8080 (weights 100, 100, 50)
#   192.0.2.10:53           udp   nat  -> srv1..3:8053
#   192.0.2.10:3868         sctp  nat  -> srv1..3:13868
#   [2001:db8:10::10]:3868  sctp  tun  -> srv1..3 (ip6ip6; they own the VIP)
#
# Real traffic from the peer follows: 12 TCP connections, 6 UDP flows and
# 3 + 3 SCTP associations (fixed source ports), each printing which server
# answered; TCP and SCTP clients stay connected while "lbnl conn show",
# "lbnl stats" and "lbnl -j -p stats" show what the load balancer did.
# Then srv2 goes to maintenance: 12 new TCP connections avoid it while its
# established ones stay. Last, the configuration as text, as JSON, as
# "lbnl save" output and as the events "lbnl monitor" saw. Last,
# demo_bypass.sh: a tenant scaled 2 -> 1 -> 2 dests under a stream, the
# router (BIRD2) following; demo_migrate.sh: a server into maintenance, its
# live SCTP associations migrated under a checking peer. Every command is echoed before it runs ([Ns]:
# seconds since the start).
#
# Checked as it goes: every client gets an answer, "lbnl conn show" has an
# entry per flow in the right state, every dest's "conns" counter matches
# the answers, srv2 gets nothing new in maintenance and keeps its
# connections. Exit status: 0 if all of that held, 1 if anything failed
# ("demo: FAILED: ..." says what).

. "$(dirname "$0")/lib/topo.sh"
. "$(dirname "$0")/lib/demo.sh"

LBNL=${LBNL:-lbnl}
VIP4=192.0.2.10
VIP6=2001:db8:10::10

# in_ns NS CMD...: CMD in network namespace NS. (nsenter: quicker than
# "ip netns exec", which also makes a mount namespace and remounts /sys.
# In the background, call nsenter itself: it execs CMD, so $! is CMD.)
in_ns()
{
	local ns=$1

	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# lbnl ARGS...: echo, then run the CLI in the lb namespace; stop on error.
lbnl()
{
	echo "+ lbnl $*"
	if ! in_ns "$NS_LB" "$LBNL" "$@"; then
		echo "demo: FAILED: lbnl $*"
		exit 1
	fi
}

# lbq ARGS...: the CLI in the lb namespace, quietly (for the checks).
lbq()
{
	in_ns "$NS_LB" "$LBNL" "$@"
}

# Is anyone in the lb namespace subscribed to a generic netlink group?
monitor_ready()
{
	in_ns "$NS_LB" awk '$2 == 16 && $4 != "00000000" { f = 1 }
		END { exit !f }' /proc/net/netlink
}

events_seen()
{
	[ "$(grep -c . "$monlog")" -ge "$1" ]
}

# listening NS PROTO:PORT...: NS has a listening socket for each.
listening()
{
	local ns=$1 have w

	shift
	have=" $(in_ns "$ns" ss -Hln -t -u -S |
		awk '{ n = split($5, a, ":"); printf "%s:%s ", $1, a[n] }')"
	for w in "$@"; do
		[[ $have == *" $w "* ]] || return 1
	done
}

# serve NS ARGS...: socat ARGS in the background in NS, killed at exit.
serve()
{
	local ns=$1

	shift
	nsenter --net="/run/netns/$ns" socat "$@" </dev/null >/dev/null 2>&1 &
	defer kill $!
}

# client_addr KIND PORT: the client side of one flow, as a socat address.
client_addr()
{
	case $1 in
	tcp)   echo "TCP4:$VIP4:80,sourceport=$2" ;;
	udp)   echo "UDP4:$VIP4:53,sourceport=$2" ;;
	# SCTP has no half-close: keep our side open until we hang up.
	sctp)  echo "SCTP4:$VIP4:3868,sourceport=$2,shut-none" ;;
	sctp6) echo "SCTP6:[$VIP6]:3868,sourceport=$2,shut-none" ;;
	esac
}

# answers_in FIRST COUNT: every one of these clients has its answer (or
# has died without one).
answers_in()
{
	local p

	for ((p = $1; p < $1 + $2; p++)); do
		[ -s "$tmp/out.$p" ] || ! kill -0 "${client[$p]}" 2>/dev/null ||
			return 1
	done
}

# start_flows KIND FIRST_PORT COUNT: start COUNT clients side by side in
# the peer, source ports FIRST_PORT... TCP and SCTP clients connect and stay
# connected (stdin: fd 7, which never ends) until "hangup"; UDP clients
# send "hello".
declare -A who client
start_flows()
{
	local kind=$1 first=$2 count=$3 p

	for ((p = first; p < first + count; p++)); do
		if [ "$kind" = udp ]; then
			echo hello | nsenter --net="/run/netns/$NS_PEER" \
				socat -t 30 - "$(client_addr "$kind" $p)" \
				>"$tmp/out.$p" 2>"$tmp/err.$p" &
		else
			nsenter --net="/run/netns/$NS_PEER" \
				socat - "$(client_addr "$kind" $p)" <&7 \
				>"$tmp/out.$p" 2>"$tmp/err.$p" &
		fi
		client[$p]=$!
	done
}

# show_flows KIND FIRST_PORT COUNT: echo the clients' command, wait for
# their answers, print "port -> server" for each, set "who" (source port ->
# server name) and return 1 if a client got no proper answer.
show_flows()
{
	local kind=$1 first=$2 count=$3 p line=() ret=0 out
	local -A tally=()

	if [ "$kind" = udp ]; then
		echo "+ echo hello | socat - $(client_addr "$kind" PORT)"
	else
		echo "+ socat - $(client_addr "$kind" PORT)  (stays connected)"
	fi
	echo "  (in $NS_PEER, PORT = $first..$((first + count - 1)), side by side)"
	busywait 30000 answers_in "$first" "$count"
	for ((p = first; p < first + count; p++)); do
		out=$(cat "$tmp/out.$p")
		if [[ $out != srv[123] ]]; then
			out="(no answer: '$out' $(head -c 100 "$tmp/err.$p"))"
			ret=1
		else
			tally[$out]=$((${tally[$out]:-0} + 1))
		fi
		who[$p]=$out
		line+=("$(printf '%5s -> %-5s' "$p" "$out")")
		if [ ${#line[@]} = 4 ]; then
			echo "  ${line[*]}"
			line=()
		fi
		# A UDP client is done once it has its answer.
		[ "$kind" != udp ] || hangup_one $p
	done
	[ ${#line[@]} = 0 ] || echo "  ${line[*]}"
	echo "  answered by: srv1 ${tally[srv1]:-0}, srv2 ${tally[srv2]:-0}," \
		"srv3 ${tally[srv3]:-0}"
	return $ret
}

# hangup_one PORT: stop the client of source port PORT (it closes its
# connection).
hangup_one()
{
	[ -n "${client[$1]}" ] || return 0
	kill "${client[$1]}" 2>/dev/null
	wait "${client[$1]}" 2>/dev/null
	unset "client[$1]"
}

# hangup: stop every client still running.
hangup()
{
	local p

	for p in "${!client[@]}"; do
		hangup_one "$p"
	done
}

# snap_table: "state proto vip dest" for every entry of "lbnl -j conn show",
# into $tmp/table. (Snapshots, read with shell builtins: under TCG every
# process costs.)
snap_table()
{
	lbq -j conn show |
		jq -r '.[] | "\(.state) \(.proto) \(.vip) \(.dest)"' >"$tmp/table"
}

# conns_in STATE PROTO [VIP [DEST]]: how many entries of the last
# snap_table are in STATE for PROTO (and VIP, and DEST).
conns_in()
{
	local st p v d n=0

	while read -r st p v d; do
		[ "$st $p" = "$1 $2" ] && [ "${3:-$v}" = "$v" ] &&
			[ "${4:-$d}" = "$d" ] && n=$((n + 1))
	done <"$tmp/table"
	echo $n
}

# answered FIRST_PORT COUNT SRV: how many of these flows SRV answered.
answered()
{
	local first=$1 count=$2 p n=0

	for ((p = first; p < first + count; p++)); do
		[ "${who[$p]}" = "$3" ] && n=$((n + 1))
	done
	echo $n
}

# snap_conns: "vip proto dest conns" for every dest of "lbnl -j stats"
# (conns: entries created), into $tmp/conns.
snap_conns()
{
	lbq -j stats | jq -r '.vips[] | .vip as $v | .proto as $p |
		.dests[] | "\($v) \($p) \(.dest) \(.conns)"' >"$tmp/conns"
}

# dest_conns KEY PROTO DEST: that dest's conns in the last snap_conns.
dest_conns()
{
	local v p d n

	while read -r v p d n; do
		if [ "$v $p $d" = "$1 $2 $3" ]; then
			echo "$n"
			return
		fi
	done <"$tmp/conns"
}

# check_conns KEY PROTO PORT FIRST COUNT: in the last snap_conns, the conns
# of each dest of the VIP equal the number of these flows its server
# answered.
check_conns()
{
	local key=$1 proto=$2 port=$3 first=$4 count=$5 i a d want got

	for i in 1 2 3; do
		a=SRV${i}_IP4
		d=${!a}:$port
		case $key in \[*) a=SRV${i}_IP6; d="[${!a}]:$port" ;; esac
		want=$(answered "$first" "$count" srv$i)
		got=$(dest_conns "$key" "$proto" "$d")
		if [ "$got" != "$want" ]; then
			bad "$proto $key: dest $d has conns '$got'," \
				"but srv$i answered $want flows"
		fi
	done
}

for c in "$LBNL" socat python3 jq ss nsenter; do
	if [ ! -x "$c" ] && ! command -v "$c" >/dev/null; then
		echo "demo: $c is not there (make all? make deps?)"
		exit 1
	fi
done
for m in sctp ip6_tunnel; do
	modprobe -q $m || { echo "demo: cannot load module $m"; exit 1; }
done
tmp=$(mktemp -d)
defer rm -rf "$tmp"
# The clients' stdin: a FIFO that never ends (nobody writes, fd 7 holds
# it open for writing too).
mkfifo "$tmp/hold" && exec 7<>"$tmp/hold" ||
	{ echo "demo: cannot make a FIFO in $tmp"; exit 1; }
defer hangup

step "topology: peer -- lb -- srv1..3 (namespaces, see selftests/lib/topo.sh)"
topo_lb3 || { echo "demo: FAILED: topology"; exit 1; }
echo "+ ip -br addr  (in lb)"
ip -n "$NS_LB" -br addr
echo "(lbnl commands below run in namespace $NS_LB)"

step "servers on srv1..3 (N = 1..3): each answers with its name"
echo "+ socat TCP4-LISTEN:8080,fork   SYSTEM:'echo srvN; cat >/dev/null'"
echo "+ python3 udp_server.py srvN 8053    (answers each datagram with srvN)"
echo "+ socat SCTP4-LISTEN:13868,fork SYSTEM:'echo srvN; cat >/dev/null'"
echo "+ socat SCTP6-LISTEN:3868,bind=[$VIP6],fork SYSTEM:..."
echo "  (for the tun VIP: each server owns $VIP6 on lo, ip6tnl0 is up to"
echo "  decapsulate, and the SCTP server binds the VIP only)"
# (Not socat UDP4-RECVFROM,fork: it loses answers when datagrams from
# several peers arrive together.)
cat >"$tmp/udp_server.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", int(sys.argv[2])))
while True:
    _, peer = s.recvfrom(2048)
    s.sendto(sys.argv[1].encode() + b"\n", peer)
EOF
for i in 1 2 3; do
	ns=${NS_SRVS[i - 1]}
	ip -n "$ns" -batch - <<-EOF || { echo "demo: FAILED: srv$i setup"; exit 1; }
		addr add $VIP6/128 dev lo nodad
		link set ip6tnl0 up
	EOF
	# Stay connected until the client hangs up.
	hello="SYSTEM:echo srv$i; exec cat >/dev/null"
	serve "$ns" TCP4-LISTEN:8080,reuseaddr,fork "$hello"
	nsenter --net="/run/netns/$ns" python3 "$tmp/udp_server.py" srv$i 8053 \
		</dev/null >/dev/null 2>&1 &
	defer kill $!
	serve "$ns" SCTP4-LISTEN:13868,reuseaddr,fork "$hello"
	# Behind a tun VIP, an SCTP server binds the VIP only: the addresses
	# of its INIT-ACK must be the ones the peer knows.
	serve "$ns" "SCTP6-LISTEN:3868,bind=[$VIP6],reuseaddr,fork" "$hello"
done
for i in 1 2 3; do
	busywait 20000 listening "${NS_SRVS[i - 1]}" tcp:8080 udp:8053 \
		sctp:13868 sctp:3868 ||
		{ echo "demo: FAILED: the servers of srv$i did not start"; exit 1; }
done

step "lbnl monitor, in the background"
monlog=$tmp/monitor.log
echo "+ lbnl monitor &"
nsenter --net="/run/netns/$NS_LB" "$LBNL" monitor >"$monlog" 2>&1 &
monpid=$!
defer kill "$monpid"
busywait 5000 monitor_ready ||
	echo "(monitor not subscribed yet; early events may be missing)"

step "a TCP VIP, NAT mode, three servers (port 80 -> 8080)"
lbnl vip add $VIP4:80 proto tcp mode nat
lbnl dest add $VIP4:80 proto tcp $SRV1_IP4:8080 weight 100
lbnl dest add $VIP4:80 proto tcp $SRV2_IP4:8080 weight 100
lbnl dest add $VIP4:80 proto tcp $SRV3_IP4:8080 weight 50

step "a UDP VIP (53 -> 8053) and an SCTP VIP (3868 -> 13868), NAT mode, in one go"
cat >"$tmp/vips.conf" <<EOF
vip add $VIP4:53 proto udp mode nat
dest add $VIP4:53 proto udp $SRV1_IP4:8053
dest add $VIP4:53 proto udp $SRV2_IP4:8053
dest add $VIP4:53 proto udp $SRV3_IP4:8053
vip add $VIP4:3868 proto sctp mode nat
dest add $VIP4:3868 proto sctp $SRV1_IP4:13868
dest add $VIP4:3868 proto sctp $SRV2_IP4:13868
dest add $VIP4:3868 proto sctp $SRV3_IP4:13868
EOF
echo "+ lbnl restore <<EOF"
cat "$tmp/vips.conf"
echo "EOF"
lbq restore <"$tmp/vips.conf" || { echo "demo: FAILED: lbnl restore"; exit 1; }

step "an SCTP (Diameter) VIP over IPv6, tunnel mode (ip6ip6; servers own the VIP)"
lbnl vip add "[$VIP6]:3868" proto sctp mode tun sched maglev migrate-after 60
lbnl dest add "[$VIP6]:3868" proto sctp $SRV1_IP6
lbnl dest add "[$VIP6]:3868" proto sctp $SRV2_IP6
lbnl dest add "[$VIP6]:3868" proto sctp $SRV3_IP6

step "traffic from the peer ($PEER_IP4, $PEER_IP6): who answers?"
# All at once (quicker under TCG), then the answers one kind after another.
start_flows tcp 40001 12
start_flows udp 41001 6
start_flows sctp 42001 3
start_flows sctp6 43001 3
echo "12 TCP connections to $VIP4:80:"
show_flows tcp 40001 12 || bad "a TCP client got no answer"
# (Not a failure if a server gets none: Maglev spreads these 12 flows the
# same way every run, 4/7/1 today; dataplane.sh checks the spread.)
for i in 1 2 3; do
	[ "$(answered 40001 12 srv$i)" -gt 0 ] ||
		echo "  (srv$i got none of these 12: the hash put them elsewhere)"
done
echo "6 UDP flows to $VIP4:53:"
show_flows udp 41001 6 || bad "a UDP client got no answer"
echo "3 SCTP associations to $VIP4:3868 (nat):"
show_flows sctp 42001 3 || bad "an SCTP client got no answer"
echo "3 SCTP associations to [$VIP6]:3868 (tun):"
show_flows sctp6 43001 3 || bad "an SCTP client (IPv6, tun) got no answer"

step "the connection table: one entry per flow (TCP and SCTP clients still connected)"
lbnl conn show
snap_table
for want in "established tcp 12" "udp udp 6" "established sctp 6"; do
	read -r st p k <<<"$want"
	n=$(conns_in "$st" "$p")
	[ "$n" = "$k" ] || bad "lbnl conn show: $n $p entries in state $st, want $k"
done

step "counters: global, per VIP, per dest"
lbnl stats
snap_conns
check_conns $VIP4:80 tcp 8080 40001 12
check_conns $VIP4:53 udp 8053 41001 6
check_conns $VIP4:3868 sctp 13868 42001 3
check_conns "[$VIP6]:3868" sctp 3868 43001 3

step "the TCP VIP's counters as JSON"
lbnl -j -p stats $VIP4:80 proto tcp

step "srv2 goes to maintenance on the TCP VIP: no new flows for it"
lbnl dest set $VIP4:80 proto tcp $SRV2_IP4:8080 state maint
snap_conns
before=$(dest_conns $VIP4:80 tcp $SRV2_IP4:8080)
echo "12 new TCP connections to $VIP4:80:"
start_flows tcp 40101 12
show_flows tcp 40101 12 || bad "a TCP client got no answer"
n=$(answered 40101 12 srv2)
[ "$n" = 0 ] || bad "srv2 is in maint but answered $n new connections"
snap_conns
after=$(dest_conns $VIP4:80 tcp $SRV2_IP4:8080)
[ "$before" = "$after" ] ||
	bad "srv2's conns went from '$before' to '$after' while in maint"
want=$(answered 40001 12 srv2)
snap_table
n=$(conns_in established tcp $VIP4:80 $SRV2_IP4:8080)
echo "srv2 keeps the connections it had: $n of $want still established"
[ "$n" = "$want" ] || bad "srv2 had $want connections, $n are left"
lbnl stats $VIP4:80 proto tcp

step "the clients hang up"
echo "+ kill the TCP and SCTP clients (socat closes its connection)"
hangup

step "what the module holds"
lbnl vip show

step "one VIP as JSON"
lbnl -j -p vip show "[$VIP6]:3868" proto sctp

step "lbnl save (what lbnl restore reads back)"
lbnl save

step "events seen by lbnl monitor"
# 4 VIPs + 12 dests added + 1 dest changed
busywait 5000 events_seen 17 ||
	echo "(fewer events than the 17 changes made)"
kill "$monpid" 2>/dev/null
wait "$monpid" 2>/dev/null
cat "$monlog"

# Single-address tenants: a router with BGP, lbnld (its own namespaces).
"$(dirname "$0")/demo_bypass.sh" || failed=1
# Live SCTP migration: a server into maintenance under a streaming peer.
"$(dirname "$0")/demo_migrate.sh" || failed=1

if [ $failed = 0 ]; then
	step "demo done"
else
	step "demo done, with failures (see 'demo: FAILED' above)"
fi
exit $failed
