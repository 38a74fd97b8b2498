/* imgconf: every key of image.yaml, and every error with its line:column. */
#include "testutil.h"
#include "../../helpers/lib/imgconf.h"

static int
parse(const char *yaml, struct imgconf *c, struct err *err)
{
	return imgconf_parse("image.yaml", (const unsigned char *)yaml, strlen(yaml), c, err);
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
	struct err err;
	char *s;

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
		"annotations: {org.opencontainers.image.title: php}\n", &c, &err), 0);
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
	struct err err;

	(void)state;
	assert_int_equal(parse("", &c, &err), 0);
	assert_int_equal(json_object_size(c.config), 0);
	imgconf_free(&c);
	assert_int_equal(parse("# only a comment\n---\n", &c, &err), 0);
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
	struct err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(parse(cases[i].yaml, &c, &err), -1);
		assert_string_equal(err.msg, cases[i].err);
	}
}

/* A tab where YAML wants spaces: libyaml says "found character that
 * cannot start any token" or "found a tab character that violates
 * indentation"; the message names the tab and its line:column. */
static void
test_tabs(void **state)
{
	static const struct { const char *yaml, *err; } cases[] = {
		{ "cmd: [a]\n\tentrypoint: [b]\n", "image.yaml:2:1: a tab character: YAML indents with spaces only" },
		{ "env:\n  A: b\n\tB: c\n", "image.yaml:3:1: a tab character: YAML indents with spaces only" },
		{ "cmd:\n  - a\n  \t- b\n", "image.yaml:3:3: a tab character: YAML indents with spaces only" },
		{ "env:\n  A: |\n\tx\n", "image.yaml:3:1: a tab character: YAML indents with spaces only" },
		/* columns count characters, not bytes */
		{ "labels:\n  \xc3\xa9t\xc3\xa9: x\n\tb: y\n", "image.yaml:3:1: a tab character: YAML indents with spaces only" },
		/* where YAML allows a tab, it stays allowed */
		{ "cmd: [a]\n\n", NULL },
		{ "workdir:\t/x\n", NULL },
		{ "labels: {a: b,\tc: d}\n", NULL },
	};
	struct imgconf c;
	struct err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if (!cases[i].err) {
			assert_int_equal(parse(cases[i].yaml, &c, &err), 0);
			imgconf_free(&c);
			continue;
		}
		assert_int_equal(parse(cases[i].yaml, &c, &err), -1);
		assert_string_equal(err.msg, cases[i].err);
	}
}

/* Hostile files: bounded before libyaml builds the document (100,000
 * nested '[' took libyaml over 40 s; 200,000 aliases 625 MB), and the
 * silent surprises (duplicate keys, a NUL cutting a string) are errors. */
static void
test_hostile(void **state)
{
	static const struct { const char *yaml, *err; } cases[] = {
		{ "user: a\nuser: b\n", "image.yaml:2:1: duplicate key 'user'" },
		{ "env:\n  A: 1\n  B: 2\n  A: 3\n", "image.yaml:4:3: duplicate key 'A'" },
		{ "labels: {a: b, a: c}\n", "image.yaml:1:16: duplicate key 'a'" },
		{ "cmd: [\"a\\0b\"]\n", "image.yaml:1:7: a string with a NUL character (\\0) in it is not allowed" },
		{ "env: {\"A\\0B\": x}\n", "image.yaml:1:7: a string with a NUL character (\\0) in it is not allowed" },
		{ "labels: {a: b}\nannotations: *l\n", "image.yaml:2:14: aliases (*l) are not supported; write the value out" },
		{ "labels: &l {a: b}\n", "image.yaml:1:9: anchors (&l) are not supported; write the value out" },
		{ "cmd: [a, &x b]\n", "image.yaml:1:10: anchors (&x) are not supported; write the value out" },
		{ "user: a\n---\nuser: b\n", "image.yaml:2:1: a second YAML document; image.yaml holds one" },
	};
	struct imgconf c;
	struct err err;
	char *y, path[] = "/tmp/sm-imgconf-XXXXXX";
	size_t n = 100000;
	int fd;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(parse(cases[i].yaml, &c, &err), -1);
		assert_string_equal(err.msg, cases[i].err);
	}
	/* 100,000 nested lists: refused at level 65 (the root mapping is 1) */
	y = malloc(2 * n + 16);
	memcpy(y, "cmd: ", 5);
	memset(y + 5, '[', n);
	memset(y + 5 + n, ']', n);
	strcpy(y + 5 + 2 * n, "\n");
	assert_int_equal(parse(y, &c, &err), -1);
	assert_string_equal(err.msg, "image.yaml:1:69: nested deeper than 64 levels");
	/* 64 levels are fine (and then the wrong type for 'cmd') */
	memset(y + 5, '[', 63);
	memset(y + 5 + 63, ']', 63);
	strcpy(y + 5 + 126, "\n");
	assert_int_equal(parse(y, &c, &err), -1);
	assert_string_equal(err.msg, "image.yaml:1:7: 'cmd' must be a string, got a list");
	free(y);
	/* billion laughs: each level ten aliases of the one before (refused
	 * at the first anchor), and 45,000 anchors (7 to 14 s in libyaml's loader here) */
	y = malloc(IMGCONF_MAX_SIZE);
	strcpy(y, "labels: {l0: &a0 x}\nannotations:\n  x: [");
	for (int i = 1; i < 10; i++)
		sprintf(y + strlen(y), "&a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d],",
			i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	strcat(y, "x]\n");
	assert_int_equal(parse(y, &c, &err), -1);
	assert_string_equal(err.msg, "image.yaml:1:14: anchors (&a0) are not supported; write the value out");
	strcpy(y, "labels: {");
	for (size_t k = 9, i = 0; i < 45000; i++)
		k += sprintf(y + k, "k%zu: &a%zu v,", i, i);
	strcat(y, "z: z}\n");
	assert_int_equal(parse(y, &c, &err), -1);
	assert_string_equal(err.msg, "image.yaml:1:14: anchors (&a0) are not supported; write the value out");
	free(y);
	/* over 1 MiB, even of comments: refused, in memory and from a file */
	y = malloc(IMGCONF_MAX_SIZE + 2);
	memset(y, '#', IMGCONF_MAX_SIZE + 1);
	y[IMGCONF_MAX_SIZE + 1] = '\0';
	assert_int_equal(parse(y, &c, &err), -1);
	assert_string_equal(err.msg, "image.yaml: larger than 1024 KiB; refusing it");
	assert_int_equal(parse(y + 1, &c, &err), 0);	/* exactly 1 MiB is fine */
	imgconf_free(&c);
	assert_true((fd = mkstemp(path)) >= 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(write(fd, y, IMGCONF_MAX_SIZE), IMGCONF_MAX_SIZE);
	close(fd);
	assert_int_equal(imgconf_load(path, &c, &err), -1);
	assert_true(strstr(err.msg, ": larger than 1024 KiB; refusing it") != NULL);
	unlink(path);
	free(y);
}

static void
test_missing_file(void **state)
{
	struct imgconf c;
	struct err err;

	(void)state;
	assert_int_equal(imgconf_load("/nonexistent/image.yaml", &c, &err), -1);
	assert_string_equal(err.msg, "/nonexistent/image.yaml: No such file or directory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_empty_is_valid),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_tabs),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests_name("imgconf", tests, NULL, NULL);
}
