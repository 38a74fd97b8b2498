/* imgconf: every key of image.yaml, and every error with its line:column. */
#include "testutil.h"
#include "../../helpers/lib/imgconf.h"

static int
parse(const char *yaml, struct imgconf *c, char *err)
{
	return imgconf_parse("image.yaml", (const unsigned char *)yaml, strlen(yaml), c, err, 512);
}

static char *
dump(json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

static void
test_every_key(void **state)
{
	struct imgconf c;
	char err[512], *s;

	(void)state;
	assert_int_equal(parse(
		"entrypoint: [/usr/sbin/php-fpm, -F]\n"
		"cmd:\n  - --nodaemonize\n"
		"env:\n  PATH: /usr/bin\n  N: 1\n  EMPTY:\n"
		"workdir: /var/www\n"
		"user: nobody\n"
		"expose: [9000/tcp, 53/udp, 80]\n"
		"volumes: [/data]\n"
		"labels: {a: b}\n"
		"stop-signal: SIGQUIT\n"
		"annotations: {org.opencontainers.image.title: php}\n", &c, err), 0);
	s = dump(c.config);
	assert_string_equal(s,
		"{\"Cmd\":[\"--nodaemonize\"],\"Entrypoint\":[\"/usr/sbin/php-fpm\",\"-F\"],"
		"\"Env\":[\"PATH=/usr/bin\",\"N=1\",\"EMPTY=\"],"
		"\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{},\"9000/tcp\":{}},"
		"\"Labels\":{\"a\":\"b\"},\"StopSignal\":\"SIGQUIT\",\"User\":\"nobody\","
		"\"Volumes\":{\"/data\":{}},\"WorkingDir\":\"/var/www\"}");
	free(s);
	s = dump(c.annotations);
	assert_string_equal(s, "{\"org.opencontainers.image.title\":\"php\"}");
	free(s);
	imgconf_free(&c);
}

static void
test_empty_is_valid(void **state)
{
	struct imgconf c;
	char err[512];

	(void)state;
	assert_int_equal(parse("", &c, err), 0);
	assert_int_equal(json_object_size(c.config), 0);
	imgconf_free(&c);
	assert_int_equal(parse("# only a comment\n---\n", &c, err), 0);
	imgconf_free(&c);
}

static void
test_errors(void **state)
{
	static const struct { const char *yaml, *err; } cases[] = {
		{ "entrypiont: [/x]\n", "image.yaml:1:1: unknown key 'entrypiont' (known: entrypoint, cmd, env, workdir, user, expose, volumes, labels, stop-signal, annotations)" },
		{ "cmd: [a]\nentrypoint: /bin/sh\n", "image.yaml:2:13: 'entrypoint' must be a list of strings, got a scalar" },
		{ "cmd:\n  - a\n  - {b: c}\n", "image.yaml:3:5: 'cmd' must be a string, got a mapping" },
		{ "env: [A=1]\n", "image.yaml:1:6: 'env' must be a mapping of strings, got a list" },
		{ "env:\n  A=B: 1\n", "image.yaml:2:3: env name 'A=B' must not contain '='" },
		{ "workdir: relative\n", "image.yaml:1:10: 'workdir' must be an absolute path, not 'relative'" },
		{ "user:\n", "image.yaml:1:6: 'user' must be a string, got an empty value" },
		{ "user: [a]\n", "image.yaml:1:7: 'user' must be a string, got a list" },
		{ "expose: [http]\n", "image.yaml:1:10: 'expose' entries look like 9000/tcp, 53/udp or 80, not 'http'" },
		{ "expose: [70000]\n", "image.yaml:1:10: 'expose' entries look like 9000/tcp, 53/udp or 80, not '70000'" },
		{ "volumes: [data]\n", "image.yaml:1:11: 'volumes' entries must be absolute paths, not 'data'" },
		{ "labels: {a: [1]}\n", "image.yaml:1:13: 'a' must be a string, got a list" },
		{ "- a\n- b\n", "image.yaml:1:1: the top level must be a mapping (entrypoint, cmd, env, workdir, user, expose, volumes, labels, stop-signal, annotations), got a list" },
		{ "cmd: [a\n", "image.yaml:2:1: did not find expected ',' or ']'" },
	};
	struct imgconf c;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(parse(cases[i].yaml, &c, err), -1);
		assert_string_equal(err, cases[i].err);
	}
}

static void
test_missing_file(void **state)
{
	struct imgconf c;
	char err[512];

	(void)state;
	assert_int_equal(imgconf_load("/nonexistent/image.yaml", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/image.yaml: No such file or directory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_empty_is_valid),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests_name("imgconf", tests, NULL, NULL);
}
