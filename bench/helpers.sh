# vdb and copyfiles against the alternatives (issue: helpers).
. "$(dirname "$0")/lib.sh"
need rsync tar awk python3
report "## vdb and copyfiles"
report

# --- vdb files: 2,000 and 20,000 packages (150 CONTENTS lines each) ---
# every atom on the command line: the cost of resolving N atoms is part
# of what is measured (issue 9: linear in the size of the VDB)
AWK='$1=="obj"{sub(/ [^ ]+ [^ ]+$/,"");print substr($0,5);next} $1=="sym"{sub(/ -> [^>]*$/,"");print substr($0,5);next} {print substr($0,5)}'
SIZES=${VDB_SIZES:-2000 20000}
for n in $SIZES; do
	V=$WORK/vdb-$n
	[ -d "$V/var/db/pkg" ] || python3 "$TOP/bench/gen-vdb.py" "$V" "$n" $((n * 150))
	"$BIN/vdb" --root "$V" list > "$WORK/atoms-$n"
	hf vdb-files-$n "$RUNS" "" "$BIN/vdb --root $V files \$(cat $WORK/atoms-$n) > /dev/null"
	hf awk-files-$n "$RUNS" "" "awk '$AWK' $V/var/db/pkg/*/*/CONTENTS > /dev/null"
	# VDB_BEFORE=path/to/an/older/vdb: the same command with it, for comparison
	[ -z "${VDB_BEFORE:-}" ] || hf before-files-$n "$RUNS" "" "$VDB_BEFORE --root $V files \$(cat $WORK/atoms-$n) > /dev/null"
	"$BIN/vdb" --root "$V" files $(cat "$WORK/atoms-$n") | sort > "$WORK/vdb.out"
	awk "$AWK" "$V"/var/db/pkg/*/*/CONTENTS | sort > "$WORK/awk.out"
	cmp -s "$WORK/vdb.out" "$WORK/awk.out" && echo "same $(wc -l < "$WORK/vdb.out") paths" > "$WORK/same-$n" ||
		echo "OUTPUTS DIFFER" > "$WORK/same-$n"
	echo "$(cat "$V"/var/db/pkg/*/*/CONTENTS | wc -l)" > "$WORK/lines-$n"
	# (no callgrind figure: valgrind 3.19 does not know openat2, syscall
	# 437, so vdb_open fails under it; CPU time is the second figure)
done
# CPU seconds (user + sys, hyperfine's means): on a loaded machine the
# wall time also measures the wait for a core
cpu() { jq -r '.results[0].user + .results[0].system' "$WORK/$1.json" | awk '{ printf "%.3f", $1 }'; }
cratio() { awk -v a="$(cpu "$1")" -v b="$(cpu "$2")" 'BEGIN { printf "%.2f", a / b }'; }
report "### vdb files: every file of every package, all atoms on the command line"
report
report "| packages | CONTENTS lines | \`vdb files ALL\`: wall (s) | CPU (s) | awk over every CONTENTS: wall (s) | CPU (s) | awk / vdb (CPU) | outputs |"
report "|---|---|---|---|---|---|---|---|"
for n in $SIZES; do
	report "| $n | $(cat "$WORK/lines-$n") | $(med vdb-files-$n) | $(cpu vdb-files-$n) | $(med awk-files-$n) | $(cpu awk-files-$n) | $(cratio awk-files-$n vdb-files-$n)x | $(cat "$WORK/same-$n") |"
done
report
read -r -a sz <<< "$SIZES"
if [ ${#sz[@]} = 2 ]; then
	a=${sz[0]} b=${sz[1]}
	report "Cost ratio $b/$a packages (10x the data; target for vdb at most 11x): vdb $(cratio vdb-files-$b vdb-files-$a)x in CPU, $(ratio vdb-files-$b vdb-files-$a)x in wall time; awk $(cratio awk-files-$b awk-files-$a)x in CPU, $(ratio awk-files-$b awk-files-$a)x in wall time. Load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)."
	report
	[ -z "${VDB_BEFORE:-}" ] ||
		report "The same command with VDB_BEFORE ($VDB_BEFORE): $(cpu before-files-$a) s CPU ($(med before-files-$a) s wall) at $a packages, $(cpu before-files-$b) s CPU ($(med before-files-$b) s wall) at $b: $(cratio before-files-$b before-files-$a)x."
	report
fi
# `bench/run vdb`: this section only
[ "${HELPERS_PART:-}" = vdb ] && exit 0

# --- copyfiles: 20,000 files, 200 MB ---
S=$WORK/copy-src
if [ ! -d "$S" ]; then
	python3 "$TOP/bench/gen-vdb.py" "$S" 200 40000 --real-files 20000 200000000
fi
"$BIN/vdb" --root "$S" files $("$BIN/vdb" --root "$S" list) > "$WORK/list"
sed 's|^/||' "$WORK/list" > "$WORK/list.rel"
nfiles=$(find "$S/usr" -type f | wc -l)
mb=$(du -sm --apparent-size "$S/usr" | cut -f1)
D=$WORK/copy-dst
prep="rm -rf $D && mkdir -p $D"
hf copyfiles "$RUNS" "$prep" "$BIN/copyfiles --from $S --to $D < $WORK/list"
hf copyfiles-j1 "$RUNS" "$prep" "$BIN/copyfiles -j1 --from $S --to $D < $WORK/list"
hf tar-pipe "$RUNS" "$prep" "tar -C $S --no-recursion -cf - -T $WORK/list.rel | tar -xf - -C $D"
hf rsync-from "$RUNS" "$prep" "rsync -a --files-from=$WORK/list.rel $S/ $D/"
# the original recipe's loop, one rsync per file: at ~50 ms a file here it
# would take about 20 minutes a run, so it runs on the first 1,000 files of
# the list, and copyfiles is timed on the same 1,000 for the ratio
# (files and symlinks: `rsync -a` of a listed directory would copy all of it)
"$BIN/vdb" --root "$S" files --type obj,sym $("$BIN/vdb" --root "$S" list) > "$WORK/files-only"
head -n 1000 "$WORK/files-only" > "$WORK/list2k"
cat > "$WORK/loop.sh" <<LOOP
while read -r f; do mkdir -p "\$(dirname "$D\$f")"; rsync -a "$S\$f" "$D\$f"; done < $WORK/list2k
LOOP
hf per-file-loop "${LOOP_RUNS:-3}" "$prep" "bash $WORK/loop.sh"
hf copyfiles-2k "$RUNS" "$prep" "$BIN/copyfiles --from $S --to $D < $WORK/list2k"
report "### copyfiles: $nfiles files and $(grep -c . "$WORK/list") paths in all ($mb MB), listed by \`vdb files\`"
report
report "| command | median (s) | vs copyfiles |"
report "|---|---|---|"
report "| \`copyfiles\` (threads: $(nproc)) | $(med copyfiles) | 1.00 |"
report "| \`copyfiles -j1\` (one thread) | $(med copyfiles-j1) | $(ratio copyfiles-j1 copyfiles) |"
report "| \`tar -cf - --no-recursion -T list \\| tar -xf -\` | $(med tar-pipe) | $(ratio tar-pipe copyfiles) |"
report "| \`rsync -a --files-from\` | $(med rsync-from) | $(ratio rsync-from copyfiles) |"
report
report "The original recipe's per-file loop on the first 1,000 files of the same packages (\`vdb files --type obj,sym\`; ${LOOP_RUNS:-3} runs), against copyfiles on the same 1,000:"
report
report "| command (1,000 paths) | median (s) | vs copyfiles |"
report "|---|---|---|"
report "| \`copyfiles\` | $(med copyfiles-2k) | 1.00 |"
report "| \`while read f; do mkdir -p \$(dirname ..); rsync -a \$f ..; done\` | $(med per-file-loop) | $(ratio per-file-loop copyfiles-2k) |"
report
report "copyfiles / tar pipeline = $(ratio copyfiles tar-pipe) (target <= 1.0); per-file loop / copyfiles = $(ratio per-file-loop copyfiles-2k) (target >= 30)."
report
