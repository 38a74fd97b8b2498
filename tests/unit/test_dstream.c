/* dstream: the engine's multiplexed stream, fed whole and in every split
 * (frames cut inside the header and inside the payload), bad headers, a
 * stream that stops inside a frame; dline: the newest line of an output. */
#include <errno.h>

#include "testutil.h"
#include "../../helpers/lib/dstream.h"

struct got {
	char out[256], err[256], all[512];
	size_t nout, nerr, nall;
	int fail_at;	/* fail on the Nth call (0: never) */
	int calls;
};

static int
collect(int stream, const char *data, size_t len, void *arg)
{
	struct got *g = arg;

	if (++g->calls == g->fail_at) {
		errno = ENOSPC;
		return -1;
	}
	assert_true(stream == 1 || stream == 2);
	memcpy(stream == 1 ? g->out + g->nout : g->err + g->nerr, data, len);
	*(stream == 1 ? &g->nout : &g->nerr) += len;
	memcpy(g->all + g->nall, data, len);
	g->nall += len;
	return 0;
}

/* out1\n (stdout), err1\n (stderr), an empty frame, "partial" (stdout) */
static const char STREAM[] =
	"\1\0\0\0\0\0\0\5out1\n"
	"\2\0\0\0\0\0\0\5err1\n"
	"\1\0\0\0\0\0\0\0"
	"\1\0\0\0\0\0\0\7partial";

static void
check(const struct got *g)
{
	assert_int_equal(g->nout, 12);
	assert_memory_equal(g->out, "out1\npartial", 12);
	assert_int_equal(g->nerr, 5);
	assert_memory_equal(g->err, "err1\n", 5);
	assert_int_equal(g->nall, 17);
	assert_memory_equal(g->all, "out1\nerr1\npartial", 17);
}

static void
test_whole(void **state)
{
	struct dstream s;
	struct got g = { 0 };
	struct err e;

	(void)state;
	dstream_init(&s);
	assert_int_equal(dstream_feed(&s, STREAM, sizeof(STREAM) - 1, collect, &g, &e), 0);
	assert_int_equal(dstream_end(&s, &e), 0);
	check(&g);
}

/* every split into two reads, and one byte at a time */
static void
test_split(void **state)
{
	size_t n = sizeof(STREAM) - 1;
	struct err e;

	(void)state;
	for (size_t cut = 0; cut <= n; cut++) {
		struct dstream s;
		struct got g = { 0 };

		dstream_init(&s);
		assert_int_equal(dstream_feed(&s, STREAM, cut, collect, &g, &e), 0);
		assert_int_equal(dstream_feed(&s, STREAM + cut, n - cut, collect, &g, &e), 0);
		assert_int_equal(dstream_end(&s, &e), 0);
		check(&g);
	}
	{
		struct dstream s;
		struct got g = { 0 };

		dstream_init(&s);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(dstream_feed(&s, STREAM + i, 1, collect, &g, &e), 0);
		assert_int_equal(dstream_end(&s, &e), 0);
		check(&g);
	}
}

static int
count(int stream, const char *data, size_t len, void *arg)
{
	(void)stream, (void)data;
	*(size_t *)arg += len;
	return 0;
}

static void
test_large_frame(void **state)
{
	static char buf[8 + 70000];
	struct dstream s;
	size_t got = 0;
	struct err e;

	(void)state;
	buf[0] = 2;
	buf[5] = 0x01, buf[6] = 0x11, buf[7] = 0x70;	/* 70000 */
	dstream_init(&s);
	assert_int_equal(dstream_feed(&s, buf, 4000, count, &got, &e), 0);
	assert_int_equal(dstream_feed(&s, buf + 4000, sizeof(buf) - 4000, count, &got, &e), 0);
	assert_int_equal(got, 70000);
	assert_int_equal(dstream_end(&s, &e), 0);
}

static void
test_bad_header(void **state)
{
	struct dstream s;
	struct got g = { 0 };
	struct err e;

	(void)state;
	dstream_init(&s);
	/* a tty's raw output is not framed */
	assert_int_equal(dstream_feed(&s, "hello world\n", 12, collect, &g, &e), -1);
	assert_int_equal(errno, EPROTO);
	assert_non_null(strstr(e.msg, "68 65 6c 6c"));
	dstream_init(&s);
	assert_int_equal(dstream_feed(&s, "\1\0\1\0\0\0\0\1x", 9, collect, &g, &e), -1);
	assert_int_equal(errno, EPROTO);
}

static void
test_truncated(void **state)
{
	struct dstream s;
	struct got g = { 0 };
	struct err e;

	(void)state;
	dstream_init(&s);
	assert_int_equal(dstream_feed(&s, STREAM, 10, collect, &g, &e), 0);
	assert_int_equal(dstream_end(&s, &e), -1);
	assert_int_equal(errno, EPROTO);
	dstream_init(&s);
	assert_int_equal(dstream_feed(&s, STREAM, 3, collect, &g, &e), 0);
	assert_int_equal(dstream_end(&s, &e), -1);
}

static void
test_callback_fails(void **state)
{
	struct dstream s;
	struct got g = { .fail_at = 2 };
	struct err e;

	(void)state;
	dstream_init(&s);
	assert_int_equal(dstream_feed(&s, STREAM, sizeof(STREAM) - 1, collect, &g, &e), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(g.nall, 5);
}

static void
newest(const struct dline *l, const char *want)
{
	char line[DLINE_MAX + 1];

	dline_newest(l, line);
	assert_string_equal(line, want);
}

static void
test_dline(void **state)
{
	struct dline l;
	char longline[300];

	(void)state;
	dline_init(&l);
	newest(&l, "");
	dline_feed(&l, "first\nsec", 9);
	newest(&l, "sec");		/* the line being written */
	dline_feed(&l, "ond\r\n", 5);
	newest(&l, "second");		/* complete, without its line end */
	dline_feed(&l, "\n", 1);
	newest(&l, "");			/* an empty last line, as tail -n 1 */
	dline_feed(&l, "x\ny\nz\n", 6);
	newest(&l, "z");
	memset(longline, 'a', sizeof(longline));
	dline_feed(&l, longline, sizeof(longline));
	newest(&l, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	dline_feed(&l, "\n", 1);
	newest(&l, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

/* a cut at 100 bytes does not split a UTF-8 character */
static void
test_dline_utf8(void **state)
{
	struct dline l;
	char line[200], got[DLINE_MAX + 1];

	(void)state;
	memset(line, 'a', 99);
	memcpy(line + 99, "\xc3\xa9tail\n", 7);	/* é at bytes 99-100 */
	dline_init(&l);
	dline_feed(&l, line, 106);
	dline_newest(&l, got);
	assert_int_equal(strlen(got), 99);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_large_frame),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_callback_fails),
		cmocka_unit_test(test_dline),
		cmocka_unit_test(test_dline_utf8),
	};

	return cmocka_run_group_tests_name("dstream", tests, NULL, NULL);
}
