# lint: what the image names must exist in the tree, checked in seconds
# before anything is compiled (Portage ignores an unknown USE flag
# silently, and finds a misspelled atom only when it resolves the emerge):
# every flag of USE and portage/package.use* in the IUSE of what it names;
# every atom of PACKAGES matching an ebuild visible on the image's ARCH
# (KEYWORDS, with ACCEPT_KEYWORDS and portage/package.accept_keywords);
# PROVIDED as package.provided takes it, naming a package of the tree;
# UNMERGE naming one. Against the tree's metadata/md5-cache (uselint,
# README "The helpers"); each error names the image's own file and line.
# Runs in a throwaway container of the portage snapshot (its /etc/portage).
. /scratchmerge/stages/common.sh
set --
[ ! -e /etc/portage/package.use ] || set -- "$@" --package-use /etc/portage/package.use
[ ! -e /etc/portage/package.accept_keywords ] || set -- "$@" --accept-keywords /etc/portage/package.accept_keywords
# the ACCEPT_KEYWORDS of the builder's profile and make.conf, as Portage
# sees them (a builder without portageq: the ARCH's stable keyword)
if command -v portageq > /dev/null; then
	set -- "$@" --keywords "$(portageq envvar ACCEPT_KEYWORDS)"
fi
# a parent's file (mk/stages.mk, INHERIT) by its own path (before the
# image's /etc/portage: uselint takes the first --as that matches)
for m in ${SM_INHERITED_PORTAGE:-}; do set -- "$@" --as "/etc/portage/${m%%=*}=${m#*=}"; done
uselint --repo /var/db/repos/gentoo "$@" --arch "$SM_ARCH" \
	--use "$SM_USE" --use-origin "$SM_ORIGIN_USE: ${SM_IMG_VAR}_USE" \
	--packages "$SM_PACKAGES" --packages-origin "$SM_ORIGIN_PACKAGES: ${SM_IMG_VAR}_PACKAGES" \
	--provided "$SM_PROVIDED" --provided-origin "$SM_ORIGIN_PROVIDED: ${SM_IMG_VAR}_PROVIDED" \
	--unmerge "$SM_UNMERGE" --unmerge-origin "$SM_ORIGIN_UNMERGE: ${SM_IMG_VAR}_UNMERGE" \
	--as /etc/portage="$SM_IMG_DIR/portage"
