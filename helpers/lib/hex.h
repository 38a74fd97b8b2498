/* hex: bytes as lower-case hexadecimal, the one encoder of the helpers
 * (digests in the OCI archive, the SBOM, the image listing, vdb unmerge's
 * md5 check). hex_encode is plain C; hex_digest (hex_digest.c) hashes
 * with OpenSSL EVP first, so only the tools that link libcrypto's EVP
 * pull it in (the static vdb does not). */
#ifndef HEX_H
#define HEX_H

#include <stddef.h>

/* N bytes of BIN as 2 * N hex digits and a NUL into OUT. */
void hex_encode(const void *bin, size_t n, char *out);

/* The digest MD (EVP_sha256(), EVP_sha1(), ...) of N bytes of BUF, in
 * hex, into OUT (2 * the digest size + 1 bytes). */
struct evp_md_st;
void hex_digest(const struct evp_md_st *md, const void *buf, size_t n, char *out);

#endif
