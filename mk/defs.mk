# defs.mk: hygiene, output and paths shared by every fragment.
#
# Inside $(eval)'ed defines (mk/image.mk) $(1)/$(2) take one '$',
# everything else '$$'.

MAKEFLAGS += -rR --no-print-directory
.SUFFIXES:
.DELETE_ON_ERROR:
SHELL := /bin/bash
.SHELLFLAGS := -e -o pipefail -c
export LC_ALL := C
export TZ := UTC

# Everything generated lives under $(O); nothing is written elsewhere.
O ?= build
override O := $(patsubst %/,%,$(O))
# (a builder's command that makes base images builds in O too: mkfixture)
export O
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

# V=1 shows every command; make -s silences the one-line messages too.
# The stage scripts read V too (V=1: the stage's output on the terminal).
export V
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2)
endif
ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
msg = @true
endif

PHONY :=
