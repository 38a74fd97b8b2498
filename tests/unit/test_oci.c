/* oci: image references, and an archive whose every digest is recomputed. */
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "../../helpers/lib/oci.h"

static void
test_normalize(void **state)
{
	static const char *cases[][3] = {
		{ "php", "docker.io/library/php:latest", "latest" },
		{ "php:8", "docker.io/library/php:8", "8" },
		{ "me/php:x", "docker.io/me/php:x", "x" },
		{ "quay.io/me/php:1.0", "quay.io/me/php:1.0", "1.0" },
		{ "localhost/php", "localhost/php:latest", "latest" },
		{ "reg:5000/php", "reg:5000/php:latest", "latest" },
		{ "reg:5000/a/b:t", "reg:5000/a/b:t", "t" },
	};
	char full[256];
	const char *tag;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(oci_normalize_ref(cases[i][0], full, sizeof(full), &tag), 0);
		assert_string_equal(full, cases[i][1]);
		assert_string_equal(tag, cases[i][2]);
	}
	assert_int_equal(oci_normalize_ref("", full, sizeof(full), &tag), -1);
	assert_int_equal(oci_normalize_ref("php:", full, sizeof(full), &tag), -1);
	assert_int_equal(oci_normalize_ref("php@sha256:00", full, sizeof(full), &tag), -1);
}

static void
hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];

	EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static struct oci_layer fake_layer;

/* an image of an 11-byte "layer" in LFD */
static void
fake_image(struct oci_image *img, int lfd, const char **tags, int ntags)
{
	assert_int_equal(write(lfd, "layer-bytes", 11), 11);
	fake_layer = (struct oci_layer){ .fd = lfd, .size = 11,
					 .media_type = "application/vnd.oci.image.layer.v1.tar+gzip" };
	hex("layer-bytes", 11, fake_layer.digest);
	hex("uncompressed", 12, fake_layer.diff_id);
	img->layers = &fake_layer;
	img->nlayers = 1;
	img->history = json_pack("[{s:s}]", "created_by", "test");
	img->runtime = json_pack("{s:[s]}", "Cmd", "x");
	img->annotations = json_object();
	img->arch = "amd64";
	img->created = 1700000000;
	img->tags = tags;
	img->ntags = ntags;
}

static void
test_archive_digests(void **state)
{
	char name[] = "/tmp/sm-oci-XXXXXX", lname[] = "/tmp/sm-oci-layer-XXXXXX";
	int fd = mkstemp(name), lfd = mkstemp(lname), blobs = 0;
	const char *tags[] = { "a:1", "reg.io/b/c:2" };
	struct oci_image img = { 0 };
	struct archive *a;
	struct archive_entry *e;
	struct err err;

	(void)state;
	unlink(name);
	unlink(lname);
	fake_image(&img, lfd, tags, 2);
	assert_int_equal(oci_write(&img, fd, &err), 0);

	a = archive_read_new();
	archive_read_support_format_tar(a);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(archive_read_open_fd(a, fd, 4096), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		size_t n = archive_entry_size(e);
		char *buf = malloc(n + 1), h[65];

		assert_int_equal(archive_read_data(a, buf, n), n);
		buf[n] = '\0';
		if (!strncmp(p, "blobs/sha256/", 13) && p[13]) {
			hex(buf, n, h);
			assert_string_equal(h, p + 13);	/* every blob is named by its digest */
			blobs++;
		} else if (!strcmp(p, "index.json")) {
			assert_non_null(strstr(buf, "\"io.containerd.image.name\":\"docker.io/library/a:1\""));
			assert_non_null(strstr(buf, "\"io.containerd.image.name\":\"reg.io/b/c:2\""));
			assert_non_null(strstr(buf, img.manifest_digest));
		} else if (!strcmp(p, "manifest.json")) {
			assert_non_null(strstr(buf, "\"RepoTags\":[\"a:1\",\"reg.io/b/c:2\"]"));
			assert_non_null(strstr(buf, img.config_digest));
		} else if (!strcmp(p, "oci-layout")) {
			assert_string_equal(buf, "{\"imageLayoutVersion\":\"1.0.0\"}");
		}
		if (!strncmp(p, "blobs/sha256/", 13) && !strcmp(p + 13, img.config_digest))
			assert_non_null(strstr(buf, "\"created\":\"2023-11-14T22:13:20Z\""));
		free(buf);
	}
	assert_int_equal(blobs, 3);
	archive_read_free(a);
	json_decref(img.runtime);
	json_decref(img.annotations);
	json_decref(img.history);
	close(fd);
	close(lfd);
}

/* oci_attach: the artifact is added, every blob named by its digest, the
 * entries still sorted, the image manifest and manifest.json unchanged */
static void
test_attach(void **state)
{
	char name[] = "/tmp/sm-oci-XXXXXX", out[] = "/tmp/sm-oci-att-XXXXXX", lname[] = "/tmp/sm-oci-layer-XXXXXX";
	int fd = mkstemp(name), ofd = mkstemp(out), lfd = mkstemp(lname), blobs = 0, fd2;
	const char *tags[] = { "a:1" };
	struct oci_image img = { 0 };
	struct archive *a;
	struct archive_entry *e;
	struct err err;
	char digest[65], prev[256] = "", *index = NULL;

	(void)state;
	unlink(lname);
	fake_image(&img, lfd, tags, 1);
	assert_int_equal(oci_write(&img, fd, &err), 0);
	close(fd);
	assert_int_equal(oci_attach(name, ofd, "{\"sbom\":1}", 10, "application/spdx+json", "sbom.spdx.json", "sbom",
				    digest, &err), 0);

	a = archive_read_new();
	archive_read_support_format_tar(a);
	lseek(ofd, 0, SEEK_SET);
	assert_int_equal(archive_read_open_fd(a, ofd, 4096), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		size_t n = archive_entry_size(e);
		char *buf = malloc(n + 1), h[65];

		assert_true(strcmp(prev, p) < 0);	/* sorted, as oci_write writes them */
		snprintf(prev, sizeof(prev), "%s", p);
		assert_int_equal(archive_read_data(a, buf, n), n);
		buf[n] = '\0';
		if (!strncmp(p, "blobs/sha256/", 13) && p[13]) {
			hex(buf, n, h);
			assert_string_equal(h, p + 13);
			blobs++;
			if (!strcmp(p + 13, digest)) {	/* the artifact manifest */
				assert_non_null(strstr(buf, "\"artifactType\":\"application/spdx+json\""));
				assert_non_null(strstr(buf, "\"subject\":{\"digest\":\"sha256:"));
				assert_non_null(strstr(buf, img.manifest_digest));
			}
		} else if (!strcmp(p, "index.json")) {
			index = strdup(buf);
		}
		free(buf);
	}
	archive_read_free(a);
	assert_int_equal(blobs, 6);	/* config, layer, manifest + the SBOM, empty config, its manifest */
	assert_non_null(index);
	assert_non_null(strstr(index, img.manifest_digest));
	assert_non_null(strstr(index, digest));
	assert_non_null(strstr(index, "\"org.opencontainers.image.ref.name\":\"sbom\""));
	free(index);

	/* a second SBOM under the same name is refused */
	fd2 = open("/dev/null", O_WRONLY);
	assert_int_equal(oci_attach(out, fd2, "x", 1, "application/spdx+json", NULL, "sbom", digest, &err), -1);
	assert_non_null(strstr(err.msg, "already has an artifact named sbom"));
	close(fd2);
	unlink(name);
	unlink(out);
	close(ofd);
	close(lfd);
	json_decref(img.runtime);
	json_decref(img.annotations);
	json_decref(img.history);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_archive_digests),
		cmocka_unit_test(test_attach),
	};
	return cmocka_run_group_tests_name("oci", tests, NULL, NULL);
}
