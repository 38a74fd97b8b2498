/* err: the error convention of helpers/lib, one for every module.
 *
 * A fallible function returns 0 (or a count, or a pointer) on success and
 * -1 (or NULL) with errno set on failure. When errno alone cannot say
 * what went wrong (which file, line, column or entry; a parse error), the
 * function takes a caller-owned struct err as its LAST parameter and
 * fills it; E may be NULL when the caller does not want the text. Such a
 * function clears E on entry, so an empty message after a failure means
 * errno is all there is. Library code never prints and never exits: a
 * tool prints E through tool_warn_err / tool_die_err (helpers/tool.h).
 * Findings that are data, not failures (uselint's lint findings,
 * sbom_verify's problems, vdb_needs' missing sonames, vdb_unmerge's
 * decisions), go to the caller's callbacks. */
#ifndef ERR_H
#define ERR_H

struct err {
	char msg[1024];
};

/* Set errno to ERRNUM (nonzero) and, when E is not NULL, format the
 * message into E; a format ending in ':' appends " strerror(ERRNUM)"
 * (sbase's eprintf). Returns -1, for `return err_set(...)`. */
int err_set(struct err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Empty E's message (E may be NULL). */
void err_clear(struct err *e);

#endif
