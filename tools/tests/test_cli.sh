#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_cli.sh LBNL: command-line tests that need no kernel module: help
# for every object and command (conn, migrate, stats, tag and vip
# bypass-active included), usage errors (exit 2), restore syntax
# errors, association state documents and tag key files refused before
# anything is sent, tag genkey, and - when the lbnl family is absent - the
# "not loaded" error.

lbnl=${1:?usage: test_cli.sh PATH/TO/lbnl}
out=$(mktemp) err=$(mktemp) doc=$(mktemp) keyf=$(mktemp)
trap 'rm -f "$out" "$err" "$doc" "$keyf"' EXIT
prog=$lbnl
# shellcheck source=expect.sh
. "$(dirname "$0")/expect.sh"

# restore_expect RC STDERR-REGEX INPUT
restore_expect()
{
	local rc=$1 want_err=$2 input=$3 got
	printf '%b' "$input" | "$lbnl" restore >"$out" 2>"$err"
	got=$?
	if [ "$got" != "$rc" ] ||
			{ [ -n "$want_err" ] && ! grep -Eq -- "$want_err" "$err"; } ||
			{ [ -z "$want_err" ] && [ -s "$err" ]; }; then
		not_ok "restore of '$input' exited $got (expected $rc): $(cat "$err")"
	else
		ok
	fi
}

# Help: stdout, exit 0, nothing on stderr.
for h in help -h --help; do
	expect 0 '^Usage: lbnl \[-j \[-p\]\]' '' $h
done
expect 0 '^lbnl [0-9]' '' -V
expect 0 '^lbnl [0-9]' '' --version
for obj in vip dest; do
	for h in help -h --help; do
		expect 0 "^Usage: lbnl $obj add " '' $obj $h
	done
	for cmd in add set del show; do
		for h in help -h --help; do
			expect 0 "^Usage: lbnl $obj $cmd" '' $obj $cmd $h
		done
		expect 0 "^Usage: lbnl $obj $cmd" '' $obj $cmd 192.0.2.1:80 help
	done
done
for h in help -h --help; do
	expect 0 '^Usage: lbnl vip bypass-active VIP:PORT proto \{tcp\|udp\|sctp\} DADDR\[:PORT\]$' '' \
		vip bypass-active $h
done
expect 0 '^Confirm that the router sends the traffic of a bypassed VIP' '' vip bypass-active help
expect 0 '^Usage: lbnl vip bypass-active' '' vip bypass-active 192.0.2.1:80 proto tcp help
"$lbnl" vip help | grep -q '^       lbnl vip bypass-active VIP:PORT' && ok ||
	not_ok "vip help does not list bypass-active"
for obj in flush monitor save restore; do
	for h in help -h --help; do
		expect 0 "^Usage: lbnl $obj" '' $obj $h
	done
done
for h in help -h --help; do
	expect 0 '^Usage: lbnl assoc show \[-j \[-p\]\]$' '' assoc $h
	for cmd in show export import resume release; do
		expect 0 "^Usage: lbnl assoc $cmd" '' assoc $cmd $h
	done
	expect 0 '^Usage: lbnl assoc show' '' assoc list $h
done
expect 0 '^Usage: lbnl assoc export LADDR:LPORT PADDR:PPORT \[timeout MS\]$' '' \
	assoc export 192.0.2.10:3868 help
for h in help -h --help; do
	expect 0 '^Usage: lbnl conn show \[-j \[-p\]\] \[VIP:PORT proto \{tcp\|udp\|sctp\}\]$' '' conn $h
	for cmd in show add del flush; do
		expect 0 "^Usage: lbnl conn $cmd" '' conn $cmd $h
	done
	expect 0 '^Usage: lbnl stats \[-j \[-p\]\] \[VIP:PORT proto \{tcp\|udp\|sctp\}\]$' '' stats $h
done
expect 0 '^Usage: lbnl conn del VIP:PORT proto \{tcp\|udp\|sctp\} PEER:PORT$' '' \
	conn del 192.0.2.1:80 proto tcp help
expect 0 '^Usage: lbnl conn add VIP:PORT proto sctp PEER:PORT vtag V \[peer-vtag V\]$' '' \
	conn add 192.0.2.1:3868 proto sctp help
expect 0 '^                     dest DADDR\[:PORT\]$' '' conn add help
expect 0 '^Install the entry of an SCTP association' '' conn add --help
expect 0 '^Usage: lbnl stats' '' stats 192.0.2.1:80 help
expect 0 '^Usage: lbnl stats' '' -j stats --help
# migrate: "start" may be left out (an address in its place).
for h in help -h --help; do
	expect 0 '^Usage: lbnl migrate \[start\] VIP:PORT proto sctp \{vtag V \| peer PEER:PORT\}$' '' migrate $h
	for cmd in start commit abort show; do
		expect 0 "^Usage: lbnl migrate (\\[$cmd\\]|$cmd) " '' migrate $cmd $h
	done
	expect 0 '^Usage: lbnl migrate \[start\] VIP:PORT' '' migrate 192.0.2.1:3868 $h
done
expect 0 '^                            \[to DADDR\[:PORT\]\] \[timeout MS\]$' '' migrate start help
expect 0 '^Open a live migration of an SCTP association' '' migrate 192.0.2.1:3868 proto sctp help
expect 0 '^Usage: lbnl migrate commit VIP:PORT proto sctp \{vtag V \| peer PEER:PORT\}$' '' \
	migrate commit 192.0.2.1:3868 proto sctp vtag 1 help
expect 0 '^Usage: lbnl migrate show \[-j \[-p\]\]$' '' -j migrate show --help
for h in help -h --help; do
	expect 0 '^Usage: lbnl tag show \[-j \[-p\]\]$' '' tag $h
	for cmd in show genkey set del; do
		expect 0 "^Usage: lbnl tag $cmd" '' tag $cmd $h
	done
done
expect 0 '^Usage: lbnl tag set key-file FILE \[server-id ID\]$' '' tag set key-file x help
expect 0 '^Usage: lbnl tag del \[server\]$' '' tag del server help
expect 0 '^Set the key ' '' tag set help
"$lbnl" --help | grep -q '^       lbnl restore \[FILE\]$' && ok ||
	not_ok "--help does not list restore"
for synopsis in 'assoc show \[-j \[-p\]\]' \
		'assoc export LADDR:LPORT PADDR:PPORT \[timeout MS\]' \
		'assoc import \[-j \[-p\]\] \[FILE\]' \
		'assoc resume LADDR:LPORT PADDR:PPORT' \
		'assoc release LADDR:LPORT PADDR:PPORT' \
		'conn show \[-j \[-p\]\] \[VIP:PORT proto {tcp|udp|sctp}\]' \
		'conn add VIP:PORT proto sctp PEER:PORT vtag V \[peer-vtag V\]' \
		'conn del VIP:PORT proto {tcp|udp|sctp} PEER:PORT' \
		'conn flush \[VIP:PORT proto {tcp|udp|sctp} \[dest DADDR\[:PORT\]\]\]' \
		'stats \[-j \[-p\]\] \[VIP:PORT proto {tcp|udp|sctp}\]' \
		'vip bypass-active VIP:PORT proto {tcp|udp|sctp} DADDR\[:PORT\]' \
		'migrate \[start\] VIP:PORT proto sctp {vtag V | peer PEER:PORT}' \
		'migrate commit VIP:PORT proto sctp {vtag V | peer PEER:PORT}' \
		'migrate abort VIP:PORT proto sctp {vtag V | peer PEER:PORT}' \
		'migrate show \[-j \[-p\]\]' \
		'tag show \[-j \[-p\]\]' 'tag genkey' \
		'tag set key-file FILE \[server-id ID\]' 'tag del \[server\]'; do
	"$lbnl" --help | grep -q "^       lbnl $synopsis\$" && ok ||
		not_ok "--help does not list $synopsis"
done

# Usage errors: exit 2, "Error: ..." on stderr, nothing on stdout.
usage()
{
	expect 2 '' "^Error: $1" "${@:2}"
}
usage 'missing object'
usage 'missing object' -j
usage "unknown option '-x'" -x
usage "unknown option '--js'" --js vip show
usage "unknown object 'vi'" vi show
usage "unknown object 'VIP'" VIP show
usage "unknown command 'sh' for 'vip'" vip sh
usage "unknown command 'list' for 'dest'" dest list
usage 'missing VIP address' vip add
usage "invalid VIP address '192.0.2.1': missing port" vip add 192.0.2.1 proto tcp
usage "invalid VIP address '2001:db8::1': missing port" vip add 2001:db8::1 proto tcp
usage "invalid VIP address '192.0.2.1:http'" vip add 192.0.2.1:http proto tcp
usage "invalid VIP address '192.0.2.1:65536'" vip add 192.0.2.1:65536 proto tcp
usage "invalid VIP address 'localhost:80'" vip add localhost:80 proto tcp
usage "missing 'proto" vip add 192.0.2.1:80
usage "expected 'proto' after the VIP address, got 'mode'" vip add 192.0.2.1:80 mode nat proto tcp
usage "missing value for 'proto'" vip add 192.0.2.1:80 proto
usage "invalid proto 'icmp'" vip add 192.0.2.1:80 proto icmp
usage "invalid proto 'TCP'" vip add 192.0.2.1:80 proto TCP
usage "invalid mode 'dr'" vip add 192.0.2.1:80 proto tcp mode dr
usage "invalid sched 'rr'" vip add 192.0.2.1:80 proto tcp sched rr
usage "invalid bypass 'on'" vip set 192.0.2.1:80 proto tcp bypass on
usage "invalid migrate-after '-1'" vip add 192.0.2.1:80 proto tcp migrate-after -1
usage "invalid migrate-after '1s'" vip add 192.0.2.1:80 proto tcp migrate-after 1s
usage "missing value for 'mode'" vip add 192.0.2.1:80 proto tcp mode
usage "'mode' given twice" vip add 192.0.2.1:80 proto tcp mode nat mode tun
usage "unknown keyword 'weight'" vip add 192.0.2.1:80 proto tcp weight 1
usage "unknown keyword 'mod'" vip set 192.0.2.1:80 proto tcp mod nat
usage "unexpected argument 'mode'" vip del 192.0.2.1:80 proto tcp mode nat
usage "unexpected argument 'x'" vip show 192.0.2.1:80 proto tcp x
usage 'missing dest address' dest add 192.0.2.1:80 proto tcp
usage "invalid dest address '10.0.0.1:'" dest add 192.0.2.1:80 proto tcp 10.0.0.1:
usage "invalid dest address 'x'" dest del 192.0.2.1:80 proto tcp x
usage "invalid weight 'heavy'" dest add 192.0.2.1:80 proto tcp 10.0.0.1 weight heavy
usage "invalid state 'up'" dest set 192.0.2.1:80 proto tcp 10.0.0.1 state up
usage "'state' given twice" dest set 192.0.2.1:80 proto tcp 10.0.0.1 state drain state maint
usage "invalid if-state 'up'" dest set 192.0.2.1:80 proto tcp 10.0.0.1 state down if-state up
usage "unknown keyword 'if-state'" dest add 192.0.2.1:80 proto tcp 10.0.0.1 if-state active
usage "unexpected argument 'weight'" dest del 192.0.2.1:80 proto tcp 10.0.0.1 weight 1
usage "missing 'proto" dest show 192.0.2.1:80
usage 'missing VIP address' vip bypass-active
usage "missing 'proto" vip bypass-active 192.0.2.1:80
usage "invalid VIP address '192.0.2.1': missing port" vip bypass-active 192.0.2.1 proto tcp 10.0.0.1
usage 'missing dest address \(DADDR\[:PORT\]\)' vip bypass-active 192.0.2.1:80 proto tcp
usage "invalid dest address '10.0.0.1:x'" vip bypass-active 192.0.2.1:80 proto tcp 10.0.0.1:x
usage "invalid proto 'icmp'" vip bypass-active 192.0.2.1:80 proto icmp 10.0.0.1
usage "unexpected argument 'now'" vip bypass-active 192.0.2.1:80 proto tcp 10.0.0.1 now
expect 2 '' '^Usage: lbnl vip bypass-active VIP:PORT' vip bypass-active 192.0.2.1:80 proto tcp
usage "unexpected argument 'now'" flush now
usage "unexpected argument 'x'" monitor x
usage "unexpected argument 'x'" save x
usage "unexpected argument 'b'" restore a b
usage "unknown command 'sh' for 'assoc'" assoc sh
usage "unexpected argument 'x'" assoc show x
usage "unknown command 'x' for 'assoc'" assoc x -j
usage "unknown option '-x'" assoc show -x
usage "unknown option '--pretty=1'" assoc show -j --pretty=1
usage 'missing local address \(LADDR:LPORT\)' assoc export
usage "invalid local address '192.0.2.10': missing port" assoc export 192.0.2.10 198.51.100.1:40000
usage "invalid local address '2001:db8::10:3868': missing port" assoc export 2001:db8::10:3868 [2001:db8::1]:40000
usage "invalid local address 'a:1'" assoc release a:1 198.51.100.1:40000
usage 'missing peer address \(PADDR:PPORT\)' assoc export 192.0.2.10:3868
usage "invalid peer address '198.51.100.1:x'" assoc export 192.0.2.10:3868 198.51.100.1:x
usage "invalid peer address '\[2001:db8::1\]'" assoc resume [2001:db8::10]:3868 [2001:db8::1]
usage "missing value for 'timeout'" assoc export 192.0.2.10:3868 198.51.100.1:40000 timeout
usage "invalid timeout '-1'" assoc export 192.0.2.10:3868 198.51.100.1:40000 timeout -1
usage "invalid timeout '1s'" assoc export 192.0.2.10:3868 198.51.100.1:40000 timeout 1s
usage "invalid timeout '4294967296'" assoc export 192.0.2.10:3868 198.51.100.1:40000 timeout 4294967296
usage "'timeout' given twice" assoc export 192.0.2.10:3868 198.51.100.1:40000 timeout 1 timeout 2
usage "unknown keyword 'wait'" assoc export 192.0.2.10:3868 198.51.100.1:40000 wait 1
usage "unknown keyword '-p'" assoc export 192.0.2.10:3868 198.51.100.1:40000 -p
usage "unexpected argument 'x'" assoc resume 192.0.2.10:3868 198.51.100.1:40000 x
usage "unexpected argument 'timeout'" assoc release 192.0.2.10:3868 198.51.100.1:40000 timeout 1
usage 'missing peer address' assoc release 192.0.2.10:3868
usage "unexpected argument 'b'" assoc import a b
usage "unknown option '-x'" assoc import -x
usage "unknown command 'sh' for 'conn'" conn sh
usage "unknown command 'list' for 'conn'" conn list
usage "unknown command '-j' for 'conn'" conn -j
usage "missing 'proto" conn show 192.0.2.1:80
usage "missing 'proto" conn show -j 192.0.2.1:80
usage "unexpected argument 'x'" conn show 192.0.2.1:80 proto tcp x
usage "unexpected argument 'x'" conn show 192.0.2.1:80 proto tcp -j x
usage "invalid VIP address 'x'" conn show x
usage "unknown option '-x'" conn show -x
usage "unknown option '--pretty=1'" conn show -j --pretty=1
usage "invalid proto 'icmp'" conn show 192.0.2.1:80 proto icmp
usage 'missing VIP address' conn del
usage "missing 'proto" conn del 192.0.2.1:80
usage 'missing peer address \(PEER:PORT\)' conn del 192.0.2.1:80 proto tcp
usage "invalid peer address '198.51.100.1': missing port" conn del 192.0.2.1:80 proto tcp 198.51.100.1
usage "invalid peer address '\[2001:db8::1\]': missing port" conn del [2001:db8:10::1]:80 proto tcp [2001:db8::1]
usage "invalid peer address '198.51.100.1:x'" conn del 192.0.2.1:80 proto udp 198.51.100.1:x
usage "invalid peer address 'peer'" conn del 192.0.2.1:80 proto udp peer 198.51.100.1:40000
usage "peer address '\[2001:db8::1\]:40000' is not of the VIP's address family" \
	conn del 192.0.2.1:80 proto tcp [2001:db8::1]:40000
usage "peer address '198.51.100.1:40000' is not of the VIP's address family" \
	conn del [2001:db8:10::1]:80 proto sctp 198.51.100.1:40000
usage "unexpected argument 'x'" conn del 192.0.2.1:80 proto tcp 198.51.100.1:40000 x
usage "invalid VIP address '-j'" conn del -j 192.0.2.1:80 proto tcp 198.51.100.1:40000
usage "unexpected argument 'now'" conn flush 192.0.2.1:80 proto tcp now
usage "missing dest address after 'dest'" conn flush 192.0.2.1:80 proto tcp dest
usage "invalid dest address 'x'" conn flush 192.0.2.1:80 proto tcp dest x
usage "unexpected argument 'now'" conn flush 192.0.2.1:80 proto tcp dest 10.0.0.1 now
# conn add: an SCTP association's entry.
cadd="192.0.2.1:3868 proto sctp 198.51.100.1:40000"
usage 'missing VIP address' conn add
usage "missing 'proto" conn add 192.0.2.1:3868
usage 'only SCTP associations are installed \(proto sctp\)' \
	conn add 192.0.2.1:80 proto tcp 198.51.100.1:40000 vtag 1 dest 203.0.113.11
usage 'missing peer address \(PEER:PORT\)' conn add 192.0.2.1:3868 proto sctp
usage "invalid peer address 'vtag'" conn add 192.0.2.1:3868 proto sctp vtag 1 dest 203.0.113.11
usage "peer address '\[2001:db8::1\]:5' is not of the VIP's address family" \
	conn add 192.0.2.1:3868 proto sctp [2001:db8::1]:5 vtag 1 dest 203.0.113.11
usage "missing 'vtag V'" conn add $cadd dest 203.0.113.11
usage "missing 'dest DADDR\[:PORT\]'" conn add $cadd vtag 1
usage "invalid vtag '0', expected a nonzero 32-bit number" conn add $cadd vtag 0 dest 203.0.113.11
usage "invalid vtag '0x1g'" conn add $cadd vtag 0x1g dest 203.0.113.11
usage "invalid vtag '4294967296'" conn add $cadd vtag 4294967296 dest 203.0.113.11
usage "invalid peer-vtag 'x'" conn add $cadd vtag 1 peer-vtag x dest 203.0.113.11
usage "invalid dest address 'srv1'" conn add $cadd vtag 1 dest srv1
usage "dest address '\[2001:db8::11\]' is not of the VIP's address family" \
	conn add $cadd vtag 1 dest [2001:db8::11]
usage "'vtag' given twice" conn add $cadd vtag 1 vtag 2 dest 203.0.113.11
usage "unknown keyword 'to'" conn add $cadd vtag 1 to 203.0.113.11
usage "missing value for 'dest'" conn add $cadd vtag 1 dest
expect 2 '' '^Usage: lbnl conn add VIP:PORT proto sctp PEER:PORT' conn add $cadd vtag 1
usage "missing 'proto" conn flush 192.0.2.1:80
usage "invalid VIP address '-j'" conn flush -j
usage "invalid VIP address 'x'" stats x
usage "unexpected argument 'x'" stats 192.0.2.1:80 proto tcp x
usage "missing 'proto" stats 192.0.2.1:80
usage "invalid proto 'TCP'" stats 192.0.2.1:80 proto TCP
usage "unknown option '-x'" stats -j -x
usage "invalid VIP address 'show'" stats show
mig='192.0.2.1:3868 proto sctp'
usage "unknown command 'sh' for 'migrate'" migrate sh
usage "unknown command 'comit' for 'migrate'" migrate comit $mig vtag 1
usage "unknown command 'list' for 'migrate'" migrate list
usage 'missing VIP address' migrate start
usage "invalid VIP address 'x'" migrate start x
usage "invalid VIP address '192.0.2.1': missing port" migrate 192.0.2.1 proto sctp vtag 1
usage "invalid VIP address '192.0.2.1:x'" migrate 192.0.2.1:x proto sctp vtag 1
usage "invalid VIP address '2001:db8::1': missing port" migrate 2001:db8::1 proto sctp vtag 1
usage "invalid VIP address '\[2001:db8::1\]': missing port" migrate [2001:db8::1] proto sctp vtag 1
usage "missing 'proto" migrate 192.0.2.1:3868
usage "expected 'proto' after the VIP address, got 'vtag'" migrate 192.0.2.1:3868 vtag 1
usage "invalid proto 'SCTP'" migrate 192.0.2.1:3868 proto SCTP vtag 1
for cmd in start commit abort; do
	usage "missing 'vtag V' or 'peer PEER:PORT' \(the association\)" migrate $cmd $mig
	usage "'vtag' and 'peer' both given" migrate $cmd $mig vtag 1 peer 198.51.100.1:40000
	usage "'vtag' and 'peer' both given" migrate $cmd $mig peer 198.51.100.1:40000 vtag 1
	usage "missing value for 'vtag'" migrate $cmd $mig vtag
	usage "missing value for 'peer'" migrate $cmd $mig peer
	usage "'vtag' given twice" migrate $cmd $mig vtag 1 vtag 2
	usage "unknown keyword 'dest'" migrate $cmd $mig vtag 1 dest 203.0.113.12
	usage "unknown keyword '-j'" migrate $cmd $mig vtag 1 -j
	for v in -1 0x 0x100000000 4294967296 1a2b 0xg1 ' 1' 0b1 12x; do
		usage "invalid vtag '$v', expected a 32-bit number \(decimal, or hexadecimal after 0x\)" \
			migrate $cmd $mig vtag "$v"
	done
	usage "invalid peer address '198.51.100.1': missing port" migrate $cmd $mig peer 198.51.100.1
	usage "invalid peer address 'x'" migrate $cmd $mig peer x
	usage "peer address '\[2001:db8::1\]:40000' is not of the VIP's address family" \
		migrate $cmd $mig peer [2001:db8::1]:40000
	usage "peer address '198.51.100.1:40000' is not of the VIP's address family" \
		migrate $cmd [2001:db8::1]:3868 proto sctp peer 198.51.100.1:40000
done
for cmd in commit abort; do
	usage "unknown keyword 'to'" migrate $cmd $mig vtag 1 to 203.0.113.12
	usage "unknown keyword 'timeout'" migrate $cmd $mig peer 198.51.100.1:40000 timeout 1
	expect 2 '' "^Usage: lbnl migrate $cmd VIP:PORT proto sctp \\{vtag V \\| peer PEER:PORT\\}\$" \
		migrate $cmd $mig
done
usage "missing value for 'to'" migrate $mig vtag 1 to
usage "invalid dest address 'x'" migrate $mig vtag 1 to x
usage "invalid dest address '203.0.113.12:x'" migrate start $mig vtag 1 to 203.0.113.12:x
usage "'to' given twice" migrate $mig vtag 1 to 203.0.113.12 to 203.0.113.13
usage "missing value for 'timeout'" migrate $mig vtag 1 timeout
usage "invalid timeout '1s', expected milliseconds" migrate $mig vtag 1 timeout 1s
usage "invalid timeout '-1'" migrate start $mig vtag 1 timeout -1
usage "invalid timeout '4294967296'" migrate $mig vtag 1 timeout 4294967296
usage "'timeout' given twice" migrate $mig vtag 1 timeout 1 timeout 2
expect 2 '' '^Usage: lbnl migrate \[start\] VIP:PORT' migrate $mig
expect 2 '' '^                            \[to DADDR\[:PORT\]\] \[timeout MS\]$' migrate start $mig
usage "unexpected argument 'x'" migrate show x
usage "unexpected argument '192.0.2.1:3868'" migrate show -j 192.0.2.1:3868
usage "unknown option '-x'" migrate show -x
expect 2 '' '^Usage: lbnl migrate show \[-j \[-p\]\]$' migrate show x
expect 2 '' '^Usage: lbnl conn del VIP:PORT proto \{tcp\|udp\|sctp\} PEER:PORT$' \
	conn del 192.0.2.1:80 proto tcp
expect 2 '' '^Usage: lbnl stats ' stats 192.0.2.1:80 proto
expect 2 '' '^Usage: lbnl vip add ADDR:PORT' vip add 192.0.2.1:80 proto udp mode x
usage "unknown command 'list' for 'tag'" tag list
usage "unknown command 'gen' for 'tag'" tag gen
usage "unexpected argument 'x'" tag genkey x
usage "missing 'key-file FILE'" tag set
usage "missing 'key-file FILE'" tag set server-id 7
usage "missing value for 'key-file'" tag set key-file
usage "unknown keyword 'key'" tag set key 000102030405060708090a0b0c0d0e0f
usage "'key-file' given twice" tag set key-file a key-file b
for id in 0 4096 -1 x 0x7 ' 7' 99999999999; do
	usage "invalid server-id '$id', expected a number from 1 to 4095" \
		tag set key-file "$keyf" server-id "$id"
done
usage "unexpected argument 'x'" tag del x
usage "unexpected argument 'x'" tag del server x
usage "unexpected argument 'lb'" tag del lb
usage "unexpected argument 'x'" tag show x
usage "unknown option '-x'" tag show -x
expect 2 '' '^Usage: lbnl tag set key-file FILE \[server-id ID\]$' tag set

# tag genkey: 32 random lower-case hex digits and a newline.
k1=$("$lbnl" tag genkey) k2=$("$lbnl" tag genkey)
if [[ $k1 =~ ^[0-9a-f]{32}$ && $k2 =~ ^[0-9a-f]{32}$ && $k1 != "$k2" ]] &&
		[ "$("$lbnl" tag genkey | wc -c)" = 33 ]; then
	ok
else
	not_ok "tag genkey printed '$k1', then '$k2'"
fi

# tag set: a key file that is not one is refused (exit 1) before the
# kernel is asked; FILE and "-" are the same. A file others can read is
# only warned about.
# key_refused CONTENT (printf format)
key_refused()
{
	local got how

	for how in file dash; do
		# shellcheck disable=SC2059 # the content is a format
		printf "$1" >"$keyf"
		chmod 600 "$keyf"
		case $how in
		file) "$lbnl" tag set key-file "$keyf" server-id 7 >"$out" 2>"$err" </dev/null ;;
		dash) "$lbnl" tag set key-file - <"$keyf" >"$out" 2>"$err" ;;
		esac
		got=$?
		if [ $got != 1 ] || [ -s "$out" ] ||
				! grep -q 'is not a key: expected 32 hex digits' "$err"; then
			not_ok "tag set ($how) of a key file '$1' exited $got: $(cat "$err")"
			return
		fi
	done
	ok
}
key_refused ''
key_refused '\n'
key_refused '000102030405060708090a0b0c0d0e0'
key_refused '000102030405060708090a0b0c0d0e0\n'
key_refused '000102030405060708090a0b0c0d0e0f0'
key_refused '000102030405060708090a0b0c0d0e0fx\n'
key_refused '000102030405060708090a0b0c0d0e0f\n#\n'
key_refused '0x0102030405060708090a0b0c0d0e0f\n'
key_refused ' 000102030405060708090a0b0c0d0e0f\n'
key_refused '00010203 0405060708090a0b0c0d0e0f\n'
key_refused '000102030405060708090a0b0c0d0e0g\n'
key_refused "$(printf '%0600d' 0)"
key_refused "000102030405060708090a0b0c0d0e0f$(printf '%300s' '')"
"$lbnl" tag set key-file /nonexistent/key server-id 7 >"$out" 2>"$err"
[ $? = 1 ] && [ ! -s "$out" ] &&
	grep -q "^Error: cannot open '/nonexistent/key'" "$err" && ok ||
	not_ok "tag set of a missing key file: $(cat "$err")"
printf '000102030405060708090a0b0c0d0e0f\n' >"$keyf"
chmod 644 "$keyf"
"$lbnl" tag set key-file "$keyf" >"$out" 2>"$err"
grep -q "^Warning: the key file '$keyf' can be read by other users" "$err" &&
	! grep -q 'is not a key' "$err" && ok ||
	not_ok "no warning for a key file others can read: $(cat "$err")"
chmod 600 "$keyf"
"$lbnl" tag set key-file "$keyf" >"$out" 2>"$err"
! grep -q 'Warning' "$err" && ok || not_ok "warning for a key file of mode 600: $(cat "$err")"

# sync_expect RC STDERR-REGEX INPUT: lbnl sync of INPUT (no module here:
# what is refused is refused before the kernel is asked)
sync_expect()
{
	local rc=$1 want_err=$2 input=$3 got
	printf '%b' "$input" | "$lbnl" sync >"$out" 2>"$err"
	got=$?
	if [ "$got" != "$rc" ] || ! grep -Eq -- "$want_err" "$err"; then
		not_ok "sync of '$input' exited $got (expected $rc): $(cat "$err")"
	else
		ok
	fi
}

sync_expect 2 "^Error: line 2: sync takes what 'lbnl save' prints" \
	'vip add 192.0.2.1:80 proto tcp\nvip set 192.0.2.1:80 proto tcp mode tun\n'
sync_expect 2 "^Error: line 1: sync takes what 'lbnl save' prints" 'flush\n'
sync_expect 2 "^Error: line 1: dest of a VIP no line above adds" \
	'dest add 192.0.2.1:80 proto tcp 10.0.0.1\n'
sync_expect 2 "^Error: line 3: dest added twice" \
	'vip add 192.0.2.1:80 proto tcp\ndest add 192.0.2.1:80 proto tcp 10.0.0.1\ndest add 192.0.2.1:80 proto tcp 10.0.0.1:80 weight 2\n'
sync_expect 2 "^Error: line 3: VIP added twice" \
	'vip add 192.0.2.1:80 proto tcp\n# c\nvip add 192.0.2.1:80 proto tcp mode tun\n'
sync_expect 2 "^Error: line 1: invalid proto 'tcpx'" 'vip add 192.0.2.1:80 proto tcpx\n'
sync_expect 1 "not loaded" 'vip add 192.0.2.1:80 proto tcp\n'
expect 2 '' "unexpected argument 'b'" sync a b

# restore: syntax errors are found before anything is applied.
restore_expect 0 '' ''
restore_expect 0 '' '# only a comment\n\n   \n'
restore_expect 2 "^Error: line 2: invalid proto 'tcpx'" \
	'vip add 192.0.2.1:80 proto tcp\nvip add 192.0.2.2:80 proto tcpx\n'
restore_expect 2 "^Error: line 3: unknown object 'bogus'" \
	'# c\nlbnl vip add 192.0.2.1:80 proto tcp\nbogus\n'
restore_expect 2 "^Error: line 1: 'vip show' cannot be restored" 'vip show\n'
restore_expect 2 "^Error: line 1: 'monitor' cannot be restored" 'monitor\n'
restore_expect 2 "^Error: line 1: missing command after 'dest'" 'dest\n'
restore_expect 2 '^Error: line 1: missing command' 'lbnl\n'
restore_expect 2 "^Error: line 1: unknown command 'vip help'" 'vip help\n'
restore_expect 2 "^Error: line 1: unexpected argument 'x'" 'flush x\n'
restore_expect 2 "^Error: line 1: 'assoc export' cannot be restored" \
	'assoc export 192.0.2.10:3868 198.51.100.1:40000\n'
restore_expect 2 "^Error: line 1: 'assoc resume' cannot be restored" \
	'assoc resume 192.0.2.10:3868 198.51.100.1:40000\n'
restore_expect 2 "^Error: line 1: 'conn flush' cannot be restored" 'conn flush\n'
restore_expect 2 "^Error: line 2: 'conn del' cannot be restored" \
	'vip add 192.0.2.1:80 proto tcp\nconn del 192.0.2.1:80 proto tcp 198.51.100.1:40000\n'
restore_expect 2 "^Error: line 1: 'stats' cannot be restored" 'stats\n'
restore_expect 2 "^Error: line 2: 'vip bypass-active' cannot be restored" \
	'vip add 192.0.2.1:80 proto tcp mode tun bypass auto\nvip bypass-active 192.0.2.1:80 proto tcp 10.0.0.1\n'
restore_expect 2 "^Error: line 1: 'migrate start' cannot be restored" \
	'migrate start 192.0.2.1:3868 proto sctp vtag 1\n'
restore_expect 2 "^Error: line 1: 'migrate start' cannot be restored" \
	'migrate 192.0.2.1:3868 proto sctp vtag 1\n'
restore_expect 2 "^Error: line 2: 'migrate commit' cannot be restored" \
	'flush\nlbnl migrate commit 192.0.2.1:3868 proto sctp vtag 1\n'
restore_expect 2 "^Error: line 1: 'migrate show' cannot be restored" 'migrate show\n'
restore_expect 2 "^Error: line 1: unknown command 'migrate sh'" 'migrate sh\n'

# group load: restore's parser, then the group's own rules; nothing is
# sent to the store (port 1 would refuse it) when a line is wrong.
# group_expect RC STDERR-REGEX INPUT
group_expect()
{
	local rc=$1 want_err=$2 input=$3 got
	printf '%b' "$input" | LBNL_STORE=http://127.0.0.1:1 \
		LBNL_GROUP_CONF=/nonexistent "$lbnl" group load - >"$out" 2>"$err"
	got=$?
	if [ "$got" != "$rc" ] || ! grep -Eq -- "$want_err" "$err"; then
		not_ok "group load of '$input' exited $got (expected $rc): $(cat "$err")"
	else
		ok
	fi
}
group_expect 2 "^Error: line 2: invalid proto 'tcpx'" \
	'vip add 192.0.2.1:80 proto tcp\nvip add 192.0.2.2:80 proto tcpx\n'
group_expect 2 '^Error: line 3: only "vip add" and "dest add" lines' \
	'# c\nvip add 192.0.2.1:80 proto tcp\nflush\n'
group_expect 2 '^Error: line 1: only "vip add" and "dest add" lines' \
	'vip set 192.0.2.1:80 proto tcp sched wrr\n'
group_expect 2 '^Error: line 1: a dest of a VIP no earlier line adds' \
	'dest add 192.0.2.1:80 proto tcp 198.51.100.1\nvip add 192.0.2.1:80 proto tcp\n'
group_expect 2 "^Error: line 2: dest address family must match the VIP's" \
	'vip add 192.0.2.1:80 proto tcp\ndest add 192.0.2.1:80 proto tcp 2001:db8::1\n'
group_expect 2 '^Error: line 3: VIP added twice \(line 1 first\)' \
	'vip add 192.0.2.1:80 proto tcp\n\nvip add 192.0.2.1:80 proto tcp mode tun\n'
group_expect 2 '^Error: line 2: .*weight' \
	'vip add 192.0.2.1:80 proto tcp\ndest add 192.0.2.1:80 proto tcp 198.51.100.1 weight 70000\n'
# A good file gets as far as the store.
group_expect 1 '^Error: etcd at http://127.0.0.1:1: ' \
	'vip add 192.0.2.1:80 proto tcp\ndest add 192.0.2.1:80 proto tcp 198.51.100.1\n'
for h in help -h --help; do
	expect 0 '^Usage: lbnl group status' '' group $h
	for cmd in load save status; do
		expect 0 "^Usage: lbnl group $cmd" '' group $cmd $h
	done
done
LBNL_STORE= LBNL_GROUP_CONF=/nonexistent \
	expect 1 '' '^Error: no store: --store URL, LBNL_STORE' group save
expect 2 '' "^Error: option '--store' needs a value" group save --store
expect 2 '' "^Error: group etcd: 'x' is not an http:// or https:// URL" \
	group status --store x
expect 2 '' '^Error: missing FILE' group load --store http://127.0.0.1:1
restore_expect 2 '^Error: line 1: too many words' "$(printf 'x %.0s' {1..70})\n"
"$lbnl" restore /nonexistent/file >/dev/null 2>"$err"
[ $? = 1 ] && grep -q "^Error: cannot open '/nonexistent/file'" "$err" && ok ||
	not_ok "restore of a missing file"

# assoc import: a document that is not a valid state is refused (exit 1)
# before the kernel is asked; FILE, "-" and standard input are the same.
state='{"version":1,"local":{"addr":"192.0.2.10","port":3868},"peer":{"addr":"198.51.100.1","port":40000},"local_addrs":["192.0.2.10"],"paths":[{"addr":"198.51.100.1","rto_us":200000,"srtt_us":1500,"rttvar_us":750,"cwnd":4380,"ssthresh":65535}],"vtag":439041101,"peer_vtag":1584339595,"next_tsn":1000,"peer_next_tsn":2000,"out_streams":10,"in_streams":2,"out_ssn":[0,0,0,0,0,0,0,0,0,0],"in_ssn":[0,0],"peer_rwnd":106496,"features":["ecn","prsctp"],"addip_serial":999,"peer_addip_serial":1999,"strreset_outseq":1000,"strreset_inseq":2000,"adaptation_ind":0,"created_ms":1700000000000}'
# import_expect STDERR-REGEX SED-EXPRESSION: the document edited by sed.
import_expect()
{
	local got
	printf '%s\n' "$state" | sed "$2" >"$doc"
	for how in file dash stdin; do
		case $how in
		file) "$lbnl" assoc import "$doc" >"$out" 2>"$err" </dev/null ;;
		dash) "$lbnl" assoc import - <"$doc" >"$out" 2>"$err" ;;
		stdin) "$lbnl" -j assoc import <"$doc" >"$out" 2>"$err" ;;
		esac
		got=$?
		if [ $got != 1 ] || [ -s "$out" ] || ! grep -Eq -- "$1" "$err"; then
			not_ok "import ($how) of the state edited by '$2' exited $got: $(cat "$err")"
			return
		fi
	done
	ok
}
import_expect '^Error: state: out_ssn: expected 10 entries, got 9$' 's/"out_ssn":\[0,/"out_ssn":[/'
import_expect '^Error: state: unknown version 2$' 's/"version":1/"version":2/'
import_expect '^Error: state: in_ssn: missing$' 's/,"in_ssn":\[0,0\]//'
import_expect '^Error: state: state: unknown key$' 's/"version":1,/&"state":4,/'
import_expect '^Error: state: paths\[0\].cwnd: expected an integer, got 4380.5$' 's/"cwnd":4380/&.5/'
import_expect '^Error: state: peer.port: 65536 is out of range \(0..65535\)$' 's/"port":40000/"port":65536/'
import_expect '^Error: state: peer_rwnd: -1 is out of range' 's/"peer_rwnd":106496/"peer_rwnd":-1/'
import_expect '^Error: state: local_addrs\[0\]: "192.0.2.300" is not an IPv4 or IPv6 address$' 's/"local_addrs":\["192.0.2.10"/"local_addrs":["192.0.2.300"/'
import_expect '^Error: state: line 1, column 261: duplicate object key near '\''"vtag"'\''$' 's/"vtag":439041101/&,"vtag":1/'
import_expect '^Error: state: line 2, column 1: end of file expected near '\''\{'\''$' 's/$/\n{}/'
import_expect '^Error: state: line 1, column 0: unexpected token near end of file$' 'd'
"$lbnl" assoc import /nonexistent/state.json >"$out" 2>"$err"
[ $? = 1 ] && [ ! -s "$out" ] &&
	grep -q "^Error: cannot open '/nonexistent/state.json'" "$err" && ok ||
	not_ok "import of a missing file"

# Without the module, commands that talk to it fail with exit 1.
"$lbnl" vip show >/dev/null 2>"$err"
if grep -q 'not loaded' "$err"; then
	for args in "vip show" "-j vip show" "dest show" "vip add 192.0.2.1:80 proto tcp" \
			"dest del 192.0.2.1:80 proto tcp 10.0.0.1" "flush" "save" "monitor" \
			"conn" "conn show" "-j conn show" "conn show -j -p 192.0.2.1:80 proto tcp" \
			"conn del 192.0.2.1:80 proto tcp 198.51.100.1:40000" \
			"conn del [2001:db8:10::1]:3868 proto sctp [2001:db8:1::1]:40000" \
			"conn flush" "conn flush 192.0.2.1:80 proto udp" \
			"conn flush 192.0.2.1:80 proto udp dest 10.0.0.1:53" \
			"conn add 192.0.2.1:3868 proto sctp 198.51.100.1:40000 vtag 0x1a2b3c4d dest 203.0.113.12" \
			"conn add [2001:db8:10::1]:3868 proto sctp [2001:db8:1::1]:40000 dest [2001:db8:2::12]:3869 peer-vtag 7 vtag 439041101" \
			"stats" "-j stats" "stats -j -p" "stats [2001:db8:10::1]:80 proto tcp" \
			"vip bypass-active 192.0.2.1:80 proto tcp 10.0.0.1" \
			"vip bypass-active [2001:db8::1]:443 proto sctp [2001:db8:1::10]:8443" \
			"migrate" "migrate show" "-j migrate show" "migrate show -j -p" \
			"migrate start 192.0.2.1:3868 proto sctp vtag 0x1a2b3c4d" \
			"migrate 192.0.2.1:3868 proto sctp vtag 0X1A2B3C4D to 203.0.113.12" \
			"-j migrate 192.0.2.1:3868 proto sctp vtag 439041101 to 203.0.113.12:3869 timeout 5000" \
			"migrate [2001:db8::1]:3868 proto sctp peer [2001:db8:1::1]:40000 timeout 0" \
			"migrate start 192.0.2.1:3868 proto sctp timeout 10 to 203.0.113.12 peer 198.51.100.1:40000" \
			"migrate commit 192.0.2.1:3868 proto sctp vtag 0xffffffff" \
			"migrate abort 192.0.2.1:3868 proto sctp peer 198.51.100.1:40000" \
			"migrate 192.0.2.1:80 proto tcp peer 198.51.100.1:40000"; do
		expect 1 '' '^Error: lbnl kernel module not loaded \(modprobe lbnl\)$' $args
	done
	restore_expect 1 '^Error: lbnl kernel module not loaded' 'flush\n'
	# The server role's commands need its own module, lbnl_srv.
	for args in "assoc" "assoc list" "assoc show -j" \
			"assoc export 192.0.2.10:3868 198.51.100.1:40000 timeout 3000" \
			"assoc resume [2001:db8::10]:3868 [2001:db8::1]:40000" \
			"assoc release 192.0.2.10:3868 198.51.100.1:40000"; do
		expect 1 '' '^Error: lbnl_srv kernel module not loaded \(modprobe lbnl_srv\)$' $args
	done
	printf '%s\n' "$state" >"$doc"
	expect 1 '' '^Error: lbnl_srv kernel module not loaded \(modprobe lbnl_srv\)$' assoc import "$doc"
	# tag: each role's family; show wants either.
	printf '000102030405060708090A0B0C0D0E0F \r\n\n' >"$keyf"
	for args in "tag set key-file $keyf" "tag del"; do
		expect 1 '' '^Error: lbnl kernel module not loaded \(modprobe lbnl\)$' $args
	done
	for args in "tag set key-file $keyf server-id 7" "tag set server-id 4095 key-file $keyf" \
			"tag del server"; do
		expect 1 '' '^Error: lbnl_srv kernel module not loaded \(modprobe lbnl_srv\)$' $args
	done
	for args in "tag" "tag show" "-j tag show" "tag show -j -p"; do
		expect 1 '' '^Error: neither the lbnl nor the lbnl_srv kernel module is loaded' $args
	done
else
	echo "# lbnl family present: skipping the 'not loaded' tests"
fi

echo "test_cli: $((pass + fail)) checks, $fail failed"
[ "$fail" = 0 ]
