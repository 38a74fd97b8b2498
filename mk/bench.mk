# bench.mk: the benchmarks (bench/run); results go to bench/last-run.md,
# recorded with machine and date in bench/RESULTS.md.

## bench             run every benchmark against its alternatives (bench/run)
bench: $(HELPERS) $(HELPERS_STATIC) $(HELPERS_STATIC_arm64)
	$(Q)O=$(abspath $(O)) bench/run all
PHONY += bench
