/* uselint_repo: what the lint reads of the repository: the ebuilds of a
 * package (md5-cache: SLOT, IUSE, KEYWORDS), the categories, the global
 * flags (profiles/use.desc, profiles/desc/), the local ones
 * (profiles/use.local.desc), every IUSE of the tree; and the ebuilds an
 * atom matches. Each read once, kept in struct uselint. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atom.h"
#include "err.h"
#include "uselint.h"
#include "uselint_impl.h"

int
uselint_push(void *vp, size_t *n, size_t *cap, size_t size, const void *item)
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

void
uselint_report(struct uselint *u, const char *file, size_t line, const char *atom, const char *msg)
{
	struct uselint_diag d = { file, line, atom, msg, NULL };

	u->nerrors++;
	u->report(&d, u->arg);
}

void
uselint_report_option(struct uselint *u, const char *origin, const char *atom, const char *msg)
{
	struct uselint_diag d = { NULL, 0, atom, msg, origin };

	u->nerrors++;
	u->report(&d, u->arg);
}

int
uselint_reportf(struct uselint *u, const char *origin, const char *atom, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int k;

	va_start(ap, fmt);
	k = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (k < 0)
		return -1;
	uselint_report_option(u, origin, atom, msg);
	free(msg);
	return 0;
}

static void
free_names_val(struct names *nm)
{
	if (nm) {
		md5cache_free_names(nm->v, nm->n);
		free(nm);
	}
}

/* The PFs of CAT (empty when the category does not exist). */
struct names *
uselint_cat_pfs(struct uselint *u, const char *cat)
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
		free(p->eb[i].keywords);
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
	const char *slot, *iuse, *kw;

	memset(eb, 0, sizeof(*eb));
	if (md5cache_read(&u->mc, cat, pf, &e)) {
		if (errno == EINVAL)
			return err_set(err, EINVAL, "%s/metadata/md5-cache/%s/%s: a line that is not KEY=VALUE",
				       u->repo_path, cat, pf);
		return err_set(err, errno, "%s/metadata/md5-cache/%s/%s:", u->repo_path, cat, pf);
	}
	slot = md5cache_get(&e, "SLOT");
	iuse = md5cache_get(&e, "IUSE");
	kw = md5cache_get(&e, "KEYWORDS");
	eb->pf = strdup(pf);
	eb->slot = strdup(slot ? slot : "0");
	eb->iuse = strdup(iuse ? iuse : "");
	eb->keywords = strdup(kw ? kw : "");
	md5cache_entry_free(&e);
	if (!eb->pf || !eb->slot || !eb->iuse || !eb->keywords ||
	    md5cache_iuse_split(eb->iuse, &eb->flags, &eb->nflags)) {
		free(eb->pf);
		free(eb->slot);
		free(eb->iuse);
		free(eb->keywords);
		errno = ENOMEM;
		return -1;
	}
	eb->pvr = eb->pf + pnlen + 1;
	return 0;
}

/* CAT/PN with every ebuild the cache has (none: an unknown package). */
struct pkg *
uselint_load_pkg(struct uselint *u, const char *cat, const char *pn, struct err *err)
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
	if (!(nm = uselint_cat_pfs(u, cat)) || !(p = calloc(1, sizeof(*p))))
		return NULL;
	if (!(p->cat = strdup(cat)) || !(p->pn = strdup(pn)))
		goto fail;
	for (size_t i = 0; i < nm->n; i++) {
		struct ebuild eb;

		if (strncmp(nm->v[i], pn, l) || atom_pf_split(nm->v[i]) != (long)l)
			continue;
		if (load_ebuild(u, cat, nm->v[i], l, &eb, err))
			goto fail;
		if (uselint_push(&p->eb, &p->n, &cap, sizeof(eb), &eb)) {
			free(eb.pf), free(eb.slot), free(eb.iuse), free(eb.flags), free(eb.keywords);
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

int
uselint_load_categories(struct uselint *u)
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
	uselint_keywords_free(u);
	md5cache_free_names(u->cats, u->ncats);
	md5cache_close(&u->mc);
	free(u->repo_path);
	memset(u, 0, sizeof(*u));
}

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

int
uselint_load_all_iuse(struct uselint *u)
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
int
uselint_load_local(struct uselint *u)
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

static int
match_pkg(struct uselint *u, const struct atom *a, struct pkg *p,
	  struct matches *m, size_t *capp, size_t *cape)
{
	int found = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct ebuild *eb = &p->eb[i];

		if (!atom_match(a, p->cat, p->pn, eb->pvr, eb->slot, u->mc.repo_name))
			continue;
		if (uselint_push(&m->ebs, &m->nebs, cape, sizeof(eb), &eb))
			return -1;
		found = 1;
	}
	return found ? uselint_push(&m->pkgs, &m->npkgs, capp, sizeof(p), &p) : 0;
}

/* Every ebuild A matches. */
int
uselint_resolve(struct uselint *u, const struct atom *a, struct matches *m, struct err *err)
{
	size_t capp = 0, cape = 0;
	struct pkg *p;

	memset(m, 0, sizeof(*m));
	if (!a->wildcard) {
		if (!(p = uselint_load_pkg(u, a->cat, a->pn, err)))
			return -1;
		return match_pkg(u, a, p, m, &capp, &cape);
	}
	if (uselint_load_categories(u))
		return -1;
	for (size_t c = 0; c < u->ncats; c++) {
		struct names *nm;
		struct strset seen = { 0 };
		int r = 0;

		if (!atom_glob(a->cat, u->cats[c]))
			continue;
		if (!(nm = uselint_cat_pfs(u, u->cats[c])))
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
			if (strset_add(&seen, pn, NULL) < 0 || !(p = uselint_load_pkg(u, u->cats[c], pn, err)) ||
			    match_pkg(u, a, p, m, &capp, &cape))
				r = -1;
		}
		strset_free(&seen);
		if (r)
			return -1;
	}
	return 0;
}

void
uselint_free_matches(struct matches *m)
{
	free(m->pkgs);
	free(m->ebs);
	memset(m, 0, sizeof(*m));
}
