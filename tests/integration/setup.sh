# A fresh machine's set-up: the dependency guard (mk/deps, mk/deps.mk) with
# test doubles of dpkg-query and apt-get, the engine chooser (mk/base-ids)
# with no docker answering and a test double of podman, and the private
# dockerd of `make check` (mk/private-dockerd, real dockerd).
. "$(dirname "$0")/lib.sh"

NOWHERE=unix://$T_TMP/no-docker.sock
FAKE=$T_TMP/fake
mkdir -p "$FAKE"
# dpkg-query: every package is installed but those in $MISSING (PKG or
# PKG:ARCH); PKG:ARCH is installed as ARCH, PKG as amd64, or as arm64 when
# it is in $ARM64_ONLY
cat > "$FAKE/dpkg-query" << 'EOF'
#!/bin/bash
echo "dpkg-query $*" >> "$LOG"
for p in "$@"; do
	case $p in -W | -f | '${Package} ${Architecture} ${db:Status-Abbrev}\n') continue ;; esac
	a=amd64
	case $p in *:*) a=${p#*:} ;; esac
	case " ${ARM64_ONLY-} " in *" $p "*) a=arm64 ;; esac
	case " $MISSING " in *" $p "*) echo "dpkg-query: no packages found matching $p" >&2 ;; *) echo "${p%%:*} $a ii " ;; esac
done
EOF
# dpkg: the machine is amd64; its foreign architectures are $FOREIGN
cat > "$FAKE/dpkg" << 'EOF'
#!/bin/bash
echo "dpkg $*" >> "$LOG"
case $1 in
--print-architecture) echo amd64 ;;
--print-foreign-architectures) for a in ${FOREIGN-}; do echo "$a"; done ;;
--add-architecture) ;;
*) exit 2 ;;
esac
EOF
printf '#!/bin/sh\necho "apt-get $*" >> "$LOG"\n' > "$FAKE/apt-get"
chmod +x "$FAKE"/*
export LOG=$T_TMP/log
MK=(env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$TOP" --no-print-directory)

# --- the guard, as root: installs only what is missing, apt-get update once ---
: > "$LOG"
check "root: the guard installs the missing packages" \
	env PATH="$FAKE:$PATH" MISSING="jq libjansson-dev" "$TOP/mk/deps" "$T_TMP/stamp1" gcc jq libjansson-dev 'docker.io|podman'
expect "root: apt-get update once, then one install of the missing ones" \
	"apt-get update -q|apt-get install -y --no-install-recommends jq libjansson-dev" "$(grep ^apt-get "$LOG" | paste -sd'|')"
expect "the stamp records what is there" "docker.io|podman gcc jq libjansson-dev" "$(cat "$T_TMP/stamp1")"
: > "$LOG"
check "root: nothing missing" env PATH="$FAKE:$PATH" MISSING= "$TOP/mk/deps" "$T_TMP/stamp2" gcc jq
expect "nothing missing: no apt work" "" "$(grep ^apt-get "$LOG")"
: > "$LOG"
check "an alternative is enough (podman for docker.io|podman)" \
	env PATH="$FAKE:$PATH" MISSING=docker.io "$TOP/mk/deps" "$T_TMP/stamp3" 'docker.io|podman'
expect "an alternative: no apt work" "" "$(grep ^apt-get "$LOG")"

# --- PKG:ARCH: a package of a foreign architecture (DEB_CROSS_arm64) ---
: > "$LOG"
check "PKG:ARCH: arm64 not yet known: the guard installs" \
	env PATH="$FAKE:$PATH" MISSING="libssl-dev:arm64 libc6:arm64" FOREIGN= \
	"$TOP/mk/deps" "$T_TMP/stamp4" gcc libssl-dev libssl-dev:arm64 libc6:arm64 qemu-user-static
expect "PKG:ARCH: dpkg --add-architecture arm64 once, then apt-get update, then one install" \
	"dpkg --add-architecture arm64|apt-get update -q|apt-get install -y --no-install-recommends libssl-dev:arm64 libc6:arm64" \
	"$(grep -e '^apt-get' -e '^dpkg --add' "$LOG" | paste -sd'|')"
: > "$LOG"
check "PKG:ARCH: arm64 already a foreign architecture" \
	env PATH="$FAKE:$PATH" MISSING="libssl-dev:arm64" FOREIGN="i386 arm64" "$TOP/mk/deps" "$T_TMP/stamp5" libssl-dev:arm64
expect "PKG:ARCH: arm64 known: no dpkg --add-architecture" \
	"apt-get update -q|apt-get install -y --no-install-recommends libssl-dev:arm64" \
	"$(grep -e '^apt-get' -e '^dpkg --add' "$LOG" | paste -sd'|')"
: > "$LOG"
check "PKG:ARCH: installed for arm64 is there" \
	env PATH="$FAKE:$PATH" MISSING= FOREIGN=arm64 "$TOP/mk/deps" "$T_TMP/stamp6" libssl-dev libssl-dev:arm64
expect "PKG:ARCH: installed: no apt or dpkg work" "" "$(grep -e '^apt-get' -e '^dpkg --add' "$LOG")"
: > "$LOG"
env PATH="$FAKE:$PATH" MISSING= ARM64_ONLY=libfoo FOREIGN=arm64 "$TOP/mk/deps" "$T_TMP/stamp7" libfoo libssl-dev:arm64 > /dev/null 2>&1
expect "PKG:ARCH: an arm64 package does not stand for the machine's (libfoo)" \
	"apt-get update -q|apt-get install -y --no-install-recommends libfoo" "$(grep ^apt-get "$LOG" | paste -sd'|')"

# --- not root: make stops before compiling, with the list and the command ---
NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups)
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null && "${NOBODY[@]}" test -r "$TOP/Makefile"; then
	NR=$T_TMP/nonroot
	mkdir -p "$NR" && chmod 777 "$NR" "$T_TMP" && : > "$LOG" && chmod 666 "$LOG"
	"${NOBODY[@]}" env PATH="$FAKE:$PATH" MISSING="libjansson-dev jq" \
		"${MK[@]}" O="$NR/out" helpers > "$T_TMP/nr.out" 2>&1
	expect "not root: make helpers fails" 2 "$?"
	check "not root: the missing packages are listed" grep -qx "scratchmerge: missing Debian packages: libjansson-dev" "$T_TMP/nr.out"
	check "not root: the one command that installs them" \
		grep -qx "  apt-get update && apt-get install -y --no-install-recommends libjansson-dev" "$T_TMP/nr.out"
	check "not root: nothing was compiled" test ! -e "$NR/out/obj"
	expect "not root: no apt work" "" "$(grep ^apt-get "$LOG")"
	: > "$LOG"
	"${NOBODY[@]}" env PATH="$FAKE:$PATH" MISSING=jq \
		"${MK[@]}" O="$NR/out" -n helpers > "$T_TMP/nr.out" 2>&1
	expect "make -n helpers checks what helpers needs (jq is not)" 0 "$?"
	: > "$LOG"
	env PATH="$FAKE:$PATH" MISSING=jq "${MK[@]}" O="$NR/out" -n helpers > /dev/null 2>&1
	expect "once checked, make reads the stamp and does not ask dpkg again" "" "$(cat "$LOG")"
	: > "$LOG"
	"${NOBODY[@]}" env PATH="$FAKE:$PATH" MISSING="libssl-dev:arm64" FOREIGN= \
		"$TOP/mk/deps" "$NR/stamp" gcc libssl-dev:arm64 > "$T_TMP/nr.out" 2>&1
	expect "not root, PKG:ARCH: fails" 1 "$?"
	check "not root, PKG:ARCH: the commands add the architecture first" \
		grep -qx "  dpkg --add-architecture arm64 && apt-get update && apt-get install -y --no-install-recommends libssl-dev:arm64" "$T_TMP/nr.out"
	expect "not root, PKG:ARCH: no dpkg --add-architecture, no apt work" "" "$(grep -e '^apt-get' -e '^dpkg --add' "$LOG")"
else
	skip "the not-root guard" "needs root, setpriv, and a checkout that user 65534 can read"
fi

# --- the engine chooser: no docker answering ---
cat > "$FAKE/podman" << 'EOF'
#!/bin/bash
echo "podman $*" >> "$LOG"
case "$1 $2" in
"image inspect") for i in "${@:5}"; do echo "sha256:fake-$i ${FAKE_DRIVER:-overlay}"; done ;;
"info --format") echo "9.9.9 ${FAKE_DRIVER:-overlay}" ;;
*) exit 1 ;;
esac
EOF
chmod +x "$FAKE/podman"
EO=$T_TMP/engine-out
: > "$LOG"
DOCKER_HOST=$NOWHERE PATH="$FAKE:$PATH" "${MK[@]}" O="$EO" NETWORK=none -n tests/images/fx-hello > "$T_TMP/e.out" 2>&1
check "no docker: podman is picked and named, with its driver" grep -qx ">>> engine: podman 9.9.9 (overlay)" "$T_TMP/e.out"
check "no docker: the stages get ENGINE=podman" grep -qx "SM_ENGINE='podman'" "$EO/fx-hello/.opts-portage"
check "the base image IDs come from podman" grep -qx "SM_STAGE3_ID='sha256:fake-scratchmerge-fixture/stage3:test'" "$EO/fx-hello/.opts-portage"
check "no vfs warning on overlay" bash -c "! grep -q 'driver is vfs' '$T_TMP/e.out'"
: > "$LOG"
DOCKER_HOST=$NOWHERE PATH="$FAKE:$PATH" "${MK[@]}" O="$EO" NETWORK=none -n tests/images/fx-hello > "$T_TMP/e.out" 2>&1
expect "a no-op asks the engine once (the version is cached)" 1 "$(grep -c . "$LOG")"
DOCKER_HOST=$NOWHERE PATH="$FAKE:$PATH" FAKE_DRIVER=vfs "${MK[@]}" O="$EO" NETWORK=none -n tests/images/fx-hello > "$T_TMP/e.out" 2>&1
check "vfs: a warning that says why" grep -q "storage driver is vfs: every stage snapshot is a full copy" "$T_TMP/e.out"
DOCKER_HOST=$NOWHERE PATH="$FAKE:$PATH" "${MK[@]}" O="$EO" NETWORK=none -s -n tests/images/fx-hello > "$T_TMP/e.out" 2>&1
check "make -s: no engine line" bash -c "! grep -q '>>> engine' '$T_TMP/e.out'"

# neither docker answering nor podman installed: PATH without podman
NP=$T_TMP/no-podman
mkdir -p "$NP" && ln -s /usr/local/bin/* /usr/local/sbin/* /usr/bin/* /usr/sbin/* "$NP"/ 2> /dev/null
rm -f "$NP/podman"
DOCKER_HOST=$NOWHERE PATH="$NP" "${MK[@]}" O="$EO" NETWORK=none -n tests/images/fx-hello > "$T_TMP/e.out" 2>&1
expect "no engine: make stops" 2 "$?"
check "no engine: says why" grep -q "the docker daemon is not running at DOCKER_HOST=$NOWHERE, and podman is not installed" "$T_TMP/e.out"
check "no engine: says how to get one" grep -q "apt-get install docker.io" "$T_TMP/e.out"
check "no engine: and how to start dockerd with overlay2" grep -q "dockerd --storage-driver=overlay2" "$T_TMP/e.out"
DOCKER=docker DOCKER_HOST=$NOWHERE PATH="$FAKE:$PATH" "${MK[@]}" O="$EO" NETWORK=none -n tests/images/fx-hello > "$T_TMP/e.out" 2>&1
expect "DOCKER=docker is kept even when podman would answer" 2 "$?"

# --- the private dockerd of make check ---
if [ "$(id -u)" -eq 0 ] && command -v dockerd > /dev/null; then
	PD=$T_TMP/pd
	DOCKER_HOST=$NOWHERE "$TOP/mk/private-dockerd" "$PD" \
		bash -c 'echo "$DOCKER_HOST"; docker info --format "{{.Driver}}"; cat "$0/pid"; exit 3' "$PD" > "$T_TMP/pd.out" 2> "$T_TMP/pd.err"
	expect "private dockerd: the command's exit status" 3 "$?"
	expect "private dockerd: DOCKER_HOST is its socket" "unix://$PD/sock" "$(sed -n 1p "$T_TMP/pd.out")"
	drv=$(sed -n 2p "$T_TMP/pd.out")
	check "private dockerd: says which driver it uses ($drv)" grep -q "storage driver $drv," "$T_TMP/pd.err"
	pid=$(sed -n 3p "$T_TMP/pd.out")
	check "private dockerd: stopped after a failure" bash -c "[ -n '$pid' ] && ! kill -0 '$pid'"
	# Ctrl-C: SIGINT to the process group, as a terminal does
	DOCKER_HOST=$NOWHERE setsid env --default-signal=INT "$TOP/mk/private-dockerd" "$PD" sleep 60 > /dev/null 2>&1 &
	pg=$!
	for _ in $(seq 100); do [ -S "$PD/sock" ] && docker -H "unix://$PD/sock" info > /dev/null 2>&1 && break; sleep 0.2; done
	pid=$(cat "$PD/pid" 2> /dev/null)
	check "private dockerd: running" kill -0 "$pid"
	kill -INT -- -$pg
	wait $pg
	check "private dockerd: stopped after Ctrl-C" bash -c "! kill -0 '$pid'"
	# a data root on overlayfs: overlay2 cannot work there, vfs does
	OV=$T_TMP/ovl
	mkdir -p "$OV/l" "$OV/u" "$OV/w" "$OV/m"
	if mount -t overlay overlay -o "lowerdir=$OV/l,upperdir=$OV/u,workdir=$OV/w" "$OV/m" 2> /dev/null; then
		DOCKER_HOST=$NOWHERE "$TOP/mk/private-dockerd" "$OV/m/d" docker info --format '{{.Driver}}' > "$T_TMP/pd.out" 2> "$T_TMP/pd.err"
		expect "private dockerd on overlayfs: falls back to vfs" vfs "$(cat "$T_TMP/pd.out")"
		check "... and says so" grep -q "overlay2 did not work on $OV/m/d/data" "$T_TMP/pd.err"
		check "... and leaves no mount behind" bash -c "! grep -q ' $OV/m/d' /proc/self/mountinfo"
		umount "$OV/m"
	else
		skip "private dockerd on overlayfs" "cannot mount an overlayfs here"
	fi
else
	skip "private dockerd" "needs root and dockerd"
fi
summary
