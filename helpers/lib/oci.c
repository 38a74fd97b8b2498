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
#include "oci_impl.h"

void
oci_sha256_hex(const void *buf, size_t n, char hex[65])
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

const char *
oci_arch_variant(const char *arch)
{
	/* the OCI image index spec's platform table and docker's own arm64
	 * images (config and index) say arm64/v8 */
	return arch && !strcmp(arch, "arm64") ? "v8" : NULL;
}

json_t *
oci_descriptor(const char *mt, const char *hex, uint64_t size)
{
	char d[80];

	snprintf(d, sizeof(d), "sha256:%s", hex);
	return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", d, "size", (json_int_t)size);
}

char *
oci_dump(json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

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

/* SIZE bytes at OFF of FD into A */
static int
copy_fd(struct archive *a, int fd, int64_t off, uint64_t size)
{
	static char buf[1 << 20];
	uint64_t done = 0;

	while (done < size) {
		size_t want = size - done < sizeof(buf) ? size - done : sizeof(buf);
		ssize_t n = pread(fd, buf, want, off + (int64_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;	/* the file is shorter than it was */
			return -1;
		}
		if (archive_write_data(a, buf, n) != n)
			return -1;
		done += n;
	}
	return 0;
}

void
oci_archive_fail(struct err *e, struct archive *a, const char *what)
{
	const char *why = a ? archive_error_string(a) : NULL;
	int errnum = a && archive_errno(a) > 0 ? archive_errno(a) : errno ? errno : EIO;

	if (why)
		err_set(e, errnum, "%s: %s", what, why);
	else
		err_set(e, errnum, "%s:", what);
}

static int
cmp_member(const void *x, const void *y)
{
	return strcmp(((const struct oci_member *)x)->name, ((const struct oci_member *)y)->name);
}

static int
write_member(struct archive *a, struct archive_entry *ae, const struct oci_member *m, int64_t mtime)
{
	if (add_file(a, ae, m->name, S_IFREG | 0644, m->size, mtime))
		return -1;
	return m->data ? (archive_write_data(a, m->data, m->size) == (la_ssize_t)m->size ? 0 : -1)
		       : copy_fd(a, m->fd, m->off, m->size);
}

int
oci_write_layout(int outfd, struct oci_member *blobs, size_t nblobs, const struct oci_member *tail,
		 size_t ntail, int64_t mtime, struct err *e)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	int r = -1;

	qsort(blobs, nblobs, sizeof(*blobs), cmp_member);
	if (!a || !ae || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, outfd) != ARCHIVE_OK ||
	    add_file(a, ae, "blobs", S_IFDIR | 0755, 0, mtime) ||
	    add_file(a, ae, "blobs/sha256", S_IFDIR | 0755, 0, mtime))
		goto fail;
	for (size_t i = 0; i < nblobs; i++) {
		/* a blob twice (two layers alike, an empty config shared): once */
		if (i && !strcmp(blobs[i].name, blobs[i - 1].name))
			continue;
		if (write_member(a, ae, &blobs[i], mtime))
			goto fail;
	}
	for (size_t i = 0; i < ntail; i++)
		if (write_member(a, ae, &tail[i], mtime))
			goto fail;
	if (archive_write_close(a) != ARCHIVE_OK)
		goto fail;
	r = 0;
	goto out;
fail:
	oci_archive_fail(e, a, "writing the image archive");
out:
	archive_entry_free(ae);
	archive_write_free(a);
	return r;
}

/* the config: platform, created, the runtime config, diff_ids, history */
static json_t *
image_config(const struct oci_image *img, const char *created)
{
	const char *variant = oci_arch_variant(img->arch);
	json_t *diff_ids = json_array(), *config;

	for (size_t i = 0; i < img->nlayers; i++) {
		char d[80];

		snprintf(d, sizeof(d), "sha256:%s", img->layers[i].diff_id);
		json_array_append_new(diff_ids, json_string(d));
	}
	config = json_pack("{s:s, s:s, s:s, s:O, s:{s:s, s:o}}", "architecture", img->arch, "os", "linux",
			   "created", created, "config", img->runtime, "rootfs", "type", "layers", "diff_ids", diff_ids);
	if (config && variant)
		json_object_set_new(config, "variant", json_string(variant));
	if (config && img->history)
		json_object_set(config, "history", img->history);
	return config;
}

/* blobs/sha256/HEX */
static char *
blob_name(const char *hex)
{
	char *s;

	return asprintf(&s, "blobs/sha256/%s", hex) < 0 ? NULL : s;
}

int
oci_write(struct oci_image *img, int outfd, struct err *e)
{
	char created[32];
	char *config_s = NULL, *manifest_s = NULL, *index_s = NULL, *docker_s = NULL;
	char **names = calloc(img->nlayers + 2, sizeof(*names));
	json_t *config = NULL, *manifest = NULL, *layers = json_array(), *manifests = json_array();
	json_t *tags = json_array(), *docker_layers = json_array(), *index = NULL, *docker = NULL;
	struct oci_member *blobs = calloc(img->nlayers + 2, sizeof(*blobs));
	struct tm tm;
	time_t t = (time_t)img->created;
	int r = -1;

	err_clear(e);
	gmtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!names || !blobs || !layers || !manifests || !tags || !docker_layers)
		goto nomem;
	for (size_t i = 0; i < img->nlayers; i++) {
		const struct oci_layer *l = &img->layers[i];

		json_array_append_new(layers, oci_descriptor(l->media_type, l->digest, l->size));
		if (!(names[i] = blob_name(l->digest)))
			goto nomem;
		json_array_append_new(docker_layers, json_string(names[i]));
		blobs[i] = (struct oci_member){ names[i], NULL, l->size, l->fd, l->off };
	}
	if (!(config = image_config(img, created)) || !(config_s = oci_dump(config)))
		goto nomem;
	oci_sha256_hex(config_s, strlen(config_s), img->config_digest);
	manifest = json_pack("{s:i, s:s, s:o, s:O}", "schemaVersion", 2, "mediaType", MT_MANIFEST,
			     "config", oci_descriptor(MT_CONFIG, img->config_digest, strlen(config_s)),
			     "layers", layers);
	if (!manifest)
		goto nomem;
	if (json_object_size(img->annotations))
		json_object_set(manifest, "annotations", img->annotations);
	if (!(manifest_s = oci_dump(manifest)))
		goto nomem;
	oci_sha256_hex(manifest_s, strlen(manifest_s), img->manifest_digest);

	for (int i = 0; i < img->ntags; i++) {
		char full[512];
		const char *tag;
		json_t *d;

		if (oci_normalize_ref(img->tags[i], full, sizeof(full), &tag)) {
			err_set(e, EINVAL, "--tag %s: not an image reference (NAME[:TAG])", img->tags[i]);
			goto out;
		}
		d = oci_descriptor(MT_MANIFEST, img->manifest_digest, strlen(manifest_s));
		json_object_set_new(d, "annotations",
				    json_pack("{s:s, s:s}", "io.containerd.image.name", full,
					      "org.opencontainers.image.ref.name", tag));
		json_array_append_new(manifests, d);
		json_array_append_new(tags, json_string(img->tags[i]));
	}
	if (!(names[img->nlayers] = blob_name(img->config_digest)) ||
	    !(names[img->nlayers + 1] = blob_name(img->manifest_digest)))
		goto nomem;
	blobs[img->nlayers] = (struct oci_member){ names[img->nlayers], config_s, strlen(config_s), -1, 0 };
	blobs[img->nlayers + 1] = (struct oci_member){ names[img->nlayers + 1], manifest_s, strlen(manifest_s), -1, 0 };
	index = json_pack("{s:i, s:s, s:O}", "schemaVersion", 2, "mediaType", MT_INDEX, "manifests", manifests);
	docker = json_pack("[{s:s, s:O, s:O}]", "Config", names[img->nlayers], "RepoTags", tags, "Layers", docker_layers);
	if (!index || !docker || !(index_s = oci_dump(index)) || !(docker_s = oci_dump(docker)))
		goto nomem;
	{
		const struct oci_member tail[] = {
			{ "index.json", index_s, strlen(index_s), -1, 0 },
			{ "manifest.json", docker_s, strlen(docker_s), -1, 0 },
			{ "oci-layout", OCI_LAYOUT, strlen(OCI_LAYOUT), -1, 0 },
		};

		r = oci_write_layout(outfd, blobs, img->nlayers + 2, tail, 3, img->created, e);
	}
	goto out;
nomem:
	err_set(e, ENOMEM, "writing the image archive:");
out:
	for (size_t i = 0; names && i < img->nlayers + 2; i++)
		free(names[i]);
	free(names);
	free(blobs);
	json_decref(config);
	json_decref(manifest);
	json_decref(layers);
	json_decref(manifests);
	json_decref(tags);
	json_decref(docker_layers);
	json_decref(index);
	json_decref(docker);
	free(config_s);
	free(manifest_s);
	free(index_s);
	free(docker_s);
	return r;
}

/* --- attaching an artifact (oci_attach) --- */

#define MAX_JSON (16 << 20)	/* index.json or a manifest read back */

static int
write_blob(struct archive *a, struct archive_entry *ae, const char *name, const char *data, size_t n,
	   int64_t mtime)
{
	return add_file(a, ae, name, S_IFREG | 0644, n, mtime) ||
	       archive_write_data(a, data, n) != (la_ssize_t)n ? -1 : 0;
}

/* The member NAME of the archive IN as a NUL-terminated malloc()ed string
 * (its mtime into *MTIME when not NULL). NULL: absent (ENOENT, E empty),
 * or unreadable (E set). */
static char *
read_member(const char *in, const char *name, int64_t *mtime, struct err *e)
{
	struct archive *r = oci_open_archive(in, e);
	struct archive_entry *ent;
	char *s = NULL;

	if (!r)
		return NULL;
	errno = ENOENT;
	while (!s && archive_read_next_header(r, &ent) == ARCHIVE_OK) {
		int64_t sz = archive_entry_size(ent);

		if (strcmp(archive_entry_pathname(ent), name))
			continue;
		if (mtime)
			*mtime = archive_entry_mtime(ent);
		if (sz < 0 || sz > MAX_JSON || !(s = calloc(1, sz + 1)) || archive_read_data(r, s, sz) != sz) {
			oci_archive_fail(e, r, in);
			free(s);
			s = NULL;
			break;
		}
	}
	archive_read_free(r);
	return s;
}

/* The descriptor of the image manifest INDEX names (the first entry of
 * MT_MANIFEST), as the artifact's `subject`; REF_NAME must be new. */
static json_t *
image_subject(json_t *index, const char *in, const char *ref_name, struct err *e)
{
	json_t *m0 = NULL, *v;
	size_t i;

	json_array_foreach(json_object_get(index, "manifests"), i, v) {
		const char *rn = json_string_value(json_object_get(json_object_get(v, "annotations"),
								   "org.opencontainers.image.ref.name"));

		if (rn && !strcmp(rn, ref_name)) {
			err_set(e, EEXIST, "%s: already has an artifact named %s", in, ref_name);
			return NULL;
		}
		if (!m0 && !strcmp(json_string_value(json_object_get(v, "mediaType")) ?: "", MT_MANIFEST))
			m0 = v;
	}
	if (!m0 || strlen(json_string_value(json_object_get(m0, "digest")) ?: "") != 71) {
		err_set(e, EINVAL, "%s: index.json names no image manifest", in);
		return NULL;
	}
	return json_pack("{s:s, s:O, s:O}", "mediaType", MT_MANIFEST, "digest", json_object_get(m0, "digest"),
			 "size", json_object_get(m0, "size"));
}

/* IN's index.json and the subject it names, checked: its manifest must be
 * in the archive. */
static json_t *
read_index(const char *in, const char *ref_name, int64_t *mtime, json_t **subject, struct err *e)
{
	char *s = read_member(in, "index.json", mtime, e), mname[96], *man;
	json_t *index = s ? json_loads(s, 0, NULL) : NULL;

	free(s);
	if (!index) {
		if (!e || !e->msg[0])
			err_set(e, EINVAL, "%s: no index.json: not an image archive", in);
		return NULL;
	}
	if (!(*subject = image_subject(index, in, ref_name, e)))
		goto fail;
	snprintf(mname, sizeof(mname), "blobs/sha256/%s", json_string_value(json_object_get(*subject, "digest")) + 7);
	if (!(man = read_member(in, mname, NULL, e))) {
		if (!e || !e->msg[0])
			err_set(e, EINVAL, "%s: the image manifest is missing", in);
		json_decref(*subject);
		goto fail;
	}
	free(man);
	return index;
fail:
	json_decref(index);
	return NULL;
}

/* The artifact's manifest: the empty config, BLOB (LEN bytes, hex digest
 * BLOB_HEX) as its one layer, SUBJECT. */
static char *
artifact_manifest(const char *blob_hex, size_t len, const char *empty_hex, const char *artifact_type,
		  const char *title, json_t *subject)
{
	json_t *layer = oci_descriptor(artifact_type, blob_hex, len), *man;
	char *s;

	if (title)
		json_object_set_new(layer, "annotations", json_pack("{s:s}", "org.opencontainers.image.title", title));
	man = json_pack("{s:i, s:s, s:s, s:o, s:[o], s:O}", "schemaVersion", 2, "mediaType", MT_MANIFEST,
			"artifactType", artifact_type, "config", oci_descriptor(MT_EMPTY, empty_hex, 2),
			"layers", layer, "subject", subject);
	s = man ? oci_dump(man) : NULL;
	json_decref(man);
	return s;
}

/* index.json with the artifact's manifest (digest DIGEST, SIZE bytes)
 * listed under REF_NAME */
static char *
index_with_artifact(json_t *index, const char *digest, size_t size, const char *artifact_type,
		    const char *ref_name)
{
	json_t *d = oci_descriptor(MT_MANIFEST, digest, size);

	json_object_set_new(d, "artifactType", json_string(artifact_type));
	json_object_set_new(d, "annotations", json_pack("{s:s}", "org.opencontainers.image.ref.name", ref_name));
	json_array_append_new(json_object_get(index, "manifests"), d);
	return oci_dump(index);
}

/* One entry of IN (at R's current header) into W. */
static int
copy_entry(struct archive *r, struct archive *w, struct archive_entry *ent, const char *in, struct err *e)
{
	static char buf[1 << 16];

	if (archive_write_header(w, ent) != ARCHIVE_OK)
		return oci_archive_fail(e, w, "writing the archive"), -1;
	for (;;) {
		la_ssize_t k = archive_read_data(r, buf, sizeof(buf));

		if (k < 0)
			return oci_archive_fail(e, r, in), -1;
		if (!k)
			return 0;
		if (archive_write_data(w, buf, k) != k)
			return oci_archive_fail(e, w, "writing the archive"), -1;
	}
}

/* Copy IN to OUTFD with ADD (sorted by name) in their sorted places among
 * the blobs and NEW_INDEX instead of index.json; every other byte as it
 * is. */
static int
copy_with(const char *in, int outfd, const struct oci_member *add, size_t nadd, const char *new_index,
	  int64_t mtime, struct err *e)
{
	struct archive *r = oci_open_archive(in, e), *w = NULL;
	struct archive_entry *ent, *ae = NULL;
	size_t next = 0;
	int rc = -1;

	if (!r)
		return -1;
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
		} else if (copy_entry(r, w, ent, in, e)) {
			goto out;
		}
	}
	if (archive_write_close(w) != ARCHIVE_OK)
		goto write_fail;
	rc = 0;
	goto out;
write_fail:
	oci_archive_fail(e, w, "writing the archive");
out:
	archive_read_free(r);
	archive_write_free(w);
	archive_entry_free(ae);
	return rc;
}

int
oci_attach(const char *in, int outfd, const void *blob, size_t len, const char *artifact_type,
	   const char *title, const char *ref_name, char artifact_digest[65], struct err *e)
{
	char blob_hex[65], empty_hex[65], names[3][96], *man_s = NULL, *new_index = NULL;
	json_t *index, *subject = NULL;
	struct oci_member add[3];
	int64_t mtime = 0;
	int rc = -1;

	err_clear(e);
	if (!(index = read_index(in, ref_name, &mtime, &subject, e)))
		return -1;
	oci_sha256_hex(blob, len, blob_hex);
	oci_sha256_hex("{}", 2, empty_hex);
	if (!(man_s = artifact_manifest(blob_hex, len, empty_hex, artifact_type, title, subject)))
		goto nomem;
	oci_sha256_hex(man_s, strlen(man_s), artifact_digest);
	if (!(new_index = index_with_artifact(index, artifact_digest, strlen(man_s), artifact_type, ref_name)))
		goto nomem;
	snprintf(names[0], sizeof(names[0]), "blobs/sha256/%s", blob_hex);
	snprintf(names[1], sizeof(names[1]), "blobs/sha256/%s", empty_hex);
	snprintf(names[2], sizeof(names[2]), "blobs/sha256/%s", artifact_digest);
	add[0] = (struct oci_member){ names[0], blob, len, -1, 0 };
	add[1] = (struct oci_member){ names[1], "{}", 2, -1, 0 };
	add[2] = (struct oci_member){ names[2], man_s, strlen(man_s), -1, 0 };
	qsort(add, 3, sizeof(*add), cmp_member);
	rc = copy_with(in, outfd, add, 3, new_index, mtime, e);
	goto out;
nomem:
	err_set(e, ENOMEM, "%s: attaching the artifact:", in);
out:
	json_decref(index);
	json_decref(subject);
	free(man_s);
	free(new_index);
	return rc;
}
