# The helpers' build against its compiler and flags (git's GIT-CFLAGS):
# $(O)/.cflags is rewritten only when they change, and every object and
# tool depends on it. One small tool, in a build directory of its own.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MK=(env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$TOP" --no-print-directory O="$tmp")
built() { grep -c '^  CC ' "$tmp/out" || true; }
step() {	# step NAME WANT MAKE-ARGS...
	local name=$1 want=$2
	shift 2
	"${MK[@]}" "$@" "$tmp/bin/copyfiles" > "$tmp/out" 2>&1
	if [ "$(built)" "$want" 0 ]; then
		echo "ok   $name"
		g_pass=$((g_pass + 1))
	else
		echo "FAIL $name"
		sed 's/^/     | /' "$tmp/out" | tail -5
		g_fail=$((g_fail + 1))
	fi
}
step "a first build compiles" -gt
step "a second one compiles nothing" -eq
step "another CFLAGS compiles again (make CFLAGS=-O0)" -gt CFLAGS=-O0
step "the same CFLAGS again: nothing" -eq CFLAGS=-O0
step "back to the default: compiles again" -gt
golden_summary
