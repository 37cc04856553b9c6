# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by the host tests that need an etcd (test_etcd.sh,
# test_group.sh): etcd_start DIR starts a single-node etcd on 127.0.0.1,
# free ports, its data in DIR, and sets ETCD_URL and ETCD_PID once it
# answers; etcd_stop stops it. Without etcd installed, etcd_start prints
# why and returns 4 (skip). Debian 12: apt-get install etcd-server.

ETCD_URL= ETCD_PID=

# A TCP port nothing listens on now (the kernel's choice).
etcd_free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

etcd_start()
{
	local dir=$1 client peer i

	if ! command -v etcd >/dev/null; then
		echo "etcd is not installed (Debian: etcd-server)"
		return 4
	fi
	client=$(etcd_free_port) peer=$(etcd_free_port)
	ETCD_URL=http://127.0.0.1:$client
	etcd --name test --data-dir "$dir/etcd" \
		--listen-client-urls "$ETCD_URL" \
		--advertise-client-urls "$ETCD_URL" \
		--listen-peer-urls "http://127.0.0.1:$peer" \
		--initial-advertise-peer-urls "http://127.0.0.1:$peer" \
		--initial-cluster "test=http://127.0.0.1:$peer" \
		>"$dir/etcd.log" 2>&1 &
	ETCD_PID=$!
	for ((i = 0; i < 100; i++)); do
		curl -sf -X POST -d '{}' "$ETCD_URL/v3/maintenance/status" \
			>/dev/null 2>&1 && return 0
		kill -0 "$ETCD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "etcd did not start: $(tail -3 "$dir/etcd.log")"
	return 1
}

etcd_stop()
{
	[ -n "$ETCD_PID" ] || return 0
	kill "$ETCD_PID" 2>/dev/null
	wait "$ETCD_PID" 2>/dev/null
	ETCD_PID=
}
