# mkimage against the real loaders: docker, podman, skopeo, umoci; every
# digest recomputed here; dir and tar stream give the same bytes;
# interrupted runs leave nothing behind.
. "$(dirname "$0")/lib.sh"
cd "$T_TMP"
M=$BIN/mkimage
TAG=sm-mkimage-test:it

# a root with a static test binary that reports what the runtime applied
mkdir -p root/data root/etc
cat > probe.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char cwd[256];

	printf("args=");
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? "," : "");
	printf(" env=%s cwd=%s uid=%d gid=%d\n", getenv("PROBE") ? getenv("PROBE") : "-",
	       getcwd(cwd, sizeof(cwd)) ? cwd : "?", (int)getuid(), (int)getgid());
	return 0;
}
C
cc -static -O2 -o root/probe probe.c
echo hello > root/etc/motd
ln -s ../probe root/data/probe-link
touch -d @1700000000 root/etc/motd root/data root/etc root/probe
cat > image.yaml <<'Y'
entrypoint: [/probe, fixed]
cmd: [default]
env:
  PROBE: from-yaml
workdir: /data
user: "1234:5678"
expose: [9000/tcp]
labels: {org.example.test: "yes"}
Y
check "mkimage from a directory" $M --config image.yaml --rootfs root --tag $TAG --out dir.tar
check "mkimage from a tar stream" bash -c "tar -C root -cf - . | $M --config image.yaml --tar - --tag $TAG --out tar.tar"
check "directory and tar stream give the same bytes" cmp dir.tar tar.tar
check "a second run gives the same bytes" bash -c "$M --config image.yaml --rootfs root --tag $TAG --out again.tar && cmp dir.tar again.tar"
check "SOURCE_DATE_EPOCH defaults to the newest mtime" bash -c \
	"$M --config image.yaml --rootfs root --tag $TAG --out sde.tar --source-date-epoch \$(stat -c %Y root/probe root/etc/motd root/data/probe-link | sort -n | tail -1) && cmp dir.tar sde.tar"

# hostile input: exit 1, the entry named, no image written
refused() {	# refused OUT PATTERN CMD...: CMD fails, says PATTERN, leaves no OUT
	local out=$1 pat=$2
	shift 2
	! "$@" 2> refused.err && grep -q -- "$pat" refused.err && [ ! -e "$out" ] || { cat refused.err; return 1; }
}
mkdir -p chain/d1/d2/d3/d4/d5 victim/x/canary
ln -s ../../../../.. chain/d1/d2/d3/d4/d5/up
ln -s d1/d2/d3/d4/d5/up/../../../../../.. chain/x
echo owned > victim/x/canary/victim
tar -cf chain.tar -C chain . -C ../victim x/canary
check "mkimage refuses a symlink chain out of the root" refused chain.out \
	"'x': symlink target 'd1/d2/d3/d4/d5/up/../../../../../..' climbs above the image root" \
	$M --config image.yaml --tar chain.tar --tag $TAG --out chain.out
truncate -s 3G sparse && tar --sparse -cf sparse.tar sparse && rm sparse
check "mkimage refuses a sparse tar entry" refused sparse.out "tar entry 'sparse': a sparse file" \
	$M --config image.yaml --tar sparse.tar --tag $TAG --out sparse.out
printf 'user: a\nuser: b\n' > dup.yaml
check "mkimage refuses a duplicate key in image.yaml" refused dup.out "dup.yaml:2:1: duplicate key 'user'" \
	$M --config dup.yaml --rootfs root --tag $TAG --out dup.out

# every digest and size, recomputed
mkdir lay && tar -C lay -xf dir.tar
verify_digests() {
	local d=$1 blob want
	for blob in "$d"/blobs/sha256/*; do
		[ "$(sha256sum < "$blob" | cut -d' ' -f1)" = "$(basename "$blob")" ] || { echo "bad blob $blob"; return 1; }
	done
	m=$(jq -r '.manifests[0].digest' "$d/index.json" | cut -d: -f2)
	[ "$(jq -r '.manifests[0].size' "$d/index.json")" = "$(stat -c %s "$d/blobs/sha256/$m")" ] || return 1
	c=$(jq -r '.config.digest' "$d/blobs/sha256/$m" | cut -d: -f2)
	l=$(jq -r '.layers[0].digest' "$d/blobs/sha256/$m" | cut -d: -f2)
	[ "$(jq -r '.config.size' "$d/blobs/sha256/$m")" = "$(stat -c %s "$d/blobs/sha256/$c")" ] || return 1
	[ "$(jq -r '.layers[0].size' "$d/blobs/sha256/$m")" = "$(stat -c %s "$d/blobs/sha256/$l")" ] || return 1
	want=$(gzip -dc "$d/blobs/sha256/$l" | sha256sum | cut -d' ' -f1)
	[ "$(jq -r '.rootfs.diff_ids[0]' "$d/blobs/sha256/$c")" = "sha256:$want" ] || { echo "diff_id"; return 1; }
	[ "$(jq -r '.[0].Config' "$d/manifest.json")" = "blobs/sha256/$c" ] || return 1
	[ "$(jq -r '.[0].Layers[0]' "$d/manifest.json")" = "blobs/sha256/$l" ] || return 1
}
if have jq; then
	check "every blob, digest, size and diff_id recomputed" verify_digests lay
	expect "index names the image for containerd and OCI tools" \
		"docker.io/library/sm-mkimage-test:it it" \
		"$(jq -r '.manifests[0].annotations | "\(."io.containerd.image.name") \(."org.opencontainers.image.ref.name")"' lay/index.json)"
	expect "--print-digest prints the manifest digest" \
		"$(jq -r '.manifests[0].digest' lay/index.json)" \
		"$($M --config image.yaml --rootfs root --tag $TAG --out pd.tar --print-digest)"
	gzip -dc lay/blobs/sha256/$(jq -r '.layers[0].digest' lay/blobs/sha256/$(jq -r '.manifests[0].digest' lay/index.json | cut -d: -f2) | cut -d: -f2) > layer.tar
	expect "layer entries sorted, no ./, numeric owners" \
		"data/|data/probe-link|etc/|etc/motd|probe" \
		"$(tar -tf layer.tar | paste -sd'|')"
else
	skip "digests recomputed" "jq is not installed"
fi

# the loaders
if have docker; then
	docker rmi -f $TAG > /dev/null 2>&1
	check "docker load" docker load -i dir.tar
	expect "docker run applies entrypoint, cmd, env, workdir, user" \
		"args=fixed,default env=from-yaml cwd=/data uid=1234 gid=5678" \
		"$(docker run --rm --network none $TAG 2>&1)"
	expect "docker run with arguments replaces cmd" \
		"args=fixed,other env=from-yaml cwd=/data uid=1234 gid=5678" \
		"$(docker run --rm --network none $TAG other 2>&1)"
	expect "docker inspect shows ports and labels" '{"9000/tcp":{}} yes' \
		"$(docker inspect $TAG --format '{{json .Config.ExposedPorts}} {{index .Config.Labels "org.example.test"}}')"
	docker rmi -f $TAG > /dev/null 2>&1
else
	skip "docker load/run" "no docker engine answering"
fi
if have podman; then
	podman rmi -f $TAG > /dev/null 2>&1
	check "podman load" podman load -i dir.tar
	expect "podman run applies entrypoint, cmd, env, workdir, user" \
		"args=fixed,default env=from-yaml cwd=/data uid=1234 gid=5678" \
		"$("${PODMAN_RUN[@]}" $TAG 2>&1)"
	check "mkimage --compress zstd" $M --config image.yaml --rootfs root --tag $TAG --out zstd.tar --compress zstd
	podman rmi -f $TAG > /dev/null 2>&1
	check "podman loads a zstd layer" podman load -i zstd.tar
	expect "podman runs the zstd image" \
		"args=fixed,default env=from-yaml cwd=/data uid=1234 gid=5678" \
		"$("${PODMAN_RUN[@]}" $TAG 2>&1)"
	podman rmi -f $TAG > /dev/null 2>&1
else
	skip "podman load/run" "podman is not installed"
fi
if have skopeo && have jq; then
	expect "skopeo inspect oci-archive shows the config" \
		'["/probe","fixed"] /data 1234:5678' \
		"$(skopeo inspect --config oci-archive:dir.tar:it | jq -c -r '"\(.config.Entrypoint) \(.config.WorkingDir) \(.config.User)"')"
else
	skip "skopeo inspect" "skopeo or jq is not installed"
fi
if have umoci; then
	check "umoci unpack (checks diff_ids)" umoci unpack --rootless --image lay:it bundle
	check "umoci's rootfs has the files" test -x bundle/rootfs/probe -a -L bundle/rootfs/data/probe-link
else
	skip "umoci unpack" "umoci is not installed"
fi

# errors name the file, line and column; nothing is left behind
printf 'entrypoint: /probe\n' > bad.yaml
expect "a wrong type names file:line:column" \
	"mkimage: bad.yaml:1:13: 'entrypoint' must be a list of strings, got a scalar [1]" \
	"$($M --config bad.yaml --rootfs root --tag $TAG --out bad.tar 2>&1 | tr -d '\n'; echo " [${PIPESTATUS[0]}]")"
check "no output after a failure" test ! -e bad.tar
expect "usage errors exit 2" 2 "$($M --config image.yaml --tag x --out y.tar > /dev/null 2>&1; echo $?)"
mkfifo slow
# half a tar stream, then nothing: mkimage is still reading when the INT comes
( tar -C root -cf - probe | head -c 100000; sleep 30 ) > slow &
feeder=$!
# (a background job ignores SIGINT, and so would mkimage: a Ctrl-C's
# SIGINT, as a terminal sends it to the foreground job)
env --default-signal=INT $M --config image.yaml --tar slow --tag $TAG --out int.tar 2> int.err &
pid=$!
sleep 1
check "mkimage is still running before the interrupt" bash -c "kill -0 $pid || { cat int.err; false; }"
kill -INT $pid
wait $pid 2> /dev/null
expect "... SIGINT ends it, as the signal's own end (128 + 2)" 130 $?
pkill -P $feeder 2> /dev/null
check "an interrupted run leaves no image and no temporary file" \
	bash -c "! ls int.tar* 2>/dev/null | grep -q ."
summary
