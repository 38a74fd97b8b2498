/* copy: every file type, mode bits, owners, xattrs and capabilities,
 * hardlinks, symlinked parents, and writes that try to leave DEST. */
#include <errno.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "testutil.h"
#include "../../helpers/lib/copy.h"

struct fx {
	char *src, *dst, *outside;
	struct copy_ctx c;
	struct err e;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *s;

	f->src = tu_tmpdir();
	f->dst = tu_tmpdir();
	f->outside = tu_tmpdir();
	s = f->src;
	assert_int_equal(tu_sh(
		"cd '%s' && mkdir -p lib64 usr/bin usr/share/doc etc/ssl && ln -s lib64 lib && "
		"printf 'libc' > lib64/libc.so.6 && ln lib64/libc.so.6 lib64/hardlink && "
		"printf 'prog' > usr/bin/prog && chmod 4755 usr/bin/prog && "
		"printf 'ping' > usr/bin/ping && chown 0:0 usr/bin/ping && chmod 0750 usr/bin/ping && "
		"chown 123:456 usr/bin/prog && chmod 4755 usr/bin/prog && "
		"ln -s ../lib64/libc.so.6 usr/bin/rel-link && ln -s /etc/ssl usr/bin/abs-link && "
		"mkfifo usr/share/fifo && mknod usr/share/null c 1 3 && "
		"chmod 2750 usr/share/doc && touch -h -d @1600000000 usr/bin/rel-link && "
		"touch -d @1500000000 lib64/libc.so.6 usr/share/doc && "
		"setfattr -n user.test -v hello usr/bin/prog && "
		"setcap cap_net_raw+ep usr/bin/ping && "
		"printf 'x' > 'usr/share/doc/with space' && touch -d @1500000000 usr/share/doc", s), 0);
	assert_int_equal(copy_init(&f->c, f->src, f->dst, NULL), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	tu_rmtree(f->src);
	tu_rmtree(f->dst);
	tu_rmtree(f->outside);
	free(f);
	return 0;
}

static void
dst_stat(struct fx *f, const char *rel, struct stat *st)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", f->dst, rel);
	assert_int_equal(lstat(p, st), 0);
}

static void
test_types_and_modes(void **state)
{
	struct fx *f = *state;
	static const char *list[] = {
		"/usr/bin/prog", "/usr/bin/rel-link", "/usr/bin/abs-link",
		"/usr/share/fifo", "/usr/share/null", "/usr/share/doc", "/usr/share/doc/with space",
	};
	struct stat st;
	char buf[64], p[4096];
	ssize_t n;

	for (size_t i = 0; i < sizeof(list) / sizeof(*list); i++)
		assert_int_equal(copy_path(&f->c, list[i], &f->e), 0);
	assert_int_equal(copy_finish(&f->c, &f->e), 0);

	dst_stat(f, "usr/bin/prog", &st);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 04755);	/* setuid survives chown */
	assert_int_equal(st.st_uid, 123);
	assert_int_equal(st.st_gid, 456);
	assert_int_equal(st.st_size, 4);
	snprintf(p, sizeof(p), "%s/usr/bin/prog", f->dst);
	n = getxattr(p, "user.test", buf, sizeof(buf));
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);

	dst_stat(f, "usr/bin/rel-link", &st);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_mtime, 1600000000);
	snprintf(p, sizeof(p), "%s/usr/bin/abs-link", f->dst);
	n = readlink(p, buf, sizeof(buf));
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "/etc/ssl", 8);	/* kept as is, not followed */
	assert_false(tu_exists(f->dst, "etc"));

	dst_stat(f, "usr/share/fifo", &st);
	assert_true(S_ISFIFO(st.st_mode));
	dst_stat(f, "usr/share/null", &st);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 1);
	assert_int_equal(minor(st.st_rdev), 3);
	dst_stat(f, "usr/share/doc", &st);
	assert_int_equal(st.st_mode & 07777, 02750);
	assert_int_equal(st.st_mtime, 1500000000);	/* set after its contents */
	assert_true(tu_exists(f->dst, "usr/share/doc/with space"));
}

static void
test_capability(void **state)
{
	struct fx *f = *state;
	char a[64], b[64], p[4096];
	ssize_t na, nb;

	assert_int_equal(copy_path(&f->c, "usr/bin/ping", &f->e), 0);
	assert_int_equal(copy_finish(&f->c, &f->e), 0);
	snprintf(p, sizeof(p), "%s/usr/bin/ping", f->src);
	na = getxattr(p, "security.capability", a, sizeof(a));
	snprintf(p, sizeof(p), "%s/usr/bin/ping", f->dst);
	nb = getxattr(p, "security.capability", b, sizeof(b));
	assert_true(na > 0);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	assert_int_equal(tu_sh("getcap '%s' | grep -q cap_net_raw", p), 0);
}

static void
test_symlinked_parent_and_hardlinks(void **state)
{
	struct fx *f = *state;
	struct stat a, b;

	/* /lib -> lib64 in the source: the same link in DEST, files in lib64 */
	assert_int_equal(copy_path(&f->c, "/lib/libc.so.6", &f->e), 0);
	assert_int_equal(copy_path(&f->c, "/lib/hardlink", &f->e), 0);
	assert_int_equal(copy_finish(&f->c, &f->e), 0);
	dst_stat(f, "lib", &a);
	assert_true(S_ISLNK(a.st_mode));
	dst_stat(f, "lib64", &a);
	assert_true(S_ISDIR(a.st_mode));
	dst_stat(f, "lib64/libc.so.6", &a);
	dst_stat(f, "lib64/hardlink", &b);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_nlink, 2);
	assert_int_equal(a.st_mtime, 1500000000);
}

static void
test_dest_symlink_attack(void **state)
{
	struct fx *f = *state;
	char p[4096], cmd[8192];

	/* DEST/usr -> outside: copying /usr/bin/prog must not write there */
	snprintf(p, sizeof(p), "%s/usr", f->dst);
	assert_int_equal(symlink(f->outside, p), 0);
	assert_int_equal(copy_path(&f->c, "/usr/bin/prog", &f->e), -1);
	assert_int_equal(errno, ELOOP);
	assert_string_equal(f->e.msg, "/usr is a symlink in the destination where the source has a directory; "
				      "refusing to follow it");
	/* a final component that is a link out is replaced, not written through */
	snprintf(p, sizeof(p), "%s/lib64", f->dst);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/lib64/libc.so.6", f->dst);
	snprintf(cmd, sizeof(cmd), "%s/target", f->outside);
	assert_int_equal(symlink(cmd, p), 0);
	assert_int_equal(copy_path(&f->c, "/lib64/libc.so.6", &f->e), 0);
	assert_int_equal(copy_finish(&f->c, &f->e), 0);
	assert_int_equal(tu_sh("test -z \"$(ls -A '%s')\"", f->outside), 0);
	assert_int_equal(tu_sh("test -f '%s/lib64/libc.so.6' && ! test -L '%s/lib64/libc.so.6'", f->dst, f->dst), 0);
}

/* A directory of DEST swapped for a link out between two files of it: the
 * second file is refused (the parent was resolved before), not written
 * through the link. */
static void
test_dest_symlink_swapped(void **state)
{
	struct fx *f = *state;

	assert_int_equal(copy_path(&f->c, "/usr/bin/prog", &f->e), 0);
	assert_int_equal(tu_sh("mv '%s/usr/bin' '%s/bin.old' && ln -s '%s' '%s/usr/bin'", f->dst, f->dst, f->outside,
			       f->dst), 0);
	assert_int_equal(copy_path(&f->c, "/usr/bin/ping", &f->e), -1);
	assert_int_equal(errno, ELOOP);
	assert_string_equal(f->e.msg, "/usr/bin/ping: Too many levels of symbolic links");
	assert_int_equal(copy_path(&f->c, "/usr/bin/rel-link", &f->e), -1);
	assert_int_equal(errno, ELOOP);
	copy_finish(&f->c, &f->e);
	assert_int_equal(tu_sh("test -z \"$(ls -A '%s')\"", f->outside), 0);
}

static void
test_missing_and_dotdot(void **state)
{
	struct fx *f = *state;

	assert_int_equal(copy_path(&f->c, "/usr/bin/nope", &f->e), -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(f->e.msg, "");	/* the listed path itself is missing */
	assert_int_equal(copy_path(&f->c, "/usr/../../etc/passwd", &f->e), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(f->e.msg, "/usr/../../etc/passwd has a \"..\" component");
	assert_int_equal(copy_finish(&f->c, &f->e), 0);
	assert_int_equal(tu_sh("test -z \"$(ls -A '%s')\"", f->outside), 0);
}

static void
test_threads(void **state)
{
	struct fx *f = *state;
	char p[4096];
	struct stat st;

	/* many files through two workers: same result as in one thread */
	assert_int_equal(tu_sh("cd '%s' && mkdir -p many && for i in $(seq 300); do "
			       "printf \"file $i\" > many/f$i; chmod 0640 many/f$i; done && chown 7:8 many/f7 && "
			       "chmod 2755 many/f9", f->src), 0);
	f->c.threads = 2;
	for (int i = 1; i <= 300; i++) {
		snprintf(p, sizeof(p), "/many/f%d", i);
		assert_int_equal(copy_path(&f->c, p, &f->e), 0);
	}
	/* a directory in the way of a file fails in the worker */
	snprintf(p, sizeof(p), "%s/usr/bin/prog", f->dst);
	assert_int_equal(tu_sh("mkdir -p '%s'", p), 0);
	assert_int_equal(copy_path(&f->c, "/usr/bin/prog", &f->e), 0);
	assert_int_equal(copy_finish(&f->c, &f->e), -1);
	assert_int_equal(errno, EISDIR);
	assert_string_equal(f->e.msg, "/usr/bin/prog is a directory in the destination but not in the source");
	assert_int_equal(tu_sh("cd '%s' && for i in $(seq 300); do [ \"$(cat many/f$i)\" = \"file $i\" ] || exit 1; done", f->dst), 0);
	dst_stat(f, "many/f7", &st);
	assert_int_equal(st.st_uid, 7);
	assert_int_equal(st.st_gid, 8);
	assert_int_equal(st.st_mode & 07777, 0640);
	dst_stat(f, "many/f9", &st);
	assert_int_equal(st.st_mode & 07777, 02755);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_types_and_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capability, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_parent_and_hardlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dest_symlink_attack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dest_symlink_swapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_dotdot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};
	int r = cmocka_run_group_tests_name("copy", tests, NULL, NULL);

	/* again, with the userspace walk of path_openat2 (no openat2) */
	return r + cmocka_run_group_tests_name("copy, openat2 fallback", tests, tu_walk_on, tu_walk_off);
}
