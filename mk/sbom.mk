# sbom.mk: what an image holds and where it goes (issue 10). The scratch
# stage writes $(O)/NAME/sbom.spdx.json and attaches it to image.tar
# (mk/sbom-attach); these targets read the result.
#
## images/NAME/report    packages by size, biggest files, what PRUNE and UNMERGE
##                        removed, setuid/setgid/capabilities, UNMERGE candidates
##                        (text; the same as JSON in $(O)/NAME/report.json)
## images/NAME/push      REGISTRY=host[:port]/path: copy image.tar (and its SBOM)
##                        with skopeo; PUSH_FLAGS for credentials and TLS
##                        (e.g. --dest-tls-verify=false, --dest-creds user:pass)

SKOPEO ?= skopeo
PUSH_FLAGS ?=

# $(call sbom-targets,INSTANCE): report and push of one image (of one
# platform of a multi-platform image: images/NAME/ARCH/report)
define sbom-targets
$(IMG_TARGET_$(1))/report: $(O)/$(1)/.stamp-$(LAST_STAGE) | $(O)/bin/sbom
	$$(Q)O_BIN=$(O)/bin $$(TOP)/mk/report $(1) $(O)/$(1) $$(if $$(call iv,$(1),PARENT),$(O)/$$(call \
		related-to,$$(call iv,$(1),PARENT),$(1)))
$(IMG_TARGET_$(1))/push: $(O)/$(1)/.stamp-$(LAST_STAGE)
	$$(Q)SKOPEO=$$(SKOPEO) PUSH_FLAGS='$$(PUSH_FLAGS)' $$(TOP)/mk/push $(1) $(O)/$(1) $$(call iv,$(1),TAG) '$$(REGISTRY)'
PHONY += $(IMG_TARGET_$(1))/report $(IMG_TARGET_$(1))/push
endef
$(foreach i,$(ALL_INSTANCES),$(eval $(call sbom-targets,$(i))))
# a multi-platform image: the report of each platform; the push of the
# index (skopeo copy --all: every platform, and their SBOMs with them)
define index-sbom-targets
$(IMG_DIR_$(1))/report: $(foreach i,$(IMG_INSTANCES_$(1)),$(IMG_TARGET_$(i))/report)
$(IMG_DIR_$(1))/push: $(O)/$(1)/.stamp-index
	$$(Q)SKOPEO=$$(SKOPEO) PUSH_FLAGS='$$(PUSH_FLAGS)' $$(TOP)/mk/push $(1) $(O)/$(1) $$(call iv,$(1),TAG) '$$(REGISTRY)' --all
PHONY += $(IMG_DIR_$(1))/report $(IMG_DIR_$(1))/push
endef
$(foreach i,$(ALL_IMAGES),$(if $(IMG_INSTANCES_$(i)),$(eval $(call index-sbom-targets,$(i)))))
