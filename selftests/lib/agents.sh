# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# agents.sh: the migration's control plane for the tests, bench and demo:
# lbnl-agent on servers, lbnld on the LB, the cluster's pre-shared key, the
# migration-aware echo app (lbnl-echo). Source after topo.sh,
# dataplane.sh and migrate.sh; $tmp must name a scratch directory.
#
#   psk_make                 a fresh key in $PSK (0600)
#   agent_start I            lbnl-agent in srvI, log $tmp/agent.srvI.log
#   agent_signal I SIG       a signal to srvI's agent (KILL: wait for it)
#   lbnld_start              lbnld in the LB, log $tmp/lbnld.log
#   lbnld_kill               kill -9 lbnld
#   app_servers PORT ADDR COUNT I...  lbnl-echo on ADDR:PORT in srvI...
#   settled                  no migration open at the LB, no session in
#                            lbnld's log without its end

AGENT=${AGENT:-$dp_top/tools/agent/lbnl-agent}
LBNLD=${LBNLD:-$dp_top/tools/lbnld/lbnld}
ECHO_APP=${ECHO_APP:-$dp_top/tools/echo/lbnl-echo}
PROBE=${PROBE:-$dp_top/tools/tests/lbnl-ctl-probe}
PSK=$tmp/psk
declare -A AGENT_PID

agents_require()
{
	local p

	for p in "$AGENT" "$LBNLD" "$ECHO_APP" "$PROBE"; do
		if [ ! -x "$p" ]; then
			echo "SKIP: $p not built"
			exit $ksft_skip
		fi
	done
}

psk_make()
{
	(umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$PSK")
}

agent_start()
{
	local i=$1 ns=${NS_SRVS[$1 - 1]}

	ip netns exec "$ns" "$AGENT" -f -v -k "$PSK" \
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
		key-file $PSK
	CONF
	ip netns exec "$NS_LB" "$LBNLD" -f -v -c "$tmp/lbnld.conf" \
		</dev/null >>"$tmp/lbnld.log" 2>&1 &
	LBNLD_PID=$!
	defer kill $LBNLD_PID
	busywait 10000 lbnld_listening
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
