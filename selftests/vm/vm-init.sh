#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-init.sh JOBFILE: PID 1 of the test VM, after the initramfs has
# switch_rooted into the overlay of the host's root. Runs the job that
# run.sh described in JOBFILE (VM_MODE = suite, demo, cmd or shell),
# prints the exit sentinel "LBNL-VM-EXIT: <rc>" that run.sh looks for, and
# powers the VM off. PID 1 must never exit: that would be a kernel panic.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=${TERM:-dumb}
umask 022

poweroff_now()
{
	# Let the console drain before the machine goes away.
	sleep 0.3
	/bin/busybox poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 30
}

# "ip netns" bind-mounts namespaces under /run/netns: shared propagation
# (as systemd sets it up) lets those mounts be seen and removed everywhere.
# (/proc, /sys, /dev, /tmp and /run were mounted by the initramfs.)
/bin/busybox mount --make-rshared /

job=${1:-}
set -a		# export everything the job file sets
if [ -z "$job" ] || ! . "$job" || ! cd "$LBNL_TOP"; then
	echo "vm-init: cannot read job file '$job' or enter LBNL_TOP"
	echo "LBNL-VM-EXIT: 125"
	poweroff_now
fi
set +a
export LBNL_VM=1

# The debug kernel has no /lib/modules on the host: its modules_install
# (modules.builtin: modprobe of a built-in module succeeds) from the cache.
if [ -n "${LBNL_DEBUG_KDIR:-}" ]; then
	kv=$(uname -r)
	ln -sfn "$LBNL_DEBUG_KDIR/modroot/lib/modules/$kv" "/lib/modules/$kv"
fi
export PATH=$LBNL_TOP/tools/lbnl:$PATH

[ "${V:-0}" = 1 ] && echo "vm-init: kernel $(uname -r), mode $VM_MODE," \
	"up $(cut -d' ' -f1 /proc/uptime)s"

case $VM_MODE in
suite)
	bash "$LBNL_TOP/selftests/vm/suite.sh"
	rc=$?
	;;
demo)
	bash "$LBNL_TOP/selftests/vm/suite.sh" --demo
	rc=$?
	;;
cmd)
	bash -c "$VM_CMD"
	rc=$?
	;;
shell)
	echo "vm-init: interactive shell; 'exit' powers the VM off"
	setsid -c bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
	rc=$?
	;;
*)
	echo "vm-init: unknown mode '$VM_MODE'"
	rc=125
	;;
esac

echo
echo "LBNL-VM-EXIT: $rc"
poweroff_now
