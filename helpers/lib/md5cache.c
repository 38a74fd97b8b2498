#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atom.h"
#include "md5cache.h"
#include "path.h"

int
md5cache_repo_file(struct md5cache *mc, const char *rel, char **buf)
{
	int fd = openat(mc->repofd, rel, O_RDONLY | O_CLOEXEC);
	size_t len;
	int r, saved;

	if (fd < 0)
		return -1;
	r = path_slurp_fd(fd, buf, &len);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int
md5cache_open(struct md5cache *mc, const char *repo)
{
	char *name;

	memset(mc, 0, sizeof(*mc));
	mc->cachefd = -1;
	if ((mc->repofd = open(repo, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	mc->cachefd = openat(mc->repofd, "metadata/md5-cache", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mc->cachefd < 0) {
		int saved = errno;

		close(mc->repofd);
		errno = saved;
		return -1;
	}
	/* PMS 4.4: profiles/repo_name, one line */
	if (md5cache_repo_file(mc, "profiles/repo_name", &name) == 0) {
		name[strcspn(name, " \t\r\n")] = '\0';
		if (*name)
			mc->repo_name = name;
		else
			free(name);
	} else if (errno == ENOMEM) {
		md5cache_close(mc);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
md5cache_close(struct md5cache *mc)
{
	if (mc->cachefd >= 0)
		close(mc->cachefd);
	if (mc->repofd >= 0)
		close(mc->repofd);
	free(mc->repo_name);
	memset(mc, 0, sizeof(*mc));
	mc->repofd = mc->cachefd = -1;
}

void
md5cache_free_names(char **v, size_t n)
{
	path_free_names(v, n);
}

/* path_list_dir filter: directories (*WANT_DIR) or PF files; symlinks are
 * followed, names starting with '.' skipped */
static int
keep_entry(int dfd, const struct dirent *de, void *arg)
{
	int want_dir = *(int *)arg, isdir = de->d_type == DT_DIR;

	if (de->d_name[0] == '.')
		return 0;
	if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) {
		struct stat st;

		if (fstatat(dfd, de->d_name, &st, 0))
			return 0;
		isdir = S_ISDIR(st.st_mode);
	}
	return isdir == want_dir && (want_dir || atom_pf_split(de->d_name) >= 0);
}

/* Sorted entries of directory DIRFD/REL: directories (WANT_DIR) or PF
 * files. */
static int
list(int parent, const char *rel, int want_dir, char ***names, size_t *n)
{
	int fd = openat(parent, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return path_list_dir(fd, keep_entry, &want_dir, names, n);
}

int
md5cache_categories(struct md5cache *mc, char ***names, size_t *n)
{
	return list(mc->cachefd, ".", 1, names, n);
}

int
md5cache_pfs(struct md5cache *mc, const char *cat, char ***names, size_t *n)
{
	if (strchr(cat, '/') || cat[0] == '.') {
		errno = EINVAL;
		return -1;
	}
	return list(mc->cachefd, cat, 0, names, n);
}

static int
open_entry(struct md5cache *mc, const char *cat, const char *pf)
{
	char rel[4096];

	if (strchr(cat, '/') || strchr(pf, '/') || cat[0] == '.' || pf[0] == '.') {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)snprintf(rel, sizeof(rel), "%s/%s", cat, pf) >= sizeof(rel)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return openat(mc->cachefd, rel, O_RDONLY | O_CLOEXEC);
}

int
md5cache_read(struct md5cache *mc, const char *cat, const char *pf,
	      struct md5cache_entry *e)
{
	int fd = open_entry(mc, cat, pf), saved;
	size_t len, cap = 0;
	char *p, *nl, *eq;

	memset(e, 0, sizeof(*e));
	if (fd < 0)
		return -1;
	if (path_slurp_fd(fd, &e->buf, &len)) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	mc->nread++;
	for (p = e->buf; *p; p = nl) {
		if ((nl = strchr(p, '\n')))
			*nl++ = '\0';
		else
			nl = p + strlen(p);
		if (!*p)
			continue;
		if (!(eq = strchr(p, '='))) {
			md5cache_entry_free(e);
			errno = EINVAL;
			return -1;
		}
		*eq = '\0';
		if (e->n == cap) {
			char **nk, **nv;

			cap = cap ? cap * 2 : 32;
			nk = realloc(e->keys, cap * sizeof(*nk));
			if (nk)
				e->keys = nk;
			nv = realloc(e->vals, cap * sizeof(*nv));
			if (nv)
				e->vals = nv;
			if (!nk || !nv) {
				md5cache_entry_free(e);
				errno = ENOMEM;
				return -1;
			}
		}
		e->keys[e->n] = p;
		e->vals[e->n++] = eq + 1;
	}
	return 0;
}

const char *
md5cache_get(const struct md5cache_entry *e, const char *key)
{
	for (size_t i = 0; i < e->n; i++)
		if (!strcmp(e->keys[i], key))
			return e->vals[i];
	return NULL;
}

void
md5cache_entry_free(struct md5cache_entry *e)
{
	free(e->buf);
	free(e->keys);
	free(e->vals);
	memset(e, 0, sizeof(*e));
}

/* The IUSE value in BUF (NUL-terminated in place), or "" */
static char *
find_iuse(char *buf)
{
	char *p = buf, *nl;

	for (;;) {
		if (!strncmp(p, "IUSE=", 5)) {
			p += 5;
			if ((nl = strchr(p, '\n')))
				*nl = '\0';
			return p;
		}
		if (!(nl = strchr(p, '\n')))
			return p + strlen(p);
		p = nl + 1;
	}
}

int
md5cache_foreach_iuse(struct md5cache *mc,
		      int (*cb)(const char *cat, const char *pf, char *iuse, void *arg),
		      void *arg)
{
	char **cats = NULL, **pfs = NULL, *buf = NULL;
	size_t ncats = 0, npfs = 0, cap = 0;
	int r = 0, saved;

	if (md5cache_categories(mc, &cats, &ncats))
		return -1;
	for (size_t c = 0; c < ncats && !r; c++) {
		if (md5cache_pfs(mc, cats[c], &pfs, &npfs)) {
			r = -1;
			break;
		}
		for (size_t i = 0; i < npfs && !r; i++) {
			int fd = open_entry(mc, cats[c], pfs[i]);
			size_t len = 0;
			ssize_t k;

			if (fd < 0) {
				r = -1;
				break;
			}
			/* one reused buffer: the whole file, usually one read */
			for (;;) {
				if (len + 1 >= cap) {
					char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);

					if (!nb) {
						r = -1;
						break;
					}
					buf = nb;
				}
				k = read(fd, buf + len, cap - len - 1);
				if (k < 0 && errno == EINTR)
					continue;
				if (k <= 0) {
					if (k < 0)
						r = -1;
					break;
				}
				len += k;
			}
			saved = errno;
			close(fd);
			errno = saved;
			if (r)
				break;
			buf[len] = '\0';
			mc->nread++;
			r = cb(cats[c], pfs[i], find_iuse(buf), arg);
		}
		md5cache_free_names(pfs, npfs);
	}
	saved = errno;
	md5cache_free_names(cats, ncats);
	free(buf);
	errno = saved;
	return r;
}

int
md5cache_iuse_split(char *iuse, char ***flags, size_t *n)
{
	size_t cap = 16, len = 0;
	char **v = malloc(cap * sizeof(*v)), *tok, *save = NULL;

	if (!v)
		return -1;
	for (tok = strtok_r(iuse, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		/* PMS 7.3.3 (EAPI 1+): a +/- prefix sets the default */
		if (*tok == '+' || *tok == '-')
			tok++;
		if (!*tok)
			continue;
		if (len == cap) {
			char **nv = realloc(v, (cap *= 2) * sizeof(*v));

			if (!nv) {
				free(v);
				return -1;
			}
			v = nv;
		}
		v[len++] = tok;
	}
	*flags = v;
	*n = len;
	return 0;
}
