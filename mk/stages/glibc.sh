# glibc: copy RUNTIME_FROM_BUILDER (default sys-libs/glibc) from the
# builder into ROOT by the builder's VDB, with its VDB entry, unless ROOT
# already has the package.
. /scratchmerge/stages/common.sh
for pkg in $SM_RUNTIME_FROM_BUILDER; do
	if vdb --root "$ROOT_DIR" list "$pkg" > /dev/null 2>&1; then
		note "$pkg is installed in ROOT already: skipped"
		continue
	fi
	atoms=$(vdb list "$pkg")
	note "copying $(echo $atoms) from the builder"
	vdb -0 files $atoms | copyfiles -0 -v --from / --to "$ROOT_DIR"
	for a in $atoms; do
		(cd / && find "var/db/pkg/$a" -print0) | copyfiles -0 --from / --to "$ROOT_DIR"
	done
done
