#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarm.h"

char *
dwarm_sig(const struct dctr_spec *s)
{
	json_t *body = dctr_create_body(s);
	char *text;

	if (!body)
		return NULL;
	json_object_del(body, "Image");
	json_object_del(body, "Cmd");
	if (json_object_set_new(body, "Platform", json_string(s->platform ? s->platform : ""))) {
		json_decref(body);
		return NULL;
	}
	text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(body);
	return text;
}

static int
hex_id(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	return strspn(s, "0123456789abcdef") == n;
}

/* ID\nIMAGE\nUSED\nSIG\n */
static int
parse(FILE *f, const char *file, struct dwarm *w, struct err *e)
{
	char *line[4] = { NULL };
	size_t cap[4] = { 0 };
	int ok = 1;
	char *end;

	memset(w, 0, sizeof(*w));
	for (int i = 0; i < 4 && ok; i++) {
		ssize_t n = getline(&line[i], &cap[i], f);

		if (n < 1 || line[i][n - 1] != '\n')
			ok = 0;
		else
			line[i][n - 1] = '\0';
	}
	if (ok) {
		errno = 0;
		w->used = strtoll(line[2], &end, 10);
		ok = hex_id(line[0], 64) && !strncmp(line[1], "sha256:", 7) && hex_id(line[1] + 7, 64) && !errno &&
		     !*end && end != line[2] && line[3][0] == '{' && getc(f) == EOF;
	}
	if (ok) {
		memcpy(w->id, line[0], 65);
		memcpy(w->image, line[1], 72);
		w->sig = line[3];
		line[3] = NULL;
	}
	for (int i = 0; i < 4; i++)
		free(line[i]);
	if (!ok)
		return err_set(e, EINVAL, "%s: not a kept container's state (four lines: ID, image, time, spec)", file);
	return 0;
}

static int
read_state(const char *file, struct dwarm *w, int take, struct err *e)
{
	FILE *f = fopen(file, "re");
	int r;

	err_clear(e);
	memset(w, 0, sizeof(*w));
	if (!f) {
		if (errno == ENOENT)
			return 0;
		return err_set(e, errno, "%s:", file);
	}
	r = parse(f, file, w, e);
	fclose(f);
	if (take && unlink(file) && errno != ENOENT && !r) {
		dwarm_free(w);
		return err_set(e, errno, "removing %s:", file);
	}
	return r ? -1 : 1;
}

int
dwarm_take(const char *file, struct dwarm *w, struct err *e)
{
	return read_state(file, w, 1, e);
}

int
dwarm_peek(const char *file, struct dwarm *w, struct err *e)
{
	return read_state(file, w, 0, e);
}

int
dwarm_save(const char *file, const struct dwarm *w, struct err *e)
{
	char *tmp;
	FILE *f;
	int bad;

	err_clear(e);
	if (strchr(w->sig, '\n'))
		return err_set(e, EINVAL, "the spec of a kept container is not one line");
	if (asprintf(&tmp, "%s.tmp", file) < 0)
		return err_set(e, ENOMEM, "out of memory");
	if (!(f = fopen(tmp, "we"))) {
		err_set(e, errno, "%s:", tmp);
		free(tmp);
		return -1;
	}
	fprintf(f, "%s\n%s\n%lld\n%s\n", w->id, w->image, (long long)w->used, w->sig);
	bad = ferror(f);
	if (fclose(f) || bad || rename(tmp, file)) {
		err_set(e, errno ? errno : EIO, "writing %s:", file);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

void
dwarm_free(struct dwarm *w)
{
	free(w->sig);
	w->sig = NULL;
}
