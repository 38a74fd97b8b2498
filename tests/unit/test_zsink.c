/* zsink: parallel gzip is one valid, deterministic gzip stream whatever the
 * thread count; zstd round-trips; the digests are those of the bytes. */
#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include "testutil.h"
#include "../../helpers/lib/zsink.h"

static unsigned char *
sample(size_t n)
{
	unsigned char *p = malloc(n);
	uint32_t x = 12345;

	/* compressible but not trivial: words from a small alphabet */
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		p[i] = "abcdefgh \n0123"[(x >> 16) % 14];
	}
	return p;
}

/* Run DATA through a zsink into a memfd; return the output. */
static unsigned char *
squeeze(enum zsink_kind k, int threads, const unsigned char *data, size_t n,
	size_t chunk, struct zsink_result *res, size_t *outlen)
{
	char name[] = "/tmp/sm-zsink-XXXXXX";
	int fd = mkstemp(name);
	struct zsink *z;
	unsigned char *out;
	struct stat st;

	unlink(name);
	z = zsink_open(fd, k, -1, threads);
	assert_non_null(z);
	for (size_t o = 0; o < n; o += chunk)
		assert_int_equal(zsink_write(z, data + o, n - o < chunk ? n - o : chunk), 0);
	assert_int_equal(zsink_close(z, res), 0);
	fstat(fd, &st);
	out = malloc(st.st_size + 1);
	assert_int_equal(pread(fd, out, st.st_size, 0), st.st_size);
	close(fd);
	*outlen = st.st_size;
	assert_int_equal(res->csize, st.st_size);
	assert_int_equal(res->usize, n);
	return out;
}

static void
check_sha(const unsigned char *p, size_t n, const unsigned char want[32])
{
	unsigned char md[32];

	EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL);
	assert_memory_equal(md, want, 32);
}

static void
test_gzip_deterministic_and_valid(void **state)
{
	size_t n = 3 * 128 * 1024 + 777, l1, l2, l4;
	unsigned char *in = sample(n), *o1, *o2, *o4, *back = malloc(n + 1);
	struct zsink_result r1, r2, r4;
	z_stream s = { 0 };

	(void)state;
	o1 = squeeze(ZSINK_GZIP, 1, in, n, 1000, &r1, &l1);
	o2 = squeeze(ZSINK_GZIP, 2, in, n, 65536, &r2, &l2);
	o4 = squeeze(ZSINK_GZIP, 4, in, n, n, &r4, &l4);
	assert_int_equal(l1, l2);
	assert_int_equal(l1, l4);
	assert_memory_equal(o1, o2, l1);
	assert_memory_equal(o1, o4, l1);
	/* fixed header: no name, mtime 0, OS unix */
	assert_memory_equal(o1, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
	/* one gzip stream that zlib inflates back, checking its CRC and size */
	assert_int_equal(inflateInit2(&s, 16 + 15), Z_OK);
	s.next_in = o1;
	s.avail_in = l1;
	s.next_out = back;
	s.avail_out = n + 1;
	assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
	assert_int_equal(s.total_out, n);
	assert_int_equal(s.avail_in, 0);
	inflateEnd(&s);
	assert_memory_equal(back, in, n);
	assert_true(l1 < n * 3 / 4);
	check_sha(in, n, r1.usha);
	check_sha(o1, l1, r1.csha);
	free(in); free(o1); free(o2); free(o4); free(back);
}

static void
test_gzip_empty_and_exact_blocks(void **state)
{
	struct zsink_result r;
	size_t l;
	unsigned char *o, *in = sample(2 * 128 * 1024), back[16];
	z_stream s = { 0 };

	(void)state;
	o = squeeze(ZSINK_GZIP, 2, (unsigned char *)"", 0, 1, &r, &l);
	assert_int_equal(inflateInit2(&s, 16 + 15), Z_OK);
	s.next_in = o;
	s.avail_in = l;
	s.next_out = back;
	s.avail_out = sizeof(back);
	assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
	assert_int_equal(s.total_out, 0);
	inflateEnd(&s);
	free(o);
	o = squeeze(ZSINK_GZIP, 2, in, 2 * 128 * 1024, 128 * 1024, &r, &l);
	assert_true(l > 10);
	free(o);
	free(in);
}

static void
test_known_digest(void **state)
{
	/* sha256("abc") */
	static const unsigned char abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	struct zsink_result r;
	size_t l;
	unsigned char *o;

	(void)state;
	o = squeeze(ZSINK_NONE, 1, (unsigned char *)"abc", 3, 1, &r, &l);
	assert_int_equal(l, 3);
	assert_memory_equal(r.usha, abc, 32);
	assert_memory_equal(r.csha, abc, 32);
	free(o);
}

static void
test_zstd_roundtrip(void **state)
{
	size_t n = 5 * 128 * 1024 + 3, l;
	unsigned char *in = sample(n), *o, *back = malloc(n);
	struct zsink_result r;

	(void)state;
	o = squeeze(ZSINK_ZSTD, 2, in, n, 4096, &r, &l);
	assert_int_equal(ZSTD_decompress(back, n, o, l), n);
	assert_memory_equal(back, in, n);
	check_sha(o, l, r.csha);
	free(in); free(o); free(back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_deterministic_and_valid),
		cmocka_unit_test(test_gzip_empty_and_exact_blocks),
		cmocka_unit_test(test_known_digest),
		cmocka_unit_test(test_zstd_roundtrip),
	};
	return cmocka_run_group_tests_name("zsink", tests, NULL, NULL);
}
