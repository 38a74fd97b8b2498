/* contents: every line type, parsing from the right, malformed lines. */
#include "testutil.h"
#include "../../helpers/lib/contents.h"

static int
parse(const char *s, struct contents_entry *e, struct err *why)
{
	static char buf[200000];

	strcpy(buf, s);
	return contents_parse(buf, strlen(s), e, why);
}

static void
test_types(void **state)
{
	struct contents_entry e;
	struct err why;

	(void)state;
	assert_int_equal(parse("dir /usr/lib64", &e, &why), 0);
	assert_int_equal(e.type, CONTENTS_DIR);
	assert_string_equal(e.path, "/usr/lib64");
	assert_int_equal(e.mtime, -1);

	assert_int_equal(parse("obj /lib64/libc.so.6 0f343b0931126a20f133d67c2b018a3b 1700000001", &e, &why), 0);
	assert_int_equal(e.type, CONTENTS_OBJ);
	assert_string_equal(e.path, "/lib64/libc.so.6");
	assert_string_equal(e.md5, "0f343b0931126a20f133d67c2b018a3b");
	assert_int_equal(e.mtime, 1700000001);

	assert_int_equal(parse("sym /usr/lib/libx.so -> libx.so.1 42", &e, &why), 0);
	assert_int_equal(e.type, CONTENTS_SYM);
	assert_string_equal(e.path, "/usr/lib/libx.so");
	assert_string_equal(e.target, "libx.so.1");
	assert_int_equal(e.mtime, 42);

	assert_int_equal(parse("dev /dev/null", &e, &why), 0);
	assert_int_equal(e.type, CONTENTS_DEV);
	assert_int_equal(parse("fif /run/a fifo", &e, &why), 0);
	assert_int_equal(e.type, CONTENTS_FIF);
	assert_string_equal(e.path, "/run/a fifo");
}

static void
test_spaces_from_the_right(void **state)
{
	struct contents_entry e;
	struct err why;

	(void)state;
	/* a path whose words look like an md5 and an mtime */
	assert_int_equal(parse("obj /my docs/0f343b0931126a20f133d67c2b018a3b 7 af343b0931126a20f133d67c2b018a3b 99", &e, &why), 0);
	assert_string_equal(e.path, "/my docs/0f343b0931126a20f133d67c2b018a3b 7");
	assert_string_equal(e.md5, "af343b0931126a20f133d67c2b018a3b");
	assert_int_equal(e.mtime, 99);
	/* the link splits at the last " -> ", as Portage's greedy regex */
	assert_int_equal(parse("sym /a -> b/c -> d 5", &e, &why), 0);
	assert_string_equal(e.path, "/a -> b/c");
	assert_string_equal(e.target, "d");
	assert_int_equal(parse("sym /my docs/weird -> not->an arrow 1700000006", &e, &why), 0);
	assert_string_equal(e.path, "/my docs/weird");
	assert_string_equal(e.target, "not->an arrow");
}

static void
test_malformed(void **state)
{
	static const struct { const char *line, *why; } bad[] = {
		{ "", "line too short or no type field" },
		{ "obj", "line too short or no type field" },
		{ "xyz /a", "unknown entry type (want dir, obj, sym, dev or fif)" },
		{ "dir relative", "path is not absolute" },
		{ "obj /a 0f343b0931126a20f133d67c2b018a3b", "obj line: missing or non-numeric mtime" },
		{ "obj /a 0f343b0931126a20f133d67c2b018a3b 12x", "obj line: missing or non-numeric mtime" },
		{ "obj /a 0f343b09 12", "obj line: md5 is not 32 hex digits" },
		{ "obj /a 12", "obj line: missing md5" },
		{ "sym /a b 12", "sym line: no \" -> \" between path and target" },
		{ "sym /a -> b", "sym line: missing or non-numeric mtime" },
		{ "sym /a ->  12", "sym line: empty target" },
	};
	struct contents_entry e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct err why;

		assert_int_equal(parse(bad[i].line, &e, &why), -1);
		assert_string_equal(why.msg, bad[i].why);
	}
}

static void
test_garbage_and_long(void **state)
{
	static char buf[200001];
	struct contents_entry e;
	struct err why;

	(void)state;
	/* binary garbage with a NUL in it */
	memcpy(buf, "obj /\x01\xff\0\x7f 0 1", 12);
	assert_int_equal(contents_parse(buf, 12, &e, &why), -1);
	assert_string_equal(why.msg, "NUL byte in line");
	/* a 100 kB path is fine; a 100 kB unterminated field is rejected */
	memset(buf, 'a', 100000);
	memcpy(buf, "dir /", 5);
	assert_int_equal(contents_parse(buf, 100000, &e, &why), 0);
	assert_int_equal(strlen(e.path), 99996);
	memset(buf, 'a', 100000);
	memcpy(buf, "obj /", 5);
	assert_int_equal(contents_parse(buf, 100000, &e, &why), -1);
}

static void
test_type_mask(void **state)
{
	(void)state;
	assert_int_equal(contents_type_mask("obj"), CONTENTS_OBJ);
	assert_int_equal(contents_type_mask("obj,sym,dir"), CONTENTS_OBJ | CONTENTS_SYM | CONTENTS_DIR);
	assert_int_equal(contents_type_mask("file"), -1);
	assert_int_equal(contents_type_mask(""), -1);
	assert_string_equal(contents_type_name(CONTENTS_FIF), "fif");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_spaces_from_the_right),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_garbage_and_long),
		cmocka_unit_test(test_type_mask),
	};
	return cmocka_run_group_tests_name("contents", tests, NULL, NULL);
}
