#include <errno.h>
#include <string.h>

#include "contents.h"
#include "err.h"

static const char *names[] = { "dir", "obj", "sym", "dev", "fif" };

const char *
contents_type_name(enum contents_type t)
{
	for (int i = 0; i < 5; i++)
		if ((int)t == 1 << i)
			return names[i];
	return "?";
}

int
contents_type_mask(const char *list)
{
	int mask = 0;
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");
		int i;

		for (i = 0; i < 5; i++)
			if (n == 3 && !strncmp(p, names[i], 3))
				break;
		if (i == 5)
			return -1;
		mask |= 1 << i;
		p += n;
		if (*p == ',')
			p++;
	}
	return mask ? mask : -1;
}

static int
fail(struct err *why, const char *reason)
{
	return err_set(why, EINVAL, "%s", reason);
}

/* Split off the last space-separated token of [s, *end); returns it. */
static char *
last_token(char *s, char **end)
{
	char *p = *end;

	while (p > s && p[-1] != ' ')
		p--;
	if (p == s || p == *end)
		return NULL;
	p[-1] = '\0';
	*end = p - 1;
	return p;
}

static int
parse_mtime(const char *s, long long *out)
{
	long long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (long long)9e17)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

int
contents_parse(char *line, size_t len, struct contents_entry *e, struct err *why)
{
	char *end = line + len, *tok, *rest;
	int i;

	memset(e, 0, sizeof(*e));
	err_clear(why);
	e->mtime = -1;
	if (memchr(line, '\0', len))
		return fail(why, "NUL byte in line");
	*end = '\0';
	if (len < 5 || line[3] != ' ')
		return fail(why, "line too short or no type field");
	for (i = 0; i < 5; i++)
		if (!memcmp(line, names[i], 3))
			break;
	if (i == 5)
		return fail(why, "unknown entry type (want dir, obj, sym, dev or fif)");
	e->type = 1 << i;
	rest = line + 4;
	if (*rest != '/')
		return fail(why, "path is not absolute");

	switch (e->type) {
	case CONTENTS_OBJ:
		if (!(tok = last_token(rest, &end)) || parse_mtime(tok, &e->mtime))
			return fail(why, "obj line: missing or non-numeric mtime");
		if (!(tok = last_token(rest, &end)))
			return fail(why, "obj line: missing md5");
		if (strlen(tok) != 32 || strspn(tok, "0123456789abcdef") != 32)
			return fail(why, "obj line: md5 is not 32 hex digits");
		e->md5 = tok;
		break;
	case CONTENTS_SYM: {
		char *arrow = NULL, *p;

		if (!(tok = last_token(rest, &end)) || parse_mtime(tok, &e->mtime))
			return fail(why, "sym line: missing or non-numeric mtime");
		for (p = rest; (p = strstr(p, " -> ")); p++)
			arrow = p;
		if (!arrow)
			return fail(why, "sym line: no \" -> \" between path and target");
		*arrow = '\0';
		e->target = arrow + 4;
		if (!*e->target)
			return fail(why, "sym line: empty target");
		end = arrow;
		break;
	}
	default:
		break;
	}
	if (end == rest)
		return fail(why, "empty path");
	e->path = rest;
	return 0;
}
