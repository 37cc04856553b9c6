#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: boot Debian's kernel under qemu (TCG, no KVM needed) with the
# host's root shared read-only over virtio-9p (a tmpfs overlay on top makes
# it writable inside), and run the test suite, the demo or a command in it.
# The repository is at the same path in the VM as here.
#
#   run.sh [--suite tests|bench|fuzz|deb|extra] [--tests "a,b c"]   run a suite
#   run.sh --demo                                         run selftests/demo.sh
#   run.sh --cmd 'COMMAND'                                run COMMAND (bash -c)
#   run.sh --shell                                        interactive shell
#
# The tests of a suite are what "make -s -C selftests list" (list-bench,
# list-fuzz, list-deb) prints, one per line, run on the host before the VM
# boots.
#
# Environment: KVER (kernel to boot; default: the one lbnl.ko is built for,
# else the newest 6.1), LBNL_KO (LB module, default kmod/lb/lbnl.ko),
# LBNL_SRV_KO (server-role module, default kmod/srv/lbnl_srv.ko),
# VM_MEM (2G; 4G on the debug kernel), VM_SMP (2), VM_TIMEOUT (seconds for the whole run, 3600),
# VM_APPEND (extra kernel parameters), LBNL_TEST_TIMEOUT (per test; default
# timeout= in selftests/settings), V=1 (verbose).
#
# LBNL_DEBUG_KDIR (make KERNEL=debug sets it): the build directory of the
# debug kernel (debug-kernel.sh --dir). The VM boots its bzImage instead of
# a /boot kernel (KVER is ignored), with an initramfs without modules (all
# built in); the modules must be built against it. Everything is slower
# under KASAN and lockdep: VM_TIMEOUT and the per-test timeout are
# multiplied by LBNL_TIMEOUT_SCALE (default 4 on the debug kernel, else 1).
#
# The console goes to the terminal and to .build/vm/last-run.log. The exit
# status is the one the VM reports ("LBNL-VM-EXIT: <rc>" on the console);
# no report (panic, crash, timeout) is a failure.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=suite suite=tests tests= cmd=
while [ $# -gt 0 ]; do
	case $1 in
	--suite) suite=$2; shift ;;
	--tests) tests=$2; shift ;;
	--demo)  mode=demo ;;
	--shell) mode=shell ;;
	--cmd)   mode=cmd cmd=$2; shift ;;
	-h | --help) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) vm_die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done

case $vm_top in
*[[:space:]]*) vm_die "the repository path must not contain spaces: $vm_top" ;;
/run/* | /dev/*)
	vm_die "the VM has its own /run and /dev: move the repository" \
		"out of $vm_top" ;;
esac

V=${V:-0}
ko=${LBNL_KO:-$vm_top/kmod/lb/lbnl.ko}
ko=$(realpath -m "$ko")
srv_ko=${LBNL_SRV_KO:-$vm_top/kmod/srv/lbnl_srv.ko}
srv_ko=$(realpath -m "$srv_ko")
cli=${LBNL:-$vm_top/tools/lbnl/lbnl}
mem=${VM_MEM:-2G}
smp=${VM_SMP:-2}
debug_kdir=${LBNL_DEBUG_KDIR:-}
if [ -n "$debug_kdir" ]; then
	[ -s "$debug_kdir/vmlinux" ] && [ -f "$debug_kdir/.lbnl-built" ] ||
		vm_die "no debug kernel in $debug_kdir (selftests/vm/debug-kernel.sh)"
	debug_kdir=$(realpath "$debug_kdir")
	tscale=${LBNL_TIMEOUT_SCALE:-4}
else
	tscale=${LBNL_TIMEOUT_SCALE:-1}
fi
vm_timeout=${VM_TIMEOUT:-$((3600 * tscale))}
log=$vm_build/last-run.log

command -v qemu-system-x86_64 >/dev/null ||
	vm_die "qemu-system-x86_64 not found (make deps)"

mkdir -p "$vm_build"
rundir=$(mktemp -d "$vm_build/run.XXXXXX")
trap 'rm -rf "$rundir"' EXIT

# The test list, from the host.
if [ "$mode" = suite ]; then
	case $suite in
	tests) target=list ;;
	bench | fuzz | deb | extra) target=list-$suite ;;
	*) vm_die "unknown suite '$suite' (tests, bench, fuzz, deb or extra)" ;;
	esac
	# A clean make: no "Entering directory" lines from a parent's flags.
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
			make -s --no-print-directory -C "$vm_top/selftests" \
			"$target" >"$rundir/all.list" 2>"$rundir/list.err"; then
		if [ "$suite" != tests ] &&
				grep -q 'No rule to make target' "$rundir/list.err"; then
			echo "vm: no $suite suite yet (selftests/Makefile has no '$target' target)"
			exit 0
		fi
		cat "$rundir/list.err" >&2
		vm_die "'make -s -C selftests $target' failed"
	fi
	sed -i -e 's/[[:space:]]*$//' -e '/^$/d' -e '/^#/d' "$rundir/all.list"
	if [ -n "$tests" ]; then
		: >"$rundir/tests.list"
		for t in ${tests//,/ }; do
			hit=$(awk -v t="$t" '$0 == t || $0 == t ".sh" ||
				$0 ~ ("/" t "(\\.sh)?$")' "$rundir/all.list")
			if [ -z "$hit" ]; then
				echo "vm: no test named '$t'; the $suite suite has:" >&2
				sed 's/^/  /' "$rundir/all.list" >&2
				exit 2
			fi
			echo "$hit" >>"$rundir/tests.list"
		done
	else
		cp "$rundir/all.list" "$rundir/tests.list"
	fi
	if [ ! -s "$rundir/tests.list" ]; then
		[ "$suite" = tests ] && vm_die "the test list is empty"
		echo "vm: no $suite tests yet"
		exit 0
	fi
fi

# The kernel: the one the module is built for, if it is installed.
modver=
if [ -f "$ko" ]; then
	modver=$(modinfo -F vermagic "$ko" | awk '{print $1}')
elif [ "$mode" = suite ] || [ "$mode" = demo ]; then
	echo "vm: warning: $ko does not exist; every test will fail (make all?)" >&2
fi
if [ -f "$srv_ko" ] && [ -n "$modver" ] &&
	[ "$(modinfo -F vermagic "$srv_ko" | awk '{print $1}')" != "$modver" ]; then
	vm_die "$srv_ko and $ko are built for different kernels"
fi
if [ -n "$debug_kdir" ]; then
	kver=$(cat "$debug_kdir/include/config/kernel.release")
else
	kver=$(vm_pick_kernel "${KVER:-$modver}")
fi
if [ -n "$modver" ] && [ "$modver" != "$kver" ]; then
	vm_die "$ko is built for $modver but the VM boots $kver (set KDIR or KVER${debug_kdir:+; make KERNEL=debug builds it})"
fi

if [ -n "$debug_kdir" ]; then
	initrd=$(bash "$vm_top/selftests/vm/mkinitramfs.sh" --no-modules "$kver")
	# Its bzImage: booted through the PVH entry point (its vmlinux),
	# this KASAN kernel resets at once (qemu exits after 0 s, silent).
	kimage=$debug_kdir/arch/x86/boot/bzImage
else
	initrd=$(bash "$vm_top/selftests/vm/mkinitramfs.sh" "$kver")
	kimage=$(vm_kernel_image "$kver")
fi

# The VM sees the host's files (its /tmp too, through the writable overlay),
# except under /run and /dev (its own there): bring a module from such a
# place along in the run dir.
vm_bring_along()
{
	case $1 in
	/run/* | /dev/*)
		[ -f "$1" ] && cp "$1" "$rundir/" && echo "$rundir/$(basename "$1")" &&
			return ;;
	esac
	echo "$1"
}
ko=$(vm_bring_along "$ko")
srv_ko=$(vm_bring_along "$srv_ko")

q()
{
	printf '%q' "$1"
}

{
	echo "VM_MODE=$(q "$mode")"
	echo "VM_CMD=$(q "$cmd")"
	echo "LBNL_TOP=$(q "$vm_top")"
	echo "LBNL_KO=$(q "$ko")"
	echo "LBNL_SRV_KO=$(q "$srv_ko")"
	echo "LBNL=$(q "$cli")"
	echo "V=$(q "$V")"
	echo "TESTS_LIST=$(q "$rundir/tests.list")"
	[ -z "${LBNL_TEST_TIMEOUT:-}" ] ||
		echo "LBNL_TEST_TIMEOUT=$(q "$LBNL_TEST_TIMEOUT")"
	echo "LBNL_TIMEOUT_SCALE=$(q "$tscale")"
	# A test's own knob, for a targeted run: CASES="a b" make run-tests.
	[ -z "${CASES:-}" ] || echo "CASES=$(q "$CASES")"
	echo "LBNL_DEBUG_KDIR=$(q "$debug_kdir")"
} >"$rundir/job"

loglevel=4
[ "$V" = 1 ] && loglevel=7
append="console=ttyS0 quiet loglevel=$loglevel panic=-1 rdinit=/init"
# The debug kernel: KASAN reports only its first problem and then stays
# silent, unless kasan_multi_shot; and under TCG with -cpu max (5-level
# paging) it reports a wild access in an interrupt during identify_cpu at
# every boot, which would be that first one: la57=off keeps 4-level
# paging. (Not "no5lvl": the kernel does not know it as a parameter and
# hands it to init as an argument.)
# And more memory: KASAN's shadow takes an eighth of it and its quarantine
# holds freed objects back; in 2G lb_restart.sh ran the VM out of memory.
cpu=${VM_CPU:-max}
if [ -n "$debug_kdir" ]; then
	append+=" kasan_multi_shot"
	cpu=${VM_CPU:-max,la57=off}
	mem=${VM_MEM:-4G}
fi
append+=" ${VM_APPEND:-} -- $vm_top/selftests/vm/vm-init.sh $rundir/job"

qemu=(qemu-system-x86_64
	-accel tcg,thread=multi -cpu "$cpu" -smp "$smp" -m "$mem"
	-kernel "$kimage" -initrd "$initrd" -append "$append"
	-display none -monitor none -nic none -no-reboot
	-chardev stdio,id=console,signal=on -serial chardev:console
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)

echo "vm: booting $kver ($smp vCPUs, $mem, TCG), log in ${log#$vm_top/}"
[ "$V" = 1 ] && echo "vm: ${qemu[*]}"

start=$(date +%s)
set +e
# Each run has its own console log (runs may share the tree); the last one
# to finish becomes last-run.log.
con=$rundir/console.log
if [ "$mode" = shell ]; then
	timeout --foreground -k 10 "$vm_timeout" "${qemu[@]}" 2>&1 |
		tee "$con"
	qrc=${PIPESTATUS[0]}
else
	timeout --foreground -k 10 "$vm_timeout" "${qemu[@]}" </dev/null 2>&1 |
		sed -u 's/\r//g' | tee "$con"
	qrc=${PIPESTATUS[0]}
fi
set -e
secs=$(($(date +%s) - start))

sed -i 's/\r//g' "$con"
cp "$con" "$log.$$" && mv -f "$log.$$" "$log"
log=$con
rc=$(grep -a '^LBNL-VM-EXIT: [0-9]*$' "$log" | tail -n1 | awk '{print $2}' || true)
if [ -n "$rc" ]; then
	echo "vm: finished in ${secs} s, exit status $rc"
	exit "$rc"
fi

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	why="timed out after $vm_timeout s (VM_TIMEOUT)"
elif grep -aq 'Kernel panic' "$log"; then
	why="kernel panic in the VM after ${secs} s"
else
	why="the VM stopped without reporting a result (qemu exit $qrc, ${secs} s)"
fi

# A suite cut short: fail the test that was running and count the results
# so far, so that the totals line is still there.
if [ "$mode" = suite ]; then
	running=$(sed -n 's/^# selftests: lbnl: //p' "$log" | tail -n1)
	p=$(grep -ac '^ok [0-9]* [^#]*$' "$log" || true)
	k=$(grep -ac '^ok [0-9]* .*# SKIP' "$log" || true)
	f=$(grep -ac '^not ok [0-9]' "$log" || true)
	if [ -n "$running" ]; then
		echo "not ok $((p + k + f + 1)) $running # $why"
		f=$((f + 1))
	fi
	echo "$p passed, $f failed, $k skipped"
fi
echo "vm: FAILED: $why; log in $vm_build/last-run.log" >&2
exit 1
