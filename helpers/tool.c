#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "tool.h"

const char *tool_name = "helper";

static void
vwarn(const char *fmt, va_list ap)
{
	int saved = errno;
	size_t l = strlen(fmt);

	fprintf(stderr, "%s: ", tool_name);
	vfprintf(stderr, fmt, ap);
	if (l && fmt[l - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
}

void
tool_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
tool_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(1);
}

static void
vwarn_err(const struct err *e, const char *fmt, va_list ap)
{
	int saved = errno;

	fprintf(stderr, "%s: ", tool_name);
	if (fmt) {
		vfprintf(stderr, fmt, ap);
		fputs(": ", stderr);
	}
	fputs(e && e->msg[0] ? e->msg : strerror(saved), stderr);
	fputc('\n', stderr);
}

int
tool_warn_err(const struct err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_err(e, fmt, ap);
	va_end(ap);
	return 1;
}

void
tool_die_err(const struct err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_err(e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
tool_usage(const char *text)
{
	fprintf(stderr, "usage: %s", text);
	exit(2);
}

int
tool_finish(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		tool_warn("write error on standard output:");
		return 1;
	}
	return status;
}
