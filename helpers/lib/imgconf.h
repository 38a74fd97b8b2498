/* imgconf: image.yaml (the runtime config of an image) read with libyaml
 * into the OCI image config's "config" object and the manifest's
 * annotations (jansson). Unknown keys and wrong types are errors that name
 * FILE:LINE:COLUMN and the expected type. An empty file is a valid image
 * with no entrypoint. Hostile input is bounded: at most IMGCONF_MAX_SIZE
 * bytes and IMGCONF_MAX_DEPTH levels of nesting, one document, no anchors
 * or aliases, no duplicate keys, no NUL inside a string (each an error with FILE:LINE:COLUMN). */
#ifndef IMGCONF_H
#define IMGCONF_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

#define IMGCONF_MAX_SIZE (1 << 20)
#define IMGCONF_MAX_DEPTH 64

struct imgconf {
	json_t *config;		/* Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts,
				   Volumes, Labels, StopSignal (only those given) */
	json_t *annotations;	/* object, possibly empty */
};

/* Returns 0, or -1 with errno and E set ("file:line:col: what", EINVAL;
 * "file: strerror" when the file cannot be read). */
int imgconf_load(const char *path, struct imgconf *c, struct err *e);
/* The same for a string already in memory; NAME is used in messages. */
int imgconf_parse(const char *name, const unsigned char *buf, size_t len,
		  struct imgconf *c, struct err *e);
void imgconf_free(struct imgconf *c);

#endif
