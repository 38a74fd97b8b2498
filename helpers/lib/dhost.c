#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhost.h"

#define DEFAULT_SOCKET "/var/run/docker.sock"

static int
copy(char *dst, size_t n, const char *src, size_t len, const char *what, struct err *e)
{
	if (len >= n)
		return err_set(e, ENAMETOOLONG, "%s is too long (%zu bytes, at most %zu)", what, len, n - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

static int
parse_port(const char *s, unsigned *port, struct err *e)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return err_set(e, EINVAL, "bad port '%s'", s);
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return err_set(e, EINVAL, "bad port '%s'", s);
	*port = v;
	return 0;
}

/* HOST[:PORT] or [V6][:PORT], with no path */
static int
parse_hostport(struct dhost *h, const char *s, struct err *e)
{
	const char *end, *colon;

	if (*s == '[') {
		end = strchr(s, ']');
		if (!end)
			return err_set(e, EINVAL, "no ']' after the IPv6 address");
		if (copy(h->host, sizeof(h->host), s + 1, end - s - 1, "the host", e))
			return -1;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return err_set(e, EINVAL, "unexpected '%s' after the host", end + 1);
	} else {
		colon = strchr(s, ':');
		end = colon ? colon : s + strlen(s);
		if (copy(h->host, sizeof(h->host), s, end - s, "the host", e))
			return -1;
	}
	if (strchr(s, '/'))
		return err_set(e, EINVAL, "a path after the host is not supported");
	if (!h->host[0])
		return err_set(e, EINVAL, "no host");
	return colon ? parse_port(colon + 1, &h->port, e) : 0;
}

static int
parse_ssh(struct dhost *h, const char *s, struct err *e)
{
	const char *at = strchr(s, '@');

	if (at) {
		if (at == s)
			return err_set(e, EINVAL, "an empty user before '@'");
		if (copy(h->user, sizeof(h->user), s, at - s, "the user", e))
			return -1;
		s = at + 1;
	}
	return parse_hostport(h, s, e);
}

static int
cert_file(char *out, size_t n, const char *dir, const char *name, struct err *e)
{
	int l = snprintf(out, n, "%s/%s", dir, name);

	if (l < 0 || (size_t)l >= n)
		return err_set(e, ENAMETOOLONG, "DOCKER_CERT_PATH is too long");
	return 0;
}

static int
parse_tcp(struct dhost *h, const char *s, const char *tls_verify, const char *cert_path,
	  const char *home, struct err *e)
{
	char dir[4096];

	h->tls = tls_verify && *tls_verify;
	h->port = h->tls ? 2376 : 2375;
	if (parse_hostport(h, s, e))
		return -1;
	if (!h->tls)
		return 0;
	if (cert_path && *cert_path)
		snprintf(dir, sizeof(dir), "%s", cert_path);
	else
		snprintf(dir, sizeof(dir), "%s/.docker", home ? home : "");
	if (cert_file(h->ca, sizeof(h->ca), dir, "ca.pem", e) ||
	    cert_file(h->cert, sizeof(h->cert), dir, "cert.pem", e) ||
	    cert_file(h->key, sizeof(h->key), dir, "key.pem", e))
		return -1;
	return 0;
}

int
dhost_parse(struct dhost *h, const char *docker_host, const char *tls_verify,
	    const char *cert_path, const char *home, struct err *e)
{
	const char *s = docker_host && *docker_host ? docker_host : "unix://" DEFAULT_SOCKET;

	memset(h, 0, sizeof(*h));
	if (!strncmp(s, "unix://", 7)) {
		h->kind = DHOST_UNIX;
		if (!s[7])
			return err_set(e, EINVAL, "no socket path after unix://");
		return copy(h->path, sizeof(h->path), s + 7, strlen(s + 7), "the socket path", e);
	}
	if (!strncmp(s, "tcp://", 6)) {
		h->kind = DHOST_TCP;
		return parse_tcp(h, s + 6, tls_verify, cert_path, home, e);
	}
	if (!strncmp(s, "ssh://", 6)) {
		h->kind = DHOST_SSH;
		return parse_ssh(h, s + 6, e);
	}
	return err_set(e, EINVAL, "unsupported scheme (unix://, tcp:// and ssh:// are)");
}

int
dhost_base_url(const struct dhost *h, char *out, size_t n)
{
	const char *lb = strchr(h->host, ':') ? "[" : "", *rb = *lb ? "]" : "";
	int l;

	if (h->kind == DHOST_TCP)
		l = snprintf(out, n, "%s://%s%s%s:%u", h->tls ? "https" : "http", lb, h->host, rb, h->port);
	else	/* a unix socket or an ssh pipe: the host is not used */
		l = snprintf(out, n, "http://localhost");
	if (l < 0 || (size_t)l >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
