/* xattrs: the extended attributes of one file, a list sorted by name (each
 * name once), as a layer gathers them (layer) and an image archive has
 * them (imgtar). */
#ifndef XATTRS_H
#define XATTRS_H

#include <stddef.h>

struct archive_entry;

struct xattr {
	char *name;
	void *value;
	size_t size;
};

struct xattrs {
	struct xattr *v;	/* sorted by name once xattrs_sort ran */
	size_t n;
};

/* Add NAME = VALUE (SIZE bytes) unless NAME is there (libarchive reads a
 * pax header's SCHILY.* and LIBARCHIVE.* twins as the same name twice).
 * Returns 0, or -1 with errno ENOMEM. */
int xattrs_add(struct xattrs *x, const char *name, const void *value, size_t size);
/* Add those of the tar entry AE and sort. Returns 0, or -1 (ENOMEM). */
int xattrs_add_entry(struct xattrs *x, struct archive_entry *ae);
void xattrs_sort(struct xattrs *x);
/* S's into D (empty), sorted as S is. Returns 0, or -1 (ENOMEM). */
int xattrs_copy(struct xattrs *d, const struct xattrs *s);
/* The same names and values (both sorted)? */
int xattrs_equal(const struct xattrs *a, const struct xattrs *b);
/* Is NAME there? */
int xattrs_has(const struct xattrs *x, const char *name);
void xattrs_free(struct xattrs *x);

#endif
