# binhost.mk: the binary package cache as a binhost, and BINHOST.
#
# Every image's fetching stages write what they compile to one named volume,
# scratchmerge-binpkgs (FEATURES=buildpkg, binpkg-multi-instance, gpkg). make
# binhost turns it into a directory any static HTTP server can serve as a
# Portage binhost: images/BINHOST_IMAGE/binhost (mk/stages.mk) runs `emaint
# binhost --fix` in that image's builder (its portage snapshot, the caches
# mounted) so that Portage writes the Packages index itself, exports the
# volume as it is and unpacks it as BINHOST_DIR (mk/binhost-dir). The
# builder only indexes: the packages are those of every image built with
# this engine, not BINHOST_IMAGE's alone.
#
# BINHOST=URL (of such a directory, served) makes world-rebuild and
# emerge-root take binary packages from it too (mk/stages/common.sh:
# binrepos.conf and FEATURES=getbinpkg), a package being taken only when its
# version and USE match (--binpkg-respect-use=y), the others built. It is no
# input of any stage (it reaches them through the image's context file): a
# stage's result does not depend on where a matching binary came from, so
# setting or changing it reruns nothing.

## binhost           the binary package cache as a binhost directory, BINHOST_DIR (build/binhost):
##                   Packages written by Portage (emaint binhost --fix) and the gpkg files, for
##                   any static HTTP server; in the builder of BINHOST_IMAGE (default: the first
##                   image of make images). BINHOST=http://HOST[:PORT]/PATH: the stages that
##                   emerge also take matching binary packages from there
BINHOST_IMAGE ?= $(firstword $(IMAGES))
BINHOST_DIR ?= $(O)/binhost
BINHOST ?=
binhost:
	$(if $(IMG_DIR_$(BINHOST_IMAGE)),,$(error make binhost: BINHOST_IMAGE is '$(BINHOST_IMAGE)', no image$(if \
		$(BINHOST_IMAGE),, (its default, the first image of make images: there is none)): set BINHOST_IMAGE=NAME, \
		one of $(ALL_IMAGES), whose builder then indexes the cache))
	$(Q)$(MAKE) $(IMG_DIR_$(BINHOST_IMAGE))/binhost
PHONY += binhost

# the emerging stages must reach BINHOST: not with NETWORK none (the
# fixture builder's), which would build every package silently
ifneq ($(BINHOST),)
$(foreach i,$(WANTED),$(if $(filter none,$(call stage-network,$(i),emerge-root)),$(warning $(i): BINHOST is \
	set but its emerging stages run with NETWORK=none: no binary package can be fetched (NETWORK=host reaches \
	a binhost on this machine's loopback))))
endif
