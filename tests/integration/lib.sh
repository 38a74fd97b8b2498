# Integration-test helpers (sourced). A check is `check NAME CMD...` (passes
# when CMD exits 0) or `expect NAME WANT GOT`. A missing tool is a visible
# SKIP, never a silent pass; .ci/run installs every tool so CI never skips.
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
trap 'rm -rf "$T_TMP"' EXIT
