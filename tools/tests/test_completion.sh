#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_completion.sh LBNL COMPLETION: the bash completion of lbnl. It sources
# COMPLETION in this (non-interactive) bash, sets COMP_WORDS, COMP_CWORD,
# COMP_LINE and COMP_POINT as bash would for a line (split at blanks and
# at ':', as bash 5 does with ':' in COMP_WORDBREAKS) and checks COMPREPLY:
# objects, commands, keywords and their values, and the VIPs, dests and
# associations of the kernel, asked from a fake lbnl (a script printing
# canned "vip show", "dest show" and "assoc show" text in the real
# format, which the last checks compare with tools/lbnl's printing code).
# A fake that fails must give no completion and no output. Every object,
# command, keyword and keyword value of "LBNL --help" must be offered, so
# the completion cannot fall behind the CLI. The checks run without the
# bash-completion package's helpers and, when it is installed, once more
# with them.

lbnl=${1:?usage: test_completion.sh PATH/TO/lbnl PATH/TO/completion}
compl=${2:?usage: test_completion.sh PATH/TO/lbnl PATH/TO/completion}
helpers=/usr/share/bash-completion/bash_completion
src=$(cd "$(dirname "$0")/../lbnl" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C

mkdir -p "$tmp/ok" "$tmp/fail" "$tmp/files/sub"
touch "$tmp/files/conf1.lbnl" "$tmp/files/conf2.lbnl"

# The fake lbnl: what the real one prints for these VIPs, dests and
# associations (see the format checks at the end). It logs its arguments.
cat >"$tmp/ok/lbnl" <<EOF
#!/bin/bash
echo "\$*" >>"$tmp/calls"
case "\$*" in
"vip show")
	cat <<'END'
vip 192.0.2.1:80 proto tcp mode nat sched maglev bypass off migrate-after 0 dests 2 active 2
  dest 10.0.0.1:80 weight 1 state active
  dest 10.0.0.2:8080 weight 2 state maint
vip 192.0.2.1:80 proto udp mode nat sched wrr bypass off migrate-after 0 dests 0 active 0
vip 192.0.2.2:3868 proto sctp mode nat sched maglev bypass auto migrate-after 10 dests 1 active 1 router lb
  dest 10.0.0.3:3868 weight 1 state active
vip [2001:db8::1]:443 proto sctp mode tun sched maglev bypass off migrate-after 0 dests 1 active 1
  dest [2001:db8::10]:443 weight 1 state active
END
	;;
"dest show 192.0.2.1:80 proto tcp")
	echo "vip 192.0.2.1:80 proto tcp dest 10.0.0.1:80 weight 1 state active"
	echo "vip 192.0.2.1:80 proto tcp dest 10.0.0.2:8080 weight 2 state maint"
	;;
"dest show 192.0.2.2:3868 proto sctp")
	echo "vip 192.0.2.2:3868 proto sctp dest 10.0.0.3:3868 weight 1 state active"
	;;
"dest show [2001:db8::1]:443 proto sctp")
	echo "vip [2001:db8::1]:443 proto sctp dest [2001:db8::10]:443 weight 1 state active"
	;;
"assoc show")
	cat <<'END'
assoc 192.0.2.10:3868 peer 198.51.100.1:40000 vtag 0x1a2b3c4d peer-vtag 0x5e6f7a8b state established age 12.3s style one-to-one id 5 unacked 0 pending 0 unread 0 migratable yes
assoc 192.0.2.10:3868 peer 198.51.100.2:40001 vtag 0x00000001 peer-vtag 0x00000002 state established age 1.0s style one-to-many id 6 unacked 0 pending 0 unread 0 migratable no (AUTH negotiated)
assoc [2001:db8::10]:3868 peer [2001:db8::1]:40000 vtag 0x00000003 peer-vtag 0x00000004 state established age 0.5s style one-to-one id 7 unacked 0 pending 0 unread 0 migratable yes
END
	;;
"dest show "*)
	;;
*)
	echo "Error: the fake lbnl does not know '\$*'" >&2
	exit 2
	;;
esac
EOF
# What lbnl prints without the module.
cat >"$tmp/fail/lbnl" <<'EOF'
#!/bin/bash
echo "Error: lbnl kernel module not loaded (modprobe lbnl)" >&2
exit 1
EOF
chmod +x "$tmp/ok/lbnl" "$tmp/fail/lbnl"
OK=$tmp/ok/lbnl FAIL=$tmp/fail/lbnl

pass=0 fail=0 mode=
ok() { pass=$((pass + 1)); echo "ok: $mode: $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok: $mode: $*"; }

# comp LINE: complete at the end of LINE as bash would: COMPREPLY sorted
# into $got (one line), what _lbnl printed into $printed.
comp()
{
	local line=$1 tok run

	COMP_LINE=$line COMP_POINT=${#line} COMP_WORDS=()
	set -f
	for tok in $line; do
		while [ -n "$tok" ]; do
			if [[ $tok == :* ]]; then
				run=${tok%%[!:]*}
			else
				run=${tok%%:*}
			fi
			COMP_WORDS+=("$run")
			tok=${tok:${#run}}
		done
	done
	set +f
	[[ -z $line || $line == *[[:space:]] ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_lbnl "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD - 1]}" >"$tmp/out" 2>"$tmp/err"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort -u | grep -v '^$' |
		tr '\n' ' ')
	got=${got% }
	printed=$(cat "$tmp/out" "$tmp/err")
}

# expect LINE WORDS...: exactly WORDS (any order), and nothing printed.
expect()
{
	local line=$1 want

	shift
	want=$(printf '%s\n' "$@" | sort -u | grep -v '^$' | tr '\n' ' ')
	want=${want% }
	comp "$line"
	if [ -n "$printed" ]; then
		not_ok "'$line' printed: $printed"
	elif [ "$got" != "$want" ]; then
		not_ok "'$line' -> '$got', expected '$want'"
	else
		ok "'$line' -> '$got'"
	fi
}

# expect_has LINE WORDS...: at least WORDS.
expect_has()
{
	local line=$1 w missing=

	shift
	comp "$line"
	for w; do
		[[ " $got " == *" $w "* ]] || missing+=" $w"
	done
	if [ -n "$printed" ]; then
		not_ok "'$line' printed: $printed"
	elif [ -n "$missing" ]; then
		not_ok "'$line' -> '$got', lacks$missing"
	else
		ok "'$line' offers $*"
	fi
}

OBJECTS="vip dest assoc conn migrate tag stats flush monitor save restore sync group help"
VIPS=(192.0.2.1:80 192.0.2.2:3868 '[2001:db8::1]:443')

# The synopses of "lbnl --help", one a line, continuations joined (as
# test_man.sh reads them).
synopses()
{
	"$lbnl" --help |
	awk '/^ *lbnl [a-z]/ { if (s) print s; s = $0; next }
	     s && /^ +\[/ { s = s " " $0; next }
	     { if (s) print s; s = "" }
	     END { if (s) print s }' | tr -s ' \t' ' ' | sed 's/^ //; s/ $//'
}

# Each word of each synopsis of --help is offered where it stands: the
# object, the command, every keyword and every value in {a|b}. Upper-case
# placeholders are filled in; [-j [-p]] and brackets are dropped, and
# "{vtag V | peer PEER:PORT}" is taken as "vtag V" (peer is checked below).
# With the failing fake, so that no kernel list gets in the way.
check_help()
{
	local syn tok line n=0

	while read -r syn; do
		n=$((n + 1))
		syn=${syn//\{vtag V | peer PEER:PORT\}/vtag V}
		syn=${syn//\[-j \[-p\]\]/}
		syn=${syn//[\[\]]/}
		line=$FAIL
		for tok in ${syn#lbnl }; do
			case $tok in
			[a-z]*)
				expect_has "$line " "$tok"
				line+=" $tok"
				;;
			\{*\})
				tok=${tok#\{} tok=${tok%\}}
				# shellcheck disable=SC2086 # a|b|c
				expect_has "$line " ${tok//|/ }
				line+=" ${tok%%|*}"
				;;
			*:*) line+=" 192.0.2.1:80" ;;
			*) line+=" 1" ;;
			esac
		done
	done < <(synopses)
	if [ "$n" -lt 20 ]; then
		not_ok "only $n synopses in '$lbnl --help'"
	else
		ok "$n synopses of '$lbnl --help' walked"
	fi
}

suite()
{
	mode=$1
	unset -f _init_completion __ltrim_colon_completions _filedir
	if [ "$mode" = helpers ]; then
		PS1='$ '
		# shellcheck source=/dev/null
		. "$helpers"
	fi
	COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
	# shellcheck source=/dev/null
	. "$compl"
	if [ "$mode" = helpers ] && ! declare -F _init_completion >/dev/null; then
		not_ok "$helpers defines no _init_completion"
	fi
	if complete -p lbnl >/dev/null 2>&1; then
		ok "complete -p lbnl"
	else
		not_ok "no completion registered for lbnl"
	fi

	# Global options and objects.
	# shellcheck disable=SC2086
	expect "$OK " $OBJECTS
	expect "$OK v" vip
	expect "$OK -" -j -p -h -V --json --pretty --help --version
	expect "$OK --j" --json
	# shellcheck disable=SC2086
	expect "$OK -j -p " $OBJECTS
	expect "$OK -h "
	expect "$OK --version v"
	expect "$OK -- -"
	expect "$OK nosuch "

	# Commands.
	expect "$OK vip " add set del show bypass-active help
	expect "$OK -j vip s" set show
	expect "$OK dest " add set del show wait help
	expect "$OK assoc " show export import resume release help
	expect "$OK conn " show add del flush help
	expect "$OK migrate " start commit abort show help \
		192.0.2.2:3868 '[2001:db8::1]:443'
	expect "$OK tag " show genkey set del help
	expect "$OK tag s" show set
	expect "$OK tag show " help
	expect "$OK tag show -" -j -p --json --pretty -h --help
	expect "$OK tag genkey " help
	expect "$OK tag set " key-file server-id help
	expect "$OK tag set key-file k " server-id
	expect "$OK tag set server-id 7 " key-file
	expect "$OK tag set server-id "
	expect "$OK tag set key-file k server-id 7 "
	expect "$OK tag del " server help
	expect "$OK tag del server "
	expect "$OK tag del -" -h --help
	expect "$OK stats " "${VIPS[@]}" help
	expect "$OK stats -" -j -p --json --pretty -h --help
	for o in flush monitor save; do
		expect "$OK $o " help
	done
	expect "$OK vip -" -h --help
	expect "$OK conn show -" -j -p --json --pretty -h --help
	expect "$OK conn del -" -h --help
	expect "$OK conn add -" -h --help
	expect "$OK vip add help "

	# VIPs from the kernel, IPv6 and ':' included.
	expect "$OK vip del " "${VIPS[@]}" help
	expect "$OK vip set 192" 192.0.2.1:80 192.0.2.2:3868
	expect "$OK vip del 192.0.2.1:" 80
	expect "$OK vip del 192.0.2.1:8" 80
	expect "$OK vip del [" '[2001:db8::1]:443'
	expect "$OK vip del [2001:db8:" :1]:443
	expect "$OK vip del [2001:db8::1]:" 443
	expect "$OK vip add " help
	expect "$OK vip del 192.0.2.1:80 " proto
	expect "$OK vip del 192.0.2.1:80 proto " tcp udp
	expect "$OK vip del [2001:db8::1]:443 proto " sctp
	expect "$OK vip del 192.0.2.9:80 proto " tcp udp sctp
	expect "$OK vip add 192.0.2.1:80 proto " tcp udp sctp
	expect "$OK migrate start " 192.0.2.2:3868 '[2001:db8::1]:443' help
	expect "$OK migrate 192.0.2.1:80 proto " sctp
	expect "$OK -j conn show -p " "${VIPS[@]}" help
	expect "$OK conn flush 192.0.2.2:3868 proto " sctp
	expect "$OK conn add 192.0.2.1:80 proto " sctp

	# Keywords and their values.
	expect "$OK vip add 192.0.2.9:80 proto tcp " mode sched bypass migrate-after
	expect "$OK vip add 192.0.2.9:80 proto tcp m" mode migrate-after
	expect "$OK vip add 192.0.2.9:80 proto tcp mode " nat tun
	expect "$OK vip set 192.0.2.1:80 proto tcp sched " maglev wrr
	expect "$OK vip set 192.0.2.1:80 proto tcp bypass " auto off
	expect "$OK vip set 192.0.2.1:80 proto tcp migrate-after "
	expect "$OK vip set 192.0.2.1:80 proto tcp mode nat " sched bypass migrate-after
	expect "$OK vip set 192.0.2.1:80 proto tcp mode nat migrate-after 5 " sched bypass
	expect "$OK vip del 192.0.2.1:80 proto tcp "
	expect "$OK vip show 192.0.2.1:80 proto tcp "
	expect "$OK dest add 192.0.2.1:80 proto tcp "
	expect "$OK dest add 192.0.2.1:80 proto tcp 10.0.0.9 " weight state tag-id
	expect "$OK dest add [2001:db8::1]:443 proto sctp [2001:db8::11]:443 state " \
		active maint drain down
	expect "$OK dest set 192.0.2.1:80 proto tcp 10.0.0.1:80 weight 3 " state tag-id if-state
	expect "$OK dest set 192.0.2.1:80 proto tcp 10.0.0.1:80 state down if-state " active maint drain down
	expect "$OK dest wait 192.0.2.1:80 proto tcp 10.0.0.2:8080 " empty
	expect "$OK dest wait 192.0.2.1:80 proto tcp 10.0.0.2:8080 empty " timeout
	expect "$OK assoc export 192.0.2.10:3868 198.51.100.1:40000 " timeout
	expect "$OK migrate start 192.0.2.2:3868 proto sctp " vtag peer to timeout
	expect "$OK migrate 192.0.2.2:3868 proto sctp vtag 1 " to timeout
	expect "$OK migrate 192.0.2.2:3868 proto sctp peer 198.51.100.1:40000 timeout 9 " to
	expect "$OK migrate commit 192.0.2.2:3868 proto sctp " vtag peer
	expect "$OK migrate abort 192.0.2.2:3868 proto sctp peer 198.51.100.1:40000 "
	expect "$OK conn add 192.0.2.2:3868 proto sctp "
	expect "$OK conn add 192.0.2.2:3868 proto sctp 198.51.100.1:40000 " vtag peer-vtag dest
	expect "$OK conn add 192.0.2.2:3868 proto sctp 198.51.100.1:40000 vtag 1 " peer-vtag dest
	expect "$OK conn add 192.0.2.2:3868 proto sctp 198.51.100.1:40000 dest 10.0.0.1 vtag 1 " peer-vtag

	# Dests from the kernel.
	: >"$tmp/calls"
	expect "$OK dest set 192.0.2.1:80 proto tcp " 10.0.0.1:80 10.0.0.2:8080
	if grep -qx 'dest show 192.0.2.1:80 proto tcp' "$tmp/calls"; then
		ok "dests asked with 'dest show VIP proto P'"
	else
		not_ok "the fake was called with: $(tr '\n' ';' <"$tmp/calls")"
	fi
	expect "$OK dest del 192.0.2.1:80 proto tcp 10.0.0.2:" 8080
	expect "$OK dest del 192.0.2.1:80 proto udp "
	expect "$OK dest del [2001:db8::1]:443 proto sctp " '[2001:db8::10]:443'
	expect "$OK dest del [2001:db8::1]:443 proto sctp [2001:db8::10]:" 443
	expect "$OK vip bypass-active 192.0.2.2:3868 proto sctp " 10.0.0.3:3868
	expect "$OK migrate 192.0.2.2:3868 proto sctp vtag 1 to " 10.0.0.3:3868
	expect "$OK conn add 192.0.2.2:3868 proto sctp 198.51.100.1:40000 dest " \
		10.0.0.3:3868
	expect "$OK migrate start [2001:db8::1]:443 proto sctp peer [2001:db8::2]:5 to [" \
		'[2001:db8::10]:443'

	# Associations from the kernel.
	expect "$OK assoc export " 192.0.2.10:3868 '[2001:db8::10]:3868' help
	expect "$OK assoc resume 192.0.2.10:3868 " 198.51.100.1:40000 198.51.100.2:40001
	expect "$OK assoc release [2001:db8::10]:3868 [" '[2001:db8::1]:40000'
	expect "$OK assoc release 192.0.2.10:3868 198.51.100.1:40000 "

	# Files.
	cd "$tmp/files" || exit 1
	expect "$OK restore c" conf1.lbnl conf2.lbnl
	expect_has "$OK restore " conf1.lbnl conf2.lbnl sub help
	expect "$OK assoc import -j c" conf1.lbnl conf2.lbnl
	expect "$OK tag set key-file c" conf1.lbnl conf2.lbnl
	expect "$OK tag set server-id 7 key-file conf" conf1.lbnl conf2.lbnl
	expect "$OK restore conf1.lbnl "
	cd - >/dev/null || exit 1

	# Which lbnl is asked: the line's, else lbnl from PATH.
	PATH=$tmp/ok:$PATH expect "lbnl vip del " "${VIPS[@]}" help
	PATH=$tmp/ok:$PATH expect "$tmp/none/lbnl vip del " "${VIPS[@]}" help
	PATH=$tmp/fail:$PATH expect "lbnl dest set 192.0.2.1:80 proto tcp "

	# A failing lbnl: no kernel completion, nothing printed.
	expect "$FAIL vip del " help
	expect "$FAIL vip del 192.0.2.1:80 proto " tcp udp sctp
	expect "$FAIL dest del 192.0.2.1:80 proto tcp "
	expect "$FAIL migrate " start commit abort show help
	expect "$FAIL migrate 192.0.2.2:3868 proto sctp vtag 1 to "
	expect "$FAIL assoc export " help
	expect "$FAIL assoc export 192.0.2.10:3868 "
	expect "$tmp/none/lbnl-none vip del " help

	check_help
	echo "$pass $fail" >"$tmp/count.$mode"
}

modes=plain
if [ -r "$helpers" ]; then
	modes+=" helpers"
else
	echo "# $helpers not found: checked without the bash-completion helpers only"
fi
for m in $modes; do
	(suite "$m")
done

# The fake's format is the real one: the text printers of vip show,
# dest show and assoc show print what the fake does, in that order.
mode=format
# calls FILE FUNCTION: the printing calls in FUNCTION, on one line.
calls()
{
	sed -n "/^[a-z].*[ *]$2(/,/^}/p" "$src/$1" | tail -n +2 |
		grep -oE 'print_text\("[^"]*"\)|print_vip_key|print_dest_emptying|print_dest|print_assoc_key|lbnl_print_addr_port|lbnl_format_addr_port|" (proto|peer) %s"' |
		tr '\n' ' '
}
check_calls()
{
	local got

	got=$(calls "$1" "$2")
	if [ "${got% }" = "$3" ]; then
		ok "$1 $2: $3"
	else
		not_ok "$1 $2 prints '$got', the fake lbnl expects '$3'"
	fi
}
check_calls vip.c print_vip_entry 'print_text("vip ") print_vip_key print_text("  dest ") print_dest'
check_calls dest.c print_dest_entry 'print_text("vip ") print_vip_key print_text(" dest ") print_dest print_dest_emptying'
check_calls assoc.c print_assoc_entry 'print_text("assoc ") print_assoc_key'
check_calls print.c print_vip_key 'lbnl_print_addr_port " proto %s"'
check_calls print.c print_dest 'lbnl_print_addr_port'
check_calls print.c print_assoc_key 'lbnl_format_addr_port " peer %s" lbnl_format_addr_port'

for m in $modes; do
	if ! [ -r "$tmp/count.$m" ]; then
		not_ok "the $m checks did not finish"
		continue
	fi
	read -r p f <"$tmp/count.$m"
	pass=$((pass + p)) fail=$((fail + f))
done
echo "test_completion: $((pass + fail)) checks, $fail failed"
[ "$fail" = 0 ]
