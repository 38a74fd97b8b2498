# unmerge: remove UNMERGE from ROOT by their CONTENTS (files another
# package still owns stay, emptied directories go, the VDB entry last).
. /scratchmerge/stages/common.sh
note "unmerge $SM_UNMERGE"
# shellcheck disable=SC2086 # a list of atoms
vdb --root "$ROOT_DIR" unmerge $SM_UNMERGE
