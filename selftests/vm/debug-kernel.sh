#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [--dir]: build (or reuse) the debug kernel of the VM's
# debug lane and print its build directory (the KDIR to build lbnl.ko
# against; the VM boots its bzImage).
#
# The source is Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz,
# the same release as the stock kernel the VM boots otherwise). The config
# is x86_64_defconfig + kernel/configs/kvm_guest.config + debug.config
# (KASAN, lockdep, kmemleak, UBSAN, ...; what the VM and the tests need is
# built in). Both are cached outside the clone, so a machine builds it once:
#   ${LBNL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lbnl}/
#     linux-source-<debian version>/                the extracted source
#     debug-kernel-<debian version>-<config hash>/  the build (O=), and
#       modroot/lib/modules/<release>/  its modules_install (modules.builtin
#       for modprobe in the VM, the few =m modules of the defconfig)
# A build that was cut short resumes where it stopped. The build runs under
# nice -n 19 with -j$(nproc); its duration is kept in the build directory
# (.lbnl-build-seconds). Without --dir nothing is printed but the progress.
#
# Environment: LBNL_CACHE, LBNL_KSRC_TAR (the source tarball), JOBS.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

print_dir=0
[ "${1:-}" = --dir ] && print_dir=1

tarball=${LBNL_KSRC_TAR:-/usr/src/linux-source-6.1.tar.xz}
cache=${LBNL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lbnl}
frag=$vm_top/selftests/vm/debug.config
jobs=${JOBS:-$(nproc)}

[ -r "$tarball" ] ||
	vm_die "$tarball missing (apt-get install linux-source-6.1)"
debver=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null ||
	stat -c %Y "$tarball")
hash=$( { echo "x86_64_defconfig kvm_guest.config"; cat "$frag"; } |
	sha256sum | cut -c1-12)
src=$cache/linux-source-$debver
out=$cache/debug-kernel-$debver-$hash

say()
{
	echo "debug-kernel: $*" >&2
}

if [ -f "$out/.lbnl-built" ] && [ -f "$out/.lbnl-installed" ] &&
		[ -s "$out/vmlinux" ]; then
	[ "$print_dir" = 1 ] && echo "$out"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9		# one build at a time per machine

if [ ! -f "$src/.lbnl-extracted" ]; then
	say "extracting $tarball into $src"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp"
	top=$(ls "$src.tmp")
	mv "$src.tmp/$top" "$src"
	rmdir "$src.tmp"
	touch "$src/.lbnl-extracted"
fi

start=$(date +%s)
mkdir -p "$out"
kmake()
{
	nice -n 19 make -s -C "$src" O="$out" "$@"
}
if [ ! -f "$out/.lbnl-configured" ]; then
	say "configuring $out"
	kmake x86_64_defconfig >/dev/null
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "$src/kernel/configs/kvm_guest.config" \
		"$frag" >"$out/.lbnl-merge.log" 2>&1) ||
		{ cat "$out/.lbnl-merge.log" >&2; vm_die "merge_config failed"; }
	kmake olddefconfig >/dev/null
	# Every option of the fragment must have its value: a dependency
	# missing from it would silently drop one.
	bad=$(awk -F= '/^CONFIG_/ { print $1, $2 }' "$frag" |
		while read -r opt val; do
			val=${val//\"/}
			have=$(grep -E "^$opt=|^# $opt is not set" "$out/.config" |
				sed -e "s/^$opt=//" -e 's/^# .* is not set$/n/' -e 's/"//g')
			[ -z "$have" ] && have=n
			[ "$have" = "$val" ] || echo "$opt=$val (have $have)"
		done)
	if [ -n "$bad" ]; then
		echo "$bad" >&2
		vm_die "$out/.config lacks these options of $frag"
	fi
	touch "$out/.lbnl-configured"
fi

if [ ! -f "$out/.lbnl-built" ] || [ ! -s "$out/vmlinux" ]; then
	say "building in $out (-j$jobs, nice 19; 30-60 min the first time)"
	kmake -j"$jobs" >"$out/.lbnl-build.log" 2>&1 || {
		tail -n 30 "$out/.lbnl-build.log" >&2
		vm_die "the build failed (log: $out/.lbnl-build.log)"
	}
	secs=$(($(date +%s) - start))
	echo "$secs" >"$out/.lbnl-build-seconds"
	touch "$out/.lbnl-built"
	say "built $(cat "$out/include/config/kernel.release") in $secs s"
fi
if [ ! -f "$out/.lbnl-installed" ]; then
	rm -rf "$out/modroot"
	kmake INSTALL_MOD_PATH="$out/modroot" modules_install >/dev/null
	touch "$out/.lbnl-installed"
fi
[ "$print_dir" = 1 ] && echo "$out"
exit 0
