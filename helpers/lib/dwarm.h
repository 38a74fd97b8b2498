/* dwarm: the state file of a container kept running between two stages
 * of an image (engine stage --warm FILE): which container, the image its
 * filesystem equals (the snapshot its last stage committed), when that
 * was, and what it was created with but its image and command. A stage
 * takes the file (reads and removes it) before it runs a command in the
 * container, so a container whose stage did not finish is never named in
 * one. One make at a time holds an image (mk/with-lock): no locking here. */
#ifndef DWARM_H
#define DWARM_H

#include <time.h>

#include "dctr.h"
#include "err.h"

struct dwarm {
	char id[65];		/* the container */
	char image[80];		/* sha256:... */
	time_t used;		/* when its last stage committed */
	char *sig;		/* dwarm_sig of its spec */
};

/* S's create body but its image and command, and its platform, as one
 * line: two stages whose signatures are equal may share a container.
 * malloc()ed; NULL with ENOMEM. */
char *dwarm_sig(const struct dctr_spec *s);
/* FILE's state into W, and FILE removed: 1; 0 when there is no FILE; -1
 * when it cannot be read, or is not a state file (E says which; FILE is
 * removed all the same). */
int dwarm_take(const char *file, struct dwarm *w, struct err *e);
/* FILE's state into W, FILE kept: as dwarm_take. */
int dwarm_peek(const char *file, struct dwarm *w, struct err *e);
/* W into FILE, whole: written beside it and renamed. */
int dwarm_save(const char *file, const struct dwarm *w, struct err *e);
void dwarm_free(struct dwarm *w);

#endif
