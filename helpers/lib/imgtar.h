/* imgtar: read back an image archive written by mkimage (or any OCI
 * layout tar with a Docker manifest.json): the manifest digest, the
 * config, and every entry of its one layer with the SHA-256 and SHA-1 of
 * regular files, read through libarchive (gzip, zstd or plain layers). */
#ifndef IMGTAR_H
#define IMGTAR_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct imgtar_file {
	char *path;		/* "/usr/bin/hello" */
	mode_t mode;		/* type and permission bits */
	uid_t uid;
	gid_t gid;
	int64_t size;
	char *symlink;		/* symlink target */
	char *hardlink;		/* "/first/occurrence" for a hardlink */
	char sha256[65], sha1[41];	/* regular files and hardlinks */
	int has_caps;		/* security.capability xattr */
};

struct imgtar {
	struct imgtar_file *v;	/* sorted by path */
	size_t n, cap;
	char manifest_digest[72];	/* "sha256:..." of the image manifest */
	json_t *config;			/* the image config */
	json_t *index;			/* index.json */
};

/* Read ARCHIVE. Returns 0, or -1 with errno and E set. */
int imgtar_read(struct imgtar *t, const char *archive, struct err *e);
void imgtar_free(struct imgtar *t);
/* The entry for PATH (absolute) as it is in the layer, or NULL. */
struct imgtar_file *imgtar_get(const struct imgtar *t, const char *path);
/* The entry PATH names once its directory components (and, with
 * FOLLOW, its last one) are resolved through the layer's own symlinks
 * ("/lib/libc.so.6" with lib -> usr/lib is "/usr/lib/libc.so.6"); NULL
 * when there is none or a loop. */
struct imgtar_file *imgtar_resolve(const struct imgtar *t, const char *path, int follow);

#endif
