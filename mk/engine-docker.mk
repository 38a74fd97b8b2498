# engine-docker.mk: how a stage runs in a container and is snapshotted.
# DOCKER=docker or DOCKER=podman; both take the same commands. Unset: docker
# if its daemon answers, else podman (mk/base-ids picks, in the one engine
# call it makes anyway, and names the engine and its storage driver).

DOCKER ?=
# Flags for every container of a stage, per engine. podman on this kind of
# machine: crun fails on hybrid cgroups, rootful podman wants explicit ulimits.
DOCKER_RUN_FLAGS ?=
PODMAN_RUN_FLAGS ?= --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
# := not ?=: these are exported, so a make run by a test under this make
# must not inherit them from the environment
ENGINE := $(or $(DOCKER),docker)
# which store the snapshots live in (a wrapper around docker is docker);
# recursive: mk/base-ids may pick another engine while make reads this
ENGINE_KIND = $(if $(filter podman,$(notdir $(ENGINE))),podman,docker)
engine-run-flags = $(if $(filter podman,$(ENGINE_KIND)),$(PODMAN_RUN_FLAGS),$(DOCKER_RUN_FLAGS))
ENGINE_RUN_FLAGS := $(engine-run-flags)
# Real Gentoo builds fetch distfiles; the fixture builder runs with none.
NETWORK ?= default
# Caches shared by every image (named volumes): distfiles and binary packages.
CACHE_VOLUMES ?= scratchmerge-distfiles:/var/cache/distfiles scratchmerge-binpkgs:/var/cache/binpkgs

# The stages' engine client: the engine tool (helpers/engine.c: a whole
# stage in one process, over the Engine API) for a docker engine; the CLI
# through mk/engine-cli (the same interface) for podman (daemonless: its
# API service costs more a stage than its CLI), for an ssh:// engine (the
# docker CLI keeps one connection, the tool would open one a request) and
# when DOCKER_RUN_FLAGS adds flags only the CLI takes.
ENGINE_TOOL := $(O)/bin/engine
ENGINE_CLIENT = $(if $(filter podman,$(ENGINE_KIND))$(filter ssh://%,$(DOCKER_HOST))$(strip \
	$(engine-run-flags)),$(TOP)/mk/engine-cli,$(abspath $(ENGINE_TOOL)))

# A registry (host[:port]/repo) where the stages' results are shared
# between engines (mk/stage-cache); empty: none.
SNAPSHOT_REGISTRY ?=

# Exported to mk/run-stage, mk/scratch and images/*/test.
export ENGINE ENGINE_RUN_FLAGS NETWORK CACHE_VOLUMES ENGINE_CLIENT SNAPSHOT_REGISTRY

# $(call engine-ids,IMAGE...): "IMAGE=ID" for each base image, in one call;
# missing images are pulled (real Gentoo path), a failed pull stops make
# with what to do. Sets ENGINE to the engine picked; base-ids prints one
# line naming it and its storage driver (make -s: none), and a warning on vfs.
engine-ids = $(call engine-adopt,$(strip $(shell SM_DOCKER='$(DOCKER)' SM_ENGINE_CACHE='$(O)/.engine' SM_ENGINE_TOOL='$(ENGINE_TOOL)' \
	SM_ENGINE_QUIET=$(findstring s,$(firstword -$(MAKEFLAGS))) $(TOP)/mk/base-ids $(foreach b,$(1),'$(b)') || echo FAILED)))
engine-fact = $(patsubst @$(1)=%,%,$(filter @$(1)=%,$(2)))
engine-adopt = $(if $(call engine-fact,engine,$(1)),$(eval ENGINE := $(call engine-fact,engine,$(1)))$(eval \
	ENGINE_RUN_FLAGS := $(engine-run-flags)))$(filter-out @%,$(1))

# The targets that use the engine without asking for base images
ifeq ($(DOCKER),)
ifneq ($(filter %/clean %/shell,$(MAKECMDGOALS)),)
$(if $(filter FAILED,$(call engine-ids,)),$(error no container engine (see above)))
endif
endif
