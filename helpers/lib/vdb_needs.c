/* vdb_needs: the soname closure over PROVIDES / REQUIRES, and who provides
 * a soname. Both fields read "x86_64: libc.so.6 libm.so.6 x86_32: libc.so.6". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strset.h"
#include "vdb.h"

struct plist {		/* the packages providing one (arch, soname) */
	size_t *idx, len, cap;
};

struct vdb_sonames {
	struct strset map;	/* "arch soname" -> struct plist * */
	struct plist **all;
	size_t nall;
};

static int
provide(struct vdb_sonames *pv, const char *key, size_t idx)
{
	struct plist *l = strset_get(&pv->map, key), **na;
	size_t *ni;

	if (!l) {
		if (!(l = calloc(1, sizeof(*l))))
			return -1;
		if (!(na = realloc(pv->all, (pv->nall + 1) * sizeof(*na)))) {
			free(l);
			return -1;
		}
		pv->all = na;
		pv->all[pv->nall++] = l;
		if (strset_add(&pv->map, key, l) < 0)
			return -1;
	}
	if (l->len && l->idx[l->len - 1] == idx)
		return 0;
	if (l->len == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 2;
		if (!(ni = realloc(l->idx, l->cap * sizeof(*ni))))
			return -1;
		l->idx = ni;
	}
	l->idx[l->len++] = idx;
	return 0;
}

/* Next soname of a PROVIDES/REQUIRES value: fills KEY with "arch soname".
 * Returns the soname, or NULL at the end. */
static char *
next_soname(char **save, const char **arch, char *key, size_t n)
{
	char *tok;

	while ((tok = strtok_r(NULL, " \t\n", save))) {
		size_t l = strlen(tok);

		if (tok[l - 1] == ':') {
			tok[l - 1] = '\0';
			*arch = tok;
			continue;
		}
		snprintf(key, n, "%s %s", *arch, tok);
		return tok;
	}
	return NULL;
}

/* Start a walk of V with next_soname (glibc's strtok_r continues from
 * *save when called with NULL). */
static char *
first(char *v, char **save)
{
	*save = v;
	return v;
}

void
vdb_sonames_free(struct vdb_sonames *pv)
{
	if (!pv)
		return;
	for (size_t i = 0; i < pv->nall; i++) {
		free(pv->all[i]->idx);
		free(pv->all[i]);
	}
	free(pv->all);
	strset_free(&pv->map);
	free(pv);
}

struct vdb_sonames *
vdb_sonames_provided(struct vdb *db)
{
	struct vdb_sonames *pv = calloc(1, sizeof(*pv));
	char key[1024], *so, *v, *save;
	const char *arch;

	if (!pv)
		return NULL;
	for (size_t i = 0; i < db->npkgs; i++) {
		if (vdb_field(&db->pkgs[i], "PROVIDES", &v)) {
			if (errno == ENOENT)
				continue;
			goto fail;
		}
		arch = "";
		for (first(v, &save); (so = next_soname(&save, &arch, key, sizeof(key)));)
			if (provide(pv, key, i)) {
				free(v);
				goto fail;
			}
		free(v);
	}
	return pv;
fail:
	{
		int saved = errno;

		vdb_sonames_free(pv);
		errno = saved;
		return NULL;
	}
}

size_t
vdb_sonames_find(const struct vdb_sonames *pv, const char *arch, const char *soname, const size_t **idx)
{
	char key[1024];
	const struct plist *l;

	snprintf(key, sizeof(key), "%s %s", arch, soname);
	l = strset_get(&pv->map, key);
	*idx = l ? l->idx : NULL;
	return l ? l->len : 0;
}

int
vdb_needs(struct vdb *db, struct vdb_pkg **from, size_t n, char *in,
	  void (*missing_cb)(const char *, const char *, struct vdb_pkg *, void *),
	  void *arg)
{
	struct vdb_sonames *pv = vdb_sonames_provided(db);
	size_t *queue = malloc((db->npkgs + 1) * sizeof(*queue)), qlen = 0, head = 0;
	char key[1024], *so, *v, *save;
	const char *arch;
	int r = -1;

	if (!queue || !pv)
		goto out;
	memset(in, 0, db->npkgs);
	for (size_t i = 0; i < (n ? n : db->npkgs); i++) {
		size_t idx = n ? (size_t)(from[i] - db->pkgs) : i;

		if (!in[idx]) {
			in[idx] = 1;
			queue[qlen++] = idx;
		}
	}
	while (head < qlen) {
		struct vdb_pkg *p = &db->pkgs[queue[head++]];

		if (vdb_field(p, "REQUIRES", &v)) {
			if (errno == ENOENT)
				continue;
			goto out;
		}
		arch = "";
		for (first(v, &save); (so = next_soname(&save, &arch, key, sizeof(key)));) {
			struct plist *l = strset_get(&pv->map, key);

			if (!l) {
				if (missing_cb)
					missing_cb(arch, so, p, arg);
				continue;
			}
			for (size_t j = 0; j < l->len; j++)
				if (!in[l->idx[j]]) {
					in[l->idx[j]] = 1;
					queue[qlen++] = l->idx[j];
				}
		}
		free(v);
	}
	r = 0;
out:
	vdb_sonames_free(pv);
	free(queue);
	return r;
}
