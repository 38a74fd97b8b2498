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

# emerge_binhost ARGS...: emerge ARGS, with BINHOST (make BINHOST=URL: the
# context's SM_BINHOST) as the binary package repository when it is set:
# /etc/portage/binrepos.conf naming it alone (the builder's own, a file or
# a directory such as a stage3's gentoobinhost.conf, is set aside: only
# BINHOST's packages, made by scratchmerge's builders, are taken) and
# FEATURES=getbinpkg, for this emerge only. Neither they nor the index
# Portage keeps of the remote (/var/cache/edb/binhost) stay in the
# snapshot: where a binary package comes from is no input of a stage (one
# is taken only when its version and USE match), so a stage's result does
# not depend on it, and setting or changing BINHOST reruns nothing.
emerge_binhost() {
	if [ -z "${SM_BINHOST:-}" ]; then
		emerge "$@"
		return
	fi
	conf=/etc/portage/binrepos.conf saved=/etc/portage/binrepos.conf.scratchmerge-saved
	rm -rf "$saved"
	[ ! -e "$conf" ] || mv "$conf" "$saved"
	printf '[scratchmerge]\nsync-uri = %s\n' "$SM_BINHOST" > "$conf"
	note "binary packages also from BINHOST=$SM_BINHOST (binrepos.conf, FEATURES=getbinpkg)"
	rc=0
	FEATURES=getbinpkg emerge "$@" || rc=$?
	rm -f "$conf"
	[ ! -e "$saved" ] || mv "$saved" "$conf"
	rm -rf /var/cache/edb/binhost
	return $rc
}
