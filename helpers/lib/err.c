#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "err.h"

int
err_set(struct err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	errno = errnum;
	return -1;
}
