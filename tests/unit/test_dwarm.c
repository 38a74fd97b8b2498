/* dwarm: the state file of a kept container: what is saved is what is
 * read back; take removes the file, peek keeps it; a file that is not a
 * state is refused (and taken all the same); the signature leaves out the
 * image and the command and nothing else. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "../../helpers/lib/dwarm.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define IMG "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static char file[64];

static int
setup(void **state)
{
	int fd;

	(void)state;
	strcpy(file, "/tmp/test_dwarm-XXXXXX");
	if ((fd = mkstemp(file)) < 0)
		return -1;
	close(fd);
	unlink(file);
	return 0;
}

static int
teardown(void **state)
{
	char tmp[80];

	(void)state;
	unlink(file);
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	unlink(tmp);
	return 0;
}

static void
write_file(const char *text)
{
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_round_trip(void **state)
{
	struct dwarm w = { .id = ID, .image = IMG, .used = 1796483806, .sig = "{\"Env\":[]}" }, r;
	struct err e;
	char tmp[80];

	(void)state;
	assert_int_equal(dwarm_take(file, &r, &e), 0);
	assert_int_equal(dwarm_save(file, &w, &e), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(dwarm_peek(file, &r, &e), 1);
	assert_string_equal(r.id, ID);
	assert_string_equal(r.image, IMG);
	assert_int_equal(r.used, 1796483806);
	assert_string_equal(r.sig, "{\"Env\":[]}");
	dwarm_free(&r);
	assert_int_equal(access(file, F_OK), 0);
	assert_int_equal(dwarm_take(file, &r, &e), 1);
	assert_string_equal(r.id, ID);
	dwarm_free(&r);
	assert_int_equal(access(file, F_OK), -1);
	w.sig = "{\n}";
	assert_int_equal(dwarm_save(file, &w, &e), -1);
	assert_int_equal(access(file, F_OK), -1);
}

static void
test_not_a_state(void **state)
{
	static const char *bad[] = {
		"junk\n",
		ID "\n" IMG "\n1\n",				/* three lines */
		ID "\n" IMG "\n1\n{}",				/* no last newline */
		ID "\n" IMG "\n1\n{}\nmore\n",			/* five lines */
		ID "0\n" IMG "\n1\n{}\n",			/* a longer ID */
		"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n" IMG "\n1\n{}\n",
		ID "\nfedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n1\n{}\n",
		ID "\n" IMG "\n1x\n{}\n",
		ID "\n" IMG "\n\n{}\n",
		ID "\n" IMG "\n1\n[]\n",
	};
	struct dwarm r;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		write_file(bad[i]);
		assert_int_equal(dwarm_peek(file, &r, &e), -1);
		assert_int_equal(errno, EINVAL);
		assert_non_null(strstr(e.msg, "not a kept container's state"));
		assert_null(r.sig);
		assert_int_equal(dwarm_take(file, &r, &e), -1);
		if (access(file, F_OK) == 0)
			fail_msg("case %zu: take left the file", i);
	}
	write_file(ID "\n" IMG "\n1\n{}\n");
	assert_int_equal(dwarm_peek(file, &r, &e), 1);
	dwarm_free(&r);
}

static void
test_sig(void **state)
{
	char *cmd1[] = { "a" }, *cmd2[] = { "b", "c" }, *env[] = { "X=1" };
	struct dctr_spec a = { .name = "one", .image = "i:1", .network = "none", .cmd = cmd1, .ncmd = 1 },
			 b = { .name = "two", .image = "i:2", .network = "none", .cmd = cmd2, .ncmd = 2 };
	char *sa, *sb;

	(void)state;
	sa = dwarm_sig(&a), sb = dwarm_sig(&b);
	assert_string_equal(sa, sb);	/* the name, the image and the command do not count */
	assert_null(strstr(sa, "i:1"));
	assert_null(strchr(sa, '\n'));
	free(sb);
	b.env = env, b.nenv = 1;
	sb = dwarm_sig(&b);
	assert_string_not_equal(sa, sb);
	free(sb);
	b.nenv = 0, b.platform = "linux/arm64";
	sb = dwarm_sig(&b);
	assert_string_not_equal(sa, sb);
	free(sb);
	b.platform = NULL, b.network = "default";
	sb = dwarm_sig(&b);
	assert_string_not_equal(sa, sb);
	free(sa), free(sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_state, setup, teardown),
		cmocka_unit_test(test_sig),
	};

	return cmocka_run_group_tests_name("dwarm", tests, NULL, NULL);
}
