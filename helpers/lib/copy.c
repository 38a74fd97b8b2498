#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "copy.h"
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

static int
fail(struct copy_ctx *c, const char *where, const char *why, int err)
{
	snprintf(c->where, sizeof(c->where), "%s", where);
	c->why = why;
	errno = err;
	return -1;
}

int
copy_init(struct copy_ctx *c, const char *src, const char *dst)
{
	memset(c, 0, sizeof(*c));
	c->last_dfd = -1;
	c->srcfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->srcfd < 0)
		return fail(c, src, NULL, errno);
	c->dstfd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dstfd < 0) {
		int e = errno;

		close(c->srcfd);
		return fail(c, dst, NULL, e);
	}
	strcpy(c->last_parent, "\x01");	/* matches nothing */
	return 0;
}

static int
owner_ok(int r)
{
	/* as non-root, keeping the owner is impossible: not an error */
	return r == 0 || (errno == EPERM && geteuid() != 0);
}

/* xattrs of the file behind SPATH onto DPATH (both "/proc/self/fd/N"
 * style or real fds via the f* calls when SFD/DFD >= 0). */
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

/* The same through /proc for fds that cannot carry xattr calls (O_PATH). */
static int
copy_xattrs_path(int sfd, int dfd)
{
	char sp[64], dp[64], list[65536], val[65536];
	ssize_t n;

	snprintf(sp, sizeof(sp), "/proc/self/fd/%d", sfd);
	snprintf(dp, sizeof(dp), "/proc/self/fd/%d", dfd);
	if ((n = listxattr(sp, list, sizeof(list))) < 0)
		return (errno == ENOTSUP || errno == ENOENT) ? 0 : -1;
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t v = getxattr(sp, k, val, sizeof(val));

		if (v < 0 || (setxattr(dp, k, val, v, 0) && errno != ENOTSUP))
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
			ssize_t w = 0;

			n = read(in, buf, sizeof(buf));
			for (ssize_t m; n > 0 && w < n; w += m)
				if ((m = write(out, buf + w, n - w)) < 0)
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

/* Owner, mode, xattrs of directory BASE in DPFD from source ST/SRCREL. */
static int
dir_meta(struct copy_ctx *c, int dpfd, const char *base, const char *rel, const struct stat *st)
{
	int sfd, dfd, r = 0;

	if (!owner_ok(fchownat(dpfd, base, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW)) ||
	    fchmodat(dpfd, base, st->st_mode & 07777, 0))
		return -1;
	sfd = openat(c->srcfd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	dfd = openat(dpfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0 || dfd < 0)
		r = -1;
	else
		r = copy_xattrs(sfd, dfd);
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	return r ? r : defer_dir_time(c, rel, st);
}

/* Make sure DEST has a directory at canonical REL (its parent, DPFD, is
 * already there), copying mode and owner from the source when created. */
static int
ensure_dir(struct copy_ctx *c, int dpfd, const char *base, const char *rel, const struct stat *st)
{
	struct stat dst;

	if (fstatat(dpfd, base, &dst, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(dst.st_mode))
			return 0;
		if (S_ISLNK(dst.st_mode))
			return fail(c, rel, "is a symlink in the destination where the source has a directory; refusing to follow it", ELOOP);
		return fail(c, rel, "is a file in the destination where the source has a directory", ENOTDIR);
	}
	if (errno != ENOENT)
		return fail(c, rel, NULL, errno);
	if (mkdirat(dpfd, base, 0700))
		return fail(c, rel, NULL, errno);
	if (dir_meta(c, dpfd, base, rel, st))
		return fail(c, rel, NULL, errno);
	return 0;
}

static int
ensure_symlink(struct copy_ctx *c, int dpfd, const char *base, const char *rel,
	       const char *target, const struct stat *st)
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
			return fail(c, rel, "is a directory in the destination where the source has a symlink", EISDIR);
		if (unlinkat(dpfd, base, 0))
			return fail(c, rel, NULL, errno);
	}
	if (symlinkat(target, dpfd, base) ||
	    !owner_ok(fchownat(dpfd, base, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW)) ||
	    utimensat(dpfd, base, (struct timespec[]){ st->st_atim, st->st_mtim }, AT_SYMLINK_NOFOLLOW))
		return fail(c, rel, NULL, errno);
	return 0;
}

/* Resolve the parent directory of REL in the source, as if the source
 * root were "/", mirroring every directory and symlink met on the way into
 * DEST. Leaves the canonical parent in c->last_canon and an O_PATH fd of
 * it in DEST in c->last_dfd. */
static int
mirror_parent(struct copy_ctx *c, const char *parent)
{
	char todo[8192], cur[4096] = "", cand[4096], target[4096];
	int dfd, links = 0;

	if (!strcmp(parent, c->last_parent))
		return 0;
	if (c->last_dfd >= 0)
		close(c->last_dfd);
	c->last_dfd = -1;
	strcpy(c->last_parent, "\x01");
	snprintf(todo, sizeof(todo), "%s", parent);
	if ((dfd = openat(c->dstfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fail(c, "", NULL, errno);
	while (*todo) {
		char comp[256], *slash = strchr(todo, '/');
		size_t l = slash ? (size_t)(slash - todo) : strlen(todo);
		struct stat st;
		int nfd;

		if (l >= sizeof(comp)) {
			close(dfd);
			return fail(c, todo, NULL, ENAMETOOLONG);
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
				return fail(c, cur, NULL, errno);
			continue;
		}
		if (join(cand, sizeof(cand), cur, comp)) {
			close(dfd);
			return fail(c, cur, NULL, errno);
		}
		if (fstatat(c->srcfd, cand, &st, AT_SYMLINK_NOFOLLOW)) {
			close(dfd);
			return fail(c, cand, NULL, errno);
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlinkat(c->srcfd, cand, target, sizeof(target) - 1);
			char rest[8192];

			if (n < 0 || ++links > 40) {
				close(dfd);
				return fail(c, cand, NULL, n < 0 ? errno : ELOOP);
			}
			target[n] = '\0';
			if (ensure_symlink(c, dfd, comp, cand, target, &st)) {
				close(dfd);
				return -1;
			}
			if (join(rest, sizeof(rest), target, todo)) {
				close(dfd);
				return fail(c, cand, NULL, errno);
			}
			strcpy(todo, rest);
			if (target[0] == '/') {
				*cur = '\0';
				close(dfd);
				if ((dfd = openat(c->dstfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
					return fail(c, "", NULL, errno);
			}
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(dfd);
			return fail(c, cand, "is not a directory in the source", ENOTDIR);
		}
		if (ensure_dir(c, dfd, comp, cand, &st)) {
			close(dfd);
			return -1;
		}
		nfd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		if (nfd < 0)
			return fail(c, cand, "cannot be opened in the destination without following a link", errno);
		dfd = nfd;
		strcpy(cur, cand);
	}
	c->last_dfd = dfd;
	snprintf(c->last_parent, sizeof(c->last_parent), "%s", parent);
	snprintf(c->last_canon, sizeof(c->last_canon), "%s", cur);
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

static int
copy_reg(struct copy_ctx *c, int dpfd, const char *base, const char *srel,
	 const char *drel, const struct stat *st)
{
	int in, out, r = -1;

	if ((in = openat(c->srcfd, srel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	out = openat(dpfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		goto done;
	if (copy_data(in, out, st->st_size) ||
	    !owner_ok(fchown(out, st->st_uid, st->st_gid)) ||
	    fchmod(out, st->st_mode & 07777) ||	/* after chown, which clears setuid */
	    copy_xattrs(in, out) ||			/* after chown, which clears capabilities */
	    futimens(out, (struct timespec[]){ st->st_atim, st->st_mtim }))
		goto done;
	r = 0;
	c->bytes += st->st_size;
done:
	if (out >= 0 && close(out))
		r = -1;
	close(in);
	(void)drel;
	return r;
}

static int
copy_special(struct copy_ctx *c, int dpfd, const char *base, const char *srel, const struct stat *st)
{
	int sfd, dfd, r;

	if (mknodat(dpfd, base, st->st_mode & (S_IFMT | 07777), st->st_rdev) ||
	    !owner_ok(fchownat(dpfd, base, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW)) ||
	    fchmodat(dpfd, base, st->st_mode & 07777, 0))
		return -1;
	sfd = openat(c->srcfd, srel, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	dfd = openat(dpfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	r = (sfd < 0 || dfd < 0) ? -1 : copy_xattrs_path(sfd, dfd);
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	return r ? r : utimensat(dpfd, base, (struct timespec[]){ st->st_atim, st->st_mtim }, AT_SYMLINK_NOFOLLOW);
}

int
copy_path(struct copy_ctx *c, const char *path)
{
	char rel[4096], parent[4096], srel[4096], target[4096], key[64];
	const char *base, *slash;
	struct stat st;
	int is_dir;

	c->why = NULL;
	if (path_clean(path, rel, sizeof(rel)))
		return fail(c, path, errno == EINVAL ? "has a \"..\" component" : NULL, errno);
	if (!*rel)
		return 0;	/* the root itself */
	slash = strrchr(rel, '/');
	base = slash ? slash + 1 : rel;
	snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - rel) : 0, rel);
	if (mirror_parent(c, parent))
		return -1;
	if (join(srel, sizeof(srel), c->last_canon, base))
		return fail(c, rel, NULL, errno);
	if (fstatat(c->srcfd, srel, &st, AT_SYMLINK_NOFOLLOW))
		return fail(c, rel, NULL, errno);
	if (S_ISDIR(st.st_mode)) {
		if (ensure_dir(c, c->last_dfd, base, srel, &st) ||
		    dir_meta(c, c->last_dfd, base, srel, &st))
			return fail(c, rel, c->why, errno);
		return 0;
	}
	if (clear_slot(c->last_dfd, base, &is_dir))
		return fail(c, rel, NULL, errno);
	if (is_dir)
		return fail(c, rel, "is a directory in the destination but not in the source", EISDIR);
	c->files++;
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(c->srcfd, srel, target, sizeof(target) - 1);

		if (n < 0)
			return fail(c, rel, NULL, errno);
		target[n] = '\0';
		return ensure_symlink(c, c->last_dfd, base, srel, target, &st);
	}
	if (st.st_nlink > 1 && !S_ISDIR(st.st_mode)) {
		const char *first;

		snprintf(key, sizeof(key), "%llx:%llx", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		if ((first = strset_get(&c->links, key))) {
			if (linkat(c->dstfd, first, c->last_dfd, base, 0))
				return fail(c, rel, NULL, errno);
			return 0;
		}
		if (strset_add(&c->links, key, strdup(srel)) < 0)
			return fail(c, rel, NULL, errno);
	}
	if (S_ISREG(st.st_mode)) {
		if (copy_reg(c, c->last_dfd, base, srel, rel, &st))
			return fail(c, rel, NULL, errno);
		return 0;
	}
	if (copy_special(c, c->last_dfd, base, srel, &st))
		return fail(c, rel, NULL, errno);
	return 0;
}

int
copy_finish(struct copy_ctx *c)
{
	int r = 0;

	for (size_t i = c->ndirs; i-- > 0;) {
		const char *base;
		int pfd = -1;

		/* a directory's parent is canonical: no link to follow */
		const char *s = strrchr(c->dirs[i].rel, '/');
		char parent[4096];

		snprintf(parent, sizeof(parent), "%.*s", s ? (int)(s - c->dirs[i].rel) : 1,
			 s ? c->dirs[i].rel : ".");
		base = s ? s + 1 : c->dirs[i].rel;
		pfd = openat(c->dstfd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0 || utimensat(pfd, base, c->dirs[i].ts, AT_SYMLINK_NOFOLLOW))
			r = -1;
		if (pfd >= 0)
			close(pfd);
		free(c->dirs[i].rel);
	}
	free(c->dirs);
	for (size_t i = 0; i < c->links.cap; i++)
		if (c->links.keys && c->links.keys[i])
			free(c->links.vals[i]);
	strset_free(&c->links);
	if (c->last_dfd >= 0)
		close(c->last_dfd);
	close(c->srcfd);
	close(c->dstfd);
	return r;
}
