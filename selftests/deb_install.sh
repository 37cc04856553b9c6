#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages "make deb" built in .build/deb/ (LBNL_DEB_DIR), as an
# operator installs them on a Debian 12 host:
#
#   apt-get install ./lbnl_*.deb ./lbnl-dkms_*.deb (no network: the
#     dependencies are on the shared root already; dkms must be)
#   DKMS built lbnl.ko and lbnl_srv.ko for the running kernel (dkms
#     status, /lib/modules/KVER/updates/dkms/, what modprobe finds)
#   the files: programs in /usr/sbin, units in /lib/systemd/system naming
#     them, neither enabled; man pages, completion, example configuration
#     (lbnld -t accepts it); nothing in /etc, no test tool
#   modprobe lbnl (the runner's lbnl.ko and lbnl_srv.ko unloaded first),
#     then in a netns: vip add, dest add, -j vip show, vip del; modprobe
#     lbnl_srv: -j assoc show; rmmod both
#   apt-get purge: the packages, the DKMS modules and /usr/src/lbnl-VER gone
#
# "make deb-test" builds the packages and runs this (the "deb" suite, not
# "make test": DKMS takes some 7 minutes under TCG). It installs packages:
# it runs only in the test VM (LBNL_VM=1, whose root is a throwaway
# overlay). Skipped without the packages, when a file they are built from
# (not selftests/) is newer than they are, or without the kernel's headers
# (the debug kernel).

. "$(dirname "$0")/lib/topo.sh"

top=${LBNL_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
debdir=${LBNL_DEB_DIR:-$top/.build/deb}
kver=$(uname -r)
tmp=$(mktemp -d)
defer rm -rf "$tmp"
export DEBIAN_FRONTEND=noninteractive

skip()
{
	echo "SKIP: $*"
	exit $ksft_skip
}

[ "${LBNL_VM:-0}" = 1 ] ||
	skip "installs packages: only in the test VM (make deb-test)"
require_cmd apt-get dpkg dkms jq modprobe
[ -e "/lib/modules/$kver/build/Makefile" ] ||
	skip "no headers for $kver: DKMS cannot build the modules"

arch=$(dpkg --print-architecture)
mapfile -t debs < <(ls "$debdir"/lbnl_*_"$arch".deb \
			"$debdir"/lbnl-dkms_*_all.deb 2>/dev/null)
[ ${#debs[@]} = 2 ] ||
	skip "no lbnl_*_$arch.deb and lbnl-dkms_*_all.deb (just one each) in $debdir: make deb"
if command -v git >/dev/null && git -C "$top" rev-parse 2>/dev/null; then
	newer=
	while IFS= read -r -d '' f; do
		[ "$top/$f" -nt "${debs[0]}" ] && newer+=" $f"
	done < <(git -C "$top" ls-files -z --cached --others --exclude-standard \
		-- . ':!selftests' ':!.ci')
	[ -z "$newer" ] ||
		skip "the packages are older than their sources (${newer:0:200}): make deb"
fi
version=$(dpkg-deb -f "${debs[0]}" Version)
for p in lbnl lbnl-dkms; do
	! dpkg -s "$p" >/dev/null 2>&1 || skip "$p is installed already"
done
echo "# packages: ${debs[*]##*/} ($version), kernel $kver"

# Whatever happens, leave no package, module or DKMS tree behind for the
# next test.
defer dpkg --purge lbnl lbnl-dkms
defer rmmod lbnl
defer rmmod lbnl_srv

# The runner loaded the tree's modules: modprobe must load DKMS's.
for m in lbnl_srv lbnl; do
	[ ! -d /sys/module/$m ] || rmmod $m
	[ ! -d /sys/module/$m ]
	check_err $? "rmmod $m (the runner's) failed"
done
rc=$RET
log_test "the runner's modules unloaded"
[ "$rc" = 0 ] || ksft_exit

# --- install -------------------------------------------------------------

apt-get install -y --no-install-recommends "${debs[@]}" >"$tmp/install.log" 2>&1
rc=$?
check_err $rc "apt-get install failed (exit $rc): $(tail -n 20 "$tmp/install.log")"
for p in lbnl lbnl-dkms; do
	[ "$(dpkg-query -W -f '${Status} ${Version}' $p 2>/dev/null)" = \
		"install ok installed $version" ]
	check_err $? "$p is not installed: $(dpkg-query -W -f '${Status} ${Version}' $p 2>&1)"
done
log_test "apt-get install ./lbnl_*.deb ./lbnl-dkms_*.deb"
if [ $rc != 0 ]; then
	sed 's/^/# /' "$tmp/install.log"
	ksft_exit
fi

status=$(dkms status -m lbnl -v "$version" -k "$kver" 2>&1)
[[ $status == *": installed"* ]]
check_err $? "dkms status: '$status'"
for m in lbnl lbnl_srv; do
	f=$(modinfo -n $m 2>/dev/null)
	[ "$f" = "/lib/modules/$kver/updates/dkms/$m.ko" ]
	check_err $? "modinfo -n $m: '$f', not DKMS's"
	[ "$(modinfo -F vermagic "$f" 2>/dev/null | awk '{print $1}')" = "$kver" ]
	check_err $? "$f: vermagic '$(modinfo -F vermagic "$f" 2>&1)', not $kver"
done
if [ "$RET" != 0 ]; then
	echo "# dkms status: $status"
	tail -n 40 "/var/lib/dkms/lbnl/$version/build/make.log" 2>/dev/null |
		sed 's/^/# /'
fi
log_test "DKMS built lbnl.ko and lbnl_srv.ko for $kver"

# --- files ---------------------------------------------------------------

for f in /usr/sbin/lbnl /usr/sbin/lbnld /usr/sbin/lbnl-agent \
		/usr/sbin/lbnl-echo; do
	[ -x "$f" ]
	check_err $? "$f missing"
done
for f in /usr/share/man/man8/{lbnl,lbnld,lbnl-agent,lbnl-echo}.8.gz \
		/usr/share/bash-completion/completions/lbnl \
		/usr/share/doc/lbnl/examples/lbnld.conf \
		/usr/share/doc/lbnl/examples/agent.conf \
		/usr/src/lbnl-"$version"/dkms.conf; do
	[ -s "$f" ]
	check_err $? "$f missing"
done
/usr/sbin/lbnl -V | grep -qE "^lbnl ${version//./\\.}( |$)"
check_err $? "lbnl -V: '$(/usr/sbin/lbnl -V 2>&1)', not lbnl $version"
out=$(/usr/sbin/lbnld -t -c /usr/share/doc/lbnl/examples/lbnld.conf 2>&1)
check_err $? "lbnld -t on the example configuration: $out"
files=$(dpkg -L lbnl lbnl-dkms)
bad=$(grep -E '^/etc/|test|probe' <<<"$files")
[ -z "$bad" ]
check_err $? "the packages ship ${bad//$'\n'/ }"
log_test "programs, man pages, completion, examples; nothing in /etc"

grep -qx 'ExecStart=/usr/sbin/lbnld -f' /lib/systemd/system/lbnld.service
check_err $? "lbnld.service: $(grep Exec /lib/systemd/system/lbnld.service)"
grep -qx 'ExecStart=/usr/sbin/lbnl-agent -f' \
	/lib/systemd/system/lbnl-agent.service
check_err $? "lbnl-agent.service: $(grep Exec /lib/systemd/system/lbnl-agent.service)"
enabled=$(find /etc/systemd/system -name 'lbnl*.service' 2>/dev/null)
[ -z "$enabled" ]
check_err $? "units enabled: $enabled"
log_test "units in /lib/systemd/system run /usr/sbin, not enabled"

# --- smoke test ----------------------------------------------------------

modprobe lbnl
check_err $? "modprobe lbnl failed"
setup_ns NS_LB || ksft_exit
v=192.0.2.10
nsx "$NS_LB" /usr/sbin/lbnl vip add $v:80 proto tcp mode nat &&
	nsx "$NS_LB" /usr/sbin/lbnl dest add $v:80 proto tcp \
		203.0.113.11:8080 weight 100
check_err $? "vip add / dest add failed"
out=$(nsx "$NS_LB" /usr/sbin/lbnl -j vip show)
jq -e --arg v $v 'length == 1 and .[0].addr == $v and .[0].port == 80 and
	.[0].proto == "tcp" and .[0].mode == "nat" and
	.[0].dests[0].addr == "203.0.113.11"' <<<"$out" >/dev/null
check_err $? "-j vip show: $out"
nsx "$NS_LB" /usr/sbin/lbnl vip del $v:80 proto tcp
check_err $? "vip del failed"
out=$(nsx "$NS_LB" /usr/sbin/lbnl -j vip show)
jq -e 'length == 0' <<<"$out" >/dev/null
check_err $? "-j vip show after vip del: $out"
log_test "modprobe lbnl; vip add, dest add, -j vip show, vip del"

modprobe lbnl_srv
check_err $? "modprobe lbnl_srv failed"
out=$(nsx "$NS_LB" /usr/sbin/lbnl -j assoc show)
jq -e 'length == 0' <<<"$out" >/dev/null
check_err $? "-j assoc show: $out"
log_test "modprobe lbnl_srv; -j assoc show"

ip netns del "$NS_LB"	# before rmmod
for m in lbnl_srv lbnl; do
	rmmod $m
	check_err $? "rmmod $m failed"
done
log_test "rmmod lbnl_srv lbnl"

# --- purge ---------------------------------------------------------------

apt-get purge -y lbnl lbnl-dkms >"$tmp/purge.log" 2>&1
rc=$?
check_err $rc "apt-get purge failed (exit $rc): $(tail -n 20 "$tmp/purge.log")"
for p in lbnl lbnl-dkms; do
	! dpkg -s $p >/dev/null 2>&1
	check_err $? "$p still installed"
done
status=$(dkms status -m lbnl 2>&1)
[ -z "$status" ]
check_err $? "dkms status after purge: '$status'"
for f in /lib/modules/"$kver"/updates/dkms/lbnl.ko \
		/lib/modules/"$kver"/updates/dkms/lbnl_srv.ko \
		/usr/src/lbnl-"$version" /var/lib/dkms/lbnl /usr/sbin/lbnl \
		/lib/systemd/system/lbnld.service; do
	[ ! -e "$f" ]
	check_err $? "$f left after purge"
done
! modinfo lbnl >/dev/null 2>&1
check_err $? "modinfo still finds lbnl: $(modinfo -n lbnl 2>&1)"
log_test "apt-get purge: packages, DKMS modules and sources gone"

ksft_exit
