/* vdb: the installed-package database ROOT/var/db/pkg/CATEGORY/PF/ of any
 * root. One root fd stays open; everything below it is reached with the
 * *at() calls. Library code: returns 0 / -1 with errno, never prints. */
#ifndef VDB_H
#define VDB_H

#include <stddef.h>

#include "contents.h"

struct vdb;

struct vdb_pkg {
	char *cat, *pf, *pn;	/* "sys-libs", "glibc-2.39-r6", "glibc" */
	char *atom;		/* "sys-libs/glibc-2.39-r6" */
	struct vdb *db;
	char *meta;		/* consolidated metadata file, loaded on demand */
	int meta_state;		/* 0 not read, 1 valid, -1 absent or stale */
};

struct vdb {
	int rootfd, dbfd;	/* dbfd = -1 when the root has no VDB */
	struct vdb_pkg *pkgs;	/* sorted by atom */
	size_t npkgs;
};

/* Open ROOT and read its package list. A root without var/db/pkg is a
 * valid, empty database. */
int vdb_open(struct vdb *db, const char *root);
void vdb_close(struct vdb *db);

/* Split a PF ("glibc-2.39-r6") into its PN; -1 (EINVAL) when there is no
 * valid version suffix. OUT has room for strlen(pf)+1 bytes. */
int vdb_pf_to_pn(const char *pf, char *out);

/* Resolve ATOM (CAT/PF, CAT/PN or PN) into the packages it names (several
 * slots give several). Returns the count (>= 1); 0 with *other set when
 * PN is ambiguous (two categories: *other is a second match, (*out)[0]
 * the first); -1 with ENOENT when nothing matches. *OUT is malloc()ed. */
int vdb_resolve(struct vdb *db, const char *atom, struct vdb_pkg ***out,
		struct vdb_pkg **other);

/* A per-package field (SLOT, USE, NEEDED.ELF.2, ...) as a malloc()ed
 * string with the trailing newline removed: the per-field file first,
 * then the consolidated `metadata` file when its #dir_mtime matches.
 * -1 with ENOENT when neither has it. */
int vdb_field(struct vdb_pkg *p, const char *key, char **val);

/* Call CB for every CONTENTS line of P, in file order. CB returns 0 to go
 * on, anything else to stop (returned). A malformed line stops the walk
 * with -1, EINVAL, *LINENO and *WHY set. A package without CONTENTS has
 * no files. */
typedef int (*vdb_contents_cb)(struct vdb_pkg *p, struct contents_entry *e, void *arg);
int vdb_contents(struct vdb_pkg *p, vdb_contents_cb cb, void *arg,
		 size_t *lineno, const char **why);

/* The soname closure. FROM (N packages; N = 0: all) and every package
 * providing a soname something in the closure REQUIREs. IN[i] is set to 1
 * for packages in the closure. For each required soname nobody provides,
 * MISSING_CB(arch, soname, requirer, arg) is called (may be NULL). */
int vdb_needs(struct vdb *db, struct vdb_pkg **from, size_t n, char *in,
	      void (*missing_cb)(const char *arch, const char *soname,
				 struct vdb_pkg *by, void *arg), void *arg);

/* Remove packages from the root by their CONTENTS. A file, symlink, fifo
 * or device is removed unless a package not being removed owns the same
 * path; a directory when it is empty afterwards and no remaining package
 * lists it; the VDB entry last. Paths are resolved inside the root only.
 * With DRY_RUN nothing is changed. REPORT(path, arg) is called for every
 * path that goes (or would go). Returns 0 or -1 with errno; a path that
 * could not be removed is passed to ERR_CB and makes the result -1. */
int vdb_unmerge(struct vdb *db, struct vdb_pkg **pkgs, size_t n, int dry_run,
		void (*report)(const char *path, void *arg),
		void (*err_cb)(const char *path, int err, void *arg), void *arg);

#endif
