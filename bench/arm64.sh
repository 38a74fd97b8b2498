# An arm64 builder under qemu-user emulation against the amd64 one, on this
# x86-64 machine (issue 16): the same steps in the fixture stage3 of each
# platform (mkfixture docker [linux/arm64]), one container a step, side by
# side: a container that does nothing, the emerge double installing
# app-misc/hello and app-misc/extra into a ROOT (busybox sh, md5sum, cp:
# emulated on arm64), uselint over the fixture tree (each platform's own
# static build), vdb files | copyfiles of sys-libs/glibc (the machine's
# x86-64 static build in both: see the note it prints), and a cold
# framework build of fx-hello (seven stages) with PLATFORM=linux/arm64
# against the amd64 one. Emulation is registered for the run and put back
# as it was (tests/integration/binfmt), under the lock the tests take.
. "$(dirname "$0")/lib.sh"
need docker make qemu-aarch64-static update-binfmts flock
[ "$(id -u)" -eq 0 ] || { echo "bench arm64: needs root (binfmt_misc)" >&2; exit 1; }
BF=$TOP/tests/integration/binfmt
exec 9> /tmp/scratchmerge-binfmt.lock
flock -w 900 9 || { echo "bench arm64: /tmp/scratchmerge-binfmt.lock is held" >&2; exit 1; }
ST=$WORK/arm64-binfmt.state
trap '"$BF" down "$ST"' EXIT
"$BF" up "$ST"
"$TOP/tests/fixtures/builder/mkfixture" docker > /dev/null
"$TOP/tests/fixtures/builder/mkfixture" docker linux/arm64 > /dev/null
T=$WORK/arm64-tree
rm -rf "$T" && c=$(docker create scratchmerge-fixture/portage:test /none) &&
	docker cp "$c:/var/db/repos/gentoo" "$T" && docker rm "$c" > /dev/null

declare -A img=([amd64]=scratchmerge-fixture/stage3:test [arm64]=scratchmerge-fixture/stage3:test-arm64)
declare -A hs=([amd64]=$O/bin-static [arm64]=$O/bin-static-arm64)
for a in amd64 arm64; do
	r="docker run --rm --network none --platform linux/$a -v $T:/var/db/repos/gentoo:ro"
	i=${img[$a]}
	hf "a64-true-$a" "$RUNS" "" "$r $i true"
	hf "a64-emerge-$a" "$RUNS" "" "$r $i sh -c 'ROOT=/destination emerge --oneshot app-misc/hello app-misc/extra > /dev/null'"
	hf "a64-uselint-$a" "$RUNS" "" "$r -v ${hs[$a]}:/sm:ro $i sh -c 'for n in 1 2 3 4 5 6 7 8 9 10; do /sm/uselint --repo /var/db/repos/gentoo --use \"ipv6 greeting -static\"; done'"
	hf "a64-copy-$a" "$RUNS" "" "$r -v $O/bin-static:/sm:ro $i sh -c 'mkdir /destination && /sm/vdb files sys-libs/glibc sys-devel/gcc | /sm/copyfiles --from / --to /destination'"
done

# the framework, cold, both platforms (the images' tests run too)
IMG=$WORK/arm64-images
OUT=$WORK/arm64-out
rm -rf "$IMG" && mkdir -p "$IMG" "$OUT"
cp -a "$TOP/tests/images/fx-hello" "$IMG/fx-hello"
cp -a "$TOP/tests/images/fx-hello" "$IMG/fx-arm"
sed -i -e 's/^FX_HELLO_/FX_ARM_/' -e 's|stage3:test$|stage3:test-arm64|' -e 's|fx-hello:latest|fx-arm:latest|' \
	-e 's|^\$(eval \$(image))|FX_ARM_PLATFORM := linux/arm64\n$(eval $(image))|' "$IMG/fx-arm/Makefile"
cp -a "$O/bin" "$O/bin-static" "$O/obj" "$OUT/" 2> /dev/null
MK="make -C $TOP -s IMAGE_DIRS=$IMG O=$OUT NETWORK=none"
hf a64-fw-amd64 "$RUNS" "$MK $IMG/fx-hello/clean" "$MK $IMG/fx-hello"
hf a64-fw-arm64 "$RUNS" "$MK $IMG/fx-arm/clean" "$MK $IMG/fx-arm"
arch_fw=$(docker image inspect --format '{{.Architecture}}' scratchmerge-test/fx-arm:latest)
out_fw=$(docker run --rm --network none --platform linux/arm64 scratchmerge-test/fx-arm:latest)
$MK "$IMG/fx-hello/clean" "$IMG/fx-arm/clean" > /dev/null
docker rmi scratchmerge-test/fx-arm:latest > /dev/null 2>&1 || true

qv=$(qemu-aarch64-static --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
report "## arm64 under qemu-user against amd64 (\`bench/run arm64\`; fixture builder, docker $(docker version --format '{{.Server.Version}}'), $(docker info --format '{{.Driver}}'), qemu-user-static $qv)"
report
report "Each row one \`docker run --rm --network none --platform linux/ARCH\` of the fixture stage3 of that platform (wall time, container start included), or a whole make."
report
report "| step | amd64 (s) | arm64 under qemu (s) | arm64 / amd64 |"
report "|---|---|---|---|"
report "| container start, \`true\` | $(med a64-true-amd64) | $(med a64-true-arm64) | $(ratio a64-true-arm64 a64-true-amd64) |"
report "| emerge double: hello + extra into ROOT (busybox sh, md5sum, cp) | $(med a64-emerge-amd64) | $(med a64-emerge-arm64) | $(ratio a64-emerge-arm64 a64-emerge-amd64) |"
report "| uselint x10 over the fixture tree (the platform's static build) | $(med a64-uselint-amd64) | $(med a64-uselint-arm64) | $(ratio a64-uselint-arm64 a64-uselint-amd64) |"
report "| vdb files \\| copyfiles of glibc + gcc (x86-64 static build in both) | $(med a64-copy-amd64) | $(med a64-copy-arm64) | $(ratio a64-copy-arm64 a64-copy-amd64) |"
report "| make fx-hello cold, 7 stages (PLATFORM=linux/arm64: image $arch_fw) | $(med a64-fw-amd64) | $(med a64-fw-arm64) | $(ratio a64-fw-arm64 a64-fw-amd64) |"
report
report "Emulated work only (container start subtracted): emerge $(awk -v a="$(cat "$WORK/a64-emerge-arm64.median")" -v b="$(cat "$WORK/a64-true-arm64.median")" -v c="$(cat "$WORK/a64-emerge-amd64.median")" -v d="$(cat "$WORK/a64-true-amd64.median")" 'BEGIN { printf "%.2fx", (a - b) / (c - d) }'), uselint $(awk -v a="$(cat "$WORK/a64-uselint-arm64.median")" -v b="$(cat "$WORK/a64-true-arm64.median")" -v c="$(cat "$WORK/a64-uselint-amd64.median")" -v d="$(cat "$WORK/a64-true-amd64.median")" 'BEGIN { printf "%.2fx", (a - b) / (c - d) }'). The arm64 image built by the framework runs: \`$out_fw\`."
report
if ! qemu-aarch64-static "$O/bin-static-arm64/vdb" --root / list > /dev/null 2>&1; then
	report "The arm64 builds of vdb and copyfiles cannot run under qemu-user $qv: it does not implement openat2 (ENOSYS), which both use for every path; the x86-64 builds run natively inside an arm64 container (the kernel executes an x86-64 ELF as it is), which is what the copy row and the framework row use."
	report
fi
