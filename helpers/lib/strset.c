#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strset.h"

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t
slot(const struct strset *s, const char *key)
{
	size_t i = hash(key) & (s->cap - 1);

	while (s->keys[i] && strcmp(s->keys[i], key))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int
grow(struct strset *s)
{
	struct strset n = { 0 };

	n.cap = s->cap ? s->cap * 2 : 64;
	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.vals = calloc(n.cap, sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < s->cap; i++) {
		if (s->keys[i]) {
			size_t j = slot(&n, s->keys[i]);

			n.keys[j] = s->keys[i];
			n.vals[j] = s->vals[i];
		}
	}
	n.len = s->len;
	free(s->keys);
	free(s->vals);
	*s = n;
	return 0;
}

int
strset_add(struct strset *s, const char *key, void *val)
{
	size_t i;

	if ((s->len + 1) * 2 > s->cap && grow(s))
		return -1;
	i = slot(s, key);
	if (s->keys[i])
		return 0;
	if (!(s->keys[i] = strdup(key)))
		return -1;
	s->vals[i] = val;
	s->len++;
	return 1;
}

int
strset_has(const struct strset *s, const char *key)
{
	return s->cap && s->keys[slot(s, key)] != NULL;
}

void *
strset_get(const struct strset *s, const char *key)
{
	return s->cap ? s->vals[slot(s, key)] : NULL;
}

void
strset_free(struct strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->vals);
	memset(s, 0, sizeof(*s));
}
