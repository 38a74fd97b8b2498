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
/* Write the archive to OUTFD. Returns 0 or -1 with ERR filled. */
int oci_write(struct oci_image *img, int outfd, char *err, size_t errlen);

#endif
