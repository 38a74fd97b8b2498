# Several platforms (issue 16), on the fixture builder: fx-multi for
# linux/amd64 and linux/arm64 (under qemu-user through binfmt_misc, which
# this test registers and puts back as it found it). Each platform has its
# own stages; the archive holds an OCI index of both with the right
# platform fields; docker loads the engine's own; the arm64 image runs under
# emulation and its program says aarch64; both digests are reproducible; a
# registry gets both, and `docker pull --platform linux/arm64` the arm64 one.
. "$(dirname "$0")/lib.sh"

for t in docker dockerd docker-registry skopeo jq curl python3 qemu-aarch64-static aarch64-linux-gnu-gcc; do
	if ! have $t; then
		skip "platforms (all)" "$t is not installed (make deps)"
		summary
		exit
	fi
done
BF=$TOP/tests/integration/binfmt
exec 9> /tmp/scratchmerge-binfmt.lock
flock -w 900 9 || { echo "platforms.sh: /tmp/scratchmerge-binfmt.lock is held by another run"; exit 1; }
ST=$T_TMP/binfmt.state
trap '"$BF" down "$ST"; tmp_cleanup' EXIT
check "qemu-aarch64 registered for the test" "$BF" up "$ST"
framework_setup
MULTI=$IMG/fx-multi TAG=scratchmerge-test/fx-multi:latest
arch_of() { tar -xOf "$1" index.json; }

docker rmi -f "$TAG" > /dev/null 2>&1
sm "$MULTI/clean"
check "make builds both platforms and the index" sm "$MULTI"
expect "the amd64 instance ran every stage" "$ALL" "$(ran fx-multi.amd64)"
expect "the arm64 instance too, with the emulation check before its portage stage" "${ALL/config/config emulation}" "$(ran fx-multi.arm64)"
check "make says which platform it loaded" grep -q "scratchmerge-test/fx-multi:latest sha256:.* (linux/amd64 loaded)" "$T_TMP/last"

# --- the index ---
idx=$(tar -xOf "$OUT/fx-multi/image.tar" index.json)
inner=$(jq -r '.manifests[] | select(.mediaType == "application/vnd.oci.image.index.v1+json") | .digest' <<< "$idx" | cut -d: -f2)
[ -z "$inner" ] || idx=$(tar -xOf "$OUT/fx-multi/image.tar" "blobs/sha256/$inner")
expect "the index lists both platforms" "linux/amd64 linux/arm64/v8" \
	"$(jq -r '.manifests[] | select(.platform.os == "linux") | .platform | "\(.os)/\(.architecture)\(if .variant then "/" + .variant else "" end)"' <<< "$idx" | sort | paste -sd' ')"
expect "... and an SBOM for each (as BuildKit lists attestations)" 2 \
	"$(jq '[.manifests[] | select(.artifactType == "application/spdx+json" or .platform.os == "unknown")] | length' <<< "$idx")"
expect "the loaded image is amd64" amd64 "$(docker image inspect --format '{{.Architecture}}' "$TAG")"
expect "... and runs" "hello from a FROM-scratch image (multi) conf: no /etc/hello.conf" "$(docker run --rm --network none "$TAG" 2>&1)"

# --- the arm64 image, under emulation ---
docker rmi -f scratchmerge-test/fx-multi-arm64:x > /dev/null 2>&1
docker load -i "$OUT/fx-multi.arm64/image.tar" > /dev/null && docker tag "$TAG" scratchmerge-test/fx-multi-arm64:x
expect "the arm64 image's config says arm64" arm64 "$(docker image inspect --format '{{.Architecture}}' scratchmerge-test/fx-multi-arm64:x)"
expect "... it runs under emulation, and its program says aarch64" aarch64 \
	"$(docker run --rm --network none --platform linux/arm64 scratchmerge-test/fx-multi-arm64:x --machine 2>&1)"
docker load -i "$OUT/fx-multi.amd64/image.tar" > /dev/null
expect "... while the amd64 one says x86_64" x86_64 "$(docker run --rm --network none "$TAG" --machine 2>&1)"
check "the lint checked KEYWORDS for arm64" grep -qx "SM_ARCH='arm64'" "$OUT/fx-multi.arm64/.opts-lint"

# --- per platform targets, and nothing to do twice ---
sm "$MULTI"
expect "a second make runs nothing" "" "$(ran fx-multi.amd64)$(ran fx-multi.arm64)"
sm "$MULTI/arm64/finish-redo"
expect "images/NAME/ARCH/STAGE-redo reruns that platform only" "finish scratch" "$(ran fx-multi.arm64)"
expect "... not the other" "" "$(ran fx-multi.amd64)"

# --- reproducible ---
d_amd=$(cat "$OUT/fx-multi.amd64/digest") d_arm=$(cat "$OUT/fx-multi.arm64/digest") d_idx=$(cat "$OUT/fx-multi/digest")
sm "$MULTI/clean"
sm "$MULTI"
expect "two clean builds: the same amd64, arm64 and index digests" "$d_amd $d_arm $d_idx" \
	"$(cat "$OUT/fx-multi.amd64/digest" "$OUT/fx-multi.arm64/digest" "$OUT/fx-multi/digest" 2> /dev/null | paste -sd' ')"

# --- push both; pull the arm64 one by platform ---
registry "$T_TMP/registry"
trap 'kill $REG_PID 2> /dev/null; "$BF" down "$ST"; tmp_cleanup' EXIT
check "make images/NAME/push pushes the index (skopeo copy --all)" sm "$MULTI/push" "REGISTRY=$REG/sm" PUSH_FLAGS=--dest-tls-verify=false
expect "the registry has an index with both platforms" "amd64 arm64" \
	"$(skopeo inspect --tls-verify=false --raw "docker://$REG/sm/$TAG" | jq -r '.manifests[] | select(.platform.os == "linux") | .platform.architecture' | sort | paste -sd' ')"
docker rmi -f "$REG/sm/$TAG" > /dev/null 2>&1
check "docker pull --platform linux/arm64 gets it" docker pull --platform linux/arm64 "$REG/sm/$TAG"
expect "... the arm64 one" arm64 "$(docker image inspect --format '{{.Architecture}}' "$REG/sm/$TAG")"
docker rmi -f "$REG/sm/$TAG" scratchmerge-test/fx-multi-arm64:x > /dev/null 2>&1

touch "$OUT/fx-multi.arm64/.opts-glibc"
"${MK[@]}" -n "$MULTI/arm64/glibc" > "$T_TMP/n" 2>&1
check "the arm64 stages copy the cross-compiled helpers into the builder" grep -q 'bin-static-arm64/vdb=bin/vdb' "$T_TMP/n"
sm "$MULTI/clean"
docker rmi -f "$TAG" > /dev/null 2>&1
summary
