# The user's path, in the order a user walks it, on a new machine: a fresh
# clone of HEAD and an empty engine (a dockerd of this test's own, so no
# fixture image, snapshot or helper is there from the other tests). The
# README's command is the first and only command run in the clone: nothing
# is built before it (no make helpers, no make check). Then `report` and
# `test`, and the README's "Adding an image" section, run word for word.
. "$(dirname "$0")/lib.sh"

for t in git dockerd docker; do
	if ! have "$t"; then
		skip "the user's path" "$t is not installed"
		summary
		exit
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	skip "the user's path" "an engine of its own needs root"
	summary
	exit
fi

CLONE=$T_TMP/clone
git clone -q "$TOP" "$CLONE" || { echo "cannot clone $TOP"; exit 1; }
# a make as a user types it: none of make check's environment
UMK=(env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u O -u IMAGE_DIRS make -C "$CLONE" --no-print-directory)
# the engine: empty, ours (mk/private-dockerd starts one when none answers)
in_engine() { DOCKER_HOST=unix://$T_TMP/none.sock "$TOP/mk/private-dockerd" "$T_TMP/engine" "$@"; }

cat > "$T_TMP/walk" << 'EOF'
set -u
UMK=("$@")
out=$T_DIR/out
# block MARKER: the code block after the README's <!-- MARKER... --> line
block() {
	awk -v m="<!-- $1" 'index($0, m) == 1 { on = 1; next }
		on && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }' "$CLONE/README.md"
}
echo "--- 1 the README's command, first: make IMAGE_DIRS=tests/images tests/images/fx-hello"
"${UMK[@]}" IMAGE_DIRS=tests/images tests/images/fx-hello > "$out/build" 2>&1
echo "build=$?" >> "$out/status"
docker run --rm --network none scratchmerge-test/fx-hello:latest > "$out/run" 2>&1
"${UMK[@]}" IMAGE_DIRS=tests/images tests/images/fx-hello/report > "$out/report" 2>&1
echo "report=$?" >> "$out/status"
"${UMK[@]}" IMAGE_DIRS=tests/images tests/images/fx-hello/test > "$out/test" 2>&1
echo "test=$?" >> "$out/status"
"${UMK[@]}" IMAGE_DIRS=tests/images tests/images/fx-hello > "$out/again" 2>&1
echo "again=$?" >> "$out/status"

echo "--- 2 the README's \"Adding an image\", word for word"
# the commands between the marker and the end of its code block
block adding-an-image: > "$out/readme.sh"
(cd "$CLONE" && PATH=$T_DIR/bin:$PATH bash -e "$out/readme.sh") > "$out/readme" 2>&1
echo "readme=$?" >> "$out/status"
docker run --rm --network none greeter:latest > "$out/greeter" 2>&1

echo "--- 3 the README's \"Adding a stage\": its three blocks put where it says"
blk() { block "adding-a-stage: $1 -->"; }
blk 'the block' > "$out/block"
awk -v f="$out/block" '/^STAGES \+= finish$/ { while ((getline l < f) > 0) print l; print "" } { print }' \
	"$CLONE/mk/stages.mk" > "$out/stages.mk" && mv "$out/stages.mk" "$CLONE/mk/stages.mk"
blk 'mk/stages/locales.sh' > "$CLONE/mk/stages/locales.sh"
line=$(blk 'mk/image.mk')
awk -v l="$line" '{ print } /^\$\(2\)_UNMERGE \?=$/ { print l }' "$CLONE/mk/image.mk" > "$out/image.mk" &&
	mv "$out/image.mk" "$CLONE/mk/image.mk"
layer() {	# the files of greeter's image
	tar -xOf "$CLONE/build/greeter/image.tar" "blobs/sha256/$(tar -xOf "$CLONE/build/greeter/image.tar" \
		"blobs/sha256/$(tar -xOf "$CLONE/build/greeter/image.tar" index.json | jq -r '.manifests[0].digest' | cut -d: -f2)" |
		jq -r '.layers[0].digest' | cut -d: -f2)" | tar -tzf - | grep '^usr/share/locale/[^/]*/$' | paste -sd' '
}
"${UMK[@]}" help > "$out/help" 2>&1
"${UMK[@]}" images/greeter > "$out/stage-none" 2>&1
echo "stage-none=$?" >> "$out/status"
cp "$CLONE/build/greeter/locales.log" "$out/locales-none.log"
layer > "$out/locales-none"
"${UMK[@]}" images/greeter GREETER_LOCALES=de > "$out/stage-de" 2>&1
echo "stage-de=$?" >> "$out/status"
layer > "$out/locales-de"
"${UMK[@]}" images/greeter GREETER_LOCALE=de > "$out/stage-typo" 2>&1
echo "stage-typo=$?" >> "$out/status"
EOF
mkdir -p "$T_TMP/out" "$T_TMP/bin"
# the README says `make ...`: that make must not inherit make check's flags
printf '#!/bin/sh\nexec env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u O -u IMAGE_DIRS %s "$@"\n' "$(command -v make)" > "$T_TMP/bin/make"
chmod +x "$T_TMP/bin/make"
CLONE=$CLONE T_DIR=$T_TMP in_engine bash "$T_TMP/walk" "${UMK[@]}"
export CLONE
st() { sed -n "s/^$1=//p" "$T_TMP/out/status"; }
show() { sed 's/^/     | /' "$T_TMP/out/$1" | tail -"${2:-15}"; }

expect "the first command on a fresh clone builds, loads and tests the image" 0 "$(st build)"
[ "$(st build)" = 0 ] || show build 30
check "... having built the helpers it needed itself" grep -q 'LD       build/bin/sbom' "$T_TMP/out/build"
check "... and made the fixture builder's images in the empty engine" \
	grep -q 'making it (.*mkfixture)' "$T_TMP/out/build"
check "... ran the smoke test (tests/images/fx-hello/test) in the scratch stage" \
	grep -q '^>>> .*fx-hello/test scratchmerge-test/fx-hello:latest' "$CLONE/build/fx-hello/scratch.log"
expect "the image runs" "hello from a FROM-scratch image (from-cmd) conf: rootfs overlay works" "$(cat "$T_TMP/out/run")"
expect "report works next, with nothing built for it by hand" 0 "$(st report)"
check "... and lists the image's packages" grep -q 'app-misc/hello-1.0-r1' "$T_TMP/out/report"
expect "test works next" 0 "$(st test)"
check "... printing the program's output" grep -q 'hello from a FROM-scratch image' "$T_TMP/out/test"
expect "the same command again does nothing" "0 " "$(st again) $(grep '^>>> fx-hello' "$T_TMP/out/again")"

expect "README \"Adding an image\", as written, builds the new image" 0 "$(st readme)"
[ "$(st readme)" = 0 ] || { show readme.sh 30; show readme 30; }
expect "... which runs" "hello from a FROM-scratch image (world) conf: no /etc/hello.conf" "$(cat "$T_TMP/out/greeter")"
check "... and its smoke test ran" grep -q 'greeter/test greeter:latest' "$CLONE/build/greeter/scratch.log"

ran_in() { sed -n 's/^>>> greeter \([a-z-]*\)\( (.*)\)\{0,1\}$/\1/p' "$T_TMP/out/$1" | paste -sd' '; }
check "README \"Adding a stage\": make help lists the new stage" grep -q '^  locales: only the LOCALES' "$T_TMP/out/help"
expect "... an image without LOCALES runs it (tagging, no container), then finish and scratch" \
	"0 locales finish scratch" "$(st stage-none) $(ran_in stage-none)"
check "... and the unmerge snapshot was tagged" grep -q 'nothing to do in locales: tagging' "$T_TMP/out/locales-none.log"
expect "... every locale is there" "usr/share/locale/de/ usr/share/locale/en_GB/ usr/share/locale/fr/" "$(cat "$T_TMP/out/locales-none")"
expect "... LOCALES=de reruns locales, finish and scratch" "0 locales finish scratch" "$(st stage-de) $(ran_in stage-de)"
check "... saying why" grep -qx '>>> greeter locales (LOCALES changed)' "$T_TMP/out/stage-de"
expect "... and only de is left" "usr/share/locale/de/" "$(cat "$T_TMP/out/locales-de")"
expect "... GREETER_LOCALE is taken for a typo of GREETER_LOCALES" 2 "$(st stage-typo)"
check "... saying so" grep -q 'GREETER_LOCALE is not a variable scratchmerge reads: did you mean GREETER_LOCALES?' "$T_TMP/out/stage-typo"
summary
