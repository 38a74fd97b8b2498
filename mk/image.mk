# image.mk: the engine. An image is a directory with a Makefile that sets
# NAME_* variables and ends with $(eval $(image)); this file gives it the
# stages declared in mk/stages.mk and its targets. NAME is the directory's
# name, upper-cased with '-' as '_' for the variables
# (images/php-fpm -> PHP_FPM_PACKAGES).
#
# The rule for the defines below: inside an $(eval)'ed define, $(1), $(2)
# and $(3) take one '$' (expanded when the image is defined); everything
# else takes '$$' (expanded when make runs the rule).

include mk/engine-docker.mk
include mk/stages.mk

IMAGE_DIRS ?= images tests/images
# the engine's own architecture: a multi-platform image loads that one, and
# a builder of another one runs through emulation
ENGINE_ARCH ?= $(HOST_ARCH)
ALL_STAGES := $(STAGES) $(CHECKS) $(ACTIONS)
LAST_STAGE := $(lastword $(STAGES))
# a chain stage starts from the one before it; the first from STAGE3_IMAGE
prev := base
$(foreach s,$(STAGES),$(eval $(s).FROM ?= $(prev))$(eval prev := $(s)))
# the checks each stage waits for
$(foreach c,$(CHECKS),$(foreach s,$($(c).BEFORE),$(eval $(s).CHECKS += $(c))))

# upper-case, '-' as '_', in make itself (no process per image)
UPPER_MAP := a:A b:B c:C d:D e:E f:F g:G h:H i:I j:J k:K l:L m:M n:N o:O p:P q:Q r:R s:S t:T u:U v:V \
	w:W x:X y:Y z:Z -:_
upper = $(call map-chars,$(1),$(UPPER_MAP))
map-chars = $(if $(2),$(call map-chars,$(subst $(firstword $(subst :, ,$(firstword $(2)))),$(lastword $(subst \
	:, ,$(firstword $(2)))),$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
# an option-file key for a path or program name
key = $(call upper,$(subst .,_,$(subst /,_,$(subst :,_,$(1)))))
# $(call iv,NAME,VAR): an image's variable
# (an instance of a multi-platform image overrides PLATFORM and STAGE3_IMAGE)
iv = $(or $(IV_$(1)_$(2)),$($(IMG_VAR_$(1))_$(2)))
shq = '$(subst ','\'',$(1))'
define NL


endef

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
##   FINISH               shell commands run in the builder on ROOT (ROOT=/destination)
##                        before ld.so.cache is made
##   PRUNE                paths (globs) of ROOT left out of the image (default $(DEFAULT_PRUNE):
##                        docs, man, info, headers, pkgconfig, static libs, portage state,
##                        the VDB), on the host as the layer is written
##   KEEP                 paths PRUNE must not leave out
##   TAG                  the loaded image (default NAME:latest)
##   BUILDER              the builder's base images: gentoo (default: gentoo/stage3 and
##                        gentoo/portage, pulled) or fixture (tests/images/fixture.mk)
##   STAGE3_IMAGE PORTAGE_IMAGE   builder bases (default: the BUILDER's); pin to
##                        dated tags or digests
##   PLATFORM             builder platform and image architecture (default
##                        linux/amd64; linux/arm64 needs an arm64 builder or qemu)
##   PLATFORMS            several platforms (linux/amd64 linux/arm64): an image
##                        each, and an index of them
##   PARENT               the image this one is built on: its layers first, then
##                        one of this image's own; its portage/ under this one's
##   COMPRESS             layer compression: gzip (default), zstd, none
## An image's own variables (PHP_SLOT) are allowed, but one within two letters
##   of a known name is taken for a typo and stops make.
## Global knobs: DOCKER=docker|podman, O=build, JOBS=N, V=1, IMAGE_DIRS, NETWORK.

# Builders: where a stage3 and a tree come from. BUILDER.B.MAKE, when set,
# is a command (given the engine and the platform) that makes missing base
# images locally instead of pulling them. An IMAGE_DIRS directory's *.mk
# files may declare more (tests/images/fixture.mk).
BUILDER ?= gentoo
BUILDER.gentoo.STAGE3_IMAGE := gentoo/stage3:latest
# gentoo/stage3:latest is a manifest list of one image a platform, each also
# tagged on its own (gentoo-docker-images' deploy-manifests.sh): the
# instances of a multi-platform build pull those, so that each keeps its
# own tag in an engine that holds one platform a tag (docker 20.10)
BUILDER.gentoo.STAGE3_IMAGE.amd64 := gentoo/stage3:amd64-openrc
BUILDER.gentoo.STAGE3_IMAGE.arm64 := gentoo/stage3:arm64-openrc
BUILDER.gentoo.PORTAGE_IMAGE := gentoo/portage:latest
BUILDER.gentoo.NETWORK := default
STAGE3_IMAGE ?=
PORTAGE_IMAGE ?=
PLATFORM ?= linux/amd64
# several platforms: an image a platform and an OCI index of them (README)
PLATFORMS ?=
COMPRESS ?= gzip
# (computed once, when a recipe first needs it)
JOBS ?= $(eval JOBS := $(shell nproc))$(JOBS)
DEFAULT_PRUNE := /usr/share/doc /usr/share/man /usr/share/info /usr/share/gtk-doc \
	/usr/include /usr/lib*/pkgconfig /usr/share/pkgconfig \
	/lib*/*.a /usr/lib*/*.a /usr/lib*/*.la /usr/lib*/debug \
	/var/db/pkg /var/cache/edb /var/lib/portage /var/lib/gentoo /var/tmp/portage \
	/var/cache/distfiles /var/cache/binpkgs /etc/portage
# what an image may set: what the stages read, and what picks their defaults
IMAGE_VARS := $(sort $(foreach s,$(ALL_STAGES),$($(s).VARS)) RUNTIME_FROM_BUILDER BUILDER PLATFORMS)
builders = $(sort $(patsubst BUILDER.%.STAGE3_IMAGE,%,$(filter BUILDER.%.STAGE3_IMAGE,$(.VARIABLES))))

define inner-image
ifneq ($$(IMG_DIR_$(1)),)
$$(error $(3): an image named '$(1)' is already defined by $$(IMG_DIR_$(1)))
endif
ifeq ($$(strip $$($(2)_PACKAGES)),)
$$(error $(3)/Makefile: $(2)_PACKAGES is empty; name the packages to emerge into the image)
endif
$(2)_BUILDER ?= $$(BUILDER)
ifeq ($$(BUILDER.$$($(2)_BUILDER).STAGE3_IMAGE),)
$$(error $(3)/Makefile: $(2)_BUILDER is '$$($(2)_BUILDER)': no such builder (known: $$(builders)))
endif
$(2)_USE ?=
$(2)_MAKE_CONF ?=
$(2)_RUNTIME_FROM_BUILDER ?= sys-libs/glibc
$(2)_RUNTIME_LIBS_FROM_BUILDER ?=
$(2)_PROVIDED ?=
$(2)_UNMERGE ?=
$(2)_PARENT ?=
$(2)_PRUNE ?= $$(DEFAULT_PRUNE)
$(2)_KEEP ?=
$(2)_FINISH ?=
$(2)_TAG ?= $(1):latest
$(2)_STAGE3_IMAGE ?= $$(or $$(STAGE3_IMAGE),$$(BUILDER.$$($(2)_BUILDER).STAGE3_IMAGE))
$(2)_PORTAGE_IMAGE ?= $$(or $$(PORTAGE_IMAGE),$$(BUILDER.$$($(2)_BUILDER).PORTAGE_IMAGE))
$(2)_PLATFORM ?= $$(PLATFORM)
$(2)_PLATFORMS ?=
$(2)_COMPRESS ?= $$(COMPRESS)
ALL_IMAGES += $(1)
IMG_VAR_$(1) := $(2)
IMG_DIR_$(1) := $(3)
$(if $(word 2,$(call image-platforms,$(2))),$(call multi-image,$(1),$(2),$(3)),$(call instance,$(1),$(2),$(3),$(1),$(3),))
endef
# An image is built once for each of its PLATFORMS: one platform, as the
# image itself (NAME, build/NAME, images/NAME/STAGE); several, as one
# instance a platform (NAME.ARCH, build/NAME.ARCH, images/NAME/ARCH/STAGE)
# and an index of them (build/NAME/image.tar).
image-platforms = $(or $($(1)_PLATFORMS),$(PLATFORMS),$($(1)_PLATFORM),$(PLATFORM))
platform-arch = $(word 2,$(subst /, ,$(1)))
# $(call instance,NAME,VAR,DIR,INSTANCE,TARGET-DIR,PLATFORM): one set of stages
define instance
ALL_INSTANCES += $(4)
IMG_VAR_$(4) := $(2)
IMG_DIR_$(4) := $(3)
IMG_TARGET_$(4) := $(5)
$(if $(6),IV_$(4)_PLATFORM := $(6)
IMG_INDEX_$(4) := $(1))
$(if $(6)$(filter-out $(ENGINE_ARCH),$(call instance-arch,$(2),$(6))),IV_$(4)_STAGE3_IMAGE := $(call arch-stage3,$(2),$(call \
	instance-arch,$(2),$(6))))
$(call image-targets,$(4),$(5))
$(foreach s,$(ALL_STAGES),$(call upload-needs,$(4),$(2),$(s),$(6)))
$(if $(filter-out $(ENGINE_ARCH),$(call instance-arch,$(2),$(6))),$(call cross-helpers,$(4),$(call instance-arch,$(2),$(6))))
endef
instance-arch = $(call platform-arch,$(or $(2),$(call image-platforms,$(1))))
# a builder's own stage3 of one architecture (unless the image names one):
# for an instance of a multi-platform image, and for another architecture
# than the engine's
arch-stage3 = $(if $(filter file command line,$(origin $(1)_STAGE3_IMAGE))$(STAGE3_IMAGE),,$(BUILDER.$(or \
	$($(1)_BUILDER),$(BUILDER)).STAGE3_IMAGE.$(2)))
# another architecture: its stages run its cross-compiled static helpers,
# and the emulation check comes first
cross-helpers = $(foreach s,$(STAGES) $(CHECKS),$(O)/$(1)/.stamp-$(s): | $(call helpers-static,$(2))$(NL))$(O)/$(1)/.stamp-$(firstword \
	$(STAGES)): | $(O)/$(1)/.stamp-emulation$(NL)
# the images a stage uploads from are built before it, and a rebuild of
# one reruns it: $(O)/NAME/.stamp-STAGE: $(O)/OTHER/.stamp-LAST (or
# OTHER's root.tar, which is made after it)
upload-needs = $(foreach u,$($(3).UPLOADS),$(if $($(2)_$(call upload-var,$(u))),$(O)/$(1)/.stamp-$(3): $(call \
	upload-file,$(call related,$($(2)_$(call upload-var,$(u))),$(4)),$(call upload-what,$(u)),$(O)/$(call \
	related,$($(2)_$(call upload-var,$(u))),$(4))/.stamp-$(LAST_STAGE))$(NL)))
upload-var = $(firstword $(subst :, ,$(word 2,$(subst =, ,$(1)))))
upload-what = $(lastword $(subst :, ,$(1)))
# $(call upload-file,INSTANCE,WHAT[,ELSE]): the file of INSTANCE an upload
# of WHAT extracts: its image's filesystem (image: root.tar), or what its
# export stage exported of WHAT (ELSE instead, when given)
upload-file = $(if $(filter image,$(2)),$(O)/$(1)/root.tar,$(or $(3),$(call export-file,$(1),$(EXPORT_STAGE),$(2))))
# $(call related,IMAGE,PLATFORM): the instance of IMAGE for that platform
# of a multi-platform build (PLATFORM empty: IMAGE itself)
related = $(if $(2),$(1).$(call platform-arch,$(2)),$(1))
# the same, for a stage of INSTANCE
related-to = $(call related,$(1),$(if $(IMG_INDEX_$(2)),$(IV_$(2)_PLATFORM)))
image = $(call inner-image,$(IMAGE_NAME),$(IMAGE_VAR),$(IMAGE_DIR))

# $(call multi-image,NAME,VAR,DIR): an instance a platform, and the index
define multi-image
$(foreach p,$(call image-platforms,$(2)),$(call instance,$(1),$(2),$(3),$(1).$(call platform-arch,$(p)),$(3)/$(call \
	platform-arch,$(p)),$(p)))
IMG_INSTANCES_$(1) := $(foreach p,$(call image-platforms,$(2)),$(1).$(call platform-arch,$(p)))
$(call index-targets,$(1),$(3),$(foreach p,$(call image-platforms,$(2)),$(1).$(call platform-arch,$(p))))
endef
# $(call index-targets,NAME,DIR,INSTANCES): the targets of a multi-platform
# image: the index archive of its instances' images (mk/index: one
# build/NAME/image.tar, the engine's own platform loaded and tested), and
# each stage, check, test, report and clean for every instance
define index-targets
$(2) $(2)/: $(O)/$(1)/.stamp-index
$(O)/$(1)/.stamp-index: $(foreach i,$(3),$(O)/$(i)/.stamp-$(LAST_STAGE)) | $(O)/bin/mkimage $(ENGINE_TOOL)
	@rm -f $$@
	$$(Q)$$(call with-lock,$(1)) $$(TOP)/mk/index --name $(1) --dir $(2) --out $(O)/$(1) --tag $$(call iv,$(1),TAG) \
		--engine-arch $$(ENGINE_ARCH) $(foreach i,$(3),--image $(O)/$(i)/image.tar)
	@touch $$@
$(addprefix $(2)/,$(STAGES) $(CHECKS)): $(2)/%: $(foreach i,$(3),$(O)/$(i)/.stamp-%)
$(2)/test: $(O)/$(1)/.stamp-index
	$$(Q)$$(call run-test,$(1),$(2))
$(2)/clean: $(foreach i,$(3),$(2)/$(patsubst $(1).%,%,$(i))/clean)
	$$(Q)rm -rf $(O)/$(1)
PHONY += $(2) $(2)/ $(addprefix $(2)/,$(STAGES) $(CHECKS) test clean)
endef

# $(call image-targets,NAME,DIR): the phony targets of one image
define image-targets
$(2) $(2)/: $(O)/$(1)/.stamp-$(LAST_STAGE)
$(addprefix $(2)/,$(STAGES) $(CHECKS)): $(2)/%: $(O)/$(1)/.stamp-%
$(addprefix $(2)/,$(addsuffix -redo,$(STAGES))): $(2)/%-redo:
	$$(Q)rm -f $$(addprefix $(O)/$(1)/.stamp-,$$(call stages-from,$$*))
	$$(Q)$$(MAKE) $(2)
$(foreach a,$(ACTIONS),$(call action-rule,$(1),$(2),$(a))$(NL))
$(2)/shell:
	$$(Q)$$(call with-lock,$(1)) $$(TOP)/mk/shell $(1) $(O)/$(1) "$$(call snap,$(1))" $$(call chain-modes,$(1))
$(2)/test: $(O)/$(1)/.stamp-$(LAST_STAGE)
	$$(Q)$$(call run-test,$(1),$$(IMG_DIR_$(1)))
# the image's whole filesystem as one tar, for a child's parent stage
$(O)/$(1)/root.tar: $(O)/$(1)/.stamp-$(LAST_STAGE)
	$$(Q)$$(call with-lock,$(1)) $$(O)/bin/mkimage --root-out $$@ \
		--tar $$(call export-file,$(1),$$(EXPORT_STAGE),/destination) $$(call prune-args,$(1)) \
		$$(if $$(wildcard $$(IMG_DIR_$(1))/rootfs),--overlay $$(IMG_DIR_$(1))/rootfs)
$(2)/clean:
	$$(call msg,CLEAN,$(1))
	$$(Q)$$(call with-lock,$(1)) $$(TOP)/mk/clean-image $(O)/$(1) "$$(call snap,$(1))" "$$(call owner,$(1))" \
		$$(call reverse,$$(call committed-stages))
PHONY += $(2) $(2)/ $(addprefix $(2)/,$(ALL_STAGES) $(addsuffix -redo,$(STAGES)) shell test clean)
endef
# $(call action-rule,NAME,DIR,ACTION): images/NAME/ACTION, run when asked
define action-rule
$(2)/$(3): $(O)/$(1)/.stamp-$($(3).FROM) $(O)/$(1)/.opts-$(3) | $(call stage-progs,$(3)) $(ENGINE_TOOL)
	$$(Q)$$(WHY) $(1) $(3) $(O)/$(1)/.opts-$(3)
	$$(Q)$$(call with-lock,$(1)) $$(RUN_STAGE) $$(call run-stage-args,$(1),$(3)) --show
	$(if $($(3).AFTER),$$(Q)$$(call $(3).AFTER,$(1)))
	@rm -f $(O)/$(1)/.opts-$(3).old
endef

# the smoke test: it must be executable (its mode is an input of the last stage)
run-test = if [ -x $(2)/test ]; then $(2)/test $(call iv,$(1),TAG); \
	elif [ -e $(2)/test ]; then echo "$(2)/test is not executable: chmod +x $(2)/test" >&2; exit 1; \
	else echo "$(2): no test script (an executable $(2)/test gets the image reference as \$$1)"; fi

reverse = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
# the stages from STAGE to the end
stages-from = $(wordlist $(call stage-index,$(1)),$(words $(STAGES)),$(STAGES))
stage-index = $(words $(call upto,$(1),$(STAGES)))
upto = $(if $(filter $(1),$(firstword $(2))),$(1),$(firstword $(2)) $(call upto,$(1),$(wordlist 2,$(words $(2)),$(2))))
committed-stages = $(foreach s,$(STAGES),$(if $(filter commit,$($(s).MODE)),$(s)))
# STAGE=MODE[=EXPORTED-ROOT] for mk/shell, in chain order
chain-modes = $(foreach s,$(STAGES),$(if $(filter container,$($(s).KIND)),$(s)=$($(s).MODE)$(if \
	$(filter export,$($(s).MODE)),=$(call export-file,$(1),$(s),/destination))))

# --- read every image definition ---
define include-image
IMAGE_DIR := $(1)
IMAGE_NAME := $(notdir $(1))
IMAGE_VAR := $(call upper,$(notdir $(1)))
include $(1)/Makefile
ifeq ($$(IMG_DIR_$$(IMAGE_NAME)),)
UNDEFINED_IMAGES += $(1)
endif
endef
-include $(wildcard $(addsuffix /*.mk,$(IMAGE_DIRS)))
IMAGE_MAKEFILES := $(wildcard $(addsuffix /*/Makefile,$(IMAGE_DIRS)))
$(foreach m,$(IMAGE_MAKEFILES),$(eval $(call include-image,$(patsubst %/Makefile,%,$(m)))))

## images            build every image (not the test fixtures) in parallel with -j
IMAGES := $(foreach i,$(ALL_IMAGES),$(if $(filter tests/images/%,$(IMG_DIR_$(i))),,$(i)))
images: $(foreach i,$(IMAGES),$(IMG_DIR_$(i)))
PHONY += images

# --- goals that name a directory of IMAGE_DIRS that is no image ---
# ("Nothing to be done" for a directory would hide the mistake)
goal-dir = $(firstword $(foreach d,$(patsubst %/,%,$(IMAGE_DIRS)),$(if $(filter $(d)/%,$(1)),$(d)/$(firstword $(subst /, ,$(patsubst $(d)/%,%,$(1)))))))
define check-goal
ifneq ($(1),)
ifeq ($$(filter $(1),$$(foreach i,$$(ALL_IMAGES),$$(IMG_DIR_$$(i)))),)
ifneq ($$(filter $(1),$$(UNDEFINED_IMAGES)),)
$$(error $(1)/Makefile defines no image: it must end with the line $$$$(eval $$$$(image)) (README, "Adding an image"))
else ifneq ($$(wildcard $(1)/.),)
$$(error $(1) has no Makefile: an image is a directory with a Makefile and an image.yaml (README, "Adding an image"))
else
$$(error no image $(1); the images are: $$(foreach i,$$(ALL_IMAGES),$$(IMG_DIR_$$(i))))
endif
endif
endif
endef
$(foreach g,$(MAKECMDGOALS),$(eval $(call check-goal,$(call goal-dir,$(g)))))
$(foreach u,$(filter-out $(foreach g,$(MAKECMDGOALS),$(call goal-dir,$(g))),$(UNDEFINED_IMAGES)),\
	$(warning $(u)/Makefile defines no image (no $$(eval $$(image)) line): ignored))

# --- option files: what each stage reads, rewritten only when it changes ---
# They are written while make reads this file (not by rules), for the
# images named on the command line only, so that `make -q` answers exactly.
goal-image = $(strip $(foreach i,$(ALL_IMAGES),$(if $(filter $(IMG_DIR_$(i)) $(IMG_DIR_$(i))/%,$(1)),$(i))))
WANTED_GOALS := $(sort $(foreach g,$(filter-out %/clean %/shell,$(MAKECMDGOALS)),$(call goal-image,$(g))) \
	$(if $(filter images,$(MAKECMDGOALS)),$(IMAGES)))
# and the images they are built on (PARENT, recursively; a loop stops)
with-parents = $(if $(filter-out $(2),$(1)),$(call with-parents,$(sort $(1) $(foreach i,$(1),$(call \
	iv,$(i),PARENT))),$(1)),$(1))
WANTED_IMAGES := $(call with-parents,$(WANTED_GOALS),)
# each platform of a multi-platform image is an instance of it
WANTED := $(foreach i,$(WANTED_IMAGES),$(or $(IMG_INSTANCES_$(i)),$(i)))
# PARENT names another image, and no image is its own ancestor
$(foreach i,$(WANTED_IMAGES),$(if $(call iv,$(i),PARENT),$(if $(filter $(call iv,$(i),PARENT),$(ALL_IMAGES)),,$(error \
	$(IMG_DIR_$(i))/Makefile: $(IMG_VAR_$(i))_PARENT is '$(call iv,$(i),PARENT)': no image of that name; the images \
	are $(ALL_IMAGES)))$(if $(filter $(i),$(call with-parents,$(call iv,$(i),PARENT),)),$(error $(IMG_DIR_$(i))/Makefile: \
	$(IMG_VAR_$(i))_PARENT: $(i) would be built on itself ($(call with-parents,$(call iv,$(i),PARENT),))))))

# the images an image or instance is built on, the furthest first
ancestors = $(if $(call iv,$(1),PARENT),$(call ancestors,$(call iv,$(1),PARENT)) $(call iv,$(1),PARENT))

# The content hashes behind the option files: one mk/image-facts call
# (cached) for every input and program of the wanted images.
# an image input: tree:PATH (names, modes, links, contents)
input-spec = tree:$(IMG_DIR_$(1))/$(2)
# the same input of the parents (NAME.INHERIT): IMAGE:INPUT, furthest first
inherited = $(foreach n,$($(2).INHERIT),$(foreach a,$(call ancestors,$(1)),$(a):$(n)))
inherited-spec = $(call input-spec,$(firstword $(subst :, ,$(1))),$(lastword $(subst :, ,$(1))))
# a program a stage runs: the files it is made of
prog-files.script = mk/stages/common.sh mk/stages/$(1).sh
prog-files.noop = mk/stages/noop
prog-files.static = $(call tool-sources,$(2)) $(O)/.cflags
prog-files.host = $(call tool-sources,$(2)) $(O)/.cflags
prog-files.file = $(2)
prog-kind = $(firstword $(subst :, ,$(1)))
prog-arg = $(word 2,$(subst :, ,$(1)))
prog-spec = $(if $(filter noop,$(2)),tree:mk/stages/noop,files:$(subst $(subst ,, ),$(comma),$(strip \
	$(call prog-files.$(call prog-kind,$(2)),$(1),$(call prog-arg,$(2))))))
comma := ,
# what a program is called in messages
prog-name = $(if $(filter script,$(2)),mk/stages/$(1).sh,$(if $(filter noop,$(2)),mk/stages/noop,$(if \
	$(filter static:%,$(2)),helper $(call prog-arg,$(2)),$(if $(filter host:%,$(2)),helper $(call prog-arg,$(2)),$(call prog-arg,$(2))))))
# the programs as make targets (built before the stage runs)
prog-target = $(if $(filter static:%,$(1)),$(O)/bin-static/$(call prog-arg,$(1)),$(if $(filter host:%,$(1)),$(O)/bin/$(call prog-arg,$(1))))
stage-progs = $(foreach p,$($(1).RUNS),$(call prog-target,$(p)))

# REF|COMMAND|PLATFORM: COMMAND (empty: pull) makes the base image when
# the engine lacks it (a builder that makes its own: tests/images/fixture.mk)
# (the tree is the same for every platform: the engine's own is pulled)
base-spec = $(call iv,$(1),$(2))|$(BUILDER.$(call iv,$(1),BUILDER).MAKE)|$(if $(filter STAGE3_IMAGE,$(2)),$(call \
	iv,$(1),PLATFORM))
base-id = $(patsubst $(1)=%,%,$(filter $(1)=%,$(BASE_IDS)))

# An image variable that is not a known one but within two edits of one
# is a typo (MINE_USES): stop, naming the Makefile, line and known name.
# Variables of another image whose name extends this one's are not its own.
own-vars = $(patsubst $(IMG_VAR_$(1))_%,%,$(filter $(IMG_VAR_$(1))_%,$(.VARIABLES)))
other-prefixes = $(foreach j,$(filter-out $(1),$(ALL_IMAGES)),$(if $(filter $(IMG_VAR_$(1))_%,$(IMG_VAR_$(j))),$(patsubst \
	$(IMG_VAR_$(1))_%,%,$(IMG_VAR_$(j)))_%))
typo-where = $(if $(filter command,$(origin $(IMG_VAR_$(1))_$(firstword $(subst >, ,$(2))))),the command \
	line,$(IMG_DIR_$(1))/Makefile:$(lastword $(subst @, ,$(2))))
unknown-vars = $(filter-out $(IMAGE_VARS) $(call other-prefixes,$(1)),$(call own-vars,$(1)))
typo-spec = $(if $(call unknown-vars,$(1)),close:$(IMG_DIR_$(1))/Makefile:$(IMG_VAR_$(1)):$(subst \
	$(subst ,, ),$(comma),$(strip $(call unknown-vars,$(1)))))
ifneq ($(WANTED),)
FACT_SPECS := $(sort $(foreach i,$(WANTED),$(foreach s,$(ALL_STAGES), \
	$(foreach n,$($(s).INPUTS),$(call input-spec,$(i),$(n))) $(foreach p,$($(s).RUNS),$(call prog-spec,$(s),$(p))) \
	$(foreach a,$(call inherited,$(i),$(s)),$(call inherited-spec,$(a)))) \
	sde:$(IMG_DIR_$(i)) exec:$(IMG_DIR_$(i))/test lines:$(IMG_DIR_$(i))/Makefile:$(IMG_VAR_$(i)) \
	$(call typo-spec,$(i))))
FACTS := $(shell $(TOP)/mk/image-facts --cache $(O)/.facts --known $(subst $(subst ,, ),$(comma),$(IMAGE_VARS)) $(FACT_SPECS))
fact = $(patsubst $(1)=%,%,$(filter $(1)=%,$(FACTS)))

$(foreach i,$(WANTED),$(foreach t,$(subst $(comma), ,$(call fact,$(call typo-spec,$(i)))),$(error \
	$(call typo-where,$(i),$(t)): $(IMG_VAR_$(i))_$(firstword $(subst >, ,$(t))) is not a variable scratchmerge \
	reads: did you mean $(IMG_VAR_$(i))_$(word 2,$(subst >, ,$(firstword $(subst @, ,$(t)))))? (an image's own \
	variable must differ from the known names, listed by make help, by more than two letters))))
# a variable that was renamed is not ignored: OLD>NEW, and why
RENAMED_VARS := POST_PRUNE>FINISH
RENAMED.POST_PRUNE := it runs before PRUNE now, which mkimage applies as it writes the layer
$(foreach i,$(WANTED),$(foreach r,$(RENAMED_VARS),$(if $(filter-out undefined,$(origin \
	$(IMG_VAR_$(i))_$(firstword $(subst >, ,$(r))))),$(error $(IMG_DIR_$(i))/Makefile: $(IMG_VAR_$(i))_$(firstword \
	$(subst >, ,$(r))) is now $(IMG_VAR_$(i))_$(lastword $(subst >, ,$(r))) ($(RENAMED.$(firstword $(subst >, ,$(r))))): \
	rename it))))
# a test that is there but not executable is not run: say so every time
$(foreach i,$(WANTED),$(if $(filter 0,$(call fact,exec:$(IMG_DIR_$(i))/test)),$(warning $(IMG_DIR_$(i))/test is not \
	executable, so the smoke test does not run: chmod +x $(IMG_DIR_$(i))/test)))

BASES := $(sort $(foreach i,$(WANTED),$(call base-spec,$(i),STAGE3_IMAGE) $(call base-spec,$(i),PORTAGE_IMAGE)))
BASE_IDS := $(call engine-ids,$(BASES))
ifneq ($(filter FAILED,$(BASE_IDS)),)
$(error cannot get the base images of $(WANTED) (see above))
endif
endif

# The computed inputs a stage may name in NAME.FACTS
fact.ENGINE = $(ENGINE_KIND)
fact.STAGE3_ID = $(call base-id,$(call iv,$(1),STAGE3_IMAGE))
fact.PORTAGE_ID = $(call base-id,$(call iv,$(1),PORTAGE_IMAGE))
fact.ARCH = $(word 2,$(subst /, ,$(call iv,$(1),PLATFORM)))

# The option file of STAGE for NAME, one input a line: SM_VAR='value' for
# what the stage reads, SM_IN_*/SM_RUN_* content hashes with what they hash
# after a '#' (mk/why names them)
opt = SM_$(1)=$(call shq,$(2))$(NL)
hashed = SM_$(1)=$(call shq,$(2))	$(HASH) $(3)$(NL)
HASH := \#
opts-vars = $(foreach v,$($(2).VARS),$(call opt,$(v),$(call iv,$(1),$(v))))
opts-facts = $(foreach f,$($(2).FACTS),$(call opt,$(f),$(call fact.$(f),$(1))))
opts-inputs = $(foreach n,$($(2).INPUTS),$(call hashed,IN_$(call key,$(n)),$(call fact,$(call input-spec,$(1),$(n))),$(n)))$(foreach \
	a,$(call inherited,$(1),$(2)),$(call hashed,IN_$(call key,$(a)),$(call fact,$(call inherited-spec,$(a))),$(subst :,'s ,$(a))))
opts-runs = $(foreach p,$($(2).RUNS),$(call hashed,RUN_$(call key,$(p)),$(call fact,$(call prog-spec,$(2),$(p))),$(call \
	prog-name,$(2),$(p))))
# (no space between the parts: an empty one adds none; foreach joins with
# one, after a newline, which write-if-changed drops)
opts-of = $(call opts-vars,$(1),$(2))$(call opts-facts,$(1),$(2))$(call opts-inputs,$(1),$(2))$(call opts-runs,$(1),$(2))
# The context of an image's stages: what they need for their messages but
# what must not rerun anything (where the image lives, where each of its
# variables was set)
lines-of = $(subst $(comma), ,$(call fact,lines:$(IMG_DIR_$(1))/Makefile:$(IMG_VAR_$(1))))
line-of = $(patsubst $(2):%,%,$(filter $(2):%,$(call lines-of,$(1))))
origin-of = $(if $(filter command,$(origin $(IMG_VAR_$(1))_$(2))),the command line,$(if \
	$(call line-of,$(1),$(2)),$(IMG_DIR_$(1))/Makefile:$(call line-of,$(1),$(2)),the default of $(2)))
context-of = $(call opt,IMG_DIR,$(IMG_DIR_$(1)))$(call opt,IMG_VAR,$(IMG_VAR_$(1)))$(foreach \
	v,$(IMAGE_VARS),$(call opt,ORIGIN_$(v),$(strip $(call origin-of,$(1),$(v)))))
# BINHOST (mk/binhost.mk): where the emerging stages may also take binary
# packages from; in the context, not an input: no stage reruns for it
context-of += $(call opt,BINHOST,$(BINHOST))
# the parents' files in the image's /etc/portage (portage.INHERIT), each
# REL=FILE: the lint names them by where they are
context-of += $(if $(call ancestors,$(1)),$(call opt,INHERITED_PORTAGE,$(shell $(TOP)/mk/inherited-files $(foreach \
	a,$(call ancestors,$(1)) $(1),$(IMG_DIR_$(a))/portage))))
# Each file is compared in make itself (no process when nothing changed);
# a changed one is written as FILE.new and put in place by mk/update-opts.
CHANGED_FILES :=
write-if-changed = $(call write-changed,$(1),$(subst $(NL) ,$(NL),$(2)))
# (the text ends with a newline; make 4.3's $(file >) adds one, $(file <)
# drops one: the file read back is the text, or, written otherwise, the
# text less its newline)
# (read into a variable first: make 4.3 gave a $(file <) nested in a
# comparison wrong text now and then)
write-changed = $(eval OLD_TEXT := $$(file <$(1)))$(if $(call same-text,$(OLD_TEXT),$(2))$(call \
	same-text,$(OLD_TEXT)$(NL),$(2)),,$(file >$(1).new,$(2))$(eval CHANGED_FILES += $(1)))
# (equal strings: each, taken out of the other, leaves nothing)
same-text = $(if $(subst x$(1)x,,x$(2)x)$(subst x$(2)x,,x$(1)x),,same)
ifneq ($(WANTED),)
$(foreach i,$(WANTED),$(if $(wildcard $(O)/$(i)/.),,$(shell mkdir -p $(O)/$(i))))
$(foreach i,$(WANTED),$(foreach s,$(ALL_STAGES),$(call write-if-changed,$(O)/$(i)/.opts-$(s),$(call opts-of,$(i),$(s)))) \
	$(call write-if-changed,$(O)/$(i)/.context,$(call context-of,$(i))))
ifneq ($(CHANGED_FILES),)
$(shell $(TOP)/mk/update-opts $(CHANGED_FILES))
endif
endif

# --- names: snapshots, containers and locks of one build directory ---
# $(O)/.sm-id (made once, random) is part of every engine name, so two
# build directories never share snapshots, and a moved checkout keeps its own.
SM_ID = $(or $(file <$(O)/.sm-id),$(shell mkdir -p $(O) && od -An -N4 -tx1 /dev/urandom | tr -d ' \n' | tee $(O)/.sm-id))
snap = scratchmerge-$(SM_ID)/$(1)
owner = $(SM_ID)/$(1)
# the tree volume: one per tree image (its ID), shared by every image
tree = scratchmerge-gentoo-$(patsubst sha256:%,%,$(call base-id,$(call iv,$(1),PORTAGE_IMAGE)))
with-lock = $(TOP)/mk/with-lock $(O)/$(1) $(1)
# what an export-mode stage writes: $(O)/NAME/STAGE-PATH.tar
export-file = $(O)/$(1)/$(2)$(subst /,-,$(3)).tar
EXPORTS := /destination /var/lib/scratchmerge
# the network of a stage: the fetching ones get NETWORK (the builder's by default)
stage-network = $(if $(filter fetch,$($(2).NETWORK)),$(or $(NETWORK),$(BUILDER.$(call iv,$(1),BUILDER).NETWORK),default),none)
# where a stage starts: the base image, or the snapshot of the stage before
stage-from = $(if $(filter base,$($(2).FROM)),$(call fact.STAGE3_ID,$(1)),$(call snap,$(1)):$($(2).FROM))
# what a container stage does with its container
stage-mode = $(if $($(2).SKIP_UNLESS),$(if $(strip $(call iv,$(1),$($(2).SKIP_UNLESS))),$($(2).MODE),tag),$($(2).MODE))

# --- the stages: one pattern rule each, for every image ---
RUN_STAGE = $(TOP)/mk/run-stage
SCRATCH = $(TOP)/mk/scratch
WHY = $(TOP)/mk/why
# make -s: the stage scripts print nothing either
export SM_QUIET := $(if $(findstring s,$(firstword -$(MAKEFLAGS))),1)

# mk/run-stage's arguments, all from the declaration
run-stage-args = --name $(1) --stage $(2) --dir $(IMG_DIR_$(1)) --from $(call stage-from,$(1),$(2)) \
	--opts $(O)/$(1)/.opts-$(2) --context $(O)/$(1)/.context --log $(O)/$(1)/$(2).log \
	--snap $(call snap,$(1)) --owner $(call owner,$(1)) --mode $(call stage-mode,$(1),$(2)) \
	--network $(call stage-network,$(1),$(2)) --platform $(call iv,$(1),PLATFORM) --jobs $(JOBS) \
	$(if $(filter tree,$($(2).MOUNTS)),--tree $(call tree,$(1))=$(call iv,$(1),PORTAGE_IMAGE)=$(call fact.STAGE3_ID,$(1))) \
	$(if $(filter caches,$($(2).MOUNTS)),--caches) \
	--program mk/stages/common.sh=stages/common.sh \
	$(foreach p,$($(2).RUNS),$(call run-stage-program,$(2),$(p),$(1))) \
	$(foreach c,$($(2).COPY),$(call run-stage-copy,$(1),$(2),$(c))) \
	$(if $(filter export,$($(2).MODE)),$(foreach e,$(or $($(2).EXPORTS),$(EXPORTS)),--export $(e)=$(call export-file,$(1),$(2),$(e)))) \
	$(foreach u,$($(2).UPLOADS),$(call run-stage-upload,$(1),$(u))) \
	$(if $(filter $(2),$(STAGES)),--warm $(O)/$(1)/.warm $(if $(call keeps-warm,$(1),$(2)),--warm-keep))
# A chain stage's container stays running for the next stage that runs (a
# stage that only tags, SKIP_UNLESS, is passed over) when that one is a
# container of the same MOUNTS and network: it runs its script there, and
# saves a container's create and start (mk/run-stage, --warm).
stages-after = $(if $(filter $(1),$(firstword $(2))),$(wordlist 2,$(words $(2)),$(2)),$(if \
	$(2),$(call stages-after,$(1),$(wordlist 2,$(words $(2)),$(2)))))
next-running = $(firstword $(foreach t,$(call stages-after,$(2),$(STAGES)),$(if $(filter tag,$(call stage-mode,$(1),$(t))),,$(t))))
same-mounts = $(and $(filter container,$($(3).KIND)),$(if $(filter-out $($(2).MOUNTS),$($(3).MOUNTS))$(filter-out \
	$($(3).MOUNTS),$($(2).MOUNTS)),,1),$(filter $(call stage-network,$(1),$(2)),$(call stage-network,$(1),$(3))))
keeps-warm = $(and $(filter commit,$(call stage-mode,$(1),$(2))),$(call same-mounts,$(1),$(2),$(call next-running,$(1),$(2))))
# --copy DIR=DEST: the parents' first when the stage inherits DIR
run-stage-copy = $(foreach a,$(if $(filter $(firstword $(subst :, ,$(3))),$($(2).INHERIT)),$(call \
	ancestors,$(1))) $(1),--copy $(IMG_DIR_$(a))/$(subst :,=,$(3)))
# --upload PATH=FILE: what another image exported (mk/stages.mk, UPLOADS)
run-stage-upload = $(if $(call iv,$(1),$(call upload-var,$(2))),--upload $(firstword $(subst =, ,$(2)))=$(call \
	upload-file,$(call related-to,$(call iv,$(1),$(call upload-var,$(2))),$(1)),$(call upload-what,$(2))))
EXPORT_STAGE = $(firstword $(foreach s,$(STAGES),$(if $(filter export,$($(s).MODE)),$(s))))
run-stage-program = $(if $(filter script,$(2)),--program mk/stages/$(1).sh=stages/$(1).sh,$(if $(filter noop,$(2)),--program \
	mk/stages/noop=stages/noop,$(if $(filter static:%,$(2)),--program $(call helpers-static-dir,$(call fact.ARCH,$(3)))/$(call prog-arg,$(2))=bin/$(call \
	prog-arg,$(2)))))

# $(call stage-rule,STAGE): the stamp of STAGE for every image. Its
# prerequisites: the stage it starts from, its option file; order-only,
# the programs it runs and the checks it waits for. The old stamp goes
# first: it never outlives a failed or interrupted run. A stage holds the
# image's lock (mk/with-lock) but for one that starts from nothing (the
# config check: it reads image.yaml, writes its stamp, and may run beside
# the chain under make -j).
stage-lock = $(if $($(1).FROM),$$(call with-lock,$$*))
define stage-rule
$(O)/%/.stamp-$(1): $(if $(filter-out base,$($(1).FROM)),$(O)/%/.stamp-$($(1).FROM)) $(O)/%/.opts-$(1) \
		| $(call stage-progs,$(1)) $(ENGINE_TOOL) $(addprefix $(O)/%/.stamp-,$($(1).CHECKS))
	@rm -f $$@
	$$(Q)$$(WHY) $$* $(1) $$(@D)/.opts-$(1)
	$$(Q)$(call stage-lock,$(1)) $(if $(filter container,$($(1).KIND)),$$(RUN_STAGE) $$(call run-stage-args,$$*,$(1)),$$(call \
		$(1).CMD,$$*))
	@rm -f $$(@D)/.opts-$(1).old && touch $$@
endef
$(foreach s,$(STAGES) $(CHECKS),$(eval $(call stage-rule,$(s))))

# make help's stage list, from the declarations
## images/NAME            build every stage that is out of date, load NAME:latest
## images/NAME/STAGE      build up to and including STAGE (or run the check STAGE)
## images/NAME/STAGE-redo force STAGE (and everything after it) to run again
## images/NAME/shell      interactive shell in the newest snapshot of the image
## images/NAME/test       run images/NAME/test against the loaded image
## images/NAME/clean      remove its stamps, snapshots and outputs (caches stay)
help-line = '$(subst ','\'',$(1))'
help-stages = $(call help-line,Stages of an image$(comma) in order (mk/stages.mk; images/NAME/STAGE builds up to STAGE):) \
	$(foreach s,$(STAGES),$(call help-line,  $(s)$(if $($(s).CHECKS), (waits for $(subst $(subst ,, ),$(comma),$($(s).CHECKS)))): $($(s).HELP))) \
	$(call help-line,Checks (images/NAME/CHECK; they keep nothing):) \
	$(foreach c,$(CHECKS),$(call help-line,  $(c): $($(c).HELP))) \
	$(call help-line,Actions (images/NAME/ACTION; nothing is kept):) \
	$(foreach a,$(ACTIONS),$(call help-line,  $(a): $($(a).HELP)))
