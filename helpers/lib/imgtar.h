/* imgtar: read back an image archive written by mkimage (or any OCI
 * layout tar with a Docker manifest.json): the manifest digest, the
 * config, its layers, and the final filesystem they make, applied in
 * order with OCI whiteouts honoured (".wh.NAME" removes NAME of the layers
 * below, ".wh..wh..opq" everything below its directory), each entry with
 * the layer it comes from and the SHA-256 and SHA-1 of regular files,
 * read through libarchive (gzip, zstd or plain layers).
 *
 * The archive is checked as it is read, so that an archive that is not
 * what mkimage writes is refused, the message naming the archive and the
 * member or layer entry: every blob's SHA-256 is its name (oci_read),
 * the manifest, config and layers are there with the sizes the manifest
 * says, each layer's uncompressed SHA-256 is its diff_id, and no layer
 * entry or whiteout has a ".." or lies below a symlink of the filesystem
 * so far (an extractor would write through it); a hardlink names an
 * earlier entry of its own layer. */
#ifndef IMGTAR_H
#define IMGTAR_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "xattrs.h"

struct imgtar_file {
	char *path;		/* "/usr/bin/hello" */
	mode_t mode;		/* type and permission bits */
	uid_t uid;
	gid_t gid;
	int64_t size;
	int64_t mtime;
	dev_t rdev;		/* devices */
	char *symlink;		/* symlink target */
	char *hardlink;		/* "/first/occurrence" of its hardlink group in
				 * the final filesystem, for all but that one */
	long link;		/* its hardlink group (-1: none): the same for
				 * every path of one inode */
	char sha256[65], sha1[41];	/* regular files and hardlinks */
	int has_caps;		/* security.capability xattr */
	struct xattrs xattrs;	/* sorted by name */
	size_t layer;		/* index of the layer it comes from */
};

struct imgtar_layer {
	char digest[72];	/* "sha256:..." of the blob */
	char diff_id[72];	/* "sha256:..." of the uncompressed tar */
	char *media_type;
	uint64_t size;		/* bytes of the blob (compressed) */
	uint64_t usize;		/* bytes of the uncompressed tar */
	json_t *history;	/* its entry of the config's history (borrowed
				 * from config), or NULL when the history does
				 * not line up with the layers */
	size_t files;		/* entries of the final filesystem from it */
	int64_t bytes;		/* bytes of its regular files there */
};

struct imgtar {
	struct imgtar_file *v;	/* the final filesystem, sorted by path */
	size_t n, cap;
	struct imgtar_layer *layers;	/* bottom first */
	size_t nlayers;
	long nlinks;		/* hardlink groups: 0 .. nlinks - 1 */
	int history_ok;		/* one history entry a layer (empty_layer aside) */
	char manifest_digest[72];	/* "sha256:..." of the image manifest */
	json_t *config;			/* the image config */
	json_t *index;			/* index.json */
};

/* Read ARCHIVE. Returns 0, or -1 with errno and E set. */
int imgtar_read(struct imgtar *t, const char *archive, struct err *e);
void imgtar_free(struct imgtar *t);
/* The entry for PATH (absolute) as it is in the final filesystem, or NULL. */
struct imgtar_file *imgtar_get(const struct imgtar *t, const char *path);
/* The entry PATH names once its directory components (and, with
 * FOLLOW, its last one) are resolved through the image's own symlinks
 * ("/lib/libc.so.6" with lib -> usr/lib is "/usr/lib/libc.so.6"); NULL
 * when there is none or a loop. */
struct imgtar_file *imgtar_resolve(const struct imgtar *t, const char *path, int follow);

#endif
