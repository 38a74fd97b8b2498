# Layers shared across images and one archive for several platforms
# (issues 15 and 16), with mkimage alone (no framework): a parent and a
# child built on it (--parent) from two busybox roots made here, loaded by
# docker and podman, run (a whiteout, a parent's file, a directory's owner
# and mode), pushed to Debian's docker-registry on loopback (the shared
# layer stored once, docker's pull of the child finds it there already);
# amd64 and arm64 archives merged (--index), loaded by docker, pushed with
# skopeo copy --all, each platform pulled back and the arm64 one run under
# qemu-user (tests/integration/binfmt).
. "$(dirname "$0")/lib.sh"
cd "$T_TMP"
M=$BIN/mkimage
BF=$TOP/tests/integration/binfmt
P=sm-layers-base:it C=sm-layers-child:it X=sm-layers-multi:it

for t in jq busybox; do
	if ! have $t; then
		skip "layers (all)" "$t is not installed (make deps)"
		summary
		exit
	fi
done
# blob ARCHIVE DIGEST: the blob's bytes; man ARCHIVE: the image manifest
blob() { tar -xOf "$1" "blobs/sha256/${2#sha256:}"; }
man() { blob "$1" "$(tar -xOf "$1" index.json | jq -r '[.manifests[] | select(.artifactType == null)][0].digest')"; }
cfg() { blob "$1" "$(man "$1" | jq -r .config.digest)"; }

# --- a parent and a child, from two roots ---
# the parent: busybox, /etc/base, /etc/removed, /data (1234:1234, 0750)
mkdir -p parent/bin parent/etc parent/data
cp "$(readlink -f "$(command -v busybox)")" parent/bin/busybox
for a in sh cat ls stat test uname; do ln -s busybox parent/bin/$a; done
echo base > parent/etc/base
echo "the child removes this" > parent/etc/removed
echo old > parent/data/old
chown -R 1234:1234 parent/data && chmod 0750 parent/data
find parent -exec touch -h -d @1700000000 {} +
# the child: the parent's files as they are (mtimes too), one removed, two added
cp -a parent child
rm child/etc/removed
echo child > child/etc/child
echo new > child/data/new && chown 1234:1234 child/data/new
printf 'cmd: [/bin/sh, -c, "cat /etc/base /etc/child; test -e /etc/removed && echo removed-is-there; stat -c \\"%%u %%a\\" /data"]\n' > image.yaml
check "mkimage: the parent" $M --config image.yaml --rootfs parent --tag $P --name sm-layers-base --out parent.tar
check "mkimage --parent: the child" $M --config image.yaml --rootfs child --tag $C --name sm-layers-child \
	--parent parent.tar --out child.tar
PL=$(man parent.tar | jq -r '.layers[0].digest')
[ -n "$PL" ] || PL="no parent layer"
expect "the child's first layer is the parent's, by digest" "$PL" "$(man child.tar | jq -r '.layers[0].digest')"
check "... and byte for byte (the blob is copied, not recompressed)" \
	bash -c "tar -xOf parent.tar 'blobs/sha256/${PL#sha256:}' > p.blob && tar -xOf child.tar 'blobs/sha256/${PL#sha256:}' > c.blob && cmp p.blob c.blob"
expect "the child's diff_ids: the parent's, then its own" \
	"$(cfg parent.tar | jq -c '.rootfs.diff_ids[0]') 2" "$(cfg child.tar | jq -c '.rootfs.diff_ids[0]') $(cfg child.tar | jq '.rootfs.diff_ids | length')"
expect "the child's history: the parent's entry, then its own" \
	"scratchmerge mkimage sm-layers-base|scratchmerge mkimage sm-layers-child" \
	"$(cfg child.tar | jq -r '[.history[].created_by] | join("|")')"
CL=$(man child.tar | jq -r '.layers[1].digest')
expect "the child's layer: what differs, a whiteout, the directories above" \
	"data/|data/new|etc/|etc/.wh.removed|etc/child" "$(blob child.tar "$CL" | tar -tzf - | paste -sd'|')"
D1=$($M --config image.yaml --rootfs child --tag $C --name sm-layers-child --parent parent.tar --out again.tar --print-digest)
expect "two builds of the child: the same digest" "$(man child.tar | sha256sum | sed 's/^/sha256:/; s/ .*//')" "$D1"
check "... and the same bytes" cmp child.tar again.tar

# the parent as the framework leaves it, its SBOM attached: the same child
cp parent.tar parent-sbom.tar && echo '{"spdxVersion":"SPDX-2.3"}' > sbom.json && $BIN/sbom attach --image parent-sbom.tar sbom.json > /dev/null
check "a parent with its SBOM attached gives the same child" bash -c \
	"$M --config image.yaml --rootfs child --tag $C --name sm-layers-child --parent parent-sbom.tar --out sbom-child.tar && cmp child.tar sbom-child.tar"
# nothing differs: no layer of its own, its history entry says so
check "mkimage --parent, the parent's own root" \
	$M --config image.yaml --rootfs parent --tag sm-layers-same:it --name sm-layers-same --parent parent.tar --out same.tar
expect "nothing differs: the parent's layers only, and an empty_layer history entry" \
	"[\"$PL\"] true" "$(man same.tar | jq -c '[.layers[].digest]') $(cfg same.tar | jq '.history[-1].empty_layer')"

# a parent that is not what mkimage writes: refused, the archive and the member named, no output
refused() {	# refused OUT PATTERN CMD...: CMD fails, says PATTERN, leaves no OUT
	local out=$1 pat=$2
	shift 2
	! "$@" 2> refused.err && grep -qF -- "$pat" refused.err && [ ! -e "$out" ] || { cat refused.err; return 1; }
}
bad() {	# bad NAME CMD: parent.tar, unpacked, changed by CMD (in it), packed as NAME.tar
	rm -rf bad && mkdir bad && tar -C bad -xf parent.tar && (cd bad && eval "$2") &&
		tar -C bad -cf "$1.tar" $(cd bad && ls -d blobs index.json manifest.json oci-layout 2> /dev/null)
}
bad nolayer "rm blobs/sha256/${PL#sha256:}"
check "a parent whose layer blob is missing is refused" refused bad-child.tar \
	"nolayer.tar: blobs/sha256/${PL#sha256:} (layer 1 of the image): missing" \
	$M --config image.yaml --rootfs child --tag $C --parent nolayer.tar --out bad-child.tar
bad badblob "printf x >> blobs/sha256/${PL#sha256:}"
check "a parent whose blob is not its digest is refused" refused bad-child.tar \
	"badblob.tar: blobs/sha256/${PL#sha256:}: its content's SHA-256 is " \
	$M --config image.yaml --rootfs child --tag $C --parent badblob.tar --out bad-child.tar
bad noindex "rm index.json"
check "a parent with no index.json is refused" refused bad-child.tar "noindex.tar: no index.json: not an image archive" \
	$M --config image.yaml --rootfs child --tag $C --parent noindex.tar --out bad-child.tar
check "a parent for another platform is refused" refused arm-child.tar \
	"an image for linux/amd64, and this one is for linux/arm64" \
	$M --config image.yaml --rootfs child --tag $C --parent parent.tar --arch arm64 --out arm-child.tar

RUN_OUT="base
child
1234 750"
if have docker; then
	docker rmi -f $C $P > /dev/null 2>&1
	check "docker load of the parent, then the child" bash -c "docker load -i parent.tar && docker load -i child.tar"
	expect "docker run of the child: the whiteout took /etc/removed, the parent's /etc/base is there, /data is still 1234 0750" \
		"$RUN_OUT" "$(docker run --rm --network none $C 2>&1)"
	expect "docker run of the parent: /etc/removed is there" "removed-is-there" \
		"$(docker run --rm --network none $P 2>&1 | grep removed)"
	expect "docker history: the child's layer, then the parent's" \
		"scratchmerge mkimage sm-layers-child|scratchmerge mkimage sm-layers-base" \
		"$(docker history --no-trunc --format '{{.CreatedBy}}' $C | paste -sd'|')"
	check "docker load of the image that adds no layer" docker load -i same.tar
	expect "... it runs: the parent's files" "removed-is-there" \
		"$(docker run --rm --network none sm-layers-same:it 2>&1 | grep removed)"
	docker rmi -f $C $P sm-layers-same:it > /dev/null 2>&1
else
	skip "docker load/run" "no docker engine answering"
fi
if have podman; then
	podman rmi -f $C > /dev/null 2>&1
	check "podman load of the child" podman load -i child.tar
	expect "podman run of the child" "$RUN_OUT" "$("${PODMAN_RUN[@]}" $C 2>&1)"
	podman rmi -f $C > /dev/null 2>&1
else
	skip "podman load/run" "podman is not installed"
fi

# --- one archive for two platforms ---
# arm64's busybox-static from Debian (as tests/fixtures/builder/mkfixture
# fetches it: apt-get download into $MKFIXTURE_DEBS, default $O/debs)
DEBS=${MKFIXTURE_DEBS:-$O/debs}
bbdeb=$(find "$DEBS" -maxdepth 1 -name 'busybox-static_*_arm64.deb' 2> /dev/null | LC_ALL=C sort | tail -1)
if [ -z "$bbdeb" ] && have apt-get; then
	mkdir -p "$DEBS" dl && chmod 777 dl
	(cd dl && apt-get download busybox-static:arm64) > dl.log 2>&1 && mv dl/busybox-static_*_arm64.deb "$DEBS/" &&
		bbdeb=$(find "$DEBS" -maxdepth 1 -name 'busybox-static_*_arm64.deb' | LC_ALL=C sort | tail -1)
fi
if [ -z "$bbdeb" ]; then
	skip "multi-platform (all)" "no busybox-static:arm64 (dpkg --add-architecture arm64 && apt-get update; make check does both)"
	summary
	exit
fi
mkdir -p deb && dpkg-deb -x "$bbdeb" deb
for a in amd64 arm64; do
	mkdir -p root-$a/bin root-$a/etc
	echo $a > root-$a/etc/arch
	echo "the same on every platform" > root-$a/etc/shared
	for b in sh cat uname; do ln -s busybox root-$a/bin/$b; done
done
cp parent/bin/busybox root-amd64/bin/busybox
cp deb/bin/busybox root-arm64/bin/busybox
printf 'cmd: [/bin/sh, -c, "cat /etc/arch; uname -m"]\n' > multi.yaml
echo '{"spdxVersion":"SPDX-2.3"}' > sbom.json
for a in amd64 arm64; do
	check "mkimage --arch $a, its SBOM attached" bash -c "$M --config multi.yaml --rootfs root-$a --tag $X --arch $a \
		--source-date-epoch 1700000000 --out $a.tar && $BIN/sbom attach --image $a.tar sbom.json"
done
expect "--arch arm64: the config says arm64, variant v8" "linux arm64 v8" "$(cfg arm64.tar | jq -r '"\(.os) \(.architecture) \(.variant)"')"
expect "--arch amd64: no variant" "linux amd64 null" "$(cfg amd64.tar | jq -r '"\(.os) \(.architecture) \(.variant)"')"
IDX=$($M --index multi.tar --load-platform linux/amd64 --print-digest amd64.tar arm64.tar)
expect "mkimage --index: exit 0" 0 "$?"
check "the same archives again (the other order): the same bytes" \
	bash -c "$M --index again.tar --load-platform linux/amd64 arm64.tar amd64.tar && cmp multi.tar again.tar"
expect "index.json: one entry, the image index, under the tag" "application/vnd.oci.image.index.v1+json $IDX 1" \
	"$(tar -xOf multi.tar index.json | jq -r '"\(.manifests[0].mediaType) \(.manifests[0].digest) \(.manifests | length)"')"
platforms() { jq -r '[.manifests[] | "\(.platform.os)/\(.platform.architecture)\(if .platform.variant then "/" + .platform.variant else "" end)"] | join(" ")'; }
if have skopeo; then
	expect "skopeo inspect --raw: the index, every platform (the SBOMs unknown/unknown)" \
		"linux/amd64 linux/arm64/v8 unknown/unknown unknown/unknown" "$(skopeo inspect --raw oci-archive:multi.tar | platforms)"
fi
expect "the SBOMs kept, their subjects the images" \
	"$(man amd64.tar | sha256sum | cut -d' ' -f1) $(man arm64.tar | sha256sum | cut -d' ' -f1)" \
	"$(for d in $(blob multi.tar "$IDX" | jq -r '.manifests[] | select(.platform.os == "unknown") | .digest'); do blob multi.tar "$d" | jq -r '.subject.digest[7:]'; done | paste -sd' ')"
# two layers, two configs, two manifests, the SBOM both have and the empty
# config of both artifacts once each, two artifact manifests, the index
expect "each blob once (11)" "11 11" \
	"$(tar -tf multi.tar | grep -c '^blobs/sha256/.') $(tar -tf multi.tar | grep '^blobs/sha256/.' | sort -u | wc -l)"
expect "manifest.json: the amd64 image only" "1 amd64" \
	"$(tar -xOf multi.tar manifest.json | jq -r 'length') $(blob multi.tar "$(tar -xOf multi.tar manifest.json | jq -r '.[0].Config[13:]')" | jq -r .architecture)"
if have docker; then
	docker rmi -f $X > /dev/null 2>&1
	check "docker load of the two-platform archive" docker load -i multi.tar
	expect "docker runs the amd64 image it loaded" "amd64 x86_64" "$(docker run --rm --network none $X 2>&1 | paste -sd' ')"
	docker rmi -f $X > /dev/null 2>&1
fi

# --- a registry of our own: Debian's docker-registry, storage here ---
for t in docker-registry skopeo python3 curl; do
	if ! have $t; then
		skip "registry (all)" "$t is not installed (make deps)"
		summary
		exit
	fi
done
registry "$T_TMP/registry"
BINFMT_ST=
cleanup() {
	[ -z "$BINFMT_ST" ] || "$BF" down "$BINFMT_ST"
	kill "$REG_PID" 2> /dev/null
	if have docker; then docker rmi -f "$REG/sm/base:it" "$REG/sm/child:it" "$REG/sm/multi:it" > /dev/null 2>&1; fi
	tmp_cleanup
}
trap cleanup EXIT
for _ in $(seq 50); do curl -sf "http://$REG/v2/" > /dev/null && break; sleep 0.2; done
check "the registry answers" curl -sf "http://$REG/v2/"
push() { skopeo copy --dest-tls-verify=false "$@" > push.log 2>&1 || { cat push.log; return 1; }; }
check "skopeo copy: the parent" push oci-archive:parent.tar:it "docker://$REG/sm/base:it"
check "skopeo copy: the child" push oci-archive:child.tar:it "docker://$REG/sm/child:it"
stored() { find registry/data/docker/registry/v2/blobs -name data | awk -F/ '{ print $(NF-1) }' | sort; }
expect "the registry stores the shared layer once" 1 "$(stored | grep -cx "${PL#sha256:}")"
expect "... and every other blob of the two images once (the parent's 3, the child's 3 more)" \
	"6 $( (tar -tf parent.tar; tar -tf child.tar) | sed -n 's|^blobs/sha256/\(.\)|\1|p' | sort -u | paste -sd' ')" \
	"$(stored | wc -l) $(stored | paste -sd' ')"
if have docker; then
	docker rmi -f $C $P "$REG/sm/base:it" "$REG/sm/child:it" > /dev/null 2>&1
	check "docker pull of the parent" docker pull "$REG/sm/base:it"
	docker pull "$REG/sm/child:it" > pull.log 2>&1
	expect "docker pull of the child: exit 0" 0 "$?"
	check "docker pull of the child: the parent's layer 'Already exists'" grep -qx "${PL:7:12}: Already exists" pull.log
	expect "docker pull of the child: its digest is mkimage's" "$REG/sm/child@$D1" \
		"$(docker image inspect --format '{{index .RepoDigests 0}}' "$REG/sm/child:it")"
	expect "the pulled child runs" "$RUN_OUT" "$(docker run --rm --network none "$REG/sm/child:it" 2>&1)"
fi

# --- the two-platform archive through the registry ---
check "skopeo copy --all of the two-platform archive" push --all oci-archive:multi.tar "docker://$REG/sm/multi:it"
check "the registry serves the index as mkimage wrote it" \
	bash -c "skopeo inspect --raw --tls-verify=false docker://$REG/sm/multi:it > raw.json && cmp raw.json <(tar -xOf multi.tar blobs/sha256/${IDX#sha256:})"
expect "skopeo inspect --raw of the pushed image: every platform" \
	"linux/amd64 linux/arm64/v8 unknown/unknown unknown/unknown" "$(platforms < raw.json)"
expect "the SBOMs went with it: the registry serves them, each with its subject" \
	"2 $(blob multi.tar "$IDX" | jq -r '.manifests[0:2][] | .digest' | paste -sd' ')" \
	"$(jq '[.manifests[] | select(.platform.os == "unknown")] | length' raw.json) $(for d in $(jq -r '.manifests[] | select(.platform.os == "unknown") | .digest' raw.json); do
		skopeo inspect --raw --tls-verify=false "docker://$REG/sm/multi@$d" | jq -r .subject.digest; done | paste -sd' ')"
if have docker; then
	docker rmi -f "$REG/sm/multi:it" > /dev/null 2>&1
	check "docker pull --platform linux/arm64" docker pull --platform linux/arm64 "$REG/sm/multi:it"
	expect "docker image inspect: the arm64 image" "linux arm64" \
		"$(docker image inspect --format '{{.Os}} {{.Architecture}}' "$REG/sm/multi:it")"
	expect "... ours: its id is the arm64 config's digest" "$(man arm64.tar | jq -r .config.digest)" \
		"$(docker image inspect --format '{{.Id}}' "$REG/sm/multi:it")"
	expect "... pulled through the index mkimage wrote" "$REG/sm/multi@$IDX" \
		"$(docker image inspect --format '{{index .RepoDigests 0}}' "$REG/sm/multi:it")"
	if [ "$(id -u)" -eq 0 ] && have update-binfmts && have qemu-aarch64-static && [ "$(uname -m)" = x86_64 ]; then
		# binfmt_misc is the machine's: one run at a time holds qemu-aarch64 up
		exec 9> /tmp/scratchmerge-binfmt.lock
		if flock -w 900 9; then
			BINFMT_ST=$T_TMP/binfmt.state
			check "binfmt up: qemu-aarch64" "$BF" up "$BINFMT_ST"
			expect "docker run of the pulled arm64 image (qemu-user)" "arm64 aarch64" \
				"$(docker run --rm --network none --platform linux/arm64 "$REG/sm/multi:it" 2>&1 | paste -sd' ')"
			check "binfmt down" "$BF" down "$BINFMT_ST"
			BINFMT_ST=
			flock -u 9
		else
			skip "arm64 run" "/tmp/scratchmerge-binfmt.lock is held by another run"
		fi
	else
		skip "arm64 run" "needs root, qemu-user-static and binfmt-support on x86-64"
	fi
	docker rmi -f "$REG/sm/multi:it" > /dev/null 2>&1
	check "docker pull --platform linux/amd64" docker pull --platform linux/amd64 "$REG/sm/multi:it"
	expect "docker image inspect: the amd64 image" "linux amd64" \
		"$(docker image inspect --format '{{.Os}} {{.Architecture}}' "$REG/sm/multi:it")"
fi
summary
