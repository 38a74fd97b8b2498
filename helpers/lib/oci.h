/* oci: the image archive `docker save` writes since Docker 25, built from
 * one layer blob: an OCI image layout (oci-layout, index.json,
 * blobs/sha256/...) plus a Docker manifest.json pointing into blobs/, so
 * classic `docker load`, containerd, podman and skopeo all read it. JSON
 * is written by jansson with sorted keys: the same inputs give the same
 * bytes. */
#ifndef OCI_H
#define OCI_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"

struct oci_image {
	int layerfd;			/* the (compressed) layer, read from offset 0 */
	uint64_t layer_size;
	char layer_digest[65];		/* hex sha256 of the layer blob */
	char diff_id[65];		/* hex sha256 of the uncompressed tar */
	const char *layer_media_type;
	json_t *runtime;		/* the config's "config" object (borrowed) */
	json_t *annotations;		/* manifest annotations (borrowed) */
	const char *arch;		/* amd64, arm64 */
	int64_t created;		/* SOURCE_DATE_EPOCH */
	const char **tags;		/* "php:latest", ... */
	int ntags;
	/* out */
	char manifest_digest[65], config_digest[65];
};

/* "php:latest" -> "docker.io/library/php:latest"; TAG gets "latest". */
int oci_normalize_ref(const char *ref, char *full, size_t n, const char **tag);
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

#endif
