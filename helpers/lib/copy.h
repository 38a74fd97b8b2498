/* copy: copy paths from one root into another, exactly: type, contents,
 * mode (setuid/setgid too), numeric owner, mtime, xattrs (file
 * capabilities), hardlinks within one session, symlinks as symlinks.
 *
 * Source paths are resolved as if SRC were "/": a symlinked parent such
 * as /lib -> lib64 is recreated in DEST as the same symlink and the walk
 * continues at its target. DEST is walked one component at a time without
 * following symlinks, so nothing is ever written outside it; a symlink in
 * DEST where SRC has a directory is refused. */
#ifndef COPY_H
#define COPY_H

#include <sys/types.h>

#include "err.h"
#include "strset.h"

struct copy_dirtime;
struct copy_pool;

struct copy_ctx {
	int srcfd, dstfd;
	/* the parent directory of the previous path, cached */
	char last_parent[4096], last_canon[4096];
	int last_dfd, last_sgid;
	struct strset canon;		/* listed parent -> its canonical path */
	mode_t umask;
	uid_t euid;
	gid_t egid;
	struct strset links;		/* "dev:ino" -> dest path of first copy */
	struct copy_dirtime *dirs;	/* directory times, set at the end */
	size_t ndirs, capdirs;
	unsigned long long bytes, files;
	const char *last_why;	/* the reason of the last failure, if any */
	/* Regular files may be copied by THREADS workers (0: in the calling
	 * thread). The first failure of a worker goes to ASYNC_ERR (under
	 * the pool's lock), and copy_finish() fails with it. */
	int threads;
	struct copy_pool *pool;
	size_t async_failed;
	struct err async_err;
	int async_errno;
};

/* 0, or -1 with errno and E ("SRC: strerror"). */
int copy_init(struct copy_ctx *c, const char *src, const char *dst, struct err *e);
/* Copy one path (absolute or root-relative). 0, or -1 with errno and E
 * set: "/WHERE reason" or "/WHERE: strerror", WHERE the root-relative
 * path at fault (PATH, or a parent of it on the way). One exception:
 * ENOENT with E left empty means PATH itself is not in the source (a
 * caller may skip it). */
int copy_path(struct copy_ctx *c, const char *path, struct err *e);
/* Wait for the workers, set the deferred directory times, release
 * everything. 0, or -1 with errno and E: the first failure of a worker
 * since copy_init, else the first directory whose times could not be
 * set. */
int copy_finish(struct copy_ctx *c, struct err *e);

#endif
