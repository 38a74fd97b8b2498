# arm64 builders on this x86-64 machine (issue 16): containers of
# linux/arm64 under qemu-user emulation, registered for the run by
# tests/integration/binfmt and put back as they were found; the arm64
# fixture builder (mkfixture docker linux/arm64), the cross-compiled static
# helpers inside it, the emerge double's per-architecture files, and
# mk/platform-check with its how-to messages (real engine and binfmt_misc,
# and a fake engine and binfmt_misc directories for each diagnosis).
. "$(dirname "$0")/lib.sh"

BF=$TOP/tests/integration/binfmt
PC=$TOP/mk/platform-check
FIX=$TOP/tests/fixtures/builder/mkfixture
A64=scratchmerge-fixture/stage3:test-arm64
X64=scratchmerge-fixture/stage3:test
RUN=(docker run --rm --network none)

# --- platform-check's diagnoses: a fake engine, fake binfmt_misc states ---
FAKE=$T_TMP/fake
mkdir -p "$FAKE"
printf '#!/bin/sh\necho "exec /bin/true: exec format error" >&2\nexit 1\n' > "$FAKE/engine"
printf '#!/bin/sh\nexit 0\n' > "$FAKE/ok"
chmod +x "$FAKE/engine" "$FAKE/ok"
mkdir -p "$T_TMP/formats" "$T_TMP/noformats" "$T_TMP/bm-none" "$T_TMP/bm-off" "$T_TMP/bm-noent" "$T_TMP/bm-noF" "$T_TMP/bm-ok"
: > "$T_TMP/formats/qemu-aarch64"
for d in bm-off bm-noent bm-noF bm-ok; do echo enabled > "$T_TMP/$d/status"; done
printf 'disabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n' > "$T_TMP/bm-off/qemu-aarch64"
printf 'enabled\ninterpreter /usr/bin/qemu-aarch64\nflags: P\n' > "$T_TMP/bm-noF/qemu-aarch64"
printf 'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n' > "$T_TMP/bm-ok/qemu-aarch64"
# pc BINFMT_MISC BINFMTS PLATFORM: the fake engine's run, rc and message in $T_TMP/pc.out
pc() {
	BINFMT_MISC=$T_TMP/$1 BINFMTS=$T_TMP/$2 "$PC" "$FAKE/engine" "$3" some/image > "$T_TMP/pc.out" 2>&1
}
howto() { sed -n '/^To fix it/,/^(/p' "$T_TMP/pc.out" | sed '1d;$d' | sed 's/^  //' | paste -sd'|'; }
"$PC" "$FAKE/ok" linux/arm64 some/image > "$T_TMP/pc.out" 2>&1
expect "platform-check: a container that runs: exit 0" 0 "$?"
expect "platform-check: ... and silent" "" "$(cat "$T_TMP/pc.out")"
pc bm-none formats linux/arm64
expect "platform-check, binfmt_misc not mounted: exit 1" 1 "$?"
check "platform-check: shows the engine's error" grep -qx "  | exec /bin/true: exec format error" "$T_TMP/pc.out"
expect "platform-check, not mounted: mount, then register" \
	"mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc|update-binfmts --enable qemu-aarch64" "$(howto)"
pc bm-noent formats linux/arm64
expect "platform-check, not registered: update-binfmts --enable" "update-binfmts --enable qemu-aarch64" "$(howto)"
pc bm-off formats linux/arm64
expect "platform-check, registered but disabled: echo 1 (update-binfmts --enable would not)" \
	"echo 1 > /proc/sys/fs/binfmt_misc/qemu-aarch64" "$(howto)"
pc bm-noF formats linux/arm64
expect "platform-check, no F flag: register Debian's entry again" \
	"update-binfmts --disable qemu-aarch64 && update-binfmts --enable qemu-aarch64" "$(howto)"
check "platform-check, no F flag: says why containers need it" grep -q "without the F flag (flags: P): a container has no /usr/bin/qemu-aarch64" "$T_TMP/pc.out"
pc bm-none noformats linux/arm64
expect "platform-check, qemu-user-static not installed: install, mount, register" \
	"apt-get install qemu-user-static binfmt-support|mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc|update-binfmts --enable qemu-aarch64" "$(howto)"
pc bm-ok formats linux/arm64
expect "platform-check, emulation in place: exit 1" 1 "$?"
check "platform-check, emulation in place: says the failure is not emulation" grep -q "the failure above is not emulation" "$T_TMP/pc.out"
pc bm-none formats linux/amd64
check "platform-check, the machine's own platform: no how-to" bash -c "grep -q 'own architecture (x86_64): not an emulation problem' '$T_TMP/pc.out' && ! grep -q '^To fix it' '$T_TMP/pc.out'"
"$PC" "$FAKE/engine" arm64 some/image > /dev/null 2>&1
expect "platform-check: a PLATFORM without its OS is a usage error" 2 "$?"

# --- the cross-compiled helpers, on the host ---
# (readelf, of binutils, which gcc brings: file(1) is not on a minimal
# Debian, and make deps does not install it)
for t in vdb copyfiles uselint; do
	check "bin-static-arm64/$t: a static aarch64 executable (no program interpreter)" bash -c \
		"readelf -h '$O/bin-static-arm64/$t' | grep -qE 'Machine:[[:space:]]+AArch64' &&
		 readelf -l '$O/bin-static-arm64/$t' > '$T_TMP/phdrs' && ! grep -q INTERP '$T_TMP/phdrs'"
done

# --- engine and emulation ---
if ! have docker; then
	skip "arm64 containers" "no docker engine answers (make check starts one as root)"
	summary
	exit
fi
if [ "$(id -u)" -ne 0 ] || ! have update-binfmts || ! have qemu-aarch64-static || [ "$(uname -m)" != x86_64 ]; then
	skip "arm64 containers" "needs root, qemu-user-static and binfmt-support on x86-64 (make check installs them)"
	summary
	exit
fi
# binfmt_misc is the machine's: one run at a time holds qemu-aarch64 up
exec 9> /tmp/scratchmerge-binfmt.lock
flock -w 900 9 || { echo "arm64.sh: /tmp/scratchmerge-binfmt.lock is held by another run"; exit 1; }
ST=$T_TMP/binfmt.state
trap '"$BF" down "$ST"; tmp_cleanup' EXIT
before=$("$BF" state)
check "binfmt up: qemu-aarch64 registered and enabled (was: $before)" "$BF" up "$ST"
expect "binfmt up: enabled, with the F flag" "binfmt_misc mounted=yes qemu-aarch64=enabled flags=PF" "$("$BF" state)"

# --- the arm64 fixture builder ---
docker rmi "$A64" > /dev/null 2>&1
"$FIX" docker linux/arm64 > "$T_TMP/fix1" 2>&1
expect "mkfixture docker linux/arm64: exit 0" 0 "$?"
check "mkfixture linux/arm64: the first call imports $A64" grep -qx "mkfixture: imported $A64 into docker" "$T_TMP/fix1"
"$FIX" docker linux/arm64 > "$T_TMP/fix2" 2>&1
expect "mkfixture linux/arm64, second call: imports nothing" "" "$(cat "$T_TMP/fix2")"
expect "mkfixture: the debs are kept in \$O/debs" 2 "$(find "$O/debs" -name '*_arm64.deb' | grep -c -e busybox-static_ -e libc-bin_)"
expect "the image config says linux/arm64" "linux/arm64" "$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$A64")"
expect "uname -m in the arm64 stage3: aarch64" aarch64 "$("${RUN[@]}" --platform linux/arm64 "$A64" uname -m 2>&1)"
expect "its glibc's PROVIDES: Portage's arm_64 category" "arm_64: ld-linux-aarch64.so.1 libc.so.6" \
	"$("${RUN[@]}" --platform linux/arm64 "$A64" cat /var/db/pkg/sys-libs/glibc-2.36-r99/PROVIDES 2>&1)"
# the loader, found through /lib/ld-linux-aarch64.so.1 as every program finds it
check "the arm64 loader runs (ld.so --version)" \
	bash -c "${RUN[*]} --platform linux/arm64 $A64 /lib/ld-linux-aarch64.so.1 --version | grep -q 'ld.so (Debian GLIBC'"

# the tree (one image for both platforms), for the emerge double
c=$(docker create scratchmerge-fixture/portage:test /none) && docker cp "$c:/var/db/repos/gentoo" "$T_TMP/tree" && docker rm "$c" > /dev/null
TREE=(-v "$T_TMP/tree:/var/db/repos/gentoo:ro")

# --- the cross-compiled helpers, in the arm64 builder ---
H=(-v "$O/bin-static-arm64:/sm:ro")
"${RUN[@]}" --platform linux/arm64 "${H[@]}" "${TREE[@]}" "$A64" /sm/uselint --repo /var/db/repos/gentoo --use "ipv6 greeting" > "$T_TMP/u.out" 2>&1
expect "arm64 uselint in the arm64 builder: the tree's flags pass" 0 "$?"
"${RUN[@]}" --platform linux/arm64 "${H[@]}" "${TREE[@]}" "$A64" /sm/uselint --repo /var/db/repos/gentoo --use "ipv7" > "$T_TMP/u.out" 2>&1
expect "arm64 uselint: an unknown flag fails" 1 "$?"
check "arm64 uselint: names the flag" grep -q "USE flag 'ipv7' is neither in profiles/use.desc" "$T_TMP/u.out"
# vdb and copyfiles open every path with openat2 (RESOLVE_IN_ROOT,
# RESOLVE_NO_SYMLINKS) where it exists, else with path_openat2's userspace
# walk: Debian 12's qemu-user (7.2) answers ENOSYS, and they work anyway,
# without SCRATCHMERGE_NO_OPENAT2
cat > "$T_TMP/probe.c" << 'EOF'
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY, .resolve = RESOLVE_IN_ROOT };
	if (syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how)) < 0 && errno == ENOSYS) {
		puts("ENOSYS");
		return 1;
	}
	return 0;
}
EOF
aarch64-linux-gnu-gcc -static -O2 -o "$T_TMP/probe" "$T_TMP/probe.c"
qemu_v=$(qemu-aarch64-static --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
how="openat2"
qemu-aarch64-static "$T_TMP/probe" > /dev/null || how="the walk: qemu-user $qemu_v has no openat2"
"${RUN[@]}" --platform linux/arm64 "${H[@]}" "$A64" /sm/vdb list > "$T_TMP/v.out" 2>&1
check "arm64 vdb list in the arm64 builder ($how): sys-libs/glibc" grep -qx "sys-libs/glibc-2.36-r99" "$T_TMP/v.out"
# copyfiles through a symlinked parent (/lib -> usr/lib): the link, then the file
"${RUN[@]}" --platform linux/arm64 "${H[@]}" "$A64" sh -c \
	'mkdir -p /a/usr/lib /b && ln -s usr/lib /a/lib && echo copied > /a/usr/lib/f &&
	echo /lib/f | /sm/copyfiles --from /a --to /b && readlink /b/lib && cat /b/usr/lib/f' > "$T_TMP/c.out" 2>&1
expect "arm64 copyfiles in the arm64 builder ($how): /lib/f through /lib -> usr/lib" \
	"usr/lib|copied" "$(paste -sd'|' "$T_TMP/c.out")"
# copyfiles into a DEST whose /usr is a link out: refused, nothing written there
mkdir -p "$T_TMP/out-c"
"${RUN[@]}" --platform linux/arm64 "${H[@]}" -v "$T_TMP/out-c:/outside" "$A64" sh -c \
	'mkdir -p /a/usr/bin /b && echo x > /a/usr/bin/p && ln -s /outside /b/usr && echo /usr/bin/p | /sm/copyfiles --from /a --to /b' \
	> "$T_TMP/c.out" 2>&1
expect "arm64 copyfiles ($how): a link in DEST is refused (exit 1)" 1 "$?"
expect "arm64 copyfiles: nothing written through it" "" "$(ls -A "$T_TMP/out-c")"
# vdb unmerge of a package of a root (/lib -> usr/lib), with a link in the
# root that points out of it (/usr/share/out -> /outside, an absolute path
# that exists in the container but not in the root) and a victim there
# whose md5 and mtime CONTENTS records: only resolving inside the root
# keeps it
R=$T_TMP/root64
mkdir -p "$R/usr/lib" "$R/usr/share" "$R/var/db/pkg/app-misc/foo-1.0" "$T_TMP/out-u"
ln -s usr/lib "$R/lib"
ln -s /outside "$R/usr/share/out"
echo foo > "$R/usr/lib/libfoo.so.1"
echo victim > "$T_TMP/out-u/victim"
touch -d @1700000000 "$R/usr/lib/libfoo.so.1" "$T_TMP/out-u/victim"
printf 'dir /usr\ndir /usr/lib\nobj /lib/libfoo.so.1 %s 1700000000\nobj /usr/share/out/victim %s 1700000000\n' \
	"$(md5sum < "$R/usr/lib/libfoo.so.1" | cut -c1-32)" "$(md5sum < "$T_TMP/out-u/victim" | cut -c1-32)" \
	> "$R/var/db/pkg/app-misc/foo-1.0/CONTENTS"
"${RUN[@]}" --platform linux/arm64 "${H[@]}" -v "$R:/r" -v "$T_TMP/out-u:/outside" "$A64" \
	/sm/vdb --root /r unmerge -v app-misc/foo > "$T_TMP/un.out" 2>&1
expect "arm64 vdb unmerge in the arm64 builder ($how): exit 0" 0 "$?"
check "arm64 vdb unmerge: /lib/libfoo.so.1 removed through /lib -> usr/lib" \
	bash -c "grep -qx '<<<  *obj /lib/libfoo.so.1' '$T_TMP/un.out' && ! test -e '$R/usr/lib/libfoo.so.1'"
check "arm64 vdb unmerge: the victim behind the link out is not found in the root, and kept" \
	bash -c "grep -qx -- '--- !found  *obj /usr/share/out/victim' '$T_TMP/un.out' && test -f '$T_TMP/out-u/victim'"
check "arm64 vdb unmerge: the package's VDB entry is gone" test ! -e "$R/var/db/pkg/app-misc/foo-1.0"
# the machine's own static helpers run natively in the arm64 container
# (the kernel execs an x86-64 ELF as it is, whatever the image's arch)
H=(-v "$O/bin-static:/sm:ro")
"${RUN[@]}" --platform linux/arm64 "${H[@]}" "$A64" /sm/vdb list > "$T_TMP/v.out" 2>&1
check "x86-64 vdb list in the arm64 builder: sys-libs/glibc" grep -qx "sys-libs/glibc-2.36-r99" "$T_TMP/v.out"
"${RUN[@]}" --platform linux/arm64 "${H[@]}" "$A64" sh -c \
	'mkdir -p /a /b && echo copied > /a/f && echo /f | /sm/copyfiles --from /a --to /b && cat /b/f' > "$T_TMP/c.out" 2>&1
expect "x86-64 copyfiles in the arm64 builder: copies a file" copied "$(tail -1 "$T_TMP/c.out")"

# --- the emerge double picks the files of uname -m ---
"$FIX" docker > /dev/null 2>&1	# the amd64 fixture too (this test may run first)
"${RUN[@]}" --platform linux/arm64 "${TREE[@]}" "$A64" sh -c \
	'ROOT=/destination emerge --oneshot app-misc/hello > /dev/null && md5sum < /destination/usr/bin/hello | cut -d" " -f1 &&
	cat /destination/var/db/pkg/app-misc/hello-1.0-r1/REQUIRES && /destination/usr/bin/hello arm64' > "$T_TMP/e.out" 2>&1
expect "emerge (arm64): hello is the tree's aarch64 build" "$(md5sum < "$T_TMP/tree/app-misc/hello/arch/aarch64/image/usr/bin/hello" | cut -d' ' -f1)" "$(sed -n 1p "$T_TMP/e.out")"
expect "emerge (arm64): REQUIRES under arm_64" "arm_64: libc.so.6 libgcc_s.so.1" "$(sed -n 2p "$T_TMP/e.out")"
expect "emerge (arm64): the installed hello runs under emulation" \
	"hello from a FROM-scratch image (arm64) conf: no /etc/hello.conf" "$(sed -n 3p "$T_TMP/e.out")"
"${RUN[@]}" "${TREE[@]}" "$X64" sh -c \
	'ROOT=/destination emerge --oneshot app-misc/hello > /dev/null && md5sum < /destination/usr/bin/hello | cut -d" " -f1 &&
	cat /destination/var/db/pkg/app-misc/hello-1.0-r1/REQUIRES' > "$T_TMP/e.out" 2>&1
expect "emerge (amd64): hello is the tree's x86_64 build" "$(md5sum < "$T_TMP/tree/app-misc/hello/arch/x86_64/image/usr/bin/hello" | cut -d' ' -f1)" "$(sed -n 1p "$T_TMP/e.out")"
expect "emerge (amd64): REQUIRES under x86_64" "x86_64: libc.so.6 libgcc_s.so.1" "$(sed -n 2p "$T_TMP/e.out")"
mkdir -p "$T_TMP/tree2" && cp -a "$T_TMP/tree/." "$T_TMP/tree2/" && rm -rf "$T_TMP/tree2/app-misc/hello/arch/aarch64"
"${RUN[@]}" --platform linux/arm64 -v "$T_TMP/tree2:/var/db/repos/gentoo:ro" "$A64" sh -c \
	'ROOT=/destination emerge --oneshot app-misc/hello' > "$T_TMP/e.out" 2>&1
expect "emerge (arm64), a package with arch/ but no arch/aarch64: refused" 1 "$?"

# --- mk/platform-check against the real engine and binfmt_misc ---
E=/proc/sys/fs/binfmt_misc/qemu-aarch64
"$PC" docker linux/arm64 "$A64" > "$T_TMP/pc.out" 2>&1
expect "platform-check docker linux/arm64: passes with emulation" 0 "$?"
echo 0 > "$E"
"$PC" docker linux/arm64 "$A64" > "$T_TMP/pc.out" 2>&1
rc=$?
echo 1 > "$E"
expect "platform-check, qemu-aarch64 disabled: fails" 1 "$rc"
check "platform-check, disabled: the engine's exec format error" grep -q "exec format error" "$T_TMP/pc.out"
expect "platform-check, disabled: how to enable it" "echo 1 > /proc/sys/fs/binfmt_misc/qemu-aarch64" "$(howto)"
expect "qemu-aarch64 enabled again right after" enabled "$(head -1 "$E")"
echo -1 > "$E"
"$PC" docker linux/arm64 "$A64" > "$T_TMP/pc.out" 2>&1
rc=$?
update-binfmts --enable qemu-aarch64 > /dev/null 2>&1
expect "platform-check, qemu-aarch64 not registered: fails" 1 "$rc"
expect "platform-check, not registered: update-binfmts --enable" "update-binfmts --enable qemu-aarch64" "$(howto)"
expect "qemu-aarch64 registered again right after" "binfmt_misc mounted=yes qemu-aarch64=enabled flags=PF" "$("$BF" state)"
"$PC" docker linux/arm64 "$A64" > /dev/null 2>&1
expect "platform-check passes again" 0 "$?"

# --- binfmt puts the machine back as it was ---
# an entry surely not registered by anyone here: up registers, down unregisters
ST2=$T_TMP/binfmt-s390x.state
before_s390x=$("$BF" state qemu-s390x)
"$BF" up "$ST2" qemu-s390x > /dev/null 2>&1
expect "binfmt up qemu-s390x: registered it" "binfmt_misc mounted=yes qemu-s390x=enabled" "$("$BF" state qemu-s390x | cut -d' ' -f1-3)"
"$BF" down "$ST2" qemu-s390x
expect "binfmt up then down (qemu-s390x): as before" "$before_s390x" "$("$BF" state qemu-s390x)"
check "binfmt down (qemu-aarch64)" "$BF" down "$ST"
expect "binfmt down: binfmt_misc and qemu-aarch64 as before" "$before" "$("$BF" state)"
summary
