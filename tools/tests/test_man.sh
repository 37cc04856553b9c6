#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_man.sh LBNL MANPAGE: the man page renders without groff warnings and
# its SYNOPSIS lists exactly the commands "lbnl --help" lists, with the
# same arguments.

lbnl=${1:?usage: test_man.sh PATH/TO/lbnl PATH/TO/lbnl.8}
page=${2:?usage: test_man.sh PATH/TO/lbnl PATH/TO/lbnl.8}
fail=0

if ! command -v groff >/dev/null; then
	echo "test_man: groff not installed, skipped"
	exit 0
fi

warnings=$(groff -man -Tascii -ww -z "$page" 2>&1)
if [ -n "$warnings" ]; then
	echo "not ok: groff warnings:"
	echo "$warnings"
	fail=1
fi

# Command synopses, one per line: continuation lines joined, blanks squeezed.
synopses()
{
	awk '/^ *lbnl (vip|dest|assoc|conn|migrate|tag|stats|flush|monitor|save|restore|group)/ { if (s) print s; s = $0; next }
	     s && /^ +\[/ { s = s " " $0; next }
	     { if (s) print s; s = "" }
	     END { if (s) print s }' | tr -s ' \t' ' ' | sed 's/^ //; s/ $//'
}

help=$("$lbnl" --help | synopses)
man=$(groff -man -Tascii -P-c -P-b -P-u -P-o "$page" 2>/dev/null |
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | synopses)
if [ -z "$help" ] || [ "$help" != "$man" ]; then
	echo "not ok: man page SYNOPSIS differs from lbnl --help:"
	diff <(echo "$help") <(echo "$man")
	fail=1
fi

echo "test_man: $(echo "$help" | wc -l) synopses compared, $([ $fail = 0 ] && echo ok || echo FAILED)"
exit $fail
