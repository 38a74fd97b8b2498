# The framework end to end on the fixture builder (real engine, real
# helpers, real stamps; only emerge is a test double): all seven stages,
# the rebuild matrix, failures and resuming, Ctrl-C, reproducible digests,
# parallel builds, and DOCKER=podman.
. "$(dirname "$0")/lib.sh"

if ! have docker; then
	skip "framework (docker)" "no docker engine answering"
	summary
	exit
fi
framework_setup
layer_list() {	# the files of the image archive's layer
	local a=$OUT/fx-hello/image.tar m l
	m=$(tar -xOf "$a" index.json | jq -r '.manifests[0].digest' | cut -d: -f2)
	l=$(tar -xOf "$a" "blobs/sha256/$m" | jq -r '.layers[0].digest' | cut -d: -f2)
	tar -xOf "$a" "blobs/sha256/$l" | tar -tzf -
}
run_hello() { docker run --rm --network none scratchmerge-test/fx-hello:latest "$@" 2>&1; }

# --- a cold build through all seven stages ---
docker rmi -f scratchmerge-test/fx-hello:latest > /dev/null 2>&1
"${MK[@]}" "$HELLO/clean" > /dev/null 2>&1
check "cold build of fx-hello" sm "$HELLO"
expect "every stage and check ran, in order" "$ALL" "$(ran fx-hello)"
expect "the dynamically linked program runs FROM scratch (glibc stage worked)" \
	"hello from a FROM-scratch image (from-cmd) conf: rootfs overlay works" "$(run_hello)"
layer_list > "$T_TMP/files"
check "no headers, static libs, man pages or docs (but KEEP)" \
	bash -c "! grep -E '^usr/include|\.a$|^usr/share/man|^usr/share/doc/hello' '$T_TMP/files'"
check "KEEP kept its path" grep -qx usr/share/doc/glibc-fixture/README "$T_TMP/files"
check "no VDB and no unmerged package's files" bash -c "! grep -E '^var/db/pkg|usr/bin/extra' '$T_TMP/files'"
check "ldconfig made an ld.so.cache" grep -qx etc/ld.so.cache "$T_TMP/files"
check "ROOT has /var/cache/ldconfig (as a real glibc gives it) but not ldconfig's aux-cache" \
	bash -c "grep -qx var/cache/ldconfig/ '$T_TMP/files' && ! grep -q aux-cache '$T_TMP/files'"
check "the finish stage exported ROOT and what the SBOM needs to the host" \
	test -s "$OUT/fx-hello/finish-destination.tar" -a -s "$OUT/fx-hello/finish-var-lib-scratchmerge.tar"
expect "... and left no container behind" "" "$(containers fx-hello -a)"
check "ldconfig had nothing to complain about" bash -c "! grep -q 'is not an ELF file' '$OUT/fx-hello/finish.log'"
check "RUNTIME_LIBS_FROM_BUILDER brought libgcc_s, not the compiler" bash -c \
	"grep -q 'usr/lib/gcc/x86_64-pc-linux-gnu/12/libgcc_s.so.1' '$T_TMP/files' && ! grep -q 'usr/bin/gcc' '$T_TMP/files'"
check "the lib -> usr/lib symlink of the builder is a symlink in the image" \
	bash -c "tar -xOf '$OUT/fx-hello/image.tar' >/dev/null; grep -qx lib '$T_TMP/files'"
check "the stage logs are kept" test -s "$OUT/fx-hello/emerge-root.log"

# --- nothing changed: nothing runs ---
check "second make" sm "$HELLO"
expect "a second make runs no stage" "" "$(ran fx-hello)"
check "make -q says up to date" "${MK[@]}" -q "$HELLO"

# --- the rebuild matrix ---
sm "$HELLO" 'FX_HELLO_PRUNE=$(DEFAULT_PRUNE) /usr/share/hello'
expect "a PRUNE change reruns scratch only: no container" "scratch" "$(ran fx-hello)"
check "... and says why" grep -qx ">>> fx-hello scratch (PRUNE changed)" "$T_TMP/last"
layer_list > "$T_TMP/files"
check "the newly pruned path is gone" bash -c "! grep -q '^usr/share/hello/' '$T_TMP/files'"
sm "$HELLO" V=1
expect "PRUNE back: scratch again" "scratch" "$(ran fx-hello)"
check "... V=1 shows the old and the new value" \
	grep -qE "^    PRUNE: '/usr/share/doc .* /usr/share/hello' -> '/usr/share/doc [^']*'\$" "$T_TMP/last"
expect "the paths PRUNE left out are listed, as matched (lib64 is a symlink)" \
	"pruned /usr/include pruned /lib64/libhello.a pruned /var/db/pkg" "$(paste -sd' ' "$OUT/fx-hello/pruned")"
check "... and the finish stage listed what ld.so.cache names" grep -qx /usr/lib/gcc/x86_64-pc-linux-gnu/12/libgcc_s.so.1 \
	<(tar -xOf "$OUT/fx-hello/finish-var-lib-scratchmerge.tar" ./loader-libs)
# --- PRUNE may not take what the loader's cache names ---
digest=$(cat "$OUT/fx-hello/digest")
sm "$HELLO" 'FX_HELLO_PRUNE=$(DEFAULT_PRUNE) /usr/lib/gcc'
expect "a PRUNE of a library ld.so.cache names fails the build" 1 "$([ $? -ne 0 ] && echo 1 || echo 0)"
check "... at scratch, naming the glob, the path, the library and what to do instead" grep -q \
	"fx-hello: stage scratch failed: .*PRUNE /usr/lib/gcc removes /usr/lib/gcc, and ld.so.cache sends the loader to /usr/lib/gcc/x86_64-pc-linux-gnu/12/libgcc_s.so.1: .*FINISH" \
	"$T_TMP/last"
expect "... and the image stays as it was" "$digest" "$(cat "$OUT/fx-hello/digest")"
sm "$HELLO"
expect "PRUNE back: scratch" "scratch" "$(ran fx-hello)"

sm "$HELLO" "FX_HELLO_USE=-greeting static"
expect "a USE change reruns from portage on" "$FROM_PORTAGE" "$(ran fx-hello)"
check "... saying USE changed" grep -qx ">>> fx-hello portage (USE changed)" "$T_TMP/last"
docker create --name sm-use-probe scratchmerge-test/fx-hello:latest > /dev/null
expect "the new USE reached the image (IUSE defaults, then USE)" "static" \
	"$(docker cp sm-use-probe:/etc/hello-1.0-r1/use-flags - | tar -xOf - | xargs)"
docker rm sm-use-probe > /dev/null
sm "$HELLO"
expect "USE back: from portage on again" "$FROM_PORTAGE" "$(ran fx-hello)"

touch "$HELLO/image.yaml"
sm "$HELLO"
expect "touching image.yaml without changing it reruns nothing" "" "$(ran fx-hello)"
printf '  org.example.changed: "yes"\n' >> "$HELLO/image.yaml"
sm "$HELLO"
expect "an image.yaml change reruns the config check and scratch only" "config scratch" "$(ran fx-hello)"
check "... naming image.yaml" grep -qx ">>> fx-hello scratch (image.yaml changed)" "$T_TMP/last"
expect "the new label is in the loaded image" yes \
	"$(docker inspect scratchmerge-test/fx-hello:latest --format '{{index .Config.Labels "org.example.changed"}}')"

echo "changed overlay" > "$HELLO/rootfs/etc/hello.conf"
sm "$HELLO"
expect "a rootfs/ change reruns scratch only" "scratch" "$(ran fx-hello)"
expect "the new rootfs file is in the image" \
	"hello from a FROM-scratch image (x) conf: changed overlay" "$(run_hello x)"

sm "$HELLO"
expect "nothing changed: nothing runs" "" "$(ran fx-hello)"

# --- a failing stage: named, no stamp, no snapshot, a fixed rerun resumes ---
sm "$HELLO" "FX_HELLO_PACKAGES=app-misc/hello app-misc/extra app-misc/broken"
rc=$?
expect "a package whose build fails fails make" 1 "$([ $rc -ne 0 ] && echo 1 || echo 0)"
check "the failure names image, stage and log" \
	grep -q "fx-hello: stage emerge-root failed: exit status 1" "$T_TMP/last"
check "... and shows the log's last lines" grep -q 'ERROR: app-misc/broken-1.0::gentoo failed (compile phase)' "$T_TMP/last"
check "... and the log file" grep -q "full log: $OUT/fx-hello/emerge-root.log" "$T_TMP/last"
check "no stamp for the failed stage" test ! -e "$OUT/fx-hello/.stamp-emerge-root"
check "no snapshot of the failed stage" bash -c "! docker image inspect $(snap fx-hello):emerge-root >/dev/null 2>&1"
expect "no container left behind" "" "$(containers fx-hello -a)"
sm "$HELLO"
expect "the fixed rerun resumes at the failed stage" "lint emerge-root glibc unmerge finish scratch" "$(ran fx-hello)"

# --- the soname check: a required library missing from ROOT stops finish ---
sm "$HELLO" FX_HELLO_RUNTIME_LIBS_FROM_BUILDER=
rc=$?
expect "a missing library fails the build" 1 "$([ $rc -ne 0 ] && echo 1 || echo 0)"
check "... at finish, naming the package that needs the soname and the builder's that provides it" bash -c \
	"grep -q 'fx-hello: stage finish failed' '$T_TMP/last' &&
	 grep -q 'app-misc/hello-1.0-r1 needs libgcc_s.so.1 (x86_64), provided in / by sys-devel/gcc-12.2.0' '$T_TMP/last'"
check "... and the line to add to the image's Makefile" grep -q \
	"FX_HELLO_RUNTIME_LIBS_FROM_BUILDER := sys-devel/gcc" "$T_TMP/last"
sm "$HELLO"
expect "the library back: glibc stage on" "glibc unmerge finish scratch" "$(ran fx-hello)"

# --- redo ---
sm "$HELLO/unmerge-redo"
expect "STAGE-redo reruns that stage and the ones after it" "unmerge finish scratch" "$(ran fx-hello)"

# --- Ctrl-C in the middle of a stage ---
# in a session of its own, as a terminal would run it: Ctrl-C goes to make's
# group; SIGINT back to its default (a background job of a script ignores it)
setsid env --default-signal=INT "${MK[@]}" "$HELLO" FX_HELLO_PACKAGES="app-misc/hello app-misc/slow" > "$T_TMP/int" 2>&1 &
mpid=$!
for _ in $(seq 60); do
	containers fx-hello | grep -q '\.emerge-root\.' && break
	sleep 0.5
done
check "the slow stage is running" bash -c "docker ps --format '{{.Names}}' | grep -q '$(snap fx-hello | tr / .).emerge-root'"
kill -INT -- -$mpid
wait $mpid
check "interrupted make reports it" grep -q "interrupted" "$T_TMP/int"
sleep 1
expect "Ctrl-C leaves no container" "" "$(containers fx-hello -a)"
check "Ctrl-C leaves no stamp and no snapshot of the stage" \
	bash -c "test ! -e '$OUT/fx-hello/.stamp-emerge-root' && ! docker image inspect $(snap fx-hello):emerge-root >/dev/null 2>&1"

# --- a clean rebuild gives the same digest ---
sm "$HELLO"
d1=$(cat "$OUT/fx-hello/digest")
sm "$HELLO/clean"
check "clean removes stamps and snapshots" bash -c \
	"test ! -e '$OUT/fx-hello' && ! docker image inspect $(snap fx-hello):portage >/dev/null 2>&1"
expect "... and every container" "" "$(containers fx-hello -a)"
sm "$HELLO"
expect "a clean rebuild runs every stage" "$ALL" "$(ran fx-hello)"
expect "a clean rebuild gives the same image digest" "$d1" "$(cat "$OUT/fx-hello/digest" 2>/dev/null)"
check "... merging the binary packages an earlier build made" grep -q '^>>> Emerging binary' "$OUT/fx-hello/emerge-root.log"
# the same build with caches of its own, empty: every package from source
sm "$HELLO/clean"
sm "$HELLO" "CACHE_VOLUMES=$CV-empty-distfiles:/var/cache/distfiles $CV-empty-binpkgs:/var/cache/binpkgs"
check "a clean rebuild with empty caches builds the packages from source" \
	bash -c "grep -q '^>>> Emerging (' '$OUT/fx-hello/emerge-root.log' && ! grep -q '^>>> Emerging binary' '$OUT/fx-hello/emerge-root.log'"
expect "... and gives the digest of the one that merged the binary packages" "$d1" "$(cat "$OUT/fx-hello/digest" 2>/dev/null)"
docker volume rm -f "$CV-empty-distfiles" "$CV-empty-binpkgs" > /dev/null 2>&1

check "make TARGET/test runs the smoke test" "${MK[@]}" "$HELLO/test"

# --- two images in parallel ---
sm "$HELLO/clean"
sm "$IMG/fx-second/clean"
check "make -j2 builds two images at once" sm -j2 "$HELLO" "$IMG/fx-second"
ALL_SORTED=$(echo "$ALL" | tr ' ' '\n' | sort | paste -sd' ')
expect "fx-hello ran every stage" "$ALL_SORTED" "$(ran_sorted fx-hello)"
expect "fx-second ran every stage" "$ALL_SORTED" "$(ran_sorted fx-second)"
expect "fx-second runs" "hello from a FROM-scratch image (second) conf: no /etc/hello.conf" \
	"$(docker run --rm --network none scratchmerge-test/fx-second:latest 2>&1)"
expect "fx-hello built beside it is still right" \
	"hello from a FROM-scratch image (from-cmd) conf: changed overlay" "$(run_hello)"

# --- DOCKER=podman: the same pipeline ---
if have podman; then
	"$TOP/tests/fixtures/builder/mkfixture" podman > /dev/null
	PO=$T_TMP/out-podman
	build_dir "$PO"
	"${MK[@]}" O="$PO" DOCKER=podman "$IMG/fx-second/clean" > /dev/null 2>&1
	mkdir -p "$T_TMP/tmpdir"
	TMPDIR="$T_TMP/tmpdir" sm O="$PO" DOCKER=podman "$IMG/fx-second"
	expect "DOCKER=podman builds fx-second" 0 "$?"
	expect "... and leaves nothing in TMPDIR (podman's cp - spooled each stage's inputs there, for ever)" \
		"" "$(ls -A "$T_TMP/tmpdir")"
	expect "podman ran every stage" "$ALL" "$(ran fx-second)"
	expect "podman runs the image" "hello from a FROM-scratch image (second) conf: no /etc/hello.conf" \
		"$("${PODMAN_RUN[@]}" scratchmerge-test/fx-second:latest 2>&1)"
	sm O="$PO" DOCKER=podman "$IMG/fx-second"
	expect "podman: a second make runs nothing" "" "$(ran fx-second)"
	expect "docker and podman builds give the same digest" "$(cat "$OUT/fx-second/digest")" "$(cat "$PO/fx-second/digest")"
	"${MK[@]}" O="$PO" DOCKER=podman "$IMG/fx-second/clean" > /dev/null 2>&1
else
	skip "DOCKER=podman" "podman is not installed"
fi

"${MK[@]}" "$HELLO/clean" "$IMG/fx-second/clean" > /dev/null 2>&1
docker rmi -f scratchmerge-test/fx-hello:latest scratchmerge-test/fx-second:latest > /dev/null 2>&1
summary
