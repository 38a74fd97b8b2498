/* dssh: a connection to an engine over ssh, as the docker CLI's
 * connhelper makes it: `ssh [-l USER] [-p PORT] -- HOST docker system
 * dial-stdio` with its stdin and stdout on a stream socket whose other
 * end is the connection. ssh is found in PATH and reads the user's ssh
 * configuration (keys, known hosts) as usual; it runs in a process group
 * of its own, so that a terminal's Ctrl-C reaches only us and the
 * connection outlives it for the clean-up.
 *
 * The socket is not connected yet: libcurl connects it itself (7.88
 * ignores CURL_SOCKOPT_ALREADY_CONNECTED, curl issue 10626), to the
 * abstract unix socket NAME on which the ssh child waits for it, accepts
 * it once and then runs ssh on it. */
#ifndef DSSH_H
#define DSSH_H

#include <sys/types.h>

#include "dhost.h"
#include "err.h"

struct dssh {
	int fd;		/* our end, to be connected to NAME */
	pid_t pid;	/* ssh */
};

/* Start ssh for H (an ssh host), waiting on the abstract unix socket
 * NAME (without its leading NUL), and fill C. -1 with errno (ENOENT: no
 * ssh in PATH; socket, fork), E saying what failed. */
int dssh_dial(const struct dhost *h, const char *name, struct dssh *c, struct err *e);
/* Close the connection and end ssh (SIGTERM, then reaped). */
void dssh_hangup(struct dssh *c);

#endif
