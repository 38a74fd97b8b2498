#define _GNU_SOURCE
/* layer: entry order and headers, clamped mtimes, owners, xattrs and
 * capabilities, hardlinks, devices, overlays, escapes refused, and the
 * same bytes from a directory and from its tar stream. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <sys/sysmacros.h>

#include "testutil.h"
#include "../../helpers/lib/imgtar.h"
#include "../../helpers/lib/layer.h"
#include "../../helpers/lib/oci.h"
#include "../../helpers/lib/zsink.h"

static struct err lerr;	/* the last layer_* failure */

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static int
collect(void *arg, const void *data, size_t len)
{
	struct buf *b = arg;

	if (b->n + len > b->cap) {
		b->cap = (b->n + len) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
	return 0;
}

struct fx {
	char *root, *tmp;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->root = tu_tmpdir();
	f->tmp = tu_tmpdir();
	assert_int_equal(tu_sh(
		"cd '%s' && mkdir -p usr/bin etc a-b a/b && printf hello > usr/bin/tool && "
		"chmod 4755 usr/bin/tool && ln usr/bin/tool usr/bin/tool2 && ln -s tool usr/bin/link && "
		"ln -s ../../etc usr/bin/up && printf conf > etc/conf && chown 33:44 etc/conf && "
		"mkfifo a/fifo && mknod a/null c 1 3 && printf x > a-b/x && printf y > a/b/y && "
		"setcap cap_net_bind_service+ep usr/bin/tool && setfattr -n user.k -v v etc/conf && "
		"touch -d @2000000000 etc/conf && touch -d @1000000000 a/b/y", f->root), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tu_rmtree(f->root);
	tu_rmtree(f->tmp);
	free(f);
	return 0;
}

static void
build_dir(const char *root, const char *overlay, int64_t sde, struct buf *out)
{
	struct layer l;

	layer_init(&l);
	assert_int_equal(layer_add_dir(&l, root, 0, &lerr), 0);
	if (overlay)
		assert_int_equal(layer_add_dir(&l, overlay, 1, &lerr), 0);
	assert_int_equal(layer_sort(&l, &lerr), 0);
	assert_int_equal(layer_write(&l, sde, collect, out, &lerr), 0);
	layer_free(&l);
}

static void
test_order_and_headers(void **state)
{
	struct fx *f = *state;
	struct buf b = { 0 };
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	static const char *want[] = {
		"a/", "a/b/", "a/b/y", "a/fifo", "a/null", "a-b/", "a-b/x", "etc/", "etc/conf",
		"usr/", "usr/bin/", "usr/bin/link", "usr/bin/tool", "usr/bin/tool2", "usr/bin/up",
	};
	size_t i = 0;

	(void)want;
	build_dir(f->root, NULL, 1500000000, &b);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, b.p, b.n), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		/* bytewise order of the path without the directory slash */
		static const char *sorted[] = {
			"a/", "a-b/", "a-b/x", "a/b/", "a/b/y", "a/fifo", "a/null", "etc/", "etc/conf",
			"usr/", "usr/bin/", "usr/bin/link", "usr/bin/tool", "usr/bin/tool2", "usr/bin/up",
		};

		assert_true(i < 15);
		assert_string_equal(p, sorted[i]);
		assert_true(!archive_entry_uname(e) || !*archive_entry_uname(e));
		assert_true(!archive_entry_gname(e) || !*archive_entry_gname(e));
		assert_false(archive_entry_atime_is_set(e));
		assert_false(archive_entry_ctime_is_set(e));
		assert_true(archive_entry_mtime(e) <= 1500000000);
		if (!strcmp(p, "a/b/y"))
			assert_int_equal(archive_entry_mtime(e), 1000000000);	/* older: kept */
		if (!strcmp(p, "etc/conf")) {
			const char *n;
			const void *v;
			size_t s;

			assert_int_equal(archive_entry_mtime(e), 1500000000);	/* clamped */
			assert_int_equal(archive_entry_uid(e), 33);
			assert_int_equal(archive_entry_gid(e), 44);
			assert_int_equal(archive_entry_xattr_reset(e), 1);
			assert_int_equal(archive_entry_xattr_next(e, &n, &v, &s), ARCHIVE_OK);
			assert_string_equal(n, "user.k");
			assert_int_equal(s, 1);
		}
		if (!strcmp(p, "usr/bin/tool")) {
			assert_int_equal(archive_entry_mode(e) & 07777, 04755);
			assert_int_equal(archive_entry_size(e), 5);
			assert_true(archive_entry_xattr_reset(e) >= 1);	/* security.capability */
		}
		if (!strcmp(p, "usr/bin/tool2")) {
			assert_string_equal(archive_entry_hardlink(e), "usr/bin/tool");
			assert_int_equal(archive_entry_size(e), 0);
		}
		if (!strcmp(p, "usr/bin/up"))
			assert_string_equal(archive_entry_symlink(e), "../../etc");
		if (!strcmp(p, "a/null")) {
			assert_int_equal(archive_entry_filetype(e), AE_IFCHR);
			assert_int_equal(archive_entry_rdevmajor(e), 1);
			assert_int_equal(archive_entry_rdevminor(e), 3);
		}
		if (!strcmp(p, "a/fifo"))
			assert_int_equal(archive_entry_filetype(e), AE_IFIFO);
		assert_int_equal(archive_entry_sparse_count(e), 0);
		i++;
	}
	assert_int_equal(i, 15);
	archive_read_free(a);
	/* raw ustar: empty uname/gname fields, numeric owner of etc/conf */
	assert_memory_equal(b.p + 265, (char[64]){ 0 }, 64);
	assert_null(memmem(b.p, b.n, "atime", 5));
	assert_non_null(memmem(b.p, b.n, "SCHILY.xattr.security.capability", 32));
	free(b.p);
}

static void
test_dir_equals_tar_stream(void **state)
{
	struct fx *f = *state;
	struct buf a = { 0 }, b = { 0 };
	struct layer l;
	char tarf[4096];
	int fd;

	build_dir(f->root, NULL, 1500000000, &a);
	snprintf(tarf, sizeof(tarf), "%s/in.tar", f->tmp);
	/* GNU tar, unsorted, with "./" names and xattrs */
	assert_int_equal(tu_sh("tar --xattrs --xattrs-include='*' -C '%s' -cf '%s' .", f->root, tarf), 0);
	fd = open(tarf, O_RDONLY);
	layer_init(&l);
	assert_int_equal(layer_add_tar(&l, fd, f->tmp, &lerr), 0);
	close(fd);
	assert_int_equal(layer_sort(&l, &lerr), 0);
	assert_int_equal(layer_write(&l, 1500000000, collect, &b, &lerr), 0);
	assert_int_equal(l.newest, 2000000000);
	layer_free(&l);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.p, b.p, a.n);
	free(a.p);
	free(b.p);
}

static void
test_deterministic(void **state)
{
	struct fx *f = *state;
	struct buf a = { 0 }, b = { 0 };

	build_dir(f->root, NULL, 1500000000, &a);
	/* new ctimes/atimes, same content and mtimes: same bytes */
	assert_int_equal(tu_sh("cd '%s' && chmod 4755 usr/bin/tool && cat etc/conf >/dev/null", f->root), 0);
	build_dir(f->root, NULL, 1500000000, &b);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.p, b.p, a.n);
	free(a.p);
	free(b.p);
}

static void
test_overlay(void **state)
{
	struct fx *f = *state;
	struct buf b = { 0 };
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int seen = 0;

	assert_int_equal(tu_sh("mkdir -p '%s/ov/etc' '%s/ov/new' && printf over > '%s/ov/etc/conf' && "
			       "chmod 0600 '%s/ov/etc/conf' && printf run > '%s/ov/new/run' && "
			       "chmod 0700 '%s/ov/new/run' && chown 1000:1000 '%s/ov/new/run' && chmod 0700 '%s/ov/etc'",
			       f->tmp, f->tmp, f->tmp, f->tmp, f->tmp, f->tmp, f->tmp, f->tmp), 0);
	{
		char ov[4096];

		snprintf(ov, sizeof(ov), "%s/ov", f->tmp);
		build_dir(f->root, ov, 1500000000, &b);
	}
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, b.p, b.n), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);

		if (!strcmp(p, "etc/conf")) {	/* later wins, normalised */
			assert_int_equal(archive_entry_size(e), 4);
			assert_int_equal(archive_entry_uid(e), 0);
			assert_int_equal(archive_entry_mode(e) & 07777, 0644);
			seen++;
		} else if (!strcmp(p, "etc/")) {	/* existing dir keeps its mode */
			assert_int_equal(archive_entry_mode(e) & 07777, 0755);
			seen++;
		} else if (!strcmp(p, "new/run")) {
			assert_int_equal(archive_entry_mode(e) & 07777, 0755);
			assert_int_equal(archive_entry_uid(e), 0);
			seen++;
		}
	}
	assert_int_equal(seen, 3);
	archive_read_free(a);
	free(b.p);
}

/* Write a tar with one hostile entry; layer_add_tar must refuse it. */
static void
refuse(struct fx *f, const char *name, int type, const char *link, const char *expect)
{
	char tarf[4096];
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	struct layer l;
	int fd;

	snprintf(tarf, sizeof(tarf), "%s/evil.tar", f->tmp);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, tarf), ARCHIVE_OK);
	archive_entry_set_pathname(e, "ok");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	archive_write_header(a, e);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, 0644);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(e, link);
	else if (link)
		archive_entry_set_hardlink(e, link);
	archive_write_header(a, e);
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);

	fd = open(tarf, O_RDONLY);
	layer_init(&l);
	assert_int_equal(layer_add_tar(&l, fd, f->tmp, &lerr), -1);
	if (!strstr(lerr.msg, expect))
		fail_msg("'%s' does not say '%s'", lerr.msg, expect);
	close(fd);
	layer_free(&l);
}

static void
test_escapes_refused(void **state)
{
	struct fx *f = *state;
	struct layer l;

	refuse(f, "../etc/passwd", AE_IFREG, NULL, "path leaves the root");
	refuse(f, "a/../../x", AE_IFREG, NULL, "path leaves the root");
	refuse(f, "hard", AE_IFREG, "../../etc/shadow", "leaves the root");
	refuse(f, "hard", AE_IFREG, "not-there", "not earlier in the stream");
	refuse(f, "usr/up", AE_IFLNK, "../../../etc", "climbs above the image root");
	/* the same from a directory */
	assert_int_equal(tu_sh("ln -s ../../../../x '%s/usr/bin/bad'", f->root), 0);
	layer_init(&l);
	assert_int_equal(layer_add_dir(&l, f->root, 0, &lerr), -1);
	assert_non_null(strstr(lerr.msg, "usr/bin/bad: symlink target '../../../../x' climbs above"));
	layer_free(&l);
}

/* A tree 2000 levels deep (the recursive walk, two 64 KiB buffers a
 * level, overflowed the stack about 60 levels down), as rootfs and as
 * overlay. Made with mkdirat relative to the parent: the path is ~4000
 * bytes, beyond what one syscall on a full path from / accepts here. */
static void
test_deep_tree(void **state)
{
	struct fx *f = *state;
	enum { DEPTH = 2000 };
	char deep[4096];
	struct buf b = { 0 };
	struct layer l;
	int fd;

	snprintf(deep, sizeof(deep), "%s/deep", f->tmp);
	assert_int_equal(mkdir(deep, 0755), 0);
	fd = open(deep, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < DEPTH; i++) {
		int sub;

		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		sub = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		assert_true(sub >= 0);
		close(fd);
		fd = sub;
	}
	close(openat(fd, "bottom", O_WRONLY | O_CREAT, 0644));
	close(fd);
	for (int overlay = 0; overlay < 2; overlay++) {
		struct archive *a = archive_read_new();
		struct archive_entry *e;
		size_t n = 0, longest = 0;

		layer_init(&l);
		assert_int_equal(layer_add_dir(&l, deep, overlay, &lerr), 0);
		assert_int_equal(l.n, DEPTH + 1);
		assert_int_equal(layer_sort(&l, &lerr), 0);
		b.n = 0;
		assert_int_equal(layer_write(&l, 1500000000, collect, &b, &lerr), 0);
		layer_free(&l);
		archive_read_support_format_tar(a);
		assert_int_equal(archive_read_open_memory(a, b.p, b.n), ARCHIVE_OK);
		while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
			size_t len = strlen(archive_entry_pathname(e));

			n++;
			longest = len > longest ? len : longest;
		}
		archive_read_free(a);
		assert_int_equal(n, DEPTH + 1);
		assert_int_equal(longest, 2 * DEPTH + strlen("bottom"));
	}
	free(b.p);
}

/* Write F->tmp/NAME.tar from SPEC: "d:path", "f:path", "l:path:target". */
static int
tar_of(struct fx *f, const char *name, const char *const *spec)
{
	char tarf[4096];
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	snprintf(tarf, sizeof(tarf), "%s/%s.tar", f->tmp, name);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, tarf), ARCHIVE_OK);
	for (; *spec; spec++) {
		char *p = strdup(*spec + 2), *t = strchr(p, ':');

		if (t)
			*t++ = '\0';
		archive_entry_clear(e);
		archive_entry_set_pathname(e, p);
		archive_entry_set_filetype(e, **spec == 'd' ? AE_IFDIR : **spec == 'l' ? AE_IFLNK : AE_IFREG);
		archive_entry_set_perm(e, 0755);
		if (t)
			archive_entry_set_symlink(e, t);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		free(p);
	}
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
	return open(tarf, O_RDONLY);
}

/* layer_sort's verdict on the tar SPEC: 0, or -1 with EXPECT in the message */
static void
links(struct fx *f, const char *const *spec, const char *expect)
{
	struct layer l;
	int fd = tar_of(f, "links", spec);

	layer_init(&l);
	assert_int_equal(layer_add_tar(&l, fd, f->tmp, &lerr), 0);	/* each link alone is fine */
	close(fd);
	if (layer_sort(&l, &lerr) != (expect ? -1 : 0))
		fail_msg("layer_sort: '%s'", expect ? "accepted" : lerr.msg);
	if (expect && !strstr(lerr.msg, expect))
		fail_msg("'%s' does not say '%s'", lerr.msg, expect);
	layer_free(&l);
}

static void
test_symlink_chains(void **state)
{
	struct fx *f = *state;
	struct layer l;

	/* the chain of the issue: each link's text stays inside, together
	 * they climb out, and x/canary/victim would be written above the root */
	links(f, (const char *const[]){ "d:d1", "d:d1/d2", "d:d1/d2/d3", "d:d1/d2/d3/d4", "d:d1/d2/d3/d4/d5",
		"l:d1/d2/d3/d4/d5/up:../../../../..", "l:x:d1/d2/d3/d4/d5/up/../../../../../..",
		"d:x/canary", "f:x/canary/victim", NULL },
	      "'x': symlink target 'd1/d2/d3/d4/d5/up/../../../../../..' climbs above the image root "
	      "(through the symlink 'd1/d2/d3/d4/d5/up'); refusing it");
	/* entries beneath a symlink, with or without the directory between */
	links(f, (const char *const[]){ "d:d1", "l:x:d1", "f:x/victim", NULL },
	      "'x/victim': 'x' above it is a symlink in the layer, which an extractor would write through");
	links(f, (const char *const[]){ "d:d1", "l:x:d1", "f:x/canary/victim", NULL },
	      "'x/canary/victim': 'x' above it is a symlink in the layer");
	/* through an absolute link, on from the root: still not above it */
	links(f, (const char *const[]){ "d:a", "d:a/b", "l:a/b/abs:/etc", "l:y:a/b/abs/../../..", NULL },
	      "'y': symlink target 'a/b/abs/../../..' climbs above the image root (through the symlink 'a/b/abs')");
	/* loops: bounded */
	links(f, (const char *const[]){ "l:a:b/x", "l:b:a/x", NULL }, "passes through more than 40 symlinks");
	/* what real trees do stays accepted: merged /usr, links through links */
	links(f, (const char *const[]){ "l:lib:usr/lib", "d:usr", "d:usr/lib", "l:usr/lib/libz.so:../../lib/libz.so.1",
		"f:usr/lib/libz.so.1", "l:bin:usr/bin", "d:usr/bin", "l:usr/bin/sh:bash", "f:usr/bin/bash",
		"l:sbin:/usr/bin", "l:usr/bin/x:../../sbin/sh", NULL }, NULL);
	/* a link 1000 levels down to 1500 more: bounded work, refused */
	{
		char *spec = malloc(8000), *l5[] = { spec, NULL };
		size_t k = 2;

		memcpy(spec, "l:", 2);
		for (int i = 0; i < 1000; i++, k += 2)
			memcpy(spec + k, "d/", 2);
		memcpy(spec + k, "l:", 2);
		for (k += 2; k < 2 + 2000 + 2 + 3000; k += 2)
			memcpy(spec + k, "a/", 2);
		spec[k - 1] = '\0';
		links(f, (const char *const *)l5, "takes more than 256 KiB of path to resolve");
		free(spec);
	}
	/* no target longer than a symlink can hold (bounds the resolution) */
	{
		char *spec = malloc(5000), *l5[] = { spec, NULL };
		int fd;

		memcpy(spec, "l:long:", 7);
		memset(spec + 7, 'a', 4200);
		spec[4207] = '\0';
		fd = tar_of(f, "long", (const char *const *)l5);
		layer_init(&l);
		assert_int_equal(layer_add_tar(&l, fd, f->tmp, &lerr), -1);
		assert_non_null(strstr(lerr.msg, "tar entry 'long': symlink target longer than 4095 bytes"));
		layer_free(&l);
		close(fd);
		free(spec);
	}
	/* an overlay that turns a directory of the rootfs into a symlink */
	assert_int_equal(tu_sh("mkdir -p '%s/ov2' && ln -s usr/bin '%s/ov2/a'", f->tmp, f->tmp), 0);
	layer_init(&l);
	assert_int_equal(layer_add_dir(&l, f->root, 0, &lerr), 0);
	{
		char ov[4096];

		snprintf(ov, sizeof(ov), "%s/ov2", f->tmp);
		assert_int_equal(layer_add_dir(&l, ov, 1, &lerr), 0);
	}
	assert_int_equal(layer_sort(&l, &lerr), -1);
	assert_non_null(strstr(lerr.msg, "'a/b': 'a' above it is a symlink in the layer"));
	layer_free(&l);
}

/* Only tar, with in-process filters: zip, 7z, iso9660 and cpio are
 * refused, and lzop (an external program here) is never run. */
static void
test_tar_only(void **state)
{
	struct fx *f = *state;
	static const struct { const char *name; int (*set)(struct archive *); } formats[] = {
		{ "zip", archive_write_set_format_zip },
		{ "7z", archive_write_set_format_7zip },
		{ "iso", archive_write_set_format_iso9660 },
		{ "cpio", archive_write_set_format_cpio_newc },
	};
	static const char lzo[64] = "\x89LZO\0\r\n\x1a\n\x10\x30\x20\x60\x09\x40\x01\x05\x03\x00\x00\x01";
	char path[4096], marker[4096], *oldpath;
	struct layer l;
	int fd;

	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		struct archive *a = archive_write_new();
		struct archive_entry *e = archive_entry_new();

		snprintf(path, sizeof(path), "%s/in.%s", f->tmp, formats[i].name);
		assert_int_equal(formats[i].set(a), ARCHIVE_OK);
		assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
		archive_entry_set_pathname(e, "file");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, 5);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, "hello", 5), 5);
		assert_int_equal(archive_write_close(a), ARCHIVE_OK);
		archive_write_free(a);
		archive_entry_free(e);
		fd = open(path, O_RDONLY);
		layer_init(&l);
		if (layer_add_tar(&l, fd, f->tmp, &lerr) != -1)
			fail_msg("%s: accepted, %zu entries", formats[i].name, l.n);
		if (!strstr(lerr.msg, "not a tar archive") ||
		    !strstr(lerr.msg, "ustar, pax or GNU; uncompressed, gzip, bzip2, xz, zstd)"))
			fail_msg("%s: '%s'", formats[i].name, lerr.msg);
		close(fd);
		layer_free(&l);
	}
	/* a fake lzop first on PATH would leave a marker if it ran */
	snprintf(marker, sizeof(marker), "%s/lzop-ran", f->tmp);
	assert_int_equal(tu_sh("mkdir '%s/bin' && printf '#!/bin/sh\\ntouch %s\\ncat >/dev/null\\n' > '%s/bin/lzop' && "
			       "chmod +x '%s/bin/lzop'", f->tmp, marker, f->tmp, f->tmp), 0);
	snprintf(path, sizeof(path), "%s/in.tar.lzo", f->tmp);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	assert_int_equal(write(fd, lzo, sizeof(lzo)), sizeof(lzo));
	lseek(fd, 0, SEEK_SET);
	oldpath = strdup(getenv("PATH"));
	snprintf(path, sizeof(path), "%s/bin:%s", f->tmp, oldpath);
	setenv("PATH", path, 1);
	layer_init(&l);
	assert_int_equal(layer_add_tar(&l, fd, f->tmp, &lerr), -1);
	setenv("PATH", oldpath, 1);
	free(oldpath);
	close(fd);
	assert_non_null(strstr(lerr.msg, "not a tar archive"));
	layer_free(&l);
	assert_int_equal(access(marker, F_OK), -1);
}

/* A sparse entry declaring 3 GiB in a tar of a few KiB: refused before any
 * of it is spooled (GNU and pax sparse formats). */
static void
test_sparse_refused(void **state)
{
	struct fx *f = *state;
	static const char *const fmts[] = { "gnu", "posix" };

	assert_int_equal(tu_sh("cd '%s' && truncate -s 3G big && printf data | dd of=big bs=1 seek=1048576 conv=notrunc status=none",
			       f->tmp), 0);
	for (size_t i = 0; i < 2; i++) {
		char tarf[4096];
		struct layer l;
		struct stat st;
		int fd;

		snprintf(tarf, sizeof(tarf), "%s/sparse-%s.tar", f->tmp, fmts[i]);
		assert_int_equal(tu_sh("tar --sparse --format=%s -C '%s' -cf '%s' big", fmts[i], f->tmp, tarf), 0);
		assert_int_equal(stat(tarf, &st), 0);
		assert_true(st.st_size < 64 * 1024);
		fd = open(tarf, O_RDONLY);
		layer_init(&l);
		assert_int_equal(layer_add_tar(&l, fd, f->tmp, &lerr), -1);
		if (!strstr(lerr.msg, "tar entry 'big': a sparse file (declared size 3221225472 bytes); sparse entries are not supported"))
			fail_msg("%s: '%s'", fmts[i], lerr.msg);
		assert_true(l.spoolsize < 1024 * 1024);
		close(fd);
		layer_free(&l);
	}
}

/* --- layer_diff: the layer of a child image --- */

/* the image archive OUT of the root ROOT, one layer, as mkimage writes it */
static void
parent_archive(const char *root, const char *out)
{
	char name[] = "/tmp/sm-layer-parent-XXXXXX";
	int lfd = mkstemp(name), fd;
	struct layer l;
	struct zsink *z;
	struct zsink_result res;
	struct oci_layer ol = { .media_type = "application/vnd.oci.image.layer.v1.tar+gzip" };
	struct oci_image img = { 0 };
	const char *tags[] = { "parent:1" };
	json_t *history = json_pack("[{s:s}]", "created_by", "scratchmerge mkimage parent");

	unlink(name);
	layer_init(&l);
	assert_int_equal(layer_add_dir(&l, root, 0, &lerr), 0);
	assert_int_equal(layer_sort(&l, &lerr), 0);
	assert_non_null(z = zsink_open(lfd, ZSINK_GZIP, -1, 1));
	assert_int_equal(layer_write(&l, 1700000000, (int (*)(void *, const void *, size_t))zsink_write, z, &lerr), 0);
	assert_int_equal(zsink_close(z, &res), 0);
	layer_free(&l);
	ol.fd = lfd;
	ol.size = res.csize;
	for (int i = 0; i < 32; i++) {
		sprintf(ol.digest + 2 * i, "%02x", res.csha[i]);
		sprintf(ol.diff_id + 2 * i, "%02x", res.usha[i]);
	}
	img.layers = &ol;
	img.nlayers = 1;
	img.history = history;
	img.runtime = json_object();
	img.annotations = json_object();
	img.arch = "amd64";
	img.created = 1700000000;
	img.tags = tags;
	img.ntags = 1;
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(oci_write(&img, fd, &lerr), 0);
	close(fd);
	close(lfd);
	json_decref(history);
	json_decref(img.runtime);
	json_decref(img.annotations);
}

/* the layer of CHILD (a root) over the image archive PARENT, listed one
 * entry a line: "path", "path -> symlink", "path => hardlink", and with
 * ATTRS the mode and owner; N gets layer_diff's count */
static char *
diff_listing(const char *parent, const char *child, int attrs, int *n)
{
	struct imgtar t;
	struct layer l;
	struct buf b = { 0 };
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *out = calloc(1, 1 << 16);

	assert_int_equal(imgtar_read(&t, parent, &lerr), 0);
	layer_init(&l);
	assert_int_equal(layer_add_dir(&l, child, 0, &lerr), 0);
	assert_int_equal(layer_sort(&l, &lerr), 0);
	*n = layer_diff(&l, &t, &lerr);
	assert_true(*n >= 0);
	assert_int_equal(layer_write(&l, 1700000000, collect, &b, &lerr), 0);
	layer_free(&l);
	imgtar_free(&t);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, b.p, b.n), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		char *o = out + strlen(out);

		o += sprintf(o, "%s", archive_entry_pathname(e));
		if (archive_entry_symlink(e))
			o += sprintf(o, " -> %s", archive_entry_symlink(e));
		if (archive_entry_hardlink(e))
			o += sprintf(o, " => %s", archive_entry_hardlink(e));
		if (attrs)
			o += sprintf(o, " %o %d:%d", (unsigned)archive_entry_mode(e), (int)archive_entry_uid(e),
				     (int)archive_entry_gid(e));
		strcat(o, "\n");
	}
	archive_read_free(a);
	free(b.p);
	return out;
}

/* the parent's root, the child's, the parent's archive, below F's tmp */
struct droots {
	char parent[4096], child[4096], arch[4096];
};

static void
droots(const struct fx *f, struct droots *d)
{
	snprintf(d->parent, sizeof(d->parent), "%s/p", f->tmp);
	snprintf(d->child, sizeof(d->child), "%s/c", f->tmp);
	snprintf(d->arch, sizeof(d->arch), "%s/parent.tar", f->tmp);
}

static void
test_diff(void **state)
{
	struct droots d;
	char *parent = d.parent, *child = d.child, *arch = d.arch, *got;
	int n;

	droots(*state, &d);
	assert_int_equal(tu_sh("set -e; mkdir -p '%s' && cd '%s' && mkdir -p etc dirgone/sub d2f hl hl2 hl3 hl4 var/lib/own && "
			       "printf same > etc/keep && printf old > etc/mod && printf x > etc/gone && printf m > etc/mtime && "
			       "printf p > etc/perm && printf a > dirgone/sub/a && printf x > d2f/x && printf file > f2d && "
			       "ln -s etc/keep link && ln -s etc/keep samelink && printf H > hl/a && ln hl/a hl/b && "
			       "printf G > hl2/a && printf K > hl3/a && ln hl3/a hl3/b && printf L > hl4/a && ln hl4/a hl4/b && "
			       "ln hl4/a hl4/c && printf o > var/lib/own/old && chown -R 33:33 var/lib/own && chmod 0750 var/lib/own && "
			       "find . -exec touch -h -d @1600000000 {} +",
			       parent, parent), 0);
	parent_archive(parent, arch);
	/* the child: the parent's files (mtimes kept or not), changed */
	assert_int_equal(tu_sh("set -e; cp -a '%s' '%s' && cd '%s' && printf new > etc/mod && rm etc/gone && "
			       "touch -d @1650000000 etc/mtime && chmod 0600 etc/perm && rm -r dirgone d2f && printf now > d2f && "
			       "rm f2d && mkdir f2d && printf y > f2d/y && ln -sfn etc/mod link && ln hl2/a hl2/b && "
			       "rm hl3/b && cp hl3/a hl3/b && rm hl4/a && printf n > var/lib/own/new",
			       parent, child, child), 0);
	got = diff_listing(arch, child, 0, &n);
	assert_string_equal(got,
		".wh.dirgone\n"		/* a directory gone: one whiteout, none below it */
		"d2f\n"			/* a file over a directory: nothing of it below */
		"etc/\n"
		"etc/.wh.gone\n"
		"etc/mod\n"			/* content */
		"etc/perm\n"			/* mode; etc/mtime, only its mtime changed, is not here */
		"f2d/\n"			/* a directory over a file */
		"f2d/y\n"
		"hl2/\n"
		"hl2/a\n"			/* a hardlink group grew: all of it, in this layer */
		"hl2/b => hl2/a\n"
		"hl3/\n"
		"hl3/a\n"			/* a group split: two files */
		"hl3/b\n"
		"hl4/\n"
		"hl4/.wh.a\n"			/* the group's first path went; b and c stay one inode below */
		"link -> etc/mod\n"		/* a symlink retargeted; samelink is not here */
		"var/\n"
		"var/lib/\n"
		"var/lib/own/\n"
		"var/lib/own/new\n");
	assert_int_equal(n, 21);
	free(got);
	/* the directories above a change come with their own mode and owner */
	got = diff_listing(arch, child, 1, &n);
	assert_non_null(strstr(got, "var/lib/own/ 40750 33:33\n"));
	free(got);
}

static void
test_diff_nothing(void **state)
{
	struct fx *f = *state;
	struct droots d;
	char *parent = d.parent, *child = d.child, *arch = d.arch, *got;
	int n;

	droots(f, &d);
	assert_int_equal(tu_sh("set -e; cp -a '%s' '%s' && cp -a '%s' '%s'", f->root, parent, f->root, child), 0);
	parent_archive(parent, arch);
	got = diff_listing(arch, child, 0, &n);
	assert_int_equal(n, 0);	/* the same root: an empty difference */
	assert_string_equal(got, "");
	free(got);
	/* a file that was there, gone from the root's top directory */
	assert_int_equal(tu_sh("rm '%s/etc/conf'", child), 0);
	got = diff_listing(arch, child, 0, &n);
	assert_string_equal(got, "etc/\netc/.wh.conf\n");
	free(got);
}

static void
test_whiteout_names_refused(void **state)
{
	struct fx *f = *state;
	struct layer l;

	assert_int_equal(tu_sh("mkdir -p '%s/wh/a' && touch '%s/wh/a/.wh.x'", f->tmp, f->tmp), 0);
	layer_init(&l);
	{
		char d[4096];

		snprintf(d, sizeof(d), "%s/wh", f->tmp);
		assert_int_equal(layer_add_dir(&l, d, 0, &lerr), 0);
	}
	assert_int_equal(layer_sort(&l, &lerr), -1);
	assert_non_null(strstr(lerr.msg, "'a/.wh.x': a name that starts with \".wh.\" is a whiteout"));
	layer_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_equals_tar_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escapes_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tar_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_names_refused, setup, teardown),
	};
	return cmocka_run_group_tests_name("layer", tests, NULL, NULL);
}
