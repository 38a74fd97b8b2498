#!/usr/bin/env python3
"""evict.py DIR: drop DIR's files from the page cache (POSIX_FADV_DONTNEED
on each; only these files, nothing else on the machine), so that the next
run reads them from the disk."""
import os
import sys

for root, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        fd = os.open(os.path.join(root, name), os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
