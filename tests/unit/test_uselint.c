/* uselint: package.use lines and the global USE checked against the real
 * md5-cache entries of tests/fixtures/lint/repo (nginx 1.26.3, 1.28.0,
 * 1.29.0, nginx-unit, php 8.3/8.4/8.5). */
#include <errno.h>

#include "testutil.h"
#include "../../helpers/lib/uselint.h"

#define REPO FIXTURES "/lint/repo"

struct run {
	char *dir;		/* temporary package.use directory */
	char out[16384];	/* one line a finding: "FILE:LINE: ATOM: MSG" */
	size_t n;
};

static void
collect(const struct uselint_diag *d, void *arg)
{
	struct run *r = arg;
	size_t l = strlen(r->out);
	const char *file = d->file;

	if (file && !strncmp(file, r->dir, strlen(r->dir)))
		file += strlen(r->dir) + 1;
	if (file)
		snprintf(r->out + l, sizeof(r->out) - l, "%s:%zu: %s: %s\n", file, d->line, d->atom, d->msg);
	else
		snprintf(r->out + l, sizeof(r->out) - l, "%s: %s\n", d->origin, d->msg);
	r->n++;
}

static int
setup(void **state)
{
	struct run *r = calloc(1, sizeof(*r));

	r->dir = tu_tmpdir();
	*state = r;
	return 0;
}

static int
teardown(void **state)
{
	struct run *r = *state;

	tu_rmtree(r->dir);
	free(r);
	return 0;
}

/* Write CONTENT as package.use and check it against REPO. */
static void
lint(struct run *r, const char *repo, const char *content, struct uselint *u)
{
	char p[4096];

	tu_write(r->dir, "package.use", content);
	snprintf(p, sizeof(p), "%s/package.use", r->dir);
	assert_int_equal(uselint_open(u, repo, collect, r, NULL), 0);
	assert_int_equal(uselint_check_package_use(u, p, NULL), 0);
}

static void
test_fixed_nginx_recipe_is_clean(void **state)
{
	struct run *r = *state;
	struct uselint u;

	lint(r, REPO,
	     "# TLS is NGINX_MODULES_HTTP: ssl, HTTP/2 is v2 (eclass/nginx.eclass)\n"
	     "www-servers/nginx NGINX_MODULES_HTTP: -* access fastcgi gzip map proxy rewrite realip ssl v2\n"
	     "www-servers/nginx -modules -nginx_modules_mail_imap -nginx_modules_mail_pop3 # inline comment ssl2\n"
	     "\n"
	     "   # indented comment\n"
	     "dev-lang/php:8.3 fpm intl -cli readline opcache\n",
	     &u);
	assert_string_equal(r->out, "");
	assert_int_equal(u.nerrors, 0);
	assert_int_equal(u.nlines, 3);
	assert_int_equal(u.nflags, 9 + 3 + 5);
	assert_int_equal(u.mc.nread, 6);	/* every version of nginx and php (slots are in the entries) */
	uselint_close(&u);
}

static void
test_shipped_nginx_recipe_fails_on_todays_tree(void **state)
{
	struct run *r = *state;
	struct uselint u;
	char repo[4096];

	/* today's tree has no nginx-1.26.3, the last ebuild with ssl http2 pcre */
	snprintf(repo, sizeof(repo), "%s/repo", r->dir);
	assert_int_equal(tu_sh("cp -a '%s' '%s' && rm '%s/metadata/md5-cache/www-servers/nginx-1.26.3'",
			       REPO, repo, repo), 0);
	lint(r, repo,
	     "www-servers/nginx NGINX_MODULES_HTTP: -* access fastcgi gzip map proxy rewrite realip\n"
	     "www-servers/nginx -nginx_modules_mail_imap -nginx_modules_mail_pop3 -nginx_modules_mail_smtp ssl http2 pcre\n",
	     &u);
	assert_int_equal(u.nerrors, 3);
	assert_non_null(strstr(r->out,
		"package.use:2: www-servers/nginx: USE flag 'ssl' is not in IUSE of www-servers/nginx "
		"(versions checked: 1.28.0, 1.29.0); closest: NGINX_MODULES_HTTP: ssl, "
		"NGINX_MODULES_MAIL: ssl, NGINX_MODULES_STREAM: ssl\n"));
	assert_non_null(strstr(r->out, "package.use:2: www-servers/nginx: USE flag 'http2' is not in IUSE"));
	assert_non_null(strstr(r->out, "package.use:2: www-servers/nginx: USE flag 'pcre' is not in IUSE"));
	uselint_close(&u);
}

static void
test_versions_and_slots(void **state)
{
	struct run *r = *state;
	struct uselint u;

	lint(r, REPO,
	     "www-servers/nginx ssl\n"			/* 1.26.3 has it: valid */
	     "www-servers/nginx:0 http2\n"		/* 1.26.3 is slot 0 */
	     ">=www-servers/nginx-1.28 ssl\n"		/* 2 errors ... */
	     "www-servers/nginx:stable http2\n"
	     "dev-lang/php opcache imap\n"		/* valid in some version */
	     "dev-lang/php:8.5 opcache\n"
	     "=dev-lang/php-8.3* imap kerberos\n"
	     "=dev-lang/php-8.4* imap\n"
	     "~dev-lang/php-8.4.21 -kerberos\n",
	     &u);
	assert_int_equal(u.nerrors, 5);
	assert_non_null(strstr(r->out, "package.use:3: >=www-servers/nginx-1.28: USE flag 'ssl' is not in IUSE "
				       "of www-servers/nginx (versions checked: 1.28.0, 1.29.0)"));
	assert_non_null(strstr(r->out, "package.use:4: www-servers/nginx:stable: USE flag 'http2' is not in IUSE "
				       "of www-servers/nginx (versions checked: 1.28.0); closest: http\n"));
	assert_non_null(strstr(r->out, "package.use:6: dev-lang/php:8.5: USE flag 'opcache' is not in IUSE of "
				       "dev-lang/php (versions checked: 8.5.6); no close match\n"));
	assert_non_null(strstr(r->out, "package.use:8: =dev-lang/php-8.4*: USE flag 'imap' is not in IUSE of "
				       "dev-lang/php (versions checked: 8.4.21)"));
	assert_non_null(strstr(r->out, "package.use:9: ~dev-lang/php-8.4.21: USE flag 'kerberos'"));
	assert_null(strstr(r->out, "package.use:1:"));
	assert_null(strstr(r->out, "package.use:7:"));
	uselint_close(&u);
}

static void
test_use_expand_groups(void **state)
{
	struct run *r = *state;
	struct uselint u;

	lint(r, REPO,
	     "www-servers/nginx:stable NGINX_MODULES_HTTP: -* gzipp NGINX_MODULES_STREAM: ssl\n"
	     /* the group ends with its line */
	     "www-servers/nginx:stable NGINX_MODULES_MAIL: imap\n"
	     "www-servers/nginx:stable aio\n"
	     "www-servers/nginx:stable nginx_modules_mail_imapp\n"
	     "www-servers/nginx:stable NGINX_MODULES_HTTPS: ssl\n"
	     "www-servers/nginx:stable : ssl +aio -\n"
	     /* a value of the group written comes before the same in another */
	     "www-servers/nginx:stable NGINX_MODULES_STREAM: ssll\n",
	     &u);
	assert_int_equal(u.nerrors, 8);
	assert_non_null(strstr(r->out, "(NGINX_MODULES_STREAM: ssll) is not in IUSE of www-servers/nginx "
				       "(versions checked: 1.28.0); closest: NGINX_MODULES_STREAM: ssl\n"));
	assert_non_null(strstr(r->out,
		"package.use:1: www-servers/nginx:stable: USE flag 'nginx_modules_http_gzipp' "
		"(NGINX_MODULES_HTTP: gzipp) is not in IUSE of www-servers/nginx (versions checked: 1.28.0); "
		"closest: NGINX_MODULES_HTTP: gzip\n"));
	assert_non_null(strstr(r->out,
		"package.use:4: www-servers/nginx:stable: USE flag 'nginx_modules_mail_imapp' is not in IUSE "
		"of www-servers/nginx (versions checked: 1.28.0); closest: NGINX_MODULES_MAIL: imap\n"));
	assert_non_null(strstr(r->out,
		"package.use:5: www-servers/nginx:stable: USE flag 'nginx_modules_https_ssl' "
		"(NGINX_MODULES_HTTPS: ssl) is not in IUSE of www-servers/nginx (versions checked: 1.28.0); "
		"closest: NGINX_MODULES_HTTP: ssl, NGINX_MODULES_MAIL: ssl, NGINX_MODULES_STREAM: ssl\n"));
	assert_non_null(strstr(r->out, "package.use:6: www-servers/nginx:stable: ':' is not a valid USE_EXPAND name\n"
				       "package.use:6: www-servers/nginx:stable: USE flag 'ssl' is not in IUSE"));
	assert_non_null(strstr(r->out, "package.use:6: www-servers/nginx:stable: '+aio' is not a valid USE flag"));
	assert_non_null(strstr(r->out, "package.use:6: www-servers/nginx:stable: '-' is not a valid USE flag\n"));
	uselint_close(&u);
}

static void
test_atoms_that_match_nothing(void **state)
{
	struct run *r = *state;
	struct uselint u;

	lint(r, REPO,
	     "www-servers/nginxx ssl\n"
	     "www-server/nginx ssl\n"
	     "www-servers/nginx-1.28.0 ssl\n"
	     "www-servers/nginx:1.28 ssl\n"
	     "www-servers/nginx::my-overlay aio\n"
	     "*/*-lib ssl\n"
	     "www-servers/* php8-3\n"			/* nginx-unit: valid */
	     "*/* nosuchflag\n",
	     &u);
	assert_string_equal(r->out,
		"package.use:1: www-servers/nginxx: no package www-servers/nginxx in " REPO
		"; closest: www-servers/nginx\n"
		"package.use:2: www-server/nginx: no category www-server in " REPO
		"; closest: www-servers\n"
		"package.use:3: www-servers/nginx-1.28.0: invalid atom: a version needs an operator "
		"(=, >=, <=, >, <, ~)\n"
		"package.use:4: www-servers/nginx:1.28: matches none of the ebuilds of www-servers/nginx in " REPO
		": 1.26.3 (slot 0), 1.28.0 (slot stable/1.28.0), 1.29.0 (slot mainline/1.29.0)\n"
		"package.use:5: www-servers/nginx::my-overlay: matches none of the ebuilds of www-servers/nginx in "
		REPO ": 1.26.3 (slot 0), 1.28.0 (slot stable/1.28.0), 1.29.0 (slot mainline/1.29.0); "
		"the repository is 'gentoo', not 'my-overlay'\n"
		"package.use:6: */*-lib: matches no package in " REPO "\n"
		"package.use:8: */*: USE flag 'nosuchflag' is not in IUSE of any of the 3 packages matched "
		"(dev-lang/php, www-servers/nginx, www-servers/nginx-unit; 7 ebuilds checked); no close match\n");
	uselint_close(&u);
}

static void
test_directory_order_and_skips(void **state)
{
	struct run *r = *state;
	struct uselint u;
	struct err e;
	char p[4096];

	tu_write(r->dir, "package.use/b", "www-servers/nginx:stable b1\n");
	tu_write(r->dir, "package.use/a", "# a\nwww-servers/nginx:stable a2\n");
	tu_write(r->dir, "package.use/a2/x", "www-servers/nginx:stable x1\n");
	tu_write(r->dir, "package.use/.hidden", "www-servers/nginx:stable hidden\n");
	tu_write(r->dir, "package.use/b~", "www-servers/nginx:stable backup\n");
	tu_write(r->dir, "package.use/.git/c", "www-servers/nginx:stable git\n");
	tu_write(r->dir, "package.use/CVS/c", "www-servers/nginx:stable cvs\n");
	snprintf(p, sizeof(p), "%s/package.use", r->dir);
	assert_int_equal(uselint_open(&u, REPO, collect, r, NULL), 0);
	assert_int_equal(uselint_check_package_use(&u, p, NULL), 0);
	assert_int_equal(u.nerrors, 3);
	assert_non_null(strstr(r->out, "package.use/a:2: www-servers/nginx:stable: USE flag 'a2' "));
	assert_true(strstr(r->out, "package.use/a:2:") < strstr(r->out, "package.use/a2/x:1:"));
	assert_true(strstr(r->out, "package.use/a2/x:1:") < strstr(r->out, "package.use/b:1:"));
	uselint_close(&u);

	/* a missing path is an error with the path */
	snprintf(p, sizeof(p), "%s/nothing", r->dir);
	assert_int_equal(uselint_open(&u, REPO, collect, r, NULL), 0);
	assert_int_equal(uselint_check_package_use(&u, p, &e), -1);
	assert_int_equal(errno, ENOENT);
	strcat(p, ": No such file or directory");
	assert_string_equal(e.msg, p);
	uselint_close(&u);
}

static void
test_global_use(void **state)
{
	struct run *r = *state;
	struct uselint u;

	(void)r;
	assert_int_equal(uselint_open(&u, REPO, collect, r, NULL), 0);
	/* use.desc and profiles/desc/ answer without reading the cache
	 * (the real nginx_modules_http.desc has gzip, but neither ssl nor v2) */
	assert_int_equal(uselint_check_use(&u, "-ipv6 -X -doc -examples -* nginx_modules_http_gzip", "USE", NULL), 0);
	assert_int_equal(u.nerrors, 0);
	assert_int_equal(u.nflags, 5);
	assert_int_equal(u.mc.nread, 0);
	/* a local flag: the packages profiles/use.local.desc names for it */
	assert_int_equal(uselint_check_use(&u, "fpm", "USE", NULL), 0);
	assert_int_equal(u.nerrors, 0);
	assert_int_equal(u.mc.nread, 3);
	assert_int_equal(uselint_ebuilds(&u), 3);
	/* described there, but in no IUSE: the whole cache is read, once */
	assert_int_equal(uselint_check_use(&u, "coverage", "USE", NULL), 0);
	assert_int_equal(u.nerrors, 1);
	assert_int_equal(u.mc.nread, 10);
	assert_int_equal(uselint_check_use(&u, "ipv5 intll +ssl", "USE", NULL), 0);
	assert_int_equal(u.mc.nread, 10);
	assert_int_equal(uselint_ebuilds(&u), 7);
	/* entries already read for a package.use line are not counted twice */
	tu_write(r->dir, "pu", "dev-lang/php fpm\n");
	{
		char p[4096];

		snprintf(p, sizeof(p), "%s/pu", r->dir);
		assert_int_equal(uselint_check_package_use(&u, p, NULL), 0);
	}
	assert_int_equal(u.mc.nread, 10);
	assert_int_equal(uselint_ebuilds(&u), 7);
	assert_string_equal(r->out,
		"USE: USE flag 'coverage' is neither in profiles/use.desc nor in the IUSE of any ebuild in " REPO
		"; no close match\n"
		"USE: USE flag 'ipv5' is neither in profiles/use.desc nor in the IUSE of any ebuild in " REPO
		"; closest: ipv6\n"
		"USE: USE flag 'intll' is neither in profiles/use.desc nor in the IUSE of any ebuild in " REPO
		"; closest: intl\n"
		"USE: '+ssl' is not a valid USE flag\n");
	uselint_close(&u);
}

/* PACKAGES, PROVIDED and UNMERGE against the tree: what matches nothing
 * is named with the closest packages */
static void
test_atoms(void **state)
{
	struct run *r = *state;
	struct uselint u;

	assert_int_equal(uselint_open(&u, REPO, collect, r, NULL), 0);
	assert_int_equal(uselint_check_packages(&u, "dev-lang/php:8.4 >=www-servers/nginx-1.28 www-servers/nginx-unit::gentoo "
						"dev-lang/phpp:8.4 dev-lang/php:8.9 www-servers/nginx[ssl] www-server/nginx "
						"www-servers/nginx-1.28.0 www-servers/nginx::overlay", "P", NULL), 0);
	assert_int_equal(uselint_check_provided(&u, "dev-lang/php-8.4.99 =dev-lang/php-8.4.21 dev-lang/php "
						"dev-lang/php:8.4 www-servers/ngix-1.0 nginx-1.0", "V", NULL), 0);
	assert_int_equal(uselint_check_unmerge(&u, "www-servers/nginx-unit dev-lang/php-8.3.31 <dev-lang/php-9 nginx "
					       "www-servers/ngin ngin dev-lang/*", "U", NULL), 0);
	assert_int_equal(u.natoms, 9 + 6 + 7);
	assert_string_equal(r->out,
		"P: dev-lang/phpp:8.4 matches no ebuild in the tree (closest: dev-lang/php)\n"
		"P: dev-lang/php:8.9 matches no ebuild in the tree (dev-lang/php has 8.3.31 in slot 8.3, "
		"8.4.21 in slot 8.4, 8.5.6 in slot 8.5)\n"
		"P: www-servers/nginx[ssl]: a USE dependency ([...]) is not supported here; set the flags in package.use\n"
		"P: www-server/nginx matches no ebuild in the tree (closest: www-servers/nginx)\n"
		"P: www-servers/nginx-1.28.0: invalid atom: a version needs an operator (=, >=, <=, >, <, ~)\n"
		"P: www-servers/nginx::overlay matches no ebuild in the tree (www-servers/nginx has 1.26.3 in slot 0, "
		"1.28.0 in slot stable/1.28.0, 1.29.0 in slot mainline/1.29.0; the repository is 'gentoo', not 'overlay')\n"
		"V: =dev-lang/php-8.4.21: package.provided takes CAT/PN-VERSION, without an operator\n"
		"V: dev-lang/php: package.provided takes CAT/PN-VERSION: the version is missing\n"
		"V: dev-lang/php:8.4: package.provided takes CAT/PN-VERSION, without a slot or repository\n"
		"V: www-servers/ngix-1.0: no package www-servers/ngix in the tree (closest: www-servers/nginx)\n"
		"V: nginx-1.0: package.provided takes CAT/PN-VERSION: not CATEGORY/PACKAGE\n"
		"U: www-servers/ngin: no package www-servers/ngin in the tree (closest: www-servers/nginx)\n"
		"U: ngin: no package named ngin in the tree (closest: www-servers/nginx)\n"
		"U: dev-lang/*: UNMERGE takes no wildcards\n");
	assert_int_equal(u.nerrors, 14);
	uselint_close(&u);
}

/* Portage's KeywordsManager rules, on the real KEYWORDS of the fixture:
 * php 8.3.31 "ppc" (stable) and "~amd64", 8.4/8.5 "~amd64"; nginx
 * "~amd64"; nginx-unit "amd64" */
static void
test_keywords(void **state)
{
	static const struct {
		const char *arch, *accept, *akw, *atoms, *out;
	} cases[] = {
		/* nothing stable on amd64: the version and what line to add */
		{ "amd64", NULL, NULL, "dev-lang/php:8.4 www-servers/nginx-unit",
		  "P: dev-lang/php:8.4: no version is visible on amd64 (8.4.21 is ~amd64): "
		  "add \"dev-lang/php:8.4 ~amd64\" to AKW\n" },
		/* a line without tokens accepts ~ARCH */
		{ "amd64", NULL, "dev-lang/php\n", "dev-lang/php:8.4 dev-lang/php", "" },
		/* a line for another slot does not, nor one for another arch
		 * (though ~arm64 would do: 8.5.6 has it, and Portage accepts a
		 * keyword the ebuild has, whatever the arch) */
		{ "amd64", NULL, "dev-lang/php:8.3\n=dev-lang/php-8.5.6 ~m68k\n", "dev-lang/php:8.4 dev-lang/php:8.3 dev-lang/php:8.5",
		  "P: dev-lang/php:8.4: no version is visible on amd64 (8.4.21 is ~amd64): "
		  "add \"dev-lang/php:8.4 ~amd64\" to AKW\n"
		  "P: dev-lang/php:8.5: no version is visible on amd64 (8.5.6 is ~amd64): "
		  "add \"dev-lang/php:8.5 ~amd64\" to AKW\n" },
		/* the global ACCEPT_KEYWORDS, "~*", "**", "-*" stacked away */
		{ "amd64", "amd64 ~amd64", NULL, "dev-lang/php www-servers/nginx-unit", "" },
		{ "amd64", NULL, "www-servers/* ~*\n", "www-servers/nginx", "" },
		{ "amd64", NULL, "www-servers/nginx **\n", "www-servers/nginx", "" },
		{ "amd64", NULL, "www-servers/nginx ~amd64 -*\n", "www-servers/nginx",
		  "P: www-servers/nginx: no version is visible on amd64 (1.26.3 is ~amd64, 1.28.0 is ~amd64, "
		  "1.29.0 is ~amd64): add \"www-servers/nginx ~amd64\" to AKW\n" },
		/* ~amd64 alone does not accept a stable-only ebuild (Portage: it
		 * is not in the accepted groups, and there is no "*") */
		{ "amd64", "~amd64", NULL, "www-servers/nginx-unit",
		  "P: www-servers/nginx-unit: no version is visible on amd64 (1.34.2 is amd64): "
		  "add \"www-servers/nginx-unit amd64\" to AKW\n" },
		/* ppc: 8.3 is stable there; an arch with no keyword needs ** */
		{ "ppc", NULL, NULL, "dev-lang/php:8.3 dev-lang/php", "" },
		{ "m68k", NULL, NULL, "dev-lang/php:8.3",
		  "P: dev-lang/php:8.3: no version is visible on m68k (8.3.31 is not keyworded for m68k): "
		  "add \"dev-lang/php:8.3 **\" to AKW\n" },
	};
	struct run *r = *state;
	char akw[4096];

	snprintf(akw, sizeof(akw), "%s/package.accept_keywords", r->dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct uselint u;

		r->out[0] = '\0';
		if (cases[i].akw)
			tu_write(r->dir, "package.accept_keywords/a", cases[i].akw);
		assert_int_equal(uselint_open(&u, REPO, collect, r, NULL), 0);
		assert_int_equal(uselint_keywords(&u, cases[i].arch, cases[i].accept, cases[i].akw ? akw : NULL,
						  "AKW", NULL), 0);
		assert_int_equal(uselint_check_packages(&u, cases[i].atoms, "P", NULL), 0);
		if (strcmp(r->out, cases[i].out))
			fail_msg("case %zu: '%s'", i, r->out);
		uselint_close(&u);
		tu_sh("rm -rf '%s'", akw);
	}
}

/* an invalid atom in package.accept_keywords is a finding with its line;
 * a missing file a failure */
static void
test_accept_keywords_file(void **state)
{
	struct run *r = *state;
	struct uselint u;
	struct err e;
	char p[4096];

	tu_write(r->dir, "akw", "# comment\ndev-lang/php-8.4 ~amd64\ndev-lang/php\n");
	snprintf(p, sizeof(p), "%s/akw", r->dir);
	assert_int_equal(uselint_open(&u, REPO, collect, r, NULL), 0);
	assert_int_equal(uselint_keywords(&u, "amd64", NULL, p, NULL, &e), 0);
	assert_string_equal(r->out, "akw:2: dev-lang/php-8.4: invalid atom: a version needs an operator "
				    "(=, >=, <=, >, <, ~)\n");
	assert_int_equal(uselint_check_packages(&u, "dev-lang/php:8.4", "P", NULL), 0);
	assert_int_equal(u.nerrors, 1);
	snprintf(p, sizeof(p), "%s/nothing", r->dir);
	assert_int_equal(uselint_keywords(&u, "amd64", NULL, p, NULL, &e), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(e.msg, "/nothing: No such file or directory"));
	assert_int_equal(uselint_keywords(&u, "~amd64", NULL, NULL, NULL, &e), -1);
	assert_string_equal(e.msg, "--arch ~amd64: not a keyword (amd64, arm64, ...)");
	uselint_close(&u);
}

static void
test_distance(void **state)
{
	(void)state;
	assert_int_equal(uselint_distance("", ""), 0);
	assert_int_equal(uselint_distance("ssl", ""), 3);
	assert_int_equal(uselint_distance("ssl", "ssi"), 1);
	assert_int_equal(uselint_distance("http2", "http"), 1);
	assert_int_equal(uselint_distance("kitten", "sitting"), 3);
	assert_int_equal(uselint_distance("gzip", "gzipp"), 1);
	/* a swap of neighbours is one edit (Levenshtein counts two) */
	assert_int_equal(uselint_distance("dco", "doc"), 1);
	assert_int_equal(uselint_distance("ab", "ba"), 1);
	assert_int_equal(uselint_distance("ipv6", "ip6v"), 1);
	/* ... but a swapped pair is not edited again (optimal string alignment) */
	assert_int_equal(uselint_distance("ca", "abc"), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fixed_nginx_recipe_is_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shipped_nginx_recipe_fails_on_todays_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_versions_and_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_use_expand_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atoms_that_match_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_order_and_skips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atoms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keywords, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_keywords_file, setup, teardown),
		cmocka_unit_test(test_distance),
	};

	return cmocka_run_group_tests_name("uselint", tests, NULL, NULL);
}
