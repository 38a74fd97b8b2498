/* err: the message, errno, the ':' rule, NULL and truncation. */
#include <errno.h>

#include "testutil.h"
#include "../../helpers/lib/err.h"

static void
test_set(void **state)
{
	struct err e;
	char big[2000];

	(void)state;
	errno = 0;
	assert_int_equal(err_set(&e, EINVAL, "image.yaml:%d:%d: %s", 3, 1, "a tab"), -1);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(e.msg, "image.yaml:3:1: a tab");
	/* a format ending in ':' appends strerror, as tool_warn does */
	assert_int_equal(err_set(&e, ENOENT, "%s:", "/x"), -1);
	assert_string_equal(e.msg, "/x: No such file or directory");
	/* NULL: errno only */
	assert_int_equal(err_set(NULL, EIO, "ignored"), -1);
	assert_int_equal(errno, EIO);
	/* too long: cut, terminated */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&e, E2BIG, "%s:", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	err_clear(&e);
	assert_string_equal(e.msg, "");
	err_clear(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
