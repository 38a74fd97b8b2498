/* sbom: what an image holds, from the VDB of its ROOT (saved before PRUNE
 * deleted it) and the image archive itself: the packages that own files
 * in the image, their files with digests, the files no package owns; as
 * an SPDX 2.3 JSON document, checked against an archive, and as the image
 * report. Library code: fills caller structs and json_t, never prints. */
#ifndef SBOM_H
#define SBOM_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"
#include "imgtar.h"
#include "strset.h"
#include "vdb.h"

enum sbom_origin { SBOM_ROOT, SBOM_BUILDER, SBOM_BUILDER_LIBS };

struct sbom_pkg {
	struct vdb_pkg *vp;
	char *slot, *repo, *license, *use, *iuse;	/* VDB fields (may be NULL) */
	char *spdx_license;	/* NULL: no LICENSE, or every group conditional off */
	char *use_built;	/* USE ∩ IUSE, sorted, space-separated */
	enum sbom_origin origin;
	const char *from_parent;	/* the parent image's name when the parent
					 * has this package, as built (sbom_mark_parent) */
	size_t *files;		/* indexes into the image's files */
	size_t nfiles;
	long long size;		/* bytes of its regular files in the image */
};

struct sbom {
	struct imgtar img;
	struct vdb db;
	struct sbom_pkg *pkgs;	/* every VDB package, sorted by atom */
	size_t npkgs;
	long *owner;		/* per image file: index of its package, -1 none */
	struct strset unmapped;	/* Gentoo licence names with no SPDX id */
	char *parent_name;	/* sbom_mark_parent's NAME */
};

/* Read the image archive and the VDB of VDB_ROOT; WHOLE and LIBS name the
 * packages copied from the builder (RUNTIME_FROM_BUILDER and
 * RUNTIME_LIBS_FROM_BUILDER; CAT/PN or CAT/PF). Returns 0 or -1 with errno
 * and E set. */
int sbom_load(struct sbom *s, const char *archive, const char *vdb_root,
	      char **whole, size_t nwhole, char **libs, size_t nlibs, struct err *e);
void sbom_free(struct sbom *s);
/* The packages of S that the parent image NAME has too (its saved VDB in
 * PARENT_VDB: the same CAT/PF and, when both record one, BUILD_TIME, i.e.
 * the same build) are marked as coming from it (from_parent). Returns the
 * number marked, or -1 with errno and E set. */
int sbom_mark_parent(struct sbom *s, const char *parent_vdb, const char *name, struct err *e);

/* The SPDX 2.3 document of the image called NAME, or NULL with errno
 * ENOMEM (everything built so far freed). */
json_t *sbom_spdx(struct sbom *s, const char *name);

/* Check DOC against the image archive IMG: every regular file of the image
 * is in DOC with its SHA-256, every file DOC lists is in the image, every
 * package DOC lists has files and all of them are in the image, and every
 * file belongs to a package or is declared as the image's own. PROBLEM is
 * called once for each violation. Returns the number of violations, or -1
 * when DOC is not an SPDX document this tool can read. */
int sbom_verify(json_t *doc, const struct imgtar *img,
		void (*problem)(const char *what, const char *detail, void *arg), void *arg);

struct sbom_removed {
	const char *prune_log, *unmerge_log;	/* stage logs (may be NULL) */
	/* "SIZE /path" lines of ROOT's files listed before each stage
	 * removed anything (may be NULL: no sizes) */
	const char *prune_sizes, *unmerge_sizes;
};

/* The image report: its layers (which image each comes from: this one,
 * NAME, for the layer of the config's last history entry; the others
 * through their history entries, "scratchmerge mkimage IMAGE", else
 * PARENT_NAME when not NULL), packages by size, biggest files, what PRUNE
 * and UNMERGE removed, setuid/setgid/capability files, UNMERGE
 * candidates. NULL with errno ENOMEM. */
json_t *sbom_report(struct sbom *s, const char *name, const char *parent_name, const struct sbom_removed *rm,
		    int top);

#endif
