#!/usr/bin/env python3
"""gen-tree.py builder|portage [FILES [MBYTES]]: write to stdout, as a tar
stream, a synthetic tree of FILES files and MBYTES MB (apparent size) that
looks like a Gentoo stage3 or a Gentoo repository, to lay over the fixture
builder images (tests/fixtures/builder/mkfixture) for bench/framework-real.sh.
Deterministic (seeded; every entry root-owned with the same mtime): the same
arguments give the same bytes.

builder (default 150000 files, 1500 MB): ~300 packages under /usr (lib64,
  libexec, share/PN, include, bin, locale and man directories shared between
  packages, symlinks), each with a VDB entry in /var/db/pkg (CONTENTS with
  md5 and mtime, SLOT, ..., environment.bz2), as a stage3 has.
portage (default 150000 files, 600 MB): /var/db/repos/gentoo with ~170
  categories of packages (ebuilds, Manifest, metadata.xml, files/), the
  metadata/md5-cache entry of every ebuild, eclass/ and profiles/.
Paths never clash with the fixture's (sys-libs/glibc, sys-devel/gcc,
app-misc/{hello,extra,slow}, /bin, /lib, /lib64)."""
import hashlib
import io
import random
import sys
import tarfile

EPOCH = 1700000000
kind = sys.argv[1] if len(sys.argv) > 1 else "builder"
defaults = {"builder": (150000, 1500), "portage": (150000, 600)}
if kind not in defaults:
    sys.exit("usage: gen-tree.py builder|portage [FILES [MBYTES]]")
nfiles = int(sys.argv[2]) if len(sys.argv) > 2 else defaults[kind][0]
nbytes = (int(sys.argv[3]) if len(sys.argv) > 3 else defaults[kind][1]) * 1000 * 1000
rnd = random.Random(kind)
blob = rnd.randbytes(16 << 20)
out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.GNU_FORMAT)
seen_dirs = set()


def info(path, typ, mode):
    ti = tarfile.TarInfo(path)
    ti.type, ti.mode, ti.mtime = typ, mode, EPOCH
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    return ti


def mkdirs(path):
    parts = path.strip("/").split("/")
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        if d not in seen_dirs:
            seen_dirs.add(d)
            out.addfile(info(d, tarfile.DIRTYPE, 0o755))


def data(size):
    off = rnd.randrange(0, len(blob) - size) if size < len(blob) else 0
    return blob[off:off + size] if size <= len(blob) else (blob * (size // len(blob) + 1))[:size]


stats = {"files": 0, "symlinks": 0, "bytes": 0}


def put(path, content, mode=0o644):
    stats["files"] += 1
    stats["bytes"] += len(content)
    mkdirs(path.rsplit("/", 1)[0])
    ti = info(path.strip("/"), tarfile.REGTYPE, mode)
    ti.size = len(content)
    out.addfile(ti, io.BytesIO(content))


def link(path, target):
    stats["symlinks"] += 1
    mkdirs(path.rsplit("/", 1)[0])
    ti = info(path.strip("/"), tarfile.SYMTYPE, 0o777)
    ti.linkname = target
    out.addfile(ti)


def sizes(n, total, median, sigma, cap):
    """n file sizes, lognormal around median, scaled to total bytes"""
    s = [rnd.lognormvariate(0, sigma) * median for _ in range(n)]
    for _ in range(8):	# scale the files under the cap until the total is right
        capped = sum(cap for x in s if x >= cap)
        k = (total - capped) / max(1, sum(x for x in s if x < cap))
        s = [x if x >= cap else min(cap, x * k) for x in s]
    return [int(x) for x in s]


CATS = ["app-admin", "app-arch", "app-crypt", "app-editors", "app-misc", "app-portage", "app-shells",
        "app-text", "dev-build", "dev-db", "dev-lang", "dev-libs", "dev-perl", "dev-python", "dev-util",
        "dev-vcs", "media-libs", "net-dns", "net-libs", "net-misc", "perl-core", "sys-apps", "sys-auth",
        "sys-devel", "sys-fs", "sys-kernel", "sys-libs", "sys-process", "virtual", "x11-libs", "x11-misc",
        "www-servers", "mail-mta", "games-misc", "sci-libs", "gnome-base", "kde-frameworks", "media-video"]
LANGS = ["de", "fr", "es", "it", "ja", "pt_BR", "ru", "zh_CN", "nl", "pl", "sv", "cs", "uk", "ko"]


def builder():
    npkg = max(1, min(300, nfiles // 40))	# 12 VDB files each
    weights = [rnd.lognormvariate(0, 1.3) for _ in range(npkg)]
    # files per package (VDB files aside), summing to nfiles
    vdb_files = 12
    left = nfiles - npkg * vdb_files
    per = [max(1, int(w / sum(weights) * left)) for w in weights]
    per[0] += left - sum(per)
    size_of = iter(sizes(int(left * 0.9), nbytes, 2500, 1.9, 48 << 20) + [2500] * left)
    for p in range(npkg):
        cat = CATS[p % len(CATS)]
        pn = "pad%03d" % p
        pf = "%s-%d.%d.%d" % (pn, rnd.randint(0, 9), rnd.randint(0, 30), rnd.randint(0, 9))
        contents = ["dir /usr"]
        dirs = ["/usr/lib64/%s" % pn, "/usr/share/%s" % pn, "/usr/include/%s" % pn,
                "/usr/libexec/%s" % pn, "/usr/share/%s/data" % pn, "/usr/lib64/%s/modules" % pn]
        for i in range(per[p]):
            r = rnd.random()
            if r < 0.08:
                d = rnd.choice(dirs)
                nd = "%s/d%d" % (d, i)
                dirs.append(nd)
            if r < 0.10:
                path = "%s/lib%s-%d.so" % (rnd.choice(dirs[:1] + ["/usr/lib64"]), pn, i)
                link(path, "lib%s-%d.so.1" % (pn, i))
                contents.append("sym %s -> lib%s-%d.so.1 %d" % (path, pn, i, EPOCH))
                continue
            if r < 0.13:
                path = "/usr/share/locale/%s/LC_MESSAGES/%s-%d.mo" % (rnd.choice(LANGS), pn, i)
            elif r < 0.16:
                path = "/usr/share/man/man%d/%s-%d.%d.bz2" % (rnd.randint(1, 8), pn, i, rnd.randint(1, 8))
            elif r < 0.18:
                path = "/usr/bin/%s-%d" % (pn, i)
            else:
                path = "%s/f%d.%s" % (rnd.choice(dirs), i, rnd.choice(["so.1", "py", "pm", "h", "txt", "png", "pyc", "xml"]))
            content = data(next(size_of))
            put(path, content, 0o755 if path.startswith("/usr/bin/") else 0o644)
            contents.append("obj %s %s %d" % (path, hashlib.md5(content).hexdigest(), EPOCH))
        vdb = "/var/db/pkg/%s/%s" % (cat, pf)
        meta = {"CONTENTS": "\n".join(contents) + "\n", "SLOT": "0\n", "repository": "gentoo\n",
                "CATEGORY": cat + "\n", "PF": pf + "\n", "USE": "abi_x86_64 amd64 elibc_glibc\n",
                "BUILD_TIME": "%d\n" % EPOCH, "SIZE": "1000\n", "EAPI": "8\n", "KEYWORDS": "amd64\n",
                "LICENSE": "GPL-2\n", "DEFINED_PHASES": "compile configure install prepare\n"}
        for k in sorted(meta):
            put("%s/%s" % (vdb, k), meta[k].encode())
        put("%s/environment.bz2" % vdb, data(rnd.randint(20000, 60000)))


def portage():
    t = "/var/db/repos/gentoo"
    # an ebuild: .ebuild + its md5-cache entry; a package: Manifest + metadata.xml;
    # a few packages have files/ patches; ~1.6 ebuilds a package
    npkg = int(nfiles / 5.1)
    size_of = iter(sizes(nfiles + 10, nbytes, 2200, 0.9, 1 << 20))
    n = 0
    for e in range(min(400, nfiles // 300)):
        put("%s/eclass/pad-%03d.eclass" % (t, e), data(next(size_of)))
        n += 1
    for pr in range(nfiles // 100):
        put("%s/profiles/pad/%02d/package.use.mask-%d" % (t, pr % 40, pr), data(next(size_of)))
        n += 1
    p = 0
    while n < nfiles:
        cat = "pad-" + CATS[p % len(CATS)] + "-%d" % (p % 170 // len(CATS))
        pn = "padpkg%05d" % p
        d = "%s/%s/%s" % (t, cat, pn)
        put(d + "/metadata.xml", data(next(size_of)))
        put(d + "/Manifest", data(next(size_of)))
        n += 2
        for v in range(1 if rnd.random() < 0.5 else rnd.randint(2, 3)):
            pv = "%d.%d" % (rnd.randint(0, 20), v)
            put("%s/%s-%s.ebuild" % (d, pn, pv), data(next(size_of)))
            put("%s/metadata/md5-cache/%s/%s-%s" % (t, cat, pn, pv), data(next(size_of)))
            n += 2
        if rnd.random() < 0.2:
            put("%s/files/%s-fix.patch" % (d, pn), data(next(size_of)))
            n += 1
        p += 1


builder() if kind == "builder" else portage()
out.close()
print("%s: %d files, %d symlinks, %d directories, %d bytes" % (kind, stats["files"], stats["symlinks"],
      len(seen_dirs), stats["bytes"]), file=sys.stderr)
