# SBOM, report and push end to end on the fixture builder (issue 10): a
# private dockerd (the default engine belongs to the framework tests), the
# fixture image built by the real stages, its SPDX document validated
# against the published schema by ajv (npm) and checked by `sbom verify`,
# two clean builds compared byte for byte, `make .../report`, and
# `make .../push` to a Distribution registry on loopback, pulled back by
# docker and podman and run, with the digest mkimage printed.
. "$(dirname "$0")/lib.sh"

for t in dockerd docker-registry skopeo npm jq curl python3; do
	if ! have $t; then
		skip "sbom (all)" "$t is not installed (make deps)"
		summary
		exit
	fi
done

# --- a registry of our own: Debian's docker-registry, config and storage here ---
registry "$T_TMP/registry"

# --- a dockerd of our own, that may pull from the registry over plain HTTP ---
D=$T_TMP/dockerd
mkdir -p "$D"
# vfs: it works wherever dockerd does, and the fixture builder is small
dockerd --storage-driver=vfs --iptables=false --bridge=none --insecure-registry "$REG" \
	--data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/pid" -H "unix://$D/sock" > "$D/log" 2>&1 &
DOCKERD_PID=$!
export DOCKER_HOST=unix://$D/sock
cleanup() {
	podman rmi -f "$REG/sm/scratchmerge-test/fx-hello:latest" > /dev/null 2>&1
	kill "$REG_PID" 2> /dev/null
	kill "$DOCKERD_PID" 2> /dev/null
	wait "$DOCKERD_PID" 2> /dev/null
	tmp_cleanup
}
trap cleanup EXIT
for i in $(seq 50); do
	docker info > /dev/null 2>&1 && curl -sf "http://$REG/v2/" > /dev/null && break
	sleep 0.2
done
check "private dockerd and registry answer" bash -c "docker info > /dev/null && curl -sf http://$REG/v2/"

# --- the schema validator, from npm, under O ---
AJV_DIR=$O/npm
if [ ! -x "$AJV_DIR/node_modules/.bin/ajv" ]; then
	mkdir -p "$AJV_DIR"
	(cd "$AJV_DIR" && npm install --no-audit --no-fund --loglevel=error ajv-cli@5 ajv-formats@2) > "$T_TMP/npm.log" 2>&1
fi
# (no ajv: the check fails with npm's own reason)
ajv() {
	if [ ! -x "$AJV_DIR/node_modules/.bin/ajv" ]; then
		echo "npm install ajv-cli failed:"
		grep -v '^npm ERR! *$' "$T_TMP/npm.log" | tail -n 4
		return 1
	fi
	"$AJV_DIR/node_modules/.bin/ajv" validate --spec=draft2019 --strict=false -c ajv-formats \
	-s "$TOP/tests/schema/spdx-2.3-schema.json" -d "$1"; }

framework_setup
SB=$OUT/fx-hello/sbom.spdx.json

check "fx-hello builds with its SBOM" sm "$HELLO"
check "the SBOM is valid SPDX 2.3 (published schema, ajv from npm)" ajv "$SB"
check "sbom verify: every file of the image is in the SBOM, and nothing else" \
	"$OUT/bin/sbom" verify --image "$OUT/fx-hello/image.tar" "$SB"
pkgs() { jq -r '.packages[] | select(.SPDXID != "SPDXRef-Image") | (.externalRefs[0].referenceLocator | sub("\\?.*"; ""))' "$SB" | paste -sd' '; }
expect "the packages in the image (not app-misc/extra, which UNMERGE removed)" \
	"pkg:ebuild/app-misc/hello@1.0-r1 pkg:ebuild/sys-devel/gcc@12.2.0 pkg:ebuild/sys-libs/glibc@2.36-r99" "$(pkgs)"
from() { jq -r --arg n "$1" '.packages[] | select(.name == $n) | .annotations[].comment | select(startswith("scratchmerge:"))' "$SB"; }
expect "glibc is marked as copied from the builder" "scratchmerge:copied-from-builder=RUNTIME_FROM_BUILDER" "$(from glibc)"
expect "gcc's libraries are marked as copied from the builder" \
	"scratchmerge:copied-from-builder=RUNTIME_LIBS_FROM_BUILDER" "$(from gcc)"
expect "hello is not marked" "" "$(from hello)"
# LICENSE, IUSE, USE as the fixture emerge writes them (when it does)
V=$OUT/fx-hello/sbom-input/vdb/var/db/pkg
field() { jq -r --arg n "$1" --arg k "$2" '.packages[] | select(.name == $n) | .[$k]' "$SB"; }
ann() { jq -r --arg n "$1" --arg k "$2" '.packages[] | select(.name == $n) | .annotations[].comment | select(startswith($k))' "$SB"; }
expect "hello: LICENSE as SPDX, its USE conditionals evaluated (USE=\"-ipv6 greeting\")" \
	"GPL-2.0-or-later AND MIT" "$(field hello licenseDeclared)"
expect "hello: the USE flags it was built with (USE within IUSE)" "gentoo:USE=greeting" "$(ann hello gentoo:USE=)"
expect "glibc: LICENSE as SPDX, unmapped names as LicenseRef-Gentoo-*" \
	"LGPL-2.1-or-later AND BSD-3-Clause AND HPND AND ISC AND LicenseRef-Gentoo-inner-net AND LicenseRef-Gentoo-rc AND LicenseRef-Gentoo-PCRE" \
	"$(field glibc licenseDeclared)"
expect "the unmapped names are listed" "LicenseRef-Gentoo-PCRE LicenseRef-Gentoo-inner-net LicenseRef-Gentoo-rc" \
	"$(jq -r '[.hasExtractedLicensingInfos[].licenseId] | map(select(. | test("PCRE|inner-net|rc$"))) | join(" ")' "$SB")"
check "pruned files are not listed (headers, static libs, docs)" \
	bash -c "! jq -r '.files[].fileName' '$SB' | grep -E 'usr/include|\\.a\$|share/doc/hello'"
unowned() { jq -r '.files[] | select(.comment // "" | startswith("owned by no package")) | .fileName' "$SB" | paste -sd' '; }
expect "files no package owns are declared as the image's own" \
	"./etc/hello.conf ./etc/ld.so.cache ./etc/ld.so.conf" "$(unowned)"
expect "the layer's file digests are the SBOM's" \
	"$(jq -r '.files[] | select(.fileName == "./usr/bin/hello") | .checksums[] | select(.algorithm == "SHA256") | .checksumValue' "$SB")" \
	"$(m=$(tar -xOf "$OUT/fx-hello/image.tar" index.json | jq -r '.manifests[0].digest' | cut -d: -f2); \
		l=$(tar -xOf "$OUT/fx-hello/image.tar" "blobs/sha256/$m" | jq -r '.layers[0].digest' | cut -d: -f2); \
		tar -xOf "$OUT/fx-hello/image.tar" "blobs/sha256/$l" | tar -xzOf - usr/bin/hello | sha256sum | cut -d' ' -f1)"

# --- it travels with the archive, which every loader still reads ---
idx() { tar -xOf "$OUT/fx-hello/image.tar" index.json; }
expect "index.json: the image, then the SBOM artifact whose subject is the image" \
	"$(cat "$OUT/fx-hello/digest") application/spdx+json sbom" \
	"$(idx | jq -r '.manifests[0].digest + " " + .manifests[1].artifactType + " " + .manifests[1].annotations["org.opencontainers.image.ref.name"]')"
expect "the artifact's subject is the image manifest" "$(cat "$OUT/fx-hello/digest")" \
	"$(skopeo inspect --raw "oci-archive:$OUT/fx-hello/image.tar:sbom" | jq -r .subject.digest)"
expect "skopeo reads the image from the archive with the digest mkimage printed" "$(cat "$OUT/fx-hello/digest")" \
	"$(skopeo inspect "oci-archive:$OUT/fx-hello/image.tar:latest" | jq -r .Digest)"
check "docker load of the archive (with the SBOM in it) runs" \
	bash -c "docker load -i '$OUT/fx-hello/image.tar' && docker run --rm --network none scratchmerge-test/fx-hello:latest"
if have podman; then
	check "podman load of the archive (with the SBOM in it)" podman load -i "$OUT/fx-hello/image.tar"
	podman rmi -f scratchmerge-test/fx-hello:latest > /dev/null 2>&1
fi

# --- the check fails when the SBOM and the image disagree ---
L=$T_TMP/layer
mkdir -p "$L"
m=$(idx | jq -r '.manifests[0].digest' | cut -d: -f2)
l=$(tar -xOf "$OUT/fx-hello/image.tar" "blobs/sha256/$m" | jq -r '.layers[0].digest' | cut -d: -f2)
tar -xOf "$OUT/fx-hello/image.tar" "blobs/sha256/$l" | tar -xzf - -C "$L"
remake() { "$OUT/bin/mkimage" --config "$HELLO/image.yaml" --rootfs "$L" --tag x:1 --out "$T_TMP/$1.tar" --source-date-epoch 1; }
echo sneaked > "$L/usr/bin/sneaky"
remake extra
check "verify fails: a file in the image that no package owns and the SBOM does not declare" \
	bash -c "! '$OUT/bin/sbom' verify --image '$T_TMP/extra.tar' '$SB' 2> '$T_TMP/v.err' && grep -q 'not in the SBOM: /usr/bin/sneaky' '$T_TMP/v.err'"
rm "$L/usr/bin/sneaky"
rm -r "$L/usr/bin/hello" "$L/usr/share/hello" "$L/usr/share/locale" "$L/etc/hello-1.0-r1"
remake less
check "verify fails: a package the SBOM lists is not in the image" \
	bash -c "! '$OUT/bin/sbom' verify --image '$T_TMP/less.tar' '$SB' 2> '$T_TMP/v.err' && grep -q 'no file in the image: SPDXRef-Package-app-misc-hello-1.0-r1' '$T_TMP/v.err'"

# --- reproducible: a second clean build, the same bytes ---
cp "$SB" "$T_TMP/sbom.first"
cp "$OUT/fx-hello/image.tar" "$T_TMP/image.first"
sleep 1	# a BUILD_TIME a second later must not matter
sm "$HELLO/clean"
check "a second clean build" sm "$HELLO"
check "two clean builds: byte-identical SBOMs" cmp "$T_TMP/sbom.first" "$SB"
check "two clean builds: byte-identical archives (SBOM attached)" cmp "$T_TMP/image.first" "$OUT/fx-hello/image.tar"

# --- the report ---
check "make images/NAME/report" sm "$HELLO/report"
check "report: packages by size, biggest files, removed, setuid, candidates" \
	bash -c "grep -q '^packages by size:' '$T_TMP/last' && grep -q '^biggest files:' '$T_TMP/last' &&
		grep -q '^removed by PRUNE: ' '$T_TMP/last' && grep -q '^removed by UNMERGE: ' '$T_TMP/last' &&
		grep -q '^setuid, setgid and file capabilities:' '$T_TMP/last' && grep -q '^candidates for UNMERGE' '$T_TMP/last'"
R=$OUT/fx-hello/report.json
expect "report.json: the biggest package is glibc" "sys-libs/glibc-2.36-r99" "$(jq -r '.packages[0].package' "$R")"
expect "report.json: UNMERGE removed app-misc/extra's program, 39 bytes" "39" \
	"$(jq -r '.unmerged.paths[] | select(.path == "/usr/bin/extra") | .bytes' "$R")"
expect "report.json: PRUNE removed /usr/include (47 bytes: hello.h)" "47" \
	"$(jq -r '.pruned.paths[] | select(.path == "/usr/include") | .bytes' "$R")"
expect "report.json: PRUNE removed /lib64/libhello.a through lib64 -> usr/lib64 (8 bytes)" "8" \
	"$(jq -r '.pruned.paths[] | select(.path == "/lib64/libhello.a") | .bytes' "$R")"
expect "report.json: the entrypoint's package" "app-misc/hello-1.0-r1" "$(jq -r '.entrypoint[0].package' "$R")"
expect "report.json: no candidates (hello needs glibc and libgcc_s)" "0" "$(jq '.unneeded_candidates.packages | length' "$R")"

# --- push to the registry, pull back with docker and podman, run ---
DIGEST=$(cat "$OUT/fx-hello/digest")
check "make images/NAME/push to a registry on loopback" \
	sm "$HELLO/push" REGISTRY="$REG/sm" PUSH_FLAGS=--dest-tls-verify=false
REPO=$REG/sm/scratchmerge-test/fx-hello
check "docker pulls it back" docker pull "$REPO:latest"
expect "docker: the pulled digest is mkimage's" "$REPO@$DIGEST" \
	"$(docker image inspect --format '{{index .RepoDigests 0}}' "$REPO:latest")"
expect "docker runs the pulled image" "hello from a FROM-scratch image (from-cmd) conf: rootfs overlay works" \
	"$(docker run --rm --network none "$REPO:latest" 2>&1)"
if have podman; then
	check "podman pulls it back" podman pull --tls-verify=false "$REPO:latest"
	expect "podman: the pulled digest is mkimage's" "$DIGEST" "$(podman image inspect --format '{{.Digest}}' "$REPO:latest")"
	expect "podman runs the pulled image" "hello from a FROM-scratch image (from-cmd) conf: rootfs overlay works" \
		"$("${PODMAN_RUN[@]}" "$REPO:latest" 2>&1)"
fi
check "the SBOM is in the registry, beside the image (tag sha256-HEX.sbom), byte for byte" \
	bash -c "skopeo copy --src-tls-verify=false 'docker://$REPO:${DIGEST/:/-}.sbom' 'dir:$T_TMP/pulled' > /dev/null &&
		cmp '$SB' '$T_TMP/pulled/'\$(jq -r '.layers[0].digest' '$T_TMP/pulled/manifest.json' | cut -d: -f2)"
"${MK[@]}" "$HELLO/push" > "$T_TMP/np" 2>&1
rc=$?
check "push without REGISTRY says what to set" bash -c "[ $rc -ne 0 ] && grep -q 'set REGISTRY=' '$T_TMP/np'"
summary
