#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (make bench): how fast the router follows a single-address
# tenant's scaling (lib/bypass.sh's topology: BIRD2 on the router and the
# LB, lbnld). A tun VIP with bypass auto and dests srv1, srv2; $FLIPS times:
# delete srv2 (the router must send the VIP to srv1) and add it back (to
# the LB again). For each change, the time from just before the "lbnl dest"
# command to the router's FIB update, as "ip -ts monitor route" in the
# router's namespace stamps it. Target: < 1 s. The floor is BIRD's: a
# route replaced in the LB's table reaches the router's FIB in 170-210 ms
# (DESIGN.md section 4); the rest is lbnl, the module's event and lbnld.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/lib/topo.sh"
. "$dir/lib/dataplane.sh"
. "$dir/lib/bypass.sh"

FLIPS=${FLIPS:-20}
KEY=$BP_VIP4:$BP_TCP_PORT

tmp=$(mktemp -d)
defer rm -rf "$tmp"

bp_require

percentile()
{
	sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 }
		END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'
}

# fib_time VIA SINCE_NS: wait for the router's FIB to send the VIP to VIA;
# print the ms from SINCE_NS to the monitor's stamp of that change.
fib_time()
{
	local via=$1 since=$2 line stamp

	busywait 10000 bp_rt_via $BP_VIP4 "$via" > /dev/null || return 1
	line=$(grep -F "$BP_VIP4 via $via " "$tmp/monitor" | tail -1)
	[ -n "$line" ] || line=$(grep -F "$BP_VIP4 " "$tmp/monitor" | tail -1)
	stamp=${line%%]*}
	stamp=${stamp#[}
	stamp=$(date -d "$stamp" +%s%N) || return 1
	echo $(((stamp - since) / 1000000))
}

bp_setup || { echo "# set-up failed"; exit $ksft_fail; }
bp_lb vip add $KEY proto tcp mode tun bypass auto &&
	bp_lb dest add $KEY proto tcp $SRV1_IP4:$BP_TCP_PORT &&
	bp_lb dest add $KEY proto tcp $SRV2_IP4:$BP_TCP_PORT ||
	{ echo "# VIP set-up failed"; exit $ksft_fail; }
defer bp_lb flush
bp_lbnld_start
busywait 10000 bp_rt_via $BP_VIP4 $LB_IP4 > /dev/null ||
	{ echo "# the router never learnt the VIP"; exit $ksft_fail; }

ip -n "$NS_RT" -ts monitor route > "$tmp/monitor" 2>/dev/null &
defer kill $!
ip -n "$NS_LB" -ts monitor route > "$tmp/lbmon" 2>/dev/null &
defer kill $!
sleep 0.5

# table_time VIA SINCE_NS: ms from SINCE_NS to lbnld's write of the route
# for the VIP in table $BP_TABLE ("via VIA", or a device route for the LB).
table_time()
{
	local line stamp

	if [ "$1" = "$LB_IP4" ]; then
		line=$(grep -F "$BP_VIP4 dev lo table $BP_TABLE" "$tmp/lbmon" | tail -1)
	else
		line=$(grep -F "$BP_VIP4 via $1 " "$tmp/lbmon" | tail -1)
	fi
	stamp=${line%%]*}
	stamp=${stamp#[}
	[ -n "$stamp" ] || return 1
	stamp=$(date -d "$stamp" +%s%N) || return 1
	echo $(((stamp - $2) / 1000000))
}

RET=0
for i in $(seq "$FLIPS"); do
	t0=$(date +%s%N)
	bp_lb dest del $KEY proto tcp $SRV2_IP4:$BP_TCP_PORT || break
	ms=$(fib_time $SRV1_IP4 "$t0") || { check_err 1 "flip $i: no bypass"; break; }
	echo "$ms" >> "$tmp/down"
	table_time $SRV1_IP4 "$t0" >> "$tmp/down.table"
	t0=$(date +%s%N)
	bp_lb dest add $KEY proto tcp $SRV2_IP4:$BP_TCP_PORT || break
	ms=$(fib_time $LB_IP4 "$t0") || { check_err 1 "flip $i: no return"; break; }
	echo "$ms" >> "$tmp/up"
	table_time $LB_IP4 "$t0" >> "$tmp/up.table"
done

for d in down up; do
	[ -s "$tmp/$d" ] || continue
	echo "# scale $([ $d = down ] && echo '2 -> 1 (bypass)  ' || echo '1 -> 2 (to the LB)'):" \
		"n=$(wc -l < "$tmp/$d") median $(percentile 50 "$tmp/$d") ms," \
		"p90 $(percentile 90 "$tmp/$d") ms, max $(percentile 100 "$tmp/$d") ms" \
		"(target < 1000 ms)"
	[ -s "$tmp/$d.table" ] &&
		echo "#   of which to lbnld's route in table $BP_TABLE: median" \
			"$(percentile 50 "$tmp/$d.table") ms, max" \
			"$(percentile 100 "$tmp/$d.table") ms"
done
log_test "bypass: scale event to the router's FIB"
ksft_exit
