# mkimage against the floor (tar | gzip/pigz/zstd) and against docker's
# own ways to make an uncompressed image archive (issue: mkimage).
. "$(dirname "$0")/lib.sh"
need tar gzip pigz zstd docker
report "## mkimage"
report

# a root of about 350 MB: a fixed list of the host's /usr/lib and /usr/share
R=$WORK/root
if [ ! -d "$R" ]; then
	mkdir -p "$R/usr/lib" "$R/usr/share"
	cp -a /usr/lib/gcc "$R/usr/lib/"
	for d in vim perl icons i18n cmake-3.25 mime X11; do cp -a "/usr/share/$d" "$R/usr/share/"; done
fi
mb=$(du -sm --apparent-size "$R" | cut -f1)
nf=$(find "$R" | wc -l)
printf 'entrypoint: [/bin/true]\nenv: {A: b}\n' > "$WORK/image.yaml"
M="$BIN/mkimage --config $WORK/image.yaml --rootfs $R --tag bench:mk --source-date-epoch 1700000000"
T="tar --sort=name --numeric-owner -C $R -cf - ."
hf tar-gzip "$RUNS" "" "$T | gzip -n > $WORK/out.tgz"
hf tar-pigz "$RUNS" "" "$T | pigz -n > $WORK/out.tgz"
hf tar-zstd "$RUNS" "" "$T | zstd -q -T0 -3 > $WORK/out.tzst"
hf mk-gzip "$RUNS" "" "$M --out $WORK/mk-gzip.tar"
hf mk-zstd "$RUNS" "" "$M --compress zstd --out $WORK/mk-zstd.tar"
hf mk-none "$RUNS" "" "$M --compress none --out $WORK/mk-none.tar"
printf 'FROM scratch\nCOPY root /\n' > "$WORK/Dockerfile"
hf docker-build "$RUNS" "docker rmi -f bench:build >/dev/null 2>&1; true" \
	"docker build -q --no-cache -t bench:build -f $WORK/Dockerfile $WORK >/dev/null && docker save bench:build -o $WORK/docker-build.tar"
hf docker-import "$RUNS" "docker rmi -f bench:import >/dev/null 2>&1; true" \
	"$T | docker import - bench:import >/dev/null && docker save bench:import -o $WORK/docker-import.tar"
docker rmi -f bench:build bench:import > /dev/null 2>&1 || true

size() { stat -c %s "$1" | awk '{ printf "%.1f", $1 / 1048576 }'; }
layer() {	# the layer blob's size in an image archive
	local a=$1 m l
	m=$(tar -xOf "$a" index.json | jq -r '.manifests[0].digest' | cut -d: -f2)
	l=$(tar -xOf "$a" "blobs/sha256/$m" | jq -r '.layers[0].size')
	awk -v s="$l" 'BEGIN { printf "%.1f", s / 1048576 }'
}
$T | pigz -n > "$WORK/out.pigz"
$T | gzip -n > "$WORK/out.tgz"
$T | zstd -q -T0 -3 > "$WORK/out.tzst"
report "### A root of $mb MB, $nf entries (/usr/lib/gcc, /usr/share/{vim,perl,icons,i18n,cmake-3.25,mime,X11} of this machine)"
report
report "| command | median (s) | output (MB) | ratio |"
report "|---|---|---|---|"
report "| \`tar --sort=name \\| gzip -n\` (one core) | $(med tar-gzip) | $(size "$WORK/out.tgz") | |"
report "| \`tar --sort=name \\| pigz -n\` (all cores) | $(med tar-pigz) | $(size "$WORK/out.pigz") | |"
report "| **mkimage** (gzip, whole image) | $(med mk-gzip) | layer $(layer "$WORK/mk-gzip.tar") | $(ratio mk-gzip tar-pigz)x pigz (target <= 1.15) |"
report "| \`tar --sort=name \\| zstd -T0 -3\` | $(med tar-zstd) | $(size "$WORK/out.tzst") | |"
report "| **mkimage --compress zstd** | $(med mk-zstd) | layer $(layer "$WORK/mk-zstd.tar") | $(ratio mk-zstd tar-zstd)x zstd (target <= 1.3) |"
report "| \`docker build\` (FROM scratch, COPY) + \`docker save\` | $(med docker-build) | $(size "$WORK/docker-build.tar") | |"
report "| \`docker import\` + \`docker save\` | $(med docker-import) | $(size "$WORK/docker-import.tar") | |"
report "| **mkimage --compress none** | $(med mk-none) | $(size "$WORK/mk-none.tar") | $(ratio docker-build mk-none)x faster than build+save (target >= 3), $(ratio docker-import mk-none)x than import+save (target >= 1.5) |"
report
gz=$(layer "$WORK/mk-gzip.tar")
report "gzip layer / pigz output: $(awk -v a="$gz" -v b="$(size "$WORK/out.pigz")" 'BEGIN { printf "%.3f", a / b }') (target within 2%)."
report "Peak memory (max RSS): mkimage gzip $(peak_mb $M --out "$WORK/m.tar") MB, zstd $(peak_mb $M --compress zstd --out "$WORK/m.tar") MB, none $(peak_mb $M --compress none --out "$WORK/m.tar") MB (target < 64 MB)."
$M --out "$WORK/a.tar" > /dev/null && $M --out "$WORK/b.tar" > /dev/null
report "Same bytes from two runs: $(cmp -s "$WORK/a.tar" "$WORK/b.tar" && echo yes || echo NO)."
report
