# check.mk: `make check` = unit tests (plain and under ASan+UBSan), golden
# tests of the tools, integration tests against the real container engine.
# `tests/run fuzz` runs each libFuzzer target for a few seconds (mk/fuzz.mk).
# tests/run prints one closing line: "check: N passed, N failed, N skipped".

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_NAMES := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))
UNIT_BINS := $(addprefix $(O)/tests/,$(UNIT_NAMES))
UNIT_ASAN_BINS := $(addprefix $(O)/asan/tests/,$(UNIT_NAMES))
TEST_CFLAGS = -DFIXTURES='"$(TOP)/tests/fixtures"'
TEST_LIBS = $(MKIMAGE_LIBS) $(ENGINE_LIBS) -lcmocka

$(O)/libsm.a: $(patsubst helpers/%.c,$(O)/obj/%.o,$(LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/asan/libsm.a: $(patsubst helpers/%.c,$(O)/asan/obj/%.o,$(LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/tests/%: tests/unit/%.c tests/unit/testutil.h $(O)/libsm.a
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HELPER_CFLAGS) $(CFLAGS) $(TEST_CFLAGS) -o $@ $< $(O)/libsm.a $(TEST_LIBS)

$(O)/asan/tests/%: tests/unit/%.c tests/unit/testutil.h $(O)/asan/libsm.a
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HELPER_CFLAGS) $(ASAN_FLAGS) $(TEST_CFLAGS) -o $@ $< $(O)/asan/libsm.a $(TEST_LIBS)

## check             build the helpers and run every test (unit, ASan+UBSan, golden, fuzz smoke, integration)
## check-unit        unit tests only (plain and sanitized)
## check-integration integration tests only
# The integration tests use the docker engine that answers, or a private
# dockerd under $(O)/dockerd for the time of the run (mk/private-dockerd).
WITH_ENGINE = $(TOP)/mk/private-dockerd $(O)/dockerd
check: helpers $(HELPERS_STATIC_arm64) $(UNIT_BINS) $(UNIT_ASAN_BINS) $(FUZZ_CHECK_BINS)
	$(Q)O=$(O) $(WITH_ENGINE) tests/run unit golden fuzz integration
check-unit: helpers $(UNIT_BINS) $(UNIT_ASAN_BINS)
	$(Q)O=$(O) tests/run unit golden
check-integration: helpers $(HELPERS_STATIC_arm64)
	$(Q)O=$(O) $(WITH_ENGINE) tests/run integration
PHONY += check check-unit check-integration
