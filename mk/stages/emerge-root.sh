# emerge-root: the image's packages into an empty ROOT=/destination. With
# only ROOT set, SYSROOT is / (EAPI 7+): DEPEND and BDEPEND are satisfied
# in the builder, RDEPEND goes to ROOT; so no --root-deps (it has no effect
# for EAPI 7+ and drops DEPEND entirely for EAPI <= 6). PROVIDED atoms are
# taken as installed (package.provided), so ROOT does not pull them.
# BINHOST, when set, is a binary package repository (common.sh).
# A no-op eselect comes first in PATH: Portage's eselect modules cannot
# act on ROOT (php's postinst would fail with "invalid target php... for
# SAPI cli"); the finish stage's FINISH makes the links the image needs.
. /scratchmerge/stages/common.sh
PATH=/scratchmerge/stages/noop:$PATH
# acct-group.eclass's pkg_preinst runs `groupadd --prefix ROOT`, which needs
# ROOT/etc (images/FACTS.md F24); an acct-* package may be merged first
mkdir -p "$ROOT_DIR/etc"
write_provided
note "ROOT=$ROOT_DIR emerge --oneshot $SM_PACKAGES"
ROOT=$ROOT_DIR MAKEOPTS="-j$JOBS"
export ROOT MAKEOPTS
# shellcheck disable=SC2086 # a list of atoms
emerge_binhost --oneshot --jobs="$JOBS" --quiet-build=y $SM_PACKAGES
