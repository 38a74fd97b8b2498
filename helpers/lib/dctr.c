#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dctr.h"
#include "path.h"

int
dctr_parse_ulimit(const char *s, struct dctr_ulimit *u, struct err *e)
{
	const char *eq = strchr(s, '=');
	char *end;

	if (!eq || eq == s || (size_t)(eq - s) >= sizeof(u->name))
		return err_set(e, EINVAL, "ulimit '%s': want NAME=SOFT[:HARD]", s);
	memcpy(u->name, s, eq - s);
	u->name[eq - s] = '\0';
	errno = 0;
	u->soft = strtoll(eq + 1, &end, 10);
	u->hard = u->soft;
	if (*end == ':')
		u->hard = strtoll(end + 1, &end, 10);
	if (errno || *end || end == eq + 1 || u->soft > u->hard)
		return err_set(e, EINVAL, "ulimit '%s': want NAME=SOFT[:HARD], SOFT <= HARD", s);
	return 0;
}

/* K=V (or K alone: an empty value) into an object */
static json_t *
labels(char **v, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < n; i++) {
		const char *eq = strchr(v[i], '=');
		char *k = eq ? strndup(v[i], eq - v[i]) : strdup(v[i]);

		if (!k || json_object_set_new(o, k, json_string(eq ? eq + 1 : ""))) {
			free(k);
			json_decref(o);
			return NULL;
		}
		free(k);
	}
	return o;
}

static json_t *
ulimits(const struct dctr_ulimit *u, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:I, s:I}", "Name", u[i].name,
						       "Soft", (json_int_t)u[i].soft, "Hard", (json_int_t)u[i].hard))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *
dctr_create_body(const struct dctr_spec *s)
{
	json_t *host = json_pack("{s:s, s:o*, s:o*, s:o*}",
				 "NetworkMode", s->network ? s->network : "default",
				 "Binds", dapi_strings(s->volumes, s->nvolumes),
				 "CapAdd", dapi_strings(s->caps, s->ncaps),
				 "Ulimits", ulimits(s->ulimits, s->nulimits));

	if (host && ((s->runtime && json_object_set_new(host, "Runtime", json_string(s->runtime))) ||
		     (s->auto_remove && json_object_set_new(host, "AutoRemove", json_true())))) {
		json_decref(host);
		return NULL;
	}
	return json_pack("{s:s, s:o*, s:o*, s:o*, s:s, s:b, s:b, s:b, s:o*}",
			 "Image", s->image,
			 "Cmd", dapi_strings(s->cmd, s->ncmd),
			 "Env", dapi_strings(s->env, s->nenv),
			 "Labels", labels(s->labels, s->nlabels),
			 "WorkingDir", s->workdir ? s->workdir : "",
			 "Tty", 0, "OpenStdin", 0, "AttachStdin", 0,
			 "HostConfig", host);
}

/* OUT: FMT with its two %s, ID as it is and ARG escaped */
static int
qpath(char *out, size_t n, const char *fmt, const char *id, const char *arg, struct err *e)
{
	char *x = dapi_escape(arg);
	int l;

	if (!x)
		return err_set(e, ENOMEM, "out of memory");
	l = snprintf(out, n, fmt, id, x);
	free(x);
	if (l < 0 || (size_t)l >= n)
		return err_set(e, ENAMETOOLONG, "'%s' is too long", arg);
	return 0;
}

/* a request whose answer must be one of 2xx (or OK_TOO): -1 otherwise, E
 * holding the engine's message */
static int
expect(long status, long ok_too)
{
	if (status < 0)
		return -1;
	return status / 100 == 2 || status == ok_too ? 0 : -1;
}

/* POST PATH with BODY (JSON; NULL: none); the answer's "Id" (shorter
 * than N) into OUT; else "no WHAT" */
static int
post_id(struct dapi *d, const char *path, json_t *body, char *out, size_t n, const char *what, struct err *e)
{
	json_t *reply = NULL;
	const char *got;

	if (expect(dapi_json(d, "POST", path, body, &reply, e), 0)) {
		json_decref(reply);
		return -1;
	}
	got = json_string_value(json_object_get(reply, "Id"));
	if (!got || strlen(got) >= n) {
		json_decref(reply);
		return err_set(e, EPROTO, "no %s", what);
	}
	memcpy(out, got, strlen(got) + 1);
	json_decref(reply);
	return 0;
}

int
dctr_create(struct dapi *d, const struct dctr_spec *s, char id[65], struct err *e)
{
	char path[1024], *name = dapi_escape(s->name), *plat = s->platform ? dapi_escape(s->platform) : NULL;
	json_t *body = dctr_create_body(s);
	int rc = -1;

	if (!name || (s->platform && !plat) || !body)
		err_set(e, ENOMEM, "out of memory");
	else if (snprintf(path, sizeof(path), "/containers/create?name=%s%s%s", name,
			  plat ? "&platform=" : "", plat ? plat : "") >= (int)sizeof(path))
		err_set(e, ENAMETOOLONG, "the name or platform is too long");
	else if (!(rc = post_id(d, path, body, id, 65, "container ID in the engine's answer", e)) && strlen(id) != 64)
		rc = err_set(e, EPROTO, "no container ID in the engine's answer");
	free(name);
	free(plat);
	json_decref(body);
	return rc;
}

int
dctr_upload(struct dapi *d, const char *id, const char *dir, int fd, struct err *e)
{
	char path[4300];
	struct dapi_req r = { .method = "PUT", .path = path, .type = "application/x-tar" };

	if (qpath(path, sizeof(path), "/containers/%s/archive?path=%s", id, dir, e))
		return -1;
	dapi_body_fd(&r, &fd);
	return expect(dapi_do(d, &r, NULL, e), 0);
}

int
dctr_start(struct dapi *d, const char *id, struct err *e)
{
	char path[128];

	snprintf(path, sizeof(path), "/containers/%s/start", id);
	return expect(dapi_json(d, "POST", path, NULL, NULL, e), 0);
}

struct demux {
	struct dstream s;
	dstream_fn fn;
	void *arg;
	unsigned long long at, from;	/* payload bytes seen, bytes to skip */
};

static int
deliver(int stream, const char *data, size_t len, void *arg)
{
	struct demux *m = arg;
	unsigned long long skip = m->at < m->from ? m->from - m->at : 0;

	m->at += len;
	if (skip >= len)
		return 0;
	return m->fn(stream, data + skip, len - skip, m->arg);
}

static int
demux(const char *data, size_t len, void *arg, struct err *e)
{
	struct demux *m = arg;

	return dstream_feed(&m->s, data, len, deliver, m, e);
}

int
dctr_logs(struct dapi *d, const char *id, int follow, unsigned long long from, dstream_fn fn, void *arg,
	  struct err *e)
{
	char path[160];
	struct demux m = { .fn = fn, .arg = arg, .from = from };
	struct dapi_req r = { .method = "GET", .path = path, .sink = demux, .sink_arg = &m };

	dstream_init(&m.s);
	snprintf(path, sizeof(path), "/containers/%s/logs?follow=%d&stdout=1&stderr=1", id, !!follow);
	if (expect(dapi_do(d, &r, NULL, e), 0))
		return -1;
	return dstream_end(&m.s, e);
}

int
dctr_wait(struct dapi *d, const char *id, int *status, struct err *e)
{
	char path[128];
	json_t *reply = NULL, *code;

	snprintf(path, sizeof(path), "/containers/%s/wait", id);
	if (expect(dapi_json(d, "POST", path, NULL, &reply, e), 0))
		return -1;
	code = json_object_get(reply, "StatusCode");
	if (!json_is_integer(code)) {
		json_decref(reply);
		return err_set(e, EPROTO, "no StatusCode in the engine's answer to wait");
	}
	*status = json_integer_value(code);
	json_decref(reply);
	return 0;
}

/* REPO[:TAG] -> repo=REPO&tag=TAG, escaped */
static int
commit_query(const char *ref, char *out, size_t n, struct err *e)
{
	const char *slash = strrchr(ref, '/'), *colon = strrchr(ref, ':');
	char *repo, *rx, *tx;
	int l;

	if (colon && slash && colon < slash)
		colon = NULL;	/* a registry's port */
	repo = colon ? strndup(ref, colon - ref) : strdup(ref);
	rx = repo ? dapi_escape(repo) : NULL;
	tx = dapi_escape(colon ? colon + 1 : "latest");
	l = rx && tx ? snprintf(out, n, "repo=%s&tag=%s", rx, tx) : -1;
	free(repo);
	free(rx);
	free(tx);
	if (l < 0)
		return err_set(e, ENOMEM, "out of memory");
	if ((size_t)l >= n)
		return err_set(e, ENAMETOOLONG, "'%s' is too long", ref);
	return 0;
}

int
dctr_commit(struct dapi *d, const char *id, const char *ref, int pause, char image[80], struct err *e)
{
	char q[1024], path[1200], got[72];
	json_t *body;
	int rc;

	if (commit_query(ref, q, sizeof(q), e))
		return -1;
	snprintf(path, sizeof(path), "/commit?container=%s&%s%s", id, q, pause ? "" : "&pause=0");
	/* the podman service wants a body (the config to change: none) */
	if (!(body = json_object()))
		return err_set(e, ENOMEM, "out of memory");
	rc = post_id(d, path, body, got, sizeof(got), "image ID in the engine's answer to commit", e);
	json_decref(body);
	if (rc)
		return -1;
	/* podman's answer has no "sha256:" */
	snprintf(image, 80, "%s%s", strchr(got, ':') ? "" : "sha256:", got);
	return 0;
}

/* the exec's ExitCode once it no longer runs: its output can end a
 * moment before the engine records the exit */
static int
exec_status(struct dapi *d, const char *exec, int *status, struct err *e)
{
	char path[128];

	snprintf(path, sizeof(path), "/exec/%s/json", exec);
	for (int tries = 0;; tries++) {
		json_t *reply = NULL, *running, *code;
		int r = -1;

		if (expect(dapi_json(d, "GET", path, NULL, &reply, e), 0))
			return -1;
		running = json_object_get(reply, "Running");
		code = json_object_get(reply, "ExitCode");
		if (json_is_false(running) && json_is_integer(code)) {
			*status = json_integer_value(code);
			r = 0;
		} else if (tries == 200)
			err_set(e, EPROTO, "the engine still says the command runs after its output ended");
		else
			r = 1;
		json_decref(reply);
		if (r <= 0)
			return r;
		usleep(10000);
	}
}

int
dctr_exec(struct dapi *d, const char *id, char **cmd, size_t n, dstream_fn fn, void *arg, int *status,
	  struct err *e)
{
	static const char start[] = "{\"Detach\":false,\"Tty\":false}";
	char path[160], exec[80];
	json_t *body = json_pack("{s:b, s:b, s:b, s:o*}", "AttachStdin", 0, "AttachStdout", 1, "AttachStderr", 1,
				 "Cmd", dapi_strings(cmd, n));
	struct demux m = { .fn = fn, .arg = arg };
	struct dapi_req r = { .method = "POST", .path = path, .type = "application/json", .body = start,
			      .body_len = sizeof(start) - 1, .sink = demux, .sink_arg = &m };
	int rc;

	if (!body)
		return err_set(e, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "/containers/%s/exec", id);
	rc = post_id(d, path, body, exec, sizeof(exec), "exec ID in the engine's answer", e);
	json_decref(body);
	if (rc)
		return -1;
	dstream_init(&m.s);
	snprintf(path, sizeof(path), "/exec/%s/start", exec);
	if (expect(dapi_do(d, &r, NULL, e), 0) || dstream_end(&m.s, e))
		return -1;
	return exec_status(d, exec, status, e);
}

int
dctr_rename(struct dapi *d, const char *id, const char *name, struct err *e)
{
	char path[1200];

	if (qpath(path, sizeof(path), "/containers/%s/rename?name=%s", id, name, e))
		return -1;
	return expect(dapi_json(d, "POST", path, NULL, NULL, e), 0);
}

static int
to_fd(const char *data, size_t len, void *arg, struct err *e)
{
	if (path_write_all(*(int *)arg, data, len))
		return err_set(e, errno, "writing the archive");
	return 0;
}

int
dctr_export(struct dapi *d, const char *id, const char *path, int fd, struct err *e)
{
	char dir[4200], req[4400];
	size_t l = strlen(path);
	struct dapi_req r = { .method = "GET", .path = req, .sink = to_fd, .sink_arg = &fd };

	if (snprintf(dir, sizeof(dir), "%s%s.", path, l && path[l - 1] == '/' ? "" : "/") >= (int)sizeof(dir))
		return err_set(e, ENAMETOOLONG, "'%s' is too long", path);
	if (qpath(req, sizeof(req), "/containers/%s/archive?path=%s", id, dir, e))
		return -1;
	return expect(dapi_do(d, &r, NULL, e), 0);
}

int
dctr_remove(struct dapi *d, const char *id, struct err *e)
{
	char path[1024], *x = dapi_escape(id);
	int l = x ? snprintf(path, sizeof(path), "/containers/%s?force=1&v=1", x) : -1;

	free(x);
	if (l < 0)
		return err_set(e, ENOMEM, "out of memory");
	if ((size_t)l >= sizeof(path))
		return err_set(e, ENAMETOOLONG, "'%s' is too long", id);
	return expect(dapi_json(d, "DELETE", path, NULL, NULL, e), 404);
}

int
dctr_list(struct dapi *d, char **labels, size_t n, json_t **list, struct err *e)
{
	return dapi_list(d, "/containers/json?all=1&", labels, n, 0, list, e);
}

int
dctr_times(struct dapi *d, const char *id, char started[40], char finished[40], struct err *e)
{
	char path[128];
	json_t *reply = NULL, *state;
	const char *a, *b;

	snprintf(path, sizeof(path), "/containers/%s/json", id);
	if (expect(dapi_json(d, "GET", path, NULL, &reply, e), 0))
		return -1;
	state = json_object_get(reply, "State");
	a = json_string_value(json_object_get(state, "StartedAt"));
	b = json_string_value(json_object_get(state, "FinishedAt"));
	if (!a || !b) {
		json_decref(reply);
		return err_set(e, EPROTO, "no StartedAt/FinishedAt in the engine's answer");
	}
	snprintf(started, 40, "%s", a);
	snprintf(finished, 40, "%s", b);
	json_decref(reply);
	return 0;
}

int
dctr_running(struct dapi *d, const char *id, struct err *e)
{
	char path[128];
	json_t *reply = NULL, *running;
	int r;

	snprintf(path, sizeof(path), "/containers/%s/json", id);
	if (expect(dapi_json(d, "GET", path, NULL, &reply, e), 0))
		return -1;
	running = json_object_get(json_object_get(reply, "State"), "Running");
	r = json_is_boolean(running) ? json_is_true(running)
				      : err_set(e, EPROTO, "no State.Running in the engine's answer");
	json_decref(reply);
	return r;
}

int
dctr_volume_exists(struct dapi *d, const char *name, struct err *e)
{
	char *x = dapi_escape(name), *path;
	long st;

	if (!x || asprintf(&path, "/volumes/%s", x) < 0) {
		free(x);
		return err_set(e, ENOMEM, "out of memory");
	}
	free(x);
	st = dapi_json(d, "GET", path, NULL, NULL, e);
	free(path);
	if (st == 200)
		return 1;
	if (st == 404)
		return 0;
	return -1;
}
