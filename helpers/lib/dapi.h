/* dapi: the Docker Engine HTTP API (served by dockerd and by `podman
 * system service`) over libcurl: one handle, so one kept-alive connection,
 * for the whole process; a unix socket, TCP, TCP with TLS or ssh (dhost;
 * dssh: the docker CLI's `ssh HOST docker system dial-stdio`). The first
 * request asks GET /version and every request
 * goes to /vX.Y with X.Y = min(the engine's API version, 1.41).
 *
 * Interruption: with dapi_set_abort, a request in flight stops (-1, EINTR)
 * once *SIGNALS reaches AT; the caller's signal handler only counts. */
#ifndef DAPI_H
#define DAPI_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "dhost.h"
#include "err.h"

#define DAPI_MAX_VERSION "1.41"

struct dapi;

struct dapi_buf {
	char *data;	/* NUL-terminated */
	size_t len, cap;
};

struct dapi_req {
	const char *method;		/* GET, POST, PUT, DELETE */
	const char *path;		/* below the version: "/containers/create?name=x" */
	const char *type;		/* the body's Content-Type */
	const char *body;		/* a body in memory (BODY_LEN bytes), or */
	size_t body_len;
	/* a streamed body: SOURCE fills BUF with up to N bytes, returns how
	 * many, 0 at its end, -1 on failure (E filled; EINTR: ask again) */
	ssize_t (*source)(char *buf, size_t n, void *arg, struct err *e);
	void *source_arg;
	long long source_size;		/* -1: unknown (chunked) */
	/* the body of a 2xx answer as it comes (else it goes to OUT): SINK
	 * returns 0, or -1 (E filled) to stop */
	int (*sink)(const char *data, size_t len, void *arg, struct err *e);
	void *sink_arg;
};

/* A client for H; nothing is sent yet. */
struct dapi *dapi_open(const struct dhost *h, struct err *e);
void dapi_close(struct dapi *d);

/* Requests stop when *SIGNALS >= AT (AT 0: never). */
void dapi_set_abort(struct dapi *d, const volatile sig_atomic_t *signals, int at);
/* FN(ARG) is called about once a second, and more often, while a request
 * is in flight (progress reports). */
void dapi_set_tick(struct dapi *d, void (*fn)(void *arg), void *arg);
/* A request whose answer has sent nothing for SECONDS (0: no limit) stops:
 * -1, ETIMEDOUT. For a stream that may outlive what it streams (podman
 * 4.3's logs follow can stay open after its container exited). */
void dapi_set_quiet(struct dapi *d, int seconds);

/* Send R. Returns the HTTP status of the answer, with the body in OUT
 * (may be NULL) unless R's sink took it; for a status >= 300, E holds the
 * engine's message. -1 when no answer came: EINTR (interrupted), the
 * source's or sink's failure, or the transport's (ECONNREFUSED, EIO, ...)
 * with E saying what. */
long dapi_do(struct dapi *d, const struct dapi_req *r, struct dapi_buf *out, struct err *e);

/* METHOD PATH with BODY as JSON (NULL: an empty body); a 2xx answer's
 * JSON in *REPLY when REPLY is not NULL (json null for an empty one). As
 * dapi_do; also -1 with EPROTO for an answer that is not JSON. */
long dapi_json(struct dapi *d, const char *method, const char *path, json_t *body, json_t **reply,
	       struct err *e);

/* R's body: the rest of the file or pipe *FD, read to its end (sent with
 * its length when it is a regular file, else chunked). */
void dapi_body_fd(struct dapi_req *r, int *fd);

/* The strings V[0..N) as a JSON array; NULL with ENOMEM. */
json_t *dapi_strings(char **v, size_t n);

/* GET WHAT (a path ending in '?' or '&') filtered by every label of
 * LABELS (K=V) and, with DANGLING, dangling=true: the answer's JSON array
 * in *LIST. */
int dapi_list(struct dapi *d, const char *what, char **labels, size_t n, int dangling, json_t **list,
	      struct err *e);

/* S escaped for a query string: malloc()ed, or NULL (ENOMEM). */
char *dapi_escape(const char *s);

/* The engine's name in its /version answer ("docker", "podman"), asking
 * it first if no request was made yet. NULL on failure. */
const char *dapi_engine(struct dapi *d, struct err *e);

void dapi_buf_free(struct dapi_buf *b);

#endif
