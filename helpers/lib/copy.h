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

struct copy_ctx {
	int srcfd, dstfd;
	/* the parent directory of the previous path, cached */
	char last_parent[4096], last_canon[4096];
	int last_dfd;
	struct strset links;		/* "dev:ino" -> dest path of first copy */
	struct copy_dirtime *dirs;	/* directory times, set at the end */
	size_t ndirs, capdirs;
	unsigned long long bytes, files;
	/* on failure: the root-relative path at fault and, when errno alone
	 * does not say it, why */
	char where[4096];
	const char *why;
};

int copy_init(struct copy_ctx *c, const char *src, const char *dst);
/* Copy one path (absolute or root-relative). 0, or -1 with errno, where
 * and why set. ENOENT means the source path is missing. */
int copy_path(struct copy_ctx *c, const char *path);
/* Set the deferred directory times and release everything. */
int copy_finish(struct copy_ctx *c);

#endif
