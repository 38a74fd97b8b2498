/* uselint: check USE flags against the IUSE an ebuild repository's
 * metadata cache declares, before anything is compiled. Portage ignores
 * an unknown flag in package.use without a word; this module makes it an
 * error naming the file, the line and the closest valid names. The same
 * for the image's atoms: PACKAGES must match an ebuild (one its KEYWORDS
 * make visible, when an ARCH is given), PROVIDED must be CAT/PN-VERSION
 * of a package of the tree, UNMERGE must name one.
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
	const char *file;	/* the package.use file; NULL for an option's finding */
	size_t line;
	const char *atom;	/* the line's or the option's atom as written; NULL for USE */
	const char *msg;
	const char *origin;	/* where the option came from (file NULL): "USE", ... */
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
	struct uselint_kw *kw;	/* uselint_keywords; NULL: keywords not checked */
	size_t nlines, nflags, natoms, nerrors;
};

/* Open the repository REPO (metadata/md5-cache required; profiles/
 * use.desc, profiles/desc/ and profiles/repo_name used when present). */
int uselint_open(struct uselint *u, const char *repo, uselint_report_fn report, void *arg, struct err *e);
void uselint_close(struct uselint *u);

/* The global USE (make.conf syntax: flags, -flags, -*): each flag must
 * be in profiles/use.desc (or profiles/desc/) or in the IUSE of at least
 * one ebuild: first those of the packages profiles/use.local.desc names
 * for it, then, only if they do not have it, every entry of the cache. */
int uselint_check_use(struct uselint *u, const char *use, const char *origin, struct err *e);

/* A package.use file, or a directory of them read recursively in sorted
 * order without hidden files and `*~` (as Portage's grabdict_package). */
int uselint_check_package_use(struct uselint *u, const char *path, struct err *e);

/* Keywords for uselint_check_packages (Portage's KeywordsManager): ARCH
 * ("amd64"), the global ACCEPT_KEYWORDS (NULL: ARCH), and PATH, a
 * package.accept_keywords file or directory (read as package.use: an atom
 * and tokens, no tokens meaning ~ARCH; NULL: none), named SHOWN in the
 * findings' advice. */
int uselint_keywords(struct uselint *u, const char *arch, const char *accept, const char *path,
		     const char *shown, struct err *e);

/* PACKAGES: ATOMS (emerge's command-line form, space-separated: an
 * optional operator and version, :slot, ::repo; no USE dependencies) must
 * each match at least one ebuild, and, after uselint_keywords, one its
 * KEYWORDS make visible. Findings carry ORIGIN. */
int uselint_check_packages(struct uselint *u, const char *atoms, const char *origin, struct err *e);

/* PROVIDED: each of ATOMS must be CAT/PN-VERSION (package.provided: no
 * operator, slot or USE dependency) and CAT/PN a package of the tree
 * (any version: Portage takes it). */
int uselint_check_provided(struct uselint *u, const char *atoms, const char *origin, struct err *e);

/* UNMERGE: the CAT/PN of each of ATOMS (CAT/PN, CAT/PF, PN, or an atom
 * with an operator) must be a package of the tree. */
int uselint_check_unmerge(struct uselint *u, const char *atoms, const char *origin, struct err *e);

/* How many distinct md5-cache entries were consulted. */
size_t uselint_ebuilds(const struct uselint *u);

/* Levenshtein distance (exposed for the tests). */
size_t uselint_distance(const char *a, const char *b);

#endif
