/* oci: the image archive `docker save` writes since Docker 25: an OCI
 * image layout (oci-layout, index.json, blobs/sha256/...) plus a Docker
 * manifest.json pointing into blobs/, so classic `docker load`,
 * containerd, podman and skopeo all read it. JSON is written by jansson
 * with sorted keys, tar members sorted by name with the image's time:
 * the same inputs give the same bytes.
 *
 * oci.c writes an image from its layer blobs (oci_write) and attaches an
 * artifact to one (oci_attach); oci_read.c reads an archive back, every
 * blob checked against its name (oci_read, oci_find_image); oci_index.c
 * merges one-platform archives into a multi-platform one (oci_index). */
#ifndef OCI_H
#define OCI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* one layer blob of an image: SIZE bytes at offset OFF of FD */
struct oci_layer {
	int fd;
	int64_t off;
	uint64_t size;
	char digest[65];		/* hex sha256 of the blob */
	char diff_id[65];		/* hex sha256 of the uncompressed tar */
	const char *media_type;
};

struct oci_image {
	const struct oci_layer *layers;	/* bottom first (none: an image of no layer) */
	size_t nlayers;
	json_t *history;		/* the config's history (borrowed): one entry a
					 * layer, bottom first, and entries marked
					 * empty_layer */
	json_t *runtime;		/* the config's "config" object (borrowed) */
	json_t *annotations;		/* manifest annotations (borrowed) */
	const char *arch;		/* amd64, arm64 (variant v8) */
	int64_t created;		/* SOURCE_DATE_EPOCH */
	const char **tags;		/* "php:latest", ... */
	int ntags;
	/* out */
	char manifest_digest[65], config_digest[65];
};

/* "php:latest" -> "docker.io/library/php:latest"; TAG gets "latest". */
int oci_normalize_ref(const char *ref, char *full, size_t n, const char **tag);
/* The platform variant of ARCH that docker and the OCI image spec use
 * ("v8" for arm64), or NULL. */
const char *oci_arch_variant(const char *arch);
/* Write the archive to OUTFD. Returns 0 or -1 with errno and E set. */
int oci_write(struct oci_image *img, int outfd, struct err *e);

/* Copy the archive IN (as oci_write writes it) to OUTFD with BLOB attached
 * to its image as an OCI 1.1 artifact: a manifest of ARTIFACT_TYPE with
 * the empty config, BLOB as its one layer and `subject` = the image
 * manifest, listed in index.json with the ref name REF_NAME (so that
 * `skopeo copy oci-archive:IN:REF_NAME` reaches it). The image manifest,
 * manifest.json and every other byte stay as they are. ARTIFACT_DIGEST
 * gets the hex digest of the artifact manifest. Returns 0 or -1 with errno
 * and E set (an archive that already holds REF_NAME is an error, EEXIST). */
int oci_attach(const char *in, int outfd, const void *blob, size_t len, const char *artifact_type,
	       const char *title, const char *ref_name, char artifact_digest[65], struct err *e);

/* --- reading an archive back (oci_read.c) --- */

struct oci_blob {
	char hex[65];
	uint64_t size;
	int64_t off;		/* in the spool file; -1: not spooled */
	json_t *json;		/* the blob when it is a JSON object of at most 1 MiB */
};

struct oci_archive {
	char *path;
	json_t *index;		/* index.json */
	json_t *docker;		/* manifest.json, or NULL */
	int64_t mtime;		/* index.json's */
	struct oci_blob *blobs;	/* sorted by hex */
	size_t nblobs;
};

/* Read the archive PATH (a tar, not compressed): index.json, manifest.json
 * and every blobs/sha256/HEX, whose SHA-256 must be HEX; with SPOOLFD >= 0
 * each blob's bytes are appended to SPOOLFD. Members of other names are
 * passed over. Returns 0, or -1 with errno and E set (naming PATH and the
 * member). */
int oci_read(struct oci_archive *a, const char *path, int spoolfd, struct err *e);
void oci_archive_free(struct oci_archive *a);
/* The blob of DIGEST ("sha256:HEX" or HEX), or NULL. */
const struct oci_blob *oci_blob_get(const struct oci_archive *a, const char *digest);

/* The image of an archive read by oci_read: its manifest and config, both
 * present and JSON, every layer blob present with the size its descriptor
 * says, and manifest.json, when there is one, naming the same config and
 * layers. The image is the one image manifest index.json names (directly
 * or through an image index; artifacts, i.e. manifests with a subject,
 * and platform unknown/unknown are not images), or with several the one
 * manifest.json loads. */
struct oci_found {
	const struct oci_blob *manifest, *config;
	json_t *layers;		/* the manifest's "layers" (borrowed) */
	size_t nimages;		/* the images index.json names */
};
int oci_find_image(const struct oci_archive *a, struct oci_found *f, struct err *e);

/* --- several one-platform archives as one (oci_index.c) --- */

struct oci_index_opts {
	const char **in;	/* the archives, one platform each (mkimage's) */
	size_t nin;
	const char **tags;	/* NULL: the tags the archives share */
	int ntags;
	const char *load_platform;	/* "linux/amd64": manifest.json's image;
					 * NULL: the first archive's */
	int spoolfd;		/* a temporary file for the blobs */
	/* out */
	char index_digest[65];	/* of the image index */
	char loaded[96];	/* the platform manifest.json names */
};

/* Write to OUTFD one archive holding the images of OPTS->in: index.json
 * names (one entry a tag) an image index that lists every image with its
 * platform (os, architecture, variant; arm64's is v8) and the artifacts
 * attached to them (platform unknown/unknown, as BuildKit lists its
 * attestations, so that no client takes one for an image), each blob
 * once; manifest.json lists the image of OPTS->load_platform only. The
 * image index is JSON in the key order of Go's image-spec types (what
 * skopeo copy --all rewrites it to), not sorted. Returns 0 or -1 with
 * errno and E set. */
int oci_index(struct oci_index_opts *opts, int outfd, struct err *e);

#endif
