/* uselint_impl: what the files of the uselint module share (not part of
 * its interface: uselint.h is). uselint_repo.c reads the repository,
 * uselint_closest.c finds close names, uselint_files.c reads package.*
 * files, uselint.c checks USE flags. */
#ifndef USELINT_IMPL_H
#define USELINT_IMPL_H

#include <stdio.h>

#include "atom.h"
#include "err.h"
#include "uselint.h"

struct ebuild {
	char *pf;
	const char *pvr;	/* inside pf */
	char *slot;
	char *iuse;		/* split in place into flags */
	char **flags;
	size_t nflags;
	char *keywords;		/* KEYWORDS, "" when none */
};

struct pkg {
	char *cat, *pn;
	struct ebuild *eb;	/* sorted by version */
	size_t n;
};

struct names {
	char **v;
	size_t n;
};

/* what an atom matched */
struct matches {
	struct pkg **pkgs;	/* packages with at least one matching ebuild */
	size_t npkgs;
	struct ebuild **ebs;
	size_t nebs;
};

#define MAX_CLOSEST 3

struct cand {
	size_t dist;
	char *show;
};

struct query {
	const char *flag;	/* the expanded name */
	const char *group;	/* lower-case USE_EXPAND name, or NULL */
	const char *value;	/* the value within the group */
};

struct closest {
	struct cand best[MAX_CLOSEST];
	size_t n, limit;
};

/* ---- uselint_repo.c ---- */

/* Append ITEM (SIZE bytes) to the vector *VP of *N items, *CAP allocated. */
int uselint_push(void *vp, size_t *n, size_t *cap, size_t size, const void *item);
/* A finding (counted in nerrors) to the caller's report callback. */
void uselint_report(struct uselint *u, const char *file, size_t line, const char *atom, const char *msg);
/* A finding about an option (ORIGIN), as it is or printf-style. */
void uselint_report_option(struct uselint *u, const char *origin, const char *atom, const char *msg);
int uselint_reportf(struct uselint *u, const char *origin, const char *atom, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The PFs of CAT (empty when the category does not exist), read once. */
struct names *uselint_cat_pfs(struct uselint *u, const char *cat);
/* CAT/PN with every ebuild the cache has (none: an unknown package). */
struct pkg *uselint_load_pkg(struct uselint *u, const char *cat, const char *pn, struct err *e);
int uselint_load_categories(struct uselint *u);
int uselint_load_all_iuse(struct uselint *u);
int uselint_load_local(struct uselint *u);
/* Every ebuild A matches. */
int uselint_resolve(struct uselint *u, const struct atom *a, struct matches *m, struct err *e);
void uselint_free_matches(struct matches *m);

/* ---- uselint_closest.c ---- */

/* Start C for Q: a third of the name, at least one edit. */
void uselint_closest_init(struct uselint *u, struct closest *c, const struct query *q);
/* Keep SHOW (owned: freed when not kept) if it is among the closest. */
int uselint_closest_add(struct closest *c, size_t d, char *show);
/* Flag F as a candidate for Q. */
int uselint_consider(struct uselint *u, struct closest *c, const struct query *q, const char *f);
void uselint_closest_free(struct closest *c);
/* "; closest: a, b" or "; no close match" to F; empties C. */
void uselint_closest_print(struct closest *c, FILE *f);

/* ---- uselint_keywords.c ---- */

/* Is EB (of P) visible by the keywords of uselint_keywords? */
int uselint_visible(const struct uselint *u, const struct pkg *p, const struct ebuild *eb);
/* "ATOM: no version is visible on ARCH (V is ~ARCH, ...): add ..." for the
 * ebuilds of M that A matches, into F */
void uselint_explain_invisible(const struct uselint *u, const struct atom *a, const char *atomstr,
			       const struct matches *m, FILE *f);
void uselint_keywords_free(struct uselint *u);

/* ---- uselint_files.c ---- */

/* One line of a package.* file: its words (after the atom, up to a '#'),
 * TOK[0] the atom; 0 to go on, -1 (errno, E) to stop. */
typedef int (*uselint_line_fn)(struct uselint *u, const char *file, size_t lineno, char **tok, size_t n,
			       void *arg, struct err *e);
/* Every line of PATH, a file or a directory of them read recursively in
 * sorted order without hidden files and `*~` (Portage's grabdict_package,
 * _recursive_file_list). A file that cannot be read: -1, E "PATH: why". */
int uselint_read_lines(struct uselint *u, const char *path, uselint_line_fn fn, void *arg, struct err *e);

/* FN for each word of WORDS (an option: USE, PACKAGES, ...) from ORIGIN;
 * 0, or -1 (errno, E: "REPO: why" when FN left it empty). */
typedef int (*uselint_word_fn)(struct uselint *u, const char *origin, const char *word, struct err *e);
int uselint_each_word(struct uselint *u, const char *words, const char *origin, uselint_word_fn fn, struct err *e);

#endif
