/* dssh: a connection to an engine over ssh, as the docker CLI's
 * connhelper makes it: `ssh [-l USER] [-p PORT] -- HOST docker system
 * dial-stdio` with its stdin and stdout on one end of a socketpair; the
 * other end is the connection. ssh is found in PATH and reads the user's
 * ssh configuration (keys, known hosts) as usual; it runs in a process
 * group of its own, so that a terminal's Ctrl-C reaches only us and the
 * connection outlives it for the clean-up. */
#ifndef DSSH_H
#define DSSH_H

#include <sys/types.h>

#include "dhost.h"
#include "err.h"

struct dssh {
	int fd;		/* our end */
	pid_t pid;	/* ssh */
};

/* Start ssh for H (an ssh host) and fill C. -1 with errno (socketpair,
 * fork), E saying what failed. */
int dssh_dial(const struct dhost *h, struct dssh *c, struct err *e);
/* Close the connection and end ssh (SIGTERM, then reaped). */
void dssh_hangup(struct dssh *c);

#endif
