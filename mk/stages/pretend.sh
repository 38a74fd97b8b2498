# pretend: what `ROOT=/destination emerge` would merge for this image,
# without building (make images/NAME/pretend, from the world-rebuild
# snapshot, which is thrown away after). Prints emerge's list, then the
# packages for ROOT and for the builder, and sets ROOT's list against
# UNMERGE and PROVIDED.
. /scratchmerge/stages/common.sh
PATH=/scratchmerge/stages/noop:$PATH
write_provided
out=/tmp/scratchmerge-pretend
echo ">>> pretend: ROOT=$ROOT_DIR emerge --pretend --verbose --oneshot $SM_PACKAGES"
# shellcheck disable=SC2086 # a list of atoms
ROOT=$ROOT_DIR emerge --pretend --verbose --oneshot $SM_PACKAGES > "$out" 2>&1 || {
	cat "$out"
	exit 1
}
cat "$out"
# [ebuild  N    ] CAT/PF[:SLOT][::REPO] [to /destination/] USE="..." -> CAT/PF
pkgs() {	# pkgs root|builder
	sed -n 's/^\[[a-z]* [^]]*\] //p' "$out" | while read -r atom rest; do
		case " $rest " in
		*" to $ROOT_DIR/ "* | *" to $ROOT_DIR "*) where=root ;;
		*) where=builder ;;
		esac
		[ "$where" = "$1" ] && printf '%s\n' "${atom%%[:]*}"
	done
}
# cat/pn of a CAT/PF or of an atom with an operator, version or slot
pn() { printf '%s\n' "$1" | sed 's/^[<>=~]*//; s/:.*//; s/-[0-9][^/]*$//'; }
echo
echo "into ROOT ($ROOT_DIR):"
pkgs root | sed 's/^/    /'
echo "into the builder (build-time dependencies):"
pkgs builder | sed 's/^/    /'
installed=$(pkgs root | while read -r a; do pn "$a"; done)
for a in $SM_UNMERGE; do
	printf '%s\n' "$installed" | grep -qx "$(pn "$a")" ||
		echo "UNMERGE: $a will not be installed in ROOT: nothing to unmerge (drop it, or it is pulled only with other USE)"
done
for a in $SM_PROVIDED; do
	echo "PROVIDED: $a is taken as installed; Portage pulls nothing for it"
done
echo "(which of ROOT's packages nothing the entrypoint needs is known after a build: make $SM_IMG_DIR/report lists them as UNMERGE/PROVIDED candidates)"
