/* uselint_keywords: which ebuilds KEYWORDS let an image have, decided as
 * Portage's KeywordsManager does (gentoo/portage,
 * lib/portage/package/ebuild/_config/KeywordsManager.py, read at commit
 * 1bb64ff4520354688a82f4b267b028db913798f4):
 *  - getKeywords: the ebuild's KEYWORDS without "-*" (the profiles'
 *    package.keywords are not read here);
 *  - getMissingKeywords: the accepted groups are ACCEPT_KEYWORDS plus
 *    getPKeywords, the tokens of every package.accept_keywords line whose
 *    atom matches the ebuild; a line without tokens accepts
 *    "~" + each ACCEPT_KEYWORDS keyword not starting with '~' or '-'
 *    (accept_keywords_defaults);
 *  - _getEgroups: the groups stacked incrementally ("-*" clears, "-kw"
 *    removes kw);
 *  - _getMissingKeywords: an ebuild keyword "*" is always accepted; "~*"
 *    by any accepted "~kw"; any other by itself; then "~*" accepts any
 *    testing keyword, "*" any stable one, "**" anything (an empty
 *    KEYWORDS too).
 * Two simplifications: matching lines are stacked in file order, where
 * Portage orders them by atom specificity (helper.py,
 * ordered_by_atom_specificity), which only a "-kw" token notices; and
 * incremental stacking always applies, where Portage applies it only
 * when some line matched (the same result for a stacked ACCEPT_KEYWORDS,
 * which make.conf and the profiles give). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atom.h"
#include "err.h"
#include "uselint.h"
#include "uselint_impl.h"

/* one package.accept_keywords line */
struct akw_line {
	struct atom atom;
	char **tokens;		/* none: the defaults */
	size_t n;
};

struct uselint_kw {
	char *arch, *shown;
	char **accept;		/* ACCEPT_KEYWORDS, as given */
	size_t naccept;
	char **defaults;	/* what a line without tokens accepts */
	size_t ndefaults;
	struct akw_line *lines;
	size_t nlines, cap;
};

/* a stacked set of keyword groups (borrowed strings), in order */
struct groups {
	const char **v;
	size_t n, cap;
};

static int
groups_has(const struct groups *g, const char *kw)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->v[i], kw))
			return 1;
	return 0;
}

/* _getEgroups, one token: "-*" clears, "-kw" removes kw, kw adds it */
static int
groups_stack(struct groups *g, const char *tok)
{
	if (!strcmp(tok, "-*")) {
		g->n = 0;
		return 0;
	}
	if (tok[0] == '-') {
		for (size_t i = 0; i < g->n; i++)
			if (!strcmp(g->v[i], tok + 1))
				g->v[i--] = g->v[--g->n];
		return 0;
	}
	return groups_has(g, tok) ? 0 : uselint_push(&g->v, &g->n, &g->cap, sizeof(tok), &tok);
}

static int
groups_stack_all(struct groups *g, char *const *toks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (groups_stack(g, toks[i]))
			return -1;
	return 0;
}

/* _getMissingKeywords: does PGROUPS accept an ebuild with KEYWORDS? */
static int
accepted(const struct groups *pgroups, const char *keywords)
{
	char *copy = strdup(keywords), *save = NULL, *gp;
	int match = 0, hasstable = 0, hastesting = 0;

	if (!copy)
		return -1;
	for (gp = strtok_r(copy, " \t", &save); gp && !match; gp = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(gp, "-*"))
			continue;	/* getKeywords drops it */
		if (!strcmp(gp, "*")) {
			match = 1;
		} else if (!strcmp(gp, "~*")) {
			hastesting = 1;
			for (size_t i = 0; i < pgroups->n && !match; i++)
				match = pgroups->v[i][0] == '~';
		} else if (groups_has(pgroups, gp)) {
			match = 1;
		} else if (gp[0] == '~') {
			hastesting = 1;
		} else if (gp[0] != '-') {
			hasstable = 1;
		}
	}
	free(copy);
	return match || (hastesting && groups_has(pgroups, "~*")) || (hasstable && groups_has(pgroups, "*")) ||
	       groups_has(pgroups, "**");
}

int
uselint_visible(const struct uselint *u, const struct pkg *p, const struct ebuild *eb)
{
	const struct uselint_kw *kw = u->kw;
	struct groups g = { 0 };
	int r = groups_stack_all(&g, kw->accept, kw->naccept);

	for (size_t i = 0; i < kw->nlines && !r; i++) {
		const struct akw_line *l = &kw->lines[i];

		if (atom_match(&l->atom, p->cat, p->pn, eb->pvr, eb->slot, u->mc.repo_name))
			r = l->n ? groups_stack_all(&g, l->tokens, l->n)
				 : groups_stack_all(&g, kw->defaults, kw->ndefaults);
	}
	if (!r)
		r = accepted(&g, eb->keywords);
	free(g.v);
	return r;
}

/* EB's keyword for ARCH as KEYWORDS writes it ("~amd64"), or NULL */
static const char *
arch_keyword(const struct ebuild *eb, const char *arch, char *buf, size_t n)
{
	static const char *const prefix[] = { "", "~", "-" };

	for (size_t i = 0; i < 3; i++) {
		const char *k;
		size_t l;

		snprintf(buf, n, "%s%s", prefix[i], arch);
		l = strlen(buf);
		for (k = eb->keywords; (k = strstr(k, buf)); k += l)
			if ((k == eb->keywords || k[-1] == ' ') && (!k[l] || k[l] == ' '))
				return buf;
	}
	return NULL;
}

/* How much a package.accept_keywords line must accept for EB on ARCH:
 * 2 "~ARCH" (EB is ~ARCH), 1 "ARCH" (EB is stable there), 0 "**" (EB
 * has no keyword for ARCH, or -ARCH); STATE gets EB's keyword. */
static int
needed(const struct ebuild *eb, const char *arch, char *state, size_t n)
{
	if (!arch_keyword(eb, arch, state, n)) {
		snprintf(state, n, "not keyworded for %s", arch);
		return 0;
	}
	return state[0] == '~' ? 2 : state[0] == '-' ? 0 : 1;
}

void
uselint_explain_invisible(const struct uselint *u, const struct atom *a, const char *atomstr,
			  const struct matches *m, FILE *f)
{
	const struct uselint_kw *kw = u->kw;
	char state[256];
	int best = 0;
	size_t k = 0;

	fprintf(f, "%s: no version is visible on %s (", atomstr, kw->arch);
	for (size_t i = 0; i < m->npkgs; i++) {
		const struct pkg *p = m->pkgs[i];

		for (size_t j = 0; j < p->n; j++) {
			const struct ebuild *eb = &p->eb[j];
			int need;

			if (!atom_match(a, p->cat, p->pn, eb->pvr, eb->slot, u->mc.repo_name))
				continue;
			need = needed(eb, kw->arch, state, sizeof(state));
			if (need > best)
				best = need;
			if (m->npkgs > 1)
				fprintf(f, "%s%s/%s-%s is %s", k++ ? ", " : "", p->cat, p->pn, eb->pvr, state);
			else
				fprintf(f, "%s%s is %s", k++ ? ", " : "", eb->pvr, state);
		}
	}
	fprintf(f, "): add \"%s %s%s\" to %s", atomstr, best == 2 ? "~" : "", best ? kw->arch : "**", kw->shown);
}

/* ---- set-up ---- */

static int
split_words(const char *s, char ***v, size_t *n)
{
	char *copy = strdup(s), *save = NULL, *t;
	size_t cap = 0;
	int r = 0;

	*v = NULL;
	*n = 0;
	if (!copy)
		return -1;
	for (t = strtok_r(copy, " \t\r\n", &save); t && !r; t = strtok_r(NULL, " \t\r\n", &save)) {
		char *w = strdup(t);

		if (!w || uselint_push(v, n, &cap, sizeof(w), &w)) {
			free(w);
			r = -1;
		}
	}
	free(copy);
	return r;
}

/* one package.accept_keywords line: an atom and its tokens */
static int
akw_line(struct uselint *u, const char *file, size_t lineno, char **tok, size_t n, void *arg, struct err *e)
{
	struct uselint_kw *kw = arg;
	struct akw_line l = { 0 };
	struct err why;

	(void)e;
	if (atom_parse(tok[0], &l.atom, &why)) {
		char *msg;

		if (errno != EINVAL || asprintf(&msg, "invalid atom: %s", why.msg) < 0)
			return -1;
		uselint_report(u, file, lineno, tok[0], msg);
		free(msg);
		return 0;
	}
	if (!(l.tokens = calloc(n, sizeof(*l.tokens))))
		goto fail;
	for (size_t i = 1; i < n; i++)
		if (!(l.tokens[l.n++] = strdup(tok[i])))
			goto fail;
	if (uselint_push(&kw->lines, &kw->nlines, &kw->cap, sizeof(l), &l))
		goto fail;
	return 0;
fail:
	atom_free(&l.atom);
	md5cache_free_names(l.tokens, l.n);
	return -1;
}

/* accept_keywords_defaults: "~" + each ACCEPT_KEYWORDS keyword that does
 * not start with '~' or '-' */
static int
make_defaults(struct uselint_kw *kw)
{
	size_t cap = 0;

	for (size_t i = 0; i < kw->naccept; i++) {
		char *d;

		if (kw->accept[i][0] == '~' || kw->accept[i][0] == '-')
			continue;
		if (asprintf(&d, "~%s", kw->accept[i]) < 0)
			return -1;
		if (uselint_push(&kw->defaults, &kw->ndefaults, &cap, sizeof(d), &d)) {
			free(d);
			return -1;
		}
	}
	return 0;
}

int
uselint_keywords(struct uselint *u, const char *arch, const char *accept, const char *path,
		 const char *shown, struct err *e)
{
	struct uselint_kw *kw;
	struct err local;

	if (!e)
		e = &local;
	err_clear(e);
	if (!*arch || strpbrk(arch, " \t\r\n~-*"))
		return err_set(e, EINVAL, "--arch %s: not a keyword (amd64, arm64, ...)", arch);
	uselint_keywords_free(u);
	if (!(u->kw = kw = calloc(1, sizeof(*kw))) || !(kw->arch = strdup(arch)) ||
	    !(kw->shown = strdup(shown ? shown : path ? path : "package.accept_keywords")) ||
	    split_words(accept ? accept : arch, &kw->accept, &kw->naccept) || make_defaults(kw))
		return err_set(e, ENOMEM, "out of memory");
	if (path && uselint_read_lines(u, path, akw_line, kw, e)) {
		if (!e->msg[0])
			err_set(e, errno, "%s:", path);
		return -1;
	}
	return 0;
}

void
uselint_keywords_free(struct uselint *u)
{
	struct uselint_kw *kw = u->kw;

	if (!kw)
		return;
	for (size_t i = 0; i < kw->nlines; i++) {
		atom_free(&kw->lines[i].atom);
		md5cache_free_names(kw->lines[i].tokens, kw->lines[i].n);
	}
	free(kw->lines);
	md5cache_free_names(kw->accept, kw->naccept);
	md5cache_free_names(kw->defaults, kw->ndefaults);
	free(kw->arch);
	free(kw->shown);
	free(kw);
	u->kw = NULL;
}
