#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "hex.h"
#include "imgtar.h"

static struct archive *
open_outer(const char *path)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* the whole current entry into a NUL-terminated malloc()ed buffer */
static char *
slurp(struct archive *a, struct archive_entry *e)
{
	int64_t size = archive_entry_size(e);
	char *buf;

	if (size < 0 || size > (64 << 20) || !(buf = malloc(size + 1)))
		return NULL;
	if (archive_read_data(a, buf, size) != size) {
		free(buf);
		return NULL;
	}
	buf[size] = '\0';
	return buf;
}

static la_ssize_t
inner_read(struct archive *inner, void *arg, const void **buf)
{
	static char block[1 << 16];
	la_ssize_t n = archive_read_data(arg, block, sizeof(block));

	(void)inner;
	*buf = block;
	return n;
}

static int
add(struct imgtar *t, struct archive *in, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e), *hl = archive_entry_hardlink(e);
	const char *sl = archive_entry_symlink(e);
	struct imgtar_file *f;
	const char *xn;
	const void *xv;
	size_t xs;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		void *v = realloc(t->v, cap * sizeof(*t->v));

		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	f = &t->v[t->n];
	memset(f, 0, sizeof(*f));
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	if (asprintf(&f->path, "/%s", name) < 0)
		return -1;
	{	/* "usr/" -> "/usr" */
		size_t l = strlen(f->path);

		if (l > 1 && f->path[l - 1] == '/')
			f->path[l - 1] = '\0';
	}
	t->n++;
	f->mode = archive_entry_mode(e);
	f->uid = archive_entry_uid(e);
	f->gid = archive_entry_gid(e);
	f->size = archive_entry_size(e);
	if (sl && !(f->symlink = strdup(sl)))
		return -1;
	if (hl) {
		while (hl[0] == '.' && hl[1] == '/')
			hl += 2;
		if (asprintf(&f->hardlink, "/%s", hl) < 0)
			return -1;
		f->mode = (f->mode & 07777) | S_IFREG;
	}
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xn, &xv, &xs) == ARCHIVE_OK)
		if (!strcmp(xn, "security.capability"))
			f->has_caps = 1;
	if (S_ISREG(f->mode) && !hl) {
		EVP_MD_CTX *c256 = EVP_MD_CTX_new(), *c1 = EVP_MD_CTX_new();
		unsigned char md[32];
		static char buf[1 << 16];
		la_ssize_t n;

		if (!c256 || !c1)
			return -1;
		EVP_DigestInit_ex(c256, EVP_sha256(), NULL);
		EVP_DigestInit_ex(c1, EVP_sha1(), NULL);
		while ((n = archive_read_data(in, buf, sizeof(buf))) > 0) {
			EVP_DigestUpdate(c256, buf, n);
			EVP_DigestUpdate(c1, buf, n);
		}
		EVP_DigestFinal_ex(c256, md, NULL);
		hex_encode(md, 32, f->sha256);
		EVP_DigestFinal_ex(c1, md, NULL);
		hex_encode(md, 20, f->sha1);
		EVP_MD_CTX_free(c256);
		EVP_MD_CTX_free(c1);
		if (n < 0)
			return -1;
	}
	return 0;
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct imgtar_file *)a)->path, ((const struct imgtar_file *)b)->path);
}

struct imgtar_file *
imgtar_get(const struct imgtar *t, const char *path)
{
	struct imgtar_file key = { .path = (char *)path };

	return t->n ? bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_file) : NULL;
}

struct imgtar_file *
imgtar_resolve(const struct imgtar *t, const char *path, int follow)
{
	char cur[8192] = "", rest[8192];
	int hops = 0;

	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest))
		return NULL;
	for (;;) {
		char *p = rest, comp[4096], *slash;
		size_t clen;
		struct imgtar_file *f;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		slash = strchr(p, '/');
		clen = slash ? (size_t)(slash - p) : strlen(p);
		if (clen >= sizeof(comp))
			return NULL;
		memcpy(comp, p, clen);
		comp[clen] = '\0';
		memmove(rest, p + clen, strlen(p + clen) + 1);
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *s = strrchr(cur, '/');

			if (s)
				*s = '\0';
			continue;
		}
		if (strlen(cur) + 1 + clen >= sizeof(cur))
			return NULL;
		strcat(cur, "/");
		strcat(cur, comp);
		f = imgtar_get(t, cur);
		if (f && f->symlink && (rest[0] || follow)) {
			char tmp[8192];

			if (++hops > 40)
				return NULL;
			*strrchr(cur, '/') = '\0';
			if (f->symlink[0] == '/')
				cur[0] = '\0';
			if (snprintf(tmp, sizeof(tmp), "%s%s", f->symlink, rest) >= (int)sizeof(tmp))
				return NULL;
			strcpy(rest, tmp);
			if (rest[0] != '/') {
				memmove(rest + 1, rest, strlen(rest) + 1);
				rest[0] = '/';
			}
		}
	}
	return cur[0] ? imgtar_get(t, cur) : NULL;
}

int
imgtar_read(struct imgtar *t, const char *archive, struct err *err)
{
	struct archive *a = NULL, *in = NULL;
	struct archive_entry *e;
	json_t *docker = NULL, *man = NULL;
	json_error_t je;
	char *index_s = NULL, *docker_s = NULL, *config_s = NULL, *man_s = NULL;
	const char *layer_name, *config_name, *mdig = NULL;
	int r = -1;

	memset(t, 0, sizeof(*t));
	err_clear(err);
	/* pass 1: index.json and manifest.json (they come last) */
	if (!(a = open_outer(archive)))
		goto io;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(e);

		if (!strcmp(n, "index.json"))
			index_s = slurp(a, e);
		else if (!strcmp(n, "manifest.json"))
			docker_s = slurp(a, e);
	}
	archive_read_free(a);
	a = NULL;
	if (!index_s || !docker_s) {
		err_set(err, EINVAL, "%s: no index.json or manifest.json: not an image archive", archive);
		goto out;
	}
	if (!(t->index = json_loads(index_s, 0, &je)) || !(docker = json_loads(docker_s, 0, &je)) ||
	    !(layer_name = json_string_value(json_array_get(json_object_get(json_array_get(docker, 0), "Layers"), 0))) ||
	    !(config_name = json_string_value(json_object_get(json_array_get(docker, 0), "Config")))) {
		err_set(err, EINVAL, "%s: index.json or manifest.json is not what mkimage writes", archive);
		goto out;
	}
	/* the image manifest: the index entry whose manifest names this config */
	/* pass 2: the manifests, the config and the layer */
	if (!(a = open_outer(archive)))
		goto io;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(e);

		if (!strcmp(n, config_name)) {
			if (!(config_s = slurp(a, e)))
				goto io;
		} else if (!strcmp(n, layer_name)) {
			if (!(in = archive_read_new()))
				goto io;
			archive_read_support_format_tar(in);
			archive_read_support_filter_gzip(in);
			archive_read_support_filter_zstd(in);
			if (archive_read_open(in, a, NULL, inner_read, NULL) != ARCHIVE_OK)
				goto layer_fail;
			for (;;) {
				int k = archive_read_next_header(in, &e);

				if (k == ARCHIVE_EOF)
					break;
				if (k != ARCHIVE_OK && k != ARCHIVE_WARN)
					goto layer_fail;
				if (add(t, in, e))
					goto layer_fail;
			}
			archive_read_free(in);
			in = NULL;
		} else if (!strncmp(n, "blobs/sha256/", 13) && archive_entry_size(e) < (1 << 20) && !man_s) {
			/* is it the manifest of this image? */
			char *s = slurp(a, e);
			json_t *j = s ? json_loads(s, 0, NULL) : NULL;
			const char *cd = json_string_value(json_object_get(json_object_get(j, "config"), "digest"));

			if (cd && !strcmp(cd + 7, config_name + 13) && !json_object_get(j, "subject")) {
				man_s = s;
				s = NULL;
				snprintf(t->manifest_digest, sizeof(t->manifest_digest), "sha256:%s", n + 13);
			}
			json_decref(j);
			free(s);
		}
	}
	if (!config_s || !man_s || !(t->config = json_loads(config_s, 0, &je))) {
		err_set(err, EINVAL, "%s: the image's config or manifest is missing or not JSON", archive);
		goto out;
	}
	(void)mdig;
	(void)man;
	qsort(t->v, t->n, sizeof(*t->v), cmp_file);
	for (size_t i = 0; i < t->n; i++)	/* hardlinks: their first occurrence's digests */
		if (t->v[i].hardlink) {
			struct imgtar_file *f = imgtar_get(t, t->v[i].hardlink);

			if (f) {
				memcpy(t->v[i].sha256, f->sha256, sizeof(f->sha256));
				memcpy(t->v[i].sha1, f->sha1, sizeof(f->sha1));
				t->v[i].size = f->size;
			}
		}
	r = 0;
	goto out;
layer_fail:
	err_set(err, EIO, "%s: %s: %s", archive, layer_name,
		archive_error_string(in) ? archive_error_string(in) : "cannot read the layer");
	goto out;
io:
	if (a && archive_error_string(a))
		err_set(err, archive_errno(a) > 0 ? archive_errno(a) : EIO, "%s: %s", archive, archive_error_string(a));
	else
		err_set(err, errno ? errno : EIO, "%s:", archive);
out:
	archive_read_free(in);
	archive_read_free(a);
	json_decref(docker);
	free(index_s);
	free(docker_s);
	free(config_s);
	free(man_s);
	return r;
}

void
imgtar_free(struct imgtar *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].symlink);
		free(t->v[i].hardlink);
	}
	free(t->v);
	json_decref(t->config);
	json_decref(t->index);
	memset(t, 0, sizeof(*t));
}
