# scratchmerge: minimal FROM-scratch container images built by Portage.
# `make help` lists the targets; README.md explains them.

include mk/defs.mk
include mk/deps.mk
include mk/helpers.mk
include mk/fuzz.mk
include mk/image.mk
include mk/binhost.mk
include mk/sbom.mk
include mk/check.mk
include mk/bench.mk

.DEFAULT_GOAL := help

## help              this list
help:
	@sed -n 's/^## \{0,1\}//p' $(MAKEFILE_LIST)
	@printf '%s\n' $(help-stages)
	@echo "Images: $(foreach i,$(ALL_IMAGES),$(IMG_DIR_$(i)))"
PHONY += help

## clean             remove build/ (O=: the helpers, stamps, logs, image archives)
##                   and every image's snapshots and containers in the engine
clean:
	$(Q)for d in $(wildcard $(O)/*/.context); do d=$${d%/.context}; n=$${d##*/}; \
		$(TOP)/mk/clean-image $$d scratchmerge-$(SM_ID)/$$n $(SM_ID)/$$n $(call reverse,$(committed-stages)) || true; done
	rm -rf $(O)
PHONY += clean

.PHONY: $(PHONY)
