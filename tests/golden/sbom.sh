# Golden tests for `sbom`: the SPDX document, verify and the report on a
# small image made here from tests/fixtures/sbom (a VDB in the real format:
# LICENSE with USE-conditional and || groups, IUSE, NEEDED.ELF.2, PROVIDES).
. "$(dirname "$0")/lib.sh"
umask 022
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"
# the image's root: hello, zlib through the lib64 -> usr/lib64 symlink, a
# setuid file, a file no package owns; glibc's file and zlib's header are
# not there (pruned), app-doc/pruned has nothing left
mkdir -p root/usr/bin root/usr/lib64 root/etc
ln -s usr/lib64 root/lib64
printf 'hello\n' > root/usr/bin/hello
printf 'data\n' > root/usr/bin/tool
chmod 4755 root/usr/bin/tool
printf 'libz\n' > root/usr/lib64/libz.so.1.3
ln -s libz.so.1.3 root/usr/lib64/libz.so.1
printf 'libc\n' > root/usr/lib64/libc.so.6
printf 'cache' > root/etc/ld.so.cache
ln root/usr/bin/hello root/usr/bin/hello-again
printf 'entrypoint: [hello]\nenv: {PATH: /usr/bin}\n' > image.yaml
M() { "$BIN/mkimage" --config image.yaml --rootfs root --tag fx-sbom:1 --source-date-epoch 1700000000 "$@"; }
M --out image.tar > /dev/null
S="$BIN/sbom"
SPDX=(spdx --image image.tar --vdb "$TOP/tests/fixtures/sbom/vdb" --name fx-sbom --from-builder sys-libs/glibc)

golden sbom-spdx        "$S" "${SPDX[@]}"
"$S" "${SPDX[@]}" --out sbom.json
golden sbom-verify-ok   "$S" verify --image image.tar sbom.json
# the same root and VDB twice: the same bytes
"$S" "${SPDX[@]}" --out again.json
golden sbom-reproducible cmp sbom.json again.json
# a file no package owns and the SBOM does not declare
printf 'sneaked in\n' > root/usr/bin/sneaky
M --out extra.tar > /dev/null
golden sbom-verify-extra-file "$S" verify --image extra.tar sbom.json
rm root/usr/bin/sneaky
# a package the SBOM lists whose files are not in the image
rm root/usr/bin/tool
M --out less.tar > /dev/null
golden sbom-verify-missing-pkg "$S" verify --image less.tar sbom.json
# a changed file
printf 'data\n' > root/usr/bin/tool && chmod 4755 root/usr/bin/tool
printf 'hello, changed\n' > root/usr/bin/hello
M --out changed.tar > /dev/null
golden sbom-verify-changed "$S" verify --image changed.tar sbom.json
printf 'pruned /usr/share/doc\npruned /usr/include\npruned /lib64/libz.a\nnoise\n' > prune.log
printf '100 ./usr/share/doc/pruned/README\n20 ./usr/include/zlib.h\n7 ./usr/lib64/libz.a\n5 ./usr/bin/hello\n' > prune.sizes
printf '>>> unmerge app-misc/extra\n<<<          obj /usr/bin/extra\n<<<          dir /usr/bin\n--- !md5     obj /usr/bin/kept\n' > unmerge.log
printf '300 /usr/bin/extra\n' > unmerge.sizes
golden sbom-report "$S" report --image image.tar --vdb "$TOP/tests/fixtures/sbom/vdb" --name fx-sbom \
	--from-builder sys-libs/glibc --prune-log prune.log --prune-sizes prune.sizes \
	--unmerge-log unmerge.log --unmerge-sizes unmerge.sizes --json report.json
golden sbom-report-json cat report.json
# a package whose file the config names (in an env value) is needed
printf 'entrypoint: [hello]\nenv: {PATH: /usr/bin, TOOL: "/usr/bin/tool:/nope"}\n' > env.yaml
"$BIN/mkimage" --config env.yaml --rootfs root --tag fx-sbom:1 --source-date-epoch 1700000000 --out env.tar > /dev/null
golden sbom-report-env-names-a-file bash -c "'$S' report --image env.tar --vdb '$TOP/tests/fixtures/sbom/vdb' --name fx-sbom | sed -n '/^what the config runs/,\$p'"
golden sbom-bad-license bash -c "echo 'GPL-2 || MIT' > '$w/LICENSE' && cp -a '$TOP/tests/fixtures/sbom/vdb' '$w/bad' && cp '$w/LICENSE' '$w/bad/var/db/pkg/app-misc/tool-2.0/LICENSE' && '$S' spdx --image image.tar --vdb '$w/bad' --name x"
golden sbom-usage       "$S" frobnicate

# a child image on a parent (mkimage --parent): the parent has all but
# app-misc/tool; the child adds tool, changes ld.so.cache and rebuilt zlib
# (another BUILD_TIME, same file); hello and glibc are the parent's builds
cp -a root proot && rm proot/usr/bin/tool
"$BIN/mkimage" --config image.yaml --rootfs proot --tag fx-base:1 --name fx-base --source-date-epoch 1700000000 --out parent.tar > /dev/null
printf 'cache, child' > root/etc/ld.so.cache
"$BIN/mkimage" --config image.yaml --rootfs root --tag fx-child:1 --name fx-child --source-date-epoch 1700000000 \
	--parent parent.tar --out child.tar > /dev/null
cp -a "$TOP/tests/fixtures/sbom/vdb" cvdb && cp -a "$TOP/tests/fixtures/sbom/vdb" pvdb
rm -r pvdb/var/db/pkg/app-misc/tool-2.0
for v in cvdb pvdb; do echo 1700000000 > $v/var/db/pkg/app-misc/hello-1.0-r1/BUILD_TIME; done
echo 1700000000 > pvdb/var/db/pkg/sys-libs/zlib-1.3/BUILD_TIME
echo 1700000500 > cvdb/var/db/pkg/sys-libs/zlib-1.3/BUILD_TIME
PARENT=(--vdb cvdb --name fx-child --from-builder sys-libs/glibc --parent-vdb pvdb --parent-name fx-base)
"$S" spdx --image child.tar "${PARENT[@]}" --out child.json
golden sbom-parent-annotations jq -r '.packages[] | select(.annotations) | .name + ": " + ([.annotations[].comment | select(startswith("scratchmerge:"))] | join(" "))' child.json
golden sbom-parent-verify "$S" verify --image child.tar child.json
golden sbom-parent-report "$S" report --image child.tar "${PARENT[@]}"
golden sbom-parent-report-layers bash -c "'$S' report --image child.tar ${PARENT[*]} --json '$w/r.json' > /dev/null && jq -c '.layers[]' '$w/r.json'"
# the parent's own root on the parent: no layer of its own
"$BIN/mkimage" --config image.yaml --rootfs proot --tag fx-same:1 --name fx-same --source-date-epoch 1700000000 \
	--parent parent.tar --out same.tar > /dev/null
golden sbom-parent-no-layer bash -c "'$S' report --image same.tar --vdb pvdb --name fx-same --parent-vdb pvdb --parent-name fx-base | sed -n '/^layers/,/^\$/p'"
golden sbom-parent-vdb-without-name "$S" spdx --image child.tar --vdb cvdb --name fx-child --parent-vdb pvdb
golden_summary
