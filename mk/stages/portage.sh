# portage: the builder's /etc/portage for this image. The tree is mounted
# at /var/db/repos (a volume, mk/portage-tree) and the image's portage/
# files are in /etc/portage (copied in by mk/run-stage); this adds USE,
# MAKE_CONF, binary package caching and INSTALL_MASK so docs, man and info
# pages are never installed.
. /scratchmerge/stages/common.sh
mkdir -p /etc/portage
{
	echo
	echo "# --- scratchmerge ($SM_NAME) ---"
	[ -z "$SM_USE" ] || echo "USE=\"\${USE} $SM_USE\""
	echo 'FEATURES="${FEATURES} buildpkg binpkg-multi-instance -news"'
	echo 'EMERGE_DEFAULT_OPTS="${EMERGE_DEFAULT_OPTS} --usepkg --binpkg-respect-use=y"'
	echo 'INSTALL_MASK="${INSTALL_MASK} /usr/share/doc /usr/share/man /usr/share/info /usr/share/gtk-doc"'
	echo 'PKGDIR="/var/cache/binpkgs"'
	echo 'DISTDIR="/var/cache/distfiles"'
	# MAKE_CONF: extra lines, ';'-separated
	printf '%s\n' "$SM_MAKE_CONF" | tr ';' '\n' | sed 's/^ *//'
} >> /etc/portage/make.conf
note "make.conf:"
cat /etc/portage/make.conf

# Every USE flag of the image must exist in the IUSE of what it names
# (Portage ignores the others silently): checked in seconds, before any
# compiling, against the tree's metadata/md5-cache; errors name the image's
# own file and line (uselint, README "The helpers").
pu=
[ ! -e /etc/portage/package.use ] || pu="--package-use /etc/portage/package.use"
# shellcheck disable=SC2086 # pu is one option and its argument, or nothing
uselint --repo /var/db/repos/gentoo $pu --use "$SM_USE" \
	--use-origin "$SM_IMG_DIR/Makefile: $SM_USE_VAR" --as /etc/portage="$SM_IMG_DIR/portage"
