/* dctr: the parts that need no engine: --ulimit values and the body of
 * POST /containers/create. */
#include <errno.h>

#include "testutil.h"
#include "../../helpers/lib/dctr.h"

static void
test_ulimit(void **state)
{
	static const char *bad[] = { "nofile", "=1:2", "nofile=", "nofile=x", "nofile=2:1", "nofile=1:", "nofile=1:2x",
				     "a-name-longer-than-thirty-one-bytes=1" };
	struct dctr_ulimit u;
	struct err e;

	(void)state;
	assert_int_equal(dctr_parse_ulimit("nofile=1024:2048", &u, &e), 0);
	assert_string_equal(u.name, "nofile");
	assert_int_equal(u.soft, 1024);
	assert_int_equal(u.hard, 2048);
	assert_int_equal(dctr_parse_ulimit("nproc=512", &u, &e), 0);
	assert_int_equal(u.soft, 512);
	assert_int_equal(u.hard, 512);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (dctr_parse_ulimit(bad[i], &u, &e) != -1)
			fail_msg("%s was accepted", bad[i]);
		assert_int_equal(errno, EINVAL);
	}
}

static void
test_create_body(void **state)
{
	char *cmd[] = { "/bin/sh", "-c", "true" }, *env[] = { "SM_JOBS=2" },
	     *labels[] = { "org.scratchmerge.owner=x/y", "flag", "k=v=w" }, *vols[] = { "tree:/var/db/repos:ro" },
	     *caps[] = { "SYS_PTRACE" };
	struct dctr_ulimit ul[] = { { "nofile", 1024, 1024 } };
	struct dctr_spec s = {
		.name = "n", .image = "img:1", .network = "none", .workdir = "/", .runtime = "runc",
		.cmd = cmd, .ncmd = 3, .env = env, .nenv = 1, .labels = labels, .nlabels = 3,
		.volumes = vols, .nvolumes = 1, .caps = caps, .ncaps = 1, .ulimits = ul, .nulimits = 1,
	};
	json_t *body = dctr_create_body(&s);
	char *text;

	(void)state;
	assert_non_null(body);
	text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text,
		"{\"AttachStdin\":false,\"Cmd\":[\"/bin/sh\",\"-c\",\"true\"],\"Env\":[\"SM_JOBS=2\"],"
		"\"HostConfig\":{\"Binds\":[\"tree:/var/db/repos:ro\"],\"CapAdd\":[\"SYS_PTRACE\"],"
		"\"NetworkMode\":\"none\",\"Runtime\":\"runc\",\"Ulimits\":[{\"Hard\":1024,\"Name\":\"nofile\",\"Soft\":1024}]},"
		"\"Image\":\"img:1\",\"Labels\":{\"flag\":\"\",\"k\":\"v=w\",\"org.scratchmerge.owner\":\"x/y\"},"
		"\"OpenStdin\":false,\"Tty\":false,\"WorkingDir\":\"/\"}");
	free(text);
	json_decref(body);
}

/* nothing but the image and the command: the engine's defaults */
static void
test_create_body_minimal(void **state)
{
	char *cmd[] = { "true" };
	struct dctr_spec s = { .name = "n", .image = "img", .cmd = cmd, .ncmd = 1 };
	json_t *body = dctr_create_body(&s);
	char *text;

	(void)state;
	text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text,
		"{\"AttachStdin\":false,\"Cmd\":[\"true\"],\"Env\":[],"
		"\"HostConfig\":{\"Binds\":[],\"CapAdd\":[],\"NetworkMode\":\"default\",\"Ulimits\":[]},"
		"\"Image\":\"img\",\"Labels\":{},\"OpenStdin\":false,\"Tty\":false,\"WorkingDir\":\"\"}");
	free(text);
	json_decref(body);
}

/* auto_remove: HostConfig.AutoRemove (a kept container's) */
static void
test_create_body_auto_remove(void **state)
{
	char *cmd[] = { "true" };
	struct dctr_spec s = { .name = "n", .image = "img", .cmd = cmd, .ncmd = 1, .auto_remove = 1 };
	json_t *body = dctr_create_body(&s);

	(void)state;
	assert_true(json_is_true(json_object_get(json_object_get(body, "HostConfig"), "AutoRemove")));
	json_decref(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulimit),
		cmocka_unit_test(test_create_body),
		cmocka_unit_test(test_create_body_minimal),
		cmocka_unit_test(test_create_body_auto_remove),
	};

	return cmocka_run_group_tests_name("dctr", tests, NULL, NULL);
}
