#define _GNU_SOURCE
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "err.h"
#include "layer_impl.h"
#include "path.h"
#include "strset.h"

void
layer_init(struct layer *l)
{
	memset(l, 0, sizeof(*l));
	l->spoolfd = -1;
}

void
layer_free_entry(struct layer_entry *e)
{
	free(e->path);
	free(e->symlink);
	free(e->hardlink);
	xattrs_free(&e->xattrs);
}

void
layer_free(struct layer *l)
{
	for (size_t i = 0; i < l->n; i++)
		layer_free_entry(&l->v[i]);
	free(l->v);
	for (size_t i = 0; i < l->ndirs; i++) {
		free(l->dirs[i]);
		close(l->dirfds[i]);
	}
	free(l->dirs);
	free(l->dirfds);
	if (l->spoolfd >= 0)
		close(l->spoolfd);
	layer_init(l);
}

struct layer_entry *
layer_new_entry(struct layer *l, const char *path)
{
	struct layer_entry *e;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		struct layer_entry *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	e = &l->v[l->n];
	memset(e, 0, sizeof(*e));
	if (!(e->path = strdup(path)))
		return NULL;
	e->seq = l->n++;
	return e;
}

/* Does symlink TARGET, placed at PATH, climb above the root? */
static int
escapes(const char *path, const char *target)
{
	int depth = 0;
	const char *p;

	if (target[0] == '/')
		return 0;	/* resolved from the image's own root */
	for (p = path; (p = strchr(p, '/')); p++)
		depth++;	/* directories above the link */
	for (p = target; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return 1;
		} else if (n && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

/* The extended attributes of FULL (the entry DE of directory D) onto E,
 * sorted by name. */
static int
read_xattrs(struct layer_entry *e, DIR *d, const struct dirent *de, const char *full, struct err *err)
{
	char names[65536], val[65536], xp[PATH_MAX];
	ssize_t n;

	/* deeper than PATH_MAX: the same file through the open directory */
	if (strlen(full) >= sizeof(xp))
		snprintf(xp, sizeof(xp), "/proc/self/fd/%d/%s", dirfd(d), de->d_name);
	else
		memcpy(xp, full, strlen(full) + 1);
	n = llistxattr(xp, names, sizeof(names));
	for (char *k = names; n > 0 && k < names + n; k += strlen(k) + 1) {
		ssize_t v = lgetxattr(xp, k, val, sizeof(val));

		if (v < 0 || xattrs_add(&e->xattrs, k, val, v))
			return err_set(err, errno, "%s: xattr %s:", full, k);
	}
	xattrs_sort(&e->xattrs);
	return 0;
}

/* Add the entry DE of directory D (REL below source SRC). */
static int
add_dirent(struct layer *l, int src, DIR *d, const char *rel, const struct dirent *de, int overlay,
	   struct err *err)
{
	char path[4096], full[8192];
	struct stat st;
	struct layer_entry *e;

	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", de->d_name) >= sizeof(path))
		return err_set(err, ENAMETOOLONG, "%s/%s: name too long", l->dirs[src], rel);
	snprintf(full, sizeof(full), "%s/%s", l->dirs[src], path);
	if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
		return err_set(err, errno, "%s:", full);
	if (!(e = layer_new_entry(l, path)))
		return err_set(err, ENOMEM, "out of memory");
	e->mode = st.st_mode;
	e->uid = st.st_uid;
	e->gid = st.st_gid;
	e->mtime = st.st_mtim.tv_sec;
	e->size = S_ISREG(st.st_mode) ? st.st_size : 0;
	e->rdev = st.st_rdev;
	e->src = src;
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		e->dev = st.st_dev + 1;
		e->ino = st.st_ino;
	}
	if (overlay) {
		e->uid = e->gid = 0;
		e->mode = (st.st_mode & S_IFMT) |
			  (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode) || (st.st_mode & S_IXUSR) ? 0755 : 0644);
		if (S_ISLNK(st.st_mode))
			e->mode = S_IFLNK | 0777;
	} else if (e->mtime > l->newest) {
		l->newest = e->mtime;
	}
	if (S_ISLNK(st.st_mode)) {
		char t[4096];
		ssize_t n = readlinkat(dirfd(d), de->d_name, t, sizeof(t) - 1);

		if (n < 0)
			return err_set(err, errno, "%s:", full);
		t[n] = '\0';
		if (escapes(path, t))
			return err_set(err, EINVAL, "%s: symlink target '%s' climbs above the image root; refusing it", full, t);
		if (!(e->symlink = strdup(t)))
			return err_set(err, ENOMEM, "out of memory");
	}
	return overlay ? 0 : read_xattrs(e, d, de, full, err);
}

/* Add the entries of one directory (DFD, REL below source SRC); the caller
 * descends (layer_add_dir), so depth costs no stack. */
static int
read_dir(struct layer *l, int src, int dfd, const char *rel, int overlay, struct err *err)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0, saved;

	if (!d) {
		saved = errno;
		close(dfd);
		return err_set(err, saved, "%s/%s:", l->dirs[src], rel);
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = add_dirent(l, src, d, rel, de, overlay, err);
	}
	if (r == 0 && errno)
		r = err_set(err, errno, "%s/%s:", l->dirs[src], rel);
	saved = errno;
	closedir(d);
	errno = saved;
	return r;
}

static int
add_src(struct layer *l, const char *dir, int fd)
{
	char **d = realloc(l->dirs, (l->ndirs + 1) * sizeof(*d));
	int *f = d ? realloc(l->dirfds, (l->ndirs + 1) * sizeof(*f)) : NULL;

	if (d)
		l->dirs = d;
	if (!d || !f)
		return -1;
	l->dirfds = f;
	l->dirs[l->ndirs] = strdup(dir);
	l->dirfds[l->ndirs] = fd;
	return (int)l->ndirs++;
}

int
layer_add_dir(struct layer *l, const char *dir, int overlay, struct err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), src;
	size_t first = l->n;

	err_clear(err);
	if (fd < 0)
		return err_set(err, errno, "%s:", dir);
	if ((src = add_src(l, dir, fd)) < 0) {
		close(fd);
		return err_set(err, ENOMEM, "out of memory");
	}
	if (read_dir(l, src, dup(fd), "", overlay, err))
		return -1;
	/* breadth first over the entries added so far, new ones included: no
	 * recursion and one directory open at a time, however deep the tree
	 * (a recursive walk overflowed the stack about 60 levels down) */
	for (size_t i = first; i < l->n; i++) {
		const char *rel = l->v[i].path;	/* its own allocation: stays put */
		int sub;

		if (!S_ISDIR(l->v[i].mode))
			continue;
		sub = openat(fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return err_set(err, errno, "%s/%s:", dir, rel);
		if (read_dir(l, src, sub, rel, overlay, err))
			return -1;
	}
	return 0;
}

static int
spool_write(struct layer *l, const void *buf, size_t n)
{
	if (path_write_all(l->spoolfd, buf, n))
		return -1;
	l->spoolsize += n;
	return 0;
}

/* Tar formats only (ustar, pax, GNU, v7: libarchive's tar reader), not
 * format_all's zip, 7z, rar, iso9660, cpio, mtree...; and only the filters
 * libarchive has built in: a support call that answers ARCHIVE_WARN has set
 * up an external program (lzop -d, lrzip -d... found on PATH), so each is
 * tried on a scratch archive first and enabled only if it answers OK.
 * HAVE gets the list of the filters enabled, for messages. */
static int
tar_only(struct archive *a, char *have, size_t len)
{
	static int (*const filters[])(struct archive *) = {
		archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
		archive_read_support_filter_xz, archive_read_support_filter_zstd,
	};
	static const char *const names[] = { "gzip", "bzip2", "xz", "zstd" };

	have[0] = '\0';
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_format_empty(a) != ARCHIVE_OK)
		return -1;
	for (size_t i = 0; i < sizeof(filters) / sizeof(*filters); i++) {
		struct archive *probe = archive_read_new();
		int r = probe ? filters[i](probe) : ARCHIVE_FATAL;

		archive_read_free(probe);
		if (r == ARCHIVE_OK && filters[i](a) == ARCHIVE_OK)
			snprintf(have + strlen(have), len - strlen(have), ", %s", names[i]);
	}
	return 0;
}

/* a tar stream being read into a layer */
struct tar_in {
	struct archive *a;
	struct strset byname;	/* path -> index + 1 of its entry */
	char filters[64];	/* ", gzip, bzip2..." for messages */
};

/* the spool file, the reader (tar formats, built-in filters), the names
 * already in the layer */
static int
tar_open(struct layer *l, struct tar_in *t, int fd, const char *tmpdir, struct err *err)
{
	if (l->spoolfd < 0 && (l->spoolfd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0)
		return err_set(err, errno, "%s: cannot create a spool file:", tmpdir);
	if (tar_only(t->a, t->filters, sizeof(t->filters)))
		return err_set(err, ENOMEM, "reading the tar stream: %s", archive_error_string(t->a));
	if (archive_read_open_fd(t->a, fd, 1 << 20) != ARCHIVE_OK)
		return err_set(err, EINVAL, "reading the tar stream: not a tar archive (ustar, pax or GNU; "
			       "uncompressed%s): %s", t->filters, archive_error_string(t->a));
	for (size_t i = 0; i < l->n; i++)
		if (strset_add(&t->byname, l->v[i].path, (void *)(i + 1)) < 0)
			return err_set(err, ENOMEM, "out of memory");
	return 0;
}

/* the entry's name as a layer path ("" for the root itself) */
static int
tar_entry_path(struct archive_entry *ae, char path[4096], struct err *err)
{
	const char *name = archive_entry_pathname(ae);

	/* a sparse entry declares its size and holds only the data
	 * regions: reading it would write every hole out (a 10 KiB tar
	 * declaring 3 GiB spooled 3 GiB). docker export/cp (Go's
	 * archive/tar) never writes sparse entries, and the layer
	 * itself has none (see layer.h): refuse them. */
	if (archive_entry_sparse_count(ae) > 0)
		return err_set(err, EINVAL, "tar entry '%s': a sparse file (declared size %lld bytes); "
			       "sparse entries are not supported (re-create the tar without --sparse)",
			       name, (long long)archive_entry_size(ae));
	if (path_clean(name, path, 4096))
		return err_set(err, EINVAL, "tar entry '%s': %s; refusing it", name,
			       errno == EINVAL ? "path leaves the root (\"..\")" : "name too long");
	return 0;
}

/* E, a hardlink to HL: one inode with that entry, earlier in the stream */
static int
tar_hardlink(struct layer *l, const struct strset *byname, struct layer_entry *e, const char *name,
	     const char *hl, struct err *err)
{
	char target[4096];
	struct layer_entry *to;
	size_t t;

	if (path_clean(hl, target, sizeof(target)))
		return err_set(err, EINVAL, "tar entry '%s': hardlink to '%s' leaves the root; refusing it", name, hl);
	if (!(t = (size_t)strset_get(byname, target)))
		return err_set(err, EINVAL, "tar entry '%s': hardlink to '%s', which is not earlier in the stream",
			       name, hl);
	to = &l->v[t - 1];
	/* a group: the first occurrence after sorting carries the data */
	if (!to->ino) {
		to->dev = 1;
		to->ino = t;
	}
	e->dev = to->dev;
	e->ino = to->ino;
	/* one inode: the target's metadata, whatever the link says */
	e->mode = to->mode;
	e->uid = to->uid;
	e->gid = to->gid;
	e->mtime = to->mtime;
	e->size = to->size;
	e->off = to->off;
	if (xattrs_copy(&e->xattrs, &to->xattrs))
		return err_set(err, ENOMEM, "out of memory");
	return 0;
}

/* a regular file's data, into the spool file */
static int
tar_spool(struct layer *l, struct archive *a, struct archive_entry *ae, struct layer_entry *e,
	  struct err *err)
{
	char buf[1 << 16];
	la_ssize_t n;

	e->size = archive_entry_size(ae);
	e->off = l->spoolsize;
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (spool_write(l, buf, n))
			return err_set(err, errno, "spool file:");
	if (n < 0 || l->spoolsize - e->off != e->size)
		return err_set(err, EIO, "tar entry '%s': %s", archive_entry_pathname(ae),
			       n < 0 ? archive_error_string(a) : "truncated data");
	return 0;
}

static int
tar_symlink(struct archive_entry *ae, struct layer_entry *e, struct err *err)
{
	const char *name = archive_entry_pathname(ae), *t = archive_entry_symlink(ae);

	if (t && strlen(t) >= PATH_MAX)
		return err_set(err, EINVAL, "tar entry '%s': symlink target longer than %d bytes; refusing it",
			       name, PATH_MAX - 1);
	if (!t || escapes(e->path, t))
		return err_set(err, EINVAL, "tar entry '%s': symlink target '%s' climbs above the image root; "
			       "refusing it", name, t ? t : "");
	if (!(e->symlink = strdup(t)))
		return err_set(err, ENOMEM, "out of memory");
	return 0;
}

/* one entry of the stream into L */
static int
tar_entry(struct layer *l, struct tar_in *t, struct archive_entry *ae, struct err *err)
{
	const char *hl = archive_entry_hardlink(ae);
	char path[4096];
	struct layer_entry *e;

	if (tar_entry_path(ae, path, err))
		return -1;
	if (!*path)
		return 0;	/* the root itself */
	if (!(e = layer_new_entry(l, path)))
		return err_set(err, ENOMEM, "out of memory");
	e->mode = archive_entry_mode(ae);
	e->uid = archive_entry_uid(ae);
	e->gid = archive_entry_gid(ae);
	e->mtime = archive_entry_mtime(ae);
	e->rdev = archive_entry_rdev(ae);
	e->src = -1;
	if (e->mtime > l->newest)
		l->newest = e->mtime;
	if (hl ? tar_hardlink(l, &t->byname, e, archive_entry_pathname(ae), hl, err)
	       : (S_ISREG(e->mode) && tar_spool(l, t->a, ae, e, err)) ||
		 (S_ISLNK(e->mode) && tar_symlink(ae, e, err)) ||
		 (xattrs_add_entry(&e->xattrs, ae) && err_set(err, ENOMEM, "out of memory")))
		return -1;
	if (strset_add(&t->byname, path, (void *)l->n) < 0)
		return err_set(err, ENOMEM, "out of memory");
	return 0;
}

/* why the stream ended (R, libarchive's last answer) after NREAD entries */
static int
tar_end(const struct tar_in *t, int r, size_t nread, struct err *err)
{
	if (r == ARCHIVE_EOF && !nread)
		/* what tar's reader makes of an ISO image (32 KiB of zeros
		 * first: its end-of-archive blocks); docker export never
		 * writes an empty tar */
		return err_set(err, EINVAL, "reading the tar stream: no entries (an empty tar, or not a tar archive: "
			       "ustar, pax or GNU; uncompressed%s)", t->filters);
	if (r != ARCHIVE_EOF && !nread)
		return err_set(err, EINVAL, "reading the tar stream: not a tar archive (ustar, pax or GNU; "
			       "uncompressed%s): %s", t->filters, archive_error_string(t->a));
	if (r != ARCHIVE_EOF)
		return err_set(err, EIO, "reading the tar stream: %s", archive_error_string(t->a));
	return 0;
}

int
layer_add_tar(struct layer *l, int fd, const char *tmpdir, struct err *err)
{
	struct tar_in t = { .a = archive_read_new() };
	struct archive_entry *ae;
	size_t nread = 0;
	int r, ar;

	err_clear(err);
	if (!t.a)
		return err_set(err, ENOMEM, "out of memory");
	if (!(r = tar_open(l, &t, fd, tmpdir, err))) {
		while (!r && ((ar = archive_read_next_header(t.a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN)) {
			nread++;
			r = tar_entry(l, &t, ae, err);
		}
		if (!r)
			r = tar_end(&t, ar, nread, err);
	}
	strset_free(&t.byname);
	archive_read_free(t.a);
	return r;
}

/* S for a message: as it is, or, when longer than 200 bytes, its first
 * and last 96 around "...", so that the reason after it fits the message
 * (a link can be 4 KiB, its path longer still). BUF holds 200 bytes. */
static const char *
abbrev(const char *s, char buf[200])
{
	size_t l = strlen(s);

	if (l < 200)
		return s;
	snprintf(buf, 200, "%.96s...%s", s, s + l - 96);
	return buf;
}

/* The rules an extractor needs to stay inside its root, on the final
 * (sorted, merged) layer:
 *  - no entry below a symlink entry of the layer (x -> d, x/f): an
 *    extractor would write f through x, wherever x points;
 *  - every relative symlink target, resolved lexically through the
 *    layer's own symlinks (at most LINK_HOPS of them, as Linux's
 *    MAXSYMLINKS), stays inside the root. A link that reaches an absolute
 *    symlink goes on from the root (absolute targets resolve inside the
 *    container's root, and are accepted on their own).
 * moby checks each link alone, as text (pkg/archive/archive.go,
 * createTarFile, case tar.TypeSymlink: filepath.Join(filepath.Dir(path),
 * hdr.Linkname) must stay under the extraction directory, else
 * breakoutError "invalid symlink"), and relies on extracting in a chroot
 * (pkg/chrootarchive) for the rest; a chain such as up -> ../../.. plus
 * x -> d/up/../../.. passes that text check, so here the chain is resolved. */
#define LINK_HOPS 40
/* and at most this many bytes of path looked up and copied for one link
 * (legitimate chains use a few hundred), so the check costs at most a
 * constant per byte of input, whatever the chains */
#define LINK_WORK (1 << 18)

struct pathbuf {
	char *p;
	size_t n, cap;
};

static int
pb_put(struct pathbuf *b, const char *s, size_t n, const char *rest)
{
	size_t need = n + 1 + (rest ? strlen(rest) : 0) + 1;

	if (need > b->cap) {
		char *p = malloc(need);

		if (!p)
			return -1;
		free(b->p);
		b->p = p;
		b->cap = need;
	}
	memcpy(b->p, s, n);
	b->p[n] = '\0';
	if (rest && *rest) {
		b->p[n] = '/';
		strcpy(b->p + n + 1, rest);
	}
	b->n = strlen(b->p);
	return 0;
}

/* 0: E's target stays inside; 1: it does not (WHY says how); -1: ENOMEM.
 * ALL holds the layer's symlinks (value: index + 1). */
static int
link_escapes(const struct layer *l, const struct strset *all, const struct layer_entry *e,
	     char *why, size_t whylen)
{
	struct pathbuf cur = { 0 }, rest = { 0 }, tmp = { 0 };
	const char *slash = strrchr(e->path, '/'), *via = NULL;
	size_t work = 0;
	int hops = 0, r = 0;

	if (e->symlink[0] == '/')
		return 0;
	if (pb_put(&cur, e->path, slash ? (size_t)(slash - e->path) : 0, NULL) ||
	    pb_put(&rest, e->symlink, strlen(e->symlink), NULL))
		return -1;
	for (size_t i = 0; r == 0 && i < rest.n;) {
		size_t n = strcspn(rest.p + i, "/");
		const char *c = rest.p + i;
		size_t t;

		i += n;
		while (i < rest.n && rest.p[i] == '/')
			i++;
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			char *up;

			if (!cur.n) {
				char b[200];

				if (via)
					snprintf(why, whylen, "climbs above the image root (through the symlink '%s')",
						 abbrev(via, b));
				else
					snprintf(why, whylen, "climbs above the image root");
				r = 1;
				break;
			}
			work += cur.n;
			up = strrchr(cur.p, '/');
			cur.n = up ? (size_t)(up - cur.p) : 0;
			cur.p[cur.n] = '\0';
			continue;
		}
		if (cur.n + 1 + n + 1 > cur.cap) {
			char *p = realloc(cur.p, cur.cap = (cur.n + 1 + n + 1) * 2);

			if (!p) {
				r = -1;
				break;
			}
			cur.p = p;
		}
		if (cur.n)
			cur.p[cur.n++] = '/';
		memcpy(cur.p + cur.n, c, n);
		cur.n += n;
		cur.p[cur.n] = '\0';
		work += cur.n;
		if (work > LINK_WORK) {
			snprintf(why, whylen, "takes more than %d KiB of path to resolve", LINK_WORK >> 10);
			r = 1;
			break;
		}
		if (!(t = (size_t)strset_get(all, cur.p)))
			continue;
		/* a symlink of the layer: go on from its target */
		work += strlen(l->v[t - 1].symlink) + rest.n - i;
		if (++hops > LINK_HOPS) {
			snprintf(why, whylen, "passes through more than %d symlinks", LINK_HOPS);
			r = 1;
			break;
		}
		if (pb_put(&tmp, l->v[t - 1].symlink, strlen(l->v[t - 1].symlink), rest.p + i)) {
			r = -1;
			break;
		}
		if (l->v[t - 1].symlink[0] == '/') {
			cur.n = 0;
		} else {
			char *up = strrchr(cur.p, '/');

			cur.n = up ? (size_t)(up - cur.p) : 0;
		}
		cur.p[cur.n] = '\0';
		/* swap: the link's target, then what was left */
		{
			struct pathbuf x = rest;

			rest = tmp;
			tmp = x;
		}
		i = 0;
		via = l->v[t - 1].path;
	}
	free(cur.p);
	free(rest.p);
	free(tmp.p);
	return r;
}

/* The first entry below directory path P (P + "/..."), or NULL: in the
 * sorted layer they are contiguous, right after P and its siblings. */
static const struct layer_entry *
first_below(const struct layer *l, const char *p, size_t plen)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {	/* the first path >= P + "/" */
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(l->v[mid].path, p, plen);

		if (c == 0)
			c = (unsigned char)l->v[mid].path[plen] - '/';
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n && !strncmp(l->v[lo].path, p, plen) && l->v[lo].path[plen] == '/' ? &l->v[lo] : NULL;
}

static int
check_links(struct layer *l, struct err *err)
{
	struct strset all = { 0 };
	char why[4200], b1[200], b2[200];
	int r = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].symlink && strset_add(&all, l->v[i].path, (void *)(i + 1)) < 0)
			return strset_free(&all), err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < l->n; i++) {
		const struct layer_entry *e = &l->v[i], *below;

		if (!e->symlink)
			continue;
		if ((r = link_escapes(l, &all, e, why, sizeof(why))))
			r = r < 0 ? err_set(err, ENOMEM, "out of memory") :
			    err_set(err, EINVAL, "'%s': symlink target '%s' %s; refusing it", abbrev(e->path, b1),
				    abbrev(e->symlink, b2), why);
		else if ((below = first_below(l, e->path, strlen(e->path))))
			r = err_set(err, EINVAL, "'%s': '%s' above it is a symlink in the layer, "
				    "which an extractor would write through; refusing it", abbrev(below->path, b1),
				    abbrev(e->path, b2));
	}
	strset_free(&all);
	return r ? -1 : 0;
}

/* A name ".wh.*" is an OCI whiteout to every extractor: the file would
 * not be there, and what it names in a layer below would go. */
static int
check_whiteout_names(const struct layer *l, struct err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *p = l->v[i].path;

		for (; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
			if (!strncmp(p, ".wh.", 4)) {
				char b[200];

				return err_set(err, EINVAL, "'%s': a name that starts with \".wh.\" is a whiteout to "
					       "every image extractor; refusing it", abbrev(l->v[i].path, b));
			}
	}
	return 0;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct layer_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

int
layer_sort(struct layer *l, struct err *err)
{
	struct strset first = { 0 };
	size_t o = 0;

	err_clear(err);
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_entry);
	/* later sources win; an existing directory keeps its own metadata */
	for (size_t i = 0; i < l->n; i++) {
		if (o && !strcmp(l->v[o - 1].path, l->v[i].path)) {
			if (S_ISDIR(l->v[o - 1].mode) && S_ISDIR(l->v[i].mode)) {
				layer_free_entry(&l->v[i]);
				continue;
			}
			layer_free_entry(&l->v[o - 1]);
			l->v[o - 1] = l->v[i];
			continue;
		}
		l->v[o++] = l->v[i];
	}
	l->n = o;
	if (check_links(l, err) || check_whiteout_names(l, err))
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		struct layer_entry *e = &l->v[i];
		char key[64];
		const char *f;

		if (!e->ino || !S_ISREG(e->mode))
			continue;
		snprintf(key, sizeof(key), "%llx:%llx", (unsigned long long)e->dev, (unsigned long long)e->ino);
		if ((f = strset_get(&first, key))) {
			if (!(e->hardlink = strdup(f)))
				return strset_free(&first), err_set(err, ENOMEM, "out of memory");
		} else if (strset_add(&first, key, e->path) < 0) {
			return strset_free(&first), err_set(err, ENOMEM, "out of memory");
		}
	}
	strset_free(&first);
	return 0;
}

struct sink {
	int (*write)(void *, const void *, size_t);
	void *arg;
};

static la_ssize_t
sink_write(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct sink *s = arg;

	(void)a;
	return s->write(s->arg, buf, n) ? -1 : (la_ssize_t)n;
}

int
layer_read_data(const struct layer *l, const struct layer_entry *e,
		int (*data)(void *arg, const void *buf, size_t len), void *arg, struct err *err)
{
	char buf[1 << 20];
	int64_t left = e->size, off = e->off;
	int fd = -1;

	err_clear(err);
	if (e->src >= 0) {
		fd = openat(l->dirfds[e->src], e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_set(err, errno, "%s/%s:", l->dirs[e->src], e->path);
	}
	while (left > 0) {
		size_t want = left < (int64_t)sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t n = fd >= 0 ? read(fd, buf, want) : pread(l->spoolfd, buf, want, off);

		if (n <= 0) {
			int saved = n ? errno : EIO;

			if (n < 0 && errno == EINTR)
				continue;
			if (fd >= 0)
				close(fd);
			if (n)
				return err_set(err, saved, "%s:", e->path);
			return err_set(err, EIO, "%s: file shrank while it was read", e->path);
		}
		if (data(arg, buf, n)) {
			if (fd >= 0)
				close(fd);
			return -1;	/* DATA has set ERR */
		}
		left -= n;
		off += n;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

struct tar_data {
	struct archive *a;
	const char *path;
	struct err *err;
};

static int
tar_data(void *arg, const void *buf, size_t n)
{
	struct tar_data *t = arg;

	if (archive_write_data(t->a, buf, n) == (la_ssize_t)n)
		return 0;
	return err_set(t->err, EIO, "%s: %s", t->path, archive_error_string(t->a));
}

int
layer_write(struct layer *l, int64_t sde,
	    int (*write)(void *, const void *, size_t), void *arg, struct err *err)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	struct sink s = { write, arg };
	int r = -1;

	err_clear(err);
	/* xattrs as SCHILY.xattr.* only (what GNU tar and Go's archive/tar,
	 * hence docker, read), not libarchive's LIBARCHIVE.xattr.* twin */
	if (!a || !ae || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY") != ARCHIVE_OK ||
	    archive_write_open(a, &s, NULL, sink_write, NULL) != ARCHIVE_OK) {
		err_set(err, EIO, "starting the layer tar: %s", a ? archive_error_string(a) : "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		struct layer_entry *e = &l->v[i];

		archive_entry_clear(ae);
		archive_entry_set_pathname(ae, e->path);
		archive_entry_set_mode(ae, e->mode);
		archive_entry_set_uid(ae, e->uid);
		archive_entry_set_gid(ae, e->gid);
		archive_entry_set_mtime(ae, e->mtime < sde ? e->mtime : sde, 0);
		archive_entry_set_size(ae, 0);
		if (S_ISCHR(e->mode) || S_ISBLK(e->mode))
			archive_entry_set_rdev(ae, e->rdev);
		if (e->symlink)
			archive_entry_set_symlink(ae, e->symlink);
		if (e->hardlink)
			archive_entry_set_hardlink(ae, e->hardlink);
		else if (S_ISREG(e->mode))
			archive_entry_set_size(ae, e->size);
		for (size_t k = 0; k < e->xattrs.n; k++)
			archive_entry_xattr_add_entry(ae, e->xattrs.v[k].name, e->xattrs.v[k].value, e->xattrs.v[k].size);
		if (archive_write_header(a, ae) != ARCHIVE_OK) {
			err_set(err, EIO, "%s: %s", e->path, archive_error_string(a));
			goto out;
		}
		if (S_ISREG(e->mode) && !e->hardlink && e->size) {
			struct tar_data td = { a, e->path, err };

			if (layer_read_data(l, e, tar_data, &td, err))
				goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		err_set(err, EIO, "finishing the layer tar: %s", archive_error_string(a));
		goto out;
	}
	r = 0;
out:
	archive_entry_free(ae);
	archive_write_free(a);
	return r;
}
