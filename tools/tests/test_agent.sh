#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_agent.sh AGENT MANPAGE UNIT: lbnl-agent's command line, its TLS
# identity checks (a missing, group-readable or another user's key file, an
# expired certificate, an LB's certificate stop it), who may send it what
# (no TLS, no certificate, an unknown CA's or an expired one, an agent's
# MIGRATE, a TRANSFER from or to a host its certificate does not name, an
# LB's TRANSFER: all refused and logged), its bounds on
# unauthenticated connections (1000 idle and 1000 slow ones: its threads
# and memory stay bounded, a real session still completes; needs
# lbnl-ctl-probe next to this script), its man page (renders without groff
# warnings, documents every option of --help and every configuration
# keyword) and its systemd unit.

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

# TLS identity: test certificates (mkcert.sh).
here=$(dirname "$0")
c=$tmp/certs
"$here/mkcert.sh" ca "$c"
"$here/mkcert.sh" cert "$c" srv1 agent 1 127.0.0.1
"$here/mkcert.sh" cert "$c" old agent -1 127.0.0.1
"$here/mkcert.sh" cert "$c" lb lb 1
"$here/mkcert.sh" cert "$c" srv3 agent 1 127.0.0.3
"$here/mkcert.sh" cert "$c" oldlb lb -1
"$here/mkcert.sh" ca "$c/alien"
"$here/mkcert.sh" cert "$c/alien" lb lb 1
cp "$c/alien/lb.pem" "$c/alienlb.pem"
cp "$c/alien/lb.key" "$c/alienlb.key"
ident() { echo -A "$c/ca.pem" -C "$c/$1.pem" -k "$c/${2:-$1}.key"; }
# An agent that starts (a check missing) would not return: 5 s at most.
agent_t() { timeout 5 "$agent" "$@"; }
prog=agent_t
# shellcheck disable=SC2046
{
expect 1 '' "$tmp/none: No such file" -f $(ident srv1) -k "$tmp/none" \
	-l 127.0.0.1:0
chmod 640 "$c/srv1.key"
expect 1 '' "srv1.key: readable by others than its owner" -f $(ident srv1) \
	-l 127.0.0.1:0
chmod 600 "$c/srv1.key"
if [ "$(ident -u 2>/dev/null || echo 0)" = 0 ] 2>/dev/null ||
   [ "$EUID" = 0 ]; then
	chown 65534 "$c/srv1.key"
	expect 1 '' "srv1.key: owned by uid 65534" -f $(ident srv1) \
		-l 127.0.0.1:0
	chown 0 "$c/srv1.key"
fi
expect 1 '' "old.pem: the certificate has expired" -f $(ident old) \
	-l 127.0.0.1:0
expect 1 '' "lb.pem: not an agent's certificate" -f $(ident lb) \
	-l 127.0.0.1:0
expect 1 '' "not the key of" -f $(ident srv1 lb) -l 127.0.0.1:0
}
prog=$agent

# Unauthenticated connections cost no thread and bounded memory: 1000
# idle and 1000 slow ones (a byte every 250 ms) for 14 s; meanwhile a real
# session (an LB's MIGRATE for an association that does not exist here:
# the agent answers a failed RESULT) completes.
probe=$here/lbnl-ctl-probe
port=$((20000 + RANDOM % 20000))
if [ -x "$probe" ]; then
	# shellcheck disable=SC2046
	"$agent" -f $(ident srv1) -l "127.0.0.1:$port" -a "$tmp/apps.sock" \
		>"$tmp/agent.log" 2>&1 &
	apid=$!
	for _ in $(seq 50); do
		grep -q listening "$tmp/agent.log" && break
		sleep 0.1
	done
	# Who may send what (the probe's attack exits 0 if refused).
	for a in "plain -" "nocert -" "alienlb" "oldlb" "srv3" \
		 "srv3 --type transfer --source 127.0.0.1 --target 127.0.0.1" \
		 "srv3 --type transfer --source 127.0.0.3 --target 127.0.0.3" \
		 "lb --type transfer --source 127.0.0.3 --target 127.0.0.1"; do
		# shellcheck disable=SC2086
		set -- $a
		if [ "$2" = - ]; then
			"$probe" "127.0.0.1:$port" "$1" >"$tmp/probe" 2>&1
		else
			who=$1
			shift
			# shellcheck disable=SC2046
			"$probe" $(ident "$who") "127.0.0.1:$port" attack "$@" \
				>"$tmp/probe" 2>&1
		fi
		# shellcheck disable=SC2181
		[ $? = 0 ] && ok || not_ok "$a: $(cat "$tmp/probe")"
	done
	for what in "certificate has expired" "unable to get local issuer" \
		    "peer did not return a certificate" \
		    "a migrate needs an LB's certificate" \
		    "does not name the source dest 127.0.0.1" \
		    "target dest 127.0.0.3 is not this host's" \
		    "a transfer needs an agent's certificate"; do
		grep -q "$what" "$tmp/agent.log" && ok ||
			not_ok "the agent did not log '$what'"
	done

	"$probe" "127.0.0.1:$port" flood 1000 1000 14 >"$tmp/flood" 2>&1 &
	fpid=$!
	maxt=0 maxr=0 session=
	for i in $(seq 50); do
		sleep 0.25
		t=$(awk '/^Threads:/ { print $2 }' "/proc/$apid/status")
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$apid/status")
		[ "${t:-0}" -gt "$maxt" ] && maxt=$t
		[ "${r:-0}" -gt "$maxr" ] && maxr=$r
		if [ "$i" = 8 ]; then
			# shellcheck disable=SC2046
			session=$("$probe" $(ident lb) "127.0.0.1:$port" attack 2>&1)
		fi
	done
	wait "$fpid"
	kill "$apid"
	wait "$apid" 2>/dev/null
	echo "# flood: $(tail -n 1 "$tmp/flood" | sed 's/^flood: //')"
	echo "# agent: at most $maxt threads, $maxr kB resident"
	# Every connection that got through was closed; most got through.
	read -r ci ui cs us < <(sed -nE 's/.*closed ([0-9]+) of ([0-9]+) idle and ([0-9]+) of ([0-9]+) slow.*/\1 \2 \3 \4/p' "$tmp/flood")
	[ "${ui:-0}" -ge 900 ] && [ "${us:-0}" -ge 900 ] &&
		[ "$ci" = "$ui" ] && [ "$cs" = "$us" ] && ok ||
		not_ok "flood: $(cat "$tmp/flood")"
	# The main thread, the gate, the apps' thread, a session or two.
	[ "$maxt" -le 8 ] && ok || not_ok "flood: $maxt threads"
	[ "$maxr" -le 32768 ] && ok || not_ok "flood: $maxr kB resident"
	grep -q "answered result" <<<"$session" && ok ||
		not_ok "no session during the flood: $session"
	grep -q "dropped" "$tmp/agent.log" && ok ||
		not_ok "flood: no summary in the log: $(tail -n 5 "$tmp/agent.log")"
else
	echo "# $probe not built: flood not tested"
fi

# The man page documents every option --help lists and every keyword.
if command -v groff >/dev/null; then
	warnings=$(groff -man -Tascii -ww -z "$page" 2>&1)
	[ -z "$warnings" ] && ok || not_ok "groff warnings: $warnings"
	text=$(groff -man -Tascii -P-c -P-b -P-u -P-o "$page" 2>/dev/null)
	for word in $("$agent" --help | grep -oE -- '--[a-z-]+' | sort -u) \
			listen key-file cert-file ca-file name app-socket \
			export-timeout-ms \
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
