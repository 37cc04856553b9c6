#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_metrics.sh TEST_METRICS EXPECTED LBNLD DASHBOARD: lbnld's Prometheus
# metrics without a module.
#  - test_metrics's checks (counting, escaping), and its rendering of a
#    fixed snapshot, compared with EXPECTED and checked by Prometheus's
#    own promtool ("promtool check metrics": syntax and naming
#    conventions), if installed (Debian: prometheus);
#  - the Grafana DASHBOARD: JSON, its queries valid PromQL (promtool check
#    rules, Grafana's variables replaced) naming only metrics of EXPECTED;
#  - when the lbnl family is absent (nothing to route), lbnld itself with
#    curl: /metrics over HTTP (status, content type, promtool again), 404
#    and 405, metrics-listen changed and turned off by SIGHUP, a port in
#    use (lbnld goes on without metrics), SIGTERM.
# The VM test selftests/metrics.sh has Prometheus scrape a loaded module.

usage="usage: test_metrics.sh TEST_METRICS METRICS.EXPECTED LBNLD DASHBOARD.JSON"
bin=${1:?$usage}
expected=${2:?$usage}
lbnld=${3:?$usage}
dashboard=${4:?$usage}
tmp=$(mktemp -d)
pids=()
cleanup()
{
	local p

	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
out=$tmp/out err=$tmp/err
# shellcheck source=expect.sh
. "$(dirname "$0")/expect.sh"

"$bin" >"$out" 2>&1 && ok || not_ok "$(cat "$out")"
"$bin" render >"$tmp/render" 2>"$err" && ok || not_ok "render: $(cat "$err")"
diff -u "$expected" "$tmp/render" >"$tmp/diff" && ok ||
	not_ok "the rendering differs from $expected: $(cat "$tmp/diff")"

if command -v promtool >/dev/null; then
	have_promtool=1
	promtool check metrics <"$tmp/render" >"$out" 2>&1 && ok ||
		not_ok "promtool check metrics: $(cat "$out")"
else
	have_promtool=
	echo "# promtool not installed (Debian: prometheus): format not checked"
fi

# The dashboard: each query as a recording rule for promtool; every
# lbnl_ name in it is one EXPECTED has.
python3 - "$dashboard" "$expected" >"$tmp/rules.yml" 2>"$err" <<'PY'
import json, re, sys

dash = json.load(open(sys.argv[1]))
served = set(re.findall(r'^# TYPE (lbnl_\w+)', open(sys.argv[2]).read(), re.M))
exprs = []

def walk(panels):
    for p in panels:
        walk(p.get('panels', []))
        exprs.extend(t['expr'] for t in p.get('targets', []))

walk(dash['panels'])
exprs += [v['definition'] for v in dash['templating']['list']
          if v.get('type') == 'query']
print('groups:\n  - name: dashboard\n    rules:')
for i, e in enumerate(exprs):
    for name in re.findall(r'\blbnl_\w+', e):
        if re.sub(r'_(bucket|sum|count)$', '', name) not in served and \
           name not in served:
            sys.exit('%s: not a metric lbnld serves' % name)
    m = re.match(r'label_values\((.*), *\w+\)$', e)
    if m:
        e = m.group(1)
    e = (e.replace('$__rate_interval', '1m').replace('$__range', '1h')
          .replace('$instance', '.*').replace('$vip', '.*'))
    print('      - record: dashboard:query%d' % i)
    print('        expr: %s' % json.dumps(e))
PY
[ $? = 0 ] && [ -s "$tmp/rules.yml" ] && ok ||
	not_ok "dashboard $dashboard: $(cat "$err")"
if [ -n "$have_promtool" ]; then
	promtool check rules "$tmp/rules.yml" >"$out" 2>&1 && ok ||
		not_ok "dashboard queries: $(cat "$out")"
fi

lbnl=$(dirname "$0")/../lbnl/lbnl

# free_port: a TCP port of 127.0.0.1 nothing listens on now.
free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

# wait_log FILE REGEX: FILE has a line matching REGEX (within 5 s).
wait_log()
{
	local i

	for i in $(seq 50); do
		grep -Eq -- "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

# get URL [CURL-OPTIONS...]: the status in $tmp/status, the headers in
# $tmp/headers, the body in $tmp/body; fails if nothing answered.
get()
{
	local url=$1

	shift
	curl -sS -m 5 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' \
		"$@" "$url" >"$tmp/status" 2>"$err"
}

if ! command -v curl >/dev/null; then
	echo "# curl not installed: lbnld's HTTP server not tested"
elif ! "$lbnl" vip show 2>&1 | grep -q 'not loaded'; then
	echo "# lbnl family present: the daemon is not started here"
else
	port=$(free_port)
	printf 'log stderr\nstate-dir %s/state\nmetrics-listen 127.0.0.1:%s\n' \
		"$tmp" "$port" >"$tmp/lbnld.conf"
	"$lbnld" -f -c "$tmp/lbnld.conf" 2>"$tmp/log" &
	pid=$!
	pids+=("$pid")
	base=http://127.0.0.1:$port
	wait_log "$tmp/log" "lbnld: metrics on $base/metrics\$" && ok ||
		not_ok "lbnld does not say where it serves metrics: $(cat "$tmp/log")"

	get "$base/metrics" && [ "$(cat "$tmp/status")" = 200 ] &&
		grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$tmp/headers" &&
		grep -qx 'lbnl_module_loaded 0' "$tmp/body" &&
		grep -qx 'lbnl_migrations_started_total 0' "$tmp/body" &&
		! grep -q '^lbnl_packets_in_total' "$tmp/body" && ok ||
		not_ok "GET /metrics: $(cat "$tmp/status" "$err" "$tmp/headers" "$tmp/body")"
	if [ -n "$have_promtool" ]; then
		promtool check metrics <"$tmp/body" >"$out" 2>&1 && ok ||
			not_ok "promtool check metrics (served): $(cat "$out")"
	fi
	head=$(curl -sS -m 5 -I -o /dev/null -w '%{http_code} %{size_download}' \
		"$base/metrics" 2>"$err")
	[ "$head" = "200 0" ] && ok || not_ok "HEAD /metrics: $head $(cat "$err")"
	get "$base/" && [ "$(cat "$tmp/status")" = 404 ] && ok ||
		not_ok "GET /: $(cat "$tmp/status" "$err")"
	get "$base/metrics" -X POST -d x=1 &&
		[ "$(cat "$tmp/status")" = 405 ] &&
		grep -qi '^Allow: GET, HEAD' "$tmp/headers" && ok ||
		not_ok "POST /metrics: $(cat "$tmp/status" "$err" "$tmp/headers")"

	# Another lbnld on the same port: no metrics, but it runs.
	printf 'log stderr\nstate-dir %s/state2\nmetrics-listen 127.0.0.1:%s\nlisten 127.0.0.1:%s\n' \
		"$tmp" "$port" "$(free_port)" >"$tmp/second.conf"
	"$lbnld" -f -c "$tmp/second.conf" 2>"$tmp/log2" &
	pid2=$!
	pids+=("$pid2")
	wait_log "$tmp/log2" "metrics: cannot serve $base/metrics \(see above\): not served until the next SIGHUP\$" &&
		wait_log "$tmp/log2" 'not loaded' && kill -0 "$pid2" && ok ||
		not_ok "port in use: $(cat "$tmp/log2")"
	kill -TERM "$pid2"
	wait "$pid2" && ok || not_ok "second lbnld: exit $?: $(cat "$tmp/log2")"

	# SIGHUP: another port, then none.
	port2=$(free_port)
	sed -i "s/^metrics-listen .*/metrics-listen 127.0.0.1:$port2/" \
		"$tmp/lbnld.conf"
	kill -HUP "$pid"
	wait_log "$tmp/log" "lbnld: metrics on http://127.0.0.1:$port2/metrics\$" &&
		get "http://127.0.0.1:$port2/metrics" &&
		[ "$(cat "$tmp/status")" = 200 ] &&
		! get "$base/metrics" && ok ||
		not_ok "SIGHUP to port $port2: $(cat "$tmp/log")"
	sed -i 's/^metrics-listen .*/metrics-listen none/' "$tmp/lbnld.conf"
	kill -HUP "$pid"
	wait_log "$tmp/log" 'metrics-listen none: /metrics no longer served$' &&
		! get "http://127.0.0.1:$port2/metrics" && ok ||
		not_ok "SIGHUP to none: $(cat "$tmp/log")"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] && ok || not_ok "SIGTERM: exit $rc: $(cat "$tmp/log")"
fi

echo "test_metrics.sh: $((pass + fail)) checks, $fail failed"
[ "$fail" = 0 ]
