# fuzz.mk: libFuzzer targets (tests/fuzz/fuzz_NAME.c) built with clang,
# ASan and UBSan into $(O)/fuzz/. `make fuzz` runs each for FUZZ_SECONDS on
# a working corpus $(O)/fuzz/corpus/NAME seeded from tests/fuzz/corpus/NAME;
# crash, leak and timeout inputs go to $(O)/fuzz/crashes/ and fail the run.
# `tests/run fuzz` (part of `make check`) runs each for FUZZ_SMOKE_SECONDS.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRCS))
# no clang: `make check` skips the fuzz build (tests/run fuzz reports it)
FUZZ_CHECK_BINS = $(if $(shell command -v $(FUZZ_CC)),$(FUZZ_BINS))

$(O)/fuzz/obj/%.o: helpers/%.c
	$(call msg,FUZZCC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(HELPER_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(O)/fuzz/libsm.a: $(patsubst helpers/%.c,$(O)/fuzz/obj/%.o,$(LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(O)/fuzz/libsm.a
	$(call msg,FUZZLD,$@)
	$(Q)$(FUZZ_CC) $(HELPER_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(O)/fuzz/libsm.a $(MKIMAGE_LIBS)

-include $(wildcard $(O)/fuzz/obj/*.d $(O)/fuzz/obj/lib/*.d)

## fuzz              run every libFuzzer target for FUZZ_SECONDS (default 600) each
## fuzz-build        build the libFuzzer targets only
fuzz-build: $(FUZZ_BINS)
fuzz: $(FUZZ_BINS)
	$(Q)fail=; for t in $(FUZZ_BINS); do \
		O=$(O) tests/fuzz/run.sh $$t $(FUZZ_SECONDS) || fail="$$fail $${t##*/}"; \
	done; \
	if [ -n "$$fail" ]; then echo "fuzz: failed:$$fail (inputs in $(O)/fuzz/crashes/)" >&2; exit 1; fi
PHONY += fuzz fuzz-build
