# Golden tests for `vdb`: output, messages and exit codes on the fixture VDB.
. "$(dirname "$0")/lib.sh"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cp -a "$TOP/tests/fixtures/vdb/." "$root/"
touch -d @1700000010.123456789 "$root/var/db/pkg/dev-libs/metaonly-1.0"
cd "$root"
V="$BIN/vdb --root ."

golden vdb-list              $V list
golden vdb-list-patterns     $V list php sys-libs/glibc dev-lang/php-8.2.18-r1
golden vdb-list-unknown      $V list nosuchpkg
golden vdb-files-spaces      $V files app-misc/spaces
golden vdb-files-type        $V files --type sym,fif app-misc/spaces
golden vdb-files-dirs        $V files --dirs --type dir,obj dev-lang/php-8.3.4
golden vdb-files-ambiguous   $V files tool
golden vdb-owner             $V owner /usr/lib64/libicuuc.so.74 /opt/tool /not/owned
golden vdb-info              $V info glibc dev-libs/metaonly
golden vdb-needs-from        $V needs --from dev-lang/php-8.3.4
golden vdb-needs-missing     $V needs --missing
# the soname check of the finish stage, saying what to do: who needs the
# missing sonames (-v) and which package of the builder provides them
cp -a "$TOP/tests/fixtures/needs" needs
N="$BIN/vdb --root needs/root"
golden vdb-needs-missing-plain     $N needs --missing
golden vdb-needs-missing-verbose   $N needs --missing -v
golden vdb-needs-missing-providers $N needs --missing --verbose --providers needs/builder
golden vdb-needs-missing-from      $N needs --from app-misc/hello --missing --providers needs/builder
golden vdb-needs-providers-alone   $N needs --providers needs/builder
golden vdb-needs-providers-nothing $N needs --missing --providers needs/nothing
golden vdb-unmerge-dry       $V unmerge --dry-run dev-libs/icu
golden vdb-usage             $V frobnicate
golden vdb-bad-type          $V files --type file glibc
golden vdb-files-null        bash -c "$V -0 files dev-libs/icu | tr '\\0' '|'"
printf 'dir /opt\nobj /opt/tool ef343b0931126a20f133d67c2b018a3b\n' > var/db/pkg/app-misc/tool-1.0/CONTENTS
golden vdb-files-malformed   $V files app-misc/tool
head -c 3000 /dev/urandom | tr -d '\n' > var/db/pkg/app-misc/tool-1.0/CONTENTS
printf 'obj /%0100000d ef343b0931126a20f133d67c2b018a3b 1\n' 0 > var/db/pkg/dev-util/tool-2.0/CONTENTS
golden vdb-files-long-line   bash -c "$V files dev-util/tool | wc -c"
bash -c "$V files app-misc/tool" > /dev/null 2> garbage.err
golden vdb-files-garbage     bash -c "$V files app-misc/tool >/dev/null 2>&1; echo exit=\$?; grep -c 'CONTENTS:1: ' garbage.err"
# hostile VDB entries: an out-of-range BUILD_TIME (gmtime() NULL), FIFOs
# and a directory as package files (never opened: no hang), the unmerge
# of another package with a FIFO CONTENTS elsewhere (fails, no hang)
echo 99999999999999999 > var/db/pkg/sys-libs/glibc-2.39-r6/BUILD_TIME
golden vdb-info-bad-time     $V info sys-libs/glibc
rm var/db/pkg/dev-util/tool-2.0/SLOT && mkfifo var/db/pkg/dev-util/tool-2.0/SLOT
rm var/db/pkg/app-misc/spaces-1.0/SLOT && mkdir var/db/pkg/app-misc/spaces-1.0/SLOT
golden vdb-info-fifo         timeout 10 $V info dev-util/tool app-misc/spaces
rm var/db/pkg/dev-util/tool-2.0/CONTENTS && mkfifo var/db/pkg/dev-util/tool-2.0/CONTENTS
golden vdb-files-fifo        timeout 10 $V files dev-util/tool
golden vdb-unmerge-garbage   $V unmerge dev-libs/icu
cp "$TOP/tests/fixtures/vdb/var/db/pkg/app-misc/tool-1.0/CONTENTS" var/db/pkg/app-misc/tool-1.0/
golden vdb-unmerge-fifo-elsewhere timeout 10 $V unmerge --dry-run dev-libs/icu
# a real unmerge, CONFIG_PROTECT and FEATURES from the environment as
# Portage would see them; -v prints what stays too
mkdir -p r2/etc r2/var/db/pkg/app-misc/conf-1
echo local > r2/etc/a.conf
echo x > r2/etc/b.conf && touch -d @100 r2/etc/b.conf
printf 'dir /etc\nobj /etc/a.conf 401b30e3b8b5d629635a5c613cdb7919 1\nobj /etc/b.conf 401b30e3b8b5d629635a5c613cdb7919 100\nobj /usr/bin/gone 401b30e3b8b5d629635a5c613cdb7919 1\n' \
	> r2/var/db/pkg/app-misc/conf-1/CONTENTS
golden vdb-unmerge-protect   env CONFIG_PROTECT=/etc FEATURES="sandbox unmerge-orphans" $BIN/vdb --root r2 unmerge -v app-misc/conf
golden vdb-unmerge-after     bash -c "find r2 -mindepth 1 | sort"
golden_summary
