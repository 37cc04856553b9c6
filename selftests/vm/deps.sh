#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing lbnl needs on Debian 12, idempotently:
#  - the Debian packages below, but only if one is missing (then one
#    apt-get update + install, no prompts, no recommends);
#  - from Debian's linux-source-6.1 tarball, only the kselftest headers
#    (-> .build/kselftest/, passed to the selftests as KSFT_INC) and
#    checkpatch.pl with its data files (-> .build/linux-src/scripts/).
# Runs as root (or via sudo) with no stdin; safe to run again and again.

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/.build

packages=(
	# toolchain
	build-essential make gcc pkg-config perl sparse kmod xz-utils
	# kernel to boot in the VM, its headers to build against, its source
	# for checkpatch and kselftest headers
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	# the VM
	qemu-system-x86 busybox-static cpio gzip
	# CLI and tests (libmicrohttpd: lbnld's /metrics; libcurl: its
	# http and https health checks)
	libnl-3-dev libnl-genl-3-dev libssl-dev openssl libjansson-dev
	libmicrohttpd-dev libcurl4-openssl-dev
	iproute2 procps iputils-ping ethtool jq socat ncat iperf3 tshark python3
	lksctp-tools libsctp-dev bird2 ipvsadm
	# make -C tools check: test_names.sh; test_completion.sh also runs
	# with the bash-completion helpers when they are installed;
	# test_lbnld.sh runs lbnld under valgrind's memcheck
	universal-ctags bash-completion valgrind
	# lbnld's metrics: promtool (make -C tools check), and Prometheus
	# itself scraping lbnld in the VM (selftests/metrics.sh runs its own,
	# in a namespace). On a host with systemd, Debian also starts the
	# package's service (port 9090): "systemctl disable --now
	# prometheus" if it is not wanted; the tests do not use it.
	prometheus curl
	# the LB group's store (make -C tools check: test_etcd, test_group;
	# selftests/group.sh runs its own etcd, in a namespace). On a host
	# with systemd Debian also starts the package's service (port 2379):
	# "systemctl disable --now etcd" if it is not wanted.
	etcd-server etcd-client
	# the Debian packages: make deb (dpkg-buildpackage, debian/control's
	# build deps above, lintian), make deb-test (dkms builds the modules
	# in the VM, from the packages installed there)
	debhelper dh-dkms dkms lintian
	# the debug kernel (KERNEL=debug: debug-kernel.sh builds it from
	# linux-source-6.1)
	flex bison bc libelf-dev libssl-dev
)

missing=()
for p in "${packages[@]}"; do
	case $p in \#*) continue ;; esac
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q </dev/null
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends \
		-o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold \
		"${missing[@]}" </dev/null
fi

# Pieces of the kernel source tree, extracted once from linux-source-6.1.
ksft=$build/kselftest
scripts=$build/linux-src/scripts
want=(
	"$ksft/kselftest_harness.h"
	"$ksft/kselftest.h"
	"$scripts/checkpatch.pl"
	"$scripts/spelling.txt"
	"$scripts/const_structs.checkpatch"
)
have=1
for f in "${want[@]}"; do
	[ -s "$f" ] || have=0
done

if [ $have = 0 ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
	if [ -z "$tarball" ]; then
		echo "deps: /usr/src/linux-source-6.1.tar.* not found" >&2
		exit 1
	fi
	echo "deps: extracting kselftest headers and checkpatch from $tarball"
	mkdir -p "$build"
	tmp=$(mktemp -d "$build/extract.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -xaf "$tarball" -C "$tmp" --wildcards \
		'*/tools/testing/selftests/kselftest*' \
		'*/scripts/checkpatch.pl' \
		'*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	src=$(echo "$tmp"/*/)
	mkdir -p "$ksft" "$scripts"
	cp -a "$src"tools/testing/selftests/kselftest* "$ksft"/
	cp -a "$src"scripts/checkpatch.pl "$src"scripts/spelling.txt \
		"$src"scripts/const_structs.checkpatch "$scripts"/
	for f in "${want[@]}"; do
		[ -s "$f" ] || { echo "deps: $f missing after extraction" >&2; exit 1; }
	done
fi

echo "deps: ok"
