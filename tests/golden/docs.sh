# The README against what make says: every target `make help` lists is in
# the README's Targets table, and so is every action and check of
# mk/stages.mk (images/NAME/ACTION); every image variable the stages read
# is in its Variables table and in make help.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
help=$(env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory -s help 2> /dev/null)
readme=$TOP/README.md
# verdict LIST OK FAIL EMPTY: ok when nothing is $missing from a LIST that
# is not empty; else FAIL and what is missing (EMPTY: LIST was empty)
verdict() {
	if [ -z "$missing" ] && [ -n "$1" ]; then
		echo "ok   $2"
		g_pass=$((g_pass + 1))
	else
		echo "FAIL $3${missing:- ($4)}"
		g_fail=$((g_fail + 1))
	fi
}
# the targets: the first word of each "## target  text" help line
targets=$(cat Makefile mk/*.mk | sed -n 's/^## \([a-z][^ ]*\) .*/\1/p' | sort -u)
actions=$(printf '%s\n' "$help" | sed -n '/^Actions/,/^[A-Z]/s/^  \([a-z-]*\): .*/images\/NAME\/\1/p')
missing=
for t in $targets $actions; do
	grep -q "^| .*\`make $t[\` ]" "$readme" || missing="$missing $t"
done
verdict "$targets" "every target of make help is in the README's Targets table ($(echo $targets $actions | wc -w))" \
	"the README's Targets table lacks:" "make help listed nothing"
vars=$(env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory -s --eval 'print-vars: ; @echo $(IMAGE_VARS)' print-vars 2> /dev/null)
missing=
for v in $vars; do
	grep -q "^| \`$v\`" "$readme" || grep -q "^| \`$v\` / " "$readme" || grep -q "/ \`$v\` |" "$readme" || missing="$missing $v"
done
verdict "$vars" "every image variable is in the README's Variables table ($(echo $vars | wc -w))" \
	"the README's Variables table lacks:" "no variables from make"
# make help's list: "  VAR   text" (two may share a line: "VAR1 VAR2   text")
listed=$(printf '%s\n' "$help" | sed -n 's/^  \([A-Z][A-Z_0-9]*\)\( [A-Z][A-Z_0-9]*\)\{0,1\} .*/\1\2/p')
missing=
for v in $vars; do
	case " $(echo $listed) " in *" $v "*) ;; *) missing="$missing $v" ;; esac
done
verdict "$vars" "make help lists every image variable ($(echo $vars | wc -w))" \
	"make help's list of image variables lacks:" "no variables from make"
golden_summary
