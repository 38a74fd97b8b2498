/* license: Gentoo LICENSE strings as SPDX expressions. */
#include <errno.h>

#include "testutil.h"
#include "../../helpers/lib/license.h"

static char *
conv(const char *lic, const char *use_flags, struct strset *unmapped)
{
	struct strset use = { 0 };
	char *flags = strdup(use_flags), *save, *t, *out = NULL;

	for (t = strtok_r(flags, " ", &save); t; t = strtok_r(NULL, " ", &save))
		strset_add(&use, t, NULL);
	assert_int_equal(license_to_spdx(lic, &use, &out, unmapped), 0);
	strset_free(&use);
	free(flags);
	return out;
}

static void
test_expressions(void **state)
{
	static const char *cases[][3] = {
		/* LICENSE, USE, SPDX */
		{ "GPL-2", "", "GPL-2.0-only" },
		{ "GPL-2+ LGPL-2.1+", "", "GPL-2.0-or-later AND LGPL-2.1-or-later" },
		{ "|| ( MIT BSD-2 )", "", "MIT OR BSD-2-Clause" },
		{ "GPL-2 || ( MIT BSD )", "", "GPL-2.0-only AND (MIT OR BSD-3-Clause)" },
		{ "|| ( MIT ( GPL-2 BSD ) )", "", "MIT OR (GPL-2.0-only AND BSD-3-Clause)" },
		{ "PHP-3.01 ssl? ( openssl )", "ssl", "PHP-3.01 AND OpenSSL" },
		{ "PHP-3.01 ssl? ( openssl )", "", "PHP-3.01" },
		{ "!static? ( ZLIB ) static? ( Apache-2.0 )", "static", "Apache-2.0" },
		{ "!static? ( ZLIB ) static? ( Apache-2.0 )", "", "Zlib" },
		{ "a? ( b? ( MIT ) )", "a", NULL },
		{ "a? ( b? ( MIT ) )", "a b", "MIT" },
		{ "|| ( a? ( MIT ) BSD )", "", "BSD-3-Clause" },
		{ "Apache-2.0-with-LLVM-exceptions || ( MIT ISC )", "", "Apache-2.0 WITH LLVM-exception AND (MIT OR ISC)" },
		{ "", "", NULL },
		{ "  \n", "", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = conv(cases[i][0], cases[i][1], NULL);

		if (cases[i][2])
			assert_string_equal(got, cases[i][2]);
		else
			assert_null(got);
		free(got);
	}
}

static void
test_unmapped(void **state)
{
	struct strset un = { 0 };
	char *got, ref[128];

	(void)state;
	got = conv("GPL-2 inner-net || ( rc MIT ) gcc-runtime-library-exception-3.1", "", &un);
	assert_string_equal(got, "GPL-2.0-only AND LicenseRef-Gentoo-inner-net AND (LicenseRef-Gentoo-rc OR MIT) "
				 "AND LicenseRef-Gentoo-gcc-runtime-library-exception-3.1");
	assert_int_equal(un.len, 3);
	assert_true(strset_has(&un, "inner-net"));
	assert_true(strset_has(&un, "rc"));
	assert_false(strset_has(&un, "MIT"));
	/* characters SPDX does not allow in an id */
	license_ref("Foo_Bar+", ref, sizeof(ref));
	assert_string_equal(ref, "LicenseRef-Gentoo-Foo-Bar-");
	free(got);
	strset_free(&un);
}

static void
test_malformed(void **state)
{
	static const char *bad[] = { "|| MIT", "( MIT", "MIT )", "ssl?", "ssl? MIT", "|| ( MIT", "? ( MIT )", "MIT;rm" };
	char *out = (char *)1;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		errno = 0;
		assert_int_equal(license_to_spdx(bad[i], NULL, &out, NULL), -1);
		assert_int_equal(errno, EINVAL);
		assert_null(out);
	}
}

static void
test_table(void **state)
{
	(void)state;
	assert_string_equal(license_spdx_id("GPL-2"), "GPL-2.0-only");
	assert_string_equal(license_spdx_id("openssl"), "OpenSSL");
	assert_string_equal(license_spdx_id("ZLIB"), "Zlib");
	assert_null(license_spdx_id("gpl-2"));	/* Gentoo names are case-sensitive */
	assert_null(license_spdx_id("public-domain"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expressions),
		cmocka_unit_test(test_unmapped),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests_name("license", tests, NULL, NULL);
}
