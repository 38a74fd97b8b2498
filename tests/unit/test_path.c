/* path: path_clean, and path_openat2's userspace walk (the fallback where
 * openat2 is missing) against openat2 itself, case by case; the escapes
 * it must refuse; how the fallback is chosen (ENOSYS and EPERM from a
 * seccomp filter, SCRATCHMERGE_NO_OPENAT2, a real call's EPERM). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "testutil.h"
#include "../../helpers/lib/path.h"

#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
#define NOSYM (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)

/* The shapes of a root: directories, files, relative and absolute links,
 * links with "..", dangling links, loops, a chain of 41 links (c0 -> c1
 * -> ... -> c40 -> f), a link to "/", to "." and to a directory with a
 * trailing "/". */
static const char tree[] =
	"mkdir -p d/sub etc && echo top > f && echo inside > etc/passwd && echo df > d/f && "
	"ln -s d ld && ln -s f lf && ln -s nope dangle && ln -s nodir/x dangle_dir && ln -s d/nope dangle_in && "
	"ln -s /d abs && ln -s /f absf && ln -s /etc/passwd abspw && ln -s ../../.. up && ln -s ../../d upd && "
	"ln -s ../../../../../../etc/passwd relpw && ln -s ../f d/back && ln -s ../../ld/sub d/sub/deep && "
	"ln -s /ld/f d/abs2 && ln -s loop2 loop1 && ln -s loop1 loop2 && ln -s self self && "
	"ln -s / lroot && ln -s . ldot && ln -s d/ ltrail && ln -s /proc/self lproc && ln -s f/ lfslash && "
	"for i in $(seq 0 39); do ln -s c$((i + 1)) c$i; done && ln -s f c40";

struct fx {
	char *root, *root2, *outside;
	int rfd, rfd2;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *r;

	f->root = realpath(r = tu_tmpdir(), NULL);
	free(r);
	f->root2 = realpath(r = tu_tmpdir(), NULL);
	free(r);
	f->outside = tu_tmpdir();
	assert_int_equal(tu_sh("cd '%s' && %s", f->root, tree), 0);
	assert_int_equal(tu_sh("cd '%s' && %s", f->root2, tree), 0);
	assert_int_equal(tu_sh("echo victim > '%s/victim'", f->outside), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(tu_sh("cd '%s' && ln -s '%s' out && ln -s '%s/victim' outf",
				       i ? f->root2 : f->root, f->outside, f->outside), 0);
	f->rfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->rfd2 = open(f->root2, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->rfd >= 0 && f->rfd2 >= 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	close(f->rfd);
	close(f->rfd2);
	tu_rmtree(f->root);
	tu_rmtree(f->root2);
	tu_rmtree(f->outside);
	free(f);
	return 0;
}

/* what an open gave: errno, or the file's path below ROOT and its type */
struct res {
	int err;
	mode_t type;
	char rel[4096];
};

static void
outcome(int fd, const char *root, struct res *r)
{
	char link[64], buf[4096];
	struct stat st;
	size_t rl = strlen(root);
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (fd < 0) {
		r->err = errno;
		return;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	snprintf(r->rel, sizeof(r->rel), "%s", strncmp(buf, root, rl) ? buf : buf + rl);
	assert_int_equal(fstat(fd, &st), 0);
	r->type = st.st_mode & S_IFMT;
	close(fd);
}

static int
walk(int dirfd, const char *path, int flags, int mode, unsigned long long resolve)
{
	int fd;

	path_force_fallback(1);
	fd = path_openat2(dirfd, path, flags, mode, resolve);
	path_force_fallback(0);
	return fd;
}

/* the walk alone: "ERRNO" or "rel TYPE" ("/d dir") */
static const char *
w(struct fx *f, const char *path, int flags, unsigned long long resolve)
{
	static char out[4200];
	struct res r;

	outcome(walk(f->rfd, path, flags, (flags & O_CREAT) ? 0644 : 0, resolve), f->root, &r);
	if (r.err)
		snprintf(out, sizeof(out), "%s", strerrorname_np(r.err));
	else
		snprintf(out, sizeof(out), "%s %s", *r.rel ? r.rel : "/",
			 S_ISDIR(r.type) ? "dir" : S_ISREG(r.type) ? "file" : S_ISLNK(r.type) ? "link" : "other");
	return out;
}

static void
test_clean(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(path_clean("//usr/./lib//x/", out, sizeof(out)), 0);
	assert_string_equal(out, "usr/lib/x");
	assert_int_equal(path_clean("/", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(path_clean("/usr/../etc", out, sizeof(out)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(path_clean("/a/very/long/path", out, sizeof(out)), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

/* Every path of a table, with every flag set and scope the helpers use
 * (and a few more), through openat2 in one copy of the tree and through
 * the walk in another: the same errno, or the same file. */
static void
test_walk_same_as_openat2(void **state)
{
	struct fx *f = *state;
	static const char *paths[] = {
		"", ".", "/", "..", "../..", "d", "d/", "d//", "d/.", "d/./", "d/..", "d/../..", "/d/f",
		"//d///f", "d/f/", "f", "f/", "ld", "ld/", "ld/f", "ld/sub/", "ld/../f", "lf", "lf/", "dangle",
		"dangle/", "dangle_dir", "dangle_dir/", "dangle_in", "dangle_in/", "abs", "abs/f", "absf",
		"abspw", "up", "up/d/f", "upd/f", "relpw", "d/back", "d/sub/deep", "d/sub/deep/../f", "d/abs2",
		"loop1", "loop1/x", "self", "c0", "c1", "c39", "lroot", "lroot/d", "lroot/..", "ldot/d", "ltrail",
		"ltrail/f", "ltrail/", "lproc", "lfslash", "out", "out/victim", "outf", "nonexist", "nonexist/",
		"nonexist/x", "d/sub/../../f", "./d/../ld/./f",
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	};
	static const int flags[] = {
		O_RDONLY, O_RDONLY | O_NOFOLLOW, O_PATH, O_PATH | O_NOFOLLOW, O_PATH | O_DIRECTORY,
		O_RDONLY | O_DIRECTORY, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, O_RDONLY | O_NONBLOCK | O_NOCTTY,
		O_WRONLY, O_WRONLY | O_CREAT, O_WRONLY | O_CREAT | O_EXCL, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
	};
	static const unsigned long long resolves[] = {
		IN_ROOT, RESOLVE_IN_ROOT, NOSYM, RESOLVE_BENEATH, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS,
	};
	char report[16384] = "", deep[4200];
	size_t n = 0, bad = 0;
	struct open_how how = { .flags = O_PATH };

	if (syscall(SYS_openat2, f->rfd, ".", &how, sizeof(how)) < 0 && (errno == ENOSYS || errno == EPERM))
		skip();	/* nothing to compare with */
	memset(deep, 'a', 4100);	/* "a/a/a/...": too long a path */
	for (size_t i = 1; i < 4100; i += 2)
		deep[i] = '/';
	deep[4100] = '\0';
	for (size_t r = 0; r < sizeof(resolves) / sizeof(*resolves); r++)
		for (size_t j = 0; j < sizeof(flags) / sizeof(*flags); j++)
			for (size_t i = 0; i <= sizeof(paths) / sizeof(*paths); i++) {
				const char *p = i < sizeof(paths) / sizeof(*paths) ? paths[i] : deep;
				int mode = (flags[j] & O_CREAT) ? 0644 : 0;
				struct open_how h = { .flags = flags[j] | O_CLOEXEC, .mode = mode, .resolve = resolves[r] };
				struct res a, b;
				size_t l = strlen(report);

				outcome((int)syscall(SYS_openat2, f->rfd, p, &h, sizeof(h)), f->root, &a);
				outcome(walk(f->rfd2, p, flags[j], mode, resolves[r]), f->root2, &b);
				n++;
				if (a.err == b.err && a.type == b.type && !strcmp(a.rel, b.rel))
					continue;
				bad++;
				snprintf(report + l, sizeof(report) - l,
					 "\"%.40s\" flags %o resolve %llx: openat2 %s %s %o, walk %s %s %o\n", p,
					 flags[j], resolves[r], strerrorname_np(a.err) ?: "-", a.rel, a.type,
					 strerrorname_np(b.err) ?: "-", b.rel, b.type);
			}
	if (bad) {
		fprintf(stderr, "%s", report);
		fail_msg("%zu of %zu cases differ (above)", bad, n);
	}
	/* the trees were changed alike (O_CREAT through dangling links) */
	assert_int_equal(tu_sh("cd '%s' && find . | sort > ../a.$$ && cd '%s' && find . | sort | "
			       "cmp -s - ../a.$$; r=$?; rm -f ../a.$$; exit $r", f->root, f->root2), 0);
}

/* The walk's answers: "ERRNO", or "FILE TYPE" below the root */
struct wcase {
	const char *path;
	int flags;
	unsigned long long resolve;
	const char *want;
};

static void
expect_walks(struct fx *f, const struct wcase *c, size_t n)
{
	char report[8192] = "";
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		const char *got = w(f, c[i].path, c[i].flags, c[i].resolve);
		size_t l = strlen(report);

		if (strcmp(got, c[i].want) && ++bad)
			snprintf(report + l, sizeof(report) - l, "\"%s\" flags %o resolve %llx: want %s, got %s\n",
				 c[i].path, c[i].flags, c[i].resolve, c[i].want, got);
	}
	if (bad) {
		fprintf(stderr, "%s", report);
		fail_msg("%zu of %zu cases wrong (above)", bad, n);
	}
}

/* Loops and chains (the kernel's bound: 40 links), relative and absolute
 * links, the last component's flags, RESOLVE_NO_SYMLINKS. */
static void
test_walk_links(void **state)
{
	static const struct wcase c[] = {
		{ "loop1", O_RDONLY, IN_ROOT, "ELOOP" },
		{ "loop1/x", O_PATH, IN_ROOT, "ELOOP" },
		{ "self", O_PATH, IN_ROOT, "ELOOP" },
		{ "c1", O_RDONLY, IN_ROOT, "/f file" },		/* 40 links */
		{ "c0", O_RDONLY, IN_ROOT, "ELOOP" },		/* 41 */
		{ "ld/f", O_RDONLY, IN_ROOT, "/d/f file" },
		{ "abs/f", O_RDONLY, IN_ROOT, "/d/f file" },	/* absolute: from the root */
		{ "d/abs2", O_RDONLY, IN_ROOT, "/d/f file" },	/* /ld/f: a link in a link */
		{ "d/sub/deep", O_PATH, IN_ROOT, "/d/sub dir" },
		{ "ld", O_PATH | O_NOFOLLOW, IN_ROOT, "/ld link" },
		{ "ld", O_RDONLY | O_NOFOLLOW, IN_ROOT, "ELOOP" },
		{ "ld/", O_RDONLY | O_NOFOLLOW, IN_ROOT, "/d dir" },	/* a "/" follows */
		{ "ltrail", O_RDONLY, IN_ROOT, "/d dir" },
		{ "lf/", O_RDONLY, IN_ROOT, "ENOTDIR" },
		{ "dangle/", O_RDONLY, IN_ROOT, "ENOENT" },
		{ "nonexist/", O_RDONLY, IN_ROOT, "ENOENT" },
		/* RESOLVE_NO_SYMLINKS: any link on the way, at the end unless O_NOFOLLOW */
		{ "ld/f", O_RDONLY, NOSYM, "ELOOP" },
		{ "lf", O_RDONLY, NOSYM, "ELOOP" },
		{ "lf", O_PATH | O_NOFOLLOW, NOSYM, "/lf link" },
		{ "lf", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, NOSYM, "EEXIST" },
		{ "d/f", O_RDONLY, NOSYM, "/d/f file" },
	};

	expect_walks(*state, c, sizeof(c) / sizeof(*c));
}

/* Nothing outside the root: "..", absolute and relative links out. */
static void
test_walk_escapes(void **state)
{
	static const struct wcase c[] = {
		{ "..", O_PATH, IN_ROOT, "/ dir" },
		{ "../../../etc/passwd", O_RDONLY, IN_ROOT, "/etc/passwd file" },
		{ "abspw", O_RDONLY, IN_ROOT, "/etc/passwd file" },
		{ "relpw", O_RDONLY, IN_ROOT, "/etc/passwd file" },
		{ "up/d/f", O_RDONLY, IN_ROOT, "/d/f file" },
		{ "lroot/..", O_PATH, IN_ROOT, "/ dir" },
		/* a link to the outside directory is resolved inside: nothing there */
		{ "out/victim", O_RDONLY, IN_ROOT, "ENOENT" },
		{ "outf", O_RDONLY, IN_ROOT, "ENOENT" },
		{ "outf", O_WRONLY | O_CREAT, IN_ROOT, "ENOENT" },	/* its parents are missing */
		/* O_CREAT through a dangling absolute link: inside the root */
		{ "dangle_abs", O_WRONLY | O_CREAT, IN_ROOT, "/made-here file" },
		/* RESOLVE_BENEATH: any way out is EXDEV */
		{ "..", O_PATH, RESOLVE_BENEATH, "EXDEV" },
		{ "d/../..", O_PATH, RESOLVE_BENEATH, "EXDEV" },
		{ "/d", O_PATH, RESOLVE_BENEATH, "EXDEV" },
		{ "abs", O_PATH, RESOLVE_BENEATH, "EXDEV" },
		{ "up", O_PATH, RESOLVE_BENEATH, "EXDEV" },
		{ "d/back", O_RDONLY, RESOLVE_BENEATH, "/f file" },
	};
	struct fx *f = *state;
	char buf[16] = "";
	int fd;

	assert_int_equal(tu_sh("ln -s /made-here '%s/dangle_abs'", f->root), 0);
	expect_walks(f, c, sizeof(c) / sizeof(*c));
	assert_int_equal(tu_sh("test \"$(cat '%s/victim')\" = victim", f->outside), 0);
	assert_false(access("/made-here", F_OK) == 0);
	/* the decoy inside, not the machine's */
	fd = walk(f->rfd, "relpw", O_RDONLY, 0, IN_ROOT);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 7);
	assert_string_equal(buf, "inside\n");
	close(fd);
}

/* Empty components, ".", "..", trailing slashes, the root itself. */
static void
test_walk_components(void **state)
{
	static const struct wcase c[] = {
		{ "", O_PATH, IN_ROOT, "ENOENT" },
		{ "/", O_PATH, IN_ROOT, "/ dir" },
		{ "//d///f", O_RDONLY, IN_ROOT, "/d/f file" },
		{ "./d/./f", O_RDONLY, IN_ROOT, "/d/f file" },
		{ "d/sub/../../f", O_RDONLY, IN_ROOT, "/f file" },
		{ "d//", O_RDONLY, IN_ROOT, "/d dir" },
		{ "d/", O_WRONLY | O_CREAT, IN_ROOT, "EISDIR" },
		{ "d/.", O_WRONLY | O_CREAT | O_EXCL, IN_ROOT, "EEXIST" },
		{ "f/", O_RDONLY, IN_ROOT, "ENOTDIR" },
		{ "f/x", O_RDONLY, IN_ROOT, "ENOTDIR" },
		{ "d/new", O_WRONLY | O_CREAT | O_EXCL, NOSYM, "/d/new file" },
		{ "d/new", O_WRONLY | O_CREAT | O_EXCL, NOSYM, "EEXIST" },
	};

	expect_walks(*state, c, sizeof(c) / sizeof(*c));
}

/* The helpers' calls, through whichever resolver the group chose: a
 * parent through a link, the root as "", escapes kept inside. */
static void
test_in_root(void **state)
{
	struct fx *f = *state;
	const char *base;
	char buf[16] = "";
	struct res r;
	int fd;

	outcome(path_open_parent(f->rfd, "ld/sub", &base), f->root, &r);
	assert_string_equal(base, "sub");
	assert_string_equal(r.rel, "/d");
	outcome(path_openat_in_root(f->rfd, "", O_PATH, 0), f->root, &r);
	assert_string_equal(r.rel, "");
	assert_int_equal(r.type, S_IFDIR);
	fd = path_openat_in_root(f->rfd, "up/d/../relpw", O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 7);
	assert_string_equal(buf, "inside\n");
	close(fd);
	assert_int_equal(path_openat_in_root(f->rfd, "out/victim", O_RDONLY, 0), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(path_openat2(f->rfd, "ld/f", O_RDONLY, 0, NOSYM), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(path_openat2(f->rfd, "/d", O_PATH, 0, RESOLVE_BENEATH), -1);
	assert_int_equal(errno, EXDEV);
	outcome(path_openat2(f->rfd, "d/f", O_RDONLY, 0, NOSYM), f->root, &r);
	assert_string_equal(r.rel, "/d/f");
}

/* /proc's magic links: openat2 refuses them under RESOLVE_IN_ROOT; the
 * walk refuses every procfs link (a plain one like /proc/self too). */
static void
test_walk_procfs(void **state)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

	(void)state;
	assert_true(root >= 0);
	fd = walk(root, "proc/self/fd/0", O_PATH, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, ELOOP);
	fd = walk(root, "proc/self", O_PATH, 0, RESOLVE_IN_ROOT);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, ELOOP);
	fd = walk(root, "proc/self", O_PATH | O_NOFOLLOW, 0, RESOLVE_IN_ROOT);	/* not followed: fine */
	assert_true(fd >= 0);
	close(fd);
	close(root);
}

/* A scope the walk does not do, and openat2's own EINVALs. */
static void
test_walk_einval(void **state)
{
	struct fx *f = *state;

	assert_int_equal(walk(f->rfd, "f", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(walk(f->rfd, "f", O_RDONLY, 0, RESOLVE_IN_ROOT | RESOLVE_BENEATH), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(walk(f->rfd, "f", O_RDONLY, 0644, RESOLVE_IN_ROOT), -1);	/* a mode without O_CREAT */
	assert_int_equal(errno, EINVAL);
}

/* --- choosing the walk: a fresh process (this binary, --probe) each --- */

/* seccomp: openat2 answers ERRNUM; with SIZED, only calls whose size
 * argument is not 0 (the probe's is 0: it sees openat2 there) */
static void
block_openat2(int errnum, int sized)
{
	struct sock_filter all[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[3])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, sized ? 1 : 0, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (errnum & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(all) / sizeof(*all), .filter = all };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		_exit(3);
}

/* this binary with --probe ROOT, under FILTER (errno, 0: none) and ENV:
 * "openat2 ok", "walk ok", "openat2 EPERM", ... */
static const char *
probe_run(const char *root, int filter, int sized, const char *env)
{
	static char out[256];
	int p[2], st;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		if (filter)
			block_openat2(filter, sized);
		if (env)
			putenv((char *)env);
		execl("/proc/self/exe", "test_path", "--probe", root, (char *)NULL);
		_exit(4);
	}
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = '\0';
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return out;
}

static int
probe_main(const char *root)
{
	int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = path_openat_in_root(rfd, "/ld/../abs/f", O_RDONLY, 0);	/* d/f */

	printf("%s %s\n", path_fallback_active() ? "walk" : "openat2", fd >= 0 ? "ok" : strerrorname_np(errno));
	return 0;
}

static void
test_choice(void **state)
{
	struct fx *f = *state;
	struct open_how how = { .flags = O_PATH };

	if (syscall(SYS_openat2, f->rfd, ".", &how, sizeof(how)) < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* this machine has none: the walk is chosen on its own */
		assert_string_equal(probe_run(f->root, 0, 0, NULL), "walk ok");
		return;
	}
	assert_string_equal(probe_run(f->root, 0, 0, NULL), "openat2 ok");
	assert_string_equal(probe_run(f->root, ENOSYS, 0, NULL), "walk ok");	/* qemu-user 7.2, Linux < 5.6 */
	assert_string_equal(probe_run(f->root, EPERM, 0, NULL), "walk ok");	/* a seccomp filter */
	assert_string_equal(probe_run(f->root, 0, 0, "SCRATCHMERGE_NO_OPENAT2=1"), "walk ok");
	assert_string_equal(probe_run(f->root, 0, 0, "SCRATCHMERGE_NO_OPENAT2=0"), "openat2 ok");
	/* a real call's EPERM is the file's answer, not a missing openat2 */
	assert_string_equal(probe_run(f->root, EPERM, 1, NULL), "openat2 EPERM");
	/* ENOSYS from a real call after a probe that saw openat2: the walk */
	assert_string_equal(probe_run(f->root, ENOSYS, 1, NULL), "walk ok");
}

int
main(int argc, char **argv)
{
	/* the helpers' calls, run both ways; the walk's own tests force it */
	const struct CMUnitTest both[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test_setup_teardown(test_in_root, setup, teardown),
	};
	const struct CMUnitTest walk_only[] = {
		cmocka_unit_test_setup_teardown(test_walk_components, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_same_as_openat2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_escapes, setup, teardown),
		cmocka_unit_test(test_walk_procfs),
		cmocka_unit_test_setup_teardown(test_walk_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_choice, setup, teardown),
	};
	int r;

	if (argc == 3 && !strcmp(argv[1], "--probe"))
		return probe_main(argv[2]);
	r = cmocka_run_group_tests_name("path", both, NULL, NULL);
	r += cmocka_run_group_tests_name("path, openat2 fallback", both, tu_walk_on, tu_walk_off);
	return r + cmocka_run_group_tests_name("path walk", walk_only, NULL, NULL);
}
