# A user's mistakes, each of which the framework once took silently or
# found only after the emerge: now each stops make early (at parse time, or
# in a check before anything is compiled), naming the image, the file and
# line, and what to do. Fixture builder, real engine.
. "$(dirname "$0")/lib.sh"

if ! have docker; then
	skip "mistakes (docker)" "no docker engine answering"
	summary
	exit
fi
framework_setup
SECOND=$IMG/fx-second
failed() { [ "$1" -ne 0 ] && echo failed || echo "exit 0"; }

# --- a misspelled image variable stops make at parse time ---
cp "$SECOND/Makefile" "$T_TMP/Makefile.second"
{ grep -v 'eval' "$T_TMP/Makefile.second"; echo 'FX_SECOND_SLOT := 8.4'; echo 'FX_SECOND_PRUNES := /usr/share/hello'; \
	echo '$(eval $(image))'; } > "$SECOND/Makefile"
line=$(grep -n FX_SECOND_PRUNES "$SECOND/Makefile" | cut -d: -f1)
sm -n "$SECOND"
expect "a misspelled variable (FX_SECOND_PRUNES) fails make" failed "$(failed $?)"
check "... naming the Makefile, its line, the variable and the known name" grep -q \
	"$SECOND/Makefile:$line: FX_SECOND_PRUNES is not a variable scratchmerge reads: did you mean FX_SECOND_PRUNE?" "$T_TMP/last"
check "... before anything ran" bash -c "! grep -q '^>>> fx-second' '$T_TMP/last'"
cp "$T_TMP/Makefile.second" "$SECOND/Makefile"
sm -n "$SECOND" FX_SECOND_USES=-ipv6
expect "one set on the command line (FX_SECOND_USES) fails too" failed "$(failed $?)"
check "... naming the command line and FX_SECOND_USE" grep -q \
	"the command line: FX_SECOND_USES is not a variable scratchmerge reads: did you mean FX_SECOND_USE?" "$T_TMP/last"
{ grep -v 'eval' "$T_TMP/Makefile.second"; echo 'FX_SECOND_SLOT := 8.4'; echo '$(eval $(image))'; } > "$SECOND/Makefile"
check "an image's own variable far from every known name (FX_SECOND_SLOT) is allowed" sm -n "$SECOND"
cp "$T_TMP/Makefile.second" "$SECOND/Makefile"
# a renamed variable is not passed over: POST_PRUNE is FINISH now
{ grep -v 'eval' "$T_TMP/Makefile.second"; echo 'FX_SECOND_POST_PRUNE := touch "$$ROOT/x"'; echo '$(eval $(image))'; } \
	> "$SECOND/Makefile"
sm -n "$SECOND"
expect "a renamed variable (FX_SECOND_POST_PRUNE) fails make" failed "$(failed $?)"
check "... naming the Makefile, the new name and why" grep -q \
	"$SECOND/Makefile: FX_SECOND_POST_PRUNE is now FX_SECOND_FINISH (it runs before PRUNE now, .*): rename it" "$T_TMP/last"
cp "$T_TMP/Makefile.second" "$SECOND/Makefile"

# --- an image directory that defines no image ---
mkdir -p "$IMG/fx-noeval" "$IMG/fx-nomakefile"
printf 'FX_NOEVAL_BUILDER := fixture\nFX_NOEVAL_PACKAGES := app-misc/hello\n' > "$IMG/fx-noeval/Makefile"
cp "$SECOND/image.yaml" "$IMG/fx-noeval/" && cp "$SECOND/image.yaml" "$IMG/fx-nomakefile/"
sm "$IMG/fx-noeval"
expect "a Makefile without \$(eval \$(image)) fails make (was: Nothing to be done)" failed "$(failed $?)"
check "... saying what the Makefile lacks" grep -q "fx-noeval/Makefile defines no image: it must end with the line \$(eval \$(image))" "$T_TMP/last"
sm "$IMG/fx-nomakefile"
expect "a directory without a Makefile fails make" failed "$(failed $?)"
check "... saying so" grep -q "fx-nomakefile has no Makefile" "$T_TMP/last"
sm "$IMG/fx-nothere"
expect "a directory that does not exist fails make" failed "$(failed $?)"
check "... listing the images there are" grep -q "no image $IMG/fx-nothere; the images are: .*fx-second" "$T_TMP/last"
sm -n "$SECOND"
check "another image's broken directory does not stop this one, but is named" \
	grep -q "fx-noeval/Makefile defines no image (no \$(eval \$(image)) line): ignored" "$T_TMP/last"
rm -rf "$IMG/fx-noeval" "$IMG/fx-nomakefile"

# --- a smoke test that is not executable: said every time; chmod +x reruns ---
printf '#!/bin/sh\necho "smoke test ran on $1"\n' > "$SECOND/test"
chmod -x "$SECOND/test"
sm "$SECOND"
check "a non-executable test is named, with what to do" \
	grep -q "fx-second/test is not executable, so the smoke test does not run: chmod +x $SECOND/test" "$T_TMP/last"
sm "$SECOND"
check "... on every make, even one that does nothing" grep -q "fx-second/test is not executable" "$T_TMP/last"
sm "$SECOND/test"
expect "make .../test with a non-executable test fails" failed "$(failed $?)"
chmod +x "$SECOND/test"
sm "$SECOND"
expect "chmod +x reruns the scratch stage (the test's mode is an input)" "scratch" "$(ran fx-second)"
check "... and the test ran" grep -q "smoke test ran on scratchmerge-test/fx-second:latest" "$OUT/fx-second/scratch.log"
rm -f "$SECOND/test"
sm "$SECOND"

# --- a rootfs/ that is a symlink to a directory elsewhere ---
mkdir -p "$T_TMP/elsewhere/etc"
echo "first" > "$T_TMP/elsewhere/etc/hello.conf"
ln -s "$T_TMP/elsewhere" "$SECOND/rootfs"
sm "$SECOND"
expect "a rootfs/ symlink to a directory outside: its files are in the image" \
	"hello from a FROM-scratch image (second) conf: first" \
	"$(docker run --rm --network none scratchmerge-test/fx-second:latest 2>&1)"
sleep 1	# a new mtime
echo "second" > "$T_TMP/elsewhere/etc/hello.conf"
sm "$SECOND"
expect "... an edit there reruns scratch (what it points to is hashed)" "scratch" "$(ran fx-second)"
expect "... and reaches the image" "hello from a FROM-scratch image (second) conf: second" \
	"$(docker run --rm --network none scratchmerge-test/fx-second:latest 2>&1)"
rm "$SECOND/rootfs"

# --- image.yaml: missing, found before anything is built ---
sm "$SECOND/clean"
mv "$SECOND/image.yaml" "$T_TMP/image.yaml"
sm "$SECOND"
expect "a missing image.yaml fails the build" failed "$(failed $?)"
expect "... at the config check, before any stage" "config" "$(ran fx-second)"
check "... naming the image and the file" grep -q "fx-second: check config failed: $SECOND/image.yaml: No such file or directory" "$T_TMP/last"
mv "$T_TMP/image.yaml" "$SECOND/image.yaml"

# --- image.yaml with a tab: said to be a tab ---
printf 'entrypoint: [/usr/bin/hello]\nenv:\n\tLANG: C\n' > "$T_TMP/tab.yaml"
cp "$SECOND/image.yaml" "$T_TMP/image.yaml" && cp "$T_TMP/tab.yaml" "$SECOND/image.yaml"
sm "$SECOND"
expect "an image.yaml indented with a tab fails at the config check" "failed config" "$(failed $?) $(ran fx-second)"
check "... saying it is a tab, with file, line and column" \
	grep -q "fx-second: check config failed: $SECOND/image.yaml:3:1: a tab character: YAML indents with spaces only" "$T_TMP/last"
cp "$T_TMP/image.yaml" "$SECOND/image.yaml"

# --- atoms that name nothing: found by the lint, before any emerge ---
sm "$SECOND"
sm "$SECOND" FX_SECOND_PACKAGES=app-misc/helo
expect "a PACKAGES atom that matches no ebuild fails at the lint, before any emerge" "failed lint" "$(failed $?) $(ran fx-second)"
check "... naming where it was set, the atom and the closest package" grep -q \
	"the command line: FX_SECOND_PACKAGES: app-misc/helo matches no ebuild in the tree (closest: app-misc/hello)" "$T_TMP/last"
sm "$SECOND" FX_SECOND_UNMERGE=app-misc/extr
expect "an UNMERGE atom that names nothing fails at the lint (before: found after the emerge)" "failed lint" "$(failed $?) $(ran fx-second)"
check "... naming it and the closest package" grep -q "FX_SECOND_UNMERGE: app-misc/extr: no package app-misc/extr in the tree (closest: app-misc/extra)" "$T_TMP/last"
sm "$SECOND" FX_SECOND_PROVIDED=app-misc/extras-2.0
expect "a PROVIDED atom that names nothing fails at the lint" "failed lint" "$(failed $?) $(ran fx-second)"
check "... naming it" grep -q "FX_SECOND_PROVIDED: app-misc/extras-2.0: no package app-misc/extras in the tree (closest: app-misc/extra)" "$T_TMP/last"
{ grep -v eval "$T_TMP/Makefile.second"; echo 'FX_SECOND_PACKAGES += app-misc/nothere'; echo '$(eval $(image))'; } > "$SECOND/Makefile"
sm "$SECOND"
check "... one set in the Makefile: its file and first line" grep -q \
	"$SECOND/Makefile:$(grep -n '^FX_SECOND_PACKAGES' "$SECOND/Makefile" | head -1 | cut -d: -f1): FX_SECOND_PACKAGES: app-misc/nothere matches no ebuild" "$T_TMP/last"
cp "$T_TMP/Makefile.second" "$SECOND/Makefile"

# --- pretend names the real targets of an image outside images/ ---
sm "$SECOND/pretend"
check "pretend points at the image's own report target" grep -q "make $SECOND/report lists them" "$T_TMP/last"

# --- PLATFORM's architecture is its second field ---
sm -n "$SECOND" PLATFORM=linux/arm64/v8
check "PLATFORM=linux/arm64/v8 gives the architecture arm64 (not v8)" grep -qx "SM_ARCH='arm64'" "$OUT/fx-second/.opts-scratch"

sm "$SECOND/clean"
docker rmi -f scratchmerge-test/fx-second:latest > /dev/null 2>&1
summary
