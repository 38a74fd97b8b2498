/* dstream: the engine's multiplexed output stream (logs and attach of a
 * container without a tty): frames of an 8-byte header {STREAM, 0, 0, 0,
 * SIZE as 4 bytes big-endian} and SIZE bytes of STREAM (1 stdout, 2
 * stderr; 0 stdin and 3, the engine's own error, also occur). A frame may
 * arrive split across any number of reads. And the newest line of an
 * output, for progress reports. */
#ifndef DSTREAM_H
#define DSTREAM_H

#include <stddef.h>

#include "err.h"

struct dstream {
	unsigned char hdr[8];
	size_t hlen;		/* header bytes gathered */
	int stream;		/* of the current frame */
	size_t left;		/* its payload bytes still to come */
};

/* Called with each piece of payload, in order; returns 0, or -1 (with
 * errno) to stop the stream. */
typedef int (*dstream_fn)(int stream, const char *data, size_t len, void *arg);

void dstream_init(struct dstream *s);
/* Feed LEN bytes. -1: FN failed (its errno), or a header that is not one
 * (EPROTO, E says which bytes). */
int dstream_feed(struct dstream *s, const char *data, size_t len, dstream_fn fn, void *arg,
		 struct err *e);
/* At the end of the stream: -1 with EPROTO when it stopped inside a frame. */
int dstream_end(const struct dstream *s, struct err *e);

/* The newest line of a text: the line being written if it has anything,
 * else the last complete one; at most DLINE_MAX bytes of it, cut at a
 * UTF-8 character boundary, without its line end (dline_newest copies it
 * into OUT). */
#define DLINE_MAX 100
struct dline {
	char last[DLINE_MAX + 1], cur[DLINE_MAX + 1];
	size_t curlen;
};

void dline_init(struct dline *l);
void dline_feed(struct dline *l, const char *data, size_t len);
void dline_newest(const struct dline *l, char out[DLINE_MAX + 1]);

#endif
