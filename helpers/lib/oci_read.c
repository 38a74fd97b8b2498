/* oci_read: an image archive read back, every blob checked against its
 * name, and the image it holds (see oci.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hex.h"
#include "oci_impl.h"
#include "path.h"

#define MAX_JSON (16 << 20)	/* index.json, manifest.json */
#define JSON_BLOB (1 << 20)	/* a blob read as JSON when it is at most this big */
#define JSON_TOTAL (64 << 20)	/* and all of them together */
#define MAX_NEST 4		/* image indexes inside image indexes */

struct archive *
oci_open_archive(const char *in, struct err *e)
{
	struct archive *r = archive_read_new();

	if (!r || archive_read_support_format_tar(r) != ARCHIVE_OK ||
	    archive_read_open_filename(r, in, 1 << 16) != ARCHIVE_OK) {
		oci_archive_fail(e, r, in);
		archive_read_free(r);
		return NULL;
	}
	return r;
}

void
oci_archive_free(struct oci_archive *a)
{
	for (size_t i = 0; i < a->nblobs; i++)
		json_decref(a->blobs[i].json);
	free(a->blobs);
	free(a->path);
	json_decref(a->index);
	json_decref(a->docker);
	memset(a, 0, sizeof(*a));
}

static int
cmp_blob(const void *x, const void *y)
{
	return strcmp(((const struct oci_blob *)x)->hex, ((const struct oci_blob *)y)->hex);
}

const struct oci_blob *
oci_blob_get(const struct oci_archive *a, const char *digest)
{
	struct oci_blob key;

	if (!digest)
		return NULL;
	if (!strncmp(digest, "sha256:", 7))
		digest += 7;
	if (strlen(digest) != 64)
		return NULL;
	memcpy(key.hex, digest, 65);
	return a->nblobs ? bsearch(&key, a->blobs, a->nblobs, sizeof(key), cmp_blob) : NULL;
}

static int
is_hex64(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 64 && !s[n];
}

/* index.json or manifest.json: a JSON document of at most MAX_JSON bytes */
static int
read_json_member(struct oci_archive *a, struct archive *r, struct archive_entry *ent, json_t **out,
		 struct err *e)
{
	const char *name = archive_entry_pathname(ent);
	int64_t size = archive_entry_size(ent);
	json_error_t je;
	char *buf;

	if (*out)
		return err_set(e, EINVAL, "%s: %s is in the archive twice", a->path, name);
	if (archive_entry_filetype(ent) != AE_IFREG || size < 0 || size > MAX_JSON)
		return err_set(e, EINVAL, "%s: %s: not a regular file of at most %d MiB", a->path, name, MAX_JSON >> 20);
	if (!(buf = malloc(size + 1)))
		return err_set(e, ENOMEM, "%s: %s:", a->path, name);
	if (archive_read_data(r, buf, size) != size) {
		free(buf);
		oci_archive_fail(e, r, a->path);
		return -1;
	}
	*out = json_loadb(buf, size, 0, &je);
	free(buf);
	if (!*out)
		return err_set(e, EINVAL, "%s: %s:%d:%d: not JSON: %s", a->path, name, je.line, je.column, je.text);
	return 0;
}

static struct oci_blob *
new_blob(struct oci_archive *a, size_t *cap)
{
	if (a->nblobs == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		void *v = realloc(a->blobs, c * sizeof(*a->blobs));

		if (!v)
			return NULL;
		a->blobs = v;
		*cap = c;
	}
	memset(&a->blobs[a->nblobs], 0, sizeof(*a->blobs));
	return &a->blobs[a->nblobs++];
}

/* blobs/sha256/HEX: hashed (its digest must be HEX), spooled, kept as JSON
 * when it is small JSON */
static int
read_blob(struct oci_archive *a, struct archive *r, struct archive_entry *ent, int spoolfd, size_t *cap,
	  size_t *json_total, struct err *e)
{
	const char *name = archive_entry_pathname(ent), *hex = name + 13;
	static char buf[1 << 16];
	EVP_MD_CTX *c = NULL;
	char *small = NULL, got[65];
	unsigned char md[32];
	uint64_t n = 0;
	struct oci_blob *b;
	la_ssize_t k;
	int r_ = -1;

	if (!is_hex64(hex))
		return err_set(e, EINVAL, "%s: %s: not a SHA-256 blob name (64 hex digits)", a->path, name);
	if (archive_entry_filetype(ent) != AE_IFREG || archive_entry_hardlink(ent))
		return err_set(e, EINVAL, "%s: %s: not a regular file", a->path, name);
	if (!(b = new_blob(a, cap)) || !(c = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(c, EVP_sha256(), NULL))
		goto nomem;
	memcpy(b->hex, hex, 65);
	b->off = -1;
	if (spoolfd >= 0 && (b->off = lseek(spoolfd, 0, SEEK_END)) < 0) {
		err_set(e, errno, "%s: spool file:", a->path);
		goto out;
	}
	if (archive_entry_size(ent) <= JSON_BLOB && !(small = malloc(JSON_BLOB + 1)))
		goto nomem;
	while ((k = archive_read_data(r, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(c, buf, k);
		if (spoolfd >= 0 && path_write_all(spoolfd, buf, k)) {
			err_set(e, errno, "%s: spool file:", a->path);
			goto out;
		}
		if (small && n + k <= JSON_BLOB)
			memcpy(small + n, buf, k);
		n += k;
	}
	if (k < 0) {
		oci_archive_fail(e, r, a->path);
		goto out;
	}
	EVP_DigestFinal_ex(c, md, NULL);
	hex_encode(md, 32, got);
	if (strcmp(got, hex)) {
		err_set(e, EINVAL, "%s: %s: its content's SHA-256 is %s: not the blob its name says", a->path, name, got);
		goto out;
	}
	b->size = n;
	if (small && n <= JSON_BLOB && n && small[0] == '{' && (*json_total += n) <= JSON_TOTAL)
		b->json = json_loadb(small, n, 0, NULL);
	r_ = 0;
	goto out;
nomem:
	err_set(e, ENOMEM, "%s: %s:", a->path, name);
out:
	free(small);
	EVP_MD_CTX_free(c);
	return r_;
}

int
oci_read(struct oci_archive *a, const char *path, int spoolfd, struct err *e)
{
	struct archive *r;
	struct archive_entry *ent;
	size_t cap = 0, json_total = 0;
	int k, rc = -1;

	memset(a, 0, sizeof(*a));
	err_clear(e);
	if (!(a->path = strdup(path)))
		return err_set(e, ENOMEM, "%s:", path);
	if (!(r = oci_open_archive(path, e)))
		return -1;
	while ((k = archive_read_next_header(r, &ent)) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(ent);

		if (!n)
			continue;	/* no name: nothing of the layout */
		if (!strcmp(n, "index.json")) {
			a->mtime = archive_entry_mtime(ent);
			if (read_json_member(a, r, ent, &a->index, e))
				goto out;
		} else if (!strcmp(n, "manifest.json")) {
			if (read_json_member(a, r, ent, &a->docker, e))
				goto out;
		} else if (!strncmp(n, "blobs/sha256/", 13) && n[13]) {
			if (read_blob(a, r, ent, spoolfd, &cap, &json_total, e))
				goto out;
		}
	}
	if (k != ARCHIVE_EOF) {
		oci_archive_fail(e, r, path);
		goto out;
	}
	if (!a->index) {
		err_set(e, EINVAL, "%s: no index.json: not an image archive", path);
		goto out;
	}
	if (a->nblobs)
		qsort(a->blobs, a->nblobs, sizeof(*a->blobs), cmp_blob);
	for (size_t i = 1; i < a->nblobs; i++)
		if (!strcmp(a->blobs[i].hex, a->blobs[i - 1].hex)) {
			err_set(e, EINVAL, "%s: blobs/sha256/%s is in the archive twice", path, a->blobs[i].hex);
			goto out;
		}
	rc = 0;
out:
	archive_read_free(r);
	return rc;
}

/* --- the image --- */

struct found {
	const struct oci_blob **v;
	size_t n;
};

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* the blob a descriptor D names, present and JSON; WHAT says what it is */
static const struct oci_blob *
json_blob(const struct oci_archive *a, json_t *d, const char *what, struct err *e)
{
	const char *digest = str(d, "digest");
	const struct oci_blob *b = oci_blob_get(a, digest);

	if (!digest || strncmp(digest, "sha256:", 7) || !is_hex64(digest + 7)) {
		err_set(e, EINVAL, "%s: %s: digest '%s': not sha256:HEX", a->path, what, digest ? digest : "");
		return NULL;
	}
	if (!b) {
		err_set(e, EINVAL, "%s: blobs/sha256/%s (%s): missing", a->path, digest + 7, what);
		return NULL;
	}
	if (!b->json) {
		err_set(e, EINVAL, "%s: blobs/sha256/%s (%s): not a JSON object", a->path, b->hex, what);
		return NULL;
	}
	return b;
}

static int
is_manifest_type(const char *mt)
{
	return mt && (!strcmp(mt, MT_MANIFEST) || !strcmp(mt, MT_DOCKER_MANIFEST));
}

static int
is_index_type(const char *mt)
{
	return mt && (!strcmp(mt, MT_INDEX) || !strcmp(mt, MT_DOCKER_LIST));
}

/* the image manifests the index INDEX lists, into F */
static int
collect(const struct oci_archive *a, json_t *index, int depth, struct found *f, struct err *e)
{
	json_t *d;
	size_t i;

	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		const char *mt = str(d, "mediaType");
		const char *os = str(json_object_get(d, "platform"), "os");
		const struct oci_blob *b;

		if (json_object_get(d, "artifactType") || (os && !strcmp(os, "unknown")))
			continue;	/* an artifact */
		if (is_index_type(mt)) {
			if (depth >= MAX_NEST)
				return err_set(e, EINVAL, "%s: image indexes nested deeper than %d", a->path, MAX_NEST);
			if (!(b = json_blob(a, d, "an image index", e)) || collect(a, b->json, depth + 1, f, e))
				return -1;
			continue;
		}
		if (!is_manifest_type(mt))
			continue;
		if (!(b = json_blob(a, d, depth ? "a manifest an image index names" : "a manifest index.json names", e)))
			return -1;
		if (json_object_get(b->json, "subject"))
			continue;	/* an artifact */
		for (size_t k = 0; k < f->n; k++)
			if (f->v[k] == b)
				goto next;
		{
			void *v = realloc(f->v, (f->n + 1) * sizeof(*f->v));

			if (!v)
				return err_set(e, ENOMEM, "%s:", a->path);
			f->v = v;
			f->v[f->n++] = b;
		}
next:;
	}
	return 0;
}

/* manifest.json's entry for the config CONFIG_NAME, or NULL */
static json_t *
docker_entry(const struct oci_archive *a, const char *config_name)
{
	json_t *d;
	size_t i;

	json_array_foreach(a->docker, i, d)
		if (!strcmp(str(d, "Config") ?: "", config_name))
			return d;
	return NULL;
}

const struct oci_blob *
oci_sized_blob(const struct oci_archive *a, json_t *d, const char *what, struct err *e)
{
	const char *digest = str(d, "digest");
	const struct oci_blob *b = oci_blob_get(a, digest);

	if (!b) {
		err_set(e, EINVAL, "%s: %s%s (%s): missing", a->path, digest && !strncmp(digest, "sha256:", 7) ? "blobs/sha256/" : "",
			digest && !strncmp(digest, "sha256:", 7) ? digest + 7 : digest ? digest : "no digest", what);
		return NULL;
	}
	if ((json_int_t)b->size != json_integer_value(json_object_get(d, "size"))) {
		err_set(e, EINVAL, "%s: blobs/sha256/%s (%s): %llu bytes, the manifest says %lld", a->path, b->hex, what,
			(unsigned long long)b->size, (long long)json_integer_value(json_object_get(d, "size")));
		return NULL;
	}
	return b;
}

/* manifest.json (when there is one) loads this config and these layers */
static int
check_docker(const struct oci_archive *a, const struct oci_found *f, struct err *e)
{
	char name[96];
	json_t *d, *l, *dl;
	size_t i;

	if (!a->docker)
		return 0;
	snprintf(name, sizeof(name), "blobs/sha256/%s", f->config->hex);
	if (!(d = docker_entry(a, name)))
		return err_set(e, EINVAL, "%s: manifest.json does not load the image's config %s", a->path, name);
	dl = json_object_get(d, "Layers");
	if (json_array_size(dl) != json_array_size(f->layers))
		return err_set(e, EINVAL, "%s: manifest.json lists %zu layers, the image manifest %zu", a->path,
			       json_array_size(dl), json_array_size(f->layers));
	json_array_foreach(f->layers, i, l) {
		const char *want = str(l, "digest"), *got = json_string_value(json_array_get(dl, i));

		if (!got || strncmp(got, "blobs/sha256/", 13) || strcmp(got + 13, want + 7))
			return err_set(e, EINVAL, "%s: manifest.json's layer %zu is %s, the image manifest's blobs/sha256/%s",
				       a->path, i + 1, got ? got : "not a string", want + 7);
	}
	return 0;
}

int
oci_find_image(const struct oci_archive *a, struct oci_found *f, struct err *e)
{
	struct found c = { 0 };
	json_t *l;
	size_t i;
	int r = -1;

	memset(f, 0, sizeof(*f));
	err_clear(e);
	if (collect(a, a->index, 0, &c, e))
		goto out;
	if (!c.n) {
		err_set(e, EINVAL, "%s: index.json names no image manifest", a->path);
		goto out;
	}
	for (i = 0; i < c.n && c.n > 1; i++) {	/* several: the one manifest.json loads */
		char name[96];
		const char *cd = str(json_object_get(c.v[i]->json, "config"), "digest");

		snprintf(name, sizeof(name), "blobs/sha256/%s", cd && strlen(cd) > 7 ? cd + 7 : "");
		if (a->docker && docker_entry(a, name))
			break;
	}
	if (c.n > 1 && i == c.n) {
		err_set(e, EINVAL, "%s: index.json names %zu images and manifest.json loads none of them", a->path, c.n);
		goto out;
	}
	f->manifest = c.v[c.n > 1 ? i : 0];
	f->nimages = c.n;
	if (!(f->config = json_blob(a, json_object_get(f->manifest->json, "config"), "the image's config", e)) ||
	    !oci_sized_blob(a, json_object_get(f->manifest->json, "config"), "the image's config", e))
		goto out;
	f->layers = json_object_get(f->manifest->json, "layers");
	if (!json_is_array(f->layers)) {
		err_set(e, EINVAL, "%s: blobs/sha256/%s (the image manifest): no layers", a->path, f->manifest->hex);
		goto out;
	}
	json_array_foreach(f->layers, i, l) {
		char what[64];

		snprintf(what, sizeof(what), "layer %zu of the image", i + 1);
		if (!oci_sized_blob(a, l, what, e))
			goto out;
	}
	r = check_docker(a, f, e);
out:
	free(c.v);
	return r;
}
