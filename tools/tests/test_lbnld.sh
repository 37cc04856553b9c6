#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_lbnld.sh LBNLD MANPAGE UNIT: lbnld's command line and configuration
# errors (-t), its man page (renders without groff warnings, documents
# every option and keyword), its systemd unit, and - when the lbnl family
# is absent, so that nothing gets routed - the daemon itself: it waits for
# the module, reloads on SIGHUP (keeping its configuration if the new one
# is bad) and stops on SIGTERM.

lbnld=${1:?usage: test_lbnld.sh PATH/TO/lbnld PATH/TO/lbnld.8 PATH/TO/lbnld.service}
page=${2:?usage: test_lbnld.sh PATH/TO/lbnld PATH/TO/lbnld.8 PATH/TO/lbnld.service}
unit=${3:?usage: test_lbnld.sh PATH/TO/lbnld PATH/TO/lbnld.8 PATH/TO/lbnld.service}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
prog=$lbnld out=$tmp/out err=$tmp/err
# shellcheck source=expect.sh
. "$(dirname "$0")/expect.sh"

# conf_bad ERROR-REGEX TEXT: lbnld -t refuses TEXT with ERROR (exit 1).
conf_bad()
{
	printf '%b' "$2" >"$tmp/bad.conf"
	expect 1 '' "^Error: $tmp/bad.conf:$1\$" -t -c "$tmp/bad.conf"
}

expect 0 '^Usage: lbnld \[-f\] \[-v\] \[-c FILE\] \[-t\]$' '' --help
expect 0 '^Usage: lbnld' '' -h
expect 0 '^lbnld [0-9]' '' -V
expect 0 '^lbnld [0-9]' '' --version
expect 2 '' "^Error: unknown option '-x'" -x
expect 2 '' "^Error: unknown option '--bogus'" --bogus
expect 2 '' "^Error: option '-c' needs a file" -c
expect 2 '' "^Error: option '-s' needs a directory" -s
expect 2 '' "^Error: option '-s' needs an absolute path" -s state -t
expect 2 '' "^Error: unexpected argument 'now'" -f now
expect 1 '' '^Error: /nonexistent/lbnld.conf: No such file or directory$' \
	-t -c /nonexistent/lbnld.conf

printf '# lbnld\ntable 4242\nprotocol 77\nself-dev lo\nlog stderr\nstate-dir %s\n' \
	"$tmp/state" >"$tmp/ok.conf"
expect 0 "^$tmp/ok.conf: configuration OK: driver table: table 4242, protocol 77, self-dev lo\$" '' \
	-t -c "$tmp/ok.conf"
printf 'driver hook\nhook /bin/true\n' >"$tmp/hook.conf"
expect 0 'configuration OK: driver hook /bin/true \(hook-timeout 10 s\)$' '' \
	--test-config --config "$tmp/hook.conf"
conf_bad "2: unknown keyword 'tabel'" 'table 100\ntabel 101\n'
conf_bad "3: 'table' given twice \(first on line 1\)" 'table 100\n\ntable 101\n'
conf_bad "1: invalid table '254'.*" 'table 254\n'
conf_bad "1: invalid driver 'bird', expected table or hook" 'driver bird # comment\n'
conf_bad " 'driver hook' needs a 'hook' command" 'driver hook\n'
conf_bad "1: unexpected 'x' after 'log stderr'" 'log stderr x\n'
conf_bad "1: invalid state-dir 'var/lib/lbnl': an absolute path is needed" \
	'state-dir var/lib/lbnl\n'
conf_bad "1: invalid restore-file 'lbnl.conf': an absolute path is needed" \
	'restore-file lbnl.conf\n'
conf_bad "1: invalid tag-key-file 'tag.key': an absolute path is needed" \
	'tag-key-file tag.key\n'
conf_bad "1: invalid cli 'lbnl': an absolute path is needed" 'cli lbnl\n'
conf_bad "1: invalid ready-timeout '0': a number of seconds from 1 to 3600" \
	'ready-timeout 0\n'
conf_bad "1: invalid on-stop 'drain', expected withdraw or keep" \
	'on-stop drain\n'
conf_bad "1: invalid metrics-listen 'localhost:9642': not an IPv4 or IPv6 address" \
	'metrics-listen localhost:9642\n'
conf_bad "2: invalid rise '0': a number from 1 to 100" \
	'table 100\ncheck 192.0.2.1:80 proto tcp 10.0.0.1 tcp rise 0\n'
conf_bad "1: unknown checker 'ping', expected tcp, sctp, sctp heartbeat, http, https or command" \
	'check 192.0.2.1:80 proto tcp 10.0.0.1 ping\n'
printf 'check 192.0.2.1:80 proto tcp 10.0.0.1 tcp\ncheck 192.0.2.1:80 proto tcp 10.0.0.2 command "exit 0" # ok\n' \
	>"$tmp/checks.conf"
expect 0 'configuration OK: driver table: table 100, protocol 76, self-dev lo; 2 health checks$' '' \
	-t -c "$tmp/checks.conf"
conf_bad "2: group: expected \"etcd URL\"" 'table 100\ngroup zookeeper x\n'
conf_bad "1: group etcd: 'etcd.example' is not an http:// or https:// URL" \
	'group etcd etcd.example\n'
conf_bad "1: group: 'name' needs a value" 'group etcd http://192.0.2.50:2379 name\n'
conf_bad "1: group: cert-file and key-file go together" \
	'group etcd https://192.0.2.50:2379 cert-file /etc/lbnl/cert.pem\n'
conf_bad "2: 'group' given twice \(first on line 1\)" \
	'group etcd http://192.0.2.50:2379\ngroup etcd http://192.0.2.51:2379\n'
conf_bad " 'group' and 'restore-file' \(line 1\) exclude each other: .*" \
	'restore-file /etc/lbnl/lbnl.conf\ngroup etcd http://192.0.2.50:2379\n'
printf 'group etcd http://192.0.2.50:2379/ prefix /lbnl/web/ name lb1 # the group\ntag-key-file /etc/lbnl/tag.key\n' \
	>"$tmp/group.conf"
expect 0 'configuration OK: .*; group etcd http://192.0.2.50:2379 prefix /lbnl/web$' '' \
	-t -c "$tmp/group.conf"
printf 'restore-file /etc/lbnl/lbnl.conf\ntag-key-file /etc/lbnl/tag.key\ncli /usr/sbin/lbnl\nready-timeout 5\non-stop keep\nmetrics-listen none\n' \
	>"$tmp/ready.conf"
expect 0 'configuration OK' '' -t -c "$tmp/ready.conf"

# The man page: no groff warnings, every option and keyword documented.
if command -v groff >/dev/null; then
	warnings=$(groff -man -Tascii -ww -z "$page" 2>&1)
	[ -z "$warnings" ] && ok || not_ok "groff warnings: $warnings"
	text=$(groff -man -Tascii -P-c -P-b -P-u -P-o "$page" 2>/dev/null)
	for word in --config --foreground --test-config --verbose --help \
			--version table protocol driver hook hook-timeout \
			self-dev log key-file cert-file ca-file state-dir migrated.json \
			restore-file tag-key-file cli ready-timeout on-stop \
			group prefix "LB GROUP" "lbnl sync" \
			metrics-listen 127.0.0.1:9642 /metrics \
			check interval timeout rise fall status verify \
			"HEALTH CHECKS" \
			SIGHUP SIGTERM "next hop keep" \
			"kernel table 100" learn bypass unbypass self withdraw; do
		grep -q -- "$word" <<<"$text" && ok ||
			not_ok "lbnld.8 does not mention '$word'"
	done
	for opt in $("$lbnld" --help | grep -Eo -- '--[a-z-]+'); do
		grep -q -- "$opt" <<<"$text" && ok ||
			not_ok "lbnld.8 does not document $opt"
	done
else
	echo "# groff not installed: man page not checked"
fi

# The unit runs lbnld in the foreground, restarts it, reloads with SIGHUP.
for line in '^Type=simple$' '^ExecStart=/usr/local/sbin/lbnld -f$' \
		'^StateDirectory=lbnl$' '^StateDirectoryMode=0700$' \
		'^Restart=always$' '^ExecReload=/bin/kill -HUP \$MAINPID$' \
		'^WantedBy=multi-user.target$'; do
	grep -Eq -- "$line" "$unit" && ok || not_ok "$unit: no line /$line/"
done

# wait_log REGEX: the daemon's log has a line matching REGEX (within 5 s).
wait_log()
{
	local i

	for i in $(seq 50); do
		grep -Eq -- "$1" "$tmp/log" && return 0
		sleep 0.1
	done
	return 1
}

if "$(dirname "$0")/../lbnl/lbnl" vip show 2>&1 | grep -q 'not loaded'; then
	# A records file that is not one: moved aside, said, lbnld goes on.
	mkdir -p "$tmp/state"
	echo '{"version": 1, "records": [' >"$tmp/state/migrated.json"
	"$lbnld" -f -c "$tmp/ok.conf" 2>"$tmp/log" &
	pid=$!
	wait_log 'lbnld: lbnld [0-9.]+ starting: driver table: table 4242, protocol 77, self-dev lo$' &&
		wait_log 'lbnld: the lbnl module is not loaded \(no generic netlink family lbnl\): retrying every second$' &&
		ok || not_ok "lbnld does not say it waits for the module: $(cat "$tmp/log")"
	grep -q "migrated.json: not a records file (line 2: .*): moved to $tmp/state/migrated.json.corrupt-[0-9]*; the migrated associations it recorded are not installed again" "$tmp/log" &&
		[ ! -e "$tmp/state/migrated.json" ] &&
		[ -n "$(find "$tmp/state" -name 'migrated.json.corrupt-*')" ] &&
		ok || not_ok "corrupt records file: $(cat "$tmp/log"; ls "$tmp/state")"
	printf 'table 4243\n' >"$tmp/ok.conf"
	kill -HUP "$pid"
	wait_log 'configuration reloaded: driver table: table 4243, protocol 76, self-dev lo$' &&
		wait_log 'the routes in table 4242 \(protocol 77\) are left in place' &&
		ok || not_ok "SIGHUP: no reload: $(cat "$tmp/log")"
	printf 'table 0\n' >"$tmp/ok.conf"
	kill -HUP "$pid"
	wait_log "ok.conf:1: invalid table '0'.*: keeping the configuration in use$" &&
		ok || not_ok "SIGHUP with a bad file: $(cat "$tmp/log")"
	# A check runs (nobody on 127.0.0.1:1; no module to tell); a bad
	# check line on reload is refused and the check goes on.
	printf 'table 4243\ncheck 192.0.2.1:80 proto tcp 127.0.0.1:1 tcp interval 100 timeout 50 fall 1\n' \
		>"$tmp/ok.conf"
	kill -HUP "$pid"
	wait_log 'configuration reloaded: .*; 1 health check$' &&
		wait_log 'check tcp 192.0.2.1:80 dest 127.0.0.1:1 \(tcp\): down after 1 failure in a row: Connection refused$' &&
		wait_log 'check tcp 192.0.2.1:80 dest 127.0.0.1:1 \(tcp\): the lbnl module is absent: retried at each probe$' &&
		ok || not_ok "a check: $(cat "$tmp/log")"
	printf 'table 4243\ncheck 192.0.2.1:80 proto tcp 127.0.0.1:1 tcp interval 100 timeout 50 fall 1\ncheck 192.0.2.1:80 proto tcp 127.0.0.1:2 http ftp://x\n' \
		>"$tmp/ok.conf"
	kill -HUP "$pid"
	wait_log "ok.conf:3: invalid http URL 'ftp://x': http://... or a path \(/...\) expected: keeping the configuration in use$" &&
		ok || not_ok "SIGHUP with a bad check: $(cat "$tmp/log")"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=
	[ "$rc" = 0 ] &&
		grep -q 'signal 15: stopping; withdrawing the routes (on-stop withdraw)' "$tmp/log" &&
		grep -q 'on-stop withdraw: 0 of 0 routes removed' "$tmp/log" &&
		[ "$(grep -c 'not loaded' "$tmp/log")" = 1 ] && ok ||
		not_ok "SIGTERM: exit $rc: $(cat "$tmp/log")"
	# on-stop keep: nothing removed.
	printf 'table 4243\non-stop keep\nstate-dir %s\n' "$tmp/state" \
		>"$tmp/keep.conf"
	"$lbnld" -f -c "$tmp/keep.conf" 2>"$tmp/log" &
	pid=$!
	wait_log 'not loaded' || true
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=
	[ "$rc" = 0 ] &&
		grep -q 'signal 15: stopping; routes left in place (on-stop keep' "$tmp/log" &&
		! grep -q 'on-stop withdraw' "$tmp/log" && ok ||
		not_ok "SIGTERM, on-stop keep: exit $rc: $(cat "$tmp/log")"
	# Start, SIGHUP, SIGTERM (withdraw) under valgrind's memcheck: no
	# invalid or uninitialized use (leaks are not counted: the exit path
	# frees what it can, libnl and OpenSSL keep some).
	if command -v valgrind >/dev/null; then
		printf 'table 4243\nstate-dir %s\ncheck 192.0.2.1:80 proto tcp 127.0.0.1:1 tcp interval 100 timeout 50\ncheck 192.0.2.1:80 proto tcp 127.0.0.2 command true interval 100 timeout 90\n' \
			"$tmp/state" >"$tmp/vg.conf"
		valgrind -q --error-exitcode=99 --leak-check=no \
			--log-file="$tmp/valgrind" "$lbnld" -f -c "$tmp/vg.conf" \
			2>"$tmp/log" &
		pid=$!
		wait_log 'not loaded' || true
		kill -HUP "$pid"
		wait_log 'configuration reloaded' || true
		kill -TERM "$pid"
		wait "$pid"
		rc=$?
		pid=
		[ "$rc" = 0 ] && grep -q 'on-stop withdraw: 0 of 0 routes removed' "$tmp/log" &&
			ok || not_ok "lbnld under valgrind: exit $rc: $(head -c 2000 "$tmp/valgrind")"
	else
		echo "# valgrind not installed: lbnld not run under memcheck"
	fi
else
	echo "# lbnl family present: the daemon is not started here"
fi

echo "test_lbnld.sh: $((pass + fail)) checks, $fail failed"
[ "$fail" = 0 ]
