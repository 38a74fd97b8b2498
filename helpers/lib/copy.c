#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "copy.h"
#include "err.h"
#include "path.h"

struct copy_dirtime {
	char *rel;
	struct timespec ts[2];
};

/* A "/" B into BUF (A may be empty); -1 with ENAMETOOLONG if too long. */
static int
join(char *buf, size_t n, const char *a, const char *b)
{
	if ((size_t)snprintf(buf, n, "%s%s%s", a, *a && *b ? "/" : "", b) >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* WHERE (root-relative) failed: "/WHERE WHY" (WHY a static reason, kept
 * in c->last_why for a caller that names another path) or "/WHERE:
 * strerror" into E */
static int
fail(struct copy_ctx *c, const char *where, const char *why, int errnum, struct err *e)
{
	const char *lead = where[0] == '/' ? "" : "/";

	c->last_why = why;
	if (why)
		return err_set(e, errnum, "%s%s %s", lead, where, why);
	return err_set(e, errnum, "%s%s:", lead, where);
}

int
copy_init(struct copy_ctx *c, const char *src, const char *dst, struct err *e)
{
	memset(c, 0, sizeof(*c));
	err_clear(e);
	c->last_dfd = -1;
	c->srcfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->srcfd < 0)
		return err_set(e, errno, "%s:", src);
	c->dstfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dstfd < 0) {
		int saved = errno;

		close(c->srcfd);
		return err_set(e, saved, "%s:", dst);
	}
	strcpy(c->last_parent, "\x01");	/* matches nothing */
	c->umask = umask(0);	/* modes are set exactly as in the source */
	c->euid = geteuid();
	c->egid = getegid();
	return 0;
}

static int
owner_ok(int r)
{
	/* as non-root, keeping the owner is impossible: not an error */
	return r == 0 || (errno == EPERM && geteuid() != 0);	/* rare: errors only */
}

/* xattrs (file capabilities too) from fd SFD onto fd DFD: the hot path,
 * regular files, whose fds are open anyway. */
static int
copy_xattrs(int sfd, int dfd)
{
	char list[65536], val[65536];
	ssize_t n = flistxattr(sfd, list, sizeof(list));

	if (n < 0)
		return (errno == ENOTSUP || errno == ENODATA) ? 0 : -1;
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t v = fgetxattr(sfd, k, val, sizeof(val));

		if (v < 0)
			return -1;
		if (fsetxattr(dfd, k, val, v, 0) && errno != ENOTSUP)
			return -1;
	}
	return 0;
}

/* The same for directories, devices and fifos, by path and without opening
 * either side: SREL below the source root onto BASE in DPFD (through
 * /proc/self/fd; the final component is not followed). */
static int
copy_xattrs_at(struct copy_ctx *c, const char *srel, int dpfd, const char *base)
{
	char sp[4200], dp[4200], list[65536], val[65536];
	ssize_t n;

	snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", c->srcfd, *srel ? srel : ".");
	snprintf(dp, sizeof(dp), "/proc/self/fd/%d/%s", dpfd, base);
	if ((n = llistxattr(sp, list, sizeof(list))) < 0)
		return (errno == ENOTSUP || errno == ENODATA) ? 0 : -1;
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t v = lgetxattr(sp, k, val, sizeof(val));

		if (v < 0 || (lsetxattr(dp, k, val, v, 0) && errno != ENOTSUP))
			return -1;
	}
	return 0;
}

static int
copy_data(int in, int out, off_t size)
{
	off_t left = size;
	int mode = 0;	/* 0 copy_file_range, 1 sendfile, 2 read/write */

	while (left > 0) {
		ssize_t n;

		if (mode == 0) {
			n = copy_file_range(in, NULL, out, NULL, left, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
				      errno == EOPNOTSUPP || errno == EBADF)) {
				mode = 1;
				continue;
			}
		} else if (mode == 1) {
			n = sendfile(out, in, NULL, left);
			if (n < 0 && (errno == EINVAL || errno == ENOSYS)) {
				mode = 2;
				continue;
			}
		} else {
			char buf[1 << 16];

			n = read(in, buf, sizeof(buf));
			if (n > 0 && path_write_all(out, buf, n))
				return -1;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;	/* the file shrank while we copied it */
		left -= n;
	}
	return 0;
}

static int
defer_dir_time(struct copy_ctx *c, const char *rel, const struct stat *st)
{
	struct copy_dirtime *n;

	if (c->ndirs == c->capdirs) {
		c->capdirs = c->capdirs ? c->capdirs * 2 : 64;
		if (!(n = realloc(c->dirs, c->capdirs * sizeof(*n))))
			return -1;
		c->dirs = n;
	}
	if (!(c->dirs[c->ndirs].rel = strdup(rel)))
		return -1;
	c->dirs[c->ndirs].ts[0] = st->st_atim;
	c->dirs[c->ndirs].ts[1] = st->st_mtim;
	c->ndirs++;
	return 0;
}

/* Owner, mode, xattrs of directory BASE in DPFD from source ST/REL.
 * CREATED: we just made it with ST's permission bits; SGID: its parent is
 * setgid (a new directory then takes the parent's group). */
static int
dir_meta(struct copy_ctx *c, int dpfd, const char *base, const char *rel,
	 const struct stat *st, int created, int sgid)
{
	if ((!created || st->st_uid != c->euid || st->st_gid != c->egid || sgid) &&
	    !owner_ok(fchownat(dpfd, base, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW)))
		return -1;
	if ((!created || (st->st_mode & 07000)) && fchmodat(dpfd, base, st->st_mode & 07777, 0))
		return -1;
	if (copy_xattrs_at(c, rel, dpfd, base))
		return -1;
	return defer_dir_time(c, rel, st);
}

/* Make sure DEST has a directory BASE in DPFD (canonical REL), with the
 * source's metadata when it is created. Returns 1 if created, 0 if it was
 * there, -1 on failure. */
static int
ensure_dir(struct copy_ctx *c, int dpfd, const char *base, const char *rel,
	   const struct stat *st, int sgid, struct err *e)
{
	struct stat dst;

	if (mkdirat(dpfd, base, st->st_mode & 0777) == 0) {
		if (dir_meta(c, dpfd, base, rel, st, 1, sgid))
			return fail(c, rel, NULL, errno, e);
		return 1;
	}
	if (errno != EEXIST)
		return fail(c, rel, NULL, errno, e);
	if (fstatat(dpfd, base, &dst, AT_SYMLINK_NOFOLLOW))
		return fail(c, rel, NULL, errno, e);
	if (S_ISDIR(dst.st_mode))
		return 0;
	if (S_ISLNK(dst.st_mode))
		return fail(c, rel, "is a symlink in the destination where the source has a directory; refusing to follow it", ELOOP, e);
	return fail(c, rel, "is a file in the destination where the source has a directory", ENOTDIR, e);
}

static int
ensure_symlink(struct copy_ctx *c, int dpfd, const char *base, const char *rel,
	       const char *target, const struct stat *st, struct err *e)
{
	char cur[4096];
	struct stat dst;
	ssize_t n;

	if (fstatat(dpfd, base, &dst, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(dst.st_mode) &&
		    (n = readlinkat(dpfd, base, cur, sizeof(cur) - 1)) >= 0 &&
		    (cur[n] = '\0', !strcmp(cur, target)))
			return 0;
		if (S_ISDIR(dst.st_mode))
			return fail(c, rel, "is a directory in the destination where the source has a symlink", EISDIR, e);
		if (unlinkat(dpfd, base, 0))
			return fail(c, rel, NULL, errno, e);
	}
	if (symlinkat(target, dpfd, base) ||
	    !owner_ok(fchownat(dpfd, base, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW)) ||
	    utimensat(dpfd, base, (struct timespec[]){ st->st_atim, st->st_mtim }, AT_SYMLINK_NOFOLLOW))
		return fail(c, rel, NULL, errno, e);
	return 0;
}

/* A resolved directory: its canonical path and whether DEST's copy is
 * setgid. Kept per listed path, so a directory is resolved only once. */
struct pinfo {
	char *canon;
	int sgid;
};

static int
cache_dir(struct copy_ctx *c, const char *listed, const char *canon, int sgid)
{
	struct pinfo *pi;
	int r;

	if (strset_get(&c->canon, listed))
		return 0;
	if (!(pi = malloc(sizeof(*pi))) || !(pi->canon = strdup(canon))) {
		free(pi);
		return -1;
	}
	pi->sgid = sgid;
	if ((r = strset_add(&c->canon, listed, pi)) <= 0) {
		free(pi->canon);
		free(pi);
	}
	return r < 0 ? -1 : 0;
}

static void
set_parent(struct copy_ctx *c, const char *listed, const struct pinfo *pi)
{
	if (c->last_dfd >= 0)
		close(c->last_dfd);
	c->last_dfd = -1;
	snprintf(c->last_parent, sizeof(c->last_parent), "%s", listed);
	snprintf(c->last_canon, sizeof(c->last_canon), "%s", pi->canon);
	c->last_sgid = pi->sgid;
}

/* The current parent's directory in DEST, opened on first need: one
 * path_openat2 that refuses any symlink on the way (its path is canonical, so
 * there is none unless one appeared since, which is refused). */
static int
parent_fd(struct copy_ctx *c, struct err *e)
{
	if (c->last_dfd < 0)
		c->last_dfd = path_openat2(c->dstfd, *c->last_canon ? c->last_canon : ".", O_PATH | O_DIRECTORY, 0,
					   RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH);
	if (c->last_dfd < 0)
		return fail(c, c->last_canon, "cannot be opened in the destination without following a link", errno, e);
	return c->last_dfd;
}

/* Resolve the parent directory of a listed path in the source, as if the
 * source root were "/", mirroring every directory and symlink met on the
 * way into DEST; the walk starts at the nearest ancestor resolved before.
 * Leaves the canonical parent in c->last_canon. */
static int
mirror_parent(struct copy_ctx *c, const char *parent, struct err *e)
{
	char todo[8192], cur[4096] = "", cand[4096], target[4096], pre[4096];
	const struct pinfo *pi;
	int dfd, links = 0, sgid = 0;
	struct stat st;

	if (!strcmp(parent, c->last_parent))
		return 0;
	if ((pi = strset_get(&c->canon, parent))) {
		set_parent(c, parent, pi);
		return 0;
	}
	/* the nearest listed ancestor already resolved */
	snprintf(pre, sizeof(pre), "%s", parent);
	snprintf(todo, sizeof(todo), "%s", parent);
	for (char *s; (s = strrchr(pre, '/'));) {
		*s = '\0';
		if ((pi = strset_get(&c->canon, pre))) {
			snprintf(cur, sizeof(cur), "%s", pi->canon);
			snprintf(todo, sizeof(todo), "%s", parent + (s - pre) + 1);
			sgid = pi->sgid;
			break;
		}
	}
	dfd = path_openat2(c->dstfd, *cur ? cur : ".", O_PATH | O_DIRECTORY, 0, RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH);
	if (dfd < 0)
		return fail(c, cur, NULL, errno, e);
	while (*todo) {
		char comp[256], *slash = strchr(todo, '/');
		size_t l = slash ? (size_t)(slash - todo) : strlen(todo);
		int nfd, made;

		if (l >= sizeof(comp)) {
			close(dfd);
			return fail(c, todo, NULL, ENAMETOOLONG, e);
		}
		memcpy(comp, todo, l);
		comp[l] = '\0';
		memmove(todo, todo + l + !!slash, strlen(todo + l + !!slash) + 1);
		if (!l || !strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			/* from a symlink target: go up, never above the root */
			char *s = strrchr(cur, '/');

			if (s)
				*s = '\0';
			else
				*cur = '\0';
			close(dfd);
			dfd = *cur ? openat(c->dstfd, cur, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
				   : openat(c->dstfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0)
				return fail(c, cur, NULL, errno, e);
			continue;
		}
		if (join(cand, sizeof(cand), cur, comp)) {
			close(dfd);
			return fail(c, cur, NULL, errno, e);
		}
		if (fstatat(c->srcfd, cand, &st, AT_SYMLINK_NOFOLLOW)) {
			close(dfd);
			return fail(c, cand, NULL, errno, e);
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlinkat(c->srcfd, cand, target, sizeof(target) - 1);
			char rest[8192];

			if (n < 0 || ++links > 40) {
				close(dfd);
				return fail(c, cand, NULL, n < 0 ? errno : ELOOP, e);
			}
			target[n] = '\0';
			if (ensure_symlink(c, dfd, comp, cand, target, &st, e)) {
				close(dfd);
				return -1;
			}
			if (join(rest, sizeof(rest), target, todo)) {
				close(dfd);
				return fail(c, cand, NULL, errno, e);
			}
			strcpy(todo, rest);
			if (target[0] == '/') {
				*cur = '\0';
				close(dfd);
				if ((dfd = openat(c->dstfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
					return fail(c, "", NULL, errno, e);
			}
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(dfd);
			return fail(c, cand, "is not a directory in the source", ENOTDIR, e);
		}
		if ((made = ensure_dir(c, dfd, comp, cand, &st, sgid, e)) < 0) {
			close(dfd);
			return -1;
		}
		nfd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		if (nfd < 0)
			return fail(c, cand, "cannot be opened in the destination without following a link", errno, e);
		dfd = nfd;
		strcpy(cur, cand);
		if (made) {
			sgid = (st.st_mode & S_ISGID) != 0;
		} else {
			struct stat d;

			sgid = fstat(dfd, &d) == 0 && (d.st_mode & S_ISGID);
		}
		/* a canonical path is a listed path that resolves to itself */
		if (cache_dir(c, cur, cur, sgid)) {
			close(dfd);
			return fail(c, cur, NULL, ENOMEM, e);
		}
	}
	close(dfd);
	{
		struct pinfo here = { cur, sgid };

		if (cache_dir(c, parent, cur, sgid))
			return fail(c, parent, NULL, ENOMEM, e);
		set_parent(c, parent, &here);
	}
	return 0;
}

/* Remove what DEST has at BASE unless it is a directory (kept: a directory
 * replaced by a file is refused by the caller). */
static int
clear_slot(int dpfd, const char *base, int *is_dir)
{
	struct stat st;

	*is_dir = 0;
	if (fstatat(dpfd, base, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode)) {
		*is_dir = 1;
		return 0;
	}
	return unlinkat(dpfd, base, 0);
}

/* Open DEST/REL for writing, new, with mode MODE: REL is canonical, so
 * any symlink on the way is refused. What is in the way is replaced, a
 * directory is not (EISDIR). */
static int
create_in_dest(struct copy_ctx *c, const char *rel, mode_t mode)
{
	for (int tries = 0; tries < 2; tries++) {
		int fd = path_openat2(c->dstfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode,
				      RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH);
		struct stat d;

		if (fd >= 0 || errno != EEXIST)
			return fd;
		if (fstatat(c->dstfd, rel, &d, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(d.st_mode)) {
			errno = EISDIR;
			return -1;
		}
		if (unlinkat(c->dstfd, rel, 0) && errno != ENOENT)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/* Copy regular file REL (canonical, the same path in both roots). SGID:
 * its directory in DEST is setgid. Safe to run in several threads. */
static int
copy_reg(struct copy_ctx *c, const char *rel, const struct stat *st, int sgid)
{
	int in, out, r = -1;

	if ((in = openat(c->srcfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	/* created with its final permission bits (umask is 0) */
	if ((out = create_in_dest(c, rel, st->st_mode & 0777)) < 0)
		goto done;
	if (copy_data(in, out, st->st_size))
		goto done;
	/* a new file is ours already unless the directory is setgid */
	if ((st->st_uid != c->euid || st->st_gid != c->egid || sgid) &&
	    !owner_ok(fchown(out, st->st_uid, st->st_gid)))
		goto done;
	/* setuid/setgid/sticky after chown, which clears them */
	if ((st->st_mode & 07000) && fchmod(out, st->st_mode & 07777))
		goto done;
	if (copy_xattrs(in, out) ||	/* after chown, which clears capabilities */
	    futimens(out, (struct timespec[]){ st->st_atim, st->st_mtim }))
		goto done;
	r = 0;
	__atomic_fetch_add(&c->bytes, (unsigned long long)st->st_size, __ATOMIC_RELAXED);
done:
	if (out >= 0 && close(out))
		r = -1;
	close(in);
	return r;
}

/* --- the workers: regular files copied in parallel --- */

#define QUEUE 512

struct copy_job {
	char *rel;
	struct stat st;
	int sgid;
};

struct copy_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t *threads;
	int nthreads, stop;
	struct copy_job q[QUEUE];
	size_t head, len;
};

static void *
worker(void *arg)
{
	struct copy_ctx *c = arg;
	struct copy_pool *p = c->pool;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct copy_job j;

		while (!p->len && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->len)
			break;
		j = p->q[p->head];
		p->head = (p->head + 1) % QUEUE;
		p->len--;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (copy_reg(c, j.rel, &j.st, j.sgid)) {
			int errnum = errno;

			pthread_mutex_lock(&p->mu);
			if (!c->async_failed++) {	/* the first failure wins */
				fail(c, j.rel, errnum == EISDIR ? "is a directory in the destination but not in the source"
								: NULL, errnum, &c->async_err);
				c->async_errno = errnum;
			}
			pthread_mutex_unlock(&p->mu);
		}
		free(j.rel);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int
pool_start(struct copy_ctx *c)
{
	struct copy_pool *p = calloc(1, sizeof(*p));

	if (!p || !(p->threads = calloc(c->threads, sizeof(*p->threads)))) {
		free(p);
		return -1;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	c->pool = p;
	for (int i = 0; i < c->threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, c))
			break;
		p->nthreads++;
	}
	return p->nthreads ? 0 : -1;
}

static int
pool_submit(struct copy_ctx *c, const char *rel, const struct stat *st)
{
	struct copy_pool *p = c->pool;
	char *dup = strdup(rel);

	if (!dup)
		return -1;
	pthread_mutex_lock(&p->mu);
	while (p->len == QUEUE)
		pthread_cond_wait(&p->cv, &p->mu);
	p->q[(p->head + p->len) % QUEUE] = (struct copy_job){ dup, *st, c->last_sgid };
	p->len++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static void
pool_stop(struct copy_ctx *c)
{
	struct copy_pool *p = c->pool;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->threads);
	free(p);
	c->pool = NULL;
}

static int
copy_special(struct copy_ctx *c, int dpfd, const char *base, const char *srel, const struct stat *st)
{
	if (mknodat(dpfd, base, st->st_mode & (S_IFMT | 07777), st->st_rdev) ||
	    !owner_ok(fchownat(dpfd, base, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW)) ||
	    fchmodat(dpfd, base, st->st_mode & 07777, 0) ||
	    copy_xattrs_at(c, srel, dpfd, base))
		return -1;
	return utimensat(dpfd, base, (struct timespec[]){ st->st_atim, st->st_mtim }, AT_SYMLINK_NOFOLLOW);
}

int
copy_path(struct copy_ctx *c, const char *path, struct err *e)
{
	char rel[4096], parent[4096], srel[4096], target[4096], key[64];
	const char *base, *slash;
	struct stat st;
	int is_dir;

	c->last_why = NULL;
	err_clear(e);
	if (path_clean(path, rel, sizeof(rel)))
		return fail(c, path, errno == EINVAL ? "has a \"..\" component" : NULL, errno, e);
	if (!*rel)
		return 0;	/* the root itself */
	slash = strrchr(rel, '/');
	base = slash ? slash + 1 : rel;
	snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - rel) : 0, rel);
	if (mirror_parent(c, parent, e))
		return -1;
	if (join(srel, sizeof(srel), c->last_canon, base))
		return fail(c, rel, NULL, errno, e);
	if (fstatat(c->srcfd, srel, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? -1 : fail(c, rel, NULL, errno, e);	/* ENOENT: PATH is missing */
	if (S_ISDIR(st.st_mode)) {
		int made, pfd = parent_fd(c, e);

		if (pfd < 0 || (made = ensure_dir(c, pfd, base, srel, &st, c->last_sgid, e)) < 0 ||
		    (!made && dir_meta(c, pfd, base, srel, &st, 0, c->last_sgid)))
			return fail(c, rel, c->last_why, errno, e);
		/* files listed below it need no walk */
		if (cache_dir(c, srel, srel, (st.st_mode & S_ISGID) != 0) ||
		    (strcmp(rel, srel) && cache_dir(c, rel, srel, (st.st_mode & S_ISGID) != 0)))
			return fail(c, rel, NULL, ENOMEM, e);
		return 0;
	}
	c->files++;
	if (S_ISREG(st.st_mode) && st.st_nlink == 1) {
		if (c->threads > 0 && (c->pool || pool_start(c) == 0))
			return pool_submit(c, srel, &st) ? fail(c, rel, NULL, errno, e) : 0;
		if (copy_reg(c, srel, &st, c->last_sgid))
			return fail(c, rel, errno == EISDIR ? "is a directory in the destination but not in the source" : NULL, errno, e);
		return 0;
	}
	if (parent_fd(c, e) < 0)
		return fail(c, rel, c->last_why, errno, e);
	if (clear_slot(c->last_dfd, base, &is_dir))
		return fail(c, rel, NULL, errno, e);
	if (is_dir)
		return fail(c, rel, "is a directory in the destination but not in the source", EISDIR, e);
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(c->srcfd, srel, target, sizeof(target) - 1);

		if (n < 0)
			return fail(c, rel, NULL, errno, e);
		target[n] = '\0';
		return ensure_symlink(c, c->last_dfd, base, srel, target, &st, e);
	}
	if (st.st_nlink > 1 && !S_ISDIR(st.st_mode)) {
		const char *first;

		snprintf(key, sizeof(key), "%llx:%llx", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		if ((first = strset_get(&c->links, key))) {
			if (linkat(c->dstfd, first, c->last_dfd, base, 0))
				return fail(c, rel, NULL, errno, e);
			return 0;
		}
		if (strset_add(&c->links, key, strdup(srel)) < 0)
			return fail(c, rel, NULL, errno, e);
	}
	if (S_ISREG(st.st_mode)) {
		if (copy_reg(c, srel, &st, c->last_sgid))
			return fail(c, rel, NULL, errno, e);
		return 0;
	}
	if (copy_special(c, c->last_dfd, base, srel, &st))
		return fail(c, rel, NULL, errno, e);
	return 0;
}

int
copy_finish(struct copy_ctx *c, struct err *e)
{
	int r = 0, errnum = 0;

	err_clear(e);
	pool_stop(c);
	if (c->async_failed) {
		if (e)
			*e = c->async_err;
		errnum = c->async_errno;
		r = -1;
	}
	/* canonical paths: no link to follow on the way */
	for (size_t i = c->ndirs; i-- > 0;) {
		if (utimensat(c->dstfd, c->dirs[i].rel, c->dirs[i].ts, AT_SYMLINK_NOFOLLOW) && !r) {
			errnum = errno;
			r = err_set(e, errnum, "/%s: setting the directory's times:", c->dirs[i].rel);
		}
		free(c->dirs[i].rel);
	}
	free(c->dirs);
	for (size_t i = 0; i < c->links.cap; i++)
		if (c->links.keys && c->links.keys[i])
			free(c->links.vals[i]);
	strset_free(&c->links);
	for (size_t i = 0; i < c->canon.cap; i++) {
		struct pinfo *pi = c->canon.keys && c->canon.keys[i] ? c->canon.vals[i] : NULL;

		if (pi) {
			free(pi->canon);
			free(pi);
		}
	}
	strset_free(&c->canon);
	umask(c->umask);
	if (c->last_dfd >= 0)
		close(c->last_dfd);
	close(c->srcfd);
	close(c->dstfd);
	if (r)
		errno = errnum;
	return r;
}
