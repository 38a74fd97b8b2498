# Golden tests for `copyfiles`: messages and exit codes.
. "$(dirname "$0")/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w"
mkdir -p src/usr/bin src/lib64 dst out
ln -s lib64 src/lib
echo x > src/usr/bin/tool
echo y > src/lib64/libc.so.6
C="$BIN/copyfiles --from src --to dst"

golden copyfiles-ok           bash -c "printf '/usr/bin/tool\n/lib/libc.so.6\n' | $C && find dst | sort && readlink dst/lib"
golden copyfiles-missing      bash -c "printf '/usr/bin/tool\n/usr/bin/nope\n' | $C"
golden copyfiles-ignore       bash -c "printf '/usr/bin/nope\n/usr/bin/tool\n' | $C --ignore-missing"
golden copyfiles-dotdot       bash -c "printf '/usr/../../etc/passwd\n' | $C"
rm -rf dst && mkdir dst && ln -s "$w/out" dst/usr
golden copyfiles-dest-symlink bash -c "printf '/usr/bin/tool\n' | $C; echo \"copyfiles exit \$?, files outside: \$(ls -A out | wc -l)\""
golden copyfiles-null         bash -c "printf 'usr/bin/tool\0' | $BIN/copyfiles -0 --from src --to out && ls out/usr/bin"
golden copyfiles-usage        $BIN/copyfiles --from src
golden_summary
