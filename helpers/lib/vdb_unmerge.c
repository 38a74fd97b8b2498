/* vdb_unmerge: remove packages from a root by their CONTENTS, with
 * Portage's rules (lib/portage/dbapi/vartree.py, dblink._unmerge_pkgfiles
 * and _unmerge_dirs; the labels are its unmerge_desc). Every path is
 * resolved inside the root (path_openat_in_root: openat2 RESOLVE_IN_ROOT,
 * or its userspace walk), so neither a ".." nor a hostile symlink reaches
 * outside it; two paths name the same file when their parent directories
 * resolve to the same inode and their last components are equal (as
 * Portage's dblink._match_contents, which compares the parent's (st_dev,
 * st_ino) and the basename). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
/* the one-shot MD5 API: deprecated in OpenSSL 3 but it keeps the static
 * vdb small (EVP pulls in the provider machinery, dlopen and all) */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hex.h"
#include "path.h"
#include "strset.h"
#include "vdb.h"

struct ent {
	char *rel;		/* path_clean()ed: "usr/lib/libfoo.so.1", "" = "/" */
	char md5[33];
	long long mtime;
	enum contents_type type;
};

struct pdir {			/* a parent directory, resolved once */
	int ok;
	dev_t dev;
	ino_t ino;
	int under_vdb;		/* -1 not yet known */
};

struct prot {			/* CONFIG_PROTECT or CONFIG_PROTECT_MASK */
	char **path;		/* "/etc" */
	char *isdir;
	size_t n;
};

struct ctx {
	struct vdb *db;
	const struct vdb_unmerge_opts *o;
	struct stat rootst, vdbst;
	struct strset parents;	/* parent rel -> struct pdir * */
	struct pdir **pall;
	size_t npall;
	struct strset others;	/* keys of the files remaining packages own */
	struct strset mine;	/* keys of the files the packages going own */
	struct strset done;	/* keys already decided */
	struct strset gone;	/* keys removed (or, dry run, that would be) */
	struct ent *ents;
	size_t nents, cap;
	char vdbkey[3][4200];	/* keys of var, var/db, var/db/pkg */
	struct prot protect, mask;
	int going_now;		/* collecting the packages going */
	char bad[4096];
	struct err *e;		/* the first path that could not be removed */
	size_t nfailed;
	int failed_errno;
	int r;
};

static void
report(struct ctx *c, const char *zing, const char *desc, enum contents_type t, const char *rel)
{
	char path[4200];

	if (!c->o->report)
		return;
	snprintf(path, sizeof(path), "/%s", rel);
	c->o->report(zing, desc, contents_type_name(t), path, c->o->arg);
}

/* REL could not be removed: the first such path goes to the caller's
 * struct err, the others are counted (vdb_unmerge adds how many) */
static void
fail(struct ctx *c, const char *rel, int errnum)
{
	if (!c->nfailed++) {
		err_set(c->e, errnum, "%s/%s:", strcmp(c->db->root, "/") ? c->db->root : "", rel);
		c->failed_errno = errnum;
	}
	c->r = -1;
}

static struct pdir *
parent_of(struct ctx *c, const char *rel, const char **base)
{
	const char *slash = strrchr(rel, '/');
	char dir[4096];
	struct pdir *pd;
	struct stat st;
	int fd;

	*base = slash ? slash + 1 : rel;
	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
	} else {
		dir[0] = '\0';
	}
	if ((pd = strset_get(&c->parents, dir)))
		return pd;
	if (!(pd = calloc(1, sizeof(*pd))))
		return NULL;
	pd->under_vdb = -1;
	fd = path_openat_in_root(c->db->rootfd, dir, O_PATH | O_DIRECTORY, 0);
	if (fd >= 0 && !fstat(fd, &st)) {
		pd->ok = 1;
		pd->dev = st.st_dev;
		pd->ino = st.st_ino;
	}
	if (fd >= 0)
		close(fd);
	struct pdir **na = realloc(c->pall, (c->npall + 1) * sizeof(*na));
	if (!na || strset_add(&c->parents, dir, pd) < 0) {
		free(pd);
		if (na)
			c->pall = na;
		return NULL;
	}
	c->pall = na;
	c->pall[c->npall++] = pd;
	return pd;
}

/* The identity of REL: "DEV:INO/BASE" of its resolved parent, or the
 * path itself ("?REL") when the parent does not resolve. */
static int
file_key(struct ctx *c, const char *rel, char *key, size_t n, struct pdir **out)
{
	const char *base;
	struct pdir *pd = parent_of(c, rel, &base);

	if (!pd)
		return -1;
	if (out)
		*out = pd;
	if (pd->ok)
		snprintf(key, n, "%lx:%lx/%s", (unsigned long)pd->dev, (unsigned long)pd->ino, base);
	else
		snprintf(key, n, "?%s", rel);
	return 0;
}

/* Is directory PD the VDB or beneath it? Walks ".." up to the root. */
static int
under_vdb(struct ctx *c, const char *rel, struct pdir *pd)
{
	const char *slash = strrchr(rel, '/');
	char dir[4096];
	int fd, up, r = 0;
	struct stat st;

	if (pd->under_vdb >= 0 || c->db->dbfd < 0)
		return pd->under_vdb > 0;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 0, rel);
	fd = path_openat_in_root(c->db->rootfd, dir, O_PATH | O_DIRECTORY, 0);
	for (int depth = 0; fd >= 0 && !fstat(fd, &st) && depth < 4096; depth++) {
		if (st.st_dev == c->vdbst.st_dev && st.st_ino == c->vdbst.st_ino) {
			r = 1;
			break;
		}
		if (st.st_dev == c->rootst.st_dev && st.st_ino == c->rootst.st_ino)
			break;
		up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = up;
	}
	if (fd >= 0)
		close(fd);
	pd->under_vdb = r;
	return r;
}

static int
collect_cb(struct vdb_pkg *p, struct contents_entry *e, void *arg)
{
	struct ctx *c = arg;
	char rel[4096], key[4200];
	struct ent *ne;

	(void)p;
	if (path_clean(e->path, rel, sizeof(rel))) {
		snprintf(c->bad, sizeof(c->bad), "%s", e->path);
		return -1;
	}
	if (file_key(c, rel, key, sizeof(key), NULL))
		return -1;
	if (!c->going_now)
		return strset_add(&c->others, key, NULL) < 0 ? -1 : 0;
	if (strset_add(&c->mine, key, NULL) < 0)
		return -1;
	if (c->nents == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		if (!(ne = realloc(c->ents, c->cap * sizeof(*ne))))
			return -1;
		c->ents = ne;
	}
	ne = &c->ents[c->nents];
	memset(ne, 0, sizeof(*ne));
	if (!(ne->rel = strdup(rel)))
		return -1;
	ne->type = e->type;
	ne->mtime = e->mtime;
	if (e->md5)
		memcpy(ne->md5, e->md5, 32);
	c->nents++;
	return 0;
}

static int
cmp_rev(const void *a, const void *b)
{
	return -strcmp(((const struct ent *)a)->rel, ((const struct ent *)b)->rel);
}

/* CONFIG_PROTECT: Portage's ConfigProtect (lib/portage/util/__init__.py)
 * keeps the entries that exist in the root, notes which are directories
 * (lstat, then stat through a symlink), and isprotected() takes the
 * longest matching protect entry against the longest matching mask. */
static int
prot_load(struct ctx *c, struct prot *pr, const char *list)
{
	char *copy, *tok, *save, rel[4096];

	if (!list || !(copy = strdup(list)))
		return list ? -1 : 0;
	for (tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		const char *base;
		struct stat st;
		int pfd, isdir, fd;
		char **np, *nd;

		if (path_clean(tok, rel, sizeof(rel)) || !*rel)
			continue;
		if ((pfd = path_open_parent(c->db->rootfd, rel, &base)) < 0)
			continue;	/* "If it doesn't exist, there's no need to protect it." */
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW)) {
			close(pfd);
			continue;
		}
		close(pfd);
		isdir = S_ISDIR(st.st_mode);
		if (!isdir && (fd = path_openat_in_root(c->db->rootfd, rel, O_PATH, 0)) >= 0) {
			isdir = !fstat(fd, &st) && S_ISDIR(st.st_mode);
			close(fd);
		}
		np = realloc(pr->path, (pr->n + 1) * sizeof(*np));
		if (np)
			pr->path = np;
		nd = realloc(pr->isdir, pr->n + 1);
		if (nd)
			pr->isdir = nd;
		if (!np || !nd || !(pr->path[pr->n] = malloc(strlen(rel) + 2))) {
			free(copy);
			return -1;
		}
		sprintf(pr->path[pr->n], "/%s", rel);
		pr->isdir[pr->n++] = (char)isdir;
	}
	free(copy);
	return 0;
}

static int
prot_match(const struct prot *pr, size_t i, const char *obj)
{
	size_t l = strlen(pr->path[i]);

	if (strncmp(obj, pr->path[i], l))
		return 0;
	if (pr->isdir[i])	/* "/etc/foo does not match /etc/foobaz" */
		return obj[l] == '\0' || obj[l] == '/';
	return obj[l] == '\0';	/* "force exact match when CONFIG_PROTECT lists a non-directory" */
}

static int
isprotected(const struct ctx *c, const char *rel)
{
	char obj[4200];
	size_t masked = 0, protected = 0;

	snprintf(obj, sizeof(obj), "/%s", rel);
	for (size_t i = 0; i < c->protect.n; i++) {
		if (strlen(c->protect.path[i]) <= masked || !prot_match(&c->protect, i, obj))
			continue;
		protected = strlen(c->protect.path[i]);
		for (size_t j = 0; j < c->mask.n; j++)
			if (strlen(c->mask.path[j]) >= protected && prot_match(&c->mask, j, obj))
				masked = strlen(c->mask.path[j]);
	}
	return protected > masked;
}

static void
prot_free(struct prot *pr)
{
	for (size_t i = 0; i < pr->n; i++)
		free(pr->path[i]);
	free(pr->path);
	free(pr->isdir);
}

/* md5 of REL (followed inside the root, as Portage's perform_md5 of the
 * path); -1 when it is not a regular file any more. */
static int
md5_of(struct ctx *c, const char *rel, char hex[33])
{
	int fd = path_openat_in_root(c->db->rootfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	unsigned char buf[65536], md[MD5_DIGEST_LENGTH];
	struct stat st;
	MD5_CTX m;
	ssize_t n;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !MD5_Init(&m)) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			MD5_Update(&m, buf, n);
	close(fd);
	if (n < 0 || !MD5_Final(md, &m))
		return -1;
	hex_encode(md, MD5_DIGEST_LENGTH, hex);
	return 0;
}

/* Is directory REL empty once everything in `gone` is gone? */
static int
empty_after(struct ctx *c, const char *rel)
{
	int fd = path_openat_in_root(c->db->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	char key[4200];
	struct dirent *de;
	struct stat st;
	int empty = 1;
	DIR *d;

	if (fd < 0 || fstat(fd, &st) || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (empty && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(key, sizeof(key), "%lx:%lx/%s", (unsigned long)st.st_dev,
			 (unsigned long)st.st_ino, de->d_name);
		empty = strset_has(&c->gone, key);
	}
	closedir(d);
	return empty;
}

/* A symlink to a directory goes only when that directory is empty or
 * holds nothing but regular files the packages going own (vartree.py:
 * "If all the children are regular files owned by this package, then the
 * symlink should be safe to unmerge", bug #326685). */
static int
dir_link_safe(struct ctx *c, const char *rel)
{
	int fd = path_openat_in_root(c->db->rootfd, rel, O_RDONLY | O_DIRECTORY, 0);
	char child[4200], key[4200];
	struct dirent *de;
	struct stat st;
	int ok = 1;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 1;	/* "except OSError: pass" */
	}
	while (ok && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(child, sizeof(child), "%s/%s", rel, de->d_name);
		if (file_key(c, child, key, sizeof(key), NULL) || !strset_has(&c->mine, key))
			ok = 0;
		else if (!fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) && !S_ISREG(st.st_mode))
			ok = 0;
	}
	closedir(d);
	return ok;
}

/* Unlink (or, dry run, pretend to) REL in its parent PFD. */
static int
drop(struct ctx *c, int pfd, const char *base, const struct stat *lst, const char *rel,
     const char *key, enum contents_type t)
{
	if (!c->o->dry_run) {
		/* "Remove permissions to ensure that any hardlinks to suid/sgid
		 * files are rendered harmless." */
		if (!S_ISLNK(lst->st_mode))	/* never through a swapped-in symlink */
			fchmodat(pfd, base, 0, AT_SYMLINK_NOFOLLOW);
		if (unlinkat(pfd, base, 0) && errno != ENOENT) {
			fail(c, rel, errno);
			return -1;
		}
	}
	if (strset_add(&c->gone, key, NULL) < 0)
		return -1;
	report(c, "<<<", "", t, rel);
	return 0;
}

/* One entry of a package going: Portage's decisions, in its order. */
static int
decide(struct ctx *c, struct ent *e, struct ent ***dirs, size_t *ndirs)
{
	char key[4200];
	const char *base, *libdirs[] = { "lib", "usr/lib", "usr/local/lib" };
	struct pdir *pd;
	struct stat lst, st;
	int pfd, islink, stat_ok = 0, fd, r = 0;

	/* "don't try to unmerge the prefix offset itself" */
	if (!*e->rel) {
		report(c, "---", "!prefix", e->type, e->rel);
		return 0;
	}
	if (file_key(c, e->rel, key, sizeof(key), &pd))
		return -1;
	if (strset_has(&c->done, key))
		return 0;	/* listed twice (two packages, or two spellings) */
	if (strset_add(&c->done, key, NULL) < 0)
		return -1;
	if (!pd->ok || (pfd = path_open_parent(c->db->rootfd, e->rel, &base)) < 0) {
		report(c, "---", "!found", e->type, e->rel);
		return 0;
	}
	if (fstatat(pfd, base, &lst, AT_SYMLINK_NOFOLLOW)) {
		report(c, "---", "!found", e->type, e->rel);
		goto out;
	}
	islink = S_ISLNK(lst.st_mode);
	if ((fd = path_openat_in_root(c->db->rootfd, e->rel, O_PATH, 0)) >= 0) {
		stat_ok = !fstat(fd, &st);
		close(fd);
	}
	/* the VDB is never a target: not itself, nothing in it, not a
	 * component of the path to it (no Portage label: "!vdb") */
	for (int i = 0; i < 3; i++)
		if (!strcmp(key, c->vdbkey[i])) {
			report(c, "---", "!vdb", e->type, e->rel);
			goto out;
		}
	if (under_vdb(c, e->rel, pd) ||
	    (c->db->dbfd >= 0 && lst.st_dev == c->vdbst.st_dev && lst.st_ino == c->vdbst.st_ino)) {
		report(c, "---", "!vdb", e->type, e->rel);
		goto out;
	}
	/* "Ignore libdir symlinks for bug #423127." */
	for (int i = 0; i < 3; i++)
		if (islink && !strcmp(e->rel, libdirs[i])) {
			report(c, "---", "cfgpro", e->type, e->rel);
			goto out;
		}
	/* Portage: "A new instance of this package claims the file" (others
	 * in the slot); here any package that stays. */
	if (strset_has(&c->others, key)) {
		report(c, "---", "replaced", e->type, e->rel);
		goto out;
	}
	/* FEATURES=unmerge-orphans: anything but a directory (or a link to
	 * one) goes unchecked, unless CONFIG_PROTECT'ed. */
	if (c->o->orphans && !S_ISDIR(lst.st_mode) && !(islink && stat_ok && S_ISDIR(st.st_mode)) &&
	    !isprotected(c, e->rel)) {
		r = drop(c, pfd, base, &lst, e->rel, key, e->type);
		goto out;
	}
	if (e->type != CONTENTS_DIR && e->type != CONTENTS_FIF && e->type != CONTENTS_DEV &&
	    (long long)lst.st_mtime != e->mtime) {
		report(c, "---", "!mtime", e->type, e->rel);
		goto out;
	}
	if (e->type == CONTENTS_DIR && !islink) {
		if (!S_ISDIR(lst.st_mode)) {
			report(c, "---", "!dir", e->type, e->rel);
			goto out;
		}
		(*dirs)[(*ndirs)++] = e;	/* "process ... directories last" */
	} else if (e->type == CONTENTS_SYM || e->type == CONTENTS_DIR) {
		if (!islink) {
			report(c, "---", "!sym", e->type, e->rel);
			goto out;
		}
		if (stat_ok && S_ISDIR(st.st_mode) && !dir_link_safe(c, e->rel)) {
			report(c, "---", "!empty", e->type, e->rel);
			goto out;
		}
		r = drop(c, pfd, base, &lst, e->rel, key, e->type);
	} else if (e->type == CONTENTS_OBJ) {
		char md5[33];

		if (!stat_ok || !S_ISREG(st.st_mode) || md5_of(c, e->rel, md5)) {
			report(c, "---", "!obj", e->type, e->rel);
			goto out;
		}
		/* "string.lower is needed because db entries used to be in upper-case" */
		if (strcasecmp(md5, e->md5)) {
			report(c, "---", "!md5", e->type, e->rel);
			goto out;
		}
		r = drop(c, pfd, base, &lst, e->rel, key, e->type);
	} else if (e->type == CONTENTS_FIF) {
		/* Portage never removes a fifo or a device node */
		report(c, "---", S_ISFIFO(lst.st_mode) ? "" : "!fif", e->type, e->rel);
	} else {
		report(c, "---", "", e->type, e->rel);
	}
out:
	close(pfd);
	return r;
}

/* _unmerge_dirs: deepest first, rmdir; "!empty" when something stays. */
static int
remove_dirs(struct ctx *c, struct ent **dirs, size_t n)
{
	char key[4200];
	const char *base;
	int pfd;

	for (size_t i = 0; i < n; i++) {	/* already in reverse order */
		struct ent *e = dirs[i];

		if (file_key(c, e->rel, key, sizeof(key), NULL))
			return -1;
		if ((pfd = path_open_parent(c->db->rootfd, e->rel, &base)) < 0)
			continue;
		if (c->o->dry_run ? !empty_after(c, e->rel) : unlinkat(pfd, base, AT_REMOVEDIR)) {
			if (c->o->dry_run || errno == ENOTEMPTY || errno == EEXIST)
				report(c, "---", "!empty", e->type, e->rel);
			else if (errno != ENOENT)
				fail(c, e->rel, errno);
			close(pfd);
			continue;
		}
		close(pfd);
		if (strset_add(&c->gone, key, NULL) < 0)
			return -1;
		report(c, "<<<", "", e->type, e->rel);
	}
	return 0;
}

static int
remove_vdb_entry(struct ctx *c, struct vdb_pkg *p)
{
	char rel[4200];
	struct dirent *de;
	DIR *dir;
	int fd;

	snprintf(rel, sizeof(rel), "/var/db/pkg/%s", p->atom);
	if (c->o->report)
		c->o->report("<<<", "", "vdb", rel, c->o->arg);
	if (c->o->dry_run)
		return 0;
	fd = openat(c->db->dbfd, p->atom, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		fail(c, rel + 1, errno);
		return -1;
	}
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(dir), de->d_name, 0);
	closedir(dir);
	if (unlinkat(c->db->dbfd, p->atom, AT_REMOVEDIR)) {
		fail(c, rel + 1, errno);
		return -1;
	}
	unlinkat(c->db->dbfd, p->cat, AT_REMOVEDIR);	/* only if now empty */
	return 0;
}

int
vdb_unmerge(struct vdb *db, struct vdb_pkg **pkgs, size_t n, const struct vdb_unmerge_opts *o,
	    struct err *e)
{
	static const char *vdbpath[3] = { "var", "var/db", "var/db/pkg" };
	struct ctx c = { .db = db, .o = o, .e = e };
	char *going = calloc(db->npkgs + 1, 1);
	struct ent **dirs = NULL;
	size_t ndirs = 0;

	err_clear(e);
	if (!going || fstat(db->rootfd, &c.rootst) || (db->dbfd >= 0 && fstat(db->dbfd, &c.vdbst)))
		goto oom;
	for (int i = 0; i < 3; i++)
		if (file_key(&c, vdbpath[i], c.vdbkey[i], sizeof(c.vdbkey[i]), NULL))
			goto oom;
	if (o->orphans && (prot_load(&c, &c.protect, o->config_protect) ||
			   prot_load(&c, &c.mask, o->config_protect_mask)))
		goto oom;
	for (size_t i = 0; i < n; i++)
		going[pkgs[i] - db->pkgs] = 1;
	for (size_t i = 0; i < db->npkgs; i++) {
		c.going_now = going[i];
		c.bad[0] = '\0';
		if (vdb_contents(&db->pkgs[i], collect_cb, &c, e)) {
			if (c.bad[0])
				err_set(e, EINVAL, "%s%s: a \"..\" component", strcmp(db->root, "/") ? db->root : "",
					c.bad);
			c.r = -1;
			goto out;
		}
	}
	/* "mykeys.sort(); mykeys.reverse()" */
	qsort(c.ents, c.nents, sizeof(*c.ents), cmp_rev);
	if (!(dirs = malloc((c.nents + 1) * sizeof(*dirs))))
		goto oom;
	for (size_t i = 0; i < c.nents; i++)
		if (decide(&c, &c.ents[i], &dirs, &ndirs))
			goto oom;
	if (remove_dirs(&c, dirs, ndirs))
		goto oom;
	/* the VDB entries last, when everything else went as planned */
	for (size_t i = 0; i < n && c.r == 0; i++)
		remove_vdb_entry(&c, pkgs[i]);
	goto out;
oom:
	if (c.r == 0)
		err_clear(e);	/* errno says it */
	c.r = -1;
out:
	for (size_t i = 0; i < c.nents; i++)
		free(c.ents[i].rel);
	free(c.ents);
	free(dirs);
	for (size_t i = 0; i < c.npall; i++)
		free(c.pall[i]);
	free(c.pall);
	strset_free(&c.parents);
	strset_free(&c.others);
	strset_free(&c.mine);
	strset_free(&c.done);
	strset_free(&c.gone);
	prot_free(&c.protect);
	prot_free(&c.mask);
	free(going);
	if (c.nfailed > 1 && e) {
		size_t l = strlen(e->msg);

		snprintf(e->msg + l, sizeof(e->msg) - l, " (and %zu more paths that could not be removed)",
			 c.nfailed - 1);
	}
	if (c.nfailed)
		errno = c.failed_errno;
	return c.r;
}
