# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the host-side VM scripts (run.sh, mkinitramfs.sh).

vm_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vm_build=$vm_top/.build/vm

vm_die()
{
	echo "vm: $*" >&2
	exit 2
}

# A kernel is usable when its image and its modules are both installed.
vm_kernel_ok()
{
	[ -r "/boot/vmlinuz-$1" ] && [ -r "/lib/modules/$1/modules.dep" ]
}

# vm_pick_kernel [VERSION]: print the kernel release to boot. VERSION (the
# release the module is built against, from the Makefile) wins if it is
# bootable; otherwise the newest installed 6.1 kernel, then the newest one.
vm_pick_kernel()
{
	local want=${1:-} v best61= best=

	if [ -n "$want" ]; then
		vm_kernel_ok "$want" && { echo "$want"; return; }
		echo "vm: kernel $want has no /boot/vmlinuz-$want or modules;" \
			"picking another" >&2
	fi
	for v in $(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V); do
		vm_kernel_ok "$v" || continue
		best=$v
		case $v in 6.1.*) best61=$v ;; esac
	done
	v=${best61:-$best}
	[ -n "$v" ] || vm_die "no kernel in /boot with modules in /lib/modules (make deps)"
	echo "$v"
}

# vm_kernel_image KVER: print the kernel image to boot. Debian's vmlinuz is
# an xz-compressed bzImage; decompressing it under TCG and the real-mode
# set-up take ~4 s of every boot. The uncompressed vmlinux inside it is
# booted directly by qemu through its PVH entry point (CONFIG_PVH), so
# extract it once into .build/vm/. Falls back to the bzImage (VM_PVH=0
# forces that).
vm_kernel_image()
{
	local kver=$1 img=/boot/vmlinuz-$1 out=$vm_build/vmlinux-$1 off tmp

	if [ "${VM_PVH:-1}" = 1 ]; then
		if [ ! -s "$out" ] || [ "$img" -nt "$out" ]; then
			off=$(LC_ALL=C grep -aobUP '\xfd7zXZ\x00' "$img" |
				head -n1 | cut -d: -f1)
			if [ -n "$off" ]; then
				mkdir -p "$vm_build"
				tmp=$(mktemp "$out.XXXXXX")
				tail -c +$((off + 1)) "$img" |
					xz -dc --single-stream >"$tmp" 2>/dev/null
				# PVH entry point: XEN_ELFNOTE_PHYS32_ENTRY (18)
				if LC_ALL=C readelf -n "$tmp" 2>/dev/null |
						grep -q 'Xen.*0x00000012'; then
					mv "$tmp" "$out"
				fi
				rm -f "$tmp"
			fi
		fi
		[ -s "$out" ] && { echo "$out"; return; }
	fi
	echo "$img"
}
