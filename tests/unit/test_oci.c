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

/* --- oci_index: one archive of several platforms --- */

/* the archive NAME of the fake layer for ARCH, with an SBOM attached */
static void
platform_archive(const char *name, const char *arch)
{
	char plain[4096], digest[65];
	const char *tags[] = { "multi:1" };
	struct oci_image img = { 0 };
	struct err err;
	char lname[] = "/tmp/sm-oci-layer-XXXXXX";
	int lfd = mkstemp(lname), fd, ofd;

	unlink(lname);
	fake_image(&img, lfd, tags, 1);	/* the same layer for both: one blob */
	img.arch = arch;
	snprintf(plain, sizeof(plain), "%s.plain", name);
	fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(oci_write(&img, fd, &err), 0);
	close(fd);
	ofd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(oci_attach(plain, ofd, arch, strlen(arch), "application/spdx+json", "sbom.spdx.json", "sbom", digest,
				    &err), 0);
	close(ofd);
	unlink(plain);
	close(lfd);
	json_decref(img.runtime);
	json_decref(img.annotations);
	json_decref(img.history);
}

/* the members of archive NAME: blobs checked against their names, JSON
 * ones kept (by name) */
static json_t *
members(const char *name, int *nblobs)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	json_t *m = json_object();

	*nblobs = 0;
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, name, 4096), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		size_t n = archive_entry_size(e);
		char *buf = malloc(n + 1), h[65];
		json_t *j;

		assert_int_equal(archive_read_data(a, buf, n), n);
		buf[n] = '\0';
		if (!strncmp(p, "blobs/sha256/", 13) && p[13]) {
			hex(buf, n, h);
			assert_string_equal(h, p + 13);
			assert_null(json_object_get(m, p));	/* every blob once */
			++*nblobs;
		}
		if ((j = json_loads(buf, JSON_DECODE_ANY, NULL)))
			json_object_set_new(m, p, j);
		free(buf);
	}
	archive_read_free(a);
	return m;
}

static json_t *
blob(json_t *m, const char *digest)
{
	char name[96];

	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	return json_object_get(m, name);
}

static int
merge(const char **in, size_t n, const char *load, const char *out, struct oci_index_opts *o, struct err *err)
{
	char sname[] = "/tmp/sm-oci-spool-XXXXXX";
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), r;

	*o = (struct oci_index_opts){ .in = in, .nin = n, .load_platform = load, .spoolfd = mkstemp(sname) };
	unlink(sname);
	r = oci_index(o, fd, err);
	close(o->spoolfd);
	close(fd);
	return r;
}

static void
test_index(void **state)
{
	char *d = tu_tmpdir(), x64[4096], a64[4096], out[4096], out2[4096], again[4096], idx[80];
	const char *in[2] = { x64, a64 }, *rev[2] = { a64, x64 }, *twice[2] = { x64, x64 };
	struct oci_index_opts o;
	struct err err;
	json_t *m, *index, *list, *plat;
	int nblobs;

	(void)state;
	snprintf(x64, sizeof(x64), "%s/x64.tar", d);
	snprintf(a64, sizeof(a64), "%s/a64.tar", d);
	snprintf(out, sizeof(out), "%s/out.tar", d);
	snprintf(out2, sizeof(out2), "%s/out2.tar", d);
	snprintf(again, sizeof(again), "%s/again.tar", d);
	platform_archive(x64, "amd64");
	platform_archive(a64, "arm64");
	/* arm64's config says variant v8 */
	m = members(a64, &nblobs);
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, json_string_value(json_object_get(
		json_array_get(json_object_get(m, "manifest.json"), 0), "Config"))), "variant")), "v8");
	json_decref(m);

	assert_int_equal(merge(in, 2, "linux/arm64", out, &o, &err), 0);
	assert_string_equal(o.loaded, "linux/arm64/v8");
	m = members(out, &nblobs);
	/* the layer both platforms have and the empty config both SBOMs have
	 * once each, 2 configs, 2 manifests, 2 SBOMs, 2 artifact manifests,
	 * the image index */
	assert_int_equal(nblobs, 11);
	list = json_object_get(json_object_get(m, "index.json"), "manifests");
	assert_int_equal(json_array_size(list), 1);	/* one tag: skopeo needs no ref name */
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "mediaType")),
			    "application/vnd.oci.image.index.v1+json");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(list, 0), "annotations"),
							      "io.containerd.image.name")), "docker.io/library/multi:1");
	snprintf(idx, sizeof(idx), "sha256:%s", o.index_digest);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "digest")), idx);
	index = blob(m, idx);
	/* in the key order of Go's image-spec types, as skopeo copy --all writes it */
	{
		char *text = json_dumps(index, JSON_COMPACT | JSON_PRESERVE_ORDER);

		static const char head[] = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
					   "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":";

		assert_memory_equal(text, head, strlen(head));
		assert_non_null(strstr(text, "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}"));
		free(text);
	}
	list = json_object_get(index, "manifests");
	assert_int_equal(json_array_size(list), 4);
	plat = json_object_get(json_array_get(list, 0), "platform");
	assert_string_equal(json_string_value(json_object_get(plat, "architecture")), "amd64");
	assert_null(json_object_get(plat, "variant"));
	plat = json_object_get(json_array_get(list, 1), "platform");
	assert_string_equal(json_string_value(json_object_get(plat, "architecture")), "arm64");
	assert_string_equal(json_string_value(json_object_get(plat, "os")), "linux");
	assert_string_equal(json_string_value(json_object_get(plat, "variant")), "v8");
	for (int k = 2; k < 4; k++) {	/* the SBOMs: no platform a client would pull, their subjects kept */
		json_t *art = json_array_get(list, k), *man = blob(m, json_string_value(json_object_get(art, "digest")));

		assert_string_equal(json_string_value(json_object_get(json_object_get(art, "platform"), "os")), "unknown");
		assert_string_equal(json_string_value(json_object_get(man, "artifactType")), "application/spdx+json");
		assert_string_equal(json_string_value(json_object_get(json_object_get(man, "subject"), "digest")),
				    json_string_value(json_object_get(json_array_get(list, k - 2), "digest")));
	}
	/* manifest.json loads arm64's image only */
	list = json_object_get(m, "manifest.json");
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(m, json_string_value(json_object_get(
		json_array_get(list, 0), "Config"))), "architecture")), "arm64");
	json_decref(m);

	/* the order of the archives does not matter; the same inputs, the same bytes */
	assert_int_equal(merge(rev, 2, "linux/arm64/v8", out2, &o, &err), 0);
	assert_int_equal(tu_sh("cmp -s '%s' '%s'", out, out2), 0);
	/* without --load-platform, the first archive given */
	assert_int_equal(merge(rev, 2, NULL, again, &o, &err), 0);
	assert_string_equal(o.loaded, "linux/arm64/v8");
	assert_int_equal(merge(in, 2, NULL, again, &o, &err), 0);
	assert_string_equal(o.loaded, "linux/amd64");

	/* refused */
	assert_int_equal(merge(twice, 2, NULL, again, &o, &err), -1);
	assert_non_null(strstr(err.msg, "are both for linux/amd64"));
	assert_int_equal(merge(in, 2, "linux/s390x", again, &o, &err), -1);
	assert_non_null(strstr(err.msg, "--load-platform linux/s390x: no archive is for it (they are for linux/amd64, linux/arm64/v8)"));
	{
		const char *merged[1] = { out };

		assert_int_equal(merge(merged, 1, NULL, again, &o, &err), -1);
		assert_non_null(strstr(err.msg, "holds 2 images (a multi-platform archive?)"));
	}
	tu_rmtree(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_archive_digests),
		cmocka_unit_test(test_attach),
		cmocka_unit_test(test_index),
	};
	return cmocka_run_group_tests_name("oci", tests, NULL, NULL);
}
