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
# RUNTIME_LIBS_FROM_BUILDER must match an ebuild of the tree.
mkvar() {	# mkvar VAR: an image variable as make sees it
	env -u MAKEFLAGS -u MAKELEVEL make -s -C "$TOP" --no-print-directory IMAGE_DIRS=images \
		--eval 'print-%: ; @echo $($*)' "print-$1"
}
for img in php nginx; do
	V=$(echo "$img" | tr a-z A-Z)
	mkdir -p "recipe-$img"
	{
		for a in $(mkvar "${V}_PACKAGES") $(mkvar "${V}_RUNTIME_LIBS_FROM_BUILDER"); do echo "$a"; done
		for a in $(mkvar "${V}_PROVIDED"); do echo "=$a"; done
	} > "recipe-$img/atoms"
	golden "uselint-recipe-$img" $U --repo "$TOP/tests/fixtures/gentoo-repo" \
		--package-use "$TOP/images/$img/portage/package.use" --package-use "recipe-$img/atoms" \
		--use "$(mkvar "${V}_USE")" --use-origin "images/$img/Makefile: ${V}_USE" \
		--as "$TOP/images/$img/portage=images/$img/portage" --as "recipe-$img/atoms=images/$img/Makefile"
done
golden_summary
