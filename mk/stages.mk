# stages.mk: what each stage of an image is, one block a stage (the idea of
# Buildroot's pkg-generic.mk steps). mk/image.mk turns these blocks into
# everything else: the option files, the stamp rules and their
# prerequisites, mk/run-stage's arguments, the clean order and `make help`'s
# stage list. No other file names a stage. Adding a stage is one block here
# and one script mk/stages/NAME.sh (README, "Adding a stage").
#
# A block starts with the list it joins:
#   STAGES += NAME    the chain: each starts from the previous one's snapshot
#   CHECKS += NAME    a check: stamped, keeps nothing; NAME.BEFORE lists the
#                     stages that wait for it (an order-only prerequisite:
#                     a check that reruns does not rerun them)
#   ACTIONS += NAME   images/IMAGE/NAME: runs when asked, keeps nothing
# and sets:
#   NAME.HELP     one line for `make help`
#   NAME.KIND     container (mk/stages/NAME.sh in the builder) or host (NAME.CMD)
#   NAME.FROM     the stage whose snapshot it starts from (default: the
#                 previous stage of the chain; the first one starts from
#                 STAGE3_IMAGE)
#   NAME.VARS     the image variables it reads: SM_VAR in its option file
#   NAME.FACTS    computed inputs (mk/image.mk, fact.X): ENGINE STAGE3_ID
#                 PORTAGE_ID ARCH
#   NAME.INPUTS   files of the image directory it reads, hashed by content:
#                 image.yaml rootfs portage test
#   NAME.RUNS     the programs it runs, each an order-only prerequisite
#                 (built before it) whose content hash is in its option file
#                 (a change reruns it): script (mk/stages/NAME.sh and
#                 common.sh), noop (mk/stages/noop/), static:TOOL (a helper
#                 copied into the builder), host:TOOL ($(O)/bin/TOOL),
#                 file:PATH (a script on the host)
#   NAME.COPY     image-directory paths copied into the container, DIR:DEST
#   NAME.INHERIT  INPUTS that the PARENT chain gives too, copied (COPY) the
#                 furthest parent first and the image's own last, so that
#                 an image's file replaces a parent's of the same name; a
#                 change in a parent's reruns the stage
#   NAME.MOUNTS   tree (the Gentoo tree, read-only), caches (distfiles, binpkgs)
#   NAME.NETWORK  none, or fetch (the NETWORK knob: the stages that download)
#   NAME.MODE     commit (the snapshot is a committed image), export (ROOT and
#                 what the stages saved for the SBOM go to the host as tar
#                 files; nothing stays in the engine), discard (nothing kept)
#   NAME.SKIP_UNLESS VAR  nothing to do when the image's VAR is empty: the
#                 previous snapshot is tagged as this one
#   NAME.UPLOADS  PATH=VAR:EXPORT: what the image that the image variable VAR
#                 names exported of EXPORT (its ROOT, /destination, or what
#                 the stages saved, /var/lib/scratchmerge), or, for EXPORT
#                 image, its image's whole filesystem (ROOT but PRUNE, its
#                 rootfs/: $(O)/NAME/root.tar), extracted at PATH in the
#                 container; that image is built first, and a rebuild of it
#                 reruns this stage
#   NAME.CMD      (host) the command, $(1) = the image
#   NAME.EXPORTS  (MODE export) the paths exported instead of ROOT and the
#                 SBOM's, each to $(O)/IMAGE/NAME-PATH.tar
#   NAME.AFTER    (an action) a command run on the host once its container
#                 succeeded, $(1) = the image

STAGES += portage
portage.HELP    := the builder: STAGE3_IMAGE + portage/ + make.conf (USE, MAKE_CONF, binary packages)
portage.KIND    := container
portage.VARS    := STAGE3_IMAGE PORTAGE_IMAGE PLATFORM USE MAKE_CONF
portage.FACTS   := ENGINE STAGE3_ID PORTAGE_ID
portage.INPUTS  := portage
portage.RUNS    := script
portage.COPY    := portage:/etc/portage
# a child's packages build against its parents' USE and keywords: the
# packages the parent installed satisfy the child's dependencies as built
portage.INHERIT := portage
portage.MOUNTS  := tree
portage.NETWORK := none
portage.MODE    := commit

CHECKS += emulation
emulation.HELP    := (another architecture than the engine's) its builder runs here, through qemu-user and binfmt_misc, else how to make it
emulation.KIND    := host
emulation.FACTS   := ARCH STAGE3_ID
emulation.RUNS    := file:mk/platform-check
emulation.CMD      = $(TOP)/mk/platform-check $(ENGINE) $(call iv,$(1),PLATFORM) $(call fact.STAGE3_ID,$(1))

CHECKS += config
config.HELP     := image.yaml parsed by mkimage, on the host, before anything is built
config.KIND     := host
config.INPUTS   := image.yaml
config.RUNS     := host:mkimage
config.BEFORE   := portage scratch
config.CMD       = $(O)/bin/mkimage --check --config $(IMG_DIR_$(1))/image.yaml 2>&1 | \
	sed 's/^mkimage: /*** $(1): check config failed: /' >&2; exit $${PIPESTATUS[0]}

CHECKS += lint
lint.HELP       := USE, package.use, PACKAGES, PROVIDED, UNMERGE checked against the tree (uselint)
lint.KIND       := container
lint.FROM       := portage
lint.VARS       := USE PACKAGES PROVIDED UNMERGE
lint.FACTS      := ARCH
lint.RUNS       := script static:uselint
lint.MOUNTS     := tree
lint.NETWORK    := none
lint.MODE       := discard
lint.BEFORE     := world-rebuild emerge-root unmerge

STAGES += world-rebuild
world-rebuild.HELP    := emerge --update --changed-use --deep @world with the image's USE
world-rebuild.KIND    := container
world-rebuild.RUNS    := script
world-rebuild.MOUNTS  := tree caches
world-rebuild.NETWORK := fetch
world-rebuild.MODE    := commit

STAGES += parent
parent.HELP        := the PARENT image's filesystem and VDB laid into /destination: Portage takes its packages as installed
parent.KIND        := container
parent.VARS        := PARENT
parent.RUNS        := script
parent.UPLOADS     := /destination=PARENT:image /var/lib/scratchmerge/parent=PARENT:/var/lib/scratchmerge
parent.NETWORK     := none
parent.MODE        := commit
parent.SKIP_UNLESS := PARENT

STAGES += emerge-root
emerge-root.HELP    := PROVIDED into package.provided, then ROOT=/destination emerge PACKAGES
emerge-root.KIND    := container
emerge-root.VARS    := PACKAGES PROVIDED
emerge-root.RUNS    := script noop
emerge-root.MOUNTS  := tree caches
emerge-root.NETWORK := fetch
emerge-root.MODE    := commit

STAGES += glibc
glibc.HELP    := RUNTIME_FROM_BUILDER (and the libraries of RUNTIME_LIBS_FROM_BUILDER) copied from the builder
glibc.KIND    := container
glibc.VARS    := RUNTIME_FROM_BUILDER RUNTIME_LIBS_FROM_BUILDER
glibc.RUNS    := script static:vdb static:copyfiles
glibc.NETWORK := none
glibc.MODE    := commit

STAGES += unmerge
unmerge.HELP        := UNMERGE removed from ROOT by its CONTENTS
unmerge.KIND        := container
unmerge.VARS        := UNMERGE
unmerge.RUNS        := script static:vdb
unmerge.NETWORK     := none
unmerge.MODE        := commit
unmerge.SKIP_UNLESS := UNMERGE

STAGES += finish
finish.HELP    := soname check, FINISH, ld.so.cache; ROOT exported to the host (PRUNE comes after, in scratch)
finish.KIND    := container
finish.VARS    := FINISH
finish.RUNS    := script static:vdb
finish.NETWORK := none
finish.MODE    := export

# PRUNE and KEEP are applied here, on the host, as mkimage reads ROOT: a
# change of them writes the layer again, and no container runs
prune-args = --prune $(call shq,$(call iv,$(1),PRUNE)) --keep $(call shq,$(call iv,$(1),KEEP))
STAGES += scratch
scratch.HELP   := ROOT but PRUNE (except KEEP) + rootfs/ + image.yaml -> image.tar (one reproducible layer, SBOM), loaded, tested
scratch.KIND   := host
scratch.VARS   := PRUNE KEEP TAG COMPRESS PLATFORM
scratch.FACTS  := ARCH
scratch.INPUTS := image.yaml rootfs test
scratch.RUNS   := file:mk/scratch file:mk/sbom-attach host:mkimage host:sbom
scratch.CMD     = $(SCRATCH) --name $(1) --dir $(IMG_DIR_$(1)) --tag $(call iv,$(1),TAG) \
	--compress $(call iv,$(1),COMPRESS) --sde $(call fact,sde:$(IMG_DIR_$(1))) --arch $(call fact.ARCH,$(1)) \
	$(call prune-args,$(1)) --prune-origin $(call shq,$(call origin-of,$(1),PRUNE)) \
	--root $(call export-file,$(1),$(scratch.FROM),/destination) \
	--saved $(call export-file,$(1),$(scratch.FROM),/var/lib/scratchmerge) --out $(O)/$(1) \
	$(if $(call iv,$(1),PARENT),--parent $(O)/$(call related-to,$(call iv,$(1),PARENT),$(1))) \
	$(if $(IMG_INDEX_$(1)),--no-load)

ACTIONS += pretend
pretend.HELP    := what ROOT=/destination emerge would merge (no build), set against UNMERGE and PROVIDED
pretend.KIND    := container
pretend.FROM    := world-rebuild
pretend.VARS    := PACKAGES PROVIDED UNMERGE
pretend.RUNS    := script noop
pretend.MOUNTS  := tree
pretend.NETWORK := none
pretend.MODE    := discard

ACTIONS += binhost
binhost.HELP    := the binary package cache as a binhost: Portage's Packages (emaint binhost --fix), then exported to BINHOST_DIR (make binhost)
binhost.KIND    := container
binhost.FROM    := portage
binhost.RUNS    := script file:mk/binhost-dir
binhost.MOUNTS  := tree caches
binhost.NETWORK := none
binhost.MODE    := export
binhost.EXPORTS := /var/cache/binpkgs
binhost.AFTER    = $(TOP)/mk/binhost-dir $(call export-file,$(1),binhost,/var/cache/binpkgs) $(BINHOST_DIR)
