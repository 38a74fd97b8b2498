/* strset: a set of strings (open addressing, FNV-1a), optionally with a
 * pointer value per key. Keys are copied. */
#ifndef STRSET_H
#define STRSET_H

#include <stddef.h>

struct strset {
	char **keys;
	void **vals;
	size_t cap, len;
};

/* Insert KEY; returns 1 if added, 0 if present, -1 on ENOMEM.
 * With VAL non-NULL, the value is stored when the key is added. */
int strset_add(struct strset *s, const char *key, void *val);
int strset_has(const struct strset *s, const char *key);
/* The value stored with KEY, or NULL. */
void *strset_get(const struct strset *s, const char *key);
void strset_free(struct strset *s);

#endif
