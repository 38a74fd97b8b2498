/* atom: Gentoo package atoms as /etc/portage/package.* files write them,
 * and PMS version comparison. References: PMS chapters 3 (names and
 * versions) and 8.3 (dependency specifications); Portage's
 * lib/portage/dep/__init__.py (Atom, match_from_list) and
 * lib/portage/versions.py (vercmp); portage-utils' libq/atom.c. */
#ifndef ATOM_H
#define ATOM_H

#include <stddef.h>

#include "err.h"

enum atom_op {
	ATOM_OP_NONE,		/* cat/pn */
	ATOM_OP_EQ,		/* =cat/pn-1.0 */
	ATOM_OP_GE, ATOM_OP_LE, ATOM_OP_GT, ATOM_OP_LT,
	ATOM_OP_TILDE,		/* ~cat/pn-1.0: any revision of 1.0 */
	ATOM_OP_GLOB,		/* =cat/pn-1.2*: version prefix, on component boundaries */
	ATOM_OP_SUBSTR,		/* =cat/pn-*1.2* (Portage's extended syntax): substring */
};

struct atom {
	char *buf;		/* owns every string below */
	enum atom_op op;
	char *cat, *pn;		/* may hold '*' wildcards (wildcard = 1) */
	char *ver;		/* PV[-rN] as written; NULL without an operator */
	char *slot, *subslot;	/* NULL when absent; "" slot for ":=" / ":*" */
	char *repo;		/* NULL when absent */
	int wildcard;
};

/* Parse S as an atom of a user configuration file (Portage's
 * allow_wildcard and allow_repo; no USE dependencies, no blockers).
 * Returns 0, or -1 with errno EINVAL and E set to the reason ("invalid
 * slot"); ENOMEM. Free with atom_free. */
int atom_parse(const char *s, struct atom *a, struct err *e);
void atom_free(struct atom *a);

/* 1 if V is a PMS version (1.2.3[a-z][_suffix[N]]...[-rN]), else 0. */
int atom_version_valid(const char *v);

/* Split a PF ("nginx-1.28.0-r1") at the hyphen before its version: the
 * length of PN, or -1 (EINVAL) when PF has no valid version. */
long atom_pf_split(const char *pf);

/* PMS version comparison (algorithms 3.1 to 3.7) of two valid versions:
 * <0, 0, >0. Numbers of any length are compared exactly. */
int atom_vercmp(const char *a, const char *b);

/* Shell-style match of PAT against S where only '*' is special. */
int atom_glob(const char *pat, const char *s);

/* Does A match the ebuild CAT/PN-PVR with SLOT ("stable/1.28.0" or
 * "8.3") from repository REPO? 1 or 0. */
int atom_match(const struct atom *a, const char *cat, const char *pn,
	       const char *pvr, const char *slot, const char *repo);

#endif
