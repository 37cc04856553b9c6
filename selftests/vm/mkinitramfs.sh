#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh [--no-modules] KVER: build (or reuse) the test VM's
# initramfs for kernel KVER and print its path. It holds busybox-static,
# the modules needed to reach the host root (virtio_pci, 9pnet_virtio, 9p,
# overlay and their dependencies, in load order) and selftests/vm/init as
# /init. Cached in .build/vm/ and rebuilt when any input changes.
# --no-modules: none (a kernel with all that built in, the debug kernel).

set -euo pipefail
. "$(dirname "$0")/lib.sh"

wanted=(virtio_pci 9pnet_virtio 9p overlay)
if [ "${1:-}" = --no-modules ]; then
	wanted=()
	shift
fi
kver=${1:?usage: mkinitramfs.sh [--no-modules] KVER}
busybox=/bin/busybox

[ -x "$busybox" ] || vm_die "$busybox missing (make deps)"
! ldd "$busybox" >/dev/null 2>&1 ||
	vm_die "$busybox is not static (apt-get install busybox-static)"

# Module files in load order, each once.
mods=$(for m in ${wanted[@]+"${wanted[@]}"}; do
	modprobe -S "$kver" --show-depends "$m" ||
		vm_die "modprobe -S $kver --show-depends $m failed"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')

out=$vm_build/initramfs-$kver.cpio.gz
stamp=$out.inputs
inputs=$( {
	echo "$kver"
	sha256sum "$vm_top/selftests/vm/init" "$0" "$busybox"
	for m in $mods; do stat -c '%n %s %Y' "$m"; done
} | sha256sum)

if [ -s "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$vm_build"
root=$(mktemp -d "$vm_build/initramfs.XXXXXX")
trap 'rm -rf "$root" "$root.cpio.gz"' EXIT

mkdir -p "$root"/{bin,dev,proc,sys,modules,lower,rw,newroot}
# The kernel opens /dev/console for /init before anything is mounted.
mknod -m 600 "$root/dev/console" c 5 1
mknod -m 666 "$root/dev/null" c 1 3
cp "$busybox" "$root/bin/busybox"
: >"$root/modules.list"
install -m 0755 "$vm_top/selftests/vm/init" "$root/init"
for m in $mods; do
	name=$(basename "$m")
	case $m in
	*.ko.xz)  xz -dc "$m" >"$root/modules/${name%.xz}" ;;
	*.ko.zst) zstd -qdc "$m" >"$root/modules/${name%.zst}" ;;
	*.ko.gz)  gzip -dc "$m" >"$root/modules/${name%.gz}" ;;
	*)        cp "$m" "$root/modules/" ;;
	esac
	echo "${name%.ko*}.ko" >>"$root/modules.list"
done

tmp=$root.cpio.gz
(cd "$root" && find . -print0 | sort -z |
	cpio --null -o -H newc --quiet --reproducible) | gzip -1 >"$tmp"
mv "$tmp" "$out"
echo "$inputs" >"$stamp.$$" && mv "$stamp.$$" "$stamp"
echo "$out"
