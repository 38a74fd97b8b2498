/* uselint_atoms: the image's atoms against the tree, before anything is
 * built: PACKAGES must match an ebuild (and, with keywords, one that is
 * visible), PROVIDED must be CAT/PN-VERSION of a package of the tree
 * (portage(5), package.provided), UNMERGE must name a package of the
 * tree. Findings carry the option's origin; each suggests close names. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atom.h"
#include "err.h"
#include "uselint.h"
#include "uselint_impl.h"

/* a failed atom_parse of WORD: a finding when the atom is invalid */
static int
report_invalid(struct uselint *u, const char *origin, const char *word, const struct err *why)
{
	return errno == EINVAL ? uselint_reportf(u, origin, word, "%s: invalid atom: %s", word, why->msg) : -1;
}

/* WORD, CAT/PF without an operator, as the atom =CAT/PF */
static int
parse_versioned(const char *word, struct atom *a, struct err *why)
{
	char *eq;
	int r;

	if (asprintf(&eq, "=%s", word) < 0)
		return -1;
	r = atom_parse(eq, a, why);
	free(eq);
	return r;
}

/* ---- close names ---- */

/* Consider every package of category CAT as a candidate for WANT
 * ("cat/pn", or "pn" when BY_PN). */
static int
consider_category(struct uselint *u, struct closest *c, const char *cat, const char *want, int by_pn)
{
	struct names *nm = uselint_cat_pfs(u, cat);
	struct strset seen = { 0 };
	int r = 0;

	if (!nm)
		return -1;
	for (size_t i = 0; i < nm->n && !r; i++) {
		long l = atom_pf_split(nm->v[i]);
		char *name;
		size_t d;
		int k;

		if (l < 0 || asprintf(&name, "%s/%.*s", cat, (int)l, nm->v[i]) < 0)
			continue;
		if ((k = strset_add(&seen, name, NULL)) <= 0) {
			free(name);
			r = k;
			continue;
		}
		d = uselint_distance(want, by_pn ? strchr(name, '/') + 1 : name);
		r = d <= c->limit ? uselint_closest_add(c, d, name) : (free(name), 0);
	}
	strset_free(&seen);
	return r;
}

/* " (closest: cat/pn, ...)" or " (no close match)": the packages of the
 * tree nearest CAT/PN (CAT NULL: any category, by PN) */
static int
print_closest(struct uselint *u, const char *cat, const char *pn, FILE *f)
{
	struct closest c = { .limit = strlen(pn) / 3 > 1 ? strlen(pn) / 3 : 1 };
	char want[1024];

	snprintf(want, sizeof(want), "%s%s%s", cat ? cat : "", cat ? "/" : "", pn);
	if (uselint_load_categories(u))
		return -1;
	for (size_t i = 0; i < u->ncats; i++)
		if (consider_category(u, &c, u->cats[i], want, !cat)) {
			uselint_closest_free(&c);
			return -1;
		}
	for (size_t i = 0; i < c.n; i++)
		fprintf(f, "%s%s", i ? ", " : " (closest: ", c.best[i].show);
	fputs(c.n ? ")" : " (no close match)", f);
	uselint_closest_free(&c);
	return 0;
}

/* report what F holds (a memstream into *MSG) when R is 0 */
static int
report_stream(struct uselint *u, const char *origin, const char *word, FILE *f, char **msg, int r)
{
	if (fclose(f) || r) {
		free(*msg);
		return -1;
	}
	uselint_report_option(u, origin, word, *msg);
	free(*msg);
	return 0;
}

/* "WORD: no package CAT/PN in the tree (closest: ...)" (CAT NULL: any) */
static int
report_no_package(struct uselint *u, const char *origin, const char *word, const char *cat, const char *pn)
{
	char *msg = NULL;
	size_t len;
	FILE *f = open_memstream(&msg, &len);

	if (!f)
		return -1;
	if (cat)
		fprintf(f, "%s: no package %s/%s in the tree", word, cat, pn);
	else
		fprintf(f, "%s: no package named %s in the tree", word, pn);
	return report_stream(u, origin, word, f, &msg, print_closest(u, cat, pn, f));
}

/* A's CAT/PN must be a package of the tree */
static int
check_in_tree(struct uselint *u, const char *origin, const char *word, const struct atom *a, struct err *e)
{
	struct pkg *p = uselint_load_pkg(u, a->cat, a->pn, e);

	if (!p)
		return -1;
	return p->n ? 0 : report_no_package(u, origin, word, a->cat, a->pn);
}

/* ---- PACKAGES ---- */

/* "ATOM matches no ebuild in the tree (closest: ...)", or the versions
 * and slots of the package it names */
static int
report_no_ebuild(struct uselint *u, const char *origin, const char *word, const struct atom *a, struct err *e)
{
	char *msg = NULL;
	size_t len;
	struct pkg *p = a->wildcard ? NULL : uselint_load_pkg(u, a->cat, a->pn, e);
	FILE *f;
	int r = 0;

	if (!a->wildcard && !p)
		return -1;
	if (!(f = open_memstream(&msg, &len)))
		return -1;
	fprintf(f, "%s matches no ebuild in the tree", word);
	if (a->wildcard) {
		fputs(" (no package matches it)", f);
	} else if (p->n) {
		fprintf(f, " (%s/%s has", p->cat, p->pn);
		for (size_t i = 0; i < p->n; i++)
			fprintf(f, "%s %s in slot %s", i ? "," : "", p->eb[i].pvr, p->eb[i].slot);
		if (a->repo && (!u->mc.repo_name || strcmp(a->repo, u->mc.repo_name)))
			fprintf(f, "; the repository is '%s', not '%s'",
				u->mc.repo_name ? u->mc.repo_name : "(unnamed)", a->repo);
		fputc(')', f);
	} else {
		r = print_closest(u, a->cat, a->pn, f);
	}
	return report_stream(u, origin, word, f, &msg, r);
}

/* 1 if some ebuild of M that A matches is visible, 0 if none, -1 */
static int
any_visible(struct uselint *u, const struct atom *a, const struct matches *m)
{
	for (size_t i = 0; i < m->npkgs; i++)
		for (size_t j = 0; j < m->pkgs[i]->n; j++) {
			const struct pkg *p = m->pkgs[i];
			int v;

			if (!atom_match(a, p->cat, p->pn, p->eb[j].pvr, p->eb[j].slot, u->mc.repo_name))
				continue;
			if ((v = uselint_visible(u, p, &p->eb[j])))
				return v;
		}
	return 0;
}

static int
report_invisible(struct uselint *u, const char *origin, const char *word, const struct atom *a,
		 const struct matches *m)
{
	char *msg = NULL;
	size_t len;
	FILE *f = open_memstream(&msg, &len);

	if (!f)
		return -1;
	uselint_explain_invisible(u, a, word, m, f);
	return report_stream(u, origin, word, f, &msg, 0);
}

static int
check_package(struct uselint *u, const char *origin, const char *word, struct err *e)
{
	struct atom a;
	struct matches m;
	struct err why;
	int r = 0, v;

	u->natoms++;
	if (strchr(word, '['))
		return uselint_reportf(u, origin, word, "%s: a USE dependency ([...]) is not supported here; "
				       "set the flags in package.use", word);
	if (atom_parse(word, &a, &why))
		return report_invalid(u, origin, word, &why);
	if (uselint_resolve(u, &a, &m, e)) {
		atom_free(&a);
		return -1;
	}
	if (!m.nebs)
		r = report_no_ebuild(u, origin, word, &a, e);
	else if (u->kw && (v = any_visible(u, &a, &m)) <= 0)
		r = v < 0 ? -1 : report_invisible(u, origin, word, &a, &m);
	uselint_free_matches(&m);
	atom_free(&a);
	return r;
}

int
uselint_check_packages(struct uselint *u, const char *atoms, const char *origin, struct err *e)
{
	return uselint_each_word(u, atoms, origin, check_package, e);
}

/* ---- PROVIDED ---- */

/* why WORD is not CAT/PN-VERSION, or NULL */
static const char *
not_cpv(const char *word)
{
	const char *slash = strchr(word, '/');

	if (strchr("<>=~!", word[0]))
		return "package.provided takes CAT/PN-VERSION, without an operator";
	if (strchr(word, '['))
		return "package.provided takes CAT/PN-VERSION, without a USE dependency";
	if (strchr(word, ':'))
		return "package.provided takes CAT/PN-VERSION, without a slot or repository";
	if (!slash || strchr(slash + 1, '/'))
		return "package.provided takes CAT/PN-VERSION: not CATEGORY/PACKAGE";
	if (atom_pf_split(slash + 1) < 0)
		return "package.provided takes CAT/PN-VERSION: the version is missing";
	return NULL;
}

static int
check_provided(struct uselint *u, const char *origin, const char *word, struct err *e)
{
	const char *why = not_cpv(word);
	struct atom a;
	struct err bad;
	int r;

	u->natoms++;
	if (why)
		return uselint_reportf(u, origin, word, "%s: %s", word, why);
	if (parse_versioned(word, &a, &bad))
		return report_invalid(u, origin, word, &bad);
	r = check_in_tree(u, origin, word, &a, e);
	atom_free(&a);
	return r;
}

int
uselint_check_provided(struct uselint *u, const char *atoms, const char *origin, struct err *e)
{
	return uselint_each_word(u, atoms, origin, check_provided, e);
}

/* ---- UNMERGE ---- */

/* Is there a package named PN in some category? */
static int
pn_in_tree(struct uselint *u, const char *pn)
{
	size_t l = strlen(pn);

	if (uselint_load_categories(u))
		return -1;
	for (size_t i = 0; i < u->ncats; i++) {
		struct names *nm = uselint_cat_pfs(u, u->cats[i]);

		if (!nm)
			return -1;
		for (size_t j = 0; j < nm->n; j++)
			if (!strncmp(nm->v[j], pn, l) && atom_pf_split(nm->v[j]) == (long)l)
				return 1;
	}
	return 0;
}

/* WORD as an atom: CAT/PF becomes =CAT/PF (vdb unmerge takes it) */
static int
unmerge_atom(const char *word, struct atom *a, struct err *why)
{
	const char *slash = strchr(word, '/');

	if (strchr("<>=~", word[0]) || !slash || atom_pf_split(slash + 1) < 0)
		return atom_parse(word, a, why);
	return parse_versioned(word, a, why);
}

static int
check_unmerge(struct uselint *u, const char *origin, const char *word, struct err *e)
{
	struct atom a;
	struct err why;
	int r;

	u->natoms++;
	if (!strchr(word, '/') && !strchr("<>=~!", word[0])) {	/* PN alone, as vdb takes it */
		if ((r = pn_in_tree(u, word)) != 0)
			return r < 0 ? -1 : 0;
		return report_no_package(u, origin, word, NULL, word);
	}
	if (unmerge_atom(word, &a, &why))
		return report_invalid(u, origin, word, &why);
	r = a.wildcard ? uselint_reportf(u, origin, word, "%s: UNMERGE takes no wildcards", word)
		       : check_in_tree(u, origin, word, &a, e);
	atom_free(&a);
	return r;
}

int
uselint_check_unmerge(struct uselint *u, const char *atoms, const char *origin, struct err *e)
{
	return uselint_each_word(u, atoms, origin, check_unmerge, e);
}
