# vdb and copyfiles against the alternatives (issue: helpers).
. "$(dirname "$0")/lib.sh"
need rsync tar awk python3
report "## vdb and copyfiles"
report

# --- vdb files: 2,000 packages, 300,000 CONTENTS lines ---
V=$WORK/vdb
[ -d "$V/var/db/pkg" ] || python3 "$TOP/bench/gen-vdb.py" "$V" 2000 300000
lines=$(cat "$V"/var/db/pkg/*/*/CONTENTS | wc -l)
atoms=$("$BIN/vdb" --root "$V" list | tr '\n' ' ')
echo "$atoms" > "$WORK/atoms"
AWK='$1=="obj"{sub(/ [^ ]+ [^ ]+$/,"");print substr($0,5);next} $1=="sym"{sub(/ -> [^>]*$/,"");print substr($0,5);next} {print substr($0,5)}'
hf vdb-files "$RUNS" "" "$BIN/vdb --root $V files \$(cat $WORK/atoms) > /dev/null"
hf awk-files "$RUNS" "" "awk '$AWK' $V/var/db/pkg/*/*/CONTENTS > /dev/null"
"$BIN/vdb" --root "$V" files $atoms | sort > "$WORK/vdb.out"
awk "$AWK" "$V"/var/db/pkg/*/*/CONTENTS | sort > "$WORK/awk.out"
same=$(cmp -s "$WORK/vdb.out" "$WORK/awk.out" && echo "same $(wc -l < "$WORK/vdb.out") paths" || echo "OUTPUTS DIFFER")
report "### vdb files: every file of every package ($(ls -d "$V"/var/db/pkg/*/* | wc -l) packages, $lines CONTENTS lines; $same)"
report
report "| command | median (s) | vs vdb |"
report "|---|---|---|"
report "| \`vdb files ALL\` | $(med vdb-files) | 1.00 |"
report "| \`awk '...' */*/CONTENTS\` (parse from the right) | $(med awk-files) | $(ratio awk-files vdb-files)x slower |"
report

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
