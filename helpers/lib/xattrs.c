#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xattrs.h"

int
xattrs_add(struct xattrs *x, const char *name, const void *value, size_t size)
{
	struct xattr *v;

	if (xattrs_has(x, name))
		return 0;
	if (!(v = realloc(x->v, (x->n + 1) * sizeof(*v)))) {
		errno = ENOMEM;
		return -1;
	}
	x->v = v;
	v = &v[x->n];
	if (!(v->name = strdup(name)) || !(v->value = malloc(size ? size : 1))) {
		free(v->name);
		errno = ENOMEM;
		return -1;
	}
	memcpy(v->value, value, size);
	v->size = size;
	x->n++;
	return 0;
}

int
xattrs_add_entry(struct xattrs *x, struct archive_entry *ae)
{
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(ae);
	while (archive_entry_xattr_next(ae, &name, &value, &size) == ARCHIVE_OK)
		if (xattrs_add(x, name, value, size))
			return -1;
	xattrs_sort(x);
	return 0;
}

static int
cmp_xattr(const void *a, const void *b)
{
	return strcmp(((const struct xattr *)a)->name, ((const struct xattr *)b)->name);
}

void
xattrs_sort(struct xattrs *x)
{
	if (x->n > 1)
		qsort(x->v, x->n, sizeof(*x->v), cmp_xattr);
}

int
xattrs_copy(struct xattrs *d, const struct xattrs *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (xattrs_add(d, s->v[i].name, s->v[i].value, s->v[i].size))
			return -1;
	return 0;
}

int
xattrs_equal(const struct xattrs *a, const struct xattrs *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) || a->v[i].size != b->v[i].size ||
		    memcmp(a->v[i].value, b->v[i].value, a->v[i].size))
			return 0;
	return 1;
}

int
xattrs_has(const struct xattrs *x, const char *name)
{
	for (size_t i = 0; i < x->n; i++)
		if (!strcmp(x->v[i].name, name))
			return 1;
	return 0;
}

void
xattrs_free(struct xattrs *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->v[i].name);
		free(x->v[i].value);
	}
	free(x->v);
	x->v = NULL;
	x->n = 0;
}
