/* layer: the entries of one image layer, gathered from a directory, a tar
 * stream and overlay directories, written as a reproducible PAX tar
 * (libarchive): sorted by path (bytewise), relative names without "./",
 * numeric owners with empty names, mtimes clamped to SOURCE_DATE_EPOCH,
 * no atime/ctime, hardlinks (typeflag 1) to their first occurrence,
 * xattrs as SCHILY.xattr.*, devices and fifos kept, no sparse entries.
 * A name or hardlink with ".." is refused, and so are (layer_sort) an
 * entry below a symlink entry and a relative symlink whose target,
 * resolved through the layer's own symlinks, climbs above the root, and a
 * name that starts with ".wh." (an OCI whiteout to every extractor). Only
 * metadata is held in memory: file data is read from the directory, or
 * from a spool file for a tar stream, at write time.
 *
 * layer_diff (layer_diff.c) keeps of a whole root only what differs from
 * the final filesystem of a parent image's layers, with whiteouts for
 * what the root no longer has: the layer of a child image. */
#ifndef LAYER_H
#define LAYER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "xattrs.h"

struct imgtar;

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
	struct xattrs xattrs;	/* sorted by name */
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
/* PRUNE and KEEP of an image (mk/image.mk) on the entries added so far
 * (the root; before the overlays and layer_sort), with the semantics of
 * the shell that applied them in the builder before (tests/unit/
 * prune-ref.sh is that shell; test_prune checks the two agree):
 *  - each PRUNE glob ("/" first or not) is matched as `./GLOB` in ROOT:
 *    component by component, `*` not matching a leading ".", symlinks
 *    on the way followed, resolved inside the root (an absolute target
 *    is taken from the root, never from outside it);
 *  - a match goes whole (a symlink as itself) unless it is a KEEP path
 *    or inside one; a match above a KEEP path goes entry by entry (names
 *    that start with ".." excepted, as "$1"/.[!.]* does); then the
 *    directories above it that it left empty (rmdir -p);
 *  - KEEP paths are compared as written, as text.
 * LIBS: the paths ld.so.cache names (the loader opens them): a match that
 * would remove one, the symlinks on its way or what it points to fails
 * (-1, EPERM, E names the glob, the path and the library). PRUNED gets each
 * path removed ("usr/share/doc", as matched, not resolved), in order. */
struct layer_prune_spec {
	char **prune, **keep, **libs;
	size_t nprune, nkeep, nlibs;
};
int layer_prune(struct layer *l, const struct layer_prune_spec *s, void (*pruned)(void *arg, const char *path),
		void *arg, struct err *e);
/* Sort, let later sources win, check the symlinks (see above), resolve
 * hardlinks. */
int layer_sort(struct layer *l, struct err *e);
/* The bytes of the regular entry E (from its source directory or the
 * spool file), to DATA in pieces; DATA returns 0, or -1 with ERR set. */
int layer_read_data(const struct layer *l, const struct layer_entry *e,
		    int (*data)(void *arg, const void *buf, size_t len), void *arg, struct err *err);

/* Keep in L (sorted by layer_sort: the whole root of a child image) only
 * what makes LOWER (the final filesystem of its parent's layers) into L:
 *  - an entry LOWER does not have, or has otherwise: another type, mode,
 *    owner, device, symlink target, xattrs, size or content (SHA-256),
 *    or another hardlink group (the paths of the group that both have must
 *    be the same; a group that changes goes whole, since a hardlink can
 *    only name an entry of its own layer). The mtime does not count:
 *    every image clamps its own to its SOURCE_DATE_EPOCH, so the same file
 *    can carry another mtime in the child, and would be shipped again
 *    for that alone; the parent's copy stays, with its mtime;
 *  - a whiteout (".wh.NAME", mode 0, empty) for each path of LOWER that L
 *    does not have, unless its directory went too (the whiteout of the
 *    directory removes it) or is no longer a directory (an entry of
 *    another type over a directory replaces all below it);
 *  - the directories above each of those, as L has them: an extractor
 *    (moby's, into overlay2's upper directory) creates a missing parent
 *    0755 and owned by root, and overlayfs shows the upper directory's
 *    mode and owner, not the lower's.
 * No opaque directory is needed: each path that went has its whiteout.
 * Returns the number of entries left (0: L is LOWER), or -1 with errno
 * and E set. */
int layer_diff(struct layer *l, const struct imgtar *lower, struct err *e);

/* Names in tars are their bytes. A name that is not ASCII goes in a pax
 * "path" record in UTF-8, as GNU tar and Go's archive/tar (docker) write
 * and read it, which libarchive does only under a UTF-8 LC_CTYPE: call
 * this once, from main, before any tar is read or written. A name that is
 * not UTF-8 (or a machine without C.UTF-8) is written as its bytes, with
 * hdrcharset=BINARY. Returns 0 when the UTF-8 locale was set. */
int layer_names_utf8(void);

/* Write the tar. SDE clamps the mtimes. WRITE gets the bytes. */
int layer_write(struct layer *l, int64_t sde,
		int (*write)(void *arg, const void *buf, size_t len), void *arg, struct err *e);

#endif
