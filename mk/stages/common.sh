# Sourced by every stage script (inside the builder, /bin/sh): the stage's
# options (what it reads: a change reruns it) and context (where the image
# and its variables are, for messages: no rerun), strict mode, and the
# helpers' path.
set -eu
LC_ALL=C
export LC_ALL
. /scratchmerge/opts
. /scratchmerge/context
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
	# portage(5): entries are CAT/PN-VERSION, "no operators, slots or USE
	# dependencies"; Portage warns and ignores any other, so refuse it here
	for a in $SM_PROVIDED; do
		case $a in
		[\<\>=~!]* | *:* | *\[* | *\** | */*/*) bad=1 ;;
		*/*-[0-9]*) bad= ;;
		*) bad=1 ;;
		esac
		[ -z "$bad" ] || {
			echo "*** PROVIDED: '$a' is not CAT/PN-VERSION (package.provided takes no operator, slot or USE dependency, and needs a version)" >&2
			exit 1
		}
	done
	mkdir -p /etc/portage/profile
	printf '%s\n' $SM_PROVIDED > /etc/portage/profile/package.provided
	note "package.provided: $SM_PROVIDED"
}
