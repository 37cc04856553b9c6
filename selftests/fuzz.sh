#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The long fuzz run (make fuzz): malformed.sh's set-up (topo_lb3, nat VIPs
# 192.0.2.1:8080 and [2001:db8:10::1]:8080 for tcp, udp and sctp, echo
# servers behind), then FUZZ_COUNT (1,000,000) pktfuzz packets for each
# seed of FUZZ_SEEDS (1 2 3), all protocols, both families at once, each
# run followed by real traffic through every VIP. The malformed catalogue
# runs first (PARTS="fuzz" skips it). The suite runner checks the kernel
# log for warnings after it. LB_IMPL=ipvs runs it through IPVS instead.

export FUZZ_COUNT=${FUZZ_COUNT:-1000000}
export FUZZ_SEEDS=${FUZZ_SEEDS:-1 2 3}
export PARTS=${PARTS:-malformed fuzz}
exec "$(dirname "$(readlink -f "$0")")/malformed.sh" "$@"
