#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The long netlink fuzz (make fuzz): nl_fuzz.sh with NLFUZZ_COUNT (100000)
# messages per family in each mode (root, netns, userns), seeds from
# NLFUZZ_SEED (1000). The suite runs a short version (nl_fuzz.sh).

export NLFUZZ_COUNT=${NLFUZZ_COUNT:-100000}
export NLFUZZ_SEED=${NLFUZZ_SEED:-1000}
exec "$(dirname "$(readlink -f "$0")")/nl_fuzz.sh" "$@"
