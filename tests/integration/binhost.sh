# The binhost end to end on the fixture builder (issue 17): what one engine
# compiled, a second one takes instead of compiling it again.
#   engine A, the engine make check gives (DOCKER_HOST), builds fx-hello
#     with cache volumes of this test's own (empty: it compiles every
#     package, and the binary packages land in its cache); make binhost
#     writes that cache as a directory: Packages (written by the emaint
#     double, in Portage's format) and the gpkg files (GLEP 78), each
#     checked here against what Portage's gpkg.py requires;
#   lighttpd serves the directory on 127.0.0.1 (a free port);
#   engine B, a second, empty dockerd of this test's own (mk/private-dockerd:
#     its own data root, so its binary package volume is empty too), builds
#     the same image with BINHOST and NETWORK=host: every package fetched
#     from the binhost, none compiled, the same image digest as A's; then a
#     USE change builds that package (the other comes from B's own cache).
# What this cannot show: the emerge double matches a binary package by
# version, USE and CHOST only; whatever depends on Portage's dependency
# resolution (a binary whose dependencies changed, --changed-deps, slot
# operator rebuilds, which instance Portage prefers) is beyond it (the
# head of tests/fixtures/builder/emerge says what it models).
. "$(dirname "$0")/lib.sh"

for t in docker dockerd lighttpd python3 jq curl; do
	if ! have "$t"; then
		skip "binhost (all)" "$t is not installed (make deps)"
		summary
		exit
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	skip "binhost (all)" "engine B, a dockerd of this test's own, needs root"
	summary
	exit
fi

framework_setup
# engine A's caches are this test's own (framework_setup): A starts from
# an empty one
BH=$T_TMP/binhost
LT=$T_TMP/lighttpd
LT_PID=
cleanup() {
	[ -z "$LT_PID" ] || { kill "$LT_PID" 2> /dev/null; wait "$LT_PID" 2> /dev/null; }
	sm "$HELLO/clean"
	tmp_cleanup
}
trap cleanup EXIT
# counts LOG: how many packages emerge-root's log says were built,
# installed from a binary package, fetched from a binhost
counts() {
	echo "built=$(grep -c '^>>> Emerging ([0-9]* of [0-9]*) ' "$1")" \
		"binary=$(grep -c '^>>> Emerging binary ([0-9]* of [0-9]*) ' "$1")" \
		"fetched=$(grep -c '^ --- ([0-9]* of [0-9]*) Fetching Binary (' "$1")"
}
# entries PACKAGES: "CPV BUILD_ID USE" a package of a Packages file
entries() {
	awk -F': ' 'NR > 1 && $0 == "" { if (c != "") print c, b, u; c = b = u = ""; next }
		$1 == "CPV" { c = $2 } $1 == "BUILD_ID" { b = $2 } $1 == "USE" { u = $2 }' "$1" | sort
}

# --- engine A: compile, and the cache becomes a binhost ---
sm "$HELLO"
expect "engine A builds fx-hello, every stage" "$ALL" "$(ran fx-hello)"
cp "$OUT/fx-hello/emerge-root.log" "$T_TMP/a-emerge.log"
expect "... compiling both packages (its binary package cache started empty)" "built=2 binary=0 fetched=0" \
	"$(counts "$T_TMP/a-emerge.log")"
A_DIGEST=$(cat "$OUT/fx-hello/digest")

sm binhost BINHOST_IMAGE=fx-hello BINHOST_DIR="$BH"
expect "make binhost runs the binhost action in BINHOST_IMAGE's builder" "binhost" "$(ran fx-hello)"
check "... which has Portage (its emaint) write the index" grep -q '^Emaint: fix binhost' "$OUT/fx-hello/binhost.log"
check "... and says where the directory is" grep -q "^>>> binhost: $BH: Packages (2 packages) and 2 package files" "$T_TMP/last"
expect "the directory: Packages and the gpkg files, nothing else" \
	"Packages app-misc/extra/extra-2.0-1.gpkg.tar app-misc/hello/hello-1.0-r1-1.gpkg.tar" \
	"$(cd "$BH" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | paste -sd' ')"
expect "Packages lists both packages, built once each, with their USE" \
	"app-misc/extra-2.0 1 |app-misc/hello-1.0-r1 1 greeting" "$(entries "$BH/Packages" | paste -sd'|')"
expect "... its header as Portage writes it (keys sorted; gpkg, CHOST, version 0, the count)" \
	"BINPKG_FORMAT: gpkg|CHOST: x86_64-pc-linux-gnu|PACKAGES: 2|VERSION: 0" \
	"$(sed '/^$/q' "$BH/Packages" | grep -E '^(BINPKG_FORMAT|CHOST|PACKAGES|VERSION):' | paste -sd'|')"
# each block as bintree writes it: keys sorted by their untranslated names
# (MTIME is _mtime_, REPO repository), PATH, SIZE, MTIME, MD5 and SHA1 those
# of the file, LICENSE with its USE conditionals evaluated
cat > "$T_TMP/packages.py" << 'EOF'
import hashlib, os, sys
root = sys.argv[1]
blocks = open(os.path.join(root, "Packages")).read().split("\n\n")
untranslated = {"MTIME": "_mtime_", "REPO": "repository", "DESC": "DESCRIPTION"}
def keys(b): return [l.split(": ", 1)[0] for l in b.splitlines()]
header = keys(blocks[0])
assert header == sorted(header), "header keys not sorted: %s" % header
for b in blocks[1:]:
    if not b.strip():
        continue
    d = dict(l.split(": ", 1) for l in b.splitlines())
    k = [untranslated.get(x, x) for x in keys(b)]
    assert k == sorted(k), "%s: keys not in Portage's order: %s" % (d["CPV"], keys(b))
    f = os.path.join(root, d["PATH"])
    data = open(f, "rb").read()
    assert int(d["SIZE"]) == len(data), d["CPV"] + ": SIZE"
    assert int(d["MTIME"]) == int(os.stat(f).st_mtime), d["CPV"] + ": MTIME"
    assert d["MD5"] == hashlib.md5(data).hexdigest(), d["CPV"] + ": MD5"
    assert d["SHA1"] == hashlib.sha1(data).hexdigest(), d["CPV"] + ": SHA1"
    assert d["REPO"] == "gentoo" and "SLOT" not in d and "CHOST" not in d, d["CPV"] + ": defaults, inherited keys"
    if d["CPV"].startswith("app-misc/hello-"):
        assert d["LICENSE"] == "GPL-2+ MIT", "hello's LICENSE for USE=greeting: " + d["LICENSE"]
print("ok")
EOF
check "... each package's block: Portage's key order, the file's SIZE, MTIME, MD5, SHA1, USE-evaluated LICENSE" \
	python3 "$T_TMP/packages.py" "$BH"
# each gpkg as Portage's gpkg.py reads it (_verify_binpkg, _get_tar_format,
# unpack_metadata) and GLEP 78 lays it out
cat > "$T_TMP/gpkg.py" << 'EOF'
import hashlib, io, os, re, sys, tarfile
path = sys.argv[1]
with open(path, "rb") as f:
    f.seek(0x101)
    assert f.read(8) in (b"ustar  \0", b"ustar\x0000"), "a tar format gpkg.py cannot identify"
t = tarfile.open(path, "r:")  # the container is not compressed
names = t.getnames()
pf = re.sub(r"-[0-9]+\.gpkg\.tar$", "", os.path.basename(path))
build_id = re.search(r"-([0-9]+)\.gpkg\.tar$", path).group(1)
assert all(n.count("/") == 1 and not n.startswith("/") for n in names), "one directory, files in it: %s" % names
assert {n.split("/")[0] for n in names} == {pf}, "the directory is PF: %s" % names
members = [n.split("/")[1] for n in names]
assert re.fullmatch(r"gpkg-1 metadata\.tar(\.gz|\.bz2)? image\.tar(\.gz|\.bz2)? Manifest", " ".join(members)), members
listed = {}
for line in t.extractfile(pf + "/Manifest").read().decode().splitlines():
    w = line.split()
    assert w[0] == "DATA" and w[1] not in listed, line
    listed[w[1]] = w
assert set(listed) == set(members) - {"Manifest"}, "the Manifest lists every member but itself"
for m, w in listed.items():
    data = t.extractfile(pf + "/" + m).read()
    assert int(w[2]) == len(data), m + ": size"
    h = dict(zip(w[3::2], w[4::2]))
    assert set(h) == {"BLAKE2B", "SHA512"}, m + ": Portage's MANIFEST2 hashes"
    assert h["SHA512"] == hashlib.sha512(data).hexdigest() and h["BLAKE2B"] == hashlib.blake2b(data).hexdigest(), m
meta = tarfile.open(fileobj=io.BytesIO(t.extractfile(pf + "/" + members[1]).read()))
md = {}
for i in meta.getmembers():
    assert i.isfile() and i.name.startswith("metadata/"), "metadata/KEY only: " + i.name
    md[i.name[9:]] = meta.extractfile(i).read().decode().strip()
assert md["PF"] == pf and md["BUILD_ID"] == build_id and md["CATEGORY"] == "app-misc", md
assert {"SLOT", "USE", "EAPI", "repository"} <= set(md), sorted(md)
image = tarfile.open(fileobj=io.BytesIO(t.extractfile(pf + "/" + members[2]).read())).getnames()
assert image[0] == "image" and all(n.startswith("image/") for n in image[1:]), image[:3]
print("ok")
EOF
for f in "$BH"/app-misc/*/*.gpkg.tar; do
	check "$(basename "$f"): a gpkg as GLEP 78 and gpkg.py want it (members, Manifest digests, metadata, image)" \
		python3 "$T_TMP/gpkg.py" "$f"
done
check "hello's gpkg holds its program" bash -c \
	"tar -xOf '$BH/app-misc/hello/hello-1.0-r1-1.gpkg.tar' hello-1.0-r1/image.tar.gz | tar -tzf - | grep -qx image/usr/bin/hello"

# --- BINHOST is no input: setting it reruns nothing ---
sm "$HELLO" BINHOST=http://127.0.0.1:9
expect "BINHOST set on a built image reruns no stage" "" "$(ran fx-hello)"
check "... it reaches the stages through the context file" grep -qx "SM_BINHOST='http://127.0.0.1:9'" "$OUT/fx-hello/.context"
sm -n "$HELLO" BINHOST=http://127.0.0.1:9
check "... and make warns when the emerging stages cannot reach it (NETWORK none)" \
	grep -q "fx-hello: BINHOST is set but its emerging stages run with NETWORK=none" "$T_TMP/last"

# --- the local cache: --usepkg on engine A itself ---
sm "$HELLO/emerge-root-redo"
expect "emerge-root again on A takes both packages from A's cache (--usepkg), compiles none" \
	"built=0 binary=2 fetched=0" "$(counts "$OUT/fx-hello/emerge-root.log")"
expect "... and gives the same image digest" "$A_DIGEST" "$(cat "$OUT/fx-hello/digest")"

# --- a real HTTP server on loopback ---
PORT=$(free_port)
mkdir -p "$LT"
cat > "$LT/lighttpd.conf" << EOF
server.document-root = "$BH"
server.bind = "127.0.0.1"
server.port = $PORT
server.modules = ( "mod_accesslog" )
accesslog.filename = "$LT/access.log"
server.errorlog = "$LT/error.log"
mimetype.assign = ( "" => "application/octet-stream" )
EOF
lighttpd -D -f "$LT/lighttpd.conf" > "$LT/out" 2>&1 &
LT_PID=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/Packages" && break; sleep 0.1; done
check "lighttpd serves the binhost on 127.0.0.1:$PORT, Packages byte for byte" \
	bash -c "curl -sf http://127.0.0.1:$PORT/Packages | cmp - '$BH/Packages'"

# --- engine B: empty, fetches what A compiled ---
OUT_B=$T_TMP/out-b
build_dir "$OUT_B"
MKB=("${MK[@]}" O="$OUT_B" BINHOST="http://127.0.0.1:$PORT" NETWORK=host)
cat > "$T_TMP/walk-b" << 'EOF'
set -u
out=$T_DIR/b
mkdir -p "$out"
docker volume ls -q > "$out/volumes-before"
"$@" "$HELLO" > "$out/build" 2>&1
echo "build=$?" >> "$out/status"
cp "$OUT_B/fx-hello/emerge-root.log" "$out/emerge-1.log"
cat "$OUT_B/fx-hello/digest" > "$out/digest" 2>&1
docker run --rm --network none scratchmerge-test/fx-hello:latest > "$out/run" 2>&1
"$@" "$HELLO" "FX_HELLO_USE=ipv6 greeting" > "$out/use" 2>&1
echo "use=$?" >> "$out/status"
cp "$OUT_B/fx-hello/emerge-root.log" "$out/emerge-2.log"
"$@" binhost BINHOST_IMAGE=fx-hello BINHOST_DIR="$out/binhost" > "$out/binhost" 2>&1
echo "binhost=$?" >> "$out/status"
EOF
DOCKER_HOST=unix://$T_TMP/none.sock "$TOP/mk/private-dockerd" "$T_TMP/engine-b" \
	env T_DIR="$T_TMP" HELLO="$HELLO" OUT_B="$OUT_B" bash "$T_TMP/walk-b" "${MKB[@]}" > "$T_TMP/engine-b.log" 2>&1
st() { sed -n "s/^$1=//p" "$T_TMP/b/status"; }
show() { sed 's/^/     | /' "$T_TMP/$1" | tail -"${2:-20}"; }
B=$T_TMP/b
check "engine B is a second dockerd of this test's own" grep -q 'started a private dockerd' "$T_TMP/engine-b.log"
expect "... with no binary package volume to start with" "" "$(grep binpkgs "$B/volumes-before")"
expect "engine B builds fx-hello with BINHOST" 0 "$(st build)"
[ "$(st build)" = 0 ] || show b/build 30
expect "... every stage" "$ALL" "$(sed -n 's/^>>> fx-hello \([a-z-]*\)\( (.*)\)\{0,1\}$/\1/p' "$B/build" | paste -sd' ')"
expect "... every package fetched from the binhost and installed, none compiled" "built=0 binary=2 fetched=2" \
	"$(counts "$B/emerge-1.log")"
check "... the stage said where they came from" grep -q "binary packages also from BINHOST=http://127.0.0.1:$PORT" "$B/emerge-1.log"
expect "B's image digest is A's" "$A_DIGEST" "$(cat "$B/digest")"
expect "... and it runs" "hello from a FROM-scratch image (from-cmd) conf: rootfs overlay works" "$(cat "$B/run")"
# busybox wget says "Wget"; the curl of the check above is not B's
wgets() { grep '"Wget"' "$LT/access.log" | awk '{ print $7, $(NF - 3) }' | sort | uniq -c | awk '{ print $2, $3, $1 }' | paste -sd'|'; }
expect "the server's access log: B asked for the index, then each package once" \
	"/Packages 200 2|/app-misc/extra/extra-2.0-1.gpkg.tar 200 1|/app-misc/hello/hello-1.0-r1-1.gpkg.tar 200 1" "$(wgets)"

# --- a USE change on B builds that package ---
expect "FX_HELLO_USE changed on B: it builds again" 0 "$(st use)"
[ "$(st use)" = 0 ] || show b/use 30
check "... hello, whose USE differs from the binhost's, is compiled" \
	grep -q '^>>> Emerging (1 of 2) app-misc/hello-1.0-r1::gentoo for /destination/' "$B/emerge-2.log"
check "... extra, whose USE does not change, comes from B's own cache now (no fetch)" bash -c \
	"grep -q '^>>> Emerging binary (2 of 2) app-misc/extra-2.0::gentoo' '$B/emerge-2.log' && ! grep -q 'Fetching Binary' '$B/emerge-2.log'"
expect "... B's cache holds both builds of hello (binpkg-multi-instance) and the fetched extra" \
	"app-misc/extra-2.0 1 |app-misc/hello-1.0-r1 1 greeting|app-misc/hello-1.0-r1 2 greeting ipv6" \
	"$(entries "$B/binhost/Packages" 2> /dev/null | paste -sd'|')"
echo "note: the emerge double shows version and USE matching only; a binary package whose dependencies changed" \
	"(--changed-deps, slot operators) needs Portage's resolver, which no test here has"
summary
