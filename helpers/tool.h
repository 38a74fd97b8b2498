/* tool: what every helper's main() shares: its name in messages, sbase's
 * eprintf convention (a format ending in ':' appends strerror(errno)), and
 * checked output. Exit codes: 0 ok, 1 failure, 2 usage. */
#ifndef TOOL_H
#define TOOL_H

#include <stdio.h>

extern const char *tool_name;

void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tool_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void tool_usage(const char *text) __attribute__((noreturn));
/* A library failure (helpers/lib/err.h): "TOOL: [FMT: ]REASON", REASON
 * being E's message when it has one, else strerror(errno). E and FMT may
 * be NULL. tool_warn_err returns 1, the failure exit status. */
struct err;
int tool_warn_err(const struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tool_die_err(const struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* Flush and check stdout; exit 1 on a write error. */
int tool_finish(int status);

#endif
