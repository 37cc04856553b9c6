# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# demo.sh: what the parts of "make demo" share: a step title and a failure
# note (the demo goes on, and exits 1 at the end if $failed).

failed=0

# step TITLE...: a heading with the seconds since the start.
step()
{
	echo
	echo "=== $*  [${SECONDS}s]"
}

# bad MSG: note a failure.
bad()
{
	echo "demo: FAILED: $*"
	failed=1
}
