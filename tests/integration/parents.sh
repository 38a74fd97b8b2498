# Parent images (issue 15), on the fixture builder: fx-child is built on
# fx-base. The child's archive holds the parent's layer byte for byte and
# one layer of its own; the child's emerge takes the parent's packages as
# installed; a package of the parent the child unmerges is a whiteout;
# docker and podman run the child; a registry stores the shared layer once
# and a pull of the child after the parent fetches only the child's layer;
# two clean builds give the same digests; a change to the parent reruns
# the child from its parent stage. (What the emerge double cannot show:
# Portage's own resolution against a ROOT's VDB; see its head.)
. "$(dirname "$0")/lib.sh"

for t in docker dockerd docker-registry skopeo jq curl python3; do
	if ! have $t; then
		skip "parents (all)" "$t is not installed (make deps)"
		summary
		exit
	fi
done
framework_setup
BASE=$IMG/fx-base CHILD=$IMG/fx-child
BTAG=scratchmerge-test/fx-base:latest CTAG=scratchmerge-test/fx-child:latest
# manifest ARCHIVE: the image manifest of an archive mkimage wrote
manifest() {
	local m
	m=$(tar -xOf "$1" index.json | jq -r '[.manifests[] | select(.annotations."org.opencontainers.image.ref.name" != "sbom")][0].digest' | cut -d: -f2)
	tar -xOf "$1" "blobs/sha256/$m"
}
files_of() {	# files_of TAG: the files of a loaded image, as docker export lists them
	local c
	c=$(docker create "$1" /x)
	docker export "$c" | tar -tf - | sort
	docker rm "$c" > /dev/null
}

docker rmi -f "$BTAG" "$CTAG" > /dev/null 2>&1
sm "$BASE/clean"
sm "$CHILD/clean"
check "make the child builds the parent first, then the child" sm "$CHILD"
expect "... every stage of the parent ran" "$ALL" "$(ran fx-base)"
expect "... and of the child" "$ALL" "$(ran fx-child)"

# --- the layers ---
pm=$(manifest "$OUT/fx-base/image.tar")
cm=$(manifest "$OUT/fx-child/image.tar")
expect "the parent has one layer" 1 "$(jq '.layers | length' <<< "$pm")"
expect "the child has two" 2 "$(jq '.layers | length' <<< "$cm")"
expect "the child's first layer is the parent's, byte for byte (same blob digest)" \
	"$(jq -r '.layers[0].digest' <<< "$pm")" "$(jq -r '.layers[0].digest' <<< "$cm")"
check "... and the blob itself is in the child's archive" tar -tf "$OUT/fx-child/image.tar" \
	"blobs/sha256/$(jq -r '.layers[0].digest' <<< "$pm" | cut -d: -f2)"
own=$(jq -r '.layers[1].digest' <<< "$cm" | cut -d: -f2)
tar -xOf "$OUT/fx-child/image.tar" "blobs/sha256/$own" | tar -tzf - | sort > "$T_TMP/own"
check "the child's own layer holds what it added" grep -qx usr/share/withdep/marker "$T_TMP/own"
check "... a whiteout for the parent's package it unmerged" grep -qx usr/bin/.wh.extra "$T_TMP/own"
check "... and none of the parent's unchanged files" bash -c "! grep -qx usr/bin/hello '$T_TMP/own'"

# --- Portage's view: the parent's packages are installed in ROOT ---
check "the child's emerge merged withdep" grep -q '>>> Emerging .*app-misc/withdep-1.0' "$OUT/fx-child/emerge-root.log"
check "... and none of the parent's packages (extra, withdep's dependency, is installed)" bash -c \
	"! grep -q '>>> Emerging .*app-misc/\\(extra\\|hello\\)' '$OUT/fx-child/emerge-root.log' &&
	 grep -q 'app-misc/extra-2.0 already installed' '$OUT/fx-child/emerge-root.log'"

# --- running them ---
expect "the child runs (the parent's program)" "hello from a FROM-scratch image (child) conf: no /etc/hello.conf" \
	"$(docker run --rm --network none "$CTAG" 2>&1)"
files_of "$BTAG" > "$T_TMP/base.files"
files_of "$CTAG" > "$T_TMP/child.files"
check "the parent has app-misc/extra's program" grep -qx usr/bin/extra "$T_TMP/base.files"
check "the whiteout works: the running child does not" bash -c "! grep -qx usr/bin/extra '$T_TMP/child.files'"
if have podman; then
	podman rmi -f "$CTAG" > /dev/null 2>&1
	check "podman loads the child's archive" podman load -i "$OUT/fx-child/image.tar"
	expect "... and runs it" "hello from a FROM-scratch image (child) conf: no /etc/hello.conf" \
		"$("${PODMAN_RUN[@]}" "$CTAG" 2>&1)"
	podman rmi -f "$CTAG" > /dev/null 2>&1
else
	skip "podman runs the child" "podman is not installed"
fi

# --- the SBOM and the report cover the whole image ---
jq -r '.packages[] | select(.SPDXID | startswith("SPDXRef-Package-app-misc-hello-")) | .annotations[]?.comment' \
	"$OUT/fx-child/sbom.spdx.json" > "$T_TMP/ann"
check "the child's SBOM lists the parent's packages, marked as the parent's" grep -q 'from-parent=fx-base' "$T_TMP/ann"
"${MK[@]}" "$CHILD/report" > "$T_TMP/report" 2>&1
check "the report lists the two layers and their images" jq -e '.layers | length == 2' "$OUT/fx-child/report.json"

# --- a change to the parent reruns the child from its parent stage ---
sm "$CHILD" 'FX_BASE_PRUNE=$(DEFAULT_PRUNE) /usr/share/hello'
expect "a PRUNE change of the parent: its scratch only (PRUNE is applied on the host)" "scratch" "$(ran fx-base)"
expect "... and the child from its parent stage on" "parent emerge-root glibc unmerge finish scratch" "$(ran fx-child)"
check "... laid the parent's filesystem, its PRUNE applied (build/fx-base/root.tar)" bash -c \
	"tar -tf '$OUT/fx-base/root.tar' | grep -qx usr/bin/hello && ! tar -tf '$OUT/fx-base/root.tar' | grep -q '^usr/share/hello'"
files_of "$CTAG" > "$T_TMP/child.files"
check "... so the child has no /usr/share/hello either" bash -c "! grep -q '^usr/share/hello' '$T_TMP/child.files'"
# --- a parent's rootfs/ is part of its filesystem: the child keeps it ---
mkdir -p "$BASE/rootfs/etc" && echo base > "$BASE/rootfs/etc/base-release"
sm "$CHILD"
expect "a file in the parent's rootfs/: its scratch, and the child from its parent stage on" \
	"scratch parent emerge-root glibc unmerge finish scratch" "$(ran fx-base) $(ran fx-child)"
files_of "$CTAG" > "$T_TMP/child.files"
check "... the child's image has it" grep -qx etc/base-release "$T_TMP/child.files"
own=$(manifest "$OUT/fx-child/image.tar" | jq -r '.layers[1].digest' | cut -d: -f2)
tar -xOf "$OUT/fx-child/image.tar" "blobs/sha256/$own" | tar -tzf - | sort > "$T_TMP/own"
check "... from the parent's layer: the child's has neither it nor a whiteout of it" \
	bash -c "! grep -q 'base-release' '$T_TMP/own'"
rm -rf "$BASE/rootfs"
sm "$CHILD"
sm "$CHILD"
expect "nothing changed: nothing runs" "" "$(ran fx-base)$(ran fx-child)"

# --- the child builds with its parents' portage/, its own over it ---
mkdir -p "$BASE/portage/package.use"
printf '# the parent'"'"'s USE for a package\napp-misc/extra doc\n' > "$BASE/portage/package.use/base"
sm "$CHILD/pretend" FX_CHILD_PACKAGES=app-misc/extra
check "a parent's package.use reaches the child's builder" \
	grep -q 'app-misc/extra-2.0::gentoo to /destination/ USE="doc"' "$T_TMP/last"
check "... the child's portage stage says why it reran" grep -qx ">>> fx-child portage (fx-base's portage changed)" "$T_TMP/last"
mkdir -p "$CHILD/portage/package.use"
printf 'app-misc/extra -doc\n' > "$CHILD/portage/package.use/base"
sm "$CHILD/pretend" FX_CHILD_PACKAGES=app-misc/extra
check "the child's file of the same name replaces the parent's" \
	grep -q 'app-misc/extra-2.0::gentoo to /destination/ USE="-doc"' "$T_TMP/last"
rm -r "$CHILD/portage"
printf 'app-misc/extra dco\n' >> "$BASE/portage/package.use/base"
sm "$CHILD/pretend" FX_CHILD_PACKAGES=app-misc/extra
check "the child's lint names a parent's file by its own path" \
	grep -q "$BASE/portage/package.use/base:3: app-misc/extra: USE flag 'dco' is not in IUSE of app-misc/extra" "$T_TMP/last"
rm -r "$BASE/portage"
sm "$CHILD"
expect "both gone: the child from portage on again (the parent was not built with it: nothing)" \
	" / $FROM_PORTAGE" "$(ran fx-base) / $(ran fx-child)"

# --- Ctrl-C while the child lays its parent in: nothing of it kept ---
for s in parent emerge-root glibc unmerge finish scratch; do rm -f "$OUT/fx-child/.stamp-$s"; done
rm -f "$T_TMP/mark"
SLOW_ON=stage SLOW_MARK=$T_TMP/mark SLOW_CLIENT=$OUT/bin/engine setsid env --default-signal=INT "${MK[@]}" \
	ENGINE_CLIENT="$TOP/tests/integration/slow-client" "$CHILD" > "$T_TMP/sig" 2>&1 &
mpid=$!
for _ in $(seq 100); do [ -e "$T_TMP/mark" ] && [ -n "$(containers fx-child)" ] && break; sleep 0.1; done
kill -INT -- -"$mpid"
wait "$mpid"
rc=$?
check "SIGINT in the child's parent stage: named" grep -q "fx-child: stage parent interrupted" "$T_TMP/sig"
check "... make failed, no stamp, snapshot or container of it" bash -c "[ $rc -ne 0 ] &&
	[ ! -e '$OUT/fx-child/.stamp-parent' ] && [ -z \"\$(docker ps -aq --filter label=org.scratchmerge.owner=$(cat "$OUT/.sm-id")/fx-child)\" ] &&
	! docker image inspect $(snap fx-child):parent > /dev/null 2>&1"
sm "$CHILD"
expect "... then a plain make resumes at parent" "parent emerge-root glibc unmerge finish scratch" "$(ran fx-child)"

# --- reproducible: two clean builds, the same digests ---
d1=$(cat "$OUT/fx-child/digest")
sm "$CHILD/clean" && sm "$BASE/clean"
sm "$CHILD"
expect "two clean builds give the same child digest" "$d1" "$(cat "$OUT/fx-child/digest" 2> /dev/null)"

# --- a registry stores the shared layer once; a pull after the parent fetches only the child's ---
registry "$T_TMP/registry"
D=$T_TMP/puller
mkdir -p "$D"
dockerd --storage-driver=vfs --iptables=false --bridge=none --insecure-registry "$REG" \
	--data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/pid" -H "unix://$D/sock" > "$D/log" 2>&1 &
PULLER_PID=$!
trap 'kill $REG_PID $PULLER_PID 2> /dev/null; wait $PULLER_PID 2> /dev/null; tmp_cleanup' EXIT
for _ in $(seq 50); do DOCKER_HOST=unix://$D/sock docker info > /dev/null 2>&1 && break; sleep 0.2; done
blobs() { find "$T_TMP/registry/data/docker/registry/v2/blobs" -name data | wc -l; }
check "push the parent" sm "$BASE/push" "REGISTRY=$REG/sm" PUSH_FLAGS=--dest-tls-verify=false
after_parent=$(blobs)
check "push the child" sm "$CHILD/push" "REGISTRY=$REG/sm" PUSH_FLAGS=--dest-tls-verify=false
# what the child's archive holds that the parent's does not: its layer,
# config, manifest, SBOM manifest and document (the parent's layer and the
# empty config are the parent's)
archive_blobs() { tar -tf "$1" | grep '^blobs/sha256/.' | sort; }
new_blobs=$(comm -13 <(archive_blobs "$OUT/fx-base/image.tar") <(archive_blobs "$OUT/fx-child/image.tar") | wc -l)
expect "the registry stores the shared layer once: the child added only what the parent lacks" \
	"$new_blobs" $(($(blobs) - after_parent))
check "... the parent's layer is among the registry's blobs, once" test -d \
	"$T_TMP/registry/data/docker/registry/v2/blobs/sha256/$(jq -r '.layers[0].digest' <<< "$pm" | cut -c8-9)/$(jq -r '.layers[0].digest' <<< "$pm" | cut -c8-)"
pd() { DOCKER_HOST=unix://$D/sock docker "$@"; }
check "a node pulls the parent" pd pull "$REG/sm/$BTAG"
pd pull "$REG/sm/$CTAG" > "$T_TMP/pull" 2>&1
check "... then the child: the parent's layer is already there" grep -q "$(jq -r '.layers[0].digest' <<< "$cm" | cut -c8-19): Already exists" "$T_TMP/pull"
expect "... and the child runs there" "hello from a FROM-scratch image (child) conf: no /etc/hello.conf" \
	"$(pd run --rm --network none "$REG/sm/$CTAG" 2>&1)"

sm "$CHILD/clean" && sm "$BASE/clean"
docker rmi -f "$BTAG" "$CTAG" > /dev/null 2>&1
summary
