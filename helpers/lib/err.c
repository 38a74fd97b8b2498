#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int
err_set(struct err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t l = strlen(fmt);
	int k;

	if (e) {
		va_start(ap, fmt);
		k = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		if (k >= 0 && (size_t)k < sizeof(e->msg) && l && fmt[l - 1] == ':')
			snprintf(e->msg + k, sizeof(e->msg) - k, " %s", strerror(errnum));
	}
	errno = errnum;
	return -1;
}

void
err_clear(struct err *e)
{
	if (e)
		e->msg[0] = '\0';
}
