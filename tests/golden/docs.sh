# The README against what make says: every target `make help` lists is in
# the README's Targets table, and so is every action and check of
# mk/stages.mk (images/NAME/ACTION); every image variable the stages read
# is in its Variables table and in make help.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
help=$(env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory -s help 2> /dev/null)
readme=$TOP/README.md
# the targets: the first word of each "## target  text" help line
targets=$(cat Makefile mk/*.mk | sed -n 's/^## \([a-z][^ ]*\) .*/\1/p' | sort -u)
actions=$(printf '%s\n' "$help" | sed -n '/^Actions/,/^[A-Z]/s/^  \([a-z-]*\): .*/images\/NAME\/\1/p')
missing=
for t in $targets $actions; do
	grep -q "^| .*\`make $t[\` ]" "$readme" || missing="$missing $t"
done
if [ -z "$missing" ] && [ -n "$targets" ]; then
	echo "ok   every target of make help is in the README's Targets table ($(echo $targets $actions | wc -w))"
	g_pass=$((g_pass + 1))
else
	echo "FAIL the README's Targets table lacks:${missing:- (make help listed nothing)}"
	g_fail=$((g_fail + 1))
fi
vars=$(env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory -s --eval 'print-vars: ; @echo $(IMAGE_VARS)' print-vars 2> /dev/null)
missing=
for v in $vars; do
	grep -q "^| \`$v\`" "$readme" || grep -q "^| \`$v\` / " "$readme" || grep -q "/ \`$v\` |" "$readme" || missing="$missing $v"
done
if [ -z "$missing" ] && [ -n "$vars" ]; then
	echo "ok   every image variable is in the README's Variables table ($(echo $vars | wc -w))"
	g_pass=$((g_pass + 1))
else
	echo "FAIL the README's Variables table lacks:${missing:- (no variables from make)}"
	g_fail=$((g_fail + 1))
fi
# make help's list: "  VAR   text" (two may share a line: "VAR1 VAR2   text")
listed=$(printf '%s\n' "$help" | sed -n 's/^  \([A-Z][A-Z_0-9]*\)\( [A-Z][A-Z_0-9]*\)\{0,1\} .*/\1\2/p')
missing=
for v in $vars; do
	case " $(echo $listed) " in *" $v "*) ;; *) missing="$missing $v" ;; esac
done
if [ -z "$missing" ] && [ -n "$vars" ]; then
	echo "ok   make help lists every image variable ($(echo $vars | wc -w))"
	g_pass=$((g_pass + 1))
else
	echo "FAIL make help's list of image variables lacks:${missing:- (no variables from make)}"
	g_fail=$((g_fail + 1))
fi
golden_summary
