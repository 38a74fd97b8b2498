# Integration-test helpers (sourced). A check is `check NAME CMD...` (passes
# when CMD exits 0) or `expect NAME WANT GOT`. A missing tool is a visible
# SKIP, never a silent pass; make check installs every tool so CI never skips.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
O=${O:-build}
case $O in /*) ;; *) O=$TOP/$O ;; esac
BIN=$O/bin
t_pass=0 t_fail=0 t_skip=0
T_NAME=$(basename "$0" .sh)
PODMAN_RUN=(podman run --rm --runtime runc --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

check() {
	local name=$1
	shift
	if "$@" > "$T_TMP/check.out" 2>&1; then
		echo "ok   $name"
		t_pass=$((t_pass + 1))
	else
		echo "FAIL $name"
		sed 's/^/     | /' "$T_TMP/check.out" | tail -30
		t_fail=$((t_fail + 1))
	fi
}

expect() {	# expect NAME WANT GOT
	if [ "$2" = "$3" ]; then
		echo "ok   $1"
		t_pass=$((t_pass + 1))
	else
		echo "FAIL $1"
		printf '     | want: %s\n     | got:  %s\n' "$2" "$3"
		t_fail=$((t_fail + 1))
	fi
}

skip() {
	echo "SKIP $1: $2"
	t_skip=$((t_skip + 1))
}

# have TOOL: is it installed and (for engines) answering?
have() {
	case $1 in
	docker) command -v docker > /dev/null && docker info > /dev/null 2>&1 ;;
	podman) command -v podman > /dev/null ;;
	*) command -v "$1" > /dev/null ;;
	esac
}

summary() {
	echo "$T_NAME: $t_pass passed, $t_fail failed, $t_skip skipped"
	[ "$t_fail" -eq 0 ]
}

T_TMP=$(mktemp -d /tmp/sm-it-XXXXXX)
# tmp_cleanup: remove T_TMP, after unmounting what a test's dockerd left
# mounted below it (a data root bind-mounted on itself, seen in a chroot)
tmp_cleanup() {
	awk -v a="$T_TMP/" 'index($5, a) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount "$m" 2> /dev/null || umount -l "$m" 2> /dev/null; done
	if [ -n "${CV:-}" ]; then
		for e in docker podman; do
			have $e && $e volume rm -f "$CV-distfiles" "$CV-binpkgs" > /dev/null 2>&1
		done
	fi
	rm -rf "$T_TMP"
}
trap tmp_cleanup EXIT

# framework_setup: a private copy of the fixture images and a build
# directory for one test file (the helpers already built are reused), and
# the functions the framework tests share. Needs docker.
# build_dir DIR: a build directory (O=DIR) with the helpers already built
build_dir() { mkdir -p "$1" && cp -a "$O/bin" "$O/bin-static" "$O/obj" "$1/" 2> /dev/null; }
framework_setup() {
	"$TOP/tests/fixtures/builder/mkfixture" docker > /dev/null || { echo "mkfixture failed"; exit 1; }
	IMG=$T_TMP/images
	OUT=$T_TMP/out
	cp -a "$TOP/tests/images" "$IMG"
	build_dir "$OUT"
	# caches of its own: the fixture's binary packages stay out of the
	# user's scratchmerge-binpkgs (and an older fixture's out of the test)
	CV=scratchmerge-test-${T_TMP##*-}
	CACHES="CACHE_VOLUMES=$CV-distfiles:/var/cache/distfiles $CV-binpkgs:/var/cache/binpkgs"
	# a make of its own: not the -s, -j or jobserver of a `make check` around us
	MK=(env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$TOP" --no-print-directory IMAGE_DIRS="$IMG" O="$OUT"
		NETWORK=none "$CACHES")
	HELLO=$IMG/fx-hello
	# every stage and check of a cold build, in make's order (mk/stages.mk)
	ALL="config portage lint world-rebuild parent emerge-root glibc unmerge finish scratch"
	# what a change to USE or portage/ reruns (config reads neither)
	FROM_PORTAGE="portage lint world-rebuild parent emerge-root glibc unmerge finish scratch"
}
# sm TARGET [VAR=VALUE...]: run make, keep its output in $T_TMP/last
sm() {
	"${MK[@]}" "$@" > "$T_TMP/last" 2>&1
}
# ran IMAGE: the stages that ran in the last make, for one image (their
# first lines: ">>> IMAGE STAGE", or ">>> IMAGE STAGE (WHAT changed)")
ran() {
	sed -n "s/^>>> $1 \([a-z-]*\)\( (.*)\)\{0,1\}$/\1/p" "$T_TMP/last" | paste -sd' '
}
# ran_sorted IMAGE: the same, sorted (make -j runs checks beside stages)
ran_sorted() {
	ran "$1" | tr ' ' '\n' | sort | paste -sd' '
}
# snap IMAGE [OUT]: the snapshot repository of IMAGE in build directory OUT
snap() {
	echo "scratchmerge-$(cat "${2:-$OUT}/.sm-id" 2> /dev/null)/$1"
}
# containers IMAGE [docker ps flags]: names of IMAGE's stage containers in
# this build directory
containers() {
	local i=$1
	shift
	docker ps "$@" --format '{{.Names}}' --filter "label=org.scratchmerge.owner=$(cat "$OUT/.sm-id" 2> /dev/null)/$i" \
		--filter label=org.scratchmerge.role=work
}

# servers on loopback: free_port, tls_engine, registry
. "$TOP/tests/integration/servers"
