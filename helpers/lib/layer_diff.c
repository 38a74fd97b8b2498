/* layer_diff: a child image's layer, what its root has that its parent's
 * final filesystem has not, and whiteouts for what it no longer has (see
 * layer.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hex.h"
#include "imgtar.h"
#include "layer_impl.h"
#include "strset.h"

struct diff {
	struct layer *l;
	const struct imgtar *lower;
	size_t n;			/* L's entries before the whiteouts */
	const struct imgtar_file **pe;	/* per entry: LOWER's at its path, or NULL */
	char *keep;			/* per entry: in the layer */
	long *group;			/* per entry: its hardlink group in L, -1 none */
	long ngroups;
	size_t *gsize;			/* per group of L: its paths */
	size_t *pcount;			/* per group of LOWER: its paths that are
					 * regular files in L */
	struct strset sums;		/* "dev:ino" -> SHA-256 of a group's data */
	struct err *e;
};

/* the index of entry PATH ("a/b", as L has them) in the sorted L, or -1 */
static long
find(const struct diff *d, const char *path)
{
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->l->v[mid].path, path);

		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* everything but the content, the hardlink group and the mtime */
static int
same_meta(const struct layer_entry *c, const struct imgtar_file *p)
{
	if ((c->mode & S_IFMT) != (p->mode & S_IFMT) || c->uid != p->uid || c->gid != p->gid || !xattrs_equal(&c->xattrs, &p->xattrs))
		return 0;
	if (S_ISLNK(c->mode))	/* a symlink's own mode means nothing on Linux */
		return !strcmp(c->symlink, p->symlink ? p->symlink : "");
	if ((c->mode & 07777) != (p->mode & 07777))
		return 0;
	if (S_ISCHR(c->mode) || S_ISBLK(c->mode))
		return c->rdev == p->rdev;
	return !S_ISREG(c->mode) || c->size == p->size;
}

static int
hash_data(void *arg, const void *buf, size_t n)
{
	return EVP_DigestUpdate(arg, buf, n) ? 0 : (errno = ENOMEM, -1);
}

/* the SHA-256 of entry I's data (once for a hardlink group) into HEX */
static int
content(struct diff *d, size_t i, char hex[65])
{
	const struct layer_entry *c = &d->l->v[i];
	char key[64];
	const char *known;
	unsigned char md[32];
	EVP_MD_CTX *ctx;
	int r;

	snprintf(key, sizeof(key), "%llx:%llx", (unsigned long long)c->dev, (unsigned long long)c->ino);
	if (c->ino && (known = strset_get(&d->sums, key))) {
		memcpy(hex, known, 65);
		return 0;
	}
	if (!(ctx = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return err_set(d->e, ENOMEM, "out of memory");
	}
	r = layer_read_data(d->l, c, hash_data, ctx, d->e);
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	if (r)
		return -1;
	hex_encode(md, 32, hex);
	if (c->ino) {
		char *v = strdup(hex);

		if (!v || strset_add(&d->sums, key, v) < 0)
			return free(v), err_set(d->e, ENOMEM, "out of memory");
	}
	return 0;
}

/* L's hardlink groups: an index for each (dev, ino) with two paths or more */
static int
groups(struct diff *d)
{
	struct strset ids = { 0 };
	char key[64];

	for (size_t i = 0; i < d->n; i++)
		d->group[i] = -1;
	for (size_t i = 0; i < d->n; i++) {
		const struct layer_entry *c = &d->l->v[i];

		if (!c->hardlink)
			continue;
		/* a member: it and its first occurrence (layer_sort) are a group */
		snprintf(key, sizeof(key), "%llx:%llx", (unsigned long long)c->dev, (unsigned long long)c->ino);
		if (!strset_has(&ids, key)) {
			long first = find(d, c->hardlink);

			if (first < 0 || strset_add(&ids, key, (void *)(size_t)(first + 1)) < 0)
				return strset_free(&ids), err_set(d->e, first < 0 ? EINVAL : ENOMEM,
								  "%s: hardlink to '%s', not in the layer", c->path, c->hardlink);
			d->group[first] = d->ngroups++;
		}
		d->group[i] = d->group[(size_t)strset_get(&ids, key) - 1];
	}
	strset_free(&ids);
	if (!(d->gsize = calloc(d->ngroups + 1, sizeof(*d->gsize))))
		return err_set(d->e, ENOMEM, "out of memory");
	for (size_t i = 0; i < d->n; i++)
		if (d->group[i] >= 0)
			d->gsize[d->group[i]]++;
	/* LOWER's groups: how many of their paths L has as regular files */
	if (!(d->pcount = calloc(d->lower->nlinks + 1, sizeof(*d->pcount))))
		return err_set(d->e, ENOMEM, "out of memory");
	for (size_t i = 0; i < d->lower->n; i++) {
		const struct imgtar_file *f = &d->lower->v[i];
		long k;

		if (f->link >= 0 && (k = find(d, f->path + 1)) >= 0 && S_ISREG(d->l->v[k].mode))
			d->pcount[f->link]++;
	}
	return 0;
}

/* is entry I's hardlink group (none, or its paths) LOWER's at that path?
 * For a group of L, the answer is the same for each of its paths. */
static int
same_group(const struct diff *d, size_t i)
{
	const struct imgtar_file *p = d->pe[i];
	long g = d->group[i];

	if (g < 0)	/* alone in L: alone in LOWER too, as far as L goes */
		return p->link < 0 || d->pcount[p->link] <= 1;
	if (p->link < 0 || d->pcount[p->link] != d->gsize[g])
		return 0;
	for (size_t k = 0; k < d->n; k++)	/* every path of the group in LOWER's group */
		if (d->group[k] == g && (!d->pe[k] || d->pe[k]->link != p->link))
			return 0;
	return 1;
}

/* which entries differ from LOWER's: KEEP. The paths of one hardlink
 * group come out alike (one inode: the same metadata and content, and
 * same_group is the group's), so a group that changes goes whole. */
static int
compare(struct diff *d)
{
	char hex[65];

	for (size_t i = 0; i < d->n; i++) {
		const struct layer_entry *c = &d->l->v[i];
		const struct imgtar_file *p = d->pe[i];
		int changed = !p || !same_meta(c, p);

		if (!changed && S_ISREG(c->mode)) {
			if (content(d, i, hex))
				return -1;
			changed = strcmp(hex, p->sha256) || !same_group(d, i);
		}
		d->keep[i] = (char)changed;
	}
	return 0;
}

/* a whiteout for each path of LOWER that L does not have, where needed */
static int
whiteouts(struct diff *d)
{
	for (size_t i = 0; i < d->lower->n; i++) {
		const char *path = d->lower->v[i].path + 1, *slash = strrchr(path, '/');
		char dir[4096], wh[4200];
		long k;

		if (find(d, path) >= 0)
			continue;
		if (slash) {
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
			/* gone with its directory, or below what replaced it */
			if ((k = find(d, dir)) < 0 || !S_ISDIR(d->l->v[k].mode))
				continue;
		}
		snprintf(wh, sizeof(wh), "%s%s.wh.%s", slash ? dir : "", slash ? "/" : "", slash ? slash + 1 : path);
		{
			struct layer_entry *w = layer_new_entry(d->l, wh);

			if (!w)
				return err_set(d->e, ENOMEM, "out of memory");
			w->mode = S_IFREG;
			w->mtime = INT64_MAX;	/* layer_write clamps it to SOURCE_DATE_EPOCH */
			w->src = -1;
		}
	}
	return 0;
}

/* the directories above every entry kept, whiteouts included */
static void
keep_parents(struct diff *d)
{
	for (size_t i = 0; i < d->l->n; i++) {
		char up[4096];
		char *s;

		if (i < d->n && !d->keep[i])
			continue;
		snprintf(up, sizeof(up), "%s", d->l->v[i].path);
		while ((s = strrchr(up, '/'))) {
			long k;

			*s = '\0';
			if ((k = find(d, up)) >= 0)
				d->keep[k] = 1;
		}
	}
}

static int
cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct layer_entry *)a)->path, ((const struct layer_entry *)b)->path);
}

int
layer_diff(struct layer *l, const struct imgtar *lower, struct err *e)
{
	struct diff d = { .l = l, .lower = lower, .n = l->n, .e = e };
	size_t o = 0;
	int r = -1;

	err_clear(e);
	d.pe = calloc(l->n + 1, sizeof(*d.pe));
	d.keep = calloc(l->n + 1, 1);
	d.group = calloc(l->n + 1, sizeof(*d.group));
	if (!d.pe || !d.keep || !d.group) {
		err_set(e, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		char p[4200];

		snprintf(p, sizeof(p), "/%s", l->v[i].path);
		d.pe[i] = imgtar_get(lower, p);
	}
	if (groups(&d) || compare(&d) || whiteouts(&d))
		goto out;
	keep_parents(&d);
	for (size_t i = 0; i < l->n; i++) {
		if (i < d.n && !d.keep[i]) {
			layer_free_entry(&l->v[i]);
			continue;
		}
		l->v[o++] = l->v[i];
	}
	l->n = o;
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_path);
	r = (int)l->n;
out:
	free(d.pe);
	free(d.keep);
	free(d.group);
	free(d.gsize);
	free(d.pcount);
	for (size_t i = 0; i < d.sums.cap; i++)
		if (d.sums.keys && d.sums.keys[i])
			free(d.sums.vals[i]);
	strset_free(&d.sums);
	return r;
}
