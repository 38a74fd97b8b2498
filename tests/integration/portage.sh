# The Portage side of the framework on the fixture builder: PROVIDED,
# images/NAME/pretend, and what the emerge test double models of Portage
# (IUSE filtering of USE, package.provided, the --pretend list). What the
# double does not model (dependency resolution, REQUIRED_USE, slots) is
# said in tests/fixtures/builder/emerge and cannot be shown here.
. "$(dirname "$0")/lib.sh"

if ! have docker; then
	skip "portage (docker)" "no docker engine answering"
	summary
	exit
fi
framework_setup
SECOND=$IMG/fx-second
layer_list() {	# layer_list IMAGE: the files of its archive's layer
	local a=$OUT/$1/image.tar m l
	m=$(tar -xOf "$a" index.json | jq -r '.manifests[0].digest' | cut -d: -f2)
	l=$(tar -xOf "$a" "blobs/sha256/$m" | jq -r '.layers[0].digest' | cut -d: -f2)
	tar -xOf "$a" "blobs/sha256/$l" | tar -tzf -
}

# --- pretend: what would be merged, set against UNMERGE ---
sm "$SECOND/clean"
check "pretend runs without building ROOT" sm "$SECOND/pretend" \
	FX_SECOND_PACKAGES=app-misc/withdep FX_SECOND_UNMERGE="app-misc/extra app-misc/hello"
expect "it ran the stages up to world-rebuild only, then pretend" "config portage lint world-rebuild pretend" "$(ran fx-second)"
check "emerge's own list, for ROOT (USE: on, then off)" \
	grep -q '^\[ebuild  N     \] app-misc/extra-2.0::gentoo to /destination/ USE="-doc" 0 KiB' "$T_TMP/last"
check "... a package without IUSE shows no USE" \
	grep -q '^\[ebuild  N     \] app-misc/withdep-1.0::gentoo to /destination/ 0 KiB' "$T_TMP/last"
check "ROOT's packages, the dependency first" bash -c \
	"sed -n '/^into ROOT/,/^into the builder/p' '$T_TMP/last' | grep -A2 '^into ROOT' | tr -d ' ' | paste -sd' ' | grep -q 'app-misc/extra-2.0 app-misc/withdep-1.0'"
check "an UNMERGE atom that will not be installed is named" \
	grep -q "UNMERGE: app-misc/hello will not be installed in ROOT" "$T_TMP/last"
check "... one that will is not" bash -c "! grep -q 'UNMERGE: app-misc/extra ' '$T_TMP/last'"
check "pretend leaves no snapshot and no container" bash -c \
	"! docker image inspect $(snap fx-second):pretend >/dev/null 2>&1 && [ -z \"\$(docker ps -aq --filter label=org.scratchmerge.owner=$(cat "$OUT/.sm-id")/fx-second --filter label=org.scratchmerge.role=work)\" ]"
sm "$SECOND/pretend" "FX_SECOND_USE=-ipv6 static"
check "pretend with USE: the flags in IUSE, after the IUSE defaults" \
	grep -q 'app-misc/hello-1.0-r1::gentoo to /destination/ USE="greeting static -ipv6"' "$T_TMP/last"

# --- the USE lint: an unknown flag fails the portage stage in seconds ---
sm "$SECOND" FX_SECOND_USE="-ipv6 greting"
rc=$?
expect "an unknown USE flag fails the build" 1 "$([ $rc -ne 0 ] && echo 1 || echo 0)"
expect "... at the lint check after the portage stage, before any emerge" "portage lint" "$(ran fx-second)"
check "... saying so" grep -q 'fx-second: stage lint failed' "$T_TMP/last"
check "... naming where the variable was set, the variable, the flag and the closest name" \
	grep -q "the command line: FX_SECOND_USE: USE flag 'greting'.*closest: greeting" "$T_TMP/last"
mkdir -p "$SECOND/portage/package.use"
printf '# hello, as the fixture builds it\napp-misc/hello greeting\napp-misc/hello -statik\n' > "$SECOND/portage/package.use/hello"
sm "$SECOND"
check "a package.use line with an unknown flag fails with the image's file:line" \
	grep -q "$SECOND/portage/package.use/hello:3: app-misc/hello: USE flag 'statik' is not in IUSE of app-misc/hello.*closest: static" "$T_TMP/last"
printf 'app-misc/hello greeting -static\n' > "$SECOND/portage/package.use/hello"
check "fixed, it builds" sm "$SECOND"
check "... and the lint's verdict is in its log" grep -q "^uselint: 1 lines, 2 flags, 1 atoms checked against [0-9]* ebuilds" "$OUT/fx-second/lint.log"
rm -rf "$SECOND/portage"

# --- PROVIDED: a dependency taken as installed is not merged ---
sm "$SECOND" FX_SECOND_PACKAGES=app-misc/withdep FX_SECOND_RUNTIME_LIBS_FROM_BUILDER=
layer_list fx-second > "$T_TMP/files"
check "without PROVIDED the runtime dependency is in the image" grep -qx usr/bin/extra "$T_TMP/files"
sm "$SECOND" FX_SECOND_PACKAGES=app-misc/withdep FX_SECOND_RUNTIME_LIBS_FROM_BUILDER= FX_SECOND_PROVIDED=app-misc/extra-2.0
expect "a PROVIDED change reruns the lint and from emerge-root on" "lint emerge-root glibc unmerge finish scratch" "$(ran fx-second)"
layer_list fx-second > "$T_TMP/files"
check "with PROVIDED it is not" bash -c "! grep -q usr/bin/extra '$T_TMP/files' && grep -qx usr/share/withdep/marker '$T_TMP/files'"
check "the emerge log says why" grep -q "app-misc/extra is in package.provided: not merged" "$OUT/fx-second/emerge-root.log"
sm "$SECOND/pretend" FX_SECOND_PACKAGES=app-misc/withdep FX_SECOND_PROVIDED=app-misc/extra-2.0
check "pretend names PROVIDED and leaves it out of ROOT's list" bash -c \
	"grep -q 'PROVIDED: app-misc/extra-2.0 is taken as installed' '$T_TMP/last' && ! grep -q 'app-misc/extra-2.0::gentoo' '$T_TMP/last'"
sm "$SECOND" FX_SECOND_PACKAGES=app-misc/withdep FX_SECOND_RUNTIME_LIBS_FROM_BUILDER= "FX_SECOND_PROVIDED=>=app-misc/extra-2.0"
check "a PROVIDED atom with an operator is refused by the lint (Portage would ignore it)" bash -c \
	"grep -q 'fx-second: stage lint failed' '$T_TMP/last' &&
	 grep -q 'FX_SECOND_PROVIDED: >=app-misc/extra-2.0: package.provided takes CAT/PN-VERSION, without an operator' '$T_TMP/last'"
sm "$SECOND" FX_SECOND_PACKAGES="app-misc/hello app-misc/extra" FX_SECOND_PROVIDED=app-misc/extra-2.0
check "a PROVIDED package asked for by name is refused as Portage does" \
	grep -q "A requested package will not be merged because it is listed in package.provided" "$OUT/fx-second/emerge-root.log"

sm "$SECOND/clean"
docker rmi -f scratchmerge-test/fx-second:latest > /dev/null 2>&1
summary
