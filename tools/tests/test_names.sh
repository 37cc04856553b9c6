#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_names.sh: no userspace definition (function, struct, union, enum,
# enumerator, typedef, variable, macro) shares its name with one of the
# kernel modules' (kmod/), except the uapi's, which both sides share on
# purpose. tools/README.md says why (grep -w must find one definition)
# and how userspace names its copies of kernel things (lbu_).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

if ! ctags --version 2>/dev/null | grep -q 'Universal Ctags'; then
	echo "test_names: universal-ctags is missing (make deps installs it)" >&2
	exit 1
fi

defs()
{
	ctags -x --c-kinds=fsgtuevxd --language-force=C "$@" |
		awk '{print $1}' | sort -u
}

clash=$(comm -12 <(defs $(find kmod -name '*.[ch]')) \
		 <(defs $(find tools -name '*.[ch]')) |
	comm -23 - <(defs include/uapi/linux/*.h))
if [ -n "$clash" ]; then
	echo "test_names: defined in both kmod/ and tools/ (rename the" \
		"userspace one, see tools/README.md):" >&2
	echo "$clash" | sed 's/^/  /' >&2
	echo "test_names: 1 checks, 1 failed"
	exit 1
fi
echo "test_names: 1 checks, 0 failed"
