# Shared by the benchmarks (sourced). Every figure is the median of
# several runs, measured side by side with the alternatives in the same
# run; results go to $REPORT as markdown.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
O=${O:-$TOP/build}
BIN=$O/bin
WORK=${BENCH_DIR:-/tmp/sm-bench}
REPORT=${REPORT:-$TOP/bench/last-run.md}
RUNS=${RUNS:-5}
mkdir -p "$WORK"

need() {
	for t in "$@"; do
		command -v "$t" > /dev/null || { echo "bench: needs $t (make deps installs it)" >&2; exit 1; }
	done
}
need hyperfine jq

# hf NAME RUNS PREPARE CMD...: hyperfine, the median (s) into $WORK/NAME.median
hf() {
	local name=$1 runs=$2 prep=$3
	shift 3
	local args=(--runs "$runs" --export-json "$WORK/$name.json" --style basic)
	[ -n "$prep" ] && args+=(--prepare "$prep")
	hyperfine "${args[@]}" "$@" > "$WORK/$name.hf" 2>&1 || { cat "$WORK/$name.hf"; return 1; }
	jq -r '.results[0].median' "$WORK/$name.json" > "$WORK/$name.median"
}
# med NAME, ratio NAME OVER: a figure not measured is said so in the
# report (and on stderr), never printed as 0 or inf
measured() {
	local f
	for f; do
		[ -s "$WORK/$f.median" ] || { echo "bench: $f was not measured" >&2; printf '(%s not measured)' "$f"; return 1; }
	done
}
med() { measured "$1" && printf '%.3f' "$(cat "$WORK/$1.median")"; }
ratio() { measured "$1" "$2" && awk -v a="$(cat "$WORK/$1.median")" -v b="$(cat "$WORK/$2.median")" 'BEGIN { printf "%.2f", a / b }'; }
report() { printf '%s\n' "$*" >> "$REPORT"; }
# peak RSS in MB of a command
peak_mb() { /usr/bin/time -f %M "$@" 2>&1 > /dev/null | tail -1 | awk '{ printf "%.1f", $1 / 1024 }'; }
