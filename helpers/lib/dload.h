/* dload: what an engine says while it loads an image archive (POST
 * /images/load): a sequence of JSON messages. docker writes one a line,
 *   {"stream":"Loaded image: REF\n"}, {"stream":"Loaded image ID: ID\n"},
 *   {"stream":"The image REF already exists, renaming the old one with
 *    ID ID to empty string\n"}, or {"error":"...","errorDetail":{...}};
 * the podman service writes one message naming every reference, comma-
 * separated and without a line end: {"stream":"Loaded image: R1,R2"}. */
#ifndef DLOAD_H
#define DLOAD_H

#include <stddef.h>

#include "err.h"

struct dload_list {
	char **v;
	size_t n;
};

struct dload {
	struct dload_list refs;		/* the references loaded, in order */
	struct dload_list ids;		/* IDs of images loaded without a reference */
	struct dload_list replaced;	/* IDs a loaded reference was moved away from */
};

/* Parse BODY (LEN bytes) into L (zeroed first). -1 with EPROTO (not such
 * messages), EIO (the engine reported an error: its message in E) or
 * ENOMEM. L is to be freed with dload_free either way. */
int dload_parse(const char *body, size_t len, struct dload *l, struct err *e);
void dload_free(struct dload *l);

#endif
