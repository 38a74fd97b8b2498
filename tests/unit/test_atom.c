/* atom: PMS version comparison, PF splitting, package.use atoms and
 * their matching (operators, slots, repositories, wildcards). */
#include <errno.h>

#include "testutil.h"
#include "../../helpers/lib/atom.h"

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

static void
test_vercmp(void **state)
{
	/* a < b for each pair; PMS chapter 3 and Portage's versions.py */
	static const char *less[][2] = {
		{ "1", "2" }, { "1.0", "1.0.1" }, { "1.0", "1.1" }, { "1.9", "1.10" },
		{ "1.01", "1.1" },		/* leading zero: compared as strings */
		{ "1.001", "1.01" }, { "1.0a", "1.0b" }, { "1.0", "1.0a" },
		{ "1.0_alpha", "1.0_beta" }, { "1.0_beta", "1.0_pre" },
		{ "1.0_pre", "1.0_rc" }, { "1.0_rc", "1.0" }, { "1.0", "1.0_p" },
		{ "1.0_rc1", "1.0_rc2" }, { "1.0_rc", "1.0_rc1" }, { "1.0_p1", "1.0_p2" },
		{ "1.0_alpha", "1.0_alpha_p" },	/* one more suffix, _p: greater */
		{ "1.0_alpha_rc", "1.0_alpha" },/* one more suffix, not _p: smaller */
		{ "1.0", "1.0-r1" }, { "1.0-r1", "1.0-r2" }, { "1.0-r9", "1.0-r10" },
		{ "1.28.0", "1.29.0" }, { "8.3.31", "8.4.21" }, { "8.4.21", "8.5.6" },
		{ "2", "10" }, { "1.2.3", "1.2.3.0" },
		{ "99999999999999999999", "100000000000000000000" },	/* no overflow */
		{ "0_p1", "1" }, { "1.0_p", "1.0.1" },
	};
	static const char *equal[][2] = {
		{ "1.0", "1.0" }, { "1.0-r0", "1.0" }, { "01", "1" },
		{ "1.01", "1.010" }, { "1.0_rc", "1.0_rc0" }, { "1.0-r01", "1.0-r1" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(less) / sizeof(less[0]); i++) {
		if (sign(atom_vercmp(less[i][0], less[i][1])) != -1 ||
		    sign(atom_vercmp(less[i][1], less[i][0])) != 1)
			fail_msg("expected %s < %s", less[i][0], less[i][1]);
	}
	for (size_t i = 0; i < sizeof(equal) / sizeof(equal[0]); i++)
		if (atom_vercmp(equal[i][0], equal[i][1]) != 0)
			fail_msg("expected %s == %s", equal[i][0], equal[i][1]);
}

static void
test_version_valid_and_pf(void **state)
{
	(void)state;
	assert_true(atom_version_valid("1.28.0"));
	assert_true(atom_version_valid("0.94.14_rc21-r2"));
	assert_true(atom_version_valid("1.0a_beta2_p3-r1"));
	assert_false(atom_version_valid("1.0-r"));
	assert_false(atom_version_valid("1.0_gamma"));
	assert_false(atom_version_valid("1..0"));
	assert_false(atom_version_valid("a1"));
	assert_false(atom_version_valid("1.0ab"));

	assert_int_equal(atom_pf_split("nginx-1.28.0"), 5);
	assert_int_equal(atom_pf_split("nginx-unit-1.34.2"), 10);
	assert_int_equal(atom_pf_split("boa-0.94.14_rc21-r2"), 3);
	assert_int_equal(atom_pf_split("ada-bootstrap-0_p2021-r1"), 13);
	assert_int_equal(atom_pf_split("R-4.0.4"), 1);
	assert_int_equal(atom_pf_split("nginx"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(atom_pf_split("gtk+-2"), 4);
}

static void
test_parse(void **state)
{
	struct atom a;
	struct err why;

	(void)state;
	assert_int_equal(atom_parse("www-servers/nginx", &a, &why), 0);
	assert_int_equal(a.op, ATOM_OP_NONE);
	assert_string_equal(a.cat, "www-servers");
	assert_string_equal(a.pn, "nginx");
	assert_null(a.ver);
	assert_null(a.slot);
	assert_false(a.wildcard);
	atom_free(&a);

	assert_int_equal(atom_parse(">=dev-lang/php-8.3.31-r1:8.3/8.3.31::gentoo", &a, &why), 0);
	assert_int_equal(a.op, ATOM_OP_GE);
	assert_string_equal(a.pn, "php");
	assert_string_equal(a.ver, "8.3.31-r1");
	assert_string_equal(a.slot, "8.3");
	assert_string_equal(a.subslot, "8.3.31");
	assert_string_equal(a.repo, "gentoo");
	atom_free(&a);

	assert_int_equal(atom_parse("=dev-lang/php-8.4*", &a, &why), 0);
	assert_int_equal(a.op, ATOM_OP_GLOB);
	assert_string_equal(a.ver, "8.4");
	atom_free(&a);

	assert_int_equal(atom_parse("~www-servers/nginx-unit-1.34.2", &a, &why), 0);
	assert_int_equal(a.op, ATOM_OP_TILDE);
	assert_string_equal(a.pn, "nginx-unit");
	atom_free(&a);

	assert_int_equal(atom_parse("*/*:0", &a, &why), 0);
	assert_true(a.wildcard);
	assert_string_equal(a.slot, "0");
	atom_free(&a);

	assert_int_equal(atom_parse("=www-servers/nginx-*28*", &a, &why), 0);
	assert_int_equal(a.op, ATOM_OP_SUBSTR);
	assert_string_equal(a.pn, "nginx");
	assert_string_equal(a.ver, "28");
	atom_free(&a);

	assert_int_equal(atom_parse("dev-lang/php:=", &a, &why), 0);
	assert_string_equal(a.slot, "");
	atom_free(&a);

	static const char *bad[] = {
		"www-servers/nginx-1.28.0",	/* a version needs an operator */
		">=www-servers/nginx",		/* an operator needs a version */
		">=www-servers/nginx-1.28*",	/* '*' only with '=' */
		"nginx", "a/b/c", "www-servers/nginx[ssl]", "!www-servers/nginx",
		"-www/nginx", "www-servers/nginx::", "www-servers/nginx:",
		">=*/nginx-1.0", "**/nginx", "www-servers/ngi nx",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (atom_parse(bad[i], &a, &why) != -1 || errno != EINVAL || !why.msg[0])
			fail_msg("accepted a bad atom: %s", bad[i]);
	}
}

static int
m(const char *atom, const char *cat, const char *pn, const char *pvr, const char *slot, const char *repo)
{
	struct atom a;
	struct err why;
	int r;

	assert_int_equal(atom_parse(atom, &a, &why), 0);
	r = atom_match(&a, cat, pn, pvr, slot, repo);
	atom_free(&a);
	return r;
}

static void
test_match(void **state)
{
	(void)state;
	assert_true(m("www-servers/nginx", "www-servers", "nginx", "1.28.0", "stable/1.28.0", "gentoo"));
	assert_false(m("www-servers/nginx", "www-servers", "nginx-unit", "1.34.2", "0", "gentoo"));
	/* slots and sub-slots */
	assert_true(m("www-servers/nginx:stable", "www-servers", "nginx", "1.28.0", "stable/1.28.0", "gentoo"));
	assert_false(m("www-servers/nginx:mainline", "www-servers", "nginx", "1.28.0", "stable/1.28.0", "gentoo"));
	assert_true(m("www-servers/nginx:stable/1.28.0", "www-servers", "nginx", "1.28.0", "stable/1.28.0", "gentoo"));
	assert_false(m("www-servers/nginx:stable/1.28", "www-servers", "nginx", "1.28.0", "stable/1.28.0", "gentoo"));
	assert_true(m("dev-lang/php:8.3/8.3", "dev-lang", "php", "8.3.31", "8.3", "gentoo"));
	assert_true(m("dev-lang/php:=", "dev-lang", "php", "8.3.31", "8.3", "gentoo"));
	/* repositories */
	assert_true(m("dev-lang/php::gentoo", "dev-lang", "php", "8.3.31", "8.3", "gentoo"));
	assert_false(m("dev-lang/php::overlay", "dev-lang", "php", "8.3.31", "8.3", "gentoo"));
	assert_false(m("dev-lang/php::gentoo", "dev-lang", "php", "8.3.31", "8.3", NULL));
	/* operators */
	assert_true(m(">=dev-lang/php-8.4", "dev-lang", "php", "8.4.21", "8.4", NULL));
	assert_false(m(">=dev-lang/php-8.4", "dev-lang", "php", "8.3.31", "8.3", NULL));
	assert_true(m("<dev-lang/php-8.4", "dev-lang", "php", "8.3.31", "8.3", NULL));
	assert_true(m("<=dev-lang/php-8.3.31", "dev-lang", "php", "8.3.31", "8.3", NULL));
	assert_false(m(">dev-lang/php-8.3.31", "dev-lang", "php", "8.3.31", "8.3", NULL));
	assert_true(m(">dev-lang/php-8.3.31", "dev-lang", "php", "8.3.31-r1", "8.3", NULL));
	assert_true(m("=dev-lang/php-8.3.31", "dev-lang", "php", "8.3.31-r0", "8.3", NULL));
	assert_false(m("=dev-lang/php-8.3.31", "dev-lang", "php", "8.3.31-r1", "8.3", NULL));
	assert_true(m("~dev-lang/php-8.3.31", "dev-lang", "php", "8.3.31-r1", "8.3", NULL));
	assert_false(m("~dev-lang/php-8.3.31", "dev-lang", "php", "8.3.32", "8.3", NULL));
	/* =* matches on component boundaries only (Portage bug 560466) */
	assert_true(m("=dev-lang/php-8.3*", "dev-lang", "php", "8.3.31", "8.3", NULL));
	assert_true(m("=dev-lang/php-8*", "dev-lang", "php", "8.3.31", "8.3", NULL));
	assert_false(m("=dev-lang/php-8.3*", "dev-lang", "php", "8.30.1", "8.3", NULL));
	assert_false(m("=dev-lang/php-1*", "dev-lang", "php", "10", "0", NULL));
	assert_true(m("=dev-lang/php-1*", "dev-lang", "php", "1a", "0", NULL));
	assert_true(m("=dev-lang/php-1.0*", "dev-lang", "php", "1.0_rc1", "0", NULL));
	assert_true(m("=dev-lang/php-8.3.31*", "dev-lang", "php", "8.3.31-r2", "8.3", NULL));
	/* wildcards */
	assert_true(m("*/*", "dev-lang", "php", "8.3.31", "8.3", NULL));
	assert_true(m("www-servers/*", "www-servers", "nginx-unit", "1.34.2", "0", NULL));
	assert_true(m("*/nginx*", "www-servers", "nginx-unit", "1.34.2", "0", NULL));
	assert_false(m("*/nginx", "www-servers", "nginx-unit", "1.34.2", "0", NULL));
	assert_true(m("www-*/*:0", "www-servers", "nginx", "1.26.3", "0", NULL));
	assert_false(m("www-*/*:0", "www-servers", "nginx", "1.28.0", "stable/1.28.0", NULL));
	assert_true(m("=www-servers/nginx-*28*", "www-servers", "nginx", "1.28.0", "stable/1.28.0", NULL));
	assert_false(m("=www-servers/nginx-*28*", "www-servers", "nginx", "1.29.0", "mainline/1.29.0", NULL));
	assert_true(m("=www-servers/nginx-*r0*", "www-servers", "nginx", "1.29.0", "mainline/1.29.0", NULL));
}

static void
test_glob(void **state)
{
	(void)state;
	assert_true(atom_glob("*", ""));
	assert_true(atom_glob("a*b*c", "aXXbYYc"));
	assert_false(atom_glob("a*b*c", "aXXbYY"));
	assert_true(atom_glob("*-servers", "www-servers"));
	assert_false(atom_glob("dev-*", "www-servers"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vercmp),
		cmocka_unit_test(test_version_valid_and_pf),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_glob),
	};

	return cmocka_run_group_tests_name("atom", tests, NULL, NULL);
}
