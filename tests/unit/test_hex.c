/* hex: the one hex encoder, and digests through it. */
#include <openssl/evp.h>

#include "testutil.h"
#include "../../helpers/lib/hex.h"

static void
test_encode(void **state)
{
	char out[16];

	(void)state;
	memset(out, 'x', sizeof(out));
	hex_encode("\x00\x0f\xa5\xff", 4, out);
	assert_string_equal(out, "000fa5ff");
	hex_encode("", 0, out);
	assert_string_equal(out, "");
}

static void
test_digest(void **state)
{
	char out[65];

	(void)state;
	hex_digest(EVP_sha256(), "", 0, out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_digest(EVP_sha1(), "abc", 3, out);
	assert_string_equal(out, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests_name("hex", tests, NULL, NULL);
}
