/* contents: one line of a VDB CONTENTS file.
 *
 * Grammar (Portage, single spaces, no escaping, paths may hold spaces):
 *   dir PATH
 *   obj PATH MD5 MTIME
 *   sym PATH -> TARGET MTIME
 *   dev PATH
 *   fif PATH
 * Parsed from the right: the mtime is the last token, the md5 the one
 * before it, a symlink splits at the last " -> " (as Portage's own regex,
 * whose greedy PATH group does the same).
 */
#ifndef CONTENTS_H
#define CONTENTS_H

#include <stddef.h>
#include <time.h>

#include "err.h"

enum contents_type {
	CONTENTS_DIR = 1,
	CONTENTS_OBJ = 2,
	CONTENTS_SYM = 4,
	CONTENTS_DEV = 8,
	CONTENTS_FIF = 16,
};
#define CONTENTS_ALL 31

struct contents_entry {
	enum contents_type type;
	char *path;	/* points into the caller's line buffer */
	char *md5;	/* obj only */
	char *target;	/* sym only */
	long long mtime;	/* obj and sym; -1 otherwise */
};

/* Parse LINE (LEN bytes, no trailing newline) in place into E.
 * Returns 0, or -1 with errno = EINVAL and WHY set to the reason. */
int contents_parse(char *line, size_t len, struct contents_entry *e, struct err *why);

/* "obj" -> CONTENTS_OBJ ...; a comma list "obj,sym" -> mask; -1 if unknown. */
int contents_type_mask(const char *list);
const char *contents_type_name(enum contents_type t);

#endif
