#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dssh.h"

/* ssh's path from PATH into OUT */
static int
find_ssh(char *out, size_t n)
{
	const char *path = getenv("PATH"), *p;

	for (p = path ? path : "/usr/bin:/bin"; *p; p += *p == ':') {
		size_t l = strcspn(p, ":");

		if (snprintf(out, n, "%.*s/ssh", (int)l, l ? p : ".") < (int)n && access(out, X_OK) == 0)
			return 0;
		p += l;
	}
	errno = ENOENT;
	return -1;
}

/* in the child: take the one connection of LISTENER, run ssh on it */
static void
exec_ssh(const struct dhost *h, const char *ssh, int listener)
{
	char port[12];
	const char *argv[12];
	int n = 0, fd;

	setpgid(0, 0);
	while ((fd = accept(listener, NULL, NULL)) < 0 && errno == EINTR)
		;
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
		_exit(127);
	argv[n++] = "ssh";
	if (h->user[0]) {
		argv[n++] = "-l";
		argv[n++] = h->user;
	}
	if (h->port) {
		snprintf(port, sizeof(port), "%u", h->port);
		argv[n++] = "-p";
		argv[n++] = port;
	}
	argv[n++] = "--";
	argv[n++] = h->host;
	argv[n++] = "docker";
	argv[n++] = "system";
	argv[n++] = "dial-stdio";
	argv[n] = NULL;
	execv(ssh, (char **)argv);
	_exit(127);
}

static int
listen_on(const char *name, struct err *e)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t l = strlen(name);
	int fd, err;

	if (l + 1 > sizeof(a.sun_path))
		return err_set(e, ENAMETOOLONG, "the socket name %s is too long", name);
	memcpy(a.sun_path + 1, name, l);	/* abstract: a leading NUL */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 1 + l) == 0 &&
	    listen(fd, 1) == 0)
		return fd;
	err = errno;
	if (fd >= 0)
		close(fd);
	return err_set(e, err, "listening on @%s for ssh: %s", name, strerror(err));
}

int
dssh_dial(const struct dhost *h, const char *name, struct dssh *c, struct err *e)
{
	char ssh[4096];
	int listener, err;

	c->fd = -1;
	c->pid = 0;
	if (find_ssh(ssh, sizeof(ssh)))
		return err_set(e, ENOENT, "cannot run ssh: not in PATH");
	if ((listener = listen_on(name, e)) < 0)
		return -1;
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 || (c->pid = fork()) < 0) {
		err = errno;
		close(listener);
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		c->pid = 0;
		return err_set(e, err, "starting ssh: %s", strerror(err));
	}
	if (c->pid == 0)
		exec_ssh(h, ssh, listener);
	close(listener);	/* the child holds it until it accepts */
	return 0;
}

void
dssh_hangup(struct dssh *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->pid > 0) {
		kill(c->pid, SIGTERM);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	c->fd = -1;
	c->pid = 0;
}
