/* zsink: a byte stream compressed (gzip, zstd or not at all) into a file
 * descriptor, with SHA-256 of the uncompressed and the compressed bytes
 * computed on the way (OpenSSL EVP: SHA-NI where the CPU has it).
 *
 * gzip is compressed in parallel, pigz-style: 128 KiB blocks, each primed
 * with the previous block's last 32 KiB as dictionary and ended with a sync
 * flush, so the blocks join into one valid deflate stream. Block boundaries
 * do not depend on the thread count: the output is the same for a given
 * input and level on any machine with the same zlib. The header is fixed
 * (no name, mtime 0). zstd uses libzstd's own workers. Memory is bounded
 * by the number of blocks in flight, never by the stream length. */
#ifndef ZSINK_H
#define ZSINK_H

#include <stddef.h>
#include <stdint.h>

enum zsink_kind { ZSINK_NONE, ZSINK_GZIP, ZSINK_ZSTD };

struct zsink_result {
	unsigned char usha[32], csha[32];	/* uncompressed, compressed */
	uint64_t usize, csize;
};

struct zsink;

/* LEVEL < 0: the default (gzip 6, zstd 3). THREADS < 1: all cores. */
struct zsink *zsink_open(int fd, enum zsink_kind kind, int level, int threads);
int zsink_write(struct zsink *z, const void *buf, size_t len);
/* Flush, wait for the workers, fill RES; frees Z in every case. */
int zsink_close(struct zsink *z, struct zsink_result *res);
/* Abandon: stop the workers and free Z without finishing the stream. */
void zsink_abort(struct zsink *z);

#endif
