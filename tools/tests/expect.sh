# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# expect.sh: what the host tests of the programs share. Source it with
# $prog (the program under test), $out and $err (scratch files) set; it
# counts checks in $pass and $fail.

pass=0 fail=0

ok() { pass=$((pass + 1)); }
not_ok() { fail=$((fail + 1)); echo "not ok: $*"; }

# expect RC STDOUT-REGEX STDERR-REGEX ARGS...: run $prog ARGS with no
# input; an empty regex means nothing on that stream.
expect()
{
	local rc=$1 want_out=$2 want_err=$3 got name=${prog##*/}
	shift 3
	"$prog" "$@" </dev/null >"$out" 2>"$err"
	got=$?
	if [ "$got" != "$rc" ]; then
		not_ok "$name $* exited $got, expected $rc: $(head -c 300 "$err")"
	elif ! grep -Eq -- "$want_out" "$out" && [ -n "$want_out" ]; then
		not_ok "$name $*: stdout does not match '$want_out': $(head -c 300 "$out")"
	elif [ -z "$want_out" ] && [ -s "$out" ]; then
		not_ok "$name $*: unexpected stdout: $(head -c 300 "$out")"
	elif ! grep -Eq -- "$want_err" "$err" && [ -n "$want_err" ]; then
		not_ok "$name $*: stderr does not match '$want_err': $(head -c 300 "$err")"
	elif [ -z "$want_err" ] && [ -s "$err" ]; then
		not_ok "$name $*: unexpected stderr: $(head -c 300 "$err")"
	else
		ok
	fi
}
