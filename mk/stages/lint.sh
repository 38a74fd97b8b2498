# lint: every USE flag of the image must exist in the IUSE of what it names
# (Portage ignores the others silently), checked in seconds, before any
# compiling, against the tree's metadata/md5-cache; errors name the image's
# own file and line (uselint, README "The helpers"). Runs in a throwaway
# container of the portage snapshot (its /etc/portage).
. /scratchmerge/stages/common.sh
pu=
[ ! -e /etc/portage/package.use ] || pu="--package-use /etc/portage/package.use"
# shellcheck disable=SC2086 # pu is one option and its argument, or nothing
uselint --repo /var/db/repos/gentoo $pu --use "$SM_USE" \
	--use-origin "$SM_ORIGIN_USE: ${SM_IMG_VAR}_USE" --as /etc/portage="$SM_IMG_DIR/portage"
