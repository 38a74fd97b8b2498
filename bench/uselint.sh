# uselint on a tree the size of Gentoo's (32,000 md5-cache entries).
. "$(dirname "$0")/lib.sh"
need python3 grep
report "## uselint"
report
# on disk, not on bench/run's tmpfs: the "evicted" column reads from the disk
R=$WORK/md5cache
[ "$(stat -f -c %T "$WORK")" != tmpfs ] || R=/var/tmp/sm-bench-md5cache
[ -d "$R/metadata/md5-cache" ] || python3 "$TOP/bench/gen-md5cache.py" "$R" 32000
n=$(find "$R/metadata/md5-cache" -type f | wc -l)
P=$TOP/tests/fixtures/lint/nginx-fixed/package.use
L="$BIN/uselint --repo $R --package-use $P"
cold="python3 $TOP/bench/evict.py $R"
# USE flags in profiles/use.desc: only nginx's and php's entries are read
# (too fast for one run to be timed: 100 runs in a loop, divided by 100)
hf lint-desc "$RUNS" "" "for i in \$(seq 100); do $L --use '-ipv6 -X -doc -examples' > /dev/null; done"
# a local flag: the IUSE of the packages profiles/use.local.desc names
hf lint-local "$RUNS" "" "for i in \$(seq 100); do $L --use 'fpm -ipv6' > /dev/null; done"
# a flag only IUSE has (eclass-made): every entry is read once
hf lint-scan "$RUNS" "" "$L --use 'flag77 -ipv6'"
hf grep-iuse "$RUNS" "" "grep -rh '^IUSE=' $R/metadata/md5-cache > /dev/null"
# the same two from the disk: the tree's files evicted from the page cache
hf lint-scan-cold "${COLD_RUNS:-3}" "$cold" "$L --use 'flag77 -ipv6'"
hf grep-iuse-cold "${COLD_RUNS:-3}" "$cold" "grep -rh '^IUSE=' $R/metadata/md5-cache > /dev/null"
hf lint-desc-cold "${COLD_RUNS:-3}" "$cold" "$L --use '-ipv6 -X -doc -examples'"
ms() { awk '{ printf "%.1f", $1 * 1000 }' "$WORK/$1.median"; }
ms100() { awk '{ printf "%.2f", $1 * 10 }' "$WORK/$1.median"; }
report "### $n md5-cache entries ($(du -sm "$R/metadata/md5-cache" | cut -f1) MB on $(stat -f -c %T "$R")), nginx + php package.use"
report
report "| command | warm page cache (ms) | files evicted first (ms) |"
report "|---|---|---|"
report "| \`uselint\`, USE flags in use.desc (reads 6 entries) | $(ms100 lint-desc) | $(ms lint-desc-cold) |"
report "| \`uselint\`, a local flag named by use.local.desc (reads 3 more) | $(ms100 lint-local) | |"
report "| \`uselint\`, a flag only some IUSE has (reads all $n) | $(ms lint-scan) | $(ms lint-scan-cold) |"
report "| \`grep -rh '^IUSE=' metadata/md5-cache\` (the floor for reading all) | $(ms grep-iuse) | $(ms grep-iuse-cold) |"
report
