#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "err.h"
#include "imgconf.h"
#include "strset.h"

struct ctx {
	const char *name;
	const unsigned char *buf;	/* the input, LEN bytes */
	size_t len;
	yaml_document_t *doc;
	struct err *e;
};

/* "NAME:LINE:COLUMN: what" (EINVAL) */
static int
vfail_mark(struct ctx *c, yaml_mark_t m, const char *fmt, va_list ap)
{
	char what[sizeof(c->e->msg)];

	vsnprintf(what, sizeof(what), fmt, ap);
	return err_set(c->e, EINVAL, "%s:%zu:%zu: %s", c->name, m.line + 1, m.column + 1, what);
}

static int
fail_mark(struct ctx *c, yaml_mark_t m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_mark(c, m, fmt, ap);
	va_end(ap);
	return -1;
}

static int
fail_at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail_mark(c, n->start_mark, fmt, ap);
	va_end(ap);
	return -1;
}

/* Is the character at M (a libyaml mark: line and column from 0, the
 * column in characters) a tab? */
static int
tab_at(const struct ctx *c, yaml_mark_t m)
{
	const unsigned char *p = c->buf, *end = c->buf + c->len;

	for (size_t line = 0; line < m.line && p < end; p++)
		if (*p == '\n')
			line++;
	for (size_t col = 0; p < end && *p != '\n'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;	/* a UTF-8 continuation byte */
		if (col++ == m.column)
			return *p == '\t';
	}
	return 0;
}

/* libyaml's complaint about the input, said plainly when it is about a
 * tab (libyaml: "found character that cannot start any token", "found a
 * tab character that violates indentation", ...) */
static int
fail_problem(struct ctx *c, const yaml_parser_t *p)
{
	if (tab_at(c, p->problem_mark))
		return fail_mark(c, p->problem_mark, "a tab character: YAML indents with spaces only");
	return fail_mark(c, p->problem_mark, "%s", p->problem ? p->problem : "invalid YAML");
}

/* A duplicate key is an error (YAML 1.2 says keys are unique; libyaml's
 * loader keeps both and the last one would silently win). */
static int
dup_key(struct ctx *c, struct strset *seen, const yaml_node_t *k, const char *key)
{
	int r = strset_add(seen, key, NULL);

	if (r < 0)
		return err_set(c->e, ENOMEM, "%s:", c->name);
	return r ? 0 : fail_at(c, k, "duplicate key '%s'", key);
}

/* The limits, checked on libyaml's event stream before the document is
 * built, so a hostile file costs at most IMGCONF_MAX_DEPTH levels of work:
 * nesting depth, no aliases (an alias of an alias... expands
 * exponentially: "billion laughs") and so no anchors (libyaml's loader
 * looks each new anchor up in a list: 45,000 of them took 7 to 14 s), one
 * document (the loader would read the first and ignore the rest), no NUL
 * inside a scalar (it would cut the string short). The size limit is
 * checked by the callers. */
static int
check_events(struct ctx *c, const unsigned char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	yaml_char_t *anchor;
	int depth = 0, docs = 0, r = -1;

	if (!yaml_parser_initialize(&p))
		return err_set(c->e, ENOMEM, "%s: cannot initialise the YAML parser:", c->name);
	yaml_parser_set_input_string(&p, buf, len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			fail_problem(c, &p);
			break;
		}
		anchor = ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.anchor :
			 ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor :
			 ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.anchor : NULL;
		if (ev.type == YAML_STREAM_END_EVENT) {
			r = 0;
		} else if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			fail_mark(c, ev.start_mark, "a second YAML document; image.yaml holds one");
		} else if (anchor) {
			fail_mark(c, ev.start_mark, "anchors (&%s) are not supported; write the value out",
				  (char *)anchor);
		} else if (ev.type == YAML_ALIAS_EVENT) {
			fail_mark(c, ev.start_mark, "aliases (*%s) are not supported; write the value out",
				  (char *)ev.data.alias.anchor);
		} else if (ev.type == YAML_SCALAR_EVENT &&
			   strlen((char *)ev.data.scalar.value) != ev.data.scalar.length) {
			fail_mark(c, ev.start_mark, "a string with a NUL character (\\0) in it is not allowed");
		} else if ((ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) &&
			   ++depth > IMGCONF_MAX_DEPTH) {
			fail_mark(c, ev.start_mark, "nested deeper than %d levels", IMGCONF_MAX_DEPTH);
		} else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
			yaml_event_delete(&ev);
			continue;
		} else {
			yaml_event_delete(&ev);
			continue;
		}
		yaml_event_delete(&ev);
		break;
	}
	yaml_parser_delete(&p);
	return r;
}

static const char *
kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

static int
is_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (n->data.scalar.length == 0 || !strcmp((char *)n->data.scalar.value, "~") ||
		!strcmp((char *)n->data.scalar.value, "null"));
}

static int
scalar(struct ctx *c, const yaml_node_t *n, const char *key, const char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return fail_at(c, n, "'%s' must be a string, got %s", key,
			       n->type == YAML_SCALAR_NODE ? "an empty value" : kind(n));
	*out = (const char *)n->data.scalar.value;
	return 0;
}

static int
str_list(struct ctx *c, const yaml_node_t *n, const char *key, json_t **out)
{
	yaml_node_item_t *it;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(c, n, "'%s' must be a list of strings, got %s", key, kind(n));
	*out = json_array();
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(c->doc, *it);
		const char *s;

		if (scalar(c, item, key, &s)) {
			json_decref(*out);
			return -1;
		}
		json_array_append_new(*out, json_string(s));
	}
	return 0;
}

/* A mapping of strings to strings, as a JSON object; with ENV, as the
 * ["K=V", ...] list the image config wants. */
static int
str_map(struct ctx *c, const yaml_node_t *n, const char *key, int env, json_t **out)
{
	yaml_node_pair_t *p;
	struct strset seen = { 0 };

	if (n->type != YAML_MAPPING_NODE)
		return fail_at(c, n, "'%s' must be a mapping of strings, got %s", key, kind(n));
	*out = env ? json_array() : json_object();
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		const char *ks, *vs = "";

		if (scalar(c, k, key, &ks) || dup_key(c, &seen, k, ks) ||
		    (!(env && is_null(v)) && scalar(c, v, ks, &vs)))
			goto bad;
		if (env) {
			char *kv;

			if (strchr(ks, '=')) {
				fail_at(c, k, "env name '%s' must not contain '='", ks);
				goto bad;
			}
			if (asprintf(&kv, "%s=%s", ks, vs) < 0)
				goto bad;
			json_array_append_new(*out, json_string(kv));
			free(kv);
		} else {
			json_object_set_new(*out, ks, json_string(vs));
		}
	}
	strset_free(&seen);
	return 0;
bad:
	strset_free(&seen);
	json_decref(*out);
	return -1;
}

/* ["9000/tcp", 53/udp", 80] -> {"9000/tcp":{}, ...}; likewise volumes. */
static int
set_of(struct ctx *c, const yaml_node_t *n, const char *key, int ports, json_t **out)
{
	json_t *list;
	size_t i;
	json_t *v;

	if (str_list(c, n, key, &list))
		return -1;
	*out = json_object();
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		const yaml_node_t *item = yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
		char buf[64];

		if (ports) {
			char *end;
			long port = strtol(s, &end, 10);

			if (end == s || port < 1 || port > 65535 ||
			    (*end && strcmp(end, "/tcp") && strcmp(end, "/udp") && strcmp(end, "/sctp"))) {
				fail_at(c, item, "'%s' entries look like 9000/tcp, 53/udp or 80, not '%s'", key, s);
				json_decref(list);
				json_decref(*out);
				return -1;
			}
			snprintf(buf, sizeof(buf), "%ld%s", port, *end ? end : "/tcp");
			s = buf;
		} else if (s[0] != '/') {
			fail_at(c, item, "'%s' entries must be absolute paths, not '%s'", key, s);
			json_decref(list);
			json_decref(*out);
			return -1;
		}
		json_object_set_new(*out, s, json_object());
	}
	json_decref(list);
	return 0;
}

int
imgconf_parse(const char *name, const unsigned char *buf, size_t len,
	      struct imgconf *out, struct err *e)
{
	static const char *known = "entrypoint, cmd, env, workdir, user, expose, volumes, "
				   "labels, stop-signal, annotations";
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct ctx c = { name, buf, len, &doc, e };
	struct strset seen = { 0 };
	int r = -1;

	out->config = out->annotations = NULL;
	err_clear(e);
	if (len > IMGCONF_MAX_SIZE)
		return err_set(e, EFBIG, "%s: larger than %d KiB; refusing it", name, IMGCONF_MAX_SIZE >> 10);
	if (check_events(&c, buf, len))
		return -1;
	out->config = json_object();
	out->annotations = json_object();
	if (!yaml_parser_initialize(&parser))
		return err_set(e, ENOMEM, "%s: cannot initialise the YAML parser:", name);
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		fail_problem(&c, &parser);
		yaml_parser_delete(&parser);
		imgconf_free(out);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root || is_null(root)) {
		r = 0;	/* empty: an image with no runtime config */
		goto done;
	}
	if (root->type != YAML_MAPPING_NODE) {
		fail_at(&c, root, "the top level must be a mapping (%s), got %s", known, kind(root));
		goto done;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&doc, p->value);
		const char *key, *s;
		json_t *j;

		if (scalar(&c, k, "key", &key) || dup_key(&c, &seen, k, key))
			goto done;
		if (!strcmp(key, "entrypoint") || !strcmp(key, "cmd")) {
			if (str_list(&c, v, key, &j))
				goto done;
			json_object_set_new(out->config, key[0] == 'e' ? "Entrypoint" : "Cmd", j);
		} else if (!strcmp(key, "env")) {
			if (str_map(&c, v, key, 1, &j))
				goto done;
			json_object_set_new(out->config, "Env", j);
		} else if (!strcmp(key, "labels") || !strcmp(key, "annotations")) {
			if (str_map(&c, v, key, 0, &j))
				goto done;
			if (key[0] == 'l') {
				json_object_set_new(out->config, "Labels", j);
			} else {
				json_decref(out->annotations);
				out->annotations = j;
			}
		} else if (!strcmp(key, "workdir") || !strcmp(key, "user") || !strcmp(key, "stop-signal")) {
			if (scalar(&c, v, key, &s))
				goto done;
			if (key[0] == 'w' && s[0] != '/') {
				fail_at(&c, v, "'workdir' must be an absolute path, not '%s'", s);
				goto done;
			}
			json_object_set_new(out->config, key[0] == 'w' ? "WorkingDir" :
					    key[0] == 'u' ? "User" : "StopSignal", json_string(s));
		} else if (!strcmp(key, "expose") || !strcmp(key, "volumes")) {
			if (set_of(&c, v, key, key[0] == 'e', &j))
				goto done;
			json_object_set_new(out->config, key[0] == 'e' ? "ExposedPorts" : "Volumes", j);
		} else {
			fail_at(&c, k, "unknown key '%s' (known: %s)", key, known);
			goto done;
		}
	}
	r = 0;
done:
	strset_free(&seen);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (r)
		imgconf_free(out);
	return r;
}

int
imgconf_load(const char *path, struct imgconf *c, struct err *e)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int r;

	c->config = c->annotations = NULL;
	err_clear(e);
	if (!f)
		return err_set(e, errno, "%s:", path);
	do {	/* read one byte past the limit, for imgconf_parse to refuse */
		if (len > IMGCONF_MAX_SIZE)
			break;
		if (len == cap && !(buf = realloc(buf, cap = cap ? cap * 2 : 4096))) {
			fclose(f);
			return err_set(e, ENOMEM, "%s:", path);
		}
		len += n = fread(buf + len, 1, cap - len, f);
	} while (n);
	if (ferror(f)) {
		int saved = errno ? errno : EIO;

		fclose(f);
		free(buf);
		return err_set(e, saved, "%s:", path);
	}
	fclose(f);
	r = imgconf_parse(path, buf ? buf : (unsigned char *)"", len, c, e);
	free(buf);
	return r;
}

void
imgconf_free(struct imgconf *c)
{
	json_decref(c->config);
	json_decref(c->annotations);
	c->config = c->annotations = NULL;
}
