# Golden-test helpers (sourced): each case runs a command, captures stdout,
# stderr and the exit code, and diffs them against tests/golden/expected/.
# GOLDEN_UPDATE=1 rewrites the expected files instead (review the diff!).
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
O=${O:-build}
case $O in /*) ;; *) O=$TOP/$O ;; esac
BIN=$O/bin
EXPECTED=$TOP/tests/golden/expected
g_pass=0 g_fail=0

# golden NAME CMD...: run CMD (in $PWD), compare with expected/NAME
golden() {
	local name=$1 out
	shift
	out=$(mktemp)
	{
		"$@" 2>&1
		echo "[exit $?]"
	} > "$out"
	if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$out" "$EXPECTED/$name"
	fi
	if diff -u "$EXPECTED/$name" "$out" > "$out.diff" 2>&1; then
		echo "ok   $name"
		g_pass=$((g_pass + 1))
	else
		echo "FAIL $name"
		cat "$out.diff"
		g_fail=$((g_fail + 1))
	fi
	rm -f "$out" "$out.diff"
}

golden_summary() {
	echo "golden: $g_pass passed, $g_fail failed"
	[ "$g_fail" -eq 0 ]
}
