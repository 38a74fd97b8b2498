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

# $(call sbom-targets,NAME)
define sbom-targets
$(IMG_DIR_$(1))/report: $(O)/$(1)/.stamp-$(LAST_STAGE) | $(O)/bin/sbom
	$$(Q)in=$(O)/$(1)/sbom-input; \
	$(O)/bin/sbom report --image $(O)/$(1)/image.tar --vdb $$$$in/vdb --name $(1) \
		--from-builder "$$$$(awk '$$$$2 == "whole" { print $$$$1 }' $$$$in/from-builder 2>/dev/null)" \
		--libs-from-builder "$$$$(awk '$$$$2 == "libs" { print $$$$1 }' $$$$in/from-builder 2>/dev/null)" \
		--prune-log $(O)/$(1)/prune.log --prune-sizes $$$$in/prune-sizes \
		--unmerge-log $(O)/$(1)/unmerge.log \
		--unmerge-sizes $$$$([ -f $$$$in/unmerge-sizes ] && echo $$$$in/unmerge-sizes || echo /dev/null) \
		--json $(O)/$(1)/report.json
$(IMG_DIR_$(1))/push: $(O)/$(1)/.stamp-$(LAST_STAGE)
	$$(Q)[ -n "$$(REGISTRY)" ] || { echo "$(IMG_DIR_$(1))/push: set REGISTRY=host[:port]/path" >&2; exit 1; }
	$$(Q)ref=$$(call iv,$(1),TAG); case $$$$ref in *:*) ;; *) ref=$$$$ref:latest ;; esac; \
	repo=$$(REGISTRY)/$$$${ref%:*} tag=$$$${ref##*:} digest=$$$$(cat $(O)/$(1)/digest); \
	echo ">>> $(1) push $$$$repo:$$$$tag"; \
	$$(SKOPEO) copy $$(PUSH_FLAGS) oci-archive:$(O)/$(1)/image.tar:$$$$tag docker://$$$$repo:$$$$tag && \
	echo ">>> $(1) push the SBOM as $$$$repo:$$$${digest/:/-}.sbom" && \
	$$(SKOPEO) copy $$(PUSH_FLAGS) oci-archive:$(O)/$(1)/image.tar:sbom docker://$$$$repo:$$$${digest/:/-}.sbom && \
	echo "    $$$$repo:$$$$tag $$$$digest"
PHONY += $(IMG_DIR_$(1))/report $(IMG_DIR_$(1))/push
endef
$(foreach i,$(ALL_IMAGES),$(eval $(call sbom-targets,$(i))))
