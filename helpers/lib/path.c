#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
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

/* --- openat2, or the same resolution in userspace where it is missing ---
 *
 * openat2 (Linux 5.6) is absent from older kernels (RHEL 8's 4.18: ENOSYS),
 * from qemu-user until it learnt it (Debian 12's 7.2: ENOSYS), and blocked
 * by seccomp profiles that predate it (Docker's default before 20.10,
 * moby#41353: EPERM). Which one runs is decided once per process: the
 * walk when SCRATCHMERGE_NO_OPENAT2 is set (and not "0"), or when a probe
 * says openat2 does not get through; path_force_fallback() overrides. */

enum { RESOLVER_UNKNOWN, RESOLVER_OPENAT2, RESOLVER_WALK };

static int resolver;	/* RESOLVER_*, decided once (atomic: copy's workers) */
static int forced;	/* path_force_fallback() */

#define WALK_MAX_LINKS 40	/* the kernel's MAXSYMLINKS */
#define WALK_FOLLOWED (-2)	/* walk_last: a link was followed, go on */

/* openat2 with a size below its first struct: every kernel that has it
 * answers EINVAL before it looks at the path; ENOSYS is a kernel or a
 * qemu-user without it, EPERM a seccomp filter that blocks it (no real
 * open can fail with EPERM at that point: a real open's EPERM, from a
 * later call, is reported as it is). */
static int
probe(void)
{
	const char *env = getenv("SCRATCHMERGE_NO_OPENAT2");
	struct open_how how = { .flags = O_PATH | O_CLOEXEC };
	int saved = errno, r = RESOLVER_OPENAT2;
	long fd;

	if (env && *env && strcmp(env, "0"))
		return RESOLVER_WALK;
	fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, (size_t)0);
	if (fd >= 0)
		close((int)fd);
	else if (errno == ENOSYS || errno == EPERM)
		r = RESOLVER_WALK;
	errno = saved;
	return r;
}

static int
use_walk(void)
{
	int r;

	if (__atomic_load_n(&forced, __ATOMIC_RELAXED))
		return 1;
	if ((r = __atomic_load_n(&resolver, __ATOMIC_RELAXED)) == RESOLVER_UNKNOWN) {
		r = probe();
		__atomic_store_n(&resolver, r, __ATOMIC_RELAXED);
	}
	return r == RESOLVER_WALK;
}

void
path_force_fallback(int on)
{
	__atomic_store_n(&forced, !!on, __ATOMIC_RELAXED);
}

int
path_fallback_active(void)
{
	return use_walk();
}

/* One resolution: the directory reached so far and what is left. */
struct walk {
	int root;		/* the caller's DIRFD: never closed */
	int fd;			/* the directory reached: ROOT or one of ours */
	unsigned long long resolve;
	char *dir;		/* its path below ROOT, without a symlink: "usr/lib" */
	size_t len, cap;
	char *todo;		/* the path left to resolve (malloc()ed) */
	int links;		/* symlinks followed so far */
	int must_dir;		/* a trailing "/" was met: the end is a directory */
};

static void
walk_set_fd(struct walk *w, int fd)
{
	if (w->fd != w->root && w->fd != fd)
		close(w->fd);
	w->fd = fd;
}

static int
walk_push(struct walk *w, const char *name)
{
	size_t n = strlen(name), need = w->len + 1 + n + 1;
	char *d;

	if (need > w->cap) {
		size_t cap = w->cap * 2 > need ? w->cap * 2 : need + 256;

		if (!(d = realloc(w->dir, cap)))
			return -1;
		w->dir = d;
		w->cap = cap;
	}
	if (w->len)
		w->dir[w->len++] = '/';
	memcpy(w->dir + w->len, name, n + 1);
	w->len += n;
	return 0;
}

/* An absolute path or link target: back to the root (RESOLVE_IN_ROOT),
 * or EXDEV (RESOLVE_BENEATH), as openat2. */
static int
walk_to_root(struct walk *w)
{
	if (w->resolve & RESOLVE_BENEATH) {
		errno = EXDEV;
		return -1;
	}
	walk_set_fd(w, w->root);
	w->len = 0;
	if (w->dir)
		w->dir[0] = '\0';
	return 0;
}

/* "..": the last name of w->dir goes, lexically, and the directory is
 * opened again from the root by name, each step O_NOFOLLOW; never an
 * openat(fd, ".."), which could climb out of a directory renamed away.
 * At the root: stays there (RESOLVE_IN_ROOT) or EXDEV (RESOLVE_BENEATH). */
static int
walk_up(struct walk *w)
{
	char *s;
	int fd = w->root;

	if (!w->len) {
		if (w->resolve & RESOLVE_BENEATH) {
			errno = EXDEV;
			return -1;
		}
		return 0;
	}
	s = memrchr(w->dir, '/', w->len);
	w->len = s ? (size_t)(s - w->dir) : 0;
	w->dir[w->len] = '\0';
	for (char *p = w->dir; *p;) {
		size_t l = strcspn(p, "/");
		char c = p[l];
		int nfd;

		p[l] = '\0';
		nfd = openat(fd, p, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		p[l] = c;
		if (fd != w->root)
			close(fd);
		if (nfd < 0)
			return -1;
		fd = nfd;
		p += l + (c == '/');
	}
	walk_set_fd(w, fd);
	return 0;
}

/* NAME in the current directory is a symlink: what is left becomes its
 * target, then REST (and a "/" when TRAIL). */
static int
walk_follow(struct walk *w, const char *name, const char *rest, int trail)
{
	char target[PATH_MAX], *todo;
	size_t rl = strlen(rest);
	struct statfs sf;
	ssize_t n;

	if ((w->resolve & RESOLVE_NO_SYMLINKS) || ++w->links > WALK_MAX_LINKS) {
		errno = ELOOP;
		return -1;
	}
	/* a procfs link may be a magic link (/proc/PID/fd/N, exe, root, ns/):
	 * openat2 refuses those under RESOLVE_IN_ROOT, _BENEATH and
	 * _NO_MAGICLINKS. The walk only ever reads a link's text, so it could
	 * not jump through one anyway, but it cannot tell a magic link from a
	 * plain one there: it refuses every link of a procfs. */
	if ((w->fd == AT_FDCWD ? statfs(".", &sf) : fstatfs(w->fd, &sf)))
		return -1;
	if (sf.f_type == PROC_SUPER_MAGIC) {
		errno = ELOOP;
		return -1;
	}
	if ((n = readlinkat(w->fd, name, target, sizeof(target))) < 0)
		return -1;
	if (n == 0 || (size_t)n == sizeof(target)) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	if (!(todo = malloc(n + 1 + rl + 2)))
		return -1;
	memcpy(todo, target, n);
	todo[n] = '\0';
	if (rl) {
		todo[n] = '/';
		memcpy(todo + n + 1, rest, rl + 1);
	}
	if (trail)
		strcat(todo, "/");
	free(w->todo);
	w->todo = todo;
	return target[0] == '/' ? walk_to_root(w) : 0;
}

/* NAME, not the last component: a directory to go into, or a link to
 * follow. Returns 0 (went in), 1 (followed: w->todo is new) or -1. */
static int
walk_step(struct walk *w, const char *name, const char *rest)
{
	int fd = openat(w->fd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd >= 0) {
		if (walk_push(w, name)) {
			close(fd);
			return -1;
		}
		walk_set_fd(w, fd);
		return 0;
	}
	if (errno != ENOTDIR || fstatat(w->fd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -1;
	if (!S_ISLNK(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return walk_follow(w, name, rest, 0) ? -1 : 1;
}

/* The last component NAME, opened with the caller's FLAGS as openat2
 * would: always O_NOFOLLOW here, and a symlink the caller would follow is
 * followed by the walk (WALK_FOLLOWED). TRAIL: a "/" came after it. */
static int
walk_last(struct walk *w, const char *name, int trail, int flags, int mode)
{
	int follow, oflags, fd;
	struct stat st;

	if (trail) {
		if (flags & O_CREAT) {
			errno = EISDIR;
			return -1;
		}
		w->must_dir = 1;
	}
	/* a trailing "/" follows a link even under O_NOFOLLOW; O_CREAT|O_EXCL
	 * never follows (openat answers EEXIST) */
	follow = w->must_dir || !(flags & O_NOFOLLOW);
	oflags = flags | O_NOFOLLOW | O_CLOEXEC | (w->must_dir ? O_DIRECTORY : 0);
	fd = openat(w->fd, name, oflags, mode);
	if (fd >= 0) {
		/* O_PATH|O_NOFOLLOW opens a link itself */
		if (!follow || !(flags & O_PATH) || (oflags & O_DIRECTORY))
			return fd;
		if (fstat(fd, &st)) {
			close(fd);
			return -1;
		}
		if (!S_ISLNK(st.st_mode))
			return fd;
		close(fd);
	} else if (!follow) {
		return -1;
	} else if (errno == ENOTDIR && (oflags & O_DIRECTORY)) {
		if (fstatat(w->fd, name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISLNK(st.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
	} else if (errno != ELOOP) {	/* O_NOFOLLOW's answer for a link */
		return -1;
	}
	return walk_follow(w, name, "", w->must_dir) ? -1 : WALK_FOLLOWED;
}

static int
walk_run(struct walk *w, int flags, int mode)
{
	char *p = w->todo;

	if (*p == '/' && walk_to_root(w))
		return -1;
	for (;;) {
		char *name, *end;
		int last, trail, r;

		while (*p == '/')
			p++;
		if (!*p)	/* "/", or a link to it */
			return openat(w->fd, ".", flags | O_CLOEXEC, mode);
		name = p;
		end = p + strcspn(p, "/");
		for (p = end; *p == '/'; p++)
			;
		last = !*p;
		trail = p != end;
		*end = '\0';
		if (!strcmp(name, ".") || !strcmp(name, "..")) {
			if (name[1] && walk_up(w))
				return -1;
			if (last)
				return openat(w->fd, ".", flags | O_CLOEXEC, mode);
			continue;
		}
		if (!last) {
			if ((r = walk_step(w, name, p)) < 0)
				return -1;
			if (r > 0)
				p = w->todo;
			continue;
		}
		if ((r = walk_last(w, name, trail, flags, mode)) != WALK_FOLLOWED)
			return r;
		p = w->todo;
	}
}

/* openat2's resolution in userspace: one component at a time from DIRFD,
 * each opened O_PATH|O_NOFOLLOW relative to a directory already reached;
 * a symlink's text is read and resolved by the same walk. */
static int
walk_open(int dirfd, const char *path, int flags, int mode, unsigned long long resolve)
{
	const unsigned long long scope = RESOLVE_IN_ROOT | RESOLVE_BENEATH;
	struct walk w = { .root = dirfd, .fd = dirfd, .resolve = resolve };
	int r, saved;

	if ((resolve & ~(scope | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)) ||
	    (resolve & scope) == 0 || (resolve & scope) == scope ||
	    (mode && !(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE)) {
		errno = EINVAL;
		return -1;
	}
	if (!*path || strlen(path) >= PATH_MAX) {
		errno = *path ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	if (!(w.todo = strdup(path)))
		return -1;
	r = walk_run(&w, flags, mode);
	saved = errno;
	walk_set_fd(&w, dirfd);
	free(w.todo);
	free(w.dir);
	errno = saved;
	return r;
}

int
path_openat2(int dirfd, const char *path, int flags, int mode, unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned)flags | O_CLOEXEC,
		.mode = (unsigned)mode,
		.resolve = resolve,
	};
	int fd;

	if (use_walk())
		return walk_open(dirfd, path, flags, mode, resolve);
	fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {	/* missing after all: the walk from now on */
		__atomic_store_n(&resolver, RESOLVER_WALK, __ATOMIC_RELAXED);
		return walk_open(dirfd, path, flags, mode, resolve);
	}
	return fd;
}

int
path_openat_in_root(int rootfd, const char *rel, int flags, int mode)
{
	return path_openat2(rootfd, *rel ? rel : ".", flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
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
