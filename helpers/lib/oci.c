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

#include "hex.h"
#include "oci.h"

#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"

static void
sha256_hex(const void *buf, size_t n, char hex[65])
{
	hex_digest(EVP_sha256(), buf, n, hex);
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

/* "WHAT: REASON": libarchive's message for A when it has one, else errno's */
static void
archive_fail(struct err *e, struct archive *a, const char *what)
{
	const char *why = a ? archive_error_string(a) : NULL;
	int errnum = a && archive_errno(a) > 0 ? archive_errno(a) : errno ? errno : EIO;

	if (why)
		err_set(e, errnum, "%s: %s", what, why);
	else
		err_set(e, errnum, "%s:", what);
}

static int
cmp_file(const void *x, const void *y)
{
	return strcmp(((const struct outfile *)x)->name, ((const struct outfile *)y)->name);
}

int
oci_write(struct oci_image *img, int outfd, struct err *e)
{
	char created[32], diff[80], layer_name[96], config_name[96], manifest_name[96];
	char *config_s = NULL, *manifest_s = NULL, *index_s = NULL, *docker_s = NULL;
	json_t *config, *manifest, *index, *manifests, *docker, *tags;
	struct archive *a = NULL;
	struct archive_entry *ae = NULL;
	struct tm tm;
	time_t t = (time_t)img->created;
	int r = -1;

	err_clear(e);
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
			err_set(e, EINVAL, "--tag %s: not an image reference (NAME[:TAG])", img->tags[i]);
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
	archive_fail(e, a, "writing the image archive");
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

/* --- attaching an artifact (oci_attach) --- */

#define MT_EMPTY "application/vnd.oci.empty.v1+json"

static int
write_blob(struct archive *a, struct archive_entry *ae, const char *name, const char *data, size_t n,
	   int64_t mtime)
{
	return add_file(a, ae, name, S_IFREG | 0644, n, mtime) ||
	       archive_write_data(a, data, n) != (la_ssize_t)n ? -1 : 0;
}

int
oci_attach(const char *in, int outfd, const void *blob, size_t len, const char *artifact_type,
	   const char *title, const char *ref_name, char artifact_digest[65], struct err *e)
{
	struct archive *r = NULL, *w = NULL;
	struct archive_entry *ent, *ae = NULL;
	json_t *index = NULL, *man = NULL, *subject = NULL, *d;
	char *index_s = NULL, *man_s = NULL, *new_index = NULL, blob_hex[65], empty_hex[65];
	struct outfile add[3];
	size_t nadd = 0, next = 0, i;
	int64_t mtime = 0;
	int rc = -1;

	err_clear(e);
	/* pass 1: index.json, and the image manifest it names */
	for (int pass = 0; pass < 2; pass++) {
		const char *want = NULL;
		char mname[96];

		if (pass) {
			json_t *m0 = NULL, *v;

			json_array_foreach(json_object_get(index, "manifests"), i, v) {
				const char *rn = json_string_value(json_object_get(json_object_get(v, "annotations"),
										   "org.opencontainers.image.ref.name"));

				if (rn && !strcmp(rn, ref_name)) {
					err_set(e, EEXIST, "%s: already has an artifact named %s", in, ref_name);
					goto out;
				}
				if (!m0 && !strcmp(json_string_value(json_object_get(v, "mediaType")) ?: "", MT_MANIFEST))
					m0 = v;
			}
			if (!m0 || strlen(json_string_value(json_object_get(m0, "digest")) ?: "") != 71) {
				err_set(e, EINVAL, "%s: index.json names no image manifest", in);
				goto out;
			}
			subject = json_pack("{s:s, s:O, s:O}", "mediaType", MT_MANIFEST, "digest",
					    json_object_get(m0, "digest"), "size", json_object_get(m0, "size"));
			snprintf(mname, sizeof(mname), "blobs/sha256/%s", json_string_value(json_object_get(m0, "digest")) + 7);
			want = mname;
		}
		if (!(r = archive_read_new()) || archive_read_support_format_tar(r) != ARCHIVE_OK ||
		    archive_read_open_filename(r, in, 1 << 16) != ARCHIVE_OK)
			goto read_fail;
		while (archive_read_next_header(r, &ent) == ARCHIVE_OK) {
			const char *n = archive_entry_pathname(ent);

			if (!pass && !strcmp(n, "index.json")) {
				int64_t sz = archive_entry_size(ent);

				mtime = archive_entry_mtime(ent);
				if (sz < 0 || sz > (16 << 20) || !(index_s = calloc(1, sz + 1)) ||
				    archive_read_data(r, index_s, sz) != sz)
					goto read_fail;
			} else if (pass && !strcmp(n, want)) {
				int64_t sz = archive_entry_size(ent);

				if (sz < 0 || sz > (16 << 20) || !(man_s = calloc(1, sz + 1)) ||
				    archive_read_data(r, man_s, sz) != sz)
					goto read_fail;
			}
		}
		archive_read_free(r);
		r = NULL;
		if (!pass && (!index_s || !(index = json_loads(index_s, 0, NULL)))) {
			err_set(e, EINVAL, "%s: no index.json: not an image archive", in);
			goto out;
		}
	}
	if (!man_s) {
		err_set(e, EINVAL, "%s: the image manifest is missing", in);
		goto out;
	}

	/* the artifact: its blob, the empty config, its manifest */
	sha256_hex(blob, len, blob_hex);
	sha256_hex("{}", 2, empty_hex);
	{
		json_t *layer = descriptor(artifact_type, blob_hex, len);

		if (title)
			json_object_set_new(layer, "annotations",
					    json_pack("{s:s}", "org.opencontainers.image.title", title));
		man = json_pack("{s:i, s:s, s:s, s:o, s:[o], s:O}", "schemaVersion", 2, "mediaType", MT_MANIFEST,
				"artifactType", artifact_type, "config", descriptor(MT_EMPTY, empty_hex, 2),
				"layers", layer, "subject", subject);
	}
	free(man_s);
	man_s = dump(man);
	sha256_hex(man_s, strlen(man_s), artifact_digest);
	d = descriptor(MT_MANIFEST, artifact_digest, strlen(man_s));
	json_object_set_new(d, "artifactType", json_string(artifact_type));
	json_object_set_new(d, "annotations", json_pack("{s:s}", "org.opencontainers.image.ref.name", ref_name));
	json_array_append_new(json_object_get(index, "manifests"), d);
	new_index = dump(index);

	{
		static char names[3][96];

		snprintf(names[0], 96, "blobs/sha256/%s", blob_hex);
		snprintf(names[1], 96, "blobs/sha256/%s", empty_hex);
		snprintf(names[2], 96, "blobs/sha256/%s", artifact_digest);
		add[nadd++] = (struct outfile){ names[0], blob, len };
		add[nadd++] = (struct outfile){ names[1], "{}", 2 };
		add[nadd++] = (struct outfile){ names[2], man_s, strlen(man_s) };
		qsort(add, nadd, sizeof(*add), cmp_file);
	}

	/* pass 3: copy, with the new blobs in their sorted places and the new index.json */
	if (!(r = archive_read_new()) || archive_read_support_format_tar(r) != ARCHIVE_OK ||
	    archive_read_open_filename(r, in, 1 << 16) != ARCHIVE_OK)
		goto read_fail;
	if (!(w = archive_write_new()) || !(ae = archive_entry_new()) ||
	    archive_write_set_format_pax_restricted(w) != ARCHIVE_OK || archive_write_open_fd(w, outfd) != ARCHIVE_OK)
		goto write_fail;
	while (archive_read_next_header(r, &ent) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(ent);
		int is_blob = !strncmp(n, "blobs", 5);	/* blobs/, blobs/sha256/ and the blobs */

		while (next < nadd && (!is_blob || strcmp(add[next].name, n) <= 0)) {
			if (strcmp(add[next].name, n) &&
			    write_blob(w, ae, add[next].name, add[next].data, add[next].size, mtime))
				goto write_fail;
			next++;
		}
		if (!strcmp(n, "index.json")) {
			if (write_blob(w, ae, "index.json", new_index, strlen(new_index), mtime))
				goto write_fail;
			continue;
		}
		if (archive_write_header(w, ent) != ARCHIVE_OK)
			goto write_fail;
		for (;;) {
			static char buf[1 << 16];
			la_ssize_t k = archive_read_data(r, buf, sizeof(buf));

			if (k < 0)
				goto read_fail;
			if (!k)
				break;
			if (archive_write_data(w, buf, k) != k)
				goto write_fail;
		}
	}
	if (archive_write_close(w) != ARCHIVE_OK)
		goto write_fail;
	rc = 0;
	goto out;
read_fail:
	archive_fail(e, r, in);
	goto out;
write_fail:
	archive_fail(e, w, "writing the archive");
out:
	archive_read_free(r);
	archive_write_free(w);
	archive_entry_free(ae);
	json_decref(index);
	json_decref(man);
	json_decref(subject);
	free(index_s);
	free(man_s);
	free(new_index);
	return rc;
}
