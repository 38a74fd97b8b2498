#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oci.h"

#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"

static void
sha256_hex(const void *buf, size_t n, char hex[65])
{
	unsigned char md[32];

	EVP_Digest(buf, n, md, NULL, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}

int
oci_normalize_ref(const char *ref, char *full, size_t n, const char **tag)
{
	const char *slash = strchr(ref, '/'), *last = strrchr(ref, '/');
	const char *colon = strrchr(last ? last : ref, ':');
	int domain = slash && (memchr(ref, '.', slash - ref) || memchr(ref, ':', slash - ref) ||
			       (slash - ref == 9 && !strncmp(ref, "localhost", 9)));
	int k;

	if (!*ref || strchr(ref, '@') || strchr(ref, ' ') || (colon && !colon[1])) {
		errno = EINVAL;
		return -1;
	}
	*tag = colon ? colon + 1 : "latest";
	k = snprintf(full, n, "%s%s%s%s", domain ? "" : "docker.io/",
		     domain || slash ? "" : "library/", ref, colon ? "" : ":latest");
	if (k < 0 || (size_t)k >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static json_t *
descriptor(const char *mt, const char *hex, uint64_t size)
{
	char d[80];

	snprintf(d, sizeof(d), "sha256:%s", hex);
	return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", d, "size", (json_int_t)size);
}

static char *
dump(json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

struct outfile {
	const char *name;
	const char *data;	/* NULL: the layer */
	size_t size;
};

static int
add_file(struct archive *a, struct archive_entry *ae, const char *name, mode_t mode,
	 uint64_t size, int64_t mtime)
{
	archive_entry_clear(ae);
	archive_entry_set_pathname(ae, name);
	archive_entry_set_mode(ae, mode);
	archive_entry_set_size(ae, S_ISREG(mode) ? (la_int64_t)size : 0);
	archive_entry_set_mtime(ae, mtime, 0);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	return archive_write_header(a, ae) == ARCHIVE_OK ? 0 : -1;
}

static int
copy_layer(struct archive *a, int fd, uint64_t size)
{
	static char buf[1 << 20];
	uint64_t off = 0;

	while (off < size) {
		size_t want = size - off < sizeof(buf) ? size - off : sizeof(buf);
		ssize_t n = pread(fd, buf, want, off);

		if (n <= 0)
			return -1;
		if (archive_write_data(a, buf, n) != n)
			return -1;
		off += n;
	}
	return 0;
}

static int
cmp_file(const void *x, const void *y)
{
	return strcmp(((const struct outfile *)x)->name, ((const struct outfile *)y)->name);
}

int
oci_write(struct oci_image *img, int outfd, char *err, size_t errlen)
{
	char created[32], diff[80], layer_name[96], config_name[96], manifest_name[96];
	char *config_s = NULL, *manifest_s = NULL, *index_s = NULL, *docker_s = NULL;
	json_t *config, *manifest, *index, *manifests, *docker, *tags;
	struct archive *a = NULL;
	struct archive_entry *ae = NULL;
	struct tm tm;
	time_t t = (time_t)img->created;
	int r = -1;

	gmtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(diff, sizeof(diff), "sha256:%s", img->diff_id);

	config = json_pack("{s:s, s:s, s:s, s:O, s:{s:s, s:[s]}, s:[{s:s, s:s}]}",
			   "architecture", img->arch, "os", "linux", "created", created,
			   "config", img->runtime,
			   "rootfs", "type", "layers", "diff_ids", diff,
			   "history", "created", created, "created_by", "scratchmerge mkimage");
	config_s = dump(config);
	sha256_hex(config_s, strlen(config_s), img->config_digest);

	manifest = json_pack("{s:i, s:s, s:o, s:[o]}", "schemaVersion", 2, "mediaType", MT_MANIFEST,
			     "config", descriptor(MT_CONFIG, img->config_digest, strlen(config_s)),
			     "layers", descriptor(img->layer_media_type, img->layer_digest, img->layer_size));
	if (json_object_size(img->annotations))
		json_object_set(manifest, "annotations", img->annotations);
	manifest_s = dump(manifest);
	sha256_hex(manifest_s, strlen(manifest_s), img->manifest_digest);

	manifests = json_array();
	tags = json_array();
	for (int i = 0; i < img->ntags; i++) {
		char full[512];
		const char *tag;
		json_t *d = descriptor(MT_MANIFEST, img->manifest_digest, strlen(manifest_s));

		if (oci_normalize_ref(img->tags[i], full, sizeof(full), &tag)) {
			snprintf(err, errlen, "--tag %s: not an image reference (NAME[:TAG])", img->tags[i]);
			json_decref(d);
			goto out_json;
		}
		json_object_set_new(d, "annotations",
				    json_pack("{s:s, s:s}", "io.containerd.image.name", full,
					      "org.opencontainers.image.ref.name", tag));
		json_array_append_new(manifests, d);
		json_array_append_new(tags, json_string(img->tags[i]));
	}
	index = json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", MT_INDEX, "manifests", manifests);
	index_s = dump(index);
	snprintf(layer_name, sizeof(layer_name), "blobs/sha256/%s", img->layer_digest);
	snprintf(config_name, sizeof(config_name), "blobs/sha256/%s", img->config_digest);
	snprintf(manifest_name, sizeof(manifest_name), "blobs/sha256/%s", img->manifest_digest);
	docker = json_pack("[{s:s, s:O, s:[s]}]", "Config", config_name, "RepoTags", tags, "Layers", layer_name);
	docker_s = dump(docker);
	json_decref(index);
	json_decref(docker);

	{
		struct outfile files[] = {
			{ config_name, config_s, strlen(config_s) },
			{ layer_name, NULL, img->layer_size },
			{ manifest_name, manifest_s, strlen(manifest_s) },
		};
		struct outfile tail[] = {
			{ "index.json", index_s, strlen(index_s) },
			{ "manifest.json", docker_s, strlen(docker_s) },
			{ "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30 },
		};

		qsort(files, 3, sizeof(*files), cmp_file);
		a = archive_write_new();
		ae = archive_entry_new();
		if (!a || !ae || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
		    archive_write_open_fd(a, outfd) != ARCHIVE_OK ||
		    add_file(a, ae, "blobs", S_IFDIR | 0755, 0, img->created) ||
		    add_file(a, ae, "blobs/sha256", S_IFDIR | 0755, 0, img->created))
			goto arch_fail;
		for (int i = 0; i < 3; i++) {
			/* two blobs can be the same (an empty layer is never the config,
			 * but be exact) */
			if (i && !strcmp(files[i].name, files[i - 1].name))
				continue;
			if (add_file(a, ae, files[i].name, S_IFREG | 0644, files[i].size, img->created))
				goto arch_fail;
			if (files[i].data ? archive_write_data(a, files[i].data, files[i].size) != (la_ssize_t)files[i].size
					  : copy_layer(a, img->layerfd, files[i].size))
				goto arch_fail;
		}
		for (int i = 0; i < 3; i++)
			if (add_file(a, ae, tail[i].name, S_IFREG | 0644, tail[i].size, img->created) ||
			    archive_write_data(a, tail[i].data, tail[i].size) != (la_ssize_t)tail[i].size)
				goto arch_fail;
		if (archive_write_close(a) != ARCHIVE_OK)
			goto arch_fail;
	}
	r = 0;
	goto out;
arch_fail:
	snprintf(err, errlen, "writing the image archive: %s",
		 a && archive_error_string(a) ? archive_error_string(a) : strerror(errno));
out:
	archive_entry_free(ae);
	archive_write_free(a);
	free(index_s);
	free(docker_s);
out_json:
	json_decref(config);
	json_decref(manifest);
	json_decref(tags);
	free(config_s);
	free(manifest_s);
	return r;
}
