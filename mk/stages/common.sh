# Sourced by every stage script (inside the builder, /bin/sh): the stage's
# options, strict mode, and the helpers' path.
set -eu
LC_ALL=C
export LC_ALL
. /scratchmerge/opts
PATH=/scratchmerge/bin:$PATH
export PATH
ROOT_DIR=/destination
JOBS=${SM_JOBS:-1}
note() { printf '>>> %s: %s\n' "${SM_NAME:-image}" "$*"; }

# write_provided: PROVIDED (SM_PROVIDED) as the builder's
# /etc/portage/profile/package.provided, one CAT/PN-VERSION a line:
# Portage takes them as installed and pulls nothing for them.
write_provided() {
	[ -n "${SM_PROVIDED:-}" ] || return 0
	mkdir -p /etc/portage/profile
	printf '%s\n' $SM_PROVIDED > /etc/portage/profile/package.provided
	note "package.provided: $SM_PROVIDED"
}
