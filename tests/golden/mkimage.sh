# Golden tests for `mkimage --check`: image.yaml validated alone, before
# any build, with the messages and exit codes of a build.
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"
M="$BIN/mkimage"
printf 'entrypoint: ["/usr/sbin/php-fpm", "-F"]\nenv:\n  PATH: /usr/bin\nexpose: [9000]\n' > good.yaml
printf 'entrypoint: ["/usr/sbin/php-fpm"]\nenv:\n\tPATH: /usr/bin\n' > tab.yaml
printf 'entrypoint: ["/usr/sbin/php-fpm"]\nexpose: [http]\n' > bad.yaml

golden mkimage-check-ok       $M --config good.yaml --check
golden mkimage-check-tab      $M --config tab.yaml --check
golden mkimage-check-bad      $M --config bad.yaml --check
golden mkimage-check-missing  $M --config nothing.yaml --check
golden mkimage-check-no-config $M --check
golden_summary
