# portage: the builder's /etc/portage for this image. The tree is mounted
# at /var/db/repos (a volume, mk/portage-tree) and the image's portage/
# files are in /etc/portage (copied in by mk/run-stage); this adds USE,
# MAKE_CONF, binary package caching and INSTALL_MASK so docs, man and info
# pages are never installed. The lint check (lint.sh) checks them next.
. /scratchmerge/stages/common.sh
mkdir -p /etc/portage
{
	echo
	echo "# --- scratchmerge ($SM_NAME) ---"
	[ -z "$SM_USE" ] || echo "USE=\"\${USE} $SM_USE\""
	echo 'FEATURES="${FEATURES} buildpkg binpkg-multi-instance -news"'
	# gpkg (GLEP 78), whatever the stage3's Portage defaults to: what
	# make binhost serves
	echo 'BINPKG_FORMAT="gpkg"'
	echo 'EMERGE_DEFAULT_OPTS="${EMERGE_DEFAULT_OPTS} --usepkg --binpkg-respect-use=y"'
	echo 'INSTALL_MASK="${INSTALL_MASK} /usr/share/doc /usr/share/man /usr/share/info /usr/share/gtk-doc"'
	echo 'PKGDIR="/var/cache/binpkgs"'
	echo 'DISTDIR="/var/cache/distfiles"'
	# MAKE_CONF: extra lines, ';'-separated
	printf '%s\n' "$SM_MAKE_CONF" | tr ';' '\n' | sed 's/^ *//'
} >> /etc/portage/make.conf
note "make.conf:"
cat /etc/portage/make.conf
