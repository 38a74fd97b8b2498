# finish: the soname check, the VDB and the file sizes saved for the SBOM
# and the report, FINISH, and a correct ld.so.cache (ldconfig -r); ROOT
# is then exported. PRUNE and KEEP are not applied here but by mkimage in
# the scratch stage, as it reads ROOT (a change of them runs no
# container): what ld.so.cache names is listed for it (loader-libs), and
# PRUNE may not remove it.
. /scratchmerge/stages/common.sh
cd "$ROOT_DIR"

# Every soname a package in ROOT requires must be provided by a package
# in ROOT, or the image would not start. What is missing is named with the package that needs it and the builder's
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

# ROOT's VDB and the sizes of ROOT's files, outside ROOT: PRUNE leaves
# them out of the image (mk/sbom-attach and the report read them)
rm -rf /var/lib/scratchmerge/vdb /var/lib/scratchmerge/prune-sizes /var/lib/scratchmerge/loader-libs
mkdir -p /var/lib/scratchmerge/vdb/var/db/pkg
[ ! -d var/db/pkg ] || cp -a var/db/pkg/. /var/lib/scratchmerge/vdb/var/db/pkg/
find . -type f -exec stat -c '%s %n' {} + > /var/lib/scratchmerge/prune-sizes

if [ -n "$SM_FINISH" ]; then
	note "FINISH: $SM_FINISH"
	(ROOT=$ROOT_DIR; export ROOT; eval "$SM_FINISH")
fi

# ld.so.conf: what ROOT has, plus every directory holding a shared
# library (the builder registers some, such as gcc's, through env.d,
# which does not come along). Not /usr/lib/debug: the separate debug
# files of FEATURES=splitdebug (estrip) are named like the libraries
# (libc.so.6.debug) but are not loadable, and DEFAULT_PRUNE leaves them out.
mkdir -p etc
touch etc/ld.so.conf
find . -path ./usr/lib/debug -prune -o \( -name '*.so' -o -name '*.so.[0-9]*' \) ! -name '*.debug' \
	\( -type f -o -type l \) -print | sed 's|^\.||; s|/[^/]*$||' | sort -u |
	while IFS= read -r d; do
		[ -d ".$d" ] && [ ! -L ".$d" ] || continue
		grep -qx "$d" etc/ld.so.conf || echo "$d" >> etc/ld.so.conf
	done
note "ldconfig -r $ROOT_DIR"
ldconfig -r "$ROOT_DIR"
# ldconfig's aux-cache records the inodes and ctimes of this build's files:
# a different image digest every build, and nothing needs it at run time
rm -f var/cache/ldconfig/aux-cache
# what ld.so.cache sends the loader to (ldconfig -p: "NAME (FLAGS) => PATH")
ldconfig -r "$ROOT_DIR" -p | sed -n 's/^[[:space:]].* => //p' > /var/lib/scratchmerge/loader-libs
note "ld.so.cache names $(wc -l < /var/lib/scratchmerge/loader-libs) libraries (PRUNE must leave them)"
