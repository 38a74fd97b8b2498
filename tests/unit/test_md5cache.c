/* md5cache: the real md5-cache entries of tests/fixtures/lint/repo
 * (copied from gentoo-mirror/gentoo), listing, and malformed entries. */
#include <errno.h>

#include "testutil.h"
#include "../../helpers/lib/md5cache.h"

#define REPO FIXTURES "/lint/repo"

static void
test_read_real_entry(void **state)
{
	struct md5cache mc;
	struct md5cache_entry e;
	char *iuse, **flags;
	size_t n;
	int has_ssl = 0, has_modules = 0;

	(void)state;
	assert_int_equal(md5cache_open(&mc, REPO), 0);
	assert_string_equal(mc.repo_name, "gentoo");
	assert_int_equal(md5cache_read(&mc, "www-servers", "nginx-1.28.0", &e), 0);
	assert_int_equal(mc.nread, 1);
	assert_string_equal(md5cache_get(&e, "EAPI"), "8");
	assert_string_equal(md5cache_get(&e, "SLOT"), "stable/1.28.0");
	assert_string_equal(md5cache_get(&e, "REQUIRED_USE"),
			    "|| ( http stream mail ) nginx_modules_http_v3? ( nginx_modules_http_ssl )");
	/* the value keeps its '=' signs and tabs */
	assert_non_null(strstr(md5cache_get(&e, "_eclasses_"), "nginx\t2d9a45fbdffc8c3d5f4f47fc72773264"));
	assert_string_equal(md5cache_get(&e, "_md5_"), "c1958fcc823c56ed2ab2e1be2abfffc0");
	assert_null(md5cache_get(&e, "PDEPEND"));
	assert_null(md5cache_get(&e, "IUS"));

	iuse = strdup(md5cache_get(&e, "IUSE"));
	assert_int_equal(md5cache_iuse_split(iuse, &flags, &n), 0);
	assert_int_equal(n, 79);	/* counted with python3 .split() */
	assert_string_equal(flags[0], "aio");
	assert_string_equal(flags[3], "modules");	/* "+modules": default prefix dropped */
	for (size_t i = 0; i < n; i++) {
		has_ssl |= !strcmp(flags[i], "nginx_modules_http_ssl");
		has_modules |= flags[i][0] == '+' || flags[i][0] == '-';
	}
	assert_true(has_ssl);
	assert_false(has_modules);
	free(flags);
	free(iuse);
	md5cache_entry_free(&e);
	md5cache_close(&mc);
}

static void
test_listing(void **state)
{
	struct md5cache mc;
	char **v;
	size_t n;

	(void)state;
	assert_int_equal(md5cache_open(&mc, REPO), 0);
	assert_int_equal(md5cache_categories(&mc, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "dev-lang");
	assert_string_equal(v[1], "www-servers");
	md5cache_free_names(v, n);

	assert_int_equal(md5cache_pfs(&mc, "www-servers", &v, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "nginx-1.26.3");
	assert_string_equal(v[3], "nginx-unit-1.34.2");
	md5cache_free_names(v, n);

	assert_int_equal(md5cache_pfs(&mc, "no-such-cat", &v, &n), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(md5cache_pfs(&mc, "../metadata", &v, &n), -1);
	assert_int_equal(errno, EINVAL);
	md5cache_close(&mc);
}

static int
count_iuse(const char *cat, const char *pf, char *iuse, void *arg)
{
	size_t *c = arg;

	if (!strcmp(cat, "dev-lang") && !strcmp(pf, "php-8.5.6")) {
		/* 8.5 dropped opcache; the line is NUL-terminated at its end */
		assert_null(strstr(iuse, " +opcache "));
		assert_non_null(strstr(iuse, "+opcache-jit"));
		assert_null(strchr(iuse, '\n'));
	}
	if (!strcmp(pf, "nginx-unit-1.34.2"))
		assert_string_equal(iuse, "perl python ruby php8-3 perl ssl "
			"python_single_target_python3_12 python_single_target_python3_13");
	c[0]++;
	return 0;
}

static int
stop_at_two(const char *cat, const char *pf, char *iuse, void *arg)
{
	(void)cat, (void)pf, (void)iuse;
	return ++*(int *)arg == 2 ? 7 : 0;
}

static void
test_foreach_iuse(void **state)
{
	struct md5cache mc;
	size_t count = 0;
	int calls = 0;

	(void)state;
	assert_int_equal(md5cache_open(&mc, REPO), 0);
	assert_int_equal(md5cache_foreach_iuse(&mc, count_iuse, &count), 0);
	assert_int_equal(count, 7);
	assert_int_equal(mc.nread, 7);
	assert_int_equal(md5cache_foreach_iuse(&mc, stop_at_two, &calls), 7);
	assert_int_equal(calls, 2);
	md5cache_close(&mc);
}

static void
test_malformed_and_missing(void **state)
{
	char *d = tu_tmpdir();
	char p[4096];
	struct md5cache mc;
	struct md5cache_entry e;
	char *buf;

	(void)state;
	snprintf(p, sizeof(p), "%s/nothing", d);
	assert_int_equal(md5cache_open(&mc, p), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(md5cache_open(&mc, d), -1);	/* no metadata/md5-cache */
	assert_int_equal(errno, ENOENT);

	tu_write(d, "metadata/md5-cache/app-misc/foo-1.0", "EAPI=8\nIUSE=a +b\nnot a key line\n");
	tu_write(d, "metadata/md5-cache/app-misc/bar-1.0", "EAPI=8\nSLOT=0\n");	/* no IUSE */
	tu_write(d, "metadata/md5-cache/app-misc/notaversion", "EAPI=8\n");
	assert_int_equal(md5cache_open(&mc, d), 0);
	assert_null(mc.repo_name);	/* no profiles/repo_name */
	assert_int_equal(md5cache_read(&mc, "app-misc", "foo-1.0", &e), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(md5cache_read(&mc, "app-misc", "bar-1.0", &e), 0);
	assert_null(md5cache_get(&e, "IUSE"));
	md5cache_entry_free(&e);
	assert_int_equal(md5cache_repo_file(&mc, "profiles/use.desc", &buf), -1);
	assert_int_equal(errno, ENOENT);
	{
		char **v;
		size_t n;

		assert_int_equal(md5cache_pfs(&mc, "app-misc", &v, &n), 0);
		assert_int_equal(n, 2);	/* "notaversion" is no PF */
		md5cache_free_names(v, n);
	}
	md5cache_close(&mc);
	tu_rmtree(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_real_entry),
		cmocka_unit_test(test_listing),
		cmocka_unit_test(test_foreach_iuse),
		cmocka_unit_test(test_malformed_and_missing),
	};

	return cmocka_run_group_tests_name("md5cache", tests, NULL, NULL);
}
