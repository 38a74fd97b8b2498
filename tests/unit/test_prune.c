#define _GNU_SOURCE
/* layer_prune against its reference: each tree is pruned twice, by
 * layer_prune (the tree as a tar, as mkimage reads ROOT) and by
 * prune-ref.sh (the shell code the builder ran before, on a copy of the
 * tree, in bash as Gentoo's /bin/sh), and both must leave the same paths
 * and log the same "pruned" lines. Then what the shell could not do right
 * (an absolute symlink resolved inside the root) and the libraries of
 * ld.so.cache that PRUNE must not remove. */
#include <errno.h>
#include <libgen.h>

#include "testutil.h"
#include "../../helpers/lib/layer.h"

#define REF_SH "tests/unit/prune-ref.sh"

struct fx {
	char *root, *tmp;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->root = tu_tmpdir();
	f->tmp = tu_tmpdir();
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

struct text {
	char *p;
	size_t n;
};

static void
append(void *arg, const char *path)
{
	struct text *t = arg;
	char *s;

	assert_true(asprintf(&s, "%spruned /%s\n", t->p ? t->p : "", path) > 0);
	free(t->p);
	t->p = s;
}

static char **
split(const char *s, size_t *n)
{
	char *copy = strdup(s ? s : ""), *save = NULL;
	char **v = calloc(strlen(copy) + 2, sizeof(char *));

	*n = 0;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		v[(*n)++] = strdup(w);
	free(copy);
	return v;
}

static void
free_words(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* layer_prune, then layer_sort, on the tar of F->root: 0 with the paths
 * left (sorted, one a line) in *LEFT, or -1 with E; the log in *LOG */
static int
run_layer(struct fx *f, const char *prune, const char *keep, const char *libs, char **left, char **log,
	  struct err *e)
{
	struct layer_prune_spec s = { 0 };
	struct text t = { 0 };
	struct layer l;
	char tar[4096];
	size_t len = 0;
	FILE *out;
	int fd, r;

	snprintf(tar, sizeof(tar), "%s/root.tar", f->tmp);
	assert_int_equal(tu_sh("tar -C '%s' -cf '%s' .", f->root, tar), 0);
	fd = open(tar, O_RDONLY);
	assert_true(fd >= 0);
	layer_init(&l);
	assert_int_equal(layer_add_tar(&l, fd, f->tmp, e), 0);
	close(fd);
	s.prune = split(prune, &s.nprune);
	s.keep = split(keep, &s.nkeep);
	s.libs = split(libs, &s.nlibs);
	r = layer_prune(&l, &s, append, &t, e);
	if (!r && !(r = layer_sort(&l, e))) {
		out = open_memstream(left, &len);
		for (size_t i = 0; i < l.n; i++)
			fprintf(out, "%s\n", l.v[i].path);
		fclose(out);
	}
	*log = t.p ? t.p : strdup("");
	free_words(s.prune, s.nprune);
	free_words(s.keep, s.nkeep);
	free_words(s.libs, s.nlibs);
	layer_free(&l);
	return r;
}

static char *
slurp(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	ssize_t r;
	char *line = NULL;

	assert_non_null(p);
	while ((r = getline(&line, &cap, p)) > 0) {
		buf = realloc(buf, n + r + 1);
		memcpy(buf + n, line, r);
		n += r;
		buf[n] = '\0';
	}
	free(line);
	assert_int_equal(pclose(p), 0);
	return buf ? buf : strdup("");
}

/* both ways on the tree F->root, which must end the same */
static void
agree(struct fx *f, const char *prune, const char *keep)
{
	char *left, *log, *ref_left, *ref_log, cmd[8192];
	struct err e;

	assert_int_equal(run_layer(f, prune, keep, NULL, &left, &log, &e), 0);
	assert_int_equal(tu_sh("rm -rf '%s/ref' && cp -a '%s' '%s/ref'", f->tmp, f->root, f->tmp), 0);
	snprintf(cmd, sizeof(cmd), "LC_ALL=C bash %s '%s/ref' '%s' '%s'", REF_SH, f->tmp, prune, keep);
	ref_log = slurp(cmd);
	snprintf(cmd, sizeof(cmd), "cd '%s/ref' && find . -mindepth 1 | sed 's|^\\./||' | LC_ALL=C sort", f->tmp);
	ref_left = slurp(cmd);
	if (strcmp(left, ref_left) || strcmp(log, ref_log))
		print_error("PRUNE '%s' KEEP '%s'\nlayer_prune left:\n%s\nthe shell left:\n%s\n"
			    "layer_prune logged:\n%s\nthe shell logged:\n%s\n", prune, keep, left, ref_left, log, ref_log);
	assert_string_equal(left, ref_left);
	assert_string_equal(log, ref_log);
	free(left);
	free(log);
	free(ref_left);
	free(ref_log);
}

/* a merged-/usr root as Gentoo's stage3s have it, with what DEFAULT_PRUNE names */
static void
gentoo_root(const char *root)
{
	assert_int_equal(tu_sh("cd '%s' && mkdir -p usr/lib64/pkgconfig usr/lib/pkgconfig usr/bin usr/include/sys "
			       "usr/share/doc/glibc-2.42 usr/share/doc/hello-1/html usr/share/man/man1 usr/share/info "
			       "etc/portage/package.use var/db/pkg/app-misc/hello-1 var/empty usr/lib64/gconv && "
			       "ln -s usr/lib64 lib64 && ln -s usr/lib lib && ln -s usr/bin bin && "
			       "echo x > usr/lib64/libc.a && echo x > usr/lib64/libhello.a && echo x > usr/lib64/libhello.la && "
			       "echo x > usr/lib64/libhello.so.1.0 && ln -s libhello.so.1.0 usr/lib64/libhello.so.1 && "
			       "ln -s libhello.so.1 usr/lib64/libhello.so && echo x > usr/lib64/pkgconfig/hello.pc && "
			       "echo x > usr/lib/pkgconfig/z.pc && echo x > usr/include/hello.h && "
			       "echo x > usr/include/sys/types.h && echo x > usr/share/doc/glibc-2.42/README && "
			       "echo x > usr/share/doc/glibc-2.42/NEWS && echo x > usr/share/doc/glibc-2.42/.hidden && "
			       "echo x > usr/share/doc/glibc-2.42/..dots && echo x > usr/share/doc/hello-1/html/i.html && "
			       "echo x > usr/share/man/man1/hello.1 && echo x > usr/bin/hello && "
			       "echo x > var/db/pkg/app-misc/hello-1/CONTENTS && echo x > etc/portage/make.conf && "
			       "echo x > etc/portage/package.use/hello && echo x > etc/hello.conf && echo x > etc/.hello.conf && "
			       "echo x > usr/lib64/gconv/UTF-16.so && ln -s ../share/doc/hello-1 usr/lib64/hello-doc && "
			       "ln -s nowhere usr/bin/dangling", root), 0);
}

static void
test_default_prune(void **state)
{
	struct fx *f = *state;

	gentoo_root(f->root);
	agree(f, "/usr/share/doc /usr/share/man /usr/share/info /usr/share/gtk-doc /usr/include "
		 "/usr/lib*/pkgconfig /usr/share/pkgconfig /lib*/*.a /usr/lib*/*.a /usr/lib*/*.la /usr/lib*/debug "
		 "/var/db/pkg /var/cache/edb /etc/portage", "");
}

static void
test_keep(void **state)
{
	struct fx *f = *state;

	gentoo_root(f->root);
	/* a file kept in a pruned directory: its siblings (dot files too, not
	 * "..dots") go one by one; a KEEP path above the match; one that
	 * names nothing; one with a trailing slash (never matches as text) */
	agree(f, "/usr/share/doc /usr/include /lib64/*.a", "/usr/share/doc/glibc-2.42/README /usr/include/sys/ "
		 "/usr/lib64/libhello.a /nothing");
	agree(f, "/usr/share/doc", "usr/share");
}

static void
test_globs(void **state)
{
	struct fx *f = *state;

	gentoo_root(f->root);
	/* * does not match a leading dot; classes; a symlink matched at the
	 * end goes as itself, its target stays; a dangling one goes; a match
	 * through a symlinked directory removes the target's entry */
	agree(f, "/etc/*.conf /usr/lib64/lib[h]ello.so* /usr/lib64/hello-doc /bin/dangl?ng /lib/pkgconfig/* "
		 "/nothing/* /usr/*/nothing", "");
}

static void
test_rmdir_p(void **state)
{
	struct fx *f = *state;

	gentoo_root(f->root);
	assert_int_equal(tu_sh("cd '%s' && mkdir -p a/b/c a/d && echo x > a/b/c/f && echo x > a/d/g && "
			       "mkdir -p e/f && echo x > e/f/only && mkdir -p keepme/empty", f->root), 0);
	/* the directories a match left empty go, up to the first that is
	 * not; one that was empty before stays */
	agree(f, "/a/b/c/f /e/f/only /a/d/g", "");
	agree(f, "/keepme/empty/nothing /var/empty/x", "");
}

/* an absolute symlink is resolved inside the root (the shell in the
 * builder would have followed it to the builder's own /usr) */
static void
test_absolute_symlink(void **state)
{
	struct fx *f = *state;
	char *left, *log;
	struct err e;

	assert_int_equal(tu_sh("cd '%s' && mkdir -p usr/lib64 && ln -s /usr/lib64 lib64 && "
			       "echo x > usr/lib64/libc.a && echo x > usr/lib64/libc.so.6", f->root), 0);
	assert_int_equal(run_layer(f, "/lib64/*.a", "", NULL, &left, &log, &e), 0);
	assert_string_equal(left, "lib64\nusr\nusr/lib64\nusr/lib64/libc.so.6\n");
	assert_string_equal(log, "pruned /lib64/libc.a\n");
	free(left);
	free(log);
}

/* a loop of symlinks: not followed for ever (layer_sort refuses it
 * after); ".." in a glob: refused */
static void
test_loops(void **state)
{
	struct fx *f = *state;
	char *left, *log;
	struct err e;

	assert_int_equal(tu_sh("cd '%s' && ln -s b a && ln -s a b && mkdir d && echo x > d/f", f->root), 0);
	assert_int_equal(run_layer(f, "/a/* /a/x/y /d/f", "", "/a/lib.so", &left, &log, &e), -1);
	assert_string_equal(log, "pruned /d/f\n");
	assert_non_null(strstr(e.msg, "more than 40 symlinks"));
	free(log);
	assert_int_equal(tu_sh("rm '%s/a' '%s/b'", f->root, f->root), 0);
	assert_int_equal(run_layer(f, "/d/../d", "", NULL, &left, &log, &e), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(e.msg, "'..'"));
	free(log);
}

/* what ld.so.cache names stays: the library, the symlinks to it, the
 * directory symlinks on its way; the rest of PRUNE is fine */
static void
test_cached_libs(void **state)
{
	struct fx *f = *state;
	static const char *const fail[] = { "/usr/lib64/libhello.so.1.0", "/usr/lib64/libhello.so.1",
					    "/lib64", "/usr/lib64", "/usr/lib*/libhello*" };
	const char *libs = "/lib64/libhello.so.1";
	char *left, *log;
	struct err e;

	gentoo_root(f->root);
	for (size_t i = 0; i < sizeof(fail) / sizeof(*fail); i++) {
		assert_int_equal(run_layer(f, fail[i], "", libs, &left, &log, &e), -1);
		assert_int_equal(errno, EPERM);
		assert_non_null(strstr(e.msg, fail[i]));
		assert_non_null(strstr(e.msg, "ld.so.cache sends the loader to /lib64/libhello.so.1"));
		free(log);
	}
	/* the development symlink is not the cache's */
	assert_int_equal(run_layer(f, "/usr/lib64/libhello.so /usr/lib64/*.a", "", libs, &left, &log, &e), 0);
	assert_null(strstr(left, "usr/lib64/libhello.so\n"));
	assert_non_null(strstr(left, "usr/lib64/libhello.so.1\n"));
	free(left);
	free(log);
	/* kept: no error */
	assert_int_equal(run_layer(f, "/usr/lib64", "/usr/lib64/libhello.so.1 /usr/lib64/libhello.so.1.0", libs,
				   &left, &log, &e), 0);
	free(left);
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_globs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rmdir_p, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cached_libs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
