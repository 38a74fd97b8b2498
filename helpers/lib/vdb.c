#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "strset.h"
#include "atom.h"
#include "vdb.h"

static int
skip_name(const char *n)
{
	return n[0] == '.' || !strncmp(n, "-MERGING-", 9) || !strcmp(n, "lost+found");
}

int
vdb_pf_to_pn(const char *pf, char *out)
{
	long n = atom_pf_split(pf);	/* one PMS version parser: atom.c */

	if (n < 0)
		return -1;
	memcpy(out, pf, n);
	out[n] = '\0';
	return 0;
}

/* path_list_dir filters: every VDB name, or the package directories only
 * (not symlinks to one), told by d_type where the file system gives it
 * (no stat per package), else by fstatat */
static int
keep_name(int dfd, const struct dirent *de, void *arg)
{
	(void)dfd, (void)arg;
	return !skip_name(de->d_name);
}

static int
keep_pkg_dir(int dfd, const struct dirent *de, void *arg)
{
	struct stat st;

	(void)arg;
	if (skip_name(de->d_name))
		return 0;
	if (de->d_type == DT_DIR)
		return 1;
	return de->d_type == DT_UNKNOWN && !fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
	       S_ISDIR(st.st_mode);
}

static int
add_pkg(struct vdb *db, const char *cat, const char *pf, size_t *cap)
{
	struct vdb_pkg *p, *np;
	size_t lc = strlen(cat), lp = strlen(pf);

	if (db->npkgs == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		if (!(np = realloc(db->pkgs, *cap * sizeof(*np))))
			return -1;
		db->pkgs = np;
	}
	p = &db->pkgs[db->npkgs];
	memset(p, 0, sizeof(*p));
	if (!(p->atom = malloc(lc + 1 + lp + 1)) || !(p->pn = malloc(lp + 1))) {
		free(p->atom);
		return -1;
	}
	sprintf(p->atom, "%s/%s", cat, pf);
	p->cat = strndup(cat, lc);
	p->pf = strdup(pf);
	if (!p->cat || !p->pf) {
		free(p->cat);
		free(p->pf);
		free(p->atom);
		free(p->pn);
		return -1;
	}
	if (vdb_pf_to_pn(pf, p->pn))
		strcpy(p->pn, pf);	/* not a versioned name: keep it usable */
	db->npkgs++;
	return 0;
}

int
vdb_open(struct vdb *db, const char *root)
{
	char **cats = NULL, **pfs;
	size_t ncats = 0, npfs, cap = 0;

	memset(db, 0, sizeof(*db));
	db->dbfd = -1;
	if (!(db->root = strdup(root)))
		return -1;
	if ((db->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		int saved = errno;

		free(db->root);
		db->root = NULL;
		errno = saved;
		return -1;
	}
	db->dbfd = path_openat_in_root(db->rootfd, "var/db/pkg", O_RDONLY | O_DIRECTORY, 0);
	if (db->dbfd < 0) {
		if (errno == ENOENT)
			return 0;
		goto fail;
	}
	if (path_list_dir(dup(db->dbfd), keep_name, NULL, &cats, &ncats))
		goto fail;
	for (size_t i = 0; i < ncats; i++) {
		int fd = openat(db->dbfd, cats[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0) {
			if (errno == ENOTDIR || errno == ELOOP)
				continue;	/* a stray file, not a category */
			goto fail;
		}
		if (path_list_dir(fd, keep_pkg_dir, NULL, &pfs, &npfs))
			goto fail;
		for (size_t j = 0; j < npfs; j++) {
			if (add_pkg(db, cats[i], pfs[j], &cap)) {
				path_free_names(pfs, npfs);
				goto fail;
			}
		}
		path_free_names(pfs, npfs);
	}
	path_free_names(cats, ncats);
	for (size_t i = 0; i < db->npkgs; i++)
		db->pkgs[i].db = db;
	return 0;
fail:
	path_free_names(cats, ncats);
	vdb_close(db);
	return -1;
}

void
vdb_close(struct vdb *db)
{
	for (size_t i = 0; i < db->npkgs; i++) {
		struct vdb_pkg *p = &db->pkgs[i];

		free(p->cat);
		free(p->pf);
		free(p->pn);
		free(p->atom);
		free(p->meta);
	}
	free(db->pkgs);
	free(db->byname);
	free(db->root);
	if (db->dbfd >= 0)
		close(db->dbfd);
	if (db->rootfd >= 0)
		close(db->rootfd);
	memset(db, 0, sizeof(*db));
	db->rootfd = db->dbfd = -1;
}

/* The name index: every package under its PN and its PF, sorted by
 * (name, category, position), so that resolving an atom is a binary
 * search (O(log P)) instead of a scan of every package. */
static int
cmp_byname(const void *a, const void *b, void *arg)
{
	const struct vdb_name *x = a, *y = b;
	const struct vdb_pkg *pkgs = arg;
	int c = strcmp(x->name, y->name);

	if (!c)
		c = strcmp(pkgs[x->idx].cat, pkgs[y->idx].cat);
	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int
build_index(struct vdb *db)
{
	size_t n = 0;

	if (!(db->byname = malloc((2 * db->npkgs + 1) * sizeof(*db->byname))))
		return -1;
	for (size_t i = 0; i < db->npkgs; i++) {
		db->byname[n++] = (struct vdb_name){ db->pkgs[i].pn, i };
		if (strcmp(db->pkgs[i].pn, db->pkgs[i].pf))
			db->byname[n++] = (struct vdb_name){ db->pkgs[i].pf, i };
	}
	db->nbyname = n;
	qsort_r(db->byname, n, sizeof(*db->byname), cmp_byname, db->pkgs);
	return 0;
}

/* First index entry whose (name, cat) is >= (NAME, CAT); CAT NULL: any. */
static size_t
lower_bound(const struct vdb *db, const char *name, const char *cat, size_t lc)
{
	size_t lo = 0, hi = db->nbyname;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct vdb_name *e = &db->byname[mid];
		int c = strcmp(e->name, name);

		if (!c && cat) {
			const char *pc = db->pkgs[e->idx].cat;

			c = strncmp(pc, cat, lc);
			if (!c && pc[lc])
				c = 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
cmp_ptr(const void *a, const void *b)
{
	const struct vdb_pkg *x = *(const struct vdb_pkg *const *)a, *y = *(const struct vdb_pkg *const *)b;

	return (x > y) - (x < y);
}

int
vdb_resolve(struct vdb *db, const char *atom, struct vdb_pkg ***out,
	    struct vdb_pkg **other)
{
	const char *slash = strchr(atom, '/'), *name = slash ? slash + 1 : atom;
	size_t lc = slash ? (size_t)(slash - atom) : 0, n = 0, i, cap = 4;
	struct vdb_pkg **v;

	*other = NULL;
	if (!db->byname && db->npkgs && build_index(db))
		return -1;
	if (!(v = malloc(cap * sizeof(*v))))
		return -1;
	for (i = lower_bound(db, name, slash ? atom : NULL, lc); i < db->nbyname; i++) {
		const struct vdb_name *e = &db->byname[i];
		struct vdb_pkg *p = &db->pkgs[e->idx];

		if (strcmp(e->name, name) || (slash && (strncmp(p->cat, atom, lc) || p->cat[lc])))
			break;
		if (n == cap) {
			struct vdb_pkg **nv = realloc(v, (cap *= 2) * sizeof(*v));

			if (!nv) {
				free(v);
				return -1;
			}
			v = nv;
		}
		v[n++] = p;
	}
	if (!n) {
		free(v);
		errno = ENOENT;
		return -1;
	}
	/* in database order, each once (a PN equal to a PF: "foo" and "foo-1") */
	qsort(v, n, sizeof(*v), cmp_ptr);
	for (i = 1; i < n; i++) {
		if (v[i] == v[i - 1]) {
			memmove(&v[i], &v[i + 1], (n - i - 1) * sizeof(*v));
			n--;
			i--;
		}
	}
	for (i = 1; i < n; i++) {
		if (strcmp(v[0]->cat, v[i]->cat)) {
			*other = v[i];
			*out = v;
			return 0;
		}
	}
	*out = v;
	return (int)n;
}

/* Open the package file NAME for reading, only if it is a regular file:
 * a FIFO, socket, device or directory planted in the VDB must neither
 * block nor be read (O_NONBLOCK: opening a FIFO does not wait for a
 * writer; the lstat before the open keeps devices and sockets unopened;
 * the fstat after it catches a swap in between). -1 with ENOENT when
 * absent, EINVAL when it is not a regular file. */
static int
open_pkg_file(struct vdb_pkg *p, const char *name)
{
	char rel[4096];
	struct stat st, fst;
	int fd;

	if (p->db->dbfd < 0) {
		errno = ENOENT;
		return -1;
	}
	if ((size_t)snprintf(rel, sizeof(rel), "%s/%s/%s", p->cat, p->pf, name) >= sizeof(rel)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (fstatat(p->db->dbfd, rel, &st, AT_SYMLINK_NOFOLLOW))
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	fd = openat(p->db->dbfd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &fst) || !S_ISREG(fst.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int
vdb_meta_valid(const char *buf, size_t len, long long dir_mtime_ns)
{
	const char *last, *v;
	char num[24];
	size_t n;

	while (len && buf[len - 1] == '\n')
		len--;
	if (len < 10 || memcmp(buf, "#format=1\n", 10) || memchr(buf, '\0', len))
		return 0;
	last = memrchr(buf, '\n', len);	/* not NULL: the #format line ends in one */
	v = last + 1;
	n = buf + len - v;
	if (n < 12 || memcmp(v, "#dir_mtime=", 11))
		return 0;
	v += 11;
	n -= 11;
	if (n >= sizeof(num))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	memcpy(num, v, n);
	num[n] = '\0';
	errno = 0;
	return strtoll(num, NULL, 10) == dir_mtime_ns && errno == 0;
}

/* Values in `metadata` are one line each; a newline inside a value is
 * written as "\n" and a backslash as "\\". */
static char *
meta_value(const char *v, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '\\' && i + 1 < len) {
			i++;
			*o++ = v[i] == 'n' ? '\n' : v[i];
		} else {
			*o++ = v[i];
		}
	}
	*o = '\0';
	return out;
}

int
vdb_meta_get(const char *buf, size_t len, const char *key, char **val)
{
	size_t kl = strlen(key);
	const char *l = buf, *end = buf + len, *nl;

	for (; l < end; l = nl + 1) {
		if (!(nl = memchr(l, '\n', end - l)))
			nl = end;
		if (l[0] != '#' && (size_t)(nl - l) > kl && !memcmp(l, key, kl) && l[kl] == '=') {
			if (!(*val = meta_value(l + kl + 1, nl - (l + kl + 1))))
				return -1;
			return 0;
		}
	}
	errno = ENOENT;
	return -1;
}

/* Load the consolidated metadata file; valid only when its #dir_mtime
 * line (nanoseconds) matches the package directory's mtime. A metadata
 * file that is not a regular file counts as absent. */
static void
load_meta(struct vdb_pkg *p)
{
	char rel[4096], *buf;
	size_t len;
	struct stat st;
	int fd;

	p->meta_state = -1;
	snprintf(rel, sizeof(rel), "%s/%s", p->cat, p->pf);
	if (fstatat(p->db->dbfd, rel, &st, AT_SYMLINK_NOFOLLOW))
		return;
	if ((fd = open_pkg_file(p, "metadata")) < 0)
		return;
	if (path_slurp_fd(fd, &buf, &len)) {
		close(fd);
		return;
	}
	close(fd);
	if (!vdb_meta_valid(buf, len, (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec)) {
		free(buf);
		return;
	}
	p->meta = buf;
	p->meta_len = len;
	p->meta_state = 1;
}

int
vdb_field(struct vdb_pkg *p, const char *key, char **val)
{
	int fd = open_pkg_file(p, key);
	size_t len;

	if (fd >= 0) {
		int r = path_slurp_fd(fd, val, &len);

		close(fd);
		if (r)
			return -1;
		while (len && (*val)[len - 1] == '\n')
			(*val)[--len] = '\0';
		return 0;
	}
	if (errno != ENOENT)
		return -1;
	if (p->meta_state == 0)
		load_meta(p);
	if (p->meta_state == 1)
		return vdb_meta_get(p->meta, p->meta_len, key, val);
	errno = ENOENT;
	return -1;
}

/* "ROOT/var/db/pkg/CAT/PF/CONTENTS" as messages name it (ROOT "/": none) */
static const char *
root_prefix(const struct vdb_pkg *p)
{
	return strcmp(p->db->root, "/") ? p->db->root : "";
}

static int
contents_fail(struct vdb_pkg *p, int errnum, struct err *e)
{
	if (errnum == EINVAL)
		return err_set(e, EINVAL, "%s/var/db/pkg/%s/CONTENTS: not a regular file", root_prefix(p), p->atom);
	return err_set(e, errnum, "%s/var/db/pkg/%s/CONTENTS:", root_prefix(p), p->atom);
}

int
vdb_contents(struct vdb_pkg *p, vdb_contents_cb cb, void *arg, struct err *e)
{
	int fd = open_pkg_file(p, "CONTENTS"), saved;
	char *buf, *line, *nl;
	size_t len, lineno = 0;
	int r = 0;

	err_clear(e);
	if (fd < 0)
		return errno == ENOENT ? 0 : contents_fail(p, errno, e);
	if (path_slurp_fd(fd, &buf, &len)) {
		saved = errno;
		close(fd);
		return contents_fail(p, saved == EINVAL ? EIO : saved, e);
	}
	close(fd);
	for (line = buf; line < buf + len; line = nl + 1) {
		struct contents_entry ent;
		struct err why;

		lineno++;
		if (!(nl = memchr(line, '\n', buf + len - line)))
			nl = buf + len;	/* the NUL slurp put there */
		if (nl == line)
			continue;	/* blank line */
		if (contents_parse(line, nl - line, &ent, &why)) {
			r = err_set(e, EINVAL, "%s/var/db/pkg/%s/CONTENTS:%zu: %s", root_prefix(p), p->atom,
				    lineno, why.msg);
			break;
		}
		if ((r = cb(p, &ent, arg)))
			break;
	}
	free(buf);
	return r;
}
