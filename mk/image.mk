# image.mk: the engine. An image is a directory with a Makefile that sets
# NAME_* variables and ends with $(eval $(image)); this file gives it seven
# stamped stages and its targets. NAME is the directory's name, upper-cased
# with '-' as '_' for the variables (images/php-fpm -> PHP_FPM_PACKAGES).
#
# The rule for the defines below: inside an $(eval)'ed define, $(1), $(2)
# and $(3) take one '$' (expanded when the image is defined); everything
# else takes '$$' (expanded when make runs the rule).

include mk/engine-docker.mk

STAGES := portage world-rebuild emerge-root glibc unmerge prune scratch
CONTAINER_STAGES := $(filter-out scratch,$(STAGES))
IMAGE_DIRS ?= images tests/images

## Variables an image sets (as NAME_VAR in images/NAME/Makefile):
##   PACKAGES             atoms emerged into the image's ROOT (required)
##   USE                  USE flags for the builder and ROOT (make.conf USE)
##   MAKE_CONF            extra make.conf lines, ';'-separated
##   RUNTIME_FROM_BUILDER packages copied from the builder (default sys-libs/glibc)
##   RUNTIME_LIBS_FROM_BUILDER packages whose shared libraries only are copied
##                        from the builder (e.g. sys-devel/gcc for libstdc++)
##   PROVIDED             atoms (CAT/PN-VER) Portage takes as installed in ROOT
##                        (/etc/portage/profile/package.provided): kept out
##   UNMERGE              packages removed from ROOT by their CONTENTS
##   PRUNE                paths (globs) deleted from ROOT (default: docs, man, info,
##                        headers, pkgconfig, static libs, portage state, the VDB)
##   KEEP                 paths PRUNE must not delete
##   POST_PRUNE           shell commands run in the builder after PRUNE, ROOT=/destination
##   TAG                  the loaded image (default NAME:latest)
##   STAGE3_IMAGE PORTAGE_IMAGE   builder bases (default gentoo/stage3:latest,
##                        gentoo/portage:latest); pin to dated tags or digests
##   PLATFORM             builder platform and image architecture (default
##                        linux/amd64; linux/arm64 needs an arm64 builder or qemu)
##   COMPRESS             layer compression: gzip (default), zstd, none
## Global knobs: DOCKER=docker|podman, O=build, JOBS=N, V=1, IMAGE_DIRS.

STAGE3_IMAGE ?= gentoo/stage3:latest
PORTAGE_IMAGE ?= gentoo/portage:latest
PLATFORM ?= linux/amd64
COMPRESS ?= gzip
JOBS ?= $(shell nproc)
DEFAULT_PRUNE := /usr/share/doc /usr/share/man /usr/share/info /usr/share/gtk-doc \
	/usr/include /usr/lib*/pkgconfig /usr/share/pkgconfig \
	/lib*/*.a /usr/lib*/*.a /usr/lib*/*.la /usr/lib*/debug \
	/var/db/pkg /var/cache/edb /var/lib/portage /var/lib/gentoo /var/tmp/portage \
	/var/cache/distfiles /var/cache/binpkgs /etc/portage

upper = $(shell echo '$(1)' | tr 'a-z-' 'A-Z_')
# $(call iv,NAME,VAR): an image's variable
iv = $($(IMG_VAR_$(1))_$(2))
shq = '$(subst ','\'',$(1))'
define NL


endef

define inner-image
ifneq ($$(IMG_DIR_$(1)),)
$$(error $(3): an image named '$(1)' is already defined by $$(IMG_DIR_$(1)))
endif
ifeq ($$(strip $$($(2)_PACKAGES)),)
$$(error $(3)/Makefile: $(2)_PACKAGES is empty; name the packages to emerge into the image)
endif
$(2)_USE ?=
$(2)_MAKE_CONF ?=
$(2)_RUNTIME_FROM_BUILDER ?= sys-libs/glibc
$(2)_RUNTIME_LIBS_FROM_BUILDER ?=
$(2)_PROVIDED ?=
$(2)_UNMERGE ?=
$(2)_PRUNE ?= $$(DEFAULT_PRUNE)
$(2)_KEEP ?=
$(2)_POST_PRUNE ?=
$(2)_TAG ?= $(1):latest
$(2)_STAGE3_IMAGE ?= $$(STAGE3_IMAGE)
$(2)_PORTAGE_IMAGE ?= $$(PORTAGE_IMAGE)
$(2)_PLATFORM ?= $$(PLATFORM)
$(2)_COMPRESS ?= $$(COMPRESS)
ALL_IMAGES += $(1)
IMG_VAR_$(1) := $(2)
IMG_DIR_$(1) := $(3)

$(3): $(O)/$(1)/.stamp-scratch
$(addprefix $(3)/,$(STAGES)): $(3)/%: $(O)/$(1)/.stamp-%
$(addprefix $(3)/,$(addsuffix -redo,$(STAGES))): $(3)/%-redo:
	$$(Q)rm -f $$(addprefix $(O)/$(1)/.stamp-,$$(call stages-from,$$*))
	$$(Q)$$(MAKE) $(3)
$(3)/shell:
	$$(Q)$$(call with-lock,$(1)) $$(TOP)/mk/shell $(1) $(O)/$(1) "$$(call snap,$(1))" "$$(call kept,$(1))" $(CONTAINER_STAGES)
$(3)/pretend: $(O)/$(1)/.stamp-world-rebuild $(O)/$(1)/.opts-pretend $$(STAGE_DEPS)
	$$(Q)$$(call stage-env,$(1)) $$(call with-lock,$(1)) $$(RUN_STAGE) $(1) pretend $$(call snap,$(1)):world-rebuild \
		$(O)/$(1)/.opts-pretend $(O)/$(1)/pretend.log $(3) --discard
	$$(Q)sed -n '/^>>> pretend:/,$$$$p' $(O)/$(1)/pretend.log
$(3)/test: $(O)/$(1)/.stamp-scratch
	$$(Q)if [ -x $(3)/test ]; then $(3)/test $$(call iv,$(1),TAG); \
	else echo "$(3): no test script (an executable $(3)/test gets the image reference as \$$$$1)"; fi
$(3)/clean:
	$$(call msg,CLEAN,$(1))
	$$(Q)$$(call with-lock,$(1)) $$(TOP)/mk/clean-image $(O)/$(1) "$$(call snap,$(1))" "$$(call owner,$(1))"
PHONY += $(3) $(addprefix $(3)/,$(STAGES) $(addsuffix -redo,$(STAGES)) shell pretend test clean)
endef
image = $(call inner-image,$(IMAGE_NAME),$(IMAGE_VAR),$(IMAGE_DIR))

reverse = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
# the stages from STAGE to the end
stages-from = $(wordlist $(call stage-index,$(1)),$(words $(STAGES)),$(STAGES))
stage-index = $(words $(call upto,$(1),$(STAGES)))
upto = $(if $(filter $(1),$(firstword $(2))),$(1),$(firstword $(2)) $(call upto,$(1),$(wordlist 2,$(words $(2)),$(2))))

# Read every image definition.
define include-image
IMAGE_DIR := $(1)
IMAGE_NAME := $(notdir $(1))
IMAGE_VAR := $(call upper,$(notdir $(1)))
include $(1)/Makefile
endef
IMAGE_MAKEFILES := $(wildcard $(addsuffix /*/Makefile,$(IMAGE_DIRS)))
$(foreach m,$(IMAGE_MAKEFILES),$(eval $(call include-image,$(patsubst %/Makefile,%,$(m)))))

## images            build every image (not the test fixtures) in parallel with -j
IMAGES := $(foreach i,$(ALL_IMAGES),$(if $(filter tests/images/%,$(IMG_DIR_$(i))),,$(i)))
images: $(foreach i,$(IMAGES),$(IMG_DIR_$(i)))
PHONY += images

# --- option files: what each stage reads, rewritten only when it changes ---
# They are written while make reads this file (not by rules), for the
# images named on the command line only, so that `make -q` answers exactly.
goal-image = $(strip $(foreach i,$(ALL_IMAGES),$(if $(filter $(IMG_DIR_$(i)) $(IMG_DIR_$(i))/%,$(1)),$(i))))
WANTED := $(sort $(foreach g,$(filter-out %/clean %/shell,$(MAKECMDGOALS)),$(call goal-image,$(g))) \
	$(if $(filter images,$(MAKECMDGOALS)),$(IMAGES)))

ifneq ($(WANTED),)
FACTS := $(shell $(TOP)/mk/image-facts --cache $(O)/.facts $(foreach i,$(WANTED),$(IMG_DIR_$(i))))
fact = $(patsubst $(1)=%,%,$(filter $(1)=%,$(FACTS)))
BASES := $(sort $(foreach i,$(WANTED),$(call iv,$(i),STAGE3_IMAGE) $(call iv,$(i),PORTAGE_IMAGE)))
BASE_IDS := $(call engine-ids,$(BASES))
ifneq ($(filter FAILED,$(BASE_IDS)),)
$(error cannot get the base images of $(WANTED) (see above))
endif
base-id = $(patsubst $(1)=%,%,$(filter $(1)=%,$(BASE_IDS)))

# The inputs of each stage, one a line: $(call opt,KEY,VALUE) writes
# SM_KEY='VALUE' (what the stage script reads), $(call var,NAME,VAR) the
# image's variable VAR as SM_VAR, $(call hash,KEY,FACT) a content hash.
opt = SM_$(1)=$(call shq,$(2))$(NL)
var = $(call opt,$(2),$(call iv,$(1),$(2)))
hash = $(call opt,$(1),$(call fact,$(2)))
opts-portage = \
	$(call opt,ENGINE,$(ENGINE_KIND)) \
	$(call var,$(1),STAGE3_IMAGE) \
	$(call opt,STAGE3_ID,$(call base-id,$(call iv,$(1),STAGE3_IMAGE))) \
	$(call var,$(1),PORTAGE_IMAGE) \
	$(call opt,PORTAGE_ID,$(call base-id,$(call iv,$(1),PORTAGE_IMAGE))) \
	$(call var,$(1),PLATFORM) \
	$(call var,$(1),USE) \
	$(call opt,USE_VAR,$(IMG_VAR_$(1))_USE) \
	$(call opt,IMG_DIR,$(IMG_DIR_$(1))) \
	$(call var,$(1),MAKE_CONF) \
	$(call hash,PORTAGE_DIR_HASH,$(IMG_DIR_$(1)):portage) \
	$(call hash,SCRIPT_HASH,stage:portage)
opts-world-rebuild = \
	$(call hash,SCRIPT_HASH,stage:world-rebuild)
opts-emerge-root = \
	$(call var,$(1),PACKAGES) \
	$(call var,$(1),PROVIDED) \
	$(call hash,SCRIPT_HASH,stage:emerge-root) \
	$(call hash,NOOP_HASH,noop)
opts-glibc = \
	$(call var,$(1),RUNTIME_FROM_BUILDER) \
	$(call var,$(1),RUNTIME_LIBS_FROM_BUILDER) \
	$(call hash,SCRIPT_HASH,stage:glibc) \
	$(call hash,HELPERS_HASH,helpers)
opts-unmerge = \
	$(call var,$(1),UNMERGE) \
	$(call hash,SCRIPT_HASH,stage:unmerge) \
	$(call hash,HELPERS_HASH,helpers)
opts-prune = \
	$(call var,$(1),PRUNE) \
	$(call var,$(1),KEEP) \
	$(call var,$(1),POST_PRUNE) \
	$(call hash,SCRIPT_HASH,stage:prune)
opts-scratch = \
	$(call var,$(1),TAG) \
	$(call var,$(1),COMPRESS) \
	$(call hash,YAML_HASH,$(IMG_DIR_$(1)):yaml) \
	$(call hash,ROOTFS_HASH,$(IMG_DIR_$(1)):rootfs) \
	$(call hash,TEST_HASH,$(IMG_DIR_$(1)):test) \
	$(call hash,SOURCE_DATE_EPOCH,$(IMG_DIR_$(1)):sde) \
	$(call hash,HELPERS_HASH,helpers)
# not a stage: what `pretend` reads (it starts from the world-rebuild snapshot)
opts-pretend = \
	$(call var,$(1),PACKAGES) \
	$(call var,$(1),PROVIDED) \
	$(call var,$(1),UNMERGE) \
	$(call hash,SCRIPT_HASH,stage:pretend)

OPT_FILES := $(STAGES) pretend
# (the line continuations above leave a space after each newline: dropped)
write-opts = $(foreach s,$(OPT_FILES),$(file >$(O)/$(1)/.opts-$(s).new,$(subst $(NL) ,$(NL),$(call opts-$(s),$(1)))))
$(shell mkdir -p $(addprefix $(O)/,$(WANTED)))
$(foreach i,$(WANTED),$(call write-opts,$(i)))
$(shell for f in $(foreach i,$(WANTED),$(foreach s,$(OPT_FILES),$(O)/$(i)/.opts-$(s))); do \
	if cmp -s "$$f.new" "$$f"; then rm -f "$$f.new"; else mv -f "$$f.new" "$$f"; fi; done)
endif

# --- names: snapshots, containers and locks of one build directory ---
# $(O)/.sm-id (made once, random) is part of every engine name, so two
# build directories never share snapshots, and a moved checkout keeps its own.
SM_ID = $(or $(file <$(O)/.sm-id),$(shell mkdir -p $(O) && od -An -N4 -tx1 /dev/urandom | tr -d ' \n' | tee $(O)/.sm-id))
snap = scratchmerge-$(SM_ID)/$(1)
kept = scratchmerge-$(SM_ID).$(1).prune
owner = $(SM_ID)/$(1)
# the tree volume: one per tree image (its ID), shared by every image
tree = scratchmerge-tree-$(patsubst sha256:%,%,$(call base-id,$(call iv,$(1),PORTAGE_IMAGE)))
with-lock = $(TOP)/mk/with-lock $(O)/$(1) $(1)
stage-env = SM_SNAP=$(call snap,$(1)) SM_OWNER=$(call owner,$(1)) SM_KEPT=$(call kept,$(1)) \
	SM_TREE=$(call tree,$(1)) SM_STAGE3_IMAGE=$(call iv,$(1),STAGE3_IMAGE) \
	SM_PORTAGE_IMAGE=$(call iv,$(1),PORTAGE_IMAGE) SM_JOBS=$(JOBS) \
	SM_PLATFORM=$(call iv,$(1),PLATFORM) V=$(V)

# --- the stages: one rule each, for every image ---
STAGE_DEPS := | $(HELPERS_STATIC) $(O)/bin/mkimage
prev-stage = $(word $(words $(call upto,$(1),$(STAGES))),x $(STAGES))
RUN_STAGE = $(TOP)/mk/run-stage
# make -s: the stage scripts print nothing either
export SM_QUIET := $(if $(findstring s,$(firstword -$(MAKEFLAGS))),1)

# $(call container-stage,STAGE)
define container-stage
$(O)/%/.stamp-$(1): $(if $(filter portage,$(1)),,$(O)/%/.stamp-$(call prev-stage,$(1))) $(O)/%/.opts-$(1) $(STAGE_DEPS)
	$$(Q)$$(call stage-env,$$*) $$(call with-lock,$$*) $$(RUN_STAGE) $$* $(1) \
		$$(if $$(filter portage,$(1)),$$(call iv,$$*,STAGE3_IMAGE),$$(call snap,$$*):$(call prev-stage,$(1))) \
		$(O)/$$*/.opts-$(1) $(O)/$$*/$(1).log $$(IMG_DIR_$$*) \
		$$(if $$(filter unmerge,$(1)),$$(if $$(strip $$(call iv,$$*,UNMERGE)),,--tag-only)) \
		$$(if $$(filter prune,$(1)),--keep)
	@touch $$@
endef
$(foreach s,$(CONTAINER_STAGES),$(eval $(call container-stage,$(s))))

$(O)/%/.stamp-scratch: $(O)/%/.stamp-prune $(O)/%/.opts-scratch $(STAGE_DEPS)
	$(Q)SM_KEPT=$(call kept,$*) V=$(V) $(call with-lock,$*) $(TOP)/mk/scratch $* $(IMG_DIR_$*) \
		$(call iv,$*,TAG) $(call iv,$*,COMPRESS) $(call fact,$(IMG_DIR_$*):sde) $(O) \
		$(lastword $(subst /, ,$(call iv,$*,PLATFORM)))
	@touch $@

## images/NAME            build every stage that is out of date, load NAME:latest
## images/NAME/STAGE      build up to and including STAGE
## images/NAME/STAGE-redo force STAGE (and everything after it) to run again
## images/NAME/shell      interactive shell in the newest snapshot of the image
## images/NAME/pretend    what ROOT=/destination emerge would merge (no build),
##                        set against UNMERGE and PROVIDED
## images/NAME/test       run images/NAME/test against the loaded image
## images/NAME/clean      remove its stamps, snapshots and outputs (caches stay)
## Stages: portage world-rebuild emerge-root glibc unmerge prune scratch
