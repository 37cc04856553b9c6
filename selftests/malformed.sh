#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed packets at the VIPs: the LB drops and counts what it cannot
# parse, forwards nothing it dropped, keeps serving real traffic, and a fuzz
# run leaves it working (and the kernel log clean: the suite checks that).
#
#	$NS_PEER                 $NS_LB                       $NS_SRV1..3
#	pktfuzz (AF_PACKET) --- eth0  lbnl  br0 (tc egress --- echo servers
#	src 198.51.100.66       VIPs    counter: src .66)     tcp, udp, sctp
#	    2001:db8:1::66
#	echo client from .1 / ::1 (real traffic)
#
# VIPs: 192.0.2.1:8080 and [2001:db8:10::1]:8080, each for tcp, udp and
# sctp, mode nat, dests srv1..3 on port 8080.
#
# pktfuzz sends from BAD4/BAD6, addresses nobody owns: the LB reaches them
# through permanent neighbour entries to a MAC nobody has, so replies of the
# servers (RST, ABORT, echoes) die quietly and the peer never answers them.
# Whatever the LB forwards towards the servers from BAD4/BAD6 is counted by
# a tc flower filter on br0's egress (the only way to the servers).
#
# For every case of "pktfuzz list" (one run per family and protocol; the
# IP-header cases once per family), COPIES copies are sent and the deltas
# of "lbnl -j stats" drop counters, of the forwarded counter and of the LB
# namespace's own IP counters (nstat names) are checked against EXPECT:
#   stack      ip_rcv/ipv6_rcv drop it before PRE_ROUTING: the LB sees
#              nothing (no drop counted), nothing forwarded, and the
#              namespace's IpInHdrErrors + IpExtInTruncatedPkts (Ip6...)
#              grew by >= COPIES
#   R1|R2      dropped by the LB: the drops of reasons R1, R2 grew by exactly
#              COPIES, all drops by COPIES, nothing forwarded
#   forward    not dropped, forwarded COPIES times
#   forward-badcrc  forwarded (the VIP keeps the port, so the LB leaves
#              the CRC32c alone and does not verify it: it does when a nat
#              rewrite changes the port, see hardening.sh); the
#              CRC errors the servers' SCTP stacks counted are printed: 0
#              when the LB marks the packet CHECKSUM_UNNECESSARY (IPVS does
#              when it leaves the SCTP header alone), which veth carries
#              into the server's namespace, so the server skips the check
#              (on a real wire the server would see the bad CRC)
#   reasm      (alternative for fragments) the namespace reassembles before
#              PRE_ROUTING (nf_defrag): ReasmReqds grew, nothing dropped by
#              the LB, nothing forwarded
# Then real TCP/UDP/SCTP traffic over v4 and v6 must still work, and a fuzz
# run (FUZZ_COUNT packets per seed in FUZZ_SEEDS, all protocols, both
# families) must leave it working.
#
# Environment:
#   COPIES=N        copies of each malformed case (20)
#   FUZZ_COUNT=N    fuzz packets per seed (100000: ~1 min under TCG)
#   FUZZ_SEEDS="S.." seeds (1)
#   PARTS="..."     malformed fuzz (both by default)
#   LB_IMPL=ipvs    the same topology and traffic through IPVS instead of
#                   lbnl (validates the test's plumbing: the VIPs are then
#                   local addresses of the LB; only the stack, forward and
#                   traffic checks that IPVS can meet are enforced, the
#                   rest is printed)

dir=$(dirname "$(readlink -f "$0")")
. "$dir/lib/topo.sh"

LBNL=${LBNL:-$dir/../tools/lbnl/lbnl}
PKTFUZZ=$dir/pktfuzz
LB_IMPL=${LB_IMPL:-lbnl}
COPIES=${COPIES:-20}
FUZZ_COUNT=${FUZZ_COUNT:-100000}
FUZZ_SEEDS=${FUZZ_SEEDS:-1}
PARTS=${PARTS:-malformed fuzz}

PORT=8080
VIP4=192.0.2.1
VIP6=2001:db8:10::1
BAD4=198.51.100.66
BAD6=2001:db8:1::66
NOBODY_MAC=02:00:00:00:00:66
PROTOS="tcp udp sctp"

require_cmd jq tc python3 socat
require_module sctp
if [ ! -x "$PKTFUZZ" ] || [ ! -x "$dir/sctp_echo" ]; then
	echo "SKIP: $PKTFUZZ or $dir/sctp_echo not built (make -C selftests)"
	exit $ksft_skip
fi
case $LB_IMPL in
lbnl) [ -x "$LBNL" ] || { echo "SKIP: $LBNL not built"; exit $ksft_skip; } ;;
ipvs) require_cmd ipvsadm; require_module ip_vs ip_vs_rr ;;
*) echo "LB_IMPL must be lbnl or ipvs"; exit $ksft_fail ;;
esac

tmp=$(mktemp -d)
defer rm -rf "$tmp"

# What each case must do (see the top of the file).
declare -A EXPECT=(
	[ip4-hdr-short]=stack [ip4-ihl-lt5]=stack [ip4-ihl-past-end]=stack
	[ip4-totlen-past-end]=stack [ip4-totlen-lt-ihl]=stack
	[ip4-bad-csum]=stack [ip4-version]=stack
	[ip6-hdr-short]=stack [ip6-plen-past-end]=stack [ip6-version]=stack
	[ip6-hbh-bad]=stack
	[valid]=forward [ip4-options]=forward [ip6-hbh]=forward
	[ip6-chain]=forward [ip6-chain-long]="exthdr|forward"
	[ip4-frag-first]="fragment|reasm" [ip4-frag-middle]="fragment|reasm"
	[ip4-frag-last]="fragment|reasm" [ip4-frag-df]="fragment|reasm"
	[ip6-frag-first]="fragment|reasm" [ip6-frag-last]="fragment|reasm"
	[ip6-frag-in-chain]="fragment|reasm"
	[ip6-frag-atomic]="fragment|forward"
	[ip6-exthdr-past-end]="exthdr|truncated"
	[ip6-exthdr-cut]="exthdr|truncated"
	[ip6-chain-no-l4]="truncated|exthdr"
	[l4-none]=truncated [l4-ports-cut]=truncated [l4-cut]=truncated
	[ip4-totlen-cuts-l4]=truncated [ip6-plen-cuts-l4]=truncated
	[tcp-doff-0]=bad_header [tcp-doff-4]=bad_header
	[tcp-doff-past-end]="bad_header|truncated"
	[tcp-doff-past-data]="bad_header|truncated"
	[udp-len-0]=bad_header [udp-len-4]=bad_header
	[udp-len-past-end]="bad_header|truncated"
	[sctp-no-chunk]="truncated|bad_chunk"
	[sctp-chunkhdr-cut]="truncated|bad_chunk"
	[sctp-chunk-len-0]=bad_chunk [sctp-chunk-len-3]=bad_chunk
	[sctp-chunk-past-end]=bad_chunk [sctp-garbage-after-chunk]=bad_chunk
	[sctp-second-len-0]=bad_chunk [sctp-init-short]=bad_chunk
	[sctp-init-vtag]="bad_chunk|forward"
	[sctp-init-bundled]="bad_chunk|forward"
	[sctp-bad-crc]=forward-badcrc
)
# With IPVS only these are enforced (the rest is printed).
IPVS_ENFORCED=" stack forward "

# --- set-up ---------------------------------------------------------------

lb_mac()
{
	ip -n "$NS_LB" -j link show dev eth0 | jq -r '.[0].address'
}

start_servers()
{
	local ns i=0

	for ns in "${NS_SRVS[@]}"; do
		i=$((i + 1))
		ip netns exec "$ns" socat TCP6-LISTEN:$PORT,ipv6only=0,reuseaddr,fork \
			PIPE >/dev/null 2>&1 &
		defer kill $!
		ip netns exec "$ns" python3 "$tmp/udp_echo.py" $PORT &
		defer kill $!
		ip netns exec "$ns" "$dir/sctp_echo" -p $PORT -a 203.0.113.1$i -q &
		defer kill $!
		ip netns exec "$ns" "$dir/sctp_echo" -p $PORT -a 2001:db8:2::1$i -q &
		defer kill $!
	done
	for ns in "${NS_SRVS[@]}"; do
		busywait 20000 listening "$ns" || return
	done
}

# listening NS: TCP, UDP and both SCTP listeners are up in NS.
listening()
{
	local p

	p=$(printf ':%04X ' $PORT)
	nsn "$1" cat /proc/net/tcp6 | grep -q "$p.* 0A " &&
		nsn "$1" cat /proc/net/udp6 | grep -q "$p" &&
		[ "$(nsn "$1" cat /proc/net/sctp/eps | awk -v p=$PORT '$6 == p' |
			wc -l)" -eq 2 ]
}

cat > "$tmp/udp_echo.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(65535)
    try:
        s.sendto(d, a)
    except OSError:
        pass
EOF

# echo_client.py SRC4 SRC6 PROTO,ADDR,PORT...: one echo per service.
cat > "$tmp/echo_client.py" <<'EOF'
import socket, sys
src = {socket.AF_INET: sys.argv[1], socket.AF_INET6: sys.argv[2]}
bad = []
for spec in sys.argv[3:]:
    proto, addr, port = spec.split(",")
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    msg = ("lbnl echo " + spec).encode()
    why = "?"
    for attempt in range(5):
        try:
            if proto == "udp":
                s = socket.socket(fam, socket.SOCK_DGRAM)
            else:
                s = socket.socket(fam, socket.SOCK_STREAM,
                                  socket.IPPROTO_SCTP if proto == "sctp" else 0)
            s.settimeout(3 if proto == "udp" else 15)
            s.bind((src[fam], 0))
            if proto == "udp":
                s.sendto(msg, (addr, int(port)))
                got = s.recvfrom(4096)[0]
            else:
                s.connect((addr, int(port)))
                s.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    d = s.recv(4096)
                    if not d:
                        break
                    got += d
            s.close()
            if got == msg:
                why = None
                break
            why = "echo %r" % got[:40]
        except OSError as e:
            why = str(e)
    if why:
        bad.append("%s: %s" % (spec, why))
if bad:
    print("; ".join(bad))
    sys.exit(1)
EOF

setup()
{
	local proto vip i

	topo_lb3 || return
	# Replies to BAD4/BAD6 leave the LB towards a MAC nobody has.
	ip -n "$NS_LB" neigh replace $BAD4 lladdr $NOBODY_MAC dev eth0 nud permanent &&
	ip -n "$NS_LB" -6 neigh replace $BAD6 lladdr $NOBODY_MAC dev eth0 nud permanent &&
	tc -n "$NS_LB" qdisc add dev br0 clsact &&
	tc -n "$NS_LB" filter add dev br0 egress protocol ip pref 1 \
		flower src_ip $BAD4 action pass &&
	tc -n "$NS_LB" filter add dev br0 egress protocol ipv6 pref 2 \
		flower src_ip $BAD6 action pass || return
	start_servers || { echo "# echo servers did not start"; return 1; }

	if [ "$LB_IMPL" = ipvs ]; then
		addr_add "$NS_LB" lo $VIP4/32 $VIP6/128 || return
		for vip in "$VIP4:$PORT" "[$VIP6]:$PORT"; do
			for proto in -t -u --sctp-service; do
				nsn "$NS_LB" ipvsadm -A $proto "$vip" -s rr || return
				for i in 1 2 3; do
					case $vip in
					\[*) d="[2001:db8:2::1$i]:$PORT" ;;
					*) d="203.0.113.1$i:$PORT" ;;
					esac
					nsn "$NS_LB" ipvsadm -a $proto "$vip" -r "$d" -m ||
						return
				done
			done
		done
		return 0
	fi
	for vip in "$VIP4:$PORT" "[$VIP6]:$PORT"; do
		for proto in $PROTOS; do
			nsn "$NS_LB" "$LBNL" vip add "$vip" proto $proto mode nat ||
				return
			for i in 1 2 3; do
				case $vip in
				\[*) d="2001:db8:2::1$i" ;;
				*) d="203.0.113.1$i" ;;
				esac
				nsn "$NS_LB" "$LBNL" dest add "$vip" proto $proto "$d" ||
					return
			done
		done
	done
}

# --- counters ---------------------------------------------------------------

# snapshot FILE: "key value" lines: drop.REASON (lbnl), fwd (packets from
# BAD4/BAD6 sent towards the servers), Ip.*, IpExt.*, Ip6* (the LB
# namespace's IP counters).
snapshot()
{
	local f=$1

	nsenter --net="/run/netns/$NS_LB" bash -c '
		[ "$1" = lbnl ] && "$2" -j stats > "$3.stats"
		tc -s -j filter show dev br0 egress > "$3.tc"
		cat /proc/net/snmp /proc/net/netstat > "$3.snmp"
		cat /proc/net/snmp6 > "$3.snmp6"' - "$LB_IMPL" "$LBNL" "$f"
	{
		[ "$LB_IMPL" = lbnl ] && jq -r '.global.drops // {} | to_entries[] |
			"drop.\(.key) \(.value)"' "$f.stats"
		jq -r '"fwd \([.[] | .options.actions[]?.stats.packets // 0] |
			add // 0)"' "$f.tc"
		awk '{ if (hdr[$1] == "") { for (i = 2; i <= NF; i++) k[$1, i] = $i; hdr[$1] = 1 }
		       else { for (i = 2; i <= NF; i++) print substr($1, 1, length($1) - 1) "." k[$1, i], $i; hdr[$1] = "" } }' \
			"$f.snmp"
		cat "$f.snmp6"
	} > "$f"
}

# delta OLD NEW KEY...: the sum of KEY's growth ("drop.*": every drop).
delta()
{
	local old=$1 new=$2

	shift 2
	awk -v keys=" $* " '
		FNR == NR { o[$1] = $2; next }
		{ k = $1; d = $2 - o[k]
		  if (index(keys, " " k " ") || (k ~ /^drop\./ && index(keys, " drop.* ")))
			  s += d }
		END { print s + 0 }' "$old" "$new"
}

# server_crc_errors: SCTP checksum errors counted by all servers.
server_crc_errors()
{
	local ns n=0 v

	for ns in "${NS_SRVS[@]}"; do
		v=$(nsn "$ns" awk '$1 == "SctpChecksumErrors" { print $2 }' \
			/proc/net/sctp/snmp)
		n=$((n + ${v:-0}))
	done
	echo $n
}

# --- the catalogue ------------------------------------------------------------

# nsn NS CMD...: CMD in NS's network namespace only (much cheaper than ip
# netns exec under TCG: no mount namespace, no /sys remount).
nsn()
{
	local ns=$1

	shift
	nsenter --net="/run/netns/$ns" "$@"
}

pf()
{
	nsn "$NS_PEER" "$PKTFUZZ" -i eth0 -m "$MAC" -s $BAD4 -s $BAD6 -p $PORT "$@"
}

# check_case EXPECT N OLD NEW CRC0 CRC1: did the packets sent between
# snapshots OLD and NEW (N of them) meet EXPECT? Sets WHAT (the deltas)
# and HOW (the alternative met).
check_case()
{
	local exp=$1 want=$2 old=$3 new=$4 alt a reasons='' keys='' n ok
	local drops fwd stack reasm

	drops=$(delta "$old" "$new" 'drop.*')
	fwd=$(delta "$old" "$new" fwd)
	stack=$(delta "$old" "$new" Ip.InHdrErrors IpExt.InTruncatedPkts \
		Ip6InHdrErrors Ip6InTruncatedPkts)
	reasm=$(delta "$old" "$new" Ip.ReasmReqds Ip6ReasmReqds)
	WHAT="dropped $drops, forwarded $fwd, stack errors $stack, reassembly $reasm"
	IFS='|' read -ra alt <<< "$exp"
	for a in "${alt[@]}"; do
		case $a in
		stack | forward | forward-badcrc | reasm) ;;
		*) reasons+=" $a"; keys+=" drop.$a" ;;
		esac
	done
	if [ -n "$keys" ]; then
		# shellcheck disable=SC2086 # a list of keys
		WHAT+=" (${reasons# }: $(delta "$old" "$new" $keys))"
	fi
	[ "$exp" = forward-badcrc ] && WHAT+=", CRC errors at the servers $(($6 - $5))"
	for a in "${alt[@]}"; do
		ok=0
		case $a in
		stack)
			[ "$drops" -eq 0 ] && [ "$fwd" -eq 0 ] &&
				[ "$stack" -ge "$want" ] && ok=1 ;;
		forward | forward-badcrc)
			[ "$drops" -eq 0 ] && [ "$fwd" -eq "$want" ] && ok=1 ;;
		reasm)
			[ "$drops" -eq 0 ] && [ "$fwd" -eq 0 ] &&
				[ "$reasm" -ge "$want" ] && ok=1 ;;
		*)
			# shellcheck disable=SC2086 # a list of keys
			n=$(delta "$old" "$new" $keys)
			[ "$n" -eq "$want" ] && [ "$drops" -eq "$want" ] &&
				[ "$fwd" -eq 0 ] && ok=1 ;;
		esac
		if [ $ok = 1 ]; then
			HOW=$a
			return 0
		fi
	done
	return 1
}

# send_check EXP CASE...: send the cases (every family and protocol they
# apply to, COPIES copies each), check the counters against EXP. Prints
# the result line; returns 1 if EXP was not met.
SNAP=0
send_check()
{
	local exp=$1 n crc0=0 crc1=0 old

	shift
	[ "$exp" = forward-badcrc ] && crc0=$(server_crc_errors)
	n=$(pf -d $VIP4 -d $VIP6 -P all -n "$COPIES" -v malformed "$@" \
		< /dev/null | grep -vc '^sent ')
	old=$tmp/snap.$SNAP
	SNAP=$((SNAP + 1))
	snapshot "$tmp/snap.$SNAP"
	[ "$exp" = forward-badcrc ] && crc1=$(server_crc_errors)
	WHAT='' HOW=''
	check_case "$exp" $((n * COPIES)) "$old" "$tmp/snap.$SNAP" "$crc0" "$crc1"
}

# The cases, grouped by what they must do: one send and one snapshot per
# group. A group that fails is sent again case by case (family, protocol)
# to say which one. Cases that may be dropped or forwarded each make a
# group of their own (all families and protocols must agree).
run_catalogue()
{
	local name what exp key fam proto rc
	local -A group=() desc=()

	while read -r name _ what; do
		exp=${EXPECT[$name]}
		# lbnl's hook runs before defragmentation: it must drop them.
		[ "$LB_IMPL" = lbnl ] && exp=${exp%|reasm}
		desc[$name]=$what
		if [ -z "$exp" ]; then
			RET=0
			check_err 1 "case $name ($what) has no expectation in this test"
			log_test "malformed: $name"
			continue
		fi
		key=$exp
		[[ $exp == *'|forward'* ]] && key="$exp $name"
		group[$key]+=" $name"
	done < <(pf -d $VIP4 -d $VIP6 -P all list)

	snapshot "$tmp/snap.0"
	while read -r key; do
		exp=${key%% *}
		RET=0
		# shellcheck disable=SC2086 # a list of cases
		send_check "$exp" ${group[$key]}
		rc=$?
		if [ $rc -eq 0 ]; then
			echo "# $exp:${group[$key]}: $HOW: $WHAT"
		elif [ "$LB_IMPL" = ipvs ] && [[ $IPVS_ENFORCED != *" $exp "* ]]; then
			echo "# ipvs, not checked: $exp:${group[$key]}: $WHAT"
			rc=0
		else
			check_err 1 "expected $exp, got: $WHAT"
		fi
		if [ $rc -ne 0 ] || [ "${VERBOSE:-0}" = 1 ]; then
			# Case by case, to say which.
			for name in ${group[$key]}; do
				for fam in $VIP4 $VIP6; do
					for proto in $PROTOS; do
						pf -d $fam -P $proto list |
							grep -q "^$name " || continue
						send_check_one "$exp" "$name" "$fam" "$proto"
					done
				done
			done
		fi
		log_test "malformed, $exp:${group[$key]}"
	done < <(printf '%s\n' "${!group[@]}" | sort)
	echo "# totals: $(jq -c '.global.drops // "-"' "$tmp/snap.$SNAP.stats" 2>/dev/null)"
}

# send_check_one EXP CASE VIP PROTO: one case alone, details printed.
send_check_one()
{
	local exp=$1 name=$2 vip=$3 proto=$4 old res=ok

	pf -d "$vip" -P "$proto" -n "$COPIES" malformed "$name" < /dev/null > /dev/null
	old=$tmp/snap.$SNAP
	SNAP=$((SNAP + 1))
	snapshot "$tmp/snap.$SNAP"
	check_case "$exp" "$COPIES" "$old" "$tmp/snap.$SNAP" 0 0 || res=FAIL
	echo "#   [$res] $name $vip $proto (${desc[$name]}): $WHAT"
}

# --- real traffic and fuzz ------------------------------------------------------

# echo_all: one echo per VIP and protocol from the peer's own addresses;
# prints what failed.
echo_all()
{
	local specs=() vip proto

	for vip in $VIP4 $VIP6; do
		for proto in $PROTOS; do
			specs+=("$proto,$vip,$PORT")
		done
	done
	nsx "$NS_PEER" python3 "$tmp/echo_client.py" $PEER_IP4 $PEER_IP6 \
		"${specs[@]}" < /dev/null
}

traffic_ok()
{
	local out

	out=$(echo_all)
	check_err $? "echo through the VIPs: $out"
}

run_fuzz()
{
	local seed out t0 t1 snap=$tmp/fz

	snapshot "$snap.0"
	for seed in $FUZZ_SEEDS; do
		RET=0
		t0=$(date +%s%3N)
		out=$(pf -d $VIP4 -d $VIP6 -P all fuzz "$FUZZ_COUNT" "$seed")
		check_err $? "pktfuzz fuzz failed: $out"
		t1=$(date +%s%3N)
		echo "# $out; $((t1 - t0)) ms in all"
		snapshot "$snap.$seed"
		echo "# seed $seed: dropped $(delta "$snap.0" "$snap.$seed" 'drop.*')," \
			"forwarded $(delta "$snap.0" "$snap.$seed" fwd)" \
			"$(jq -c '.global.drops // empty' "$snap.$seed.stats" 2>/dev/null)"
		if [ "$LB_IMPL" = lbnl ]; then
			nsn "$NS_LB" "$LBNL" -j conn show > "$tmp/conns"
			check_err $? "lbnl conn show failed after the fuzz"
			echo "# connection entries: $(jq length "$tmp/conns" 2>/dev/null)"
			[ "$(delta "$snap.0" "$snap.$seed" 'drop.*')" -gt 0 ]
			check_err $? "the fuzz made the LB drop nothing"
		fi
		traffic_ok
		log_test "fuzz: $FUZZ_COUNT packets, seed $seed, then real traffic"
	done
}

if ! setup; then
	echo "# set-up failed"
	exit $ksft_fail
fi
MAC=$(lb_mac)

RET=0
out=$(busywait 30000 echo_all)
check_err $? "echo through the VIPs: $out"
log_test "real traffic through the VIPs (tcp, udp, sctp; v4, v6)"

for part in $PARTS; do
	case $part in
	malformed)
		run_catalogue
		RET=0
		traffic_ok
		log_test "real traffic after the malformed packets"
		;;
	fuzz) run_fuzz ;;
	*) echo "unknown part $part"; exit $ksft_fail ;;
	esac
done
ksft_exit
