/* dload: the messages of POST /images/load, as docker 20.10 and the
 * podman 4.3 service write them (copied from their answers). */
#include <errno.h>

#include "testutil.h"
#include "../../helpers/lib/dload.h"

static void
parse_ok(const char *body, struct dload *l)
{
	struct err e = { "" };

	if (dload_parse(body, strlen(body), l, &e))
		fail_msg("%s: %s", body, e.msg);
}

static void
test_docker_new(void **state)
{
	struct dload l;

	(void)state;
	parse_ok("{\"stream\":\"Loaded image: efx:c2x\\n\"}\n", &l);
	assert_int_equal(l.refs.n, 1);
	assert_string_equal(l.refs.v[0], "efx:c2x");
	assert_int_equal(l.ids.n, 0);
	assert_int_equal(l.replaced.n, 0);
	dload_free(&l);
}

static void
test_docker_replaced(void **state)
{
	struct dload l;

	(void)state;
	parse_ok("{\"stream\":\"The image efx:c2x already exists, renaming the old one with ID "
		 "sha256:5aaa6a0f2f1115aaf9140588e8fa7834a51ede9c47c02cfb736f7c2b33f77ad6 to empty string\\n\"}\n"
		 "{\"stream\":\"Loaded image: efx:c2x\\n\"}\n"
		 "{\"stream\":\"Loaded image: other/name:2\\n\"}\n", &l);
	assert_int_equal(l.refs.n, 2);
	assert_string_equal(l.refs.v[0], "efx:c2x");
	assert_string_equal(l.refs.v[1], "other/name:2");
	assert_int_equal(l.replaced.n, 1);
	assert_string_equal(l.replaced.v[0], "sha256:5aaa6a0f2f1115aaf9140588e8fa7834a51ede9c47c02cfb736f7c2b33f77ad6");
	dload_free(&l);
}

static void
test_docker_untagged_and_progress(void **state)
{
	struct dload l;

	(void)state;
	parse_ok("{\"status\":\"Loading layer\",\"progressDetail\":{\"current\":512,\"total\":1024},"
		 "\"progress\":\"[=>  ]\",\"id\":\"abc\"}\r\n"
		 "{\"stream\":\"Loaded image ID: sha256:86aec8f282410a59\\n\"}", &l);
	assert_int_equal(l.refs.n, 0);
	assert_int_equal(l.ids.n, 1);
	assert_string_equal(l.ids.v[0], "sha256:86aec8f282410a59");
	dload_free(&l);
}

static void
test_podman(void **state)
{
	struct dload l;

	(void)state;
	parse_ok("{\"stream\":\"Loaded image: localhost/efx:c2x\"}\n", &l);
	assert_int_equal(l.refs.n, 1);
	assert_string_equal(l.refs.v[0], "localhost/efx:c2x");
	dload_free(&l);
	parse_ok("{\"stream\":\"Loaded image: localhost/a:1,localhost/b:2\"}", &l);
	assert_int_equal(l.refs.n, 2);
	assert_string_equal(l.refs.v[0], "localhost/a:1");
	assert_string_equal(l.refs.v[1], "localhost/b:2");
	dload_free(&l);
}

static void
test_error(void **state)
{
	static const char body[] =
		"{\"errorDetail\":{\"message\":\"Error processing tar file(exit status 1): archive/tar: invalid tar header\"},"
		"\"error\":\"Error processing tar file(exit status 1): archive/tar: invalid tar header\"}\n";
	struct dload l;
	struct err e;

	(void)state;
	assert_int_equal(dload_parse(body, strlen(body), &l, &e), -1);
	assert_int_equal(errno, EIO);
	assert_string_equal(e.msg, "Error processing tar file(exit status 1): archive/tar: invalid tar header");
	dload_free(&l);
}

static void
test_not_json(void **state)
{
	static const char *bad[] = { "Loaded image: x\n", "{\"stream\":\"Loaded image: x\"", "[1]", "{\"stream\":1}x" };
	struct dload l;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (dload_parse(bad[i], strlen(bad[i]), &l, &e) != -1)
			fail_msg("%s was accepted", bad[i]);
		assert_int_equal(errno, EPROTO);
		dload_free(&l);
	}
}

static void
test_empty(void **state)
{
	struct dload l;

	(void)state;
	parse_ok("", &l);
	assert_int_equal(l.refs.n + l.ids.n + l.replaced.n, 0);
	dload_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_new),
		cmocka_unit_test(test_docker_replaced),
		cmocka_unit_test(test_docker_untagged_and_progress),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests_name("dload", tests, NULL, NULL);
}
