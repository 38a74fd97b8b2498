# prune: delete PRUNE (globs under ROOT) except KEEP, run POST_PRUNE, and
# give ROOT a correct ld.so.cache (ldconfig -r).
. /scratchmerge/stages/common.sh
cd "$ROOT_DIR"

kept() {	# is ./$1 a KEEP path, inside one, or above one?
	for k in $SM_KEEP; do
		k=${k#/}
		case $1 in "$k" | "$k"/*) return 0 ;; esac
		case $k in "$1"/*) return 0 ;; esac
	done
	return 1
}

prune_path() {	# delete ./$1 unless kept; inside a kept parent, go entry by entry
	if ! kept "$1"; then
		rm -rf "./$1"
		echo "pruned /$1"
		# and the directories that held only it
		d=$(dirname "$1")
		[ "$d" = . ] || rmdir -p "$d" 2> /dev/null || true
	elif [ -d "$1" ] && [ ! -L "$1" ]; then
		for c in "$1"/* "$1"/.[!.]*; do
			[ -e "$c" ] || [ -L "$c" ] || continue
			prune_path "$c"
		done
	fi
}

set -f
for pattern in $SM_PRUNE; do
	set +f
	# shellcheck disable=SC2086 # the glob is meant to expand
	for p in ./${pattern#/}; do
		[ -e "$p" ] || [ -L "$p" ] || continue
		prune_path "${p#./}"
	done
	set -f
done
set +f

if [ -n "$SM_POST_PRUNE" ]; then
	note "POST_PRUNE: $SM_POST_PRUNE"
	(ROOT=$ROOT_DIR; export ROOT; eval "$SM_POST_PRUNE")
fi

mkdir -p etc
if [ ! -e etc/ld.so.conf ]; then
	for d in lib64 usr/lib64 lib usr/lib lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu usr/local/lib64 usr/local/lib; do
		[ -d "$d" ] && [ ! -L "$d" ] && echo "/$d"
	done > etc/ld.so.conf
fi
note "ldconfig -r $ROOT_DIR"
ldconfig -r "$ROOT_DIR"
