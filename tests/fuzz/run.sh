#!/bin/bash
# tests/fuzz/run.sh BIN SECONDS: run one libFuzzer target (built by mk/fuzz.mk)
# for SECONDS on the working corpus $O/fuzz/corpus/NAME, seeded from
# tests/fuzz/corpus/NAME (tests/ is never written). Crash, leak, timeout and
# out-of-memory inputs are kept as $O/fuzz/crashes/NAME-*; the log is
# $O/fuzz/logs/NAME.log. Prints one line:
#   fuzz_NAME: 1 passed, 0 failed (RUNS runs, EXECS exec/s, cov: C ft: F, S s)
# Exit status 0 when the target ran clean, 1 otherwise (naming the inputs).
set -u
O=${O:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
bin=$1 secs=$2
name=$(basename "$bin")
short=${name#fuzz_}
corpus=$O/fuzz/corpus/$short crashes=$O/fuzz/crashes log=$O/fuzz/logs/$name.log
mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
if [ -d "$TOP/tests/fuzz/corpus/$short" ]; then
	cp -n "$TOP/tests/fuzz/corpus/$short"/* "$corpus"/ 2>/dev/null || true
fi
before=$(ls "$crashes" | grep -c "^$name-" || true)
# -timeout: one input taking 10 s is a bug (the inputs are at most 64 KiB);
# -rss_limit_mb: one input taking 1 GiB is one too.
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=65536 \
	-print_final_stats=1 -artifact_prefix="$crashes/$name-" "$corpus" > "$log" 2>&1
rc=$?
after=$(ls "$crashes" | grep -c "^$name-" || true)
last=$(grep -a '^#[0-9]' "$log" | tail -1)
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov: \1 ft: \2/p' <<< "$last")
if [ "$rc" -eq 0 ] && [ "$after" -eq "$before" ]; then
	echo "$name: 1 passed, 0 failed (${runs:-?} runs, ${eps:-?} exec/s, ${cov:-no coverage line}, $secs s)"
	exit 0
fi
grep -a -m1 -A12 '^==[0-9]*==ERROR\|runtime error\|^==[0-9]*== ERROR\|ALARM\|out-of-memory' "$log" | head -20
echo "$name: new inputs in $crashes:" $(ls -t "$crashes" | grep "^$name-" | head -$((after - before > 0 ? after - before : 1)))
echo "$name: 0 passed, 1 failed (exit $rc, log $log)"
exit 1
