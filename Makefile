# SPDX-License-Identifier: GPL-2.0
# mmuscope: `make` builds the module and the reader; see README.md.
MMU_CACHE := $(if $(MMUSCOPE_CACHE),$(MMUSCOPE_CACHE),$(if $(XDG_CACHE_HOME),$(XDG_CACHE_HOME),$(HOME)/.cache)/mmuscope)
# The running kernel when its headers are installed (an ordinary machine);
# else the default guest kernel (the test harness: this build host's own
# kernel cannot load modules; scripts/setup installs the guest's headers).
RUNNING_KVER := $(shell uname -r)
GUEST_KVER := $(shell cat $(MMU_CACHE)/kernels/6.1-x86_64/release 2>/dev/null)
KVER ?= $(if $(wildcard /lib/modules/$(RUNNING_KVER)/build/Makefile),$(RUNNING_KVER),$(GUEST_KVER))
KDIR ?= /lib/modules/$(KVER)/build
KSRC ?= $(MMU_CACHE)/linux-source-6.1
PREFIX ?= /usr/local

.PHONY: all module userspace selftests check check-next check-packages deb demo bench stress lint clean install help

all: module userspace selftests

module:
	@test -d "$(KDIR)" || { echo "no kernel headers at '$(KDIR)': run scripts/setup" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

userspace:
	$(MAKE) -C userspace

selftests:
	$(MAKE) -C selftests

# Build, then run the selftests in every configuration of the kernel matrix.
check: all
	scripts/check

# The newest Debian sid kernel, built with sid's gcc in its own build root:
# not part of `make check` (sid moves every week).
check-next: all
	scripts/setup --kernels next-x86_64
	scripts/check next-x86_64:5

# Debian packages mmuscope-dkms and mmuscope into build/deb/.
deb:
	scripts/build-deb

# Install the .debs in a guest: DKMS build, load, reader suite, lockdown, purge.
# One guest per kernel of the x86_64 matrix (15-25 minutes each), two at once.
# make check's "-deb" rows do the same with every selftest.
PACKAGE_CONFIGS ?= 6.1-x86_64 6.12-x86_64 7.3-x86_64
PACKAGE_JOBS ?= 2
check-packages: deb userspace selftests
	scripts/check-packages -j $(PACKAGE_JOBS) $(PACKAGE_CONFIGS)

demo: all
	scripts/demo

bench: all
	scripts/bench

stress: all
	scripts/stress $(DURATION)

# checkpatch --strict, sparse and W=1 on the module.
lint:
	perl $(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse -f $(filter-out %.mod.c,$(wildcard module/*.c)) module/*.h
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 C=2 modules

install: all
	install -D -m 0644 module/mmuscope.ko $(DESTDIR)/lib/modules/$(KVER)/extra/mmuscope.ko
	install -D -m 0755 userspace/mmuscope $(DESTDIR)$(PREFIX)/sbin/mmuscope
	$(if $(DESTDIR),,depmod -a $(KVER))

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	rm -rf build

help:
	@echo "targets: all module userspace selftests check check-next check-packages deb demo bench stress lint install clean"
	@echo "variables: KDIR=$(KDIR) KVER=$(KVER)"
	@echo "make/make install build for the running kernel ($(RUNNING_KVER)) when its headers"
	@echo "are installed, else for the default guest kernel ($(GUEST_KVER)); KVER=/KDIR= override."
	@echo "make deb: Debian packages (mmuscope-dkms, mmuscope) in build/deb/."
