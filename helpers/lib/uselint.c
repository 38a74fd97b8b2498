#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atom.h"
#include "err.h"
#include "uselint.h"

struct ebuild {
	char *pf;
	const char *pvr;	/* inside pf */
	char *slot;
	char *iuse;		/* split in place into flags */
	char **flags;
	size_t nflags;
};

struct pkg {
	char *cat, *pn;
	struct ebuild *eb;	/* sorted by version */
	size_t n;
};

struct names {
	char **v;
	size_t n;
};

/* what an atom matched */
struct matches {
	struct pkg **pkgs;	/* packages with at least one matching ebuild */
	size_t npkgs;
	struct ebuild **ebs;
	size_t nebs;
};

#define MAX_CLOSEST 3

static int
push(void *vp, size_t *n, size_t *cap, size_t size, const void *item)
{
	void **v = vp;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *nv = realloc(*v, nc * size);

		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	memcpy((char *)*v + *n * size, item, size);
	(*n)++;
	return 0;
}

size_t
uselint_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), *row, d;

	if (!(row = malloc((lb + 1) * sizeof(*row))))
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

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

static void
report(struct uselint *u, const char *file, size_t line, const char *atom, const char *msg)
{
	struct uselint_diag d = { file, line, atom, msg };

	u->nerrors++;
	u->report(&d, u->arg);
}

/* ---- reading the repository ---- */

static void
free_names_val(struct names *nm)
{
	if (nm) {
		md5cache_free_names(nm->v, nm->n);
		free(nm);
	}
}

/* The PFs of CAT (empty when the category does not exist). */
static struct names *
cat_pfs(struct uselint *u, const char *cat)
{
	struct names *nm = strset_get(&u->catpfs, cat);

	if (nm)
		return nm;
	if (!(nm = calloc(1, sizeof(*nm))))
		return NULL;
	if (md5cache_pfs(&u->mc, cat, &nm->v, &nm->n) && errno != ENOENT && errno != ENOTDIR) {
		free(nm);
		return NULL;
	}
	if (strset_add(&u->catpfs, cat, nm) < 0) {
		free_names_val(nm);
		return NULL;
	}
	return nm;
}

static int
cmp_ebuild(const void *a, const void *b)
{
	return atom_vercmp(((const struct ebuild *)a)->pvr, ((const struct ebuild *)b)->pvr);
}

static void
free_pkg(struct pkg *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->eb[i].pf);
		free(p->eb[i].slot);
		free(p->eb[i].iuse);
		free(p->eb[i].flags);
	}
	free(p->eb);
	free(p->cat);
	free(p->pn);
	free(p);
}

static int
load_ebuild(struct uselint *u, const char *cat, const char *pf, size_t pnlen, struct ebuild *eb,
	    struct err *err)
{
	struct md5cache_entry e;
	const char *slot, *iuse;

	memset(eb, 0, sizeof(*eb));
	if (md5cache_read(&u->mc, cat, pf, &e)) {
		if (errno == EINVAL)
			return err_set(err, EINVAL, "%s/metadata/md5-cache/%s/%s: a line that is not KEY=VALUE",
				       u->repo_path, cat, pf);
		return err_set(err, errno, "%s/metadata/md5-cache/%s/%s:", u->repo_path, cat, pf);
	}
	slot = md5cache_get(&e, "SLOT");
	iuse = md5cache_get(&e, "IUSE");
	eb->pf = strdup(pf);
	eb->slot = strdup(slot ? slot : "0");
	eb->iuse = strdup(iuse ? iuse : "");
	md5cache_entry_free(&e);
	if (!eb->pf || !eb->slot || !eb->iuse ||
	    md5cache_iuse_split(eb->iuse, &eb->flags, &eb->nflags)) {
		free(eb->pf);
		free(eb->slot);
		free(eb->iuse);
		errno = ENOMEM;
		return -1;
	}
	eb->pvr = eb->pf + pnlen + 1;
	return 0;
}

/* CAT/PN with every ebuild the cache has (none: an unknown package). */
static struct pkg *
load_pkg(struct uselint *u, const char *cat, const char *pn, struct err *err)
{
	char key[1024];
	struct pkg *p;
	struct names *nm;
	size_t cap = 0, l = strlen(pn);

	if ((size_t)snprintf(key, sizeof(key), "%s/%s", cat, pn) >= sizeof(key)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((p = strset_get(&u->pkgs, key)))
		return p;
	if (!(nm = cat_pfs(u, cat)) || !(p = calloc(1, sizeof(*p))))
		return NULL;
	if (!(p->cat = strdup(cat)) || !(p->pn = strdup(pn)))
		goto fail;
	for (size_t i = 0; i < nm->n; i++) {
		struct ebuild eb;

		if (strncmp(nm->v[i], pn, l) || atom_pf_split(nm->v[i]) != (long)l)
			continue;
		if (load_ebuild(u, cat, nm->v[i], l, &eb, err))
			goto fail;
		if (push(&p->eb, &p->n, &cap, sizeof(eb), &eb)) {
			free(eb.pf), free(eb.slot), free(eb.iuse), free(eb.flags);
			goto fail;
		}
	}
	if (p->n > 1)
		qsort(p->eb, p->n, sizeof(*p->eb), cmp_ebuild);
	if (strset_add(&u->pkgs, key, p) < 0)
		goto fail;
	return p;
fail:
	free_pkg(p);
	return NULL;
}

static int
load_categories(struct uselint *u)
{
	if (u->cats_loaded)
		return 0;
	if (md5cache_categories(&u->mc, &u->cats, &u->ncats))
		return -1;
	u->cats_loaded = 1;
	return 0;
}

/* "flag - description" lines (profiles/use.desc, profiles/desc/X.desc):
 * add PREFIX + flag to SET. */
static int
read_desc(struct uselint *u, const char *rel, const char *prefix, struct strset *set)
{
	char *buf, *line, *save = NULL;
	int r = 0;

	if (md5cache_repo_file(&u->mc, rel, &buf))
		return errno == ENOENT ? 0 : -1;
	for (line = strtok_r(buf, "\n", &save); line && !r; line = strtok_r(NULL, "\n", &save)) {
		char flag[256];
		size_t l;

		line += strspn(line, " \t");
		if (*line == '#' || !*line)
			continue;
		l = strcspn(line, " \t\r");
		if ((size_t)snprintf(flag, sizeof(flag), "%s%.*s", prefix, (int)l, line) >= sizeof(flag))
			continue;
		if (strset_add(set, flag, NULL) < 0)
			r = -1;
	}
	free(buf);
	return r;
}

/* profiles/use.desc, and every profiles/desc/GROUP.desc as GROUP_value
 * (the USE_EXPAND names are kept to show flags in their group form). */
static int
load_global(struct uselint *u)
{
	int fd;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (read_desc(u, "profiles/use.desc", "", &u->global))
		return -1;
	if ((fd = openat(u->mc.repofd, "profiles/desc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	while (!r && (errno = 0, de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char group[256], rel[512];

		if (de->d_name[0] == '.' || l <= 5 || strcmp(de->d_name + l - 5, ".desc") ||
		    l - 5 >= sizeof(group) - 1)
			continue;
		memcpy(group, de->d_name, l - 5);
		group[l - 5] = '\0';
		snprintf(rel, sizeof(rel), "profiles/desc/%s", de->d_name);
		if (strset_add(&u->groups, group, NULL) < 0)
			r = -1;
		strcat(group, "_");
		if (!r && read_desc(u, rel, group, &u->global))
			r = -1;
	}
	if (!r && errno)
		r = -1;
	closedir(d);
	return r;
}

int
uselint_open(struct uselint *u, const char *repo, uselint_report_fn rep, void *arg, struct err *e)
{
	memset(u, 0, sizeof(*u));
	err_clear(e);
	if (md5cache_open(&u->mc, repo)) {
		if (errno == ENOENT || errno == ENOTDIR)
			return err_set(e, errno, "%s: not an ebuild repository with metadata/md5-cache", repo);
		return err_set(e, errno, "%s:", repo);
	}
	u->report = rep;
	u->arg = arg;
	if (!(u->repo_path = strdup(repo)) || load_global(u)) {
		int saved = errno;

		uselint_close(u);
		return err_set(e, saved, "%s:", repo);
	}
	return 0;
}

void
uselint_close(struct uselint *u)
{
	for (size_t i = 0; i < u->pkgs.cap; i++)
		if (u->pkgs.keys && u->pkgs.keys[i])
			free_pkg(u->pkgs.vals[i]);
	for (size_t i = 0; i < u->catpfs.cap; i++)
		if (u->catpfs.keys && u->catpfs.keys[i])
			free_names_val(u->catpfs.vals[i]);
	strset_free(&u->pkgs);
	strset_free(&u->catpfs);
	strset_free(&u->groups);
	for (size_t i = 0; i < u->local.cap; i++)
		if (u->local.keys && u->local.keys[i] && u->local.vals[i]) {
			free(*(char **)u->local.vals[i]);
			free(u->local.vals[i]);
		}
	strset_free(&u->local);
	strset_free(&u->global);
	strset_free(&u->all_iuse);
	md5cache_free_names(u->cats, u->ncats);
	md5cache_close(&u->mc);
	free(u->repo_path);
	memset(u, 0, sizeof(*u));
}

/* ---- suggestions ---- */

struct cand {
	size_t dist;
	char *show;
};

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

struct query {
	const char *flag;	/* the expanded name */
	const char *group;	/* lower-case USE_EXPAND name, or NULL */
	const char *value;	/* the value within the group */
};

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

struct closest {
	struct cand best[MAX_CLOSEST];
	size_t n, limit;
};

/* Keep SHOW (owned: freed when not kept) if it is among the closest. */
static int
closest_add(struct closest *c, size_t d, char *show)
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

static int
consider(struct uselint *u, struct closest *c, const struct query *q, const char *f)
{
	size_t glen, d = cand_distance(u, q, f, &glen);

	if (d > c->limit)
		return 0;
	return closest_add(c, d, show_flag(f, glen));
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

static void
closest_init(struct uselint *u, struct closest *c, const struct query *q)
{
	size_t l = strlen(query_value(u, q));

	memset(c, 0, sizeof(*c));
	/* a third of the name, at least one edit */
	c->limit = l / 3 > 1 ? l / 3 : 1;
}

static void
closest_free(struct closest *c)
{
	while (c->n)
		free(c->best[--c->n].show);
}

static void
closest_print(struct closest *c, FILE *f)
{
	for (size_t i = 0; i < c->n; i++) {
		fprintf(f, "%s%s", i ? ", " : "; closest: ", c->best[i].show);
		free(c->best[i].show);
	}
	if (!c->n)
		fputs("; no close match", f);
	c->n = 0;
}

/* ---- the global USE ---- */

static int
add_iuse(const char *cat, const char *pf, char *iuse, void *arg)
{
	struct strset *s = arg;
	char **flags;
	size_t n;
	int r = 0;

	(void)cat, (void)pf;
	if (md5cache_iuse_split(iuse, &flags, &n))
		return -1;
	for (size_t i = 0; i < n && !r; i++)
		if (strset_add(s, flags[i], NULL) < 0)
			r = -1;
	free(flags);
	return r;
}

static int
load_all_iuse(struct uselint *u)
{
	size_t before = u->mc.nread;

	if (u->all_loaded)
		return 0;
	if (md5cache_foreach_iuse(&u->mc, add_iuse, &u->all_iuse))
		return -1;
	u->all_loaded = 1;
	u->nall = u->mc.nread - before;
	return 0;
}

size_t
uselint_ebuilds(const struct uselint *u)
{
	/* the whole tree once read, every package's entries are among them */
	return u->all_loaded ? u->nall : u->mc.nread;
}

/* profiles/use.local.desc ("cat/pn:flag - description", generated by
 * egencache from metadata.xml in gentoo-mirror/gentoo): which packages
 * describe a flag. Only a hint: the IUSE decides. */
static int
load_local(struct uselint *u)
{
	char *buf, *line, *save = NULL;
	int r = 0;

	if (u->local_loaded)
		return 0;
	u->local_loaded = 1;
	if (md5cache_repo_file(&u->mc, "profiles/use.local.desc", &buf))
		return errno == ENOENT ? 0 : -1;
	for (line = strtok_r(buf, "\n", &save); line && !r; line = strtok_r(NULL, "\n", &save)) {
		char *colon, *flag, *old, *cps, **box;

		if (*line == '#' || !(colon = strchr(line, ':')))
			continue;
		*colon = '\0';
		flag = colon + 1;
		flag[strcspn(flag, " \t")] = '\0';
		if (!*flag || !strchr(line, '/'))
			continue;
		box = strset_get(&u->local, flag);
		old = box ? *box : NULL;
		if (asprintf(&cps, "%s%s%s", old ? old : "", old ? " " : "", line) < 0) {
			r = -1;
			break;
		}
		if (box) {
			free(old);
			*box = cps;
		} else if (!(box = malloc(sizeof(*box))) ||
			   (*box = cps, strset_add(&u->local, flag, box) < 0)) {
			free(cps);
			free(box);
			r = -1;
		}
	}
	free(buf);
	return r;
}

/* 1 if a package use.local.desc names for FLAG has it in some IUSE */
static int
local_has(struct uselint *u, const char *flag, struct err *err)
{
	char **cps, *copy, *cp, *save = NULL;
	int found = 0;

	if (load_local(u))
		return -1;
	if (!(cps = strset_get(&u->local, flag)))
		return 0;
	if (!(copy = strdup(*cps)))
		return -1;
	for (cp = strtok_r(copy, " ", &save); cp && !found; cp = strtok_r(NULL, " ", &save)) {
		char *slash = strchr(cp, '/');
		struct pkg *p;

		*slash = '\0';
		if (!(p = load_pkg(u, cp, slash + 1, err))) {
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

int
uselint_check_use(struct uselint *u, const char *use, struct err *e)
{
	char *buf = strdup(use), *tok, *save = NULL;
	struct err local;
	int r = 0;

	if (!e)
		e = &local;
	err_clear(e);
	if (!buf)
		return -1;
	for (tok = strtok_r(buf, " \t\r\n", &save); tok && !r; tok = strtok_r(NULL, " \t\r\n", &save)) {
		const char *flag = *tok == '-' ? tok + 1 : tok;
		struct query q = { flag, NULL, NULL };
		struct closest c;
		char *msg = NULL;
		size_t len;
		FILE *f;
		int k;

		if (!strcmp(tok, "-*"))
			continue;
		if (!valid_flag(flag)) {
			if (asprintf(&msg, "'%s' is not a valid USE flag", tok) < 0)
				r = -1;
			else
				report(u, NULL, 0, NULL, msg);
			free(msg);
			continue;
		}
		u->nflags++;
		if (strset_has(&u->global, flag))
			continue;
		/* not a global flag: is it some ebuild's local one? */
		if ((k = local_has(u, flag, e)) < 0) {
			r = -1;
			break;
		}
		if (k)
			continue;
		if (load_all_iuse(u)) {
			r = -1;
			break;
		}
		if (strset_has(&u->all_iuse, flag))
			continue;
		closest_init(u, &c, &q);
		for (size_t i = 0; i < u->global.cap && !r; i++)
			if (u->global.keys[i])
				r = consider(u, &c, &q, u->global.keys[i]);
		for (size_t i = 0; i < u->all_iuse.cap && !r; i++)
			if (u->all_iuse.keys[i])
				r = consider(u, &c, &q, u->all_iuse.keys[i]);
		if (r || !(f = open_memstream(&msg, &len))) {
			closest_free(&c);
			r = -1;
			break;
		}
		fprintf(f, "USE flag '%s' is neither in profiles/use.desc nor in the IUSE of any ebuild in %s",
			flag, u->repo_path);
		closest_print(&c, f);
		fclose(f);
		report(u, NULL, 0, NULL, msg);
		free(msg);
	}
	free(buf);
	if (r && !e->msg[0])
		err_set(e, errno, "%s:", u->repo_path);
	return r;
}

/* ---- package.use ---- */

static int
match_pkg(struct uselint *u, const struct atom *a, struct pkg *p,
	  struct matches *m, size_t *capp, size_t *cape)
{
	int found = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct ebuild *eb = &p->eb[i];

		if (!atom_match(a, p->cat, p->pn, eb->pvr, eb->slot, u->mc.repo_name))
			continue;
		if (push(&m->ebs, &m->nebs, cape, sizeof(eb), &eb))
			return -1;
		found = 1;
	}
	return found ? push(&m->pkgs, &m->npkgs, capp, sizeof(p), &p) : 0;
}

/* Every ebuild A matches. */
static int
resolve(struct uselint *u, const struct atom *a, struct matches *m, struct err *err)
{
	size_t capp = 0, cape = 0;
	struct pkg *p;

	memset(m, 0, sizeof(*m));
	if (!a->wildcard) {
		if (!(p = load_pkg(u, a->cat, a->pn, err)))
			return -1;
		return match_pkg(u, a, p, m, &capp, &cape);
	}
	if (load_categories(u))
		return -1;
	for (size_t c = 0; c < u->ncats; c++) {
		struct names *nm;
		struct strset seen = { 0 };
		int r = 0;

		if (!atom_glob(a->cat, u->cats[c]))
			continue;
		if (!(nm = cat_pfs(u, u->cats[c])))
			return -1;
		for (size_t i = 0; i < nm->n && !r; i++) {
			long l = atom_pf_split(nm->v[i]);
			char pn[512];

			if (l < 0 || (size_t)l >= sizeof(pn))
				continue;
			memcpy(pn, nm->v[i], l);
			pn[l] = '\0';
			if (!atom_glob(a->pn, pn) || strset_has(&seen, pn))
				continue;
			if (strset_add(&seen, pn, NULL) < 0 || !(p = load_pkg(u, u->cats[c], pn, err)) ||
			    match_pkg(u, a, p, m, &capp, &cape))
				r = -1;
		}
		strset_free(&seen);
		if (r)
			return -1;
	}
	return 0;
}

static void
free_matches(struct matches *m)
{
	free(m->pkgs);
	free(m->ebs);
	memset(m, 0, sizeof(*m));
}

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
	if (!(p = load_pkg(u, a->cat, a->pn, err)))
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
	if (!(nm = cat_pfs(u, a->cat)))
		return -1;
	closest_init(u, &c, &q);
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
			if (asprintf(&full, "%s/%s", a->cat, pn) < 0 || closest_add(&c, d, full)) {
				closest_free(&c);
				return -1;
			}
		}
	} else {
		if (load_categories(u))
			return -1;
		fprintf(f, "no category %s in %s", a->cat, u->repo_path);
		q.flag = a->cat;
		closest_init(u, &c, &q);
		for (size_t i = 0; i < u->ncats; i++) {
			size_t d = uselint_distance(a->cat, u->cats[i]);

			if (d <= c.limit && closest_add(&c, d, strdup(u->cats[i]))) {
				closest_free(&c);
				return -1;
			}
		}
	}
	closest_print(&c, f);
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
	closest_init(u, &c, q);
	for (size_t i = 0; i < m->nebs && !r; i++)
		for (size_t j = 0; j < m->ebs[i]->nflags && !r; j++) {
			const char *fl = m->ebs[i]->flags[j];
			int k = strset_add(&seen, fl, NULL);

			if (k < 0)
				r = -1;
			else if (k)
				r = consider(u, &c, q, fl);
		}
	strset_free(&seen);
	closest_print(&c, f);
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
			report(u, file, lineno, atomstr, msg);
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
		report(u, file, lineno, atomstr, msg);
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
		report(u, file, lineno, tok[0], msg);
		free(msg);
		return 0;
	}
	if (resolve(u, &a, &m, err)) {
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
				report(u, file, lineno, tok[0], msg);
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
					report(u, file, lineno, tok[0], msg);
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
	free_matches(&m);
	atom_free(&a);
	return r;
}

static int
check_file(struct uselint *u, const char *path, struct err *err)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL, **tok = NULL;
	size_t cap = 0, tcap = 0, lineno = 0;
	ssize_t got;
	int r = 0;

	if (!fp)
		goto fail;
	while (!r && (got = getline(&line, &cap, fp)) >= 0) {
		size_t n = 0;
		char *save = NULL, *t;

		lineno++;
		/* grabdict: a line starting with '#' is a comment, and so is
		 * everything from a word starting with '#' */
		if (line[0] == '#')
			continue;
		for (t = strtok_r(line, " \t\r\n\v\f", &save); t; t = strtok_r(NULL, " \t\r\n\v\f", &save)) {
			if (*t == '#')
				break;
			if (push(&tok, &n, &tcap, sizeof(t), &t)) {
				r = -1;
				break;
			}
		}
		if (!r && n)
			r = check_line(u, path, lineno, tok, n, err);
	}
	if (!r && ferror(fp))
		r = -1;
	free(line);
	free(tok);
	fclose(fp);
	if (!r)
		return 0;
fail:
	/* a message already names the md5-cache entry that could not be read */
	if (!err->msg[0] && errno != ENOMEM)
		err_set(err, errno, "%s:", path);
	return -1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Portage's _recursive_file_list: sorted, files and directories
 * together; no hidden names, no `*~`, no CVS directories. */
static int
walk(struct uselint *u, const char *path, int top, struct err *err)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (stat(path, &st))
		goto fail;
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) || top ? check_file(u, path, err) : 0;
	if (!(d = opendir(path)))
		goto fail;
	while ((errno = 0, de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char *name;

		if (de->d_name[0] == '.' || de->d_name[l - 1] == '~' || !strcmp(de->d_name, "CVS"))
			continue;
		if (asprintf(&name, "%s/%s", path, de->d_name) < 0 || push(&v, &n, &cap, sizeof(name), &name)) {
			r = -1;
			break;
		}
	}
	if (!r && errno)
		r = -1;
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n && !r; i++)
		r = walk(u, v[i], 0, err);
	md5cache_free_names(v, n);
	if (!r || err->msg[0])
		return r;
fail:
	return err_set(err, errno, "%s:", path);
}

int
uselint_check_package_use(struct uselint *u, const char *path, struct err *e)
{
	struct err local;

	if (!e)
		e = &local;
	err_clear(e);
	return walk(u, path, 1, e);
}
