/* vdb: the installed-package database ROOT/var/db/pkg/CATEGORY/PF/ of any
 * root. One root fd stays open; everything below it is reached with the
 * *at() calls. Library code: returns 0 / -1 with errno, never prints. */
#ifndef VDB_H
#define VDB_H

#include <stddef.h>

#include "contents.h"
#include "err.h"

struct vdb;

struct vdb_pkg {
	char *cat, *pf, *pn;	/* "sys-libs", "glibc-2.39-r6", "glibc" */
	char *atom;		/* "sys-libs/glibc-2.39-r6" */
	struct vdb *db;
	char *meta;		/* consolidated metadata file, loaded on demand */
	size_t meta_len;
	int meta_state;		/* 0 not read, 1 valid, -1 absent or stale */
};

struct vdb_name {
	const char *name;	/* a package's PN or PF */
	size_t idx;		/* into pkgs */
};

struct vdb {
	char *root;		/* as given to vdb_open, for messages */
	int rootfd, dbfd;	/* dbfd = -1 when the root has no VDB */
	struct vdb_pkg *pkgs;	/* sorted by category, then PF */
	size_t npkgs;
	struct vdb_name *byname;	/* built by the first vdb_resolve */
	size_t nbyname;
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
 * the first); -1 with ENOENT when nothing matches. *OUT is malloc()ed.
 * O(log P): the first call builds a name index (O(P log P)). */
int vdb_resolve(struct vdb *db, const char *atom, struct vdb_pkg ***out,
		struct vdb_pkg **other);

/* A per-package field (SLOT, USE, NEEDED.ELF.2, ...) as a malloc()ed
 * string with the trailing newline removed: the per-field file first,
 * then the consolidated `metadata` file when its #dir_mtime matches.
 * -1 with ENOENT when neither has it, EINVAL when the per-field file is
 * not a regular file (a FIFO, device, socket or directory is never
 * opened for reading; a non-regular `metadata` file counts as absent). */
int vdb_field(struct vdb_pkg *p, const char *key, char **val);

/* The consolidated `metadata` file, as pure functions over a buffer (the
 * fuzz target tests/fuzz/fuzz_metadata.c calls them directly). Format:
 *   #format=1
 *   KEY=VALUE            one line each; "\n" is a newline, "\\" a backslash
 *   #dir_mtime=NS        the package directory's mtime in nanoseconds
 * vdb_meta_valid: 1 when BUF (LEN bytes, no NUL inside) has that shape
 * and its #dir_mtime equals DIR_MTIME_NS, else 0.
 * vdb_meta_get: KEY's value, unescaped, as a malloc()ed string; -1 with
 * ENOENT when absent (BUF need not be NUL-terminated). */
int vdb_meta_valid(const char *buf, size_t len, long long dir_mtime_ns);
int vdb_meta_get(const char *buf, size_t len, const char *key, char **val);

/* Call CB for every CONTENTS line of P, in file order. CB returns 0 to go
 * on, anything else to stop (returned, E untouched). A malformed line
 * stops the walk with -1, EINVAL and E set to "ROOT/var/db/pkg/CAT/PF/
 * CONTENTS:LINE: reason"; a CONTENTS that is not a regular file is EINVAL
 * ("...CONTENTS: not a regular file"), one that cannot be read errno
 * ("...CONTENTS: strerror"). A package without CONTENTS has no files. */
typedef int (*vdb_contents_cb)(struct vdb_pkg *p, struct contents_entry *e, void *arg);
int vdb_contents(struct vdb_pkg *p, vdb_contents_cb cb, void *arg, struct err *e);

/* The soname closure. FROM (N packages; N = 0: all) and every package
 * providing a soname something in the closure REQUIREs. IN[i] is set to 1
 * for packages in the closure. For each package of the closure and each
 * soname it requires that no package provides, MISSING_CB(arch, soname,
 * requirer, arg) is called (may be NULL; findings, not failures).
 * 0, or -1 with errno. */
int vdb_needs(struct vdb *db, struct vdb_pkg **from, size_t n, char *in,
	      void (*missing_cb)(const char *arch, const char *soname,
				 struct vdb_pkg *by, void *arg), void *arg);

/* Who provides which soname: every package's PROVIDES read once.
 * vdb_sonames_provided: NULL with errno. vdb_sonames_find: how many
 * packages provide SONAME for ARCH; *IDX (into DB's pkgs, sorted) points
 * into S. */
struct vdb_sonames;
struct vdb_sonames *vdb_sonames_provided(struct vdb *db);
size_t vdb_sonames_find(const struct vdb_sonames *s, const char *arch, const char *soname,
			const size_t **idx);
void vdb_sonames_free(struct vdb_sonames *s);

/* Remove packages from the root by their CONTENTS, with Portage's rules
 * (vartree.py dblink._unmerge_pkgfiles), each path resolved inside the
 * root, its identity the file it resolves to (parent dev/ino + name):
 *   kept ("---" DESC):  !prefix "/" itself; !found absent; !vdb the VDB,
 *   anything in it or a component of its path; cfgpro a /lib, /usr/lib or
 *   /usr/local/lib symlink; replaced owned by a package that stays;
 *   !mtime an obj/sym whose mtime differs; !dir, !sym, !obj, !fif the
 *   type differs; !md5 the content differs; !empty a directory (or a
 *   symlink to one) that still holds something; fif and dev entries are
 *   always kept (DESC "").
 *   removed ("<<<" ""): everything else; directories last, deepest first.
 * With ORPHANS (FEATURES=unmerge-orphans) anything but a directory goes
 * without the mtime/md5/type checks unless CONFIG_PROTECT (space list,
 * minus CONFIG_PROTECT_MASK, as Portage's ConfigProtect) covers it.
 * The VDB entries go last (REPORT type "vdb"), only when all went well.
 * DRY_RUN changes nothing and reports the same decisions (REPORT: data,
 * not failures). Returns 0, or -1 with errno and E set: an unreadable
 * CONTENTS (then nothing is removed; E as vdb_contents), or a path that
 * could not be removed ("ROOT/path: strerror", the first one, and how
 * many more; the others are still tried). */
struct vdb_unmerge_opts {
	int dry_run, orphans;
	const char *config_protect, *config_protect_mask;	/* NULL: none */
	void (*report)(const char *zing, const char *desc, const char *type,
		       const char *path, void *arg);
	void *arg;
};
int vdb_unmerge(struct vdb *db, struct vdb_pkg **pkgs, size_t n,
		const struct vdb_unmerge_opts *o, struct err *e);

#endif
