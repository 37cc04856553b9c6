# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# agents.sh: the migration's control plane for the tests, bench and demo:
# lbnl-agent on servers, lbnld on the LB, the cluster's CA and each host's
# key and certificate, the migration-aware echo app (lbnl-echo). Source
# after topo.sh, dataplane.sh and migrate.sh; $tmp must name a scratch
# directory.
#
#   certs_make               a fresh CA in $CERTS, a certificate for the LB
#                            (lb: lbnl:lb) and each server (srvI:
#                            lbnl:agent naming SRVI_IP4 and SRVI_IP6)
#   cert_args NAME           "-A CA -C NAME.pem -k NAME.key" for NAME's
#   agent_start I [NAME]     lbnl-agent in srvI (with NAME's certificate,
#                            default srvI's), log $tmp/agent.srvI.log
#   agent_signal I SIG       a signal to srvI's agent (KILL: wait for it)
#   lbnld_start              lbnld in the LB, log $tmp/lbnld.log, its
#                            records in $LBNLD_STATE; with LBNLD_RESTORE
#                            (LBNLD_TAG_KEY) set, that is its restore-file
#                            (tag-key-file): ready.c
#   lbnld_kill               kill -9 lbnld
#   app_servers PORT ADDR COUNT I...  lbnl-echo on ADDR:PORT in srvI...
#   settled                  no migration open at the LB, no session in
#                            lbnld's log without its end

AGENT=${AGENT:-$dp_top/tools/agent/lbnl-agent}
LBNLD=${LBNLD:-$dp_top/tools/lbnld/lbnld}
ECHO_APP=${ECHO_APP:-$dp_top/tools/echo/lbnl-echo}
PROBE=${PROBE:-$dp_top/tools/tests/lbnl-ctl-probe}
MKCERT=${MKCERT:-$dp_top/tools/tests/mkcert.sh}
CERTS=$tmp/certs
LBNLD_STATE=$tmp/lbnld.state
declare -A AGENT_PID

agents_require()
{
	local p

	require_cmd openssl
	for p in "$AGENT" "$LBNLD" "$ECHO_APP" "$PROBE" "$MKCERT"; do
		if [ ! -x "$p" ]; then
			echo "SKIP: $p not built"
			exit $ksft_skip
		fi
	done
}

certs_make()
{
	local i a4 a6

	"$MKCERT" ca "$CERTS" &&
		"$MKCERT" cert "$CERTS" lb lb 1 || return 1
	for i in 1 2 3; do
		a4=SRV${i}_IP4
		a6=SRV${i}_IP6
		"$MKCERT" cert "$CERTS" "srv$i" agent 1 "${!a4}" "${!a6}" ||
			return 1
	done
}

cert_args()
{
	echo -A "$CERTS/ca.pem" -C "$CERTS/$1.pem" -k "$CERTS/$1.key"
}

agent_start()
{
	local i=$1 ns=${NS_SRVS[$1 - 1]} who=${2:-srv$1}

	# shellcheck disable=SC2046
	ip netns exec "$ns" "$AGENT" -f -v $(cert_args "$who") \
		-a "$tmp/apps.srv$i.sock" </dev/null \
		>>"$tmp/agent.srv$i.log" 2>&1 &
	AGENT_PID[$i]=$!
	defer kill "${AGENT_PID[$i]}"
	busywait 10000 agent_listening "$ns"
}

agent_listening()
{
	ip netns exec "$1" ss -Hltn "sport = :7342" | grep -q .
}

agent_signal()
{
	kill -"$2" "${AGENT_PID[$1]}" 2>/dev/null
	[ "$2" = KILL ] && wait "${AGENT_PID[$1]}" 2>/dev/null
	return 0
}

lbnld_start()
{
	cat > "$tmp/lbnld.conf" <<-CONF
		# lbnld of the migration tests: no router here (table driver,
		# nothing exports the table), the agents on the dests' addresses
		table 100
		driver table
		key-file $CERTS/lb.key
		cert-file $CERTS/lb.pem
		ca-file $CERTS/ca.pem
	CONF
	# The records of migrated associations: the test's own (an lbnld
	# without them, e.g. an older build given as LBNLD=, runs without).
	if "$LBNLD" --help 2>/dev/null | grep -q -- --state-dir; then
		echo "state-dir $LBNLD_STATE" >> "$tmp/lbnld.conf"
	fi
	if [ -n "${LBNLD_RESTORE:-}" ] && lbnld_restores; then
		printf 'restore-file %s\ncli %s\n' "$LBNLD_RESTORE" \
			"$dp_top/tools/lbnl/lbnl" >> "$tmp/lbnld.conf"
		[ -z "${LBNLD_TAG_KEY:-}" ] ||
			echo "tag-key-file $LBNLD_TAG_KEY" >> "$tmp/lbnld.conf"
	fi
	ip netns exec "$NS_LB" "$LBNLD" -f -v -c "$tmp/lbnld.conf" \
		</dev/null >>"$tmp/lbnld.log" 2>&1 &
	LBNLD_PID=$!
	defer kill $LBNLD_PID
	busywait 10000 lbnld_listening
}

# lbnld_restores: this lbnld configures a new module itself (restore-file).
lbnld_restores()
{
	"$LBNLD" --help 2>/dev/null | grep -q restore-file
}

lbnld_listening()
{
	ip netns exec "$NS_LB" ss -Hltn "sport = :7341" | grep -q .
}

lbnld_kill()
{
	kill -9 "$LBNLD_PID" 2>/dev/null
	wait "$LBNLD_PID" 2>/dev/null
}

# app_servers PORT ADDR COUNT I...: lbnl-echo (one-to-many, bound to ADDR,
# registered with srvI's agent) counting into $tmp/COUNT.srvI.
app_servers()
{
	start_servers app "$@"
}
