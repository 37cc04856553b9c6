# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# sctp_capture.sh: capture SCTP traffic with dumpcap and check it with
# tshark. Source it from a test (bash):
#
#   . "$(dirname "$0")/lib/sctp_capture.sh"
#   capture_start NS IFACE FILE     capture SCTP on IFACE in netns NS ("-":
#                                   the current one) into FILE (pcap); returns
#                                   once dumpcap is really capturing
#   capture_stop [FILE]             stop that capture (default: all of them)
#   capture_check FILE [FILE...]    check every association in FILE; prints
#                                   a report; 0 = all rules hold, 1 = not.
#                                   Several files (one per path of
#                                   multi-homed associations) are merged
#                                   by time (mergecap) and checked as one
#   capture_count_chunks FILE TYPE  print how many chunks of TYPE (a number
#                                   or a name: DATA, INIT, ABORT, ...) FILE
#                                   holds
#
# capture_check identifies an association by its two ports (a new
# association on the same ports after SHUTDOWN-COMPLETE or ABORT counts as a
# new one) and names it by the addresses, ports and the verification tags
# seen in each direction. Rules, per association:
#   (a) crc     every packet has a valid CRC32c
#   (b) vtag    after the handshake the vtag of each direction never changes,
#               and matches the tag announced in INIT / INIT-ACK if seen
#   (c) restart no INIT, INIT-ACK, COOKIE-ECHO or COOKIE-ACK once DATA has
#               flowed (DATA outside a handshake packet)
#   (d) abort   no ABORT chunk
#   (e) tsn     per direction, a new DATA TSN is always max+1 (the first one
#               the INIT/INIT-ACK's initial TSN, if seen); a lower TSN must
#               be a retransmission of one already seen, carrying the same
#               data (stream, SSN, PPID, flags, length, first 64 bytes: a
#               TSN reused for other data is a violation). Packets may be
#               captured out of order (veth queues each packet on the
#               backlog of the CPU that sent it, so a capture point can see
#               TSN n+1 before n): a jump ahead opens a hole that later
#               TSNs may fill; only TSNs still missing at the end count
#               (CAPTURE_TSN_STRICT=1: every jump ahead is a violation).
#               A multi-homed association sends some packets on other
#               paths (retransmissions go to an alternate address): capture
#               every path and pass all the files, bind the peer to one
#               address (sctp_peer -b), or set CAPTURE_TSN_HOLES=warn
#               (missing TSNs become notes). Capturing one path twice (both
#               ends of a link) is harmless: copies count as retransmissions
#
# CRCs and offloads: the Linux SCTP stack leaves the CRC32c to a device with
# tx-checksum-sctp (veth has it): such packets are captured with checksum 0
# (still CHECKSUM_PARTIAL), and tx-sctp-segmentation lets GSO super-packets
# reach the capture. capture_start therefore turns both off on IFACE and on
# its veth peer (found through "ip -d link": link-netns and @ifN) for the
# duration of the capture, so every packet crossing that link is captured as
# it would appear on a wire. Environment:
#   CAPTURE_OFFLOAD=keep      leave the offloads alone
#   CAPTURE_CRC_ZERO_OK=1     capture_check accepts checksum 0x00000000
#   CAPTURE_FILTER=...        capture filter (default "sctp"; it does not
#                             match SCTP inside IPIP: "sctp or ip proto 4";
#                             capture_check then reads the inner packet)
#   CAPTURE_START_TIMEOUT=S   seconds to wait for dumpcap (default 60: its
#                             start-up takes seconds under qemu TCG)
#   CAPTURE_STOP_DELAY=S      wait before stopping dumpcap (default 0.5):
#                             libpcap hands packets to dumpcap in blocks
#                             retired every 250 ms (TPACKET_V3) and dumpcap
#                             drops the unretired block when signalled, so
#                             without it the last ~250 ms would be missing
#                             (measured: all lost at once, none after 0.3 s)
#   CAPTURE_MAX_MSGS=N        violations printed per rule and association (5)
#   CAPTURE_ALLOW_EMPTY=1     capture_check passes a capture without SCTP
#                             (by default that fails: wrong interface?)
#   CAPTURE_TSN_STRICT=1      rule (e) without tolerance for reordering
#   CAPTURE_TSN_HOLES=warn    rule (e): TSNs never seen are notes only
# dumpcap's messages go to FILE.log. Under qemu TCG dumpcap takes 10-20 s
# to start, and capture_check needs ~40 s for a 10 s run of sctp_peer with
# its defaults (10 associations, 4 streams, 10 ms).

CAPTURE_PIDS=()
CAPTURE_FILES=()
CAPTURE_RESTORE=()

# Run a command in netns $1 ("-" or "": the current namespace).
_cap_in()
{
	local ns=$1

	shift
	if [ -z "$ns" ] || [ "$ns" = - ]; then
		"$@"
	else
		ip netns exec "$ns" "$@"
	fi
}

# _cap_offload_off NS IFACE: SCTP CRC and GSO offloads off on IFACE.
_cap_offload_off()
{
	local ns=$1 dev=$2 f state

	for f in tx-checksum-sctp tx-sctp-segmentation; do
		state=$(_cap_in "$ns" ethtool -k "$dev" 2>/dev/null |
			awk -v f="$f:" '$1 == f { print $2 }')
		[ "$state" = on ] || continue
		if _cap_in "$ns" ethtool -K "$dev" "$f" off >/dev/null 2>&1; then
			CAPTURE_RESTORE+=("$ns|$dev|$f")
		else
			echo "capture: warning: cannot turn $f off on $dev" \
				"(netns ${ns:--}): checksums may show as 0" >&2
		fi
	done
}

# _cap_fix_offload NS IFACE: on IFACE and, for a veth, on its peer.
_cap_fix_offload()
{
	local ns=$1 dev=$2 line peeridx peerns peerdev

	[ "${CAPTURE_OFFLOAD:-}" = keep ] && return 0
	_cap_offload_off "$ns" "$dev"
	line=$(_cap_in "$ns" ip -o -d link show dev "$dev" 2>/dev/null) ||
		return 0
	case $line in *" veth "*) ;; *) return 0 ;; esac
	peeridx=$(printf '%s\n' "$line" |
		sed -n 's/^[0-9]*: [^@:]*@if\([0-9]*\):.*/\1/p')
	[ -n "$peeridx" ] || return 0
	if [[ $line == *" link-netns "* ]]; then
		peerns=$(printf '%s\n' "$line" |
			sed -n 's/.* link-netns \([^ ]*\).*/\1/p')
	elif [[ $line == *" link-netnsid "* ]]; then
		echo "capture: warning: the veth peer of $dev is in an unnamed" \
			"netns: its offloads stay on" >&2
		return 0
	else
		peerns=$ns
	fi
	peerdev=$(_cap_in "$peerns" ip -o link show 2>/dev/null |
		awk -F': ' -v i="$peeridx" '$1 == i { sub(/@.*/, "", $2); print $2 }')
	[ -n "$peerdev" ] && _cap_offload_off "$peerns" "$peerdev"
	return 0
}

_cap_restore_offload()
{
	local r ns dev f

	for r in "${CAPTURE_RESTORE[@]}"; do
		IFS='|' read -r ns dev f <<<"$r"
		_cap_in "$ns" ethtool -K "$dev" "$f" on >/dev/null 2>&1
	done
	CAPTURE_RESTORE=()
}

# capture_start NS IFACE FILE
capture_start()
{
	local ns=$1 dev=$2 file=$3 log pid deadline cmd

	if [ $# -ne 3 ] || [ -z "$dev" ] || [ -z "$file" ]; then
		echo "usage: capture_start NS IFACE FILE" >&2
		return 2
	fi
	command -v dumpcap >/dev/null ||
		{ echo "capture: dumpcap not found" >&2; return 1; }
	case $file in /*) ;; *) file=$PWD/$file ;; esac
	log=$file.log
	rm -f "$file" "$log"
	_cap_fix_offload "$ns" "$dev"

	cmd=(dumpcap -q -i "$dev" -f "${CAPTURE_FILTER:-sctp}" -P -w "$file")
	[ -z "$ns" ] || [ "$ns" = - ] || cmd=(ip netns exec "$ns" "${cmd[@]}")
	# A simple command, so that $! is dumpcap itself (ip netns exec
	# execs it): a function or subshell here would get the signals.
	"${cmd[@]}" </dev/null >"$log" 2>&1 &
	pid=$!

	# dumpcap creates FILE and writes the 24-byte pcap header (one
	# write) only after the socket is bound and the filter attached
	# ("Capturing on" is printed before that): a non-empty FILE means
	# packets are being captured.
	deadline=$((SECONDS + ${CAPTURE_START_TIMEOUT:-60}))
	for ((;;)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			echo "capture: dumpcap on $dev (netns ${ns:--}) failed:" >&2
			sed 's/^/capture:   /' "$log" >&2
			return 1
		fi
		[ -s "$file" ] && break
		if [ "$SECONDS" -ge "$deadline" ]; then
			# SIGKILL: dumpcap ignores a SIGTERM that arrives
			# before its capture loop has started.
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			echo "capture: dumpcap on $dev (netns ${ns:--}) did not" \
				"start within ${CAPTURE_START_TIMEOUT:-60} s" >&2
			sed 's/^/capture:   /' "$log" >&2
			return 1
		fi
		sleep 0.02
	done
	CAPTURE_PIDS+=("$pid")
	CAPTURE_FILES+=("$file")
	return 0
}

# capture_stop [FILE]: stop the capture writing FILE, or all captures.
capture_stop()
{
	local want=${1:-} i pid rc=0 left_pids=() left_files=() waited=0 deadline

	[ -n "$want" ] && case $want in /*) ;; *) want=$PWD/$want ;; esac
	for i in "${!CAPTURE_PIDS[@]}"; do
		pid=${CAPTURE_PIDS[$i]}
		if [ -n "$want" ] && [ "${CAPTURE_FILES[$i]}" != "$want" ]; then
			left_pids+=("$pid")
			left_files+=("${CAPTURE_FILES[$i]}")
			continue
		fi
		if [ "$waited" = 0 ]; then
			sleep "${CAPTURE_STOP_DELAY:-0.5}"
			waited=1
		fi
		# SIGTERM: a background job of a non-interactive shell
		# starts with SIGINT ignored (dumpcap handles both alike).
		kill -TERM "$pid" 2>/dev/null
		deadline=$((SECONDS + 30))
		while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "capture: dumpcap $pid did not stop within 30 s; killed" \
				"(the end of ${CAPTURE_FILES[$i]} may be missing)" >&2
			kill -KILL "$pid" 2>/dev/null
			rc=1
		fi
		wait "$pid" 2>/dev/null
	done
	CAPTURE_PIDS=("${left_pids[@]}")
	CAPTURE_FILES=("${left_files[@]}")
	[ ${#CAPTURE_PIDS[@]} -eq 0 ] && _cap_restore_offload
	return $rc
}

# The fields capture_check reads, one packet per line, '|'-separated.
_cap_fields()
{
	tshark -n -r "$1" \
		-o sctp.checksum:crc-32c \
		-o sctp.tsn_analysis:FALSE \
		-o sctp.reassembly:FALSE \
		-o sctp.association_index:FALSE \
		-o sctp.ulp_dissection:FALSE \
		-Y 'sctp && !icmp && !icmpv6' \
		-T fields -E separator='|' -E occurrence=a -E aggregator=, \
		-e frame.number -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
		-e sctp.srcport -e sctp.dstport -e sctp.verification_tag \
		-e sctp.checksum -e sctp.checksum.status \
		-e sctp.chunk_type -e sctp.chunk_flags -e sctp.data_tsn_raw \
		-e sctp.init_initiate_tag -e sctp.initack_initiate_tag \
		-e sctp.init_initial_tsn -e sctp.initack_initial_tsn \
		-e sctp.chunk_length -e sctp.data_sid -e sctp.data_ssn \
		-e sctp.data_payload_proto_id -e data.data
}

# shellcheck disable=SC2016 # awk code, not shell
_CAP_CHECK_AWK='
function last(s,   n, p) { n = split(s, p, ","); return n ? p[n] : "" }
# TSNs are kept as decimal strings: mawk would print (and index arrays
# with) numbers above 2^31 as "%.6g", i.e. 3.45659e+09.
function u32(x) {
	x = x % 4294967296
	if (x < 0) x += 4294967296
	return sprintf("%.0f", x)
}
function chname(t) {
	return t in CHN ? CHN[t] : "type " t
}
# d = b - a in 32-bit serial arithmetic
function sdiff(b, a,   d) {
	d = b - a
	if (d > 2147483647) d -= 4294967296
	if (d < -2147483648) d += 4294967296
	return d
}
function violate(A, rule, msg) {
	nviol[A]++
	total_viol++
	rulecount[A, rule]++
	rules_hit[rule] = 1
	if (rulecount[A, rule] <= maxmsgs)
		vmsg[A, ++nvmsg[A]] = "(" rule ") " RN[rule] ": " msg
}
BEGIN {
	FS = "|"
	split("DATA INIT INIT_ACK SACK HEARTBEAT HEARTBEAT_ACK ABORT SHUTDOWN SHUTDOWN_ACK ERROR COOKIE_ECHO COOKIE_ACK ECNE CWR SHUTDOWN_COMPLETE AUTH", nm, " ")
	for (i = 1; i <= 16; i++) CHN[i - 1] = nm[i]
	CHN[64] = "I_DATA"; CHN[128] = "ASCONF_ACK"; CHN[130] = "RE_CONFIG"
	CHN[132] = "PAD"; CHN[192] = "FORWARD_TSN"; CHN[193] = "ASCONF"
	CHN[194] = "I_FORWARD_TSN"
	RN["a"] = "CRC32c"; RN["b"] = "vtag"; RN["c"] = "restart"
	RN["d"] = "ABORT"; RN["e"] = "TSN"
	if (maxmsgs == "") maxmsgs = 5
	nassoc = 0; npkts = 0; total_viol = 0; unverified = 0
}
{
	frame = $1
	src = last($2); dst = last($3)
	if (src == "") { src = last($4); dst = last($5) }
	sport = last($6) + 0; dport = last($7) + 0
	vtag = $8; cks = $9; cstat = $10
	nch = split($11, ct, ",")
	split($12, cf, ",")
	ntsn = ($13 == "") ? 0 : split($13, tsns, ",")
	split($18, clen, ",")
	split($19, dsid, ",")
	split($20, dssn, ",")
	split($21, dppid, ",")
	npay = ($22 == "") ? 0 : split($22, dpay, ",")
	npkts++

	if (sport != dport) {
		pp = (sport < dport) ? sport "-" dport : dport "-" sport
		S = sport; R = dport
	} else {
		pp = sport "-" sport
		S = src; R = dst
	}

	has_init = has_initack = has_hs = has_data = 0
	has_abort = has_sc = reflected = 0
	nd = 0
	for (i = 1; i <= nch; i++) {
		t = ct[i] + 0
		tb = (cf[i] != "" && (index("13579bdfBDF", substr(cf[i], length(cf[i]), 1)) > 0))
		if (t == 0) { nd++; dflags[nd] = cf[i]; dlen[nd] = clen[i] }
		if (t == 0 || t == 64) has_data = 1
		else if (t == 1) { has_init = 1; has_hs = 1 }
		else if (t == 2) { has_initack = 1; has_hs = 1 }
		else if (t == 10 || t == 11) has_hs = 1
		else if (t == 6) { has_abort = 1; if (tb) reflected = 1 }
		else if (t == 14) { has_sc = 1; if (tb) reflected = 1 }
	}

	# Which association: the current one of these ports, or a new one.
	A = cur[pp]
	if (A == "" || (has_init && closed[A])) {
		A = ++nassoc
		gen[pp]++
		cur[pp] = A
		name[A] = src ":" sport " <-> " dst ":" dport
		if (gen[pp] > 1) name[A] = name[A] " (#" gen[pp] " on these ports)"
		sideA[A] = S
	}
	if (S != sideA[A] && sideB[A] == "")
		sideB[A] = S
	pk[A]++
	here = src ":" sport " -> " dst ":" dport

	# (a) checksum
	if (cstat == "1") {
	} else if (cstat == "0") {
		if (cks == "0x00000000" && crczero)
			zerocrc++
		else if (cks == "0x00000000")
			violate(A, "a", "frame " frame ": " here ": checksum 0x00000000 (CRC left to the NIC: tx-checksum-sctp on the sending side?)")
		else
			violate(A, "a", "frame " frame ": " here ": bad checksum " cks)
	} else {
		unverified++
		violate(A, "a", "frame " frame ": checksum not verified by tshark (status \"" cstat "\")")
	}

	# (c) handshake chunks once DATA has flowed
	if (est[A] && has_hs) {
		for (i = 1; i <= nch; i++) {
			t = ct[i] + 0
			if (t == 1 || t == 2 || t == 10 || t == 11)
				violate(A, "c", "frame " frame ": " chname(t) " from " here " after DATA (first at frame " estf[A] "): association restart?")
		}
	}

	# (d) ABORT
	if (has_abort)
		violate(A, "d", "frame " frame ": ABORT " here (reflected ? " (T bit: no association for the packet it answers, e.g. a HEARTBEAT to/from an address not in the association)" : ""))

	# (b) verification tags
	if (has_init) {
		if (vtag != "0x00000000")
			violate(A, "b", "frame " frame ": INIT from " here " with vtag " vtag " (must be 0)")
		exptag[A, S] = $14
		inittsn[A, S] = $16
	} else if (reflected) {
		# The T bit: the sender reflects the tag it expects itself.
		if (((A, R) in tag) && vtag != tag[A, R])
			violate(A, "b", "frame " frame ": " here " T-bit chunk with vtag " vtag ", expected " tag[A, R])
	} else {
		if (has_initack) {
			exptag[A, S] = $15
			inittsn[A, S] = $17
		}
		if (((A, R) in exptag) && vtag != exptag[A, R] && !((A, S) in tag))
			violate(A, "b", "frame " frame ": " here " uses vtag " vtag " but INIT/INIT-ACK announced " exptag[A, R])
		if (!has_initack) {
			if (!((A, S) in tag)) {
				tag[A, S] = vtag
				tagf[A, S] = frame
			} else if (vtag != tag[A, S]) {
				violate(A, "b", "frame " frame ": " here " vtag changed from " tag[A, S] " (since frame " tagf[A, S] ") to " vtag)
			}
		}
	}

	# (e) TSNs. A capture point can see packets reordered (veth queues
	# each packet on the backlog of the sending CPU): a TSN beyond max+1
	# opens a hole that later TSNs may fill; holes left at the end are
	# violations (at once with tsnstrict). A TSN seen before must carry
	# the same data (stream, SSN, PPID, flags, length, first 64 bytes).
	for (i = 1; i <= ntsn; i++) {
		tsn = u32(tsns[i])
		k = A SUBSEP S
		ndata[k]++
		sg = "sid " (dsid[i] + 0) " ssn " dssn[i] " ppid " dppid[i] " flags " dflags[i] " len " dlen[i]
		if (npay == ntsn && nd == ntsn) sg = sg " payload " substr(dpay[i], 1, 128)
		if (!(k in maxtsn)) {
			if ((A, S) in inittsn) {
				maxtsn[k] = u32(inittsn[A, S] - 1)
				mintsn[k] = u32(inittsn[A, S])
				strict[k] = 1
			} else {
				maxtsn[k] = u32(tsn - 1)
				mintsn[k] = tsn
				strict[k] = 0
			}
		}
		d = sdiff(tsn, maxtsn[k])
		if (d == 1) {
			sig[k, tsn] = sg
		} else if (d > 1) {
			if (tsnstrict || d - 1 > 100000) {
				violate(A, "e", "frame " frame ": " here " TSN " tsn " jumps ahead of " maxtsn[k] " (" u32(d - 1) " TSN(s) skipped)")
			} else {
				nh = ++nholes
				hk[nh] = k; hA[nh] = A; hhere[nh] = here; hf[nh] = frame
				hfrom[nh] = u32(maxtsn[k] + 1); hn[nh] = d - 1
				for (j = 1; j < d; j++)
					missing[k, u32(maxtsn[k] + j)] = 1
			}
			sig[k, tsn] = sg
		} else if ((k, tsn) in sig) {
			nretx[k]++
			if (sig[k, tsn] != sg) {
				o = sig[k, tsn]; nw = sg
				sub(/ payload .*/, "", o); sub(/ payload .*/, "", nw)
				if (o == nw)
					violate(A, "e", "frame " frame ": " here " TSN " tsn " sent again with another payload (" nw "): TSN reused?")
				else
					violate(A, "e", "frame " frame ": " here " TSN " tsn " sent again with other data (" nw "; first: " o "): TSN reused?")
			}
		} else if ((k, tsn) in missing) {
			delete missing[k, tsn]
			sig[k, tsn] = sg
			nlate[k]++
		} else if (!strict[k] && sdiff(tsn, mintsn[k]) < 0) {
			nretx[k]++	# sent before the capture started
			sig[k, tsn] = sg
		} else {
			violate(A, "e", "frame " frame ": " here " TSN " tsn " goes back below " maxtsn[k] " and was never sent before")
			sig[k, tsn] = sg
		}
		if (d >= 1) maxtsn[k] = tsn
	}

	if (has_data && !has_hs && !est[A]) {
		est[A] = 1
		estf[A] = frame
	}
	if (has_sc || has_abort)
		closed[A] = 1
}
END {
	for (h = 1; h <= nholes; h++) {
		left = 0; first = ""
		for (j = 0; j < hn[h]; j++) {
			t = u32(hfrom[h] + j)
			if ((hk[h], t) in missing) { left++; if (first == "") first = t }
		}
		if (left && holeswarn)
			notes[hA[h], ++nnotes[hA[h]]] = "frame " hf[h] ": " hhere[h] " TSN jumped ahead: " left " of the " hn[h] " TSN(s) from " hfrom[h] " not in the capture (other path?)"
		else if (left)
			violate(hA[h], "e", "frame " hf[h] ": " hhere[h] " TSN jumped ahead: " left " of the " hn[h] " TSN(s) from " hfrom[h] " never seen (first " first "; sent on a path not captured?)")
	}
	printf "capture_check %s: %d SCTP packet(s), %d association(s)\n", file, npkts, nassoc
	bad = 0
	for (A = 1; A <= nassoc; A++) {
		s1 = sideA[A]; s2 = sideB[A]
		t1 = ((A, s1) in tag) ? tag[A, s1] : "-"
		t2 = (s2 != "" && ((A, s2) in tag)) ? tag[A, s2] : "-"
		d1 = ((A SUBSEP s1) in ndata) ? ndata[A SUBSEP s1] : 0
		d2 = (s2 != "" && ((A SUBSEP s2) in ndata)) ? ndata[A SUBSEP s2] : 0
		r1 = ((A SUBSEP s1) in nretx) ? nretx[A SUBSEP s1] : 0
		r2 = (s2 != "" && ((A SUBSEP s2) in nretx)) ? nretx[A SUBSEP s2] : 0
		l1 = ((A SUBSEP s1) in nlate) ? nlate[A SUBSEP s1] : 0
		l2 = (s2 != "" && ((A SUBSEP s2) in nlate)) ? nlate[A SUBSEP s2] : 0
		st = nviol[A] ? "FAIL" : "ok"
		if (nviol[A]) bad++
		printf "  [%-4s] assoc %d: %s  vtag to %s %s, to %s %s; %d pkts, DATA %d/%d, retransmitted %d/%d", st, A, name[A], (s2 == "" ? "?" : s2), t1, s1, t2, pk[A], d1, d2, r1, r2
		if (l1 + l2) printf ", captured out of order %d/%d", l1, l2
		printf "\n"
		for (i = 1; i <= nvmsg[A]; i++)
			printf "           %s\n", vmsg[A, i]
		for (i = 1; i <= nnotes[A]; i++)
			printf "           note: %s\n", notes[A, i]
		for (kk in rulecount) {
			split(kk, kp, SUBSEP)
			if (kp[1] == A && rulecount[kk] > maxmsgs)
				printf "           (%s) %s: ... and %d more\n", kp[2], RN[kp[2]], rulecount[kk] - maxmsgs
		}
	}
	if (zerocrc)
		printf "  note: %d packet(s) with checksum 0 accepted (CAPTURE_CRC_ZERO_OK)\n", zerocrc
	if (npkts == 0 && !allowempty) {
		printf "capture_check %s: FAIL: no SCTP packets (wrong interface? capture stopped too early?)\n", file
		exit 1
	}
	if (total_viol) {
		rl = ""
		for (r in rules_hit) rl = rl " (" r ") " RN[r]
		printf "capture_check %s: FAIL: %d violation(s) in %d of %d association(s):%s\n", file, total_viol, bad, nassoc, rl
		exit 1
	}
	printf "capture_check %s: OK: crc, vtags, no restart, no ABORT, TSNs\n", file
	exit 0
}'

# capture_check FILE [FILE...]: check the capture (rules above); prints a
# report. Several files (captures of the different paths of multi-homed
# associations) are merged by time first.
capture_check()
{
	local tmp rc f in=$1 name=$1

	if [ $# -lt 1 ] || [ -z "$1" ]; then
		echo "usage: capture_check FILE [FILE...]" >&2
		return 2
	fi
	for f in "$@"; do
		if [ ! -r "$f" ]; then
			echo "capture_check $f: FAIL: no such file" >&2
			return 1
		fi
	done
	tmp=$(mktemp -d) || return 1
	if [ $# -gt 1 ]; then
		name="$*"
		in=$tmp/merged.pcapng
		if ! mergecap -w "$in" "$@" 2>"$tmp/err"; then
			echo "capture_check $name: FAIL: mergecap:" >&2
			sed 's/^/  /' "$tmp/err" >&2
			rm -rf "$tmp"
			return 1
		fi
	fi
	if ! _cap_fields "$in" >"$tmp/fields" 2>"$tmp/err" ||
			grep -qv 'Running as user' "$tmp/err"; then
		echo "capture_check $name: FAIL: tshark cannot read it:" >&2
		grep -v 'Running as user' "$tmp/err" | sed 's/^/  /' >&2
		rm -rf "$tmp"
		return 1
	fi
	awk -v file="$name" -v maxmsgs="${CAPTURE_MAX_MSGS:-5}" \
		-v crczero="${CAPTURE_CRC_ZERO_OK:-0}" \
		-v allowempty="${CAPTURE_ALLOW_EMPTY:-0}" \
		-v tsnstrict="${CAPTURE_TSN_STRICT:-0}" \
		-v holeswarn="$([ "${CAPTURE_TSN_HOLES:-}" = warn ] && echo 1)" \
		"$_CAP_CHECK_AWK" "$tmp/fields"
	rc=$?
	rm -rf "$tmp"
	return "$rc"
}

# capture_count_chunks FILE TYPE: print the number of TYPE chunks in FILE.
capture_count_chunks()
{
	local file=$1 type=${2:-} num

	if [ $# -ne 2 ] || [ -z "$type" ]; then
		echo "usage: capture_count_chunks FILE TYPE" >&2
		return 2
	fi
	case ${type^^} in
	DATA) num=0 ;; INIT) num=1 ;; INIT_ACK | INIT-ACK) num=2 ;;
	SACK) num=3 ;; HEARTBEAT) num=4 ;; HEARTBEAT_ACK | HEARTBEAT-ACK) num=5 ;;
	ABORT) num=6 ;; SHUTDOWN) num=7 ;; SHUTDOWN_ACK | SHUTDOWN-ACK) num=8 ;;
	ERROR) num=9 ;; COOKIE_ECHO | COOKIE-ECHO) num=10 ;;
	COOKIE_ACK | COOKIE-ACK) num=11 ;; ECNE) num=12 ;; CWR) num=13 ;;
	SHUTDOWN_COMPLETE | SHUTDOWN-COMPLETE) num=14 ;; AUTH) num=15 ;;
	I_DATA | I-DATA) num=64 ;; ASCONF_ACK | ASCONF-ACK) num=128 ;;
	RE_CONFIG | RE-CONFIG) num=130 ;; PAD) num=132 ;;
	FORWARD_TSN | FORWARD-TSN) num=192 ;; ASCONF) num=193 ;;
	I_FORWARD_TSN | I-FORWARD-TSN) num=194 ;;
	*[!0-9]*)
		echo "capture_count_chunks: unknown chunk type '$type'" >&2
		return 2 ;;
	*) num=$type ;;
	esac
	if [ ! -r "$file" ]; then
		echo "capture_count_chunks: $file: no such file" >&2
		return 2
	fi
	tshark -n -r "$file" -o sctp.tsn_analysis:FALSE -o sctp.reassembly:FALSE \
		-Y 'sctp && !icmp && !icmpv6' -T fields -E occurrence=a \
		-E aggregator=, -e sctp.chunk_type 2>/dev/null |
		awk -v t="$num" '{ n = split($0, c, ","); for (i = 1; i <= n; i++) if (c[i] + 0 == t && c[i] != "") k++ }
			END { print k + 0 }'
}
