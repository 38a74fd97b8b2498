#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "dapi.h"
#include "dssh.h"

#define MAX_COLLECT (64u << 20)	/* an answer kept in memory */
#define MAX_SSH 4		/* ssh connections at once (curl uses one) */

struct dapi {
	CURL *curl;
	struct dhost host;
	char base[300];
	char version[16];		/* "" until /version was asked */
	char engine[16];
	const volatile sig_atomic_t *signals;
	int abort_at;
	void (*tick)(void *);
	void *tick_arg;
	int quiet_limit;		/* seconds; 0: none */
	time_t quiet_since;		/* the answer's last byte, or its start */
	curl_off_t quiet_seen;
	int quieted;
	struct dssh ssh[MAX_SSH];
	char ssh_name[64];		/* the abstract socket ssh waits on */
	struct err dial_err;
	int dial_errno;
	/* the request in flight */
	const struct dapi_req *req;
	struct dapi_buf *out, scratch;
	struct err *e;
	int cb_errno;			/* its source or sink failed */
	int interrupted;
	char curl_msg[CURL_ERROR_SIZE];
};

void
dapi_buf_free(struct dapi_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int
buf_add(struct dapi_buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *data;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > MAX_COLLECT || !(data = realloc(b->data, cap)))
			return -1;
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* --- curl's callbacks --- */

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct dapi *d = arg;
	const struct dapi_req *r = d->req;
	long status = 0;

	n *= size;
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &status);
	if (r->sink && status / 100 == 2) {
		if (r->sink(p, n, r->sink_arg, d->e) == 0)
			return n;
		d->cb_errno = errno;
		return 0;
	}
	if (buf_add(d->out ? d->out : &d->scratch, p, n) == 0)
		return n;
	d->cb_errno = ENOMEM;
	err_set(d->e, ENOMEM, "an answer of more than %u MiB", MAX_COLLECT >> 20);
	return 0;
}

static int
aborting(struct dapi *d)
{
	if (d->abort_at && d->signals && *d->signals >= d->abort_at)
		d->interrupted = 1;
	return d->interrupted;
}

static time_t
monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* nothing received for quiet_limit seconds (DN: the bytes so far) */
static int
too_quiet(struct dapi *d, curl_off_t dn)
{
	time_t t;

	if (!d->quiet_limit)
		return 0;
	t = monotonic();
	if (dn != d->quiet_seen) {
		d->quiet_seen = dn;
		d->quiet_since = t;
	} else if (t - d->quiet_since >= d->quiet_limit)
		d->quieted = 1;
	return d->quieted;
}

/* a source interrupted by a signal (EINTR) is asked again, unless the
 * signal stops the request */
static size_t
on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct dapi *d = arg;
	ssize_t got;

	do {
		if (aborting(d))
			return CURL_READFUNC_ABORT;
		got = d->req->source(buf, size * n, d->req->source_arg, d->e);
	} while (got < 0 && errno == EINTR);
	if (got >= 0)
		return got;
	d->cb_errno = errno;
	return CURL_READFUNC_ABORT;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct dapi *d = arg;

	(void)dt, (void)ut, (void)un;
	if (d->tick)
		d->tick(d->tick_arg);
	return aborting(d) || too_quiet(d, dn);
}

static curl_socket_t
on_open_ssh(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct dapi *d = arg;

	(void)purpose, (void)addr;
	for (int i = 0; i < MAX_SSH; i++) {
		if (d->ssh[i].pid)
			continue;
		if (dssh_dial(&d->host, d->ssh_name, &d->ssh[i], &d->dial_err) == 0)
			return d->ssh[i].fd;
		d->dial_errno = errno;
		return CURL_SOCKET_BAD;
	}
	d->dial_errno = EMFILE;
	err_set(&d->dial_err, EMFILE, "more than %d ssh connections", MAX_SSH);
	return CURL_SOCKET_BAD;
}

static int
on_close_ssh(void *arg, curl_socket_t fd)
{
	struct dapi *d = arg;

	for (int i = 0; i < MAX_SSH; i++) {
		if (d->ssh[i].pid && d->ssh[i].fd == fd) {
			dssh_hangup(&d->ssh[i]);
			return 0;
		}
	}
	return close(fd);
}

/* --- the handle --- */

/* the options every request has: after curl_easy_reset, which keeps the
 * connection */
static void
set_transport(struct dapi *d)
{
	CURL *c = d->curl;

	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, d->curl_msg);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, d);
	switch (d->host.kind) {
	case DHOST_UNIX:
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, d->host.path);
		break;
	case DHOST_TCP:
		if (!d->host.tls)
			break;
		curl_easy_setopt(c, CURLOPT_CAINFO, d->host.ca);
		curl_easy_setopt(c, CURLOPT_SSLCERT, d->host.cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, d->host.key);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		break;
	case DHOST_SSH:	/* a socket dssh_dial made, connected by curl (dssh.h) */
		curl_easy_setopt(c, CURLOPT_ABSTRACT_UNIX_SOCKET, d->ssh_name);
		curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_ssh);
		curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, d);
		curl_easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, on_close_ssh);
		/* curl 7.88 opens a new connection for each request anyway
		 * (without closing the old one): close it, so ssh ends */
		curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(c, CURLOPT_CLOSESOCKETDATA, d);
		break;
	}
}

struct dapi *
dapi_open(const struct dhost *h, struct err *e)
{
	struct dapi *d = calloc(1, sizeof(*d));

	if (!d) {
		err_set(e, ENOMEM, "out of memory");
		return NULL;
	}
	d->host = *h;
	for (int i = 0; i < MAX_SSH; i++)
		d->ssh[i].fd = -1;
	snprintf(d->ssh_name, sizeof(d->ssh_name), "scratchmerge-engine-ssh-%ld", (long)getpid());
	if (dhost_base_url(h, d->base, sizeof(d->base))) {
		err_set(e, ENAMETOOLONG, "the engine's address is too long");
		free(d);
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(d->curl = curl_easy_init())) {
		err_set(e, ENOMEM, "cannot initialise libcurl");
		free(d);
		return NULL;
	}
	return d;
}

void
dapi_close(struct dapi *d)
{
	if (!d)
		return;
	curl_easy_cleanup(d->curl);	/* closes the connection: ssh ends */
	curl_global_cleanup();
	dapi_buf_free(&d->scratch);
	free(d);
}

void
dapi_set_abort(struct dapi *d, const volatile sig_atomic_t *signals, int at)
{
	d->signals = signals;
	d->abort_at = at;
}

void
dapi_set_tick(struct dapi *d, void (*fn)(void *arg), void *arg)
{
	d->tick = fn;
	d->tick_arg = arg;
}

void
dapi_set_quiet(struct dapi *d, int seconds)
{
	d->quiet_limit = seconds;
}

char *
dapi_escape(const char *s)
{
	char *c = curl_easy_escape(NULL, s, 0), *r;

	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	r = strdup(c);
	curl_free(c);
	return r;
}

json_t *
dapi_strings(char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* {"label":[LABELS...]} (none when N is 0; and "dangling":["true"] when
 * DANGLING), escaped for a query string: malloc()ed, or NULL with ENOMEM. */
static char *
filters(char **labels, size_t n, int dangling)
{
	json_t *f = json_object();
	char *text, *x;

	if (f && ((n && json_object_set_new(f, "label", dapi_strings(labels, n))) ||
		  (dangling && json_object_set_new(f, "dangling", json_pack("[s]", "true"))))) {
		json_decref(f);
		errno = ENOMEM;
		return NULL;
	}
	text = f ? json_dumps(f, JSON_COMPACT) : NULL;
	json_decref(f);
	x = text ? dapi_escape(text) : NULL;
	free(text);
	if (!x)
		errno = ENOMEM;
	return x;
}

static ssize_t
from_fd(char *buf, size_t n, void *arg, struct err *e)
{
	ssize_t got = read(*(int *)arg, buf, n);

	if (got < 0 && errno != EINTR)
		return err_set(e, errno, "reading the request's body");
	return got;
}

void
dapi_body_fd(struct dapi_req *r, int *fd)
{
	struct stat st;
	off_t at;

	r->source = from_fd;
	r->source_arg = fd;
	r->source_size = -1;
	if (fstat(*fd, &st) == 0 && S_ISREG(st.st_mode) && (at = lseek(*fd, 0, SEEK_CUR)) >= 0)
		r->source_size = st.st_size - at;
}

/* --- requests --- */

static void
set_method(CURL *c, const struct dapi_req *r, struct dapi *d)
{
	if (r->source) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, d);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->source_size);
	} else if (r->body || !strcmp(r->method, "POST") || !strcmp(r->method, "PUT")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body ? r->body : "");
	}
	if (strcmp(r->method, "GET") && strcmp(r->method, r->source ? "PUT" : "POST"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
}

static struct curl_slist *
headers(const struct dapi_req *r)
{
	char type[256];
	struct curl_slist *h, *t;

	snprintf(type, sizeof(type), "Content-Type: %s", r->type ? r->type : "");
	/* no "Expect: 100-continue" wait before a body */
	if (!(h = curl_slist_append(NULL, "Expect:")))
		return NULL;
	if (!(t = curl_slist_append(h, type)))
		curl_slist_free_all(h);
	return t;
}

static const char *
where(const struct dapi *d, char *buf, size_t n)
{
	switch (d->host.kind) {
	case DHOST_UNIX:
		snprintf(buf, n, "unix://%s", d->host.path);
		break;
	case DHOST_TCP:
		snprintf(buf, n, "%s", d->base);
		break;
	case DHOST_SSH:
		snprintf(buf, n, "ssh://%s%s%s", d->host.user, d->host.user[0] ? "@" : "", d->host.host);
		break;
	}
	return buf;
}

/* -1 for a request that got no answer, E saying why */
static long
failed(struct dapi *d, const struct dapi_req *r, CURLcode rc, struct err *e)
{
	char at[512];
	long os_errno = 0;

	if (d->interrupted)
		return err_set(e, EINTR, "interrupted");
	if (d->quieted)
		return err_set(e, ETIMEDOUT, "%s %s: no answer for %d s", r->method, r->path, d->quiet_limit);
	if (d->cb_errno) {
		errno = d->cb_errno;
		return -1;
	}
	if (d->dial_errno)
		return err_set(e, d->dial_errno, "%s", d->dial_err.msg);
	where(d, at, sizeof(at));
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(d->curl, CURLINFO_OS_ERRNO, &os_errno);
		return err_set(e, ECONNREFUSED, "cannot connect to the engine at %s: %s", at,
			       os_errno ? strerror(os_errno) : curl_easy_strerror(rc));
	case CURLE_COULDNT_RESOLVE_HOST:
		return err_set(e, ECONNREFUSED, "cannot connect to the engine at %s: %s", at,
			       d->curl_msg[0] ? d->curl_msg : curl_easy_strerror(rc));
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CONNECT_ERROR:
		return err_set(e, EPROTO, "TLS with the engine at %s failed (CA %s, client certificate %s): %s",
			       at, d->host.ca, d->host.cert, d->curl_msg[0] ? d->curl_msg : curl_easy_strerror(rc));
	default:
		return err_set(e, EIO, "%s %s: lost the engine at %s: %s", r->method, r->path, at,
			       d->curl_msg[0] ? d->curl_msg : curl_easy_strerror(rc));
	}
}

static int
status_errno(long status)
{
	switch (status) {
	case 404: return ENOENT;
	case 409: return EBUSY;
	case 400: return EINVAL;
	default: return EIO;
	}
}

/* E from an error answer: its JSON "message", or its text */
static void
answer_error(long status, const struct dapi_buf *b, struct err *e)
{
	json_t *j = b->len ? json_loadb(b->data, b->len, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(j, "message"));
	size_t n;

	if (!m) {
		m = b->len ? b->data : "no message";
		for (n = strlen(m); n && strchr(" \t\r\n", m[n - 1]); n--)
			;
	} else
		n = strlen(m);
	err_set(e, status_errno(status), "%.*s (HTTP %ld)", (int)(n < 900 ? n : 900), m, status);
	json_decref(j);
}

static long
request(struct dapi *d, const struct dapi_req *r, struct dapi_buf *out, int versioned, struct err *e)
{
	char url[4096];
	struct curl_slist *h;
	struct dapi_buf *b = out ? out : &d->scratch;
	long status = -1;
	CURLcode rc;

	if (snprintf(url, sizeof(url), "%s%s%s%s", d->base, versioned ? "/v" : "",
		     versioned ? d->version : "", r->path) >= (int)sizeof(url))
		return err_set(e, ENAMETOOLONG, "a request path of %zu bytes", strlen(r->path));
	if (!(h = headers(r)))
		return err_set(e, ENOMEM, "out of memory");
	curl_easy_reset(d->curl);
	set_transport(d);
	curl_easy_setopt(d->curl, CURLOPT_URL, url);
	curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, h);
	set_method(d->curl, r, d);
	d->req = r, d->out = out, d->e = e;
	d->cb_errno = d->interrupted = d->dial_errno = d->quieted = 0;
	d->quiet_seen = 0, d->quiet_since = monotonic();
	d->curl_msg[0] = '\0';
	d->scratch.len = 0;
	rc = curl_easy_perform(d->curl);
	curl_slist_free_all(h);
	if (rc != CURLE_OK)
		return failed(d, r, rc, e);
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300)
		answer_error(status, b, e);
	return status;
}

/* GET /version: the API version to use and the engine's name */
static int
negotiate(struct dapi *d, struct err *e)
{
	static const struct dapi_req get = { .method = "GET", .path = "/version" };
	struct dapi_buf out = { 0 };
	json_t *v, *comps;
	const char *api;
	unsigned maj, min;
	long st = request(d, &get, &out, 0, e);

	if (st != 200) {	/* E says why: no answer, or the answer's message */
		dapi_buf_free(&out);
		errno = st < 0 ? errno : EPROTO;
		return -1;
	}
	v = json_loadb(out.data, out.len, 0, NULL);
	dapi_buf_free(&out);
	api = json_string_value(json_object_get(v, "ApiVersion"));
	if (!api || sscanf(api, "%u.%u", &maj, &min) != 2) {
		json_decref(v);
		return err_set(e, EPROTO, "GET /version: no ApiVersion in the engine's answer");
	}
	if (maj > 1 || (maj == 1 && min > 41))
		snprintf(d->version, sizeof(d->version), "%s", DAPI_MAX_VERSION);
	else
		snprintf(d->version, sizeof(d->version), "%u.%u", maj, min);
	snprintf(d->engine, sizeof(d->engine), "docker");
	comps = json_object_get(v, "Components");
	for (size_t i = 0; i < json_array_size(comps); i++) {
		const char *name = json_string_value(json_object_get(json_array_get(comps, i), "Name"));

		if (name && !strcmp(name, "Podman Engine"))
			snprintf(d->engine, sizeof(d->engine), "podman");
	}
	json_decref(v);
	return 0;
}

long
dapi_do(struct dapi *d, const struct dapi_req *r, struct dapi_buf *out, struct err *e)
{
	if (!d->version[0] && negotiate(d, e))
		return -1;
	return request(d, r, out, 1, e);
}

const char *
dapi_engine(struct dapi *d, struct err *e)
{
	if (!d->version[0] && negotiate(d, e))
		return NULL;
	return d->engine;
}

long
dapi_json(struct dapi *d, const char *method, const char *path, json_t *body, json_t **reply,
	  struct err *e)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct dapi_req r = {
		.method = method, .path = path, .type = text ? "application/json" : NULL,
		.body = text, .body_len = text ? strlen(text) : 0,
	};
	struct dapi_buf out = { 0 };
	long st;

	if (body && !text)
		return err_set(e, ENOMEM, "out of memory");
	st = dapi_do(d, &r, &out, e);
	free(text);
	if (reply && st / 100 == 2) {
		json_error_t je;

		*reply = out.len ? json_loadb(out.data, out.len, 0, &je) : json_null();
		if (!*reply)
			st = err_set(e, EPROTO, "%s %s: the engine's answer is not JSON: %s", method, path, je.text);
	}
	dapi_buf_free(&out);
	return st;
}

int
dapi_list(struct dapi *d, const char *what, char **labels, size_t n, int dangling, json_t **list,
	  struct err *e)
{
	char *f = filters(labels, n, dangling), *path;
	long st;

	*list = NULL;
	if (!f || asprintf(&path, "%sfilters=%s", what, f) < 0) {
		free(f);
		return err_set(e, ENOMEM, "out of memory");
	}
	free(f);
	st = dapi_json(d, "GET", path, NULL, list, e);
	free(path);
	if (st / 100 == 2 && json_is_array(*list))
		return 0;
	json_decref(*list);
	*list = NULL;
	return st < 0 || st / 100 != 2 ? -1 : err_set(e, EPROTO, "GET %s: the answer is not a JSON array", what);
}
