/* dimg: images through the engine's API (dapi): a reference's ID,
 * removal without force, loading an archive, the list with filters. */
#ifndef DIMG_H
#define DIMG_H

#include <stddef.h>

#include <jansson.h>

#include "dapi.h"
#include "dload.h"
#include "err.h"

/* The ID ("sha256:...") REF names. -1 with ENOENT when none. */
int dimg_id(struct dapi *d, const char *ref, char id[80], char driver[32], struct err *e);
/* Remove REF (a reference or an ID) without force: untag it, and remove
 * the image if that was its last name. -1 with ENOENT (no such image)
 * or EBUSY (a container or another image uses it). */
int dimg_remove(struct dapi *d, const char *ref, struct err *e);
/* Load the archive read from FD; what the engine said into L (dload). */
int dimg_load(struct dapi *d, int fd, struct dload *l, struct err *e);
/* The images (no intermediate ones) that carry every label of LABELS
 * (K=V), only the dangling ones when DANGLING: the engine's JSON array
 * of summaries (with "Id", "RepoTags") in *LIST. */
int dimg_list(struct dapi *d, char **labels, size_t n, int dangling, json_t **list, struct err *e);
/* The "Id" of the image of LIST that has the tag REF, or NULL. */
const char *dimg_find_tag(json_t *list, const char *ref);

#endif
