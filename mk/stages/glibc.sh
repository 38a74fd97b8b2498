# glibc: copy RUNTIME_FROM_BUILDER (default sys-libs/glibc) from the
# builder into ROOT by the builder's VDB, and of RUNTIME_LIBS_FROM_BUILDER
# (e.g. sys-devel/gcc: libstdc++, libgcc_s) the shared libraries only, each
# with its VDB entry so that the soname check of the finish stage sees what
# they provide. A package ROOT already has is skipped.
. /scratchmerge/stages/common.sh
rm -f /var/lib/scratchmerge/from-builder

# atoms PKG: the builder's CAT/PF for PKG, unless ROOT has it
atoms() {
	if vdb --root "$ROOT_DIR" list "$1" > /dev/null 2>&1; then
		note "$1 is installed in ROOT already: skipped" >&2
		return 0
	fi
	vdb list "$1"
}
copy_vdb_entry() {
	(cd / && find "var/db/pkg/$1" -print0) | copyfiles -0 --from / --to "$ROOT_DIR"
}

for pkg in $SM_RUNTIME_FROM_BUILDER; do
	for a in $(atoms "$pkg"); do
		note "copying $a from the builder"
		mkdir -p /var/lib/scratchmerge && echo "$a whole" >> /var/lib/scratchmerge/from-builder
		vdb -0 files "$a" | copyfiles -0 -v --from / --to "$ROOT_DIR"
		copy_vdb_entry "$a"
	done
done
for pkg in $SM_RUNTIME_LIBS_FROM_BUILDER; do
	for a in $(atoms "$pkg"); do
		note "copying the shared libraries of $a from the builder"
		mkdir -p /var/lib/scratchmerge && echo "$a libs" >> /var/lib/scratchmerge/from-builder
		vdb files --type obj,sym "$a" | while IFS= read -r f; do
			case ${f##*/} in
			*.so | *.so.*) printf '%s\n' "$f" ;;
			esac
		done | copyfiles -v --from / --to "$ROOT_DIR"
		copy_vdb_entry "$a"
	done
done
