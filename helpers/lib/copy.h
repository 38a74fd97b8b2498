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
	/* on failure: the root-relative path at fault and, when errno alone
	 * does not say it, why */
	char where[4096];
	const char *why;
	/* Regular files may be copied by THREADS workers (0: in the calling
	 * thread). Their failures come to ON_ERROR, and copy_finish() fails. */
	int threads;
	void (*on_error)(const char *path, int err, const char *why, void *arg);
	void *err_arg;
	struct copy_pool *pool;
	int async_failed;
};

int copy_init(struct copy_ctx *c, const char *src, const char *dst);
/* Copy one path (absolute or root-relative). 0, or -1 with errno, where
 * and why set. ENOENT means the source path is missing. */
int copy_path(struct copy_ctx *c, const char *path);
/* Wait for the workers, set the deferred directory times, release
 * everything. -1 if anything failed since copy_init. */
int copy_finish(struct copy_ctx *c);

#endif
