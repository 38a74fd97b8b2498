#include <errno.h>
#include <string.h>

#include "dstream.h"

void
dstream_init(struct dstream *s)
{
	memset(s, 0, sizeof(*s));
}

static int
start_frame(struct dstream *s, struct err *e)
{
	const unsigned char *h = s->hdr;

	s->hlen = 0;
	if (h[0] > 3 || h[1] || h[2] || h[3])
		return err_set(e, EPROTO, "not a stream frame header: %02x %02x %02x %02x",
			       h[0], h[1], h[2], h[3]);
	s->stream = h[0];
	s->left = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
	return 0;
}

int
dstream_feed(struct dstream *s, const char *data, size_t len, dstream_fn fn, void *arg,
	     struct err *e)
{
	while (len) {
		size_t n;

		if (!s->left) {
			n = sizeof(s->hdr) - s->hlen;
			n = n < len ? n : len;
			memcpy(s->hdr + s->hlen, data, n);
			s->hlen += n;
			data += n, len -= n;
			if (s->hlen == sizeof(s->hdr) && start_frame(s, e))
				return -1;
			continue;
		}
		n = s->left < len ? s->left : len;
		if (fn(s->stream, data, n, arg))
			return -1;
		s->left -= n;
		data += n, len -= n;
	}
	return 0;
}

int
dstream_end(const struct dstream *s, struct err *e)
{
	if (s->hlen || s->left)
		return err_set(e, EPROTO, "the stream ended inside a frame");
	return 0;
}

void
dline_init(struct dline *l)
{
	memset(l, 0, sizeof(*l));
}

/* the first bytes of LINE (LEN of them) that fit, ending on a character */
static void
keep(char *dst, const char *line, size_t len)
{
	if (len > DLINE_MAX) {
		len = DLINE_MAX;
		while (len && ((unsigned char)line[len] & 0xc0) == 0x80)
			len--;
	}
	if (len && line[len - 1] == '\r')
		len--;
	memcpy(dst, line, len);
	dst[len] = '\0';
}

void
dline_feed(struct dline *l, const char *data, size_t len)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		size_t room = sizeof(l->cur) - l->curlen;	/* one byte past DLINE_MAX tells a cut */

		memcpy(l->cur + l->curlen, data, n < room ? n : room);
		l->curlen += n < room ? n : room;
		if (!nl)
			return;
		keep(l->last, l->cur, l->curlen);
		l->curlen = 0;
		data += n + 1, len -= n + 1;
	}
}

void
dline_newest(const struct dline *l, char out[DLINE_MAX + 1])
{
	if (l->curlen)
		keep(out, l->cur, l->curlen);
	else
		memcpy(out, l->last, sizeof(l->last));
}
