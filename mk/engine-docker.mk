# engine-docker.mk: how a stage runs in a container and is snapshotted.
# DOCKER=docker (default) or DOCKER=podman; both take the same commands.

DOCKER ?= docker
# Flags for every container of a stage, per engine. podman on this kind of
# machine: crun fails on hybrid cgroups, rootful podman wants explicit ulimits.
DOCKER_RUN_FLAGS ?=
PODMAN_RUN_FLAGS ?= --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
# := not ?=: these are exported, so a make run by a test under this make
# must not inherit them from the environment
ENGINE := $(DOCKER)
# which store the snapshots live in (a wrapper around docker is docker)
ENGINE_KIND := $(if $(filter podman,$(notdir $(ENGINE))),podman,docker)
ENGINE_RUN_FLAGS := $(if $(filter podman,$(ENGINE_KIND)),$(PODMAN_RUN_FLAGS),$(DOCKER_RUN_FLAGS))
# Real Gentoo builds fetch distfiles; the fixture builder runs with none.
NETWORK ?= default
# Caches shared by every image (named volumes): distfiles and binary packages.
CACHE_VOLUMES ?= scratchmerge-distfiles:/var/cache/distfiles scratchmerge-binpkgs:/var/cache/binpkgs

# Exported to mk/run-stage, mk/scratch and images/*/test.
export ENGINE ENGINE_RUN_FLAGS NETWORK CACHE_VOLUMES

# $(call engine-ids,IMAGE...): "IMAGE=ID" for each base image, in one call;
# missing images are pulled (real Gentoo path), a failed pull stops make
# with what to do.
engine-ids = $(strip $(shell $(TOP)/mk/base-ids $(1) || echo FAILED))
