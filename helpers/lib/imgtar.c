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
#include "oci.h"
#include "path.h"
#include "strset.h"

/* --- one layer's entries, as its tar has them --- */

enum kind { K_FILE, K_WHITEOUT, K_OPAQUE };

struct lentry {
	struct imgtar_file f;	/* K_WHITEOUT: f.path is what it removes;
				 * K_OPAQUE: the directory it empties */
	enum kind kind;
};

struct lbuf {
	struct lentry *v;
	size_t n, cap;
	int parsed;
	uint64_t usize;
	char diff_id[72];
};

/* the layer being read, for messages and lookups */
struct lctx {
	const char *archive;
	size_t layer;		/* 1-based, for messages */
	const char *hex;
	struct lbuf *lb;
	struct strset byname;	/* "kind:path" -> index + 1 */
	struct imgtar *t;
};

static void
file_free(struct imgtar_file *f)
{
	free(f->path);
	free(f->symlink);
	free(f->hardlink);
	xattrs_free(&f->xattrs);
}

static int
file_copy(struct imgtar_file *d, const struct imgtar_file *s)
{
	*d = *s;
	d->symlink = d->hardlink = NULL;
	d->xattrs = (struct xattrs){ 0 };
	if (!(d->path = strdup(s->path)) || (s->symlink && !(d->symlink = strdup(s->symlink))))
		return -1;
	return xattrs_copy(&d->xattrs, &s->xattrs);
}

static void
lbuf_free(struct lbuf *lb)
{
	for (size_t i = 0; i < lb->n; i++)
		file_free(&lb->v[i].f);
	free(lb->v);
}

static int
cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct imgtar_file *)a)->path, ((const struct imgtar_file *)b)->path);
}

static int
lerr(struct lctx *c, struct err *e, const char *name, const char *fmt, const char *arg)
{
	char why[8300];

	snprintf(why, sizeof(why), fmt, arg);
	return err_set(e, EINVAL, "%s: layer %zu (blobs/sha256/%s): entry '%s': %s; refusing it", c->archive, c->layer,
		       c->hex, name, why);
}

static struct lentry *
new_lentry(struct lbuf *lb)
{
	if (lb->n == lb->cap) {
		size_t cap = lb->cap ? lb->cap * 2 : 256;
		void *v = realloc(lb->v, cap * sizeof(*lb->v));

		if (!v)
			return NULL;
		lb->v = v;
		lb->cap = cap;
	}
	memset(&lb->v[lb->n], 0, sizeof(*lb->v));
	lb->v[lb->n].f.link = -1;
	return &lb->v[lb->n++];
}

/* the path of an entry of NAME: "/" + its cleaned name (into OUT), its
 * kind, and for a whiteout what it removes */
static int
entry_path(struct lctx *c, const char *name, char out[4100], enum kind *kind, struct err *e)
{
	char clean[4096], *base, *p;

	if (path_clean(name, clean, sizeof(clean)))
		return lerr(c, e, name, "%s", errno == EINVAL ? "its path has a \"..\"" : "its path is too long");
	*kind = K_FILE;
	base = strrchr(clean, '/');
	base = base ? base + 1 : clean;
	for (p = clean; p < base; p += strcspn(p, "/") + 1)
		if (!strncmp(p, ".wh.", 4))
			return lerr(c, e, name, "%s", "it lies below a whiteout");
	if (!strcmp(base, ".wh..wh..opq")) {
		*kind = K_OPAQUE;
		*base = '\0';
	} else if (!strncmp(base, ".wh..wh.", 8)) {
		return lerr(c, e, name, "%s", "an aufs whiteout (\".wh..wh.*\"), which OCI layers do not have");
	} else if (!strncmp(base, ".wh.", 4)) {
		if (!base[4] || !strcmp(base + 4, ".") || !strcmp(base + 4, ".."))
			return lerr(c, e, name, "a whiteout of '%s'", base + 4);
		*kind = K_WHITEOUT;
		memmove(base, base + 4, strlen(base + 4) + 1);
	}
	/* "a/" (an opaque directory's) and "" (the root's) lose their slash */
	snprintf(out, 4100, "/%s", clean);
	if (strlen(out) > 1 && out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
	return 0;
}

static int
hash_data(struct archive *in, struct imgtar_file *f)
{
	EVP_MD_CTX *c256 = EVP_MD_CTX_new(), *c1 = EVP_MD_CTX_new();
	unsigned char md[32];
	static char buf[1 << 16];
	la_ssize_t n = -1;

	if (c256 && c1 && EVP_DigestInit_ex(c256, EVP_sha256(), NULL) && EVP_DigestInit_ex(c1, EVP_sha1(), NULL)) {
		while ((n = archive_read_data(in, buf, sizeof(buf))) > 0) {
			EVP_DigestUpdate(c256, buf, n);
			EVP_DigestUpdate(c1, buf, n);
		}
		EVP_DigestFinal_ex(c256, md, NULL);
		hex_encode(md, 32, f->sha256);
		EVP_DigestFinal_ex(c1, md, NULL);
		hex_encode(md, 20, f->sha1);
	}
	EVP_MD_CTX_free(c256);
	EVP_MD_CTX_free(c1);
	return n < 0 ? -1 : 0;
}

/* F, a hardlink to HL: one inode with an earlier entry of this layer */
static int
link_to(struct lctx *c, struct imgtar_file *f, const char *name, const char *hl, struct err *e)
{
	char clean[4096], key[4200];
	const struct imgtar_file *to;
	size_t k;

	if (path_clean(hl, clean, sizeof(clean)))
		return lerr(c, e, name, "a hardlink to '%s', with a \"..\"", hl);
	snprintf(key, sizeof(key), "%d:/%s", K_FILE, clean);
	if (!(k = (size_t)strset_get(&c->byname, key)) || !S_ISREG(c->lb->v[k - 1].f.mode))
		return lerr(c, e, name, "a hardlink to '%s', which is no earlier regular file of its layer", hl);
	to = &c->lb->v[k - 1].f;
	if (to->link < 0)
		c->lb->v[k - 1].f.link = c->t->nlinks++;
	/* one inode: the target's metadata and content */
	f->mode = to->mode;
	f->uid = to->uid;
	f->gid = to->gid;
	f->size = to->size;
	f->mtime = to->mtime;
	f->link = to->link;
	memcpy(f->sha256, to->sha256, sizeof(f->sha256));
	memcpy(f->sha1, to->sha1, sizeof(f->sha1));
	return 0;
}

/* one entry of the layer's tar into C->lb */
static int
add_entry(struct lctx *c, struct archive *in, struct archive_entry *ae, struct err *e)
{
	const char *name = archive_entry_pathname(ae), *hl = archive_entry_hardlink(ae);
	const char *sl = archive_entry_symlink(ae);
	char path[4100], key[4200];
	struct lentry *le;
	enum kind kind = K_FILE;

	if (!name)
		return lerr(c, e, "", "%s", "an entry with no name");
	if (entry_path(c, name, path, &kind, e))
		return -1;
	if (kind == K_FILE && !strcmp(path, "/"))
		return 0;	/* the root itself */
	snprintf(key, sizeof(key), "%d:%s", kind, path);
	if (strset_has(&c->byname, key))
		return lerr(c, e, name, "%s", "it is in the layer twice");
	if (!(le = new_lentry(c->lb)))
		return err_set(e, ENOMEM, "%s:", c->archive);
	le->kind = kind;
	if (!(le->f.path = strdup(path)) || strset_add(&c->byname, key, (void *)c->lb->n) < 0)
		return err_set(e, ENOMEM, "%s:", c->archive);
	if (kind != K_FILE)
		return 0;
	le->f.mode = archive_entry_mode(ae);
	le->f.uid = archive_entry_uid(ae);
	le->f.gid = archive_entry_gid(ae);
	le->f.size = archive_entry_size(ae);
	le->f.mtime = archive_entry_mtime(ae);
	le->f.rdev = archive_entry_rdev(ae);
	if (sl && !(le->f.symlink = strdup(sl)))
		return err_set(e, ENOMEM, "%s:", c->archive);
	if (xattrs_add_entry(&le->f.xattrs, ae))
		return err_set(e, ENOMEM, "%s:", c->archive);
	le->f.has_caps = xattrs_has(&le->f.xattrs, "security.capability");
	if (hl)
		return link_to(c, &le->f, name, hl, e);
	if (S_ISREG(le->f.mode) && hash_data(in, &le->f))
		return err_set(e, EIO, "%s: layer %zu (blobs/sha256/%s): entry '%s': %s", c->archive, c->layer, c->hex,
			       name, archive_error_string(in) ?: "cannot read it");
	return 0;
}

/* --- reading a layer blob: decompressed (libarchive's raw format after its
 * gzip and zstd filters), hashed for the diff_id, read as a tar --- */

static la_ssize_t
outer_read(struct archive *a, void *arg, const void **buf)
{
	static char block[1 << 16];

	(void)a;
	*buf = block;
	return archive_read_data(arg, block, sizeof(block));
}

struct raw {
	struct archive *a;
	EVP_MD_CTX *md;
	uint64_t n;
	char buf[1 << 16];
};

static la_ssize_t
raw_read(struct archive *a, void *arg, const void **buf)
{
	struct raw *r = arg;
	la_ssize_t k = archive_read_data(r->a, r->buf, sizeof(r->buf));

	(void)a;
	if (k > 0) {
		EVP_DigestUpdate(r->md, r->buf, k);
		r->n += k;
	}
	*buf = r->buf;
	return k;
}

static int
cmp_lentry(const void *a, const void *b)
{
	return strcmp(((const struct lentry *)a)->f.path, ((const struct lentry *)b)->f.path);
}

static int
read_layer(struct lctx *c, struct archive *outer, struct err *e)
{
	struct raw *r = calloc(1, sizeof(*r));
	struct archive *in = NULL;
	struct archive_entry *ae;
	unsigned char md[32];
	int k, rc = -1;

	if (!r || !(r->md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(r->md, EVP_sha256(), NULL) ||
	    !(r->a = archive_read_new()) || !(in = archive_read_new())) {
		err_set(e, ENOMEM, "%s:", c->archive);
		goto out;
	}
	archive_read_support_filter_gzip(r->a);
	archive_read_support_filter_zstd(r->a);
	archive_read_support_format_raw(r->a);
	archive_read_support_format_tar(in);
	if (archive_read_open(r->a, outer, NULL, outer_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(r->a, &ae) != ARCHIVE_OK || archive_read_open(in, r, NULL, raw_read, NULL) != ARCHIVE_OK)
		goto fail;
	while ((k = archive_read_next_header(in, &ae)) == ARCHIVE_OK || k == ARCHIVE_WARN)
		if (add_entry(c, in, ae, e))
			goto out;
	if (k != ARCHIVE_EOF)
		goto fail;
	while ((k = raw_read(NULL, r, (const void **)&ae)) > 0)	/* what follows the end blocks */
		;
	if (k < 0)
		goto fail;
	EVP_DigestFinal_ex(r->md, md, NULL);
	memcpy(c->lb->diff_id, "sha256:", 7);
	hex_encode(md, 32, c->lb->diff_id + 7);
	c->lb->usize = r->n;
	if (c->lb->n)
		qsort(c->lb->v, c->lb->n, sizeof(*c->lb->v), cmp_lentry);
	c->lb->parsed = 1;
	rc = 0;
	goto out;
fail:
	err_set(e, EIO, "%s: layer %zu (blobs/sha256/%s): %s", c->archive, c->layer, c->hex,
		archive_error_string(in) ?: archive_error_string(r->a) ?: "not a tar archive");
out:
	archive_read_free(in);
	if (r) {
		archive_read_free(r->a);
		EVP_MD_CTX_free(r->md);
	}
	free(r);
	return rc;
}

/* --- applying the layers, bottom first --- */

/* the first index of T's view whose path is >= KEY */
static size_t
lower_bound(const struct imgtar *t, const char *key)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(t->v[mid].path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* mark P itself (EXACT) or everything below it as DEAD */
static void
kill(const struct imgtar *t, char *dead, const char *p, int exact)
{
	size_t pl = strlen(p), i;

	if (exact) {
		i = lower_bound(t, p);
		if (i < t->n && !strcmp(t->v[i].path, p))
			dead[i] = 1;
		return;
	}
	if (pl == 1)	/* below the root: everything */
		pl = 0;
	for (i = lower_bound(t, p); i < t->n && !strncmp(t->v[i].path, p, pl); i++)
		if (t->v[i].path[pl] == '/')
			dead[i] = 1;
}

/* no entry of LB (or the directory an opaque whiteout empties) lies below
 * a symlink of the filesystem it makes */
static int
check_below_links(struct lctx *c, struct err *e)
{
	for (size_t i = 0; i < c->lb->n; i++) {
		const struct lentry *le = &c->lb->v[i];
		char up[4100];
		char *s;

		snprintf(up, sizeof(up), "%s", le->f.path);
		if (le->kind != K_OPAQUE && (s = strrchr(up, '/')))
			*s = '\0';
		for (; *up; (s = strrchr(up, '/')) ? (void)(*s = '\0') : (void)(up[0] = '\0')) {
			const struct imgtar_file *a = imgtar_get(c->t, up);

			if (a && S_ISLNK(a->mode))
				return lerr(c, e, le->f.path + 1, "it lies below the symlink '%s'", up);
		}
	}
	return 0;
}

static int
apply(struct lctx *c, size_t li, struct err *e)
{
	struct imgtar *t = c->t;
	const struct lbuf *lb = c->lb;
	char *dead = calloc(t->n + 1, 1);
	struct imgtar_file *v;
	size_t n = 0, i = 0, k = 0;

	if (!dead || !(v = malloc((t->n + lb->n + 1) * sizeof(*v))))
		return free(dead), err_set(e, ENOMEM, "%s:", c->archive);
	/* what it removes from the layers below: whiteouts, then what its
	 * entries replace (a directory over a directory keeps what is below) */
	for (size_t j = 0; j < lb->n; j++) {
		const struct lentry *le = &lb->v[j];
		const struct imgtar_file *old;

		if (le->kind == K_WHITEOUT) {
			kill(t, dead, le->f.path, 1);
			kill(t, dead, le->f.path, 0);
		} else if (le->kind == K_OPAQUE) {
			kill(t, dead, le->f.path, 0);
		} else if ((old = imgtar_get(t, le->f.path))) {
			kill(t, dead, le->f.path, 1);
			if (!(S_ISDIR(old->mode) && S_ISDIR(le->f.mode)))
				kill(t, dead, le->f.path, 0);
		}
	}
	/* merge what is left with the layer's entries, both sorted */
	while (i < t->n || k < lb->n) {
		if (k < lb->n && lb->v[k].kind != K_FILE) {
			k++;
			continue;
		}
		if (i < t->n && dead[i]) {
			file_free(&t->v[i++]);
			continue;
		}
		if (k == lb->n || (i < t->n && strcmp(t->v[i].path, lb->v[k].f.path) < 0)) {
			v[n++] = t->v[i++];
			continue;
		}
		if (file_copy(&v[n], &lb->v[k].f)) {
			file_free(&v[n]);
			for (; i < t->n; i++)	/* the rest, so that imgtar_free frees it all */
				v[n++] = t->v[i];
			free(t->v);
			t->v = v;
			t->n = n;
			free(dead);
			return err_set(e, ENOMEM, "%s:", c->archive);
		}
		v[n++].layer = li;
		k++;
	}
	free(t->v);
	free(dead);
	t->v = v;
	t->n = n;
	t->cap = n;
	return check_below_links(c, e);
}

/* each hardlink group's first path in the final filesystem carries the
 * data; the others name it */
static int
relink(struct imgtar *t)
{
	size_t *first = malloc((t->nlinks + 1) * sizeof(*first));

	if (!first)
		return -1;
	for (long g = 0; g < t->nlinks; g++)
		first[g] = (size_t)-1;
	for (size_t i = 0; i < t->n; i++) {
		struct imgtar_file *f = &t->v[i];

		free(f->hardlink);
		f->hardlink = NULL;
		if (f->link < 0)
			continue;
		if (first[f->link] == (size_t)-1)
			first[f->link] = i;
		else if (!(f->hardlink = strdup(t->v[first[f->link]].path)))
			return free(first), -1;
	}
	free(first);
	return 0;
}

/* --- the archive --- */

/* the layers of the manifest, with their history entries */
static int
set_layers(struct imgtar *t, const struct oci_found *fd, struct err *e)
{
	json_t *h, *l;
	size_t i, nh = 0;

	t->nlayers = json_array_size(fd->layers);
	if (!(t->layers = calloc(t->nlayers + 1, sizeof(*t->layers))))
		return err_set(e, ENOMEM, "out of memory");
	json_array_foreach(fd->layers, i, l) {
		snprintf(t->layers[i].digest, sizeof(t->layers[i].digest), "%s", json_string_value(json_object_get(l, "digest")));
		t->layers[i].size = json_integer_value(json_object_get(l, "size"));
		if (!(t->layers[i].media_type = strdup(json_string_value(json_object_get(l, "mediaType")) ?: "")))
			return err_set(e, ENOMEM, "out of memory");
	}
	json_array_foreach(json_object_get(t->config, "history"), i, h)
		nh += !json_is_true(json_object_get(h, "empty_layer"));
	if ((t->history_ok = nh == t->nlayers)) {
		nh = 0;
		json_array_foreach(json_object_get(t->config, "history"), i, h)
			if (!json_is_true(json_object_get(h, "empty_layer")))
				t->layers[nh++].history = h;
	}
	return 0;
}

/* the first layer of the blob of layer I (a layer twice in the manifest is
 * one blob, read once) */
static size_t
first_use(const struct imgtar *t, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(t->layers[j].digest, t->layers[i].digest))
			return j;
	return i;
}

/* pass 2: every layer blob read, in archive order */
static int
read_layers(struct imgtar *t, const char *archive, struct lbuf *lbs, struct err *e)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	int k = ARCHIVE_FATAL, r = 0;

	if (!a || archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open_filename(a, archive, 1 << 16) != ARCHIVE_OK)
		goto fail;
	while (!r && (k = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(ent);

		if (!n || strncmp(n, "blobs/sha256/", 13))
			continue;
		for (size_t i = 0; i < t->nlayers; i++) {
			struct lctx c = { archive, i + 1, n + 13, &lbs[i], { 0 }, t };

			if (strcmp(t->layers[i].digest + 7, n + 13))
				continue;
			r = read_layer(&c, a, e);
			strset_free(&c.byname);
			break;
		}
	}
	if (r || k == ARCHIVE_EOF) {
		archive_read_free(a);
		return r;
	}
fail:
	err_set(e, a && archive_errno(a) > 0 ? archive_errno(a) : EIO, "%s: %s", archive,
		a && archive_error_string(a) ? archive_error_string(a) : "cannot read it");
	archive_read_free(a);
	return -1;
}

/* the diff_ids the config names, against the layers read */
static int
check_diff_ids(struct imgtar *t, const char *archive, struct lbuf *lbs, struct err *e)
{
	json_t *ids = json_object_get(json_object_get(t->config, "rootfs"), "diff_ids");

	if (json_array_size(ids) != t->nlayers)
		return err_set(e, EINVAL, "%s: the config has %zu diff_ids for %zu layers", archive, json_array_size(ids),
			       t->nlayers);
	for (size_t i = 0; i < t->nlayers; i++) {
		const char *want = json_string_value(json_array_get(ids, i)) ?: "";
		const struct lbuf *lb = &lbs[first_use(t, i)];

		if (!lb->parsed)
			return err_set(e, EINVAL, "%s: layer %zu (blobs/sha256/%s) was not read", archive, i + 1,
				       t->layers[i].digest + 7);
		if (strcmp(lb->diff_id, want))
			return err_set(e, EINVAL, "%s: layer %zu (blobs/sha256/%s): its uncompressed SHA-256 is %s, "
				       "the config's diff_id %s", archive, i + 1, t->layers[i].digest + 7, lb->diff_id, want);
		memcpy(t->layers[i].diff_id, lb->diff_id, sizeof(lb->diff_id));
		t->layers[i].usize = lb->usize;
	}
	return 0;
}

int
imgtar_read(struct imgtar *t, const char *archive, struct err *e)
{
	struct oci_archive oa;
	struct oci_found fd;
	struct lbuf *lbs = NULL;
	int r = -1;

	memset(t, 0, sizeof(*t));
	err_clear(e);
	if (oci_read(&oa, archive, -1, e))
		goto out_oa;
	if (oci_find_image(&oa, &fd, e))
		goto out_oa;
	t->index = json_incref(oa.index);
	t->config = json_incref(fd.config->json);
	snprintf(t->manifest_digest, sizeof(t->manifest_digest), "sha256:%s", fd.manifest->hex);
	if (set_layers(t, &fd, e) || !(lbs = calloc(t->nlayers + 1, sizeof(*lbs))))
		goto out;
	if (read_layers(t, archive, lbs, e) || check_diff_ids(t, archive, lbs, e))
		goto out;
	for (size_t i = 0; i < t->nlayers; i++) {
		struct lctx c = { archive, i + 1, t->layers[i].digest + 7, &lbs[first_use(t, i)], { 0 }, t };

		if (apply(&c, i, e))
			goto out;
	}
	if (relink(t)) {
		err_set(e, ENOMEM, "%s:", archive);
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct imgtar_layer *l = &t->layers[t->v[i].layer];

		l->files++;
		if (S_ISREG(t->v[i].mode) && !t->v[i].hardlink)
			l->bytes += t->v[i].size;
	}
	r = 0;
out:
	for (size_t i = 0; lbs && i < t->nlayers; i++)
		lbuf_free(&lbs[i]);
	free(lbs);
out_oa:
	oci_archive_free(&oa);
	return r;
}

void
imgtar_free(struct imgtar *t)
{
	for (size_t i = 0; i < t->n; i++)
		file_free(&t->v[i]);
	free(t->v);
	for (size_t i = 0; i < t->nlayers; i++)
		free(t->layers[i].media_type);
	free(t->layers);
	json_decref(t->config);
	json_decref(t->index);
	memset(t, 0, sizeof(*t));
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
