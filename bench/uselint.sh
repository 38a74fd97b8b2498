# uselint on a tree the size of Gentoo's (32,000 md5-cache entries).
. "$(dirname "$0")/lib.sh"
need python3 grep
report "## uselint"
report
R=$WORK/md5cache
[ -d "$R/metadata/md5-cache" ] || python3 "$TOP/bench/gen-md5cache.py" "$R" 32000
n=$(find "$R/metadata/md5-cache" -type f | wc -l)
P=$TOP/tests/fixtures/lint/nginx-fixed/package.use
# global flags found in profiles/use.desc: only the matched packages are read
hf lint-desc "$RUNS" "" "$BIN/uselint --repo $R --package-use $P --use '-ipv6 -X -doc -examples'"
# a global flag only some ebuild's IUSE has: every entry is read once
hf lint-scan "$RUNS" "" "$BIN/uselint --repo $R --package-use $P --use 'fpm -ipv6'"
hf grep-iuse "$RUNS" "" "grep -rh '^IUSE=' $R/metadata/md5-cache > /dev/null"
report "### $n md5-cache entries ($(du -sm "$R/metadata/md5-cache" | cut -f1) MB; page cache warm)"
report
ms() { awk '{ printf "%.1f", $1 * 1000 }' "$WORK/$1.median"; }
report "| command | median (ms) |"
report "|---|---|"
report "| \`uselint\` nginx package.use + USE in use.desc (reads 6 entries) | $(ms lint-desc) |"
report "| \`uselint\` same + a local flag in USE (reads all $n entries) | $(ms lint-scan) |"
report "| \`grep -rh '^IUSE=' metadata/md5-cache\` (the floor for reading them all) | $(ms grep-iuse) |"
report
