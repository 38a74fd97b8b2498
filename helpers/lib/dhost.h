/* dhost: where the engine is, from DOCKER_HOST, DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH as the docker CLI reads them:
 *   unset or ""                 unix:///var/run/docker.sock
 *   unix:///PATH                a unix socket
 *   tcp://HOST[:PORT]           HTTP (port 2375), or HTTPS (2376) when
 *                               DOCKER_TLS_VERIFY is non-empty, with
 *                               ca.pem, cert.pem and key.pem from
 *                               DOCKER_CERT_PATH (default HOME/.docker)
 *   ssh://[USER@]HOST[:PORT]    `ssh ... HOST docker system dial-stdio`
 * HOST may be an IPv6 address in brackets. Pure: the caller passes the
 * variables' values. */
#ifndef DHOST_H
#define DHOST_H

#include "err.h"

enum dhost_kind { DHOST_UNIX, DHOST_TCP, DHOST_SSH };

struct dhost {
	enum dhost_kind kind;
	char path[108];		/* unix: the socket */
	char host[256];		/* tcp, ssh: without brackets */
	char user[128];		/* ssh: "" for ssh's default */
	unsigned port;		/* tcp: always set; ssh: 0 for ssh's default */
	int tls;		/* tcp: HTTPS, verifying the server against ca */
	char ca[4096], cert[4096], key[4096];
};

/* Fill H from the variables' values (each may be NULL). -1 with EINVAL
 * (a malformed or unsupported DOCKER_HOST, E says which part) or
 * ENAMETOOLONG. */
int dhost_parse(struct dhost *h, const char *docker_host, const char *tls_verify,
		const char *cert_path, const char *home, struct err *e);

/* The URL prefix of H's requests ("http://localhost", "https://[::1]:2376")
 * in OUT (size N). -1 with ENAMETOOLONG. */
int dhost_base_url(const struct dhost *h, char *out, size_t n);

#endif
