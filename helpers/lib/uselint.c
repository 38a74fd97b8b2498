/* uselint: the USE flags of an image checked against the IUSE of the
 * ebuilds they apply to: the global USE (uselint_check_use) and
 * package.use lines (uselint_check_package_use). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atom.h"
#include "err.h"
#include "uselint.h"
#include "uselint_impl.h"

/* PMS 3.1.4: a USE flag is [A-Za-z0-9][A-Za-z0-9+_@-]* */
static int
valid_flag(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return 0;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("+_@-", *s))
			return 0;
	return 1;
}

/* ---- the global USE ---- */

/* 1 if a package use.local.desc names for FLAG has it in some IUSE */
static int
local_has(struct uselint *u, const char *flag, struct err *err)
{
	char **cps, *copy, *cp, *save = NULL;
	int found = 0;

	if (uselint_load_local(u))
		return -1;
	if (!(cps = strset_get(&u->local, flag)))
		return 0;
	if (!(copy = strdup(*cps)))
		return -1;
	for (cp = strtok_r(copy, " ", &save); cp && !found; cp = strtok_r(NULL, " ", &save)) {
		char *slash = strchr(cp, '/');
		struct pkg *p;

		*slash = '\0';
		if (!(p = uselint_load_pkg(u, cp, slash + 1, err))) {
			found = -1;
			break;
		}
		for (size_t i = 0; i < p->n && !found; i++)
			for (size_t j = 0; j < p->eb[i].nflags && !found; j++)
				found = !strcmp(p->eb[i].flags[j], flag);
	}
	free(copy);
	return found;
}

/* 1 if FLAG is global, or in the IUSE of some ebuild (first those
 * profiles/use.local.desc names for it, then every one), 0 if not, -1 */
static int
known_flag(struct uselint *u, const char *flag, struct err *e)
{
	int k;

	if (strset_has(&u->global, flag))
		return 1;
	/* not a global flag: is it some ebuild's local one? */
	if ((k = local_has(u, flag, e)))
		return k;
	if (uselint_load_all_iuse(u))
		return -1;
	return strset_has(&u->all_iuse, flag);
}

/* "USE flag 'X' is neither in profiles/use.desc nor ...; closest: ..." */
static int
report_unknown_flag(struct uselint *u, const char *origin, const char *flag)
{
	struct query q = { flag, NULL, NULL };
	struct closest c;
	char *msg = NULL;
	size_t len;
	FILE *f;
	int r = 0;

	uselint_closest_init(u, &c, &q);
	for (size_t i = 0; i < u->global.cap && !r; i++)
		if (u->global.keys[i])
			r = uselint_consider(u, &c, &q, u->global.keys[i]);
	for (size_t i = 0; i < u->all_iuse.cap && !r; i++)
		if (u->all_iuse.keys[i])
			r = uselint_consider(u, &c, &q, u->all_iuse.keys[i]);
	if (r || !(f = open_memstream(&msg, &len))) {
		uselint_closest_free(&c);
		return -1;
	}
	fprintf(f, "USE flag '%s' is neither in profiles/use.desc nor in the IUSE of any ebuild in %s",
		flag, u->repo_path);
	uselint_closest_print(&c, f);
	fclose(f);
	uselint_report_option(u, origin, NULL, msg);
	free(msg);
	return 0;
}

/* one token of the global USE */
static int
check_use_flag(struct uselint *u, const char *origin, const char *tok, struct err *e)
{
	const char *flag = *tok == '-' ? tok + 1 : tok;
	int k;

	if (!strcmp(tok, "-*"))
		return 0;
	if (!valid_flag(flag))
		return uselint_reportf(u, origin, NULL, "'%s' is not a valid USE flag", tok);
	u->nflags++;
	if ((k = known_flag(u, flag, e)))
		return k < 0 ? -1 : 0;
	return report_unknown_flag(u, origin, flag);
}

int
uselint_check_use(struct uselint *u, const char *use, const char *origin, struct err *e)
{
	return uselint_each_word(u, use, origin, check_use_flag, e);
}

/* ---- package.use ---- */

/* Why A matched nothing, with the closest package names. */
static int
explain_nomatch(struct uselint *u, const struct atom *a, FILE *f, struct err *err)
{
	struct pkg *p;
	struct names *nm;
	struct closest c;
	struct query q = { a->pn, NULL, NULL };

	if (a->wildcard) {
		fprintf(f, "matches no package in %s", u->repo_path);
		return 0;
	}
	if (!(p = uselint_load_pkg(u, a->cat, a->pn, err)))
		return -1;
	if (p->n) {
		fprintf(f, "matches none of the ebuilds of %s/%s in %s:", a->cat, a->pn, u->repo_path);
		for (size_t i = 0; i < p->n; i++)
			fprintf(f, "%s %s (slot %s)", i ? "," : "", p->eb[i].pvr, p->eb[i].slot);
		if (a->repo && (!u->mc.repo_name || strcmp(a->repo, u->mc.repo_name)))
			fprintf(f, "; the repository is '%s', not '%s'",
				u->mc.repo_name ? u->mc.repo_name : "(unnamed)", a->repo);
		return 0;
	}
	if (!(nm = uselint_cat_pfs(u, a->cat)))
		return -1;
	uselint_closest_init(u, &c, &q);
	if (nm->n) {
		char last[512] = "";

		fprintf(f, "no package %s/%s in %s", a->cat, a->pn, u->repo_path);
		for (size_t i = 0; i < nm->n; i++) {
			long l = atom_pf_split(nm->v[i]);
			char pn[512], *full;
			size_t d;

			if (l < 0 || (size_t)l >= sizeof(pn))
				continue;
			memcpy(pn, nm->v[i], l);
			pn[l] = '\0';
			if (!strcmp(pn, last))
				continue;
			strcpy(last, pn);
			if ((d = uselint_distance(a->pn, pn)) > c.limit)
				continue;
			if (asprintf(&full, "%s/%s", a->cat, pn) < 0 || uselint_closest_add(&c, d, full)) {
				uselint_closest_free(&c);
				return -1;
			}
		}
	} else {
		if (uselint_load_categories(u))
			return -1;
		fprintf(f, "no category %s in %s", a->cat, u->repo_path);
		q.flag = a->cat;
		uselint_closest_init(u, &c, &q);
		for (size_t i = 0; i < u->ncats; i++) {
			size_t d = uselint_distance(a->cat, u->cats[i]);

			if (d <= c.limit && uselint_closest_add(&c, d, strdup(u->cats[i]))) {
				uselint_closest_free(&c);
				return -1;
			}
		}
	}
	uselint_closest_print(&c, f);
	return 0;
}

static int
in_matches(const struct matches *m, const char *flag)
{
	for (size_t i = 0; i < m->nebs; i++)
		for (size_t j = 0; j < m->ebs[i]->nflags; j++)
			if (!strcmp(m->ebs[i]->flags[j], flag))
				return 1;
	return 0;
}

/* "USE flag 'X' is not in IUSE of CAT/PN (versions checked: ...); closest: ..." */
static int
explain_flag(struct uselint *u, const struct matches *m, const struct query *q,
	     const char *group_written, FILE *f)
{
	struct closest c;
	struct strset seen = { 0 };
	int r = 0;

	fprintf(f, "USE flag '%s'", q->flag);
	if (q->group)
		fprintf(f, " (%s: %s)", group_written, q->value);
	if (m->npkgs == 1) {
		fprintf(f, " is not in IUSE of %s/%s (versions checked:", m->pkgs[0]->cat, m->pkgs[0]->pn);
		for (size_t i = 0; i < m->nebs; i++)
			fprintf(f, "%s %s", i ? "," : "", m->ebs[i]->pvr);
		fputc(')', f);
	} else {
		fprintf(f, " is not in IUSE of any of the %zu packages matched (", m->npkgs);
		for (size_t i = 0; i < m->npkgs && i < 5; i++)
			fprintf(f, "%s%s/%s", i ? ", " : "", m->pkgs[i]->cat, m->pkgs[i]->pn);
		fprintf(f, "%s; %zu ebuilds checked)", m->npkgs > 5 ? ", ..." : "", m->nebs);
	}
	uselint_closest_init(u, &c, q);
	for (size_t i = 0; i < m->nebs && !r; i++)
		for (size_t j = 0; j < m->ebs[i]->nflags && !r; j++) {
			const char *fl = m->ebs[i]->flags[j];
			int k = strset_add(&seen, fl, NULL);

			if (k < 0)
				r = -1;
			else if (k)
				r = uselint_consider(u, &c, q, fl);
		}
	strset_free(&seen);
	uselint_closest_print(&c, f);
	return r;
}

static int
check_flag(struct uselint *u, const char *file, size_t lineno, const char *atomstr,
	   const struct matches *m, const char *group, const char *group_written,
	   const char *tok)
{
	const char *v = *tok == '-' ? tok + 1 : tok;
	char *flag = NULL, *msg = NULL;
	struct query q;
	size_t len;
	FILE *f;
	int r = 0;

	if (group) {
		if (asprintf(&flag, "%s_%s", group, v) < 0)
			return -1;
	} else if (!(flag = strdup(v))) {
		return -1;
	}
	q = (struct query){ flag, group, v };
	if (!*v || !valid_flag(flag)) {
		if (asprintf(&msg, "'%s' is not a valid USE flag%s", tok,
			     *tok == '+' ? " (a '+' is for IUSE defaults, not for package.use)" : "") < 0)
			r = -1;
		else
			uselint_report(u, file, lineno, atomstr, msg);
		goto out;
	}
	u->nflags++;
	if (in_matches(m, flag))
		goto out;
	if (!(f = open_memstream(&msg, &len))) {
		r = -1;
		goto out;
	}
	r = explain_flag(u, m, &q, group_written, f);
	fclose(f);
	if (!r)
		uselint_report(u, file, lineno, atomstr, msg);
out:
	free(msg);
	free(flag);
	return r;
}

/* One package.use line: ATOM FLAG... with "GROUP:" starting a USE_EXPAND
 * group until the end of the line (Portage's UseManager:
 * _parse_user_files_to_extatomdict). */
static int
check_line(struct uselint *u, const char *file, size_t lineno, char **tok, size_t n, struct err *err)
{
	struct atom a;
	struct matches m;
	struct err why;
	char *msg = NULL, group[256] = "", *group_written = NULL;
	size_t len;
	FILE *f;
	int r = 0;

	u->nlines++;
	if (atom_parse(tok[0], &a, &why)) {
		if (errno != EINVAL)
			return -1;
		if (asprintf(&msg, "invalid atom: %s", why.msg) < 0)
			return -1;
		uselint_report(u, file, lineno, tok[0], msg);
		free(msg);
		return 0;
	}
	if (uselint_resolve(u, &a, &m, err)) {
		atom_free(&a);
		return -1;
	}
	if (!m.nebs) {
		if (!(f = open_memstream(&msg, &len))) {
			r = -1;
		} else {
			r = explain_nomatch(u, &a, f, err);
			fclose(f);
			if (!r)
				uselint_report(u, file, lineno, tok[0], msg);
			free(msg);
		}
		goto out;
	}
	for (size_t i = 1; i < n && !r; i++) {
		size_t l = strlen(tok[i]);

		if (tok[i][l - 1] == ':') {
			/* "NGINX_MODULES_HTTP:" -> nginx_modules_http_VALUE */
			if (l == 1 || l >= sizeof(group)) {
				if (asprintf(&msg, "'%s' is not a valid USE_EXPAND name", tok[i]) < 0)
					r = -1;
				else
					uselint_report(u, file, lineno, tok[0], msg);
				free(msg);
				msg = NULL;
				group[0] = '\0';
				continue;
			}
			for (size_t k = 0; k < l - 1; k++)
				group[k] = tolower((unsigned char)tok[i][k]);
			group[l - 1] = '\0';
			tok[i][l - 1] = '\0';
			group_written = tok[i];
			if (strset_add(&u->groups, group, NULL) < 0)
				r = -1;
			continue;
		}
		if (!strcmp(tok[i], "-*"))
			continue;
		r = check_flag(u, file, lineno, tok[0], &m, group[0] ? group : NULL, group_written, tok[i]);
	}
out:
	uselint_free_matches(&m);
	atom_free(&a);
	return r;
}

static int
package_use_line(struct uselint *u, const char *file, size_t lineno, char **tok, size_t n, void *arg,
		 struct err *e)
{
	(void)arg;
	return check_line(u, file, lineno, tok, n, e);
}

int
uselint_check_package_use(struct uselint *u, const char *path, struct err *e)
{
	struct err local;

	if (!e)
		e = &local;
	err_clear(e);
	return uselint_read_lines(u, path, package_use_line, NULL, e);
}
