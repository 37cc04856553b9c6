#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_agent.sh AGENT MANPAGE UNIT: lbnl-agent's command line, its key
# checks (a missing, short or group-readable key file stops it), its man
# page (renders without groff warnings, documents every option of --help
# and every configuration keyword) and its systemd unit.

agent=${1:?usage: test_agent.sh PATH/TO/lbnl-agent PATH/TO/lbnl-agent.8 PATH/TO/lbnl-agent.service}
page=${2:?usage: test_agent.sh PATH/TO/lbnl-agent PATH/TO/lbnl-agent.8 PATH/TO/lbnl-agent.service}
unit=${3:?usage: test_agent.sh PATH/TO/lbnl-agent PATH/TO/lbnl-agent.8 PATH/TO/lbnl-agent.service}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prog=$agent out=$tmp/out err=$tmp/err
# shellcheck source=expect.sh
. "$(dirname "$0")/expect.sh"

expect 0 '^Usage: lbnl-agent \[-f\] \[-v\] \[-c CONF\]' '' --help
expect 0 '^Usage: lbnl-agent' '' -h
expect 0 '^lbnl-agent [0-9]' '' -V
expect 2 '' 'invalid option' -x
expect 2 '' 'unrecognized option' --bogus

# Keys: missing, too short, readable by others.
expect 1 '' "$tmp/none" -f -k "$tmp/none" -l 127.0.0.1:0
(umask 077; echo 0011 > "$tmp/short")
expect 1 '' "$tmp/short" -f -k "$tmp/short" -l 127.0.0.1:0
(umask 022; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$tmp/open")
expect 1 '' "$tmp/open" -f -k "$tmp/open" -l 127.0.0.1:0

# The man page documents every option --help lists and every keyword.
if command -v groff >/dev/null; then
	warnings=$(groff -man -Tascii -ww -z "$page" 2>&1)
	[ -z "$warnings" ] && ok || not_ok "groff warnings: $warnings"
	text=$(groff -man -Tascii -P-c -P-b -P-u -P-o "$page" 2>/dev/null)
	for word in $("$agent" --help | grep -oE -- '--[a-z-]+' | sort -u) \
			listen key-file name app-socket export-timeout-ms \
			SIGTERM lbnld; do
		grep -qF -- "$word" <<<"$text" && ok ||
			not_ok "man page does not mention $word"
	done
fi

# The unit starts the agent in the foreground from where make install puts it.
grep -q '^ExecStart=/usr/local/sbin/lbnl-agent -f' "$unit" && ok ||
	not_ok "$unit: no 'ExecStart=/usr/local/sbin/lbnl-agent -f'"

echo "test_agent.sh: $((pass + fail)) checks, $fail failed"
[ "$fail" -eq 0 ]
