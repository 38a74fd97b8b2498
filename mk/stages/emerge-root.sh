# emerge-root: the image's packages into an empty ROOT=/destination, with
# their runtime dependencies only. A no-op eselect comes first in PATH:
# Portage's eselect modules cannot act on ROOT (php's postinst would fail
# with "invalid target php... for SAPI cli"); the prune stage's POST_PRUNE
# makes the links the image needs.
. /scratchmerge/stages/common.sh
PATH=/scratchmerge/stages/noop:$PATH
mkdir -p "$ROOT_DIR"
note "ROOT=$ROOT_DIR emerge --oneshot $SM_PACKAGES"
# shellcheck disable=SC2086 # a list of atoms
ROOT=$ROOT_DIR MAKEOPTS="-j$JOBS" emerge --oneshot --root-deps=rdeps \
	--jobs="$JOBS" --quiet-build=y $SM_PACKAGES
