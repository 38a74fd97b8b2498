#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "path.h"

int
path_clean(const char *in, char *out, size_t n)
{
	size_t o = 0;
	const char *p = in;

	while (*p) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0)
			break;
		if (len == 1 && p[0] == '.') {
			p += len;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			errno = EINVAL;
			return -1;
		}
		if (o + !!o + len + 1 > n) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (o)
			out[o++] = '/';
		memcpy(out + o, p, len);
		o += len;
		p += len;
	}
	if (n == 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out[o] = '\0';
	return 0;
}

int
path_openat_in_root(int rootfd, const char *rel, int flags, int mode)
{
	struct open_how how = {
		.flags = (unsigned)flags | O_CLOEXEC,
		.mode = (unsigned)mode,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof(how));
}

int
path_open_parent(int rootfd, const char *rel, const char **base)
{
	const char *slash = strrchr(rel, '/');
	char dir[4096];

	if (!slash) {
		*base = rel;
		return path_openat_in_root(rootfd, ".", O_PATH | O_DIRECTORY, 0);
	}
	if ((size_t)(slash - rel) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, rel, slash - rel);
	dir[slash - rel] = '\0';
	*base = slash + 1;
	return path_openat_in_root(rootfd, dir, O_PATH | O_DIRECTORY, 0);
}

int
path_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

int
path_slurp_fd(int fd, char **buf, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *b = malloc(cap), *nb;
	ssize_t r;

	if (!b)
		return -1;
	for (;;) {
		if (n + 1 >= cap) {
			if (!(nb = realloc(b, cap *= 2))) {
				free(b);
				return -1;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(b);
			return -1;
		}
		if (r == 0)
			break;
		n += r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
path_list_dir(int fd, int (*keep)(int dirfd, const struct dirent *de, void *arg), void *arg,
	      char ***names, size_t *n)
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
		if (!keep(dirfd(d), de, arg))
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
	path_free_names(v, len);
	closedir(d);
	return -1;
}

void
path_free_names(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
}
