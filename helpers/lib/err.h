/* err: what a failed library call could not say with errno alone. A
 * fallible function returns -1 (or NULL) with errno set and, when it has
 * more to say, fills the caller's struct err (its last parameter, which
 * may be NULL). Only a tool's main prints it. */
#ifndef ERR_H
#define ERR_H

struct err {
	char msg[1024];
};

/* Set errno to ERRNUM and, when E is not NULL, E->msg from FMT.
 * Returns -1, for `return err_set(e, EINVAL, "...")`. */
int err_set(struct err *e, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
