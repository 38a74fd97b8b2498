#define _GNU_SOURCE
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "path.h"
#include "zsink.h"

#define BLOCK (128 * 1024)
#define DICT (32 * 1024)
#ifndef ZSTD_JOB
#define ZSTD_JOB 4
#endif

struct job {
	unsigned char *in, *dict, *out;
	size_t inlen, dictlen, outlen;
	uint64_t seq;
	uLong crc;
	int last;
	enum { FREE, FILLED, BUSY, DONE } state;
};

struct zsink {
	int fd, err;
	enum zsink_kind kind;
	int level, nthreads;
	EVP_MD_CTX *uctx, *cctx;
	uint64_t usize, csize;

	/* gzip */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t *workers, writer;
	struct job *jobs;
	size_t njobs;
	uint64_t next_seq, next_write;
	struct job *cur;	/* being filled by the producer */
	unsigned char tail[DICT];
	size_t taillen;
	uLong crc;
	int stopping, started;

	/* zstd */
	ZSTD_CCtx *zc;
	unsigned char *zout;
	size_t zoutcap;
};

static int
write_all(struct zsink *z, const unsigned char *p, size_t n)
{
	EVP_DigestUpdate(z->cctx, p, n);
	z->csize += n;
	return path_write_all(z->fd, p, n);
}

/* Compress one block as raw deflate: dictionary, then a sync flush (or
 * the final block). */
static int
deflate_job(z_stream *s, struct job *j)
{
	int r;

	if (deflateReset(s) != Z_OK)
		return -1;
	if (j->dictlen && deflateSetDictionary(s, j->dict, j->dictlen) != Z_OK)
		return -1;
	s->next_in = j->in;
	s->avail_in = j->inlen;
	s->next_out = j->out;
	s->avail_out = deflateBound(s, BLOCK) + 64;
	r = deflate(s, j->last ? Z_FINISH : Z_SYNC_FLUSH);
	if ((j->last && r != Z_STREAM_END) || (!j->last && r != Z_OK) || s->avail_in)
		return -1;
	j->outlen = s->next_out - j->out;
	j->crc = crc32(crc32(0, NULL, 0), j->in, j->inlen);
	return 0;
}

static void *
worker(void *arg)
{
	struct zsink *z = arg;
	z_stream s = { 0 };
	int ok = deflateInit2(&s, z->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;

	pthread_mutex_lock(&z->mu);
	for (;;) {
		struct job *j = NULL;

		for (size_t i = 0; i < z->njobs; i++)
			if (z->jobs[i].state == FILLED && (!j || z->jobs[i].seq < j->seq))
				j = &z->jobs[i];
		if (!j) {
			if (z->stopping)
				break;
			pthread_cond_wait(&z->cv, &z->mu);
			continue;
		}
		j->state = BUSY;
		pthread_mutex_unlock(&z->mu);
		if (!ok || deflate_job(&s, j))
			z->err = z->err ? z->err : EIO;
		pthread_mutex_lock(&z->mu);
		j->state = DONE;
		pthread_cond_broadcast(&z->cv);
	}
	pthread_mutex_unlock(&z->mu);
	deflateEnd(&s);
	return NULL;
}

/* Writes finished blocks in order: the only thread touching fd and cctx. */
static void *
writer(void *arg)
{
	struct zsink *z = arg;

	pthread_mutex_lock(&z->mu);
	for (;;) {
		struct job *j = NULL;

		for (size_t i = 0; i < z->njobs; i++)
			if (z->jobs[i].state == DONE && z->jobs[i].seq == z->next_write)
				j = &z->jobs[i];
		if (!j) {
			if (z->stopping && z->next_write == z->next_seq)
				break;
			pthread_cond_wait(&z->cv, &z->mu);
			continue;
		}
		pthread_mutex_unlock(&z->mu);
		if (!z->err && write_all(z, j->out, j->outlen))
			z->err = errno;
		z->crc = crc32_combine(z->crc, j->crc, j->inlen);
		pthread_mutex_lock(&z->mu);
		j->state = FREE;
		z->next_write++;
		pthread_cond_broadcast(&z->cv);
	}
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

/* Hand the current block to the workers; wait for a free slot for the
 * next one. */
static int
submit(struct zsink *z, int last)
{
	struct job *j = z->cur;

	j->last = last;
	memcpy(j->dict, z->tail, z->taillen);
	j->dictlen = z->taillen;
	if (j->inlen >= DICT) {
		memcpy(z->tail, j->in + j->inlen - DICT, DICT);
		z->taillen = DICT;
	} else {
		/* a short block only happens last */
		memcpy(z->tail, j->in, j->inlen);
		z->taillen = j->inlen;
	}
	pthread_mutex_lock(&z->mu);
	j->seq = z->next_seq++;
	j->state = FILLED;
	pthread_cond_broadcast(&z->cv);
	z->cur = NULL;
	if (!last) {
		for (;;) {
			for (size_t i = 0; i < z->njobs && !z->cur; i++)
				if (z->jobs[i].state == FREE)
					z->cur = &z->jobs[i];
			if (z->cur)
				break;
			pthread_cond_wait(&z->cv, &z->mu);
		}
		z->cur->state = BUSY;	/* owned by the producer */
		z->cur->inlen = 0;
	}
	pthread_mutex_unlock(&z->mu);
	return z->err ? -1 : 0;
}

static void
free_jobs(struct zsink *z)
{
	for (size_t i = 0; i < z->njobs; i++) {
		free(z->jobs[i].in);
		free(z->jobs[i].dict);
		free(z->jobs[i].out);
	}
	free(z->jobs);
	free(z->workers);
}

static int
gzip_start(struct zsink *z)
{
	static const unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	z_stream probe = { 0 };
	size_t outcap;

	if (deflateInit2(&probe, z->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	outcap = deflateBound(&probe, BLOCK) + 64;
	deflateEnd(&probe);
	z->njobs = 2 * (size_t)z->nthreads + 2;
	z->jobs = calloc(z->njobs, sizeof(*z->jobs));
	z->workers = calloc(z->nthreads, sizeof(*z->workers));
	if (!z->jobs || !z->workers)
		return -1;
	for (size_t i = 0; i < z->njobs; i++) {
		z->jobs[i].in = malloc(BLOCK);
		z->jobs[i].dict = malloc(DICT);
		z->jobs[i].out = malloc(outcap);
		if (!z->jobs[i].in || !z->jobs[i].dict || !z->jobs[i].out)
			return -1;
	}
	z->crc = crc32(0, NULL, 0);
	if (write_all(z, hdr, sizeof(hdr)))
		return -1;
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->cv, NULL);
	z->cur = &z->jobs[0];
	z->cur->state = BUSY;
	for (int i = 0; i < z->nthreads; i++)
		if (pthread_create(&z->workers[i], NULL, worker, z))
			return -1;
	if (pthread_create(&z->writer, NULL, writer, z))
		return -1;
	z->started = 1;
	return 0;
}

static void
gzip_stop(struct zsink *z)
{
	if (!z->started)
		return;
	pthread_mutex_lock(&z->mu);
	z->stopping = 1;
	pthread_cond_broadcast(&z->cv);
	pthread_mutex_unlock(&z->mu);
	for (int i = 0; i < z->nthreads; i++)
		pthread_join(z->workers[i], NULL);
	pthread_join(z->writer, NULL);
	z->started = 0;
}

struct zsink *
zsink_open(int fd, enum zsink_kind kind, int level, int threads)
{
	struct zsink *z = calloc(1, sizeof(*z));
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (!z)
		return NULL;
	z->fd = fd;
	z->kind = kind;
	z->nthreads = threads > 0 ? threads : (n > 0 ? (int)n : 1);
	z->level = level >= 0 ? level : kind == ZSINK_ZSTD ? 3 : 6;
	z->uctx = EVP_MD_CTX_new();
	z->cctx = EVP_MD_CTX_new();
	if (!z->uctx || !z->cctx || !EVP_DigestInit_ex(z->uctx, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(z->cctx, EVP_sha256(), NULL))
		goto fail;
	if (kind == ZSINK_GZIP) {
		if (z->level > 9 || gzip_start(z))
			goto fail;
	} else if (kind == ZSINK_ZSTD) {
		if (!(z->zc = ZSTD_createCCtx()) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(z->zc, ZSTD_c_compressionLevel, z->level)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(z->zc, ZSTD_c_checksumFlag, 1)))
			goto fail;
		/* without MT support in libzstd this fails: stay single-threaded */
		(void)ZSTD_CCtx_setParameter(z->zc, ZSTD_c_nbWorkers, z->nthreads);
		/* jobs of ZSTD_JOB MiB (4: under 45 MB in all; libzstd's default is 4 windows, 8 MiB at
		 * level 3, and it keeps several per worker): bounded memory */
		(void)ZSTD_CCtx_setParameter(z->zc, ZSTD_c_jobSize, ZSTD_JOB << 20);
		z->zoutcap = ZSTD_CStreamOutSize();
		if (!(z->zout = malloc(z->zoutcap)))
			goto fail;
	}
	return z;
fail:
	zsink_abort(z);
	errno = EINVAL;
	return NULL;
}

static int
zstd_push(struct zsink *z, const void *buf, size_t len, ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = { buf, len, 0 };
	size_t left;

	do {
		ZSTD_outBuffer out = { z->zout, z->zoutcap, 0 };

		left = ZSTD_compressStream2(z->zc, &out, &in, end);
		if (ZSTD_isError(left)) {
			errno = EIO;
			return -1;
		}
		if (out.pos && write_all(z, z->zout, out.pos))
			return -1;
	} while (end == ZSTD_e_end ? left != 0 : in.pos < in.size);
	return 0;
}

int
zsink_write(struct zsink *z, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	EVP_DigestUpdate(z->uctx, buf, len);
	z->usize += len;
	switch (z->kind) {
	case ZSINK_NONE:
		return write_all(z, buf, len);
	case ZSINK_ZSTD:
		return zstd_push(z, buf, len, ZSTD_e_continue);
	case ZSINK_GZIP:
		while (len) {
			size_t n = BLOCK - z->cur->inlen;

			if (n > len)
				n = len;
			memcpy(z->cur->in + z->cur->inlen, p, n);
			z->cur->inlen += n;
			p += n;
			len -= n;
			if (z->cur->inlen == BLOCK && submit(z, 0)) {
				errno = z->err;
				return -1;
			}
		}
		return 0;
	}
	return 0;
}

int
zsink_close(struct zsink *z, struct zsink_result *res)
{
	int r = 0;

	if (z->kind == ZSINK_GZIP) {
		unsigned char trailer[8];
		uint32_t crc, isize = (uint32_t)z->usize;

		submit(z, 1);
		gzip_stop(z);
		crc = (uint32_t)z->crc;
		for (int i = 0; i < 4; i++) {
			trailer[i] = crc >> (8 * i);
			trailer[4 + i] = isize >> (8 * i);
		}
		if (z->err || write_all(z, trailer, 8))
			r = -1;
	} else if (z->kind == ZSINK_ZSTD) {
		r = zstd_push(z, NULL, 0, ZSTD_e_end);
	}
	res->usize = z->usize;
	res->csize = z->csize;
	EVP_DigestFinal_ex(z->uctx, res->usha, NULL);
	EVP_DigestFinal_ex(z->cctx, res->csha, NULL);
	if (r && !errno)
		errno = z->err ? z->err : EIO;
	zsink_abort(z);
	return r;
}

void
zsink_abort(struct zsink *z)
{
	if (!z)
		return;
	if (z->kind == ZSINK_GZIP && z->started) {
		/* drain: let the writer finish what was submitted */
		if (z->cur) {
			z->cur->state = FREE;
			z->cur = NULL;
		}
		gzip_stop(z);
	}
	if (z->jobs || z->workers)
		free_jobs(z);
	if (z->kind == ZSINK_GZIP && z->njobs) {
		pthread_mutex_destroy(&z->mu);
		pthread_cond_destroy(&z->cv);
	}
	ZSTD_freeCCtx(z->zc);
	free(z->zout);
	EVP_MD_CTX_free(z->uctx);
	EVP_MD_CTX_free(z->cctx);
	free(z);
}
