/* dhost: DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as the docker
 * CLI reads them, and the URL prefix of each kind of engine address. */
#include <errno.h>

#include "testutil.h"
#include "../../helpers/lib/dhost.h"

static void
url_of(const struct dhost *h, const char *want)
{
	char url[300];

	assert_int_equal(dhost_base_url(h, url, sizeof(url)), 0);
	assert_string_equal(url, want);
}

static void
test_unix(void **state)
{
	struct dhost h;
	struct err e;

	(void)state;
	assert_int_equal(dhost_parse(&h, NULL, NULL, NULL, "/root", &e), 0);
	assert_int_equal(h.kind, DHOST_UNIX);
	assert_string_equal(h.path, "/var/run/docker.sock");
	assert_int_equal(dhost_parse(&h, "", "1", NULL, "/root", &e), 0);
	assert_string_equal(h.path, "/var/run/docker.sock");
	assert_int_equal(h.tls, 0);
	assert_int_equal(dhost_parse(&h, "unix:///tmp/x/sock", NULL, NULL, NULL, &e), 0);
	assert_string_equal(h.path, "/tmp/x/sock");
	url_of(&h, "http://localhost");
	assert_int_equal(dhost_parse(&h, "unix://", NULL, NULL, NULL, &e), -1);
	assert_int_equal(errno, EINVAL);
}

static void
test_unix_too_long(void **state)
{
	char host[300] = "unix:///";
	struct dhost h;
	struct err e;

	(void)state;
	memset(host + 8, 'a', 120);
	assert_int_equal(dhost_parse(&h, host, NULL, NULL, NULL, &e), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_non_null(strstr(e.msg, "socket path"));
}

static void
test_tcp(void **state)
{
	struct dhost h;
	struct err e;

	(void)state;
	assert_int_equal(dhost_parse(&h, "tcp://10.0.0.1:1234", NULL, "/certs", "/root", &e), 0);
	assert_int_equal(h.kind, DHOST_TCP);
	assert_string_equal(h.host, "10.0.0.1");
	assert_int_equal(h.port, 1234);
	assert_int_equal(h.tls, 0);
	url_of(&h, "http://10.0.0.1:1234");
	/* the default ports: 2375 plain, 2376 with TLS */
	assert_int_equal(dhost_parse(&h, "tcp://example.org", NULL, NULL, NULL, &e), 0);
	url_of(&h, "http://example.org:2375");
	assert_int_equal(dhost_parse(&h, "tcp://[::1]", "1", NULL, "/home/u", &e), 0);
	assert_string_equal(h.host, "::1");
	url_of(&h, "https://[::1]:2376");
	assert_int_equal(dhost_parse(&h, "tcp://[fe80::1]:99", NULL, NULL, NULL, &e), 0);
	url_of(&h, "http://[fe80::1]:99");
}

static void
test_tls_files(void **state)
{
	struct dhost h;
	struct err e;

	(void)state;
	assert_int_equal(dhost_parse(&h, "tcp://127.0.0.1:2376", "1", NULL, "/home/u", &e), 0);
	assert_int_equal(h.tls, 1);
	assert_string_equal(h.ca, "/home/u/.docker/ca.pem");
	assert_string_equal(h.cert, "/home/u/.docker/cert.pem");
	assert_string_equal(h.key, "/home/u/.docker/key.pem");
	assert_int_equal(dhost_parse(&h, "tcp://127.0.0.1:2376", "yes", "/etc/certs", "/home/u", &e), 0);
	assert_string_equal(h.ca, "/etc/certs/ca.pem");
	url_of(&h, "https://127.0.0.1:2376");
	/* DOCKER_TLS_VERIFY empty: plain HTTP, as the CLI */
	assert_int_equal(dhost_parse(&h, "tcp://127.0.0.1", "", "/etc/certs", NULL, &e), 0);
	assert_int_equal(h.tls, 0);
	assert_int_equal(h.port, 2375);
}

static void
test_ssh(void **state)
{
	struct dhost h;
	struct err e;

	(void)state;
	assert_int_equal(dhost_parse(&h, "ssh://root@127.0.0.1:2222", NULL, NULL, NULL, &e), 0);
	assert_int_equal(h.kind, DHOST_SSH);
	assert_string_equal(h.user, "root");
	assert_string_equal(h.host, "127.0.0.1");
	assert_int_equal(h.port, 2222);
	url_of(&h, "http://localhost");
	assert_int_equal(dhost_parse(&h, "ssh://builder", NULL, NULL, NULL, &e), 0);
	assert_string_equal(h.user, "");
	assert_string_equal(h.host, "builder");
	assert_int_equal(h.port, 0);
	assert_int_equal(dhost_parse(&h, "ssh://me@[::1]:22", NULL, NULL, NULL, &e), 0);
	assert_string_equal(h.host, "::1");
	assert_string_equal(h.user, "me");
}

static void
test_malformed(void **state)
{
	static const char *bad[] = {
		"http://127.0.0.1:2375", "npipe:////./pipe/docker_engine", "fd://", "127.0.0.1:2375",
		"tcp://", "tcp://host:0", "tcp://host:65536", "tcp://host:12x", "tcp://host:",
		"tcp://host:2375/path", "tcp://[::1", "tcp://[::1]x", "ssh://@host", "ssh://host/path",
		"ssh://", "ssh://u@",
	};
	struct dhost h;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		e.msg[0] = '\0';
		if (dhost_parse(&h, bad[i], NULL, NULL, NULL, &e) != -1)
			fail_msg("%s was accepted", bad[i]);
		assert_int_equal(errno, EINVAL);
		assert_true(e.msg[0] != '\0');
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_unix_too_long),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tls_files),
		cmocka_unit_test(test_ssh),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests_name("dhost", tests, NULL, NULL);
}
