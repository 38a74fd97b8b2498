/* layer: the entries of one image layer, gathered from a directory, a tar
 * stream and overlay directories, written as a reproducible PAX tar
 * (libarchive): sorted by path (bytewise), relative names without "./",
 * numeric owners with empty names, mtimes clamped to SOURCE_DATE_EPOCH,
 * no atime/ctime, hardlinks (typeflag 1) to their first occurrence,
 * xattrs as SCHILY.xattr.*, devices and fifos kept, no sparse entries.
 * A name or hardlink with ".." is refused, and so are (layer_sort) an
 * entry below a symlink entry and a relative symlink whose target,
 * resolved through the layer's own symlinks, climbs above the root. Only metadata is held in memory: file data is read
 * from the directory, or from a spool file for a tar stream, at write
 * time. */
#ifndef LAYER_H
#define LAYER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct layer_xattr {
	char *name;
	void *value;
	size_t size;
};

struct layer_entry {
	char *path;
	mode_t mode;		/* type and permission bits */
	uid_t uid;
	gid_t gid;
	int64_t mtime;
	int64_t size;
	dev_t rdev;
	char *symlink;
	char *hardlink;		/* set by layer_sort: first occurrence */
	uint64_t dev, ino;	/* hardlink group (dev = 0, ino = 0: none) */
	int src;		/* index of the source directory; -1: the spool */
	int64_t off;		/* spool offset */
	size_t seq;
	struct layer_xattr *xattrs;
	size_t nxattrs;
};

struct layer {
	struct layer_entry *v;
	size_t n, cap;
	char **dirs;		/* source directories */
	int *dirfds;
	size_t ndirs;
	int spoolfd;
	int64_t spoolsize;
	int64_t newest;		/* newest mtime among non-overlay entries */
};

/* Each fallible function returns 0, or -1 with errno and E set (the
 * entry or path at fault and why). */
void layer_init(struct layer *l);
void layer_free(struct layer *l);
/* Add every entry below DIR. OVERLAY: files laid over what is there,
 * owned by 0:0 with modes 0755/0644 (only the execute bit of the file
 * counts), so the result does not depend on the checkout. */
int layer_add_dir(struct layer *l, const char *dir, int overlay, struct err *e);
/* Add every entry of the tar stream on FD (ustar, pax or GNU tar, plain or
 * compressed by a filter libarchive has built in: gzip, bzip2, xz, zstd;
 * never an external program), spooling file data to a temporary file in
 * TMPDIR. Sparse entries are refused. */
int layer_add_tar(struct layer *l, int fd, const char *tmpdir, struct err *e);
/* Sort, let later sources win, check the symlinks (see above), resolve
 * hardlinks. */
int layer_sort(struct layer *l, struct err *e);
/* Write the tar. SDE clamps the mtimes. WRITE gets the bytes. */
int layer_write(struct layer *l, int64_t sde,
		int (*write)(void *arg, const void *buf, size_t len), void *arg, struct err *e);

#endif
