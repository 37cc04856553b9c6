#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_etcd.sh PATH/TO/test_etcd: the etcd client (lib/etcd.c) against a
# real etcd on 127.0.0.1 (a free port, a temporary data dir); skipped,
# saying so, when etcd is not installed.

bin=${1:?usage: test_etcd.sh PATH/TO/test_etcd}
tmp=$(mktemp -d)
# shellcheck source=etcd_server.sh
. "$(dirname "$0")/etcd_server.sh"
trap 'etcd_stop; rm -rf "$tmp"' EXIT

etcd_start "$tmp" >"$tmp/why"
case $? in
0) ;;
4) echo "test_etcd: skipped: $(cat "$tmp/why")"; exit 0 ;;
*) echo "test_etcd: $(cat "$tmp/why")"; exit 1 ;;
esac
"$bin" "$ETCD_URL"
