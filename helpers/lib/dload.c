#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dload.h"

static const char LOADED[] = "Loaded image: ", LOADED_ID[] = "Loaded image ID: ",
		  RENAMED[] = "renaming the old one with ID ";

static int
add(struct dload_list *l, const char *s, size_t len)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	l->v = v;
	if (!(v[l->n] = strndup(s, len)))
		return -1;
	l->n++;
	return 0;
}

/* "R1,R2" (podman joins them; a reference has no comma) */
static int
add_refs(struct dload_list *l, const char *s, size_t len)
{
	while (len) {
		const char *comma = memchr(s, ',', len);
		size_t n = comma ? (size_t)(comma - s) : len;

		if (n && add(l, s, n))
			return -1;
		if (!comma)
			break;
		s += n + 1, len -= n + 1;
	}
	return 0;
}

/* one line of a "stream" message */
static int
parse_line(struct dload *l, const char *s, size_t len)
{
	const char *p;

	if (len > strlen(LOADED_ID) && !strncmp(s, LOADED_ID, strlen(LOADED_ID)))
		return add(&l->ids, s + strlen(LOADED_ID), len - strlen(LOADED_ID));
	if (len > strlen(LOADED) && !strncmp(s, LOADED, strlen(LOADED)))
		return add_refs(&l->refs, s + strlen(LOADED), len - strlen(LOADED));
	p = memmem(s, len, RENAMED, strlen(RENAMED));
	if (p) {
		const char *id = p + strlen(RENAMED), *sp = memchr(id, ' ', len - (id - s));

		return add(&l->replaced, id, sp ? (size_t)(sp - id) : len - (id - s));
	}
	return 0;	/* progress and other chatter */
}

static int
parse_stream(struct dload *l, const char *s)
{
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		if (parse_line(l, s, n))
			return -1;
		s += n + (nl != NULL);
	}
	return 0;
}

static int
parse_message(struct dload *l, json_t *m, struct err *e)
{
	json_t *error = json_object_get(m, "error"), *stream = json_object_get(m, "stream");

	if (!json_is_object(m))
		return err_set(e, EPROTO, "a load message that is not a JSON object");
	if (error)
		return err_set(e, EIO, "%s", json_is_string(error) ? json_string_value(error) : "an error");
	if (json_is_string(stream) && parse_stream(l, json_string_value(stream)))
		return err_set(e, ENOMEM, "out of memory");
	return 0;
}

int
dload_parse(const char *body, size_t len, struct dload *l, struct err *e)
{
	memset(l, 0, sizeof(*l));
	while (len) {
		json_error_t je;
		json_t *m;
		int rc;

		if (*body == ' ' || *body == '\t' || *body == '\r' || *body == '\n') {
			body++, len--;
			continue;
		}
		m = json_loadb(body, len, JSON_DISABLE_EOF_CHECK, &je);
		if (!m)
			return err_set(e, EPROTO, "not a JSON load message at byte %d: %s", je.position, je.text);
		rc = parse_message(l, m, e);
		json_decref(m);
		if (rc)
			return -1;
		body += je.position, len -= je.position;
	}
	return 0;
}

static void
free_list(struct dload_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

void
dload_free(struct dload *l)
{
	free_list(&l->refs);
	free_list(&l->ids);
	free_list(&l->replaced);
	memset(l, 0, sizeof(*l));
}
