/* uselint_closest: the closest valid names to a wrong one (edit distance,
 * a swap of neighbours counting one;
 * within a USE_EXPAND group, the distance of the values), for "closest:"
 * in the lint's findings. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atom.h"
#include "err.h"
#include "uselint.h"
#include "uselint_impl.h"

/* The edit distance with a swap of two neighbours as one edit (the
 * optimal string alignment distance: "dco" is one from "doc", where
 * Levenshtein counts two, and a typed flag's commonest slip is a swap). */
size_t
uselint_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), *rows, *pp, *p, *r, d;

	if (!(rows = malloc(3 * (lb + 1) * sizeof(*rows))))
		return (size_t)-1;
	pp = rows, p = rows + lb + 1, r = rows + 2 * (lb + 1);	/* i-2, i-1, i */
	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		r[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = p[j - 1] + (a[i - 1] != b[j - 1]);

			if (p[j] + 1 < best)
				best = p[j] + 1;
			if (r[j - 1] + 1 < best)
				best = r[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < best)
				best = pp[j - 2] + 1;
			r[j] = best;
		}
		size_t *t = pp;
		pp = p, p = r, r = t;
	}
	d = p[lb];
	free(rows);
	return d;
}

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	return strcmp(x->show, y->show);
}

/* The USE_EXPAND group of FLAG (longest known prefix): its length, or 0. */
static size_t
group_of(struct uselint *u, const char *flag)
{
	char buf[256];
	size_t l = strlen(flag);

	if (l >= sizeof(buf))
		return 0;
	memcpy(buf, flag, l + 1);
	for (size_t i = l; i-- > 1;) {
		if (buf[i] != '_' || !buf[i + 1])
			continue;
		buf[i] = '\0';
		if (strset_has(&u->groups, buf))
			return i;
	}
	return 0;
}

/* How far candidate F is from Q: the plain edit distance, or within a
 * USE_EXPAND group the distance of the values (+1 when Q was not written
 * in that group: "ssl" for nginx is NGINX_MODULES_HTTP: ssl). */
static size_t
cand_distance(struct uselint *u, const struct query *q, const char *f, size_t *glen)
{
	size_t d = uselint_distance(q->flag, f), dv, qglen = 0;

	if (!q->group)
		qglen = group_of(u, q->flag);	/* "nginx_modules_http_sssl" */
	*glen = group_of(u, f);
	if (*glen) {
		const char *qv = q->group ? q->value : qglen ? q->flag + qglen + 1 : q->flag;
		int same = q->group ? strlen(q->group) == *glen && !strncmp(q->group, f, *glen)
				    : qglen == *glen && !strncmp(q->flag, f, qglen);

		dv = uselint_distance(qv, f + *glen + 1) + !same;
		if (dv < d)
			d = dv;
	}
	return d;
}

static char *
show_flag(const char *f, size_t glen)
{
	char *s;

	if (!glen)
		return strdup(f);
	if (asprintf(&s, "%.*s: %s", (int)glen, f, f + glen + 1) < 0)
		return NULL;
	for (size_t i = 0; i < glen; i++)
		s[i] = toupper((unsigned char)s[i]);
	return s;
}

/* Keep SHOW (owned: freed when not kept) if it is among the closest. */
int
uselint_closest_add(struct closest *c, size_t d, char *show)
{
	struct cand nc = { d, show };

	if (!show)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->best[i].show, show))
			d = (size_t)-1;	/* already there */
	if (d > c->limit ||
	    (c->n == MAX_CLOSEST && cmp_cand(&nc, &c->best[MAX_CLOSEST - 1]) >= 0)) {
		free(show);
		return 0;
	}
	if (c->n == MAX_CLOSEST)
		free(c->best[--c->n].show);
	c->best[c->n++] = nc;
	qsort(c->best, c->n, sizeof(*c->best), cmp_cand);
	return 0;
}

int
uselint_consider(struct uselint *u, struct closest *c, const struct query *q, const char *f)
{
	size_t glen, d = cand_distance(u, q, f, &glen);

	if (d > c->limit)
		return 0;
	return uselint_closest_add(c, d, show_flag(f, glen));
}

/* the part of Q's name the user chose: the value within a group */
static const char *
query_value(struct uselint *u, const struct query *q)
{
	size_t glen;

	if (q->group)
		return q->value;
	glen = group_of(u, q->flag);
	return glen ? q->flag + glen + 1 : q->flag;
}

void
uselint_closest_init(struct uselint *u, struct closest *c, const struct query *q)
{
	size_t l = strlen(query_value(u, q));

	memset(c, 0, sizeof(*c));
	/* a third of the name, at least one edit */
	c->limit = l / 3 > 1 ? l / 3 : 1;
}

void
uselint_closest_free(struct closest *c)
{
	while (c->n)
		free(c->best[--c->n].show);
}

void
uselint_closest_print(struct closest *c, FILE *f)
{
	for (size_t i = 0; i < c->n; i++) {
		fprintf(f, "%s%s", i ? ", " : "; closest: ", c->best[i].show);
		free(c->best[i].show);
	}
	if (!c->n)
		fputs("; no close match", f);
	c->n = 0;
}
