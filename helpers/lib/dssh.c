#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dssh.h"

/* in the child: never returns; an exec failure's errno goes to REPORT */
static void
exec_ssh(const struct dhost *h, int fd, int report)
{
	char port[12];
	const char *argv[12];
	int n = 0;

	setpgid(0, 0);
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
		_exit(127);
	if (fd > 1)
		close(fd);
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
	execvp("ssh", (char **)argv);
	n = errno;
	(void)!write(report, &n, sizeof(n));
	_exit(127);
}

/* the exec's errno from REPORT (closed), 0 when ssh runs */
static int
exec_status(int report)
{
	int err = 0;
	ssize_t n;

	while ((n = read(report, &err, sizeof(err))) < 0 && errno == EINTR)
		;
	close(report);
	return n == sizeof(err) ? err : 0;
}

int
dssh_dial(const struct dhost *h, struct dssh *c, struct err *e)
{
	int sv[2], report[2], err;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return err_set(e, errno, "socketpair for ssh");
	if (pipe2(report, O_CLOEXEC)) {
		err = errno;
		close(sv[0]);
		close(sv[1]);
		return err_set(e, err, "a pipe for ssh");
	}
	c->pid = fork();
	if (c->pid == 0) {
		close(sv[0]);
		close(report[0]);
		exec_ssh(h, sv[1], report[1]);
	}
	err = c->pid < 0 ? errno : 0;
	close(sv[1]);
	close(report[1]);
	if (err)
		close(report[0]);
	else if ((err = exec_status(report[0])) != 0)
		waitpid(c->pid, NULL, 0);
	if (err) {
		close(sv[0]);
		c->fd = -1;
		c->pid = 0;
		return err_set(e, err, "cannot run ssh");
	}
	c->fd = sv[0];
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
