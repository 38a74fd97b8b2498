/* uselint: check USE flags against the IUSE an ebuild repository's
 * metadata cache declares, before anything is compiled. Portage ignores
 * an unknown flag in package.use without a word; this module makes it an
 * error naming the file, the line and the closest valid names.
 * Library code: findings (data, not failures) go to the caller's report
 * callback; failures are -1 with errno and the caller's struct err (the
 * file that could not be read, and why). */
#ifndef USELINT_H
#define USELINT_H

#include <stddef.h>

#include "err.h"
#include "md5cache.h"
#include "strset.h"

struct uselint_diag {
	const char *file;	/* the package.use file; NULL for the global USE */
	size_t line;
	const char *atom;	/* the line's atom as written; NULL for the global USE */
	const char *msg;
};

typedef void (*uselint_report_fn)(const struct uselint_diag *d, void *arg);

struct uselint {
	struct md5cache mc;
	char *repo_path;
	uselint_report_fn report;
	void *arg;
	struct strset pkgs;	/* "cat/pn" -> loaded package */
	struct strset catpfs;	/* "cat" -> its PF list */
	struct strset groups;	/* USE_EXPAND names, lower case ("nginx_modules_http") */
	struct strset global;	/* profiles/use.desc and profiles/desc/ flags */
	struct strset local;	/* profiles/use.local.desc: flag -> "cat/pn cat/pn ..." */
	int local_loaded;
	struct strset all_iuse;	/* every IUSE flag of the tree, read on demand */
	int all_loaded;
	size_t nall;		/* entries in the tree (when all_loaded) */
	char **cats;
	size_t ncats;
	int cats_loaded;
	size_t nlines, nflags, nerrors;
};

/* Open the repository REPO (metadata/md5-cache required; profiles/
 * use.desc, profiles/desc/ and profiles/repo_name used when present). */
int uselint_open(struct uselint *u, const char *repo, uselint_report_fn report, void *arg, struct err *e);
void uselint_close(struct uselint *u);

/* The global USE (make.conf syntax: flags, -flags, -*): each flag must
 * be in profiles/use.desc (or profiles/desc/) or in the IUSE of at least
 * one ebuild: first those of the packages profiles/use.local.desc names
 * for it, then, only if they do not have it, every entry of the cache. */
int uselint_check_use(struct uselint *u, const char *use, struct err *e);

/* A package.use file, or a directory of them read recursively in sorted
 * order without hidden files and `*~` (as Portage's grabdict_package). */
int uselint_check_package_use(struct uselint *u, const char *path, struct err *e);

/* How many distinct md5-cache entries were consulted. */
size_t uselint_ebuilds(const struct uselint *u);

/* Levenshtein distance (exposed for the tests). */
size_t uselint_distance(const char *a, const char *b);

#endif
