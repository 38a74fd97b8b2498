# Golden tests for `uselint`: messages, summary and exit codes on the
# real-format md5-cache fixture (tests/fixtures/lint).
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$TOP/tests/fixtures/lint/." "$tmp/"
cd "$tmp"
# today's tree: nginx-1.26.3 (the last ebuild with ssl, http2, pcre) is gone
cp -a repo today && rm today/metadata/md5-cache/www-servers/nginx-1.26.3
# Portage skips hidden files and backups in package.use directories
echo 'www-servers/nginx hidden' > errors/package.use/.hidden
echo 'www-servers/nginx backup' > errors/package.use/10-nginx~
U="$BIN/uselint"

golden uselint-clean          $U --repo repo --package-use nginx-fixed/package.use \
	--use "-ipv6 -X -doc -examples" --use-origin "images/nginx/Makefile: NGINX_USE" \
	--as nginx-fixed=images/nginx/portage
golden uselint-shipped-nginx  $U --repo today --package-use shipped-nginx/package.use \
	--use "-ipv6 -X -doc -examples" --as shipped-nginx=images/nginx/portage
golden uselint-errors         $U --repo repo --package-use errors/package.use \
	--use "-ipv6 ipv5 fpm -* -X" --use-origin "images/demo/Makefile: DEMO_USE" \
	--as errors/package.use/sub=images/demo/portage/package.use/sub
golden uselint-global-only    $U --repo repo --use "fpm -examples"
golden uselint-usage          $U
golden uselint-usage-as       $U --use x --as nothing
golden uselint-usage-arg      $U --use x extra
golden uselint-no-repo        $U --repo nothing --use x
golden uselint-no-package-use $U --repo repo --package-use nothing
cp -a repo broken && printf 'EAPI=8\nnot a key line\n' > broken/metadata/md5-cache/dev-lang/php-8.4.21
golden uselint-broken-entry   $U --repo broken --package-use nginx-fixed/package.use

# The shipped recipes against today's real md5-cache entries of the packages
# they name (tests/fixtures/gentoo-repo, copied verbatim from
# gentoo-mirror/gentoo): every USE flag of their package.use and USE, and
# every atom of PACKAGES, PROVIDED (as =CAT/PN-VERSION) and
# RUNTIME_LIBS_FROM_BUILDER must match an ebuild of the tree (images/base:
# its atoms and its package.use, as for the others).
mkvar() {	# mkvar VAR: an image variable as make sees it
	env -u MAKEFLAGS -u MAKELEVEL make -s -C "$TOP" --no-print-directory IMAGE_DIRS=images \
		--eval 'print-%: ; @echo $($*)' "print-$1"
}
# A child's /etc/portage is its parents' portage/ with its own over it
# (mk/stages.mk, portage.INHERIT): its lint reads them together, and names
# a parent's file by its own path (mk/inherited-files).
ancestors() {	# ancestors IMG: its PARENT chain, the furthest first
	local p
	p=$(mkvar "$(echo "$1" | tr a-z A-Z)_PARENT")
	[ -z "$p" ] || { ancestors "$p"; echo "$p"; }
}
for img in base php nginx; do
	V=$(echo "$img" | tr a-z A-Z)
	mkdir -p "recipe-$img/portage"
	as=()
	for a in $(ancestors "$img") "$img"; do
		[ ! -d "$TOP/images/$a/portage" ] || cp -r "$TOP/images/$a/portage/." "recipe-$img/portage/"
	done
	while IFS='=' read -r rel file; do
		as+=(--as "recipe-$img/portage/$rel=${file#"$TOP"/}")
	done < <(cd "$TOP" && mk/inherited-files $(for a in $(ancestors "$img") "$img"; do echo "$TOP/images/$a/portage"; done))
	{
		for a in $(mkvar "${V}_PACKAGES") $(mkvar "${V}_RUNTIME_LIBS_FROM_BUILDER"); do echo "$a"; done
		for a in $(mkvar "${V}_PROVIDED"); do echo "=$a"; done
	} > "recipe-$img/atoms"
	golden "uselint-recipe-$img" $U --repo "$TOP/tests/fixtures/gentoo-repo" \
		--package-use "recipe-$img/portage/package.use" --package-use "recipe-$img/atoms" \
		--use "$(mkvar "${V}_USE")" --use-origin "images/$img/Makefile: ${V}_USE" \
		"${as[@]}" --as "recipe-$img/portage=images/$img/portage" --as "recipe-$img/atoms=images/$img/Makefile"
done

# The shipped recipes' atoms as uselint --packages/--provided/--unmerge
# check them (the framework's command line): every atom matches the
# tree, and a version of each package is visible by KEYWORDS on amd64 and
# arm64 with the image's package.accept_keywords.
for img in base php nginx; do
	V=$(echo "$img" | tr a-z A-Z)
	akw=()
	[ ! -e "$TOP/images/$img/portage/package.accept_keywords" ] ||
		akw=(--accept-keywords "$TOP/images/$img/portage/package.accept_keywords")
	for arch in amd64 arm64; do
		golden "uselint-atoms-$img-$arch" $U --repo "$TOP/tests/fixtures/gentoo-repo" \
			--packages "$(mkvar "${V}_PACKAGES")" --packages-origin "images/$img/Makefile: ${V}_PACKAGES" \
			--provided "$(mkvar "${V}_PROVIDED")" --provided-origin "images/$img/Makefile: ${V}_PROVIDED" \
			--unmerge "$(mkvar "${V}_UNMERGE")" --unmerge-origin "images/$img/Makefile: ${V}_UNMERGE" \
			--arch "$arch" "${akw[@]}" --as "$TOP/images/$img/portage=images/$img/portage"
	done
done
# without its package.accept_keywords, php has no visible version: what to add
golden uselint-keywords-unaccepted $U --repo "$TOP/tests/fixtures/gentoo-repo" \
	--packages "dev-lang/php:8.4 www-servers/nginx sys-devel/gcc:15" --packages-origin "images/php/Makefile: PHP_PACKAGES" \
	--arch amd64 --as /etc/portage=images/php/portage
# no keyword for the arch at all: only "**" accepts it
golden uselint-keywords-unkeyworded $U --repo "$TOP/tests/fixtures/gentoo-repo" --arch m68k \
	--packages "dev-lang/php:8.4" --keywords "m68k ~m68k"
golden uselint-atoms-errors $U --repo "$TOP/tests/fixtures/gentoo-repo" \
	--packages "dev-lang/phpp:8.4 dev-lang/php[fpm] www-servers/nginx:mainline dev-lang/php-8.4.21" \
	--packages-origin "images/php/Makefile: PHP_PACKAGES" \
	--provided "=virtual/mta-1-r2 virtual/mta virtual/mtaa-1-r2 virtual/mta-2 app-eselect/eselect-php:0" \
	--unmerge "app-shells/bassh app-shells/bash-5.3_p3 bassh <sys-devel/gcc-16"
golden uselint-usage-keywords $U --packages dev-lang/php --accept-keywords x
golden_summary
