# engine.sh: container-engine operations shared by mk/run-stage, mk/scratch
# and mk/portage-tree (sourced, bash). ENGINE is docker or podman; both take
# the same commands.
ENGINE=${ENGINE:-docker}

# engine_id REF: the image ID REF names, or nothing
engine_id() {
	"$ENGINE" image inspect --format '{{.Id}}' "$1" 2> /dev/null
}

# engine_drop_replaced OLD_ID NEW_ID: after a tag moved from OLD_ID to
# NEW_ID, remove OLD_ID if nothing else names it. A plain rmi (no -f)
# refuses an image another tag or a child still uses; docker also removes
# the untagged parents it frees, so replaced chains go as a whole.
engine_drop_replaced() {
	[ -n "$1" ] && [ "$1" != "$2" ] || return 0
	"$ENGINE" rmi "$1" > /dev/null 2>&1 || true
}

# engine_rm_owned OWNER [ROLE]: remove every container labelled as
# OWNER's (ROLE: only those of that role), with their anonymous volumes.
# Leftovers of a make that was killed or lost its engine are found this way.
engine_rm_owned() {
	local f=(--filter "label=org.scratchmerge.owner=$1") ids
	[ -z "${2:-}" ] || f+=(--filter "label=org.scratchmerge.role=$2")
	ids=$("$ENGINE" ps -aq "${f[@]}" 2> /dev/null) || return 0
	[ -z "$ids" ] || "$ENGINE" rm -f -v $ids > /dev/null 2>&1 || true
}

# engine_drop_dangling OWNER: remove OWNER's snapshots that no tag names
# any more (a commit replaced them) and nothing uses. Snapshots carry the
# owner label of the container they were committed from. An image still
# used by a container or a child stays (rmi without -f refuses it) and goes
# in a later sweep.
engine_drop_dangling() {
	local ids
	ids=$("$ENGINE" images -q --filter dangling=true --filter "label=org.scratchmerge.owner=$1" 2> /dev/null) || return 0
	[ -z "$ids" ] || "$ENGINE" rmi $ids > /dev/null 2>&1 || true
}
