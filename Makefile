# scratchmerge: minimal FROM-scratch container images built by Portage.
# `make help` lists the targets; README.md explains them.

include mk/defs.mk
include mk/helpers.mk
include mk/check.mk

.DEFAULT_GOAL := help

help:
	@sed -n 's/^## \{0,1\}//p' $(MAKEFILE_LIST)
PHONY += help

.PHONY: $(PHONY)
