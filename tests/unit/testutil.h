/* Shared by the unit tests: temporary roots and small file helpers.
 * Every helper aborts the test (cmocka fail) on error. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../helpers/lib/path.h"

/* A fresh directory under $TMPDIR; removed by tu_rmtree. */
static inline char *
tu_tmpdir(void)
{
	char tmpl[] = "/tmp/sm-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static inline int
tu_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static inline void
tu_rmtree(char *d)
{
	if (d) {
		tu_sh("rm -rf '%s'", d);
		free(d);
	}
}

/* Write CONTENT to ROOT/REL, creating parents. */
static inline void
tu_write(const char *root, const char *rel, const char *content)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(tu_sh("mkdir -p \"$(dirname '%s')\"", p), 0);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static inline int
tu_exists(const char *root, const char *rel)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return lstat(p, &st) == 0;
}

/* Group setup and teardown: the group runs with path_openat2's userspace
 * walk forced (the fallback where openat2 is missing). The suites of the
 * modules that resolve paths in a root run twice, once each way:
 *   r = cmocka_run_group_tests_name("copy", tests, NULL, NULL);
 *   r += cmocka_run_group_tests_name("copy, openat2 fallback", tests, tu_walk_on, tu_walk_off); */
static inline int
tu_walk_on(void **state)
{
	(void)state;
	path_force_fallback(1);
	return path_fallback_active() ? 0 : -1;
}

static inline int
tu_walk_off(void **state)
{
	(void)state;
	path_force_fallback(0);
	return 0;
}

/* The source tree's fixture directory (set by the Makefile). */
#ifndef FIXTURES
#define FIXTURES "tests/fixtures"
#endif

#endif
