# parent: the image starts where its PARENT ended. mk/run-stage uploaded
# the parent's final ROOT into /destination and what its stages saved
# into /var/lib/scratchmerge/parent; its VDB goes back under ROOT, so that
# Portage takes the parent's packages as installed in ROOT and emerges
# none of them again (a ROOT's installed packages are its /var/db/pkg).
. /scratchmerge/stages/common.sh
saved=/var/lib/scratchmerge/parent
[ -d "$saved/vdb/var/db/pkg" ] || { echo "*** parent: the parent's saved VDB is missing ($saved/vdb)" >&2; exit 1; }
mkdir -p "$ROOT_DIR/var/db/pkg"
cp -a "$saved/vdb/var/db/pkg/." "$ROOT_DIR/var/db/pkg/"
note "on $SM_PARENT: $(ls -d "$ROOT_DIR"/var/db/pkg/*/* | sed "s|^$ROOT_DIR/var/db/pkg/||" | paste -sd' ')"
rm -rf "$saved"
