# helpers.mk: the C helpers, built into $(O)/bin (host) and, for the ones
# that run inside the builder container, statically into $(O)/bin-static;
# for a builder of another architecture, cross-compiled into
# $(O)/bin-static-ARCH (below). $(O)/asan holds the AddressSanitizer +
# UBSan build the unit tests also run.

CC := $(if $(filter default undefined,$(origin CC)),cc,$(CC))
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
HELPER_CFLAGS := -std=gnu11 -Wall -Wextra -Werror=implicit-function-declaration \
	-D_FILE_OFFSET_BITS=64 -MMD -MP
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

# mkimage's libraries (see README, "Dependencies")
MKIMAGE_PKGS := libarchive zlib libzstd libcrypto yaml-0.1 jansson
MKIMAGE_LIBS = $(shell $(PKG_CONFIG) --libs $(MKIMAGE_PKGS)) -lpthread

# engine's: libcurl (HTTP over a unix socket, TCP, TLS) and jansson
ENGINE_PKGS := libcurl jansson
ENGINE_LIBS = $(shell $(PKG_CONFIG) --libs $(ENGINE_PKGS))

LIB_SRCS := $(sort $(wildcard helpers/lib/*.c))
# the static tools must not pull in mkimage's libraries
VDB_LIB := atom contents err hex path strset vdb vdb_needs vdb_unmerge
COPY_LIB := err path strset copy
USELINT_LIB := atom err md5cache path strset uselint uselint_atoms uselint_closest uselint_files uselint_keywords uselint_repo
ENGINE_LIB := err dhost dstream dload dssh dapi dctr dimg dwarm path
TOOLS := vdb copyfiles uselint mkimage sbom engine
STATIC_TOOLS := vdb copyfiles uselint

tool_objs = $(1)/$(2).o $(1)/tool.o
vdb_deps = $(VDB_LIB)
vdb_libs := -lcrypto	# unmerge checks md5s (static: libcrypto.a, from libssl-dev)
copyfiles_deps = $(COPY_LIB)
uselint_deps = $(USELINT_LIB)
engine_deps = $(ENGINE_LIB)
# (engine's own modules, not err and path, which every tool shares)
mkimage_deps = $(filter-out $(filter-out err path,$(ENGINE_LIB)),$(patsubst helpers/lib/%.c,%,$(LIB_SRCS)))
sbom_deps = $(mkimage_deps)

HELPERS := $(addprefix $(O)/bin/,$(TOOLS))
HELPERS_STATIC := $(addprefix $(O)/bin-static/,$(STATIC_TOOLS))
# the files a tool is made of (mk/image.mk hashes them into the option
# files of the stages that run it, with $(O)/.cflags)
tool-sources = helpers/$(1).c helpers/tool.c helpers/tool.h $(patsubst %,helpers/lib/%.c,$($(1)_deps)) \
	$(sort $(wildcard helpers/lib/*.h))

# The compiler and its flags (git's GIT-CFLAGS): $(O)/.cflags is rewritten
# while make reads this file, only when they change, and every object and
# tool depends on it, so `make CFLAGS=-O0 helpers` rebuilds them.
BUILD_FLAGS := CC=$(CC) CFLAGS=$(CFLAGS) HELPER_CFLAGS=$(HELPER_CFLAGS) ASAN_FLAGS=$(ASAN_FLAGS) \
	LDFLAGS=$(LDFLAGS) PKG_CONFIG=$(PKG_CONFIG)
ifneq ($(file <$(O)/.cflags),$(BUILD_FLAGS))
$(shell mkdir -p $(O))
$(file >$(O)/.cflags,$(BUILD_FLAGS))
endif

$(O)/obj/%.o: helpers/%.c $(O)/.cflags
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HELPER_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/asan/obj/%.o: helpers/%.c $(O)/.cflags
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HELPER_CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

# $(call link-tool,DIR,TOOL,EXTRA-LDFLAGS)
define link-tool
$(1)/$(2): $(call tool_objs,$(O)/obj,$(2)) $$(patsubst %,$(O)/obj/lib/%.o,$$($(2)_deps)) $(O)/.cflags
	$$(call msg,LD,$$@)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(3) $$($(2)_libs)
endef
$(foreach t,vdb copyfiles uselint,$(eval $(call link-tool,$(O)/bin,$(t),)))
$(foreach t,$(STATIC_TOOLS),$(eval $(call link-tool,$(O)/bin-static,$(t),-static)))
$(foreach t,mkimage sbom,$(eval $(call link-tool,$(O)/bin,$(t),$$(MKIMAGE_LIBS))))
$(eval $(call link-tool,$(O)/bin,engine,$$(ENGINE_LIBS)))

helpers: $(HELPERS) $(HELPERS_STATIC)
PHONY += helpers

# --- the static helpers of every builder architecture ---
# ARCH is the Docker/OCI name (PLATFORM linux/ARCH), which is Debian's too;
# ARCH_TRIPLET_ARCH is its GNU triplet, the prefix of its cross toolchain
# (Debian's gcc-TRIPLET: aarch64-linux-gnu-gcc). The machine's own ARCH
# builds as above, into $(O)/bin-static; any other with TRIPLET-gcc
# (CC_ARCH overrides it), objects in $(O)/obj-ARCH, into
# $(O)/bin-static-ARCH, statically against that ARCH's libcrypto.a
# (libssl-dev:ARCH; deps.mk's DEB_CROSS_CC_ARCH). For the framework:
#   $(call helpers-static-dir,ARCH)  the directory to copy into the builder
#   $(call helpers-static,ARCH)      its files (prerequisites of a stage)
#   HELPERS_STATIC_ARCH              the same, as a variable
#   make helpers-static-ARCH         builds them
ARCHS := amd64 arm64
ARCH_TRIPLET_amd64 := x86_64-linux-gnu
ARCH_TRIPLET_arm64 := aarch64-linux-gnu
# the machine's ARCH: the one whose triplet starts with `uname -m`, read
# from /proc (Linux 6.1+) without a fork
HOST_UNAME := $(or $(if $(wildcard /proc/sys/kernel/arch),$(file </proc/sys/kernel/arch)),$(shell uname -m))
HOST_ARCH := $(firstword $(foreach a,$(ARCHS),$(if $(filter $(HOST_UNAME)-%,$(ARCH_TRIPLET_$(a))),$(a))))
CROSS_ARCHS := $(filter-out $(HOST_ARCH),$(ARCHS))
helpers-static-dir = $(if $(filter $(HOST_ARCH),$(1)),$(O)/bin-static,$(O)/bin-static-$(1))
helpers-static = $(addprefix $(call helpers-static-dir,$(1))/,$(STATIC_TOOLS))

# $(call cross-arch,ARCH)
define cross-arch
CC_$(1) ?= $(ARCH_TRIPLET_$(1))-gcc
HELPERS_STATIC_$(1) := $$(call helpers-static,$(1))
$(O)/obj-$(1)/%.o: helpers/%.c
	$$(call msg,CC,$$@)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC_$(1)) $$(HELPER_CFLAGS) $$(CFLAGS) -c -o $$@ $$<
endef
# $(call cross-link,ARCH,TOOL)
define cross-link
$(O)/bin-static-$(1)/$(2): $(call tool_objs,$(O)/obj-$(1),$(2)) $$(patsubst %,$(O)/obj-$(1)/lib/%.o,$$($(2)_deps))
	$$(call msg,LD,$$@)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC_$(1)) $$(CFLAGS) -o $$@ $$^ -static $$($(2)_libs)
endef
$(foreach a,$(CROSS_ARCHS),$(eval $(call cross-arch,$(a)))$(foreach t,$(STATIC_TOOLS),$(eval $(call cross-link,$(a),$(t)))))
HELPERS_STATIC_$(HOST_ARCH) := $(HELPERS_STATIC)
$(foreach a,$(ARCHS),$(eval helpers-static-$(a): $(call helpers-static,$(a))))
PHONY += $(foreach a,$(ARCHS),helpers-static-$(a))

# (the objects' header dependencies; a wildcard, not a find: no process)
-include $(wildcard $(addsuffix /*.d,$(O)/obj $(O)/obj/lib $(wildcard $(O)/obj-*) $(wildcard $(O)/obj-*/lib) \
	$(O)/asan/obj $(O)/asan/obj/lib))
