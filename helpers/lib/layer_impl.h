/* layer_impl: what the files of the layer module share (not its
 * interface: layer.h is). layer.c gathers, checks and writes a layer,
 * layer_diff.c keeps what differs from the layers below. */
#ifndef LAYER_IMPL_H
#define LAYER_IMPL_H

#include "layer.h"

/* A new entry for PATH at the end of L->v (which may move), or NULL. */
struct layer_entry *layer_new_entry(struct layer *l, const char *path);
void layer_free_entry(struct layer_entry *e);

#endif
