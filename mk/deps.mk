# deps.mk: the Debian packages each goal needs, and the guard that gets
# them before anything runs: while make reads the Makefiles (so before the
# first compile and before mk/base-ids asks the engine), mk/deps installs
# the missing ones as root with apt, or stops with their list and the
# command that installs them. $(O)/.deps records what was found, so the
# next make reads one small file and forks nothing.

DEB_BUILD := gcc make pkg-config libc6-dev libarchive-dev zlib1g-dev libzstd-dev \
	libssl-dev libyaml-dev libjansson-dev libcurl4-openssl-dev
# docker-ce (Docker's own packages) does as well as Debian's docker.io.
# clang + libclang-rt-dev: libFuzzer (the fuzz smoke of make check, make
# fuzz); libclang-rt is only a Recommends of clang, not installed here.
# docker-registry: the push test's registry. npm|nodejs: npm for the SBOM
# schema validator (ajv); a Node.js package that ships npm (NodeSource's
# nodejs) does as well, and Debian's npm would conflict with it.
# openssl, openssh-server: the engine test's TLS dockerd and its sshd.
# lighttpd: the binhost test's static HTTP server on loopback.
DEB_TEST := libcmocka-dev libcap2-bin attr jq busybox-static docker.io|docker-ce podman skopeo umoci \
	clang libclang-rt-dev docker-registry npm|nodejs curl python3 openssl openssh-server lighttpd
DEB_BENCH := pigz zstd rsync hyperfine time python3
# attr (getfattr): mk/portage-tree reads overlayfs's opaque mark on the tree
# image's layers before it mounts them as the tree's volume
DEB_IMAGES := attr
# Another architecture, ARCH (PKG:ARCH is a package of that architecture;
# mk/deps adds ARCH to dpkg's foreign architectures first):
# DEB_CROSS_CC_ARCH cross-compiles the static helpers (mk/helpers.mk);
# DEB_CROSS_ARCH, for a goal that builds or runs an image of ARCH on this
# machine, adds qemu-user-static and binfmt-support (containers of ARCH
# under emulation: mk/platform-check) and ARCH's libc and libgcc_s for the
# fixture builder (tests/fixtures/builder/mkfixture ENGINE linux/ARCH;
# Multi-Arch: same, already pulled in by libssl-dev:ARCH).
DEB_CROSS_CC_arm64 := gcc-aarch64-linux-gnu libc6-dev-arm64-cross libssl-dev:arm64
DEB_CROSS_arm64 := $(DEB_CROSS_CC_arm64) libc6:arm64 libgcc-s1:arm64 qemu-user-static binfmt-support
DEB_PACKAGES := $(DEB_BUILD) $(DEB_IMAGES) $(DEB_TEST) $(DEB_BENCH) $(DEB_CROSS_arm64)
# make images/NAME needs one engine, either
DEB_ENGINE := docker.io|docker-ce|podman

# $(call deps-of,GOAL): the packages a goal needs
# (the arm64 tests are part of make check)
deps-of = $(strip \
	$(if $(filter help clean deps %/clean,$(1)),, \
	$(if $(filter check check-integration,$(1)),$(DEB_BUILD) $(DEB_TEST) $(DEB_CROSS_arm64), \
	$(if $(filter check-unit,$(1)),$(DEB_BUILD) libcmocka-dev, \
	$(if $(filter bench,$(1)),$(DEB_PACKAGES), \
	$(if $(filter helpers-static-% $(O)/bin-static-% $(O)/obj-%,$(1)),$(DEB_BUILD) $(DEB_CROSS_CC_$(call goal-arch,$(1))), \
	$(if $(filter helpers $(O)/%,$(1)),$(DEB_BUILD), \
	$(DEB_BUILD) $(DEB_IMAGES) $(DEB_ENGINE))))))))
# $(call goal-arch,GOAL): ARCH of helpers-static-ARCH, $(O)/bin-static-ARCH/..., $(O)/obj-ARCH/...
goal-arch = $(firstword $(subst /, ,$(patsubst helpers-static-%,%,$(patsubst $(O)/bin-static-%,%,$(patsubst $(O)/obj-%,%,$(1))))))
DEPS_WANT := $(sort $(foreach g,$(MAKECMDGOALS),$(call deps-of,$(g))))
DEPS_STAMP := $(O)/.deps
DEPS_MISSING := $(filter-out $(if $(wildcard $(DEPS_STAMP)),$(file <$(DEPS_STAMP))),$(DEPS_WANT))
ifneq ($(DEPS_MISSING),)
# make -n / -q: check, never install
ifneq ($(findstring n,$(firstword -$(MAKEFLAGS)))$(findstring q,$(firstword -$(MAKEFLAGS))),)
DEPS_MODE := --check-only
endif
ifeq ($(shell $(TOP)/mk/deps $(DEPS_MODE) $(DEPS_STAMP) $(foreach p,$(DEPS_WANT),'$(p)') >&2 || echo FAILED),FAILED)
$(error scratchmerge: missing dependencies (above); nothing was built)
endif
endif

## deps              install the build, test and benchmark dependencies (Debian/Ubuntu, as root;
##                   `make check`, `make images/NAME` and `make bench` do it themselves)
deps:
	$(Q)$(TOP)/mk/deps --install $(DEPS_STAMP) $(foreach p,$(DEB_PACKAGES),'$(p)')
PHONY += deps
