# SPDX-License-Identifier: GPL-2.0
#
# lbnl: in-kernel L4 load balancer. Top-level make targets:
#
#   make [all]          build the modules (kmod/lb/lbnl.ko: the LB role,
#                       kmod/srv/lbnl_srv.ko: the server role), the tools
#                       and the selftests
#   make deps           install missing Debian packages, fetch kselftest
#                       headers and checkpatch (selftests/vm/deps.sh)
#   make test           deps + all, the CLI's host tests (tools), then the
#                       selftests in a qemu VM
#                       T=name[,name...] runs only those, V=1 is verbose
#                       (CASES="a b" also picks the cases of a test that has them)
#   make demo           deps + all, then run selftests/demo.sh in the VM
#   make check          checkpatch --strict and sparse on the modules, and
#                       the table of refusals (selftests/refusals.h) against
#                       the modules' extack messages
#   make bench, fuzz    the benchmark / fuzz suites in the VM
#   make test-extra     the VM tests not in "make test" yet (lb_group.sh)
#   make deb-test       make deb, then install the packages in the VM
#                       (selftests/deb_install.sh; dkms must be installed)
#   KERNEL=debug        with test, run-tests, fuzz, bench, demo, vm-shell:
#                       boot the debug kernel (KASAN, lockdep, kmemleak,
#                       UBSAN...; built once per machine by
#                       selftests/vm/debug-kernel.sh) with the modules
#                       built against it in .build/debug-kmod/
#   make install        modules to /lib/modules/KVER/extra, depmod, tools,
#                       the bash completion of lbnl to BASHCOMPDIR
#   make dkms-install   register the modules with DKMS (dkms-uninstall;
#                       dkms-src: their sources in DESTDIR/usr/src/)
#   make deb            the Debian packages lbnl and lbnl-dkms, built by
#                       dpkg-buildpackage from a copy of the tree, in
#                       .build/deb/ (build deps: apt-get build-dep ./)
#   make uninstall, clean, distclean
#
# KDIR: kernel build tree, default /lib/modules/$(uname -r)/build, else the
# newest /lib/modules/*/build. KVER: its release (install and the VM use it).

SHELL := /bin/bash

ifeq ($(origin KDIR),undefined)
KDIR := $(shell d=/lib/modules/$$(uname -r)/build; \
	if [ -e $$d/Makefile ]; then echo $$d; exit; fi; \
	for d in $$(ls -d /lib/modules/*/build 2>/dev/null | sort -V); do \
		[ -e $$d/Makefile ] && k=$$d; done; echo $$k)
endif
ifeq ($(origin KVER),undefined)
KVER := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
endif

BUILD      := $(CURDIR)/.build
KSFT_INC   := $(BUILD)/kselftest
CHECKPATCH := $(BUILD)/linux-src/scripts/checkpatch.pl

# KERNEL=debug: the debug lane. The modules are built from a copy of the
# sources (kmod/ keeps the stock kernel's build).
ifeq ($(KERNEL),debug)
DEBUG_KMOD := $(BUILD)/debug-kmod
LBNL_KO    ?= $(DEBUG_KMOD)/kmod/lb/lbnl.ko
LBNL_SRV_KO ?= $(DEBUG_KMOD)/kmod/srv/lbnl_srv.ko
VM_DEBUG   := debug-module
else ifneq ($(KERNEL),)
$(error KERNEL=$(KERNEL): only KERNEL=debug is known)
endif
LBNL_KO    ?= $(CURDIR)/kmod/lb/lbnl.ko
LBNL_SRV_KO ?= $(CURDIR)/kmod/srv/lbnl_srv.ko
MODULES    := kmod/lb/lbnl.ko kmod/srv/lbnl_srv.ko
BASHCOMPDIR ?= /usr/share/bash-completion/completions
VM         := $(CURDIR)/selftests/vm
export KSFT_INC

# Sources checkpatch looks at.
CHECK_FILES = $(filter-out %.mod.c,$(wildcard kmod/*/*.c kmod/*/*.h)) \
	      include/uapi/linux/lbnl.h include/uapi/linux/lbnl_srv.h

# Our files in compiler/sparse output (kbuild prints absolute paths for
# external modules; accept relative ones too).
OUR_DIAG := ^($(CURDIR)/)?(kmod|include)/[^:]+:[0-9]+(:[0-9]+)?: (warning|error):|^WARNING: modpost:|^ERROR: modpost:

# T=a,b or T="a b": only these tests.
VM_ARGS = $(if $(T),--tests "$(T)")
VM_ENV  = V=$(V) KVER=$(KVER) LBNL_KO=$(LBNL_KO) LBNL_SRV_KO=$(LBNL_SRV_KO) \
	  $(if $(VM_DEBUG),LBNL_DEBUG_KDIR=$$(bash $(VM)/debug-kernel.sh --dir))

.PHONY: all module tools selftests deps test demo check checkpatch sparse \
	refusals bench fuzz install uninstall clean distclean kdir vm-shell help \
	run-tests test-extra deb deb-test dkms-src dkms-install dkms-uninstall debug-kernel \
	debug-module

# Without the kselftest headers (make deps) "make" builds what an LB host
# needs and says why it skipped the tests; "make test" always has them.
ifneq ($(wildcard $(KSFT_INC)/kselftest_harness.h),)
all: module tools selftests
else
all: module tools
	@echo "Selftests not built: $(KSFT_INC) is missing (make deps)."
endif

kdir:
	@if [ -z "$(KDIR)" ] || [ ! -e "$(KDIR)/Makefile" ]; then \
		echo "No kernel build tree (KDIR='$(KDIR)'): run 'make deps'" \
			"or install linux-headers-$$(uname -r)" >&2; \
		exit 1; \
	fi

module: kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools

selftests:
	@[ -e $(KSFT_INC)/kselftest_harness.h ] || { \
		echo "$(KSFT_INC)/kselftest_harness.h missing: run 'make deps'" >&2; \
		exit 1; }
	$(MAKE) -C selftests KSFT_INC=$(KSFT_INC)

deps:
	bash $(VM)/deps.sh

# The targets below install deps first, then re-enter make so that KDIR
# and KVER are worked out after the headers may have been installed.
test: deps
	$(MAKE) all
	$(MAKE) -C tools check
	$(MAKE) run-tests

run-tests: $(VM_DEBUG)
	$(VM_ENV) bash $(VM)/run.sh --suite tests $(VM_ARGS)

demo: deps
	$(MAKE) all $(VM_DEBUG)
	$(VM_ENV) bash $(VM)/run.sh --demo

# The debug kernel (cached outside the clone, built once per machine) and
# lbnl.ko, lbnl_srv.ko built against it from a copy of the sources in
# .build/debug-kmod/ (timestamps kept: the build there is incremental).
debug-kernel:
	bash $(VM)/debug-kernel.sh

debug-module: debug-kernel
	@mkdir -p $(DEBUG_KMOD)
	@find Kbuild kmod include -type f \( -name '*.[ch]' -o -name Kbuild \
		-o -name Makefile \) ! -name '*.mod.c' | \
		while read -r f; do \
			mkdir -p $(DEBUG_KMOD)/$$(dirname $$f) && \
			cp -p --update $$f $(DEBUG_KMOD)/$$f || exit; \
		done
	$(MAKE) -C $$(bash $(VM)/debug-kernel.sh --dir) M=$(DEBUG_KMOD) modules

bench fuzz: deps
	@if $(MAKE) -s --no-print-directory -C selftests list-$@ >/dev/null 2>&1; then \
		$(MAKE) all $(VM_DEBUG) && \
		$(VM_ENV) bash $(VM)/run.sh --suite $@ $(VM_ARGS); \
	else \
		echo "No $@ suite yet (selftests/Makefile has no list-$@ target)."; \
	fi

# The packages, fresh, installed in the VM by the deb suite (DKMS builds
# the modules there: minutes, so not in "make test").
deb-test: deb
	$(MAKE) all $(VM_DEBUG)
	$(VM_ENV) bash $(VM)/run.sh --suite deb $(VM_ARGS)

# VM tests not in "make test" yet (selftests/Makefile: VM_EXTRA_PROGS).
test-extra: deps
	$(MAKE) all $(VM_DEBUG)
	$(VM_ENV) bash $(VM)/run.sh --suite extra $(VM_ARGS)

# An interactive shell in the VM, for debugging.
vm-shell: all $(VM_DEBUG)
	$(VM_ENV) bash $(VM)/run.sh --shell

check: deps
	$(MAKE) -k checkpatch sparse refusals

checkpatch:
	@echo "checkpatch --strict: $(CHECK_FILES)"
	@out=$$($(CHECKPATCH) --no-tree --strict --terse --show-types -f \
		$(CHECK_FILES) 2>&1); rc=$$?; \
	if [ $$rc -ne 0 ] || [ -n "$$out" ]; then \
		echo "$$out"; \
		echo "checkpatch: FAILED (exit $$rc)" >&2; exit 1; \
	fi; \
	echo "checkpatch: clean"

sparse: kdir
	@mkdir -p $(BUILD)
	@set -o pipefail; \
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CHECK=sparse modules 2>&1 | \
		tee $(BUILD)/sparse.log || { \
		echo "sparse: the module does not build" >&2; exit 1; }; \
	if grep -E '$(OUR_DIAG)' $(BUILD)/sparse.log >/dev/null; then \
		echo "sparse: FAILED, diagnostics on our sources:" >&2; \
		grep -E '$(OUR_DIAG)' $(BUILD)/sparse.log >&2; exit 1; \
	fi; \
	echo "sparse: clean"

# Every extack message of kmod/ is a row of selftests/refusals.h, and every
# row's message is still in kmod/.
refusals:
	@python3 selftests/check_refusals.py

install: module tools
	for m in $(MODULES); do \
		install -D -m 0644 $$m $(DESTDIR)/lib/modules/$(KVER)/extra/$$(basename $$m) || exit; \
	done
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C tools install
	install -D -m 0644 tools/completion/lbnl $(DESTDIR)$(BASHCOMPDIR)/lbnl

# DKMS from the module sources only (dkms add . would copy the whole tree,
# .build/ and .git/ included). dkms-src puts them, and dkms.conf, in
# DESTDIR/usr/src/lbnl-VERSION: what dkms-install registers and what the
# lbnl-dkms Debian package ships (debian/rules).
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC     := $(DESTDIR)/usr/src/lbnl-$(DKMS_VERSION)

dkms-src:
	rm -rf $(DKMS_SRC)
	@find Kbuild kmod include/uapi/linux/lbnl.h include/uapi/linux/lbnl_srv.h \
		-type f \( -name '*.[ch]' -o -name Kbuild \) ! -name '*.mod.c' | \
		while read -r f; do \
			install -D -m 0644 $$f $(DKMS_SRC)/$$f || exit; \
		done
	install -m 0644 dkms.conf $(DKMS_SRC)/

dkms-install: kdir dkms-src
	-@dkms remove -m lbnl -v $(DKMS_VERSION) --all >/dev/null 2>&1
	dkms add -m lbnl -v $(DKMS_VERSION)
	dkms install -m lbnl -v $(DKMS_VERSION) -k $(KVER)

dkms-uninstall:
	-dkms remove -m lbnl -v $(DKMS_VERSION) --all
	rm -rf $(DKMS_SRC)

# The packages are built from a copy of the files git knows (tracked, or
# new and not ignored; without git, the tree less .build/ and .git/), so
# that no build output of this tree gets in; dpkg-buildpackage puts them
# next to it, in .build/deb/.
DEB_DIR := $(BUILD)/deb

deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/lbnl
	@set -o pipefail; \
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
		while IFS= read -r -d '' f; do \
			[ -e "$$f" ] && printf '%s\0' "$$f"; done | \
		tar -c --null -T - -f - | tar -x -C $(DEB_DIR)/lbnl; \
	else \
		tar -c --exclude=./.build --exclude=./.git -f - . | \
			tar -x -C $(DEB_DIR)/lbnl; \
	fi
	cd $(DEB_DIR)/lbnl && dpkg-buildpackage -us -uc -b
	@ls -1 $(DEB_DIR)/*.deb
	@if command -v lintian >/dev/null; then \
		echo "lintian: $(DEB_DIR)/*.changes"; \
		lintian --fail-on error,warning $(DEB_DIR)/*.changes && \
		echo "lintian: clean"; \
	else \
		echo "lintian: not installed, packages not checked"; \
	fi

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/extra/lbnl.ko \
		$(DESTDIR)/lib/modules/$(KVER)/extra/lbnl_srv.ko \
		$(DESTDIR)$(BASHCOMPDIR)/lbnl
	$(if $(DESTDIR),,depmod -a $(KVER))
	@if $(MAKE) -s -C tools -n uninstall >/dev/null 2>&1; then \
		$(MAKE) -C tools uninstall; fi

clean:
	@if [ -e "$(KDIR)/Makefile" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	@if [ -e tools/Makefile ]; then $(MAKE) -C tools clean; fi
	@if [ -e selftests/Makefile ]; then $(MAKE) -C selftests clean; fi
	rm -rf $(BUILD)/vm $(BUILD)/sparse.log

# Also what 'make deps' extracted (not the Debian packages).
distclean: clean
	rm -rf $(BUILD) tools/tests/.build

help:
	@sed -n '3,/^$$/s/^# \{0,1\}//p' Makefile
