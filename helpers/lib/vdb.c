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
#include "vdb.h"

static int
skip_name(const char *n)
{
	return n[0] == '.' || !strncmp(n, "-MERGING-", 9) || !strcmp(n, "lost+found");
}

static const char *
digits(const char *s)
{
	if (*s < '0' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9')
		s++;
	return s;
}

/* PMS version: 1.2.3[a-z][_suffix[N]]...[-rN] */
static int
is_version(const char *s)
{
	static const char *suf[] = { "alpha", "beta", "pre", "rc", "p" };

	if (!(s = digits(s)))
		return 0;
	while (*s == '.')
		if (!(s = digits(s + 1)))
			return 0;
	if (*s >= 'a' && *s <= 'z')
		s++;
	while (*s == '_') {
		size_t i;

		for (i = 0; i < 5; i++) {
			size_t l = strlen(suf[i]);

			if (!strncmp(s + 1, suf[i], l) &&
			    (s[1 + l] == '_' || s[1 + l] == '-' || !s[1 + l] ||
			     (s[1 + l] >= '0' && s[1 + l] <= '9'))) {
				s += 1 + l;
				while (*s >= '0' && *s <= '9')
					s++;
				break;
			}
		}
		if (i == 5)
			return 0;
	}
	if (s[0] == '-' && s[1] == 'r')
		if (!(s = digits(s + 2)))
			return 0;
	return *s == '\0';
}

int
vdb_pf_to_pn(const char *pf, char *out)
{
	for (const char *p = pf; (p = strchr(p, '-')); p++) {
		if (p > pf && is_version(p + 1)) {
			memcpy(out, pf, p - pf);
			out[p - pf] = '\0';
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of directory FD (closed). */
static int
list_dir(int fd, char ***names, size_t *n)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char **v = NULL, **nv;
	size_t len = 0, cap = 0;

	if (!d) {
		close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d))) {
		if (skip_name(de->d_name))
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 32;
			if (!(nv = realloc(v, cap * sizeof(*v))))
				goto fail;
			v = nv;
		}
		if (!(v[len] = strdup(de->d_name)))
			goto fail;
		len++;
	}
	if (errno)
		goto fail;
	closedir(d);
	if (len)
		qsort(v, len, sizeof(*v), cmp_name);
	*names = v;
	*n = len;
	return 0;
fail:
	while (len)
		free(v[--len]);
	free(v);
	closedir(d);
	return -1;
}

static void
free_names(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
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
	if ((db->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	db->dbfd = path_openat_in_root(db->rootfd, "var/db/pkg", O_RDONLY | O_DIRECTORY, 0);
	if (db->dbfd < 0) {
		if (errno == ENOENT)
			return 0;
		goto fail;
	}
	if (list_dir(dup(db->dbfd), &cats, &ncats))
		goto fail;
	for (size_t i = 0; i < ncats; i++) {
		int fd = openat(db->dbfd, cats[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0) {
			if (errno == ENOTDIR || errno == ELOOP)
				continue;	/* a stray file, not a category */
			goto fail;
		}
		if (list_dir(fd, &pfs, &npfs))
			goto fail;
		for (size_t j = 0; j < npfs; j++) {
			struct stat st;
			char rel[4096];

			snprintf(rel, sizeof(rel), "%s/%s", cats[i], pfs[j]);
			if (fstatat(db->dbfd, rel, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
				continue;	/* not a package directory */
			if (add_pkg(db, cats[i], pfs[j], &cap)) {
				free_names(pfs, npfs);
				goto fail;
			}
		}
		free_names(pfs, npfs);
	}
	free_names(cats, ncats);
	for (size_t i = 0; i < db->npkgs; i++)
		db->pkgs[i].db = db;
	return 0;
fail:
	free_names(cats, ncats);
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
	if (db->dbfd >= 0)
		close(db->dbfd);
	if (db->rootfd >= 0)
		close(db->rootfd);
	memset(db, 0, sizeof(*db));
	db->rootfd = db->dbfd = -1;
}

int
vdb_resolve(struct vdb *db, const char *atom, struct vdb_pkg ***out,
	    struct vdb_pkg **other)
{
	const char *slash = strchr(atom, '/');
	struct vdb_pkg **v = malloc((db->npkgs + 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		return -1;
	*other = NULL;
	for (size_t i = 0; i < db->npkgs; i++) {
		struct vdb_pkg *p = &db->pkgs[i];
		int hit;

		if (slash) {
			size_t lc = slash - atom;

			hit = strlen(p->cat) == lc && !strncmp(p->cat, atom, lc) &&
			      (!strcmp(p->pf, slash + 1) || !strcmp(p->pn, slash + 1));
		} else {
			hit = !strcmp(p->pn, atom) || !strcmp(p->pf, atom);
		}
		if (!hit)
			continue;
		if (n && strcmp(v[0]->cat, p->cat)) {
			*other = p;
			*out = v;
			return 0;
		}
		v[n++] = p;
	}
	if (!n) {
		free(v);
		errno = ENOENT;
		return -1;
	}
	*out = v;
	return (int)n;
}

static int
open_pkg_file(struct vdb_pkg *p, const char *name)
{
	char rel[4096];

	if (p->db->dbfd < 0) {
		errno = ENOENT;
		return -1;
	}
	if ((size_t)snprintf(rel, sizeof(rel), "%s/%s/%s", p->cat, p->pf, name) >= sizeof(rel)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return openat(p->db->dbfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}

/* Load the consolidated metadata file; valid only when its #dir_mtime
 * line (nanoseconds) matches the package directory's mtime. */
static void
load_meta(struct vdb_pkg *p)
{
	char rel[4096], *buf, *last;
	size_t len;
	struct stat st;
	int fd;
	long long ns;

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
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	last = strrchr(buf, '\n');
	ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	if (strncmp(buf, "#format=1\n", 10) || !last ||
	    strncmp(last + 1, "#dir_mtime=", 11) || atoll(last + 12) != ns) {
		free(buf);
		return;
	}
	p->meta = buf;
	p->meta_state = 1;
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
vdb_field(struct vdb_pkg *p, const char *key, char **val)
{
	int fd = open_pkg_file(p, key);
	size_t len, kl = strlen(key);

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
	if (p->meta_state == 1) {
		for (const char *l = p->meta; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
			if (!strncmp(l, key, kl) && l[kl] == '=') {
				const char *v = l + kl + 1, *e = strchrnul(v, '\n');

				if (!(*val = meta_value(v, e - v)))
					return -1;
				return 0;
			}
		}
	}
	errno = ENOENT;
	return -1;
}

int
vdb_contents(struct vdb_pkg *p, vdb_contents_cb cb, void *arg,
	     size_t *lineno, const char **why)
{
	int fd = open_pkg_file(p, "CONTENTS");
	char *buf, *line, *nl;
	size_t len;
	int r = 0;

	*lineno = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (path_slurp_fd(fd, &buf, &len)) {
		close(fd);
		return -1;
	}
	close(fd);
	for (line = buf; line < buf + len; line = nl + 1) {
		struct contents_entry e;

		(*lineno)++;
		if (!(nl = memchr(line, '\n', buf + len - line)))
			nl = buf + len;	/* the NUL slurp put there */
		if (nl == line)
			continue;	/* blank line */
		if (contents_parse(line, nl - line, &e, why)) {
			r = -1;
			break;
		}
		if ((r = cb(p, &e, arg)))
			break;
	}
	free(buf);
	return r;
}
