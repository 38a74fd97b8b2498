#!/usr/bin/env python3
"""gen-vdb.py ROOT PACKAGES LINES [--real-files N BYTES]

Write a VDB of PACKAGES packages with LINES CONTENTS lines in all under
ROOT/var/db/pkg (deterministic: seeded). With --real-files, also create N
real files of BYTES bytes in total under ROOT, owned by the packages, so
that `vdb files` lists something copyfiles can copy."""
import os
import random
import sys

root, npkgs, nlines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
real = "--real-files" in sys.argv
if real:
    i = sys.argv.index("--real-files")
    nfiles, nbytes = int(sys.argv[i + 1]), int(sys.argv[i + 2])
rnd = random.Random(42)
cats = ["app-misc", "dev-libs", "sys-libs", "net-misc", "dev-lang", "media-libs", "x11-libs", "sys-apps"]
words = ["lib", "share", "bin", "include", "doc", "locale", "python3.12", "site-packages",
         "icons", "hicolor", "48x48", "apps", "man", "man1", "gir-1.0", "pkgconfig", "my docs"]
blob = rnd.randbytes(1 << 20) if real else b""
per = nlines // npkgs
files_left = nfiles if real else 0
bytes_per_file = nbytes // nfiles if real else 0
for p in range(npkgs):
    cat = cats[p % len(cats)]
    pf = "pkg%04d-%d.%d.%d" % (p, rnd.randint(0, 9), rnd.randint(0, 30), rnd.randint(0, 9))
    d = os.path.join(root, "var/db/pkg", cat, pf)
    os.makedirs(d, exist_ok=True)
    lines = []
    base = "/usr/%s/%s-%d" % (rnd.choice(words), pf.split("-")[0], p)
    dirs = [base]
    lines.append("dir /usr")
    lines.append("dir " + base)
    real_here = min(files_left, (nfiles + npkgs - 1) // npkgs) if real else 0
    for i in range(per - 2):
        r = rnd.random()
        if r < 0.12 or not dirs:
            nd = "%s/%s%d" % (rnd.choice(dirs), rnd.choice(words), i)
            dirs.append(nd)
            lines.append("dir " + nd)
        elif r < 0.25:
            path = "%s/link%d.so" % (rnd.choice(dirs), i)
            lines.append("sym %s -> file%d.so.1 %d" % (path, i, 1700000000 + i))
        else:
            path = "%s/file %d.%s" % (rnd.choice(dirs), i, rnd.choice(["so", "py", "png", "txt"]))
            lines.append("obj %s %032x %d" % (path, rnd.getrandbits(128), 1700000000 + i))
            if real_here > 0:
                real_here -= 1
                files_left -= 1
                full = root + path
                os.makedirs(os.path.dirname(full), exist_ok=True)
                n = int(bytes_per_file * (0.5 + rnd.random()))
                off = rnd.randint(0, len(blob) - n - 1)
                with open(full, "wb") as f:
                    f.write(blob[off:off + n])
    if real:
        for l in lines:
            if l.startswith("dir "):
                os.makedirs(root + l[4:], exist_ok=True)
        # only the files that exist are listed for a copy benchmark
        lines = [l for l in lines if not l.startswith("obj ") or os.path.exists(root + l[4:].rsplit(" ", 2)[0])]
        lines = [l for l in lines if not l.startswith("sym ")]
    with open(os.path.join(d, "CONTENTS"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(d, "SLOT"), "w") as f:
        f.write("0\n")
