#!/usr/bin/env python3
"""gen-md5cache.py DIR N: a synthetic ebuild repository of N md5-cache
entries (about the size of Gentoo's: ~32,000), built from the real entries
of tests/fixtures/lint/repo (which are included as they are), with varied
package names and IUSE, plus that fixture's profiles/."""
import os
import random
import shutil
import sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
fixture = os.path.join(top, "tests/fixtures/lint/repo")
dest, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
cache = os.path.join(dest, "metadata/md5-cache")
shutil.copytree(os.path.join(fixture, "profiles"), os.path.join(dest, "profiles"))
shutil.copytree(os.path.join(fixture, "metadata/md5-cache"), cache)
templates = []
for cat in sorted(os.listdir(cache)):
    for pf in sorted(os.listdir(os.path.join(cache, cat))):
        with open(os.path.join(cache, cat, pf)) as f:
            templates.append(f.read().split("\n"))
made = sum(len(os.listdir(os.path.join(cache, c))) for c in os.listdir(cache))
cats = ["cat%03d-%s" % (i, w) for i, w in enumerate(["libs", "util", "lang", "misc"] * 40)]
i = 0
while made < n:
    cat = cats[i % len(cats)]
    pn = "pkg%05d" % (i // 3)
    pf = "%s-%d.%d.%d" % (pn, rng.randint(0, 9), rng.randint(0, 40), i % 3)
    lines = templates[i % len(templates)][:]
    flags = ["%sflag%d" % (rng.choice("+- "), rng.randint(0, 12000)) for _ in range(rng.randint(3, 40))]
    lines = ["IUSE=" + " ".join(f.strip() for f in flags) if l.startswith("IUSE=") else l for l in lines]
    os.makedirs(os.path.join(cache, cat), exist_ok=True)
    with open(os.path.join(cache, cat, pf), "w") as f:
        f.write("\n".join(lines))
    made += 1
    i += 1
