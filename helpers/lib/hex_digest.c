#include <openssl/evp.h>

#include "hex.h"

void
hex_digest(const EVP_MD *md, const void *buf, size_t n, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	EVP_Digest(buf, n, d, &len, md, NULL);
	hex_encode(d, len, out);
}
