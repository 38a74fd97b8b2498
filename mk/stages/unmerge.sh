# unmerge: remove UNMERGE from ROOT by their CONTENTS (files another
# package still owns stay, emptied directories go, the VDB entry last).
# An atom that is not installed in ROOT is named and skipped: what gets
# pulled in varies with USE and the tree.
. /scratchmerge/stages/common.sh
atoms=
for a in $SM_UNMERGE; do
	if vdb --root "$ROOT_DIR" list "$a" > /dev/null 2>&1; then
		atoms="$atoms $a"
	else
		note "warning: $a is not installed in ROOT; nothing to unmerge for it"
	fi
done
[ -n "$atoms" ] || exit 0
note "unmerge$atoms"
# the sizes of what goes, for `make images/NAME/report`
mkdir -p /var/lib/scratchmerge
# shellcheck disable=SC2086 # a list of atoms
vdb --root "$ROOT_DIR" files --type obj $atoms | while IFS= read -r f; do
	[ -f "$ROOT_DIR$f" ] && printf '%s %s\n' "$(stat -c %s "$ROOT_DIR$f")" "$f"
done > /var/lib/scratchmerge/unmerge-sizes || true
# shellcheck disable=SC2086 # a list of atoms
vdb --root "$ROOT_DIR" unmerge $atoms
