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
golden_summary
