# Parent images (issue 15): the bytes a registry receives and stores for N
# images built on a parent, against the same N images of one layer each.
#
# Measured, on the fixture images: fx-base and fx-child (tests/images) are
# built by the framework on the fixture builder, fx-child up to its finish
# stage (its exported ROOT: the parent's files and what it adds). Then N
# variants of fx-child that differ in one file (/etc/variant, laid over as
# rootfs/ is) are written by mkimage twice: with --parent (fx-base's
# archive: its layer byte for byte, and one layer of their own) and without
# (one layer of the whole ROOT). For N = 1, 2, 5, 10, each set is pushed by
# skopeo to an empty docker-registry on 127.0.0.1 through a relay that
# counts the bytes (bench/tcpcount.py): the bytes skopeo sent (HTTP and
# manifests included), the blobs the pushes referenced (skopeo's output)
# against those the registry stored (its blob files), and the growth of
# the registry's storage (the bytes of its files).
#
# Modelled, for php and nginx (PARENTS_MODEL=0 skips it): the Gentoo images
# cannot be built here, and md5-cache has no sizes. Debian 12's builds of
# the same packages stand in for them (apt-get download, dpkg-deb -x, the
# paths DEFAULT_PRUNE names removed): a base of glibc, OpenSSL, zlib, PCRE2,
# libxcrypt and the CA certificates, php with its SAPIs, intl (ICU,
# libstdc++), mbstring (oniguruma), libxml2, readline, and nginx; the same
# mkimage, registry and counts as above. The sizes are Debian's builds', not
# the Gentoo ones': a model of the proportions, not the figures of the
# shipped recipes.
#
# MKIMAGE (default $O/bin/mkimage) must know --parent: without it (a
# mkimage older than the layered one) nothing is measured and the report
# says so.
. "$(dirname "$0")/lib.sh"
need docker make skopeo docker-registry curl python3 tar gzip
MKIMAGE=${MKIMAGE:-$BIN/mkimage}
NS=${PARENTS_N:-1 2 5 10}
# shellcheck disable=SC2086 # a list of numbers
NMAX=$(printf '%s\n' $NS | sort -n | tail -1)
report "## Parent images: what a registry receives and stores (bench/parents.sh)"
report
if ! "$MKIMAGE" --help 2>&1 | grep -q -- '--parent'; then
	report "Not measured: $MKIMAGE has no --parent (older than the layered mkimage); MKIMAGE=PATH names one that has."
	report
	echo "bench parents: $MKIMAGE has no --parent: nothing measured" >&2
	exit 0
fi

P=$WORK/pa
rm -rf "$P" && mkdir -p "$P"
# mib BYTES: in MiB, two decimals
mib() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'; }
# registry DIR: Debian's docker-registry on 127.0.0.1 (storage DIR/data),
# behind the counting relay; sets REG (the relay's host:port), REG_PID,
# RELAY_PID, COUNT (the relay's count file)
registry() {
	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$1/data"
	printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
		"$1/data" "$port" > "$1/config.yml"
	docker-registry serve "$1/config.yml" > "$1/log" 2>&1 &
	REG_PID=$!
	COUNT=$1/count
	python3 "$TOP/bench/tcpcount.py" "$1/relay-port" "$port" "$COUNT" > "$1/relay.log" 2>&1 &
	RELAY_PID=$!
	for _ in $(seq 50); do [ -s "$1/relay-port" ] && curl -sf "http://127.0.0.1:$port/v2/" > /dev/null && break; sleep 0.2; done
	REG=127.0.0.1:$(cat "$1/relay-port")
	curl -sf "http://$REG/v2/" > /dev/null || { cat "$1/log" >&2; echo "bench parents: no registry" >&2; exit 1; }
}
stop_registry() { kill "$RELAY_PID" "$REG_PID" 2> /dev/null || true; wait "$RELAY_PID" "$REG_PID" 2> /dev/null || true; }
# stored DIR: the bytes of the registry's files (blobs, links; no directory sizes)
stored() { find "$1/data" -type f -printf '%s\n' | awk '{ n += $1 } END { print n + 0 }'; }
blobs() { find "$1/data" -path '*/blobs/sha256/*/data' -type f | wc -l; }
layers() { # layers ARCHIVE: the number of layers of the archive's image
	local m
	m=$(tar -xOf "$1" index.json | jq -r '.manifests[0].digest' | cut -d: -f2)
	tar -xOf "$1" "blobs/sha256/$m" | jq '.layers | length'
}
# push_set LABEL REPO-PREFIX ARCHIVE...: an empty registry, every archive
# pushed; sets R to "SENT NEW REFERENCED STORED": the bytes skopeo sent
# (the relay's count), the blobs the registry stored (layers, configs and
# manifests: its blob files), the blobs the pushes referenced (skopeo's
# "Copying blob/config" lines, one manifest each: those the registry had
# already were not uploaded), the registry's growth in bytes. (skopeo
# without a terminal lists a blob it skips like one it uploads.)
push_set() {
	local d=$P/reg-$1 repo=$2 a i=0 sent ref=0 s0
	shift 2
	rm -rf "$d"
	registry "$d"
	s0=$(stored "$d")
	for a in "$@"; do
		i=$((i + 1))
		if ! skopeo copy --dest-tls-verify=false "oci-archive:$a:latest" "docker://$REG/$repo$i:latest" \
			> "$d/push-$i.log" 2>&1; then
			cat "$d/push-$i.log" >&2
			stop_registry
			exit 1
		fi
		ref=$((ref + $(grep -c '^Copying \(blob\|config\) ' "$d/push-$i.log") + 1))
	done
	# every connection of the relay closed: its counts are final
	for _ in $(seq 50); do [ "$(awk '{ print $3 }' "$COUNT")" = 0 ] && break; sleep 0.1; done
	sent=$(awk '{ print $1 }' "$COUNT")
	R="$sent $(blobs "$d") $ref $(($(stored "$d") - s0))"
	stop_registry
}

# --- measured: the fixture images ---
IMG=$P/images
OUT=$P/out
mkdir -p "$IMG" "$OUT"
cp -a "$TOP/tests/images/fixture.mk" "$TOP/tests/images/fx-base" "$TOP/tests/images/fx-child" "$IMG/"
cp -a "$O/bin" "$O/bin-static" "$O/obj" "$OUT/" 2> /dev/null
MK="make -C $TOP -s IMAGE_DIRS=$IMG O=$OUT NETWORK=none"
echo ">>> fx-base, and fx-child up to its finish stage" >&2
$MK "$IMG/fx-base" "$IMG/fx-child/finish" > "$P/make.log" 2>&1 || { tail -30 "$P/make.log" >&2; exit 1; }
BASE_TAR=$OUT/fx-base/image.tar
ROOT_TAR=$OUT/fx-child/finish-destination.tar
[ -f "$BASE_TAR" ] && [ -f "$ROOT_TAR" ] || { echo "bench parents: no $BASE_TAR or $ROOT_TAR" >&2; exit 1; }
for k in $(seq "$NMAX"); do
	mkdir -p "$P/var$k/etc"
	echo "variant $k" > "$P/var$k/etc/variant"
	for how in parent flat; do
		on=()
		[ "$how" = flat ] || on=(--parent "$BASE_TAR")
		"$MKIMAGE" --config "$IMG/fx-child/image.yaml" --tar "$ROOT_TAR" --overlay "$P/var$k" "${on[@]}" \
			--tag "bench/fx-var$k:latest" --out "$P/$how-$k.tar" --compress gzip --source-date-epoch 1 --arch amd64 \
			> /dev/null || exit 1
	done
done
base_layer=$(tar -xOf "$BASE_TAR" index.json | jq -r '[.manifests[] | select(.annotations."org.opencontainers.image.ref.name" != "sbom")][0].digest' | cut -d: -f2)
base_layer=$(tar -xOf "$BASE_TAR" "blobs/sha256/$base_layer" | jq -r '.layers[0].size')
report "Fixture images, measured: fx-base (glibc of the host, libgcc_s, hello, extra; its layer $(mib "$base_layer") MiB gzip) and $NMAX variants of fx-child (on fx-base: withdep added, extra unmerged, and one file, /etc/variant, of its own), each written by mkimage with --parent (layers: $(layers "$P/parent-1.tar")) and without (layers: $(layers "$P/flat-1.tar")); archives $(stat -c %s "$P/parent-1.tar") and $(stat -c %s "$P/flat-1.tar") bytes. Each set pushed by skopeo $(skopeo --version | awk '{ print $3 }') to an empty docker-registry $(docker-registry --version 2>/dev/null | awk '{ print $3 }') on loopback."
report
report "| N | with a parent: sent (MiB) | blobs stored / referenced | stored (MiB) | without: sent (MiB) | blobs stored / referenced | stored (MiB) | sent, with / without |"
report "|---|---|---|---|---|---|---|---|"
for n in $NS; do
	# shellcheck disable=SC2046 # a list of archives
	push_set "fx-parent-$n" bench/fx-var $(for k in $(seq "$n"); do echo "$P/parent-$k.tar"; done)
	read -r ps pn pr pst <<< "$R"
	# shellcheck disable=SC2046
	push_set "fx-flat-$n" bench/fx-var $(for k in $(seq "$n"); do echo "$P/flat-$k.tar"; done)
	read -r fs fn fr fst <<< "$R"
	report "| $n | $(mib "$ps") | $pn / $pr | $(mib "$pst") | $(mib "$fs") | $fn / $fr | $(mib "$fst") | $(awk -v a="$ps" -v b="$fs" 'BEGIN { printf "%.2f", a / b }') |"
done
report

# --- modelled: php and nginx, with Debian 12's builds of the same packages ---
if [ "${PARENTS_MODEL:-1}" = 0 ]; then
	report "php and nginx: not modelled (PARENTS_MODEL=0)."
	exit 0
fi
BASE_DEBS="libc6 libc-bin libssl3 zlib1g libpcre2-8-0 libcrypt1 ca-certificates"
PHP_DEBS="php8.2-cli php8.2-fpm php8.2-common php8.2-opcache php8.2-readline php8.2-intl php8.2-mbstring libicu72 libstdc++6 libgcc-s1 libonig5 libxml2 liblzma5 libedit2 libbsd0 libmd0 libmagic1 libmagic-mgc"
NGINX_DEBS="nginx nginx-common"
D=$WORK/pa-debs
mkdir -p "$D"
# shellcheck disable=SC2086 # lists of packages
if ! (cd "$D" && apt-get download $BASE_DEBS $PHP_DEBS $NGINX_DEBS > "$P/apt.log" 2>&1); then
	report "php and nginx: not modelled (apt-get download failed: $(tail -1 "$P/apt.log"))."
	exit 0
fi
# root DIR PKG...: the packages' files in DIR, without what DEFAULT_PRUNE removes
root() {
	local dir=$1 p
	shift
	mkdir -p "$dir"
	for p in "$@"; do dpkg-deb -x "$(ls "$D/${p}_"*.deb | head -1)" "$dir"; done
	rm -rf "$dir"/usr/share/doc "$dir"/usr/share/man "$dir"/usr/share/info "$dir"/usr/share/lintian \
		"$dir"/usr/include "$dir"/usr/lib/*/pkgconfig "$dir"/usr/share/pkgconfig
	find "$dir" -name '*.a' -delete
	# mkimage cannot write a name that is not ASCII yet (libarchive's pax
	# writer, in the C locale mkimage leaves it in: "Can't translate
	# pathname ... to UTF-8"): the few such files, CA certificates named
	# after their holders, get ASCII names of the same length here
	find "$dir" -depth -name '*[! -~]*' | while IFS= read -r f; do
		mv "$f" "${f%/*}/$(printf '%s' "${f##*/}" | LC_ALL=C tr -c ' -~' '_')"
	done
}
# shellcheck disable=SC2086
root "$P/m-base" $BASE_DEBS
# what update-ca-certificates makes at install time: the bundle
mkdir -p "$P/m-base/etc/ssl/certs"
cat "$P"/m-base/usr/share/ca-certificates/mozilla/*.crt > "$P/m-base/etc/ssl/certs/ca-certificates.crt"
for c in php nginx; do
	cp -a "$P/m-base" "$P/m-$c"
done
# shellcheck disable=SC2086
root "$P/m-php" $PHP_DEBS
# shellcheck disable=SC2086
root "$P/m-nginx" $NGINX_DEBS
printf 'labels:\n  org.example.bench: parents-model\n' > "$P/model.yaml"
mk() { "$MKIMAGE" --config "$P/model.yaml" --rootfs "$1" --tag "bench/$2:latest" --out "$P/$2.tar" --compress gzip \
	--source-date-epoch 1 --arch amd64 "${@:3}" > /dev/null || exit 1; }
mk "$P/m-base" m-base
for c in php nginx; do
	mk "$P/m-$c" "m-$c-parent" --parent "$P/m-base.tar"
	mk "$P/m-$c" "m-$c-flat"
done
lsize() { # lsize ARCHIVE N: the size of layer N (0-based) of the archive's image
	local m
	m=$(tar -xOf "$1" index.json | jq -r '.manifests[0].digest' | cut -d: -f2)
	tar -xOf "$1" "blobs/sha256/$m" | jq -r ".layers[$2].size"
}
bytes() { du -sb "$1" | cut -f1; }
report "php and nginx, modelled with Debian 12's builds (versions of the day: $(cd "$D" && ls libssl3_*.deb php8.2-cli_*.deb nginx_*.deb | sed 's/_amd64.deb//; s/_all.deb//' | paste -sd' ')), the paths DEFAULT_PRUNE names removed:"
report
report "- base: $BASE_DEBS (+ the CA bundle): $(mib "$(bytes "$P/m-base")") MiB of files, layer $(mib "$(lsize "$P/m-base.tar" 0)") MiB gzip;"
report "- php: + $PHP_DEBS: its own layer $(mib "$(lsize "$P/m-php-parent.tar" 1)") MiB; as one layer $(mib "$(lsize "$P/m-php-flat.tar" 0)") MiB;"
report "- nginx: + $NGINX_DEBS: its own layer $(mib "$(lsize "$P/m-nginx-parent.tar" 1)") MiB; as one layer $(mib "$(lsize "$P/m-nginx-flat.tar" 0)") MiB."
report
report "| php + nginx pushed | sent (MiB) | blobs stored / referenced | stored (MiB) |"
report "|---|---|---|---|"
push_set model-parent bench/m- "$P/m-php-parent.tar" "$P/m-nginx-parent.tar"
read -r s n r st <<< "$R"
report "| on the base | $(mib "$s") | $n / $r | $(mib "$st") |"
push_set model-flat bench/m- "$P/m-php-flat.tar" "$P/m-nginx-flat.tar"
read -r s n r st <<< "$R"
report "| one layer each | $(mib "$s") | $n / $r | $(mib "$st") |"
report
