#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

static char tmp[4096];	/* the temporary name; empty when none is open */
static char final[4096];

static void
at_exit(void)
{
	if (tmp[0])
		unlink(tmp);
}

static void
on_signal(int sig)
{
	/* (before mkstemp made it, tmp names no file: unlink does nothing) */
	if (tmp[0])
		unlink(tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

int
outfile_open(const char *path, struct err *e)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	static int registered;
	int fd;

	err_clear(e);
	if (strlen(path) + sizeof(".tmp-XXXXXX") > sizeof(tmp))
		return err_set(e, ENAMETOOLONG, "%s:", path);
	/* (a signal the caller ignores, as a background job ignores
	 * SIGINT, stays ignored) */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		if (signal(sigs[i], on_signal) == SIG_IGN)
			signal(sigs[i], SIG_IGN);
	if (!registered++)
		atexit(at_exit);
	snprintf(final, sizeof(final), "%s", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		int saved = errno;

		tmp[0] = '\0';
		return err_set(e, saved, "%s:", path);
	}
	return fd;
}

int
outfile_commit(int fd, struct err *e)
{
	err_clear(e);
	if (fchmod(fd, 0644) || close(fd)) {
		int saved = errno;

		unlink(tmp);
		tmp[0] = '\0';
		return err_set(e, saved, "%s:", final);
	}
	if (rename(tmp, final)) {
		int saved = errno;

		unlink(tmp);
		tmp[0] = '\0';
		return err_set(e, saved, "%s:", final);
	}
	tmp[0] = '\0';
	return 0;
}

void
outfile_discard(int fd)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	tmp[0] = '\0';
	errno = saved;
}
