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

# Before the VDB goes: every soname a package in ROOT requires must be
# provided by a package in ROOT, or the image would not start. What is
# missing is named with the package that needs it and the builder's
# package that provides it, and the line that copies it over.
missing=$(vdb --root "$ROOT_DIR" needs --missing --providers /)
if [ -n "$missing" ]; then
	echo "*** sonames required in ROOT but provided by no package in it:"
	printf '%s\n' "$missing" | sed 's/^/***   /'
	# the CAT/PN of each builder package named
	pkgs=$(printf '%s\n' "$missing" | sed -n 's/.*, provided in \/ by //p' | tr ',' '\n' |
		sed 's/^ *//; s/-[0-9][^/]*$//' | sort -u | paste -sd' ')
	if [ -n "$pkgs" ]; then
		# += where the Makefile sets it already, else :=
		case $SM_ORIGIN_RUNTIME_LIBS_FROM_BUILDER in "$SM_IMG_DIR/Makefile:"*) op="+=" ;; *) op=":=" ;; esac
		echo "*** to copy their shared libraries from the builder, add to $SM_IMG_DIR/Makefile (before \$(eval \$(image))):"
		echo "***   ${SM_IMG_VAR}_RUNTIME_LIBS_FROM_BUILDER $op $pkgs"
	fi
	echo "*** (or UNMERGE removed a library that is needed)"
	exit 1
fi
note "soname closure complete: every required library is in ROOT"

# keep ROOT's VDB and the sizes of ROOT's files outside
# ROOT before PRUNE deletes them (mk/sbom-attach and the report read them)
rm -rf /var/lib/scratchmerge/vdb /var/lib/scratchmerge/prune-sizes
mkdir -p /var/lib/scratchmerge/vdb/var/db/pkg
[ ! -d var/db/pkg ] || cp -a var/db/pkg/. /var/lib/scratchmerge/vdb/var/db/pkg/
find . -type f -exec stat -c '%s %n' {} + > /var/lib/scratchmerge/prune-sizes

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

# ld.so.conf: what ROOT has, plus every directory holding a shared
# library (the builder registers some, such as gcc's, through env.d,
# which does not come along)
mkdir -p etc
touch etc/ld.so.conf
find . \( -name '*.so' -o -name '*.so.[0-9]*' \) \( -type f -o -type l \) | sed 's|^\.||; s|/[^/]*$||' | sort -u |
	while IFS= read -r d; do
		[ -d ".$d" ] && [ ! -L ".$d" ] || continue
		grep -qx "$d" etc/ld.so.conf || echo "$d" >> etc/ld.so.conf
	done
note "ldconfig -r $ROOT_DIR"
ldconfig -r "$ROOT_DIR"
# ldconfig's aux-cache records the inodes and ctimes of this build's files:
# a different image digest every build, and nothing needs it at run time
rm -f var/cache/ldconfig/aux-cache
