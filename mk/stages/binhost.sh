# binhost: the binary package cache (the volume at PKGDIR, shared by every
# image of this engine) made a binhost: Portage writes its index anew
# (emaint binhost --fix: bintree's Packages, each package with its MD5,
# SHA1, SIZE, PATH, USE), then mk/run-stage exports PKGDIR as it is and
# mk/binhost-dir puts it on the host (make binhost, images/NAME/binhost).
. /scratchmerge/stages/common.sh
PKGDIR=/var/cache/binpkgs
note "emaint binhost --fix ($PKGDIR)"
emaint binhost --fix
if [ ! -f "$PKGDIR/Packages" ]; then
	echo "*** the binary package cache is empty: build an image first (make images/NAME); its packages land there" >&2
	exit 1
fi
n=$(grep -c '^CPV: ' "$PKGDIR/Packages" || true)
note "Packages lists $n binary packages:"
sed -n 's/^CPV: /    /p' "$PKGDIR/Packages"
