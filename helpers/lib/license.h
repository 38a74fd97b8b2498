/* license: a Gentoo LICENSE string (as Portage writes it to the VDB) as an
 * SPDX license expression. Grammar (PMS 8.2): names, `|| ( ... )` any-of
 * groups, `flag? ( ... )` and `!flag? ( ... )` USE-conditional groups,
 * plain `( ... )` all-of groups; juxtaposition means all-of. Conditionals
 * are evaluated against the package's USE; all-of becomes AND, any-of OR.
 * A name with no SPDX identifier in the table becomes
 * LicenseRef-Gentoo-NAME (characters SPDX does not allow as '-'). */
#ifndef LICENSE_H
#define LICENSE_H

#include "strset.h"

/* The SPDX identifier of a Gentoo licence name, or NULL. */
const char *license_spdx_id(const char *gentoo);

/* Convert LICENSE. USE: the enabled flags (may be NULL: none). *EXPR is
 * malloc()ed, NULL when nothing applies (empty LICENSE, or every group's
 * condition false). Every unmapped name is added to UNMAPPED (may be
 * NULL). Returns 0, or -1 with errno = EINVAL (unbalanced parentheses, a
 * group without its "(", a "||" with no group, a name that is not a
 * licence name) or ENOMEM. */
int license_to_spdx(const char *license, const struct strset *use, char **expr,
		    struct strset *unmapped);

/* LicenseRef-Gentoo-NAME for an unmapped NAME, into OUT (N bytes). */
void license_ref(const char *gentoo, char *out, size_t n);

#endif
