/* imgtar: an image archive read back: files, digests, hardlinks, links. */
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "testutil.h"
#include "../../helpers/lib/imgtar.h"
#include "../../helpers/lib/oci.h"

static char *dir;

static int
setup(void **state)
{
	(void)state;
	dir = tu_tmpdir();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_sh("rm -rf %s", dir);
	free(dir);
	return 0;
}

static void
entry(struct archive *a, const char *path, mode_t mode, const char *data, const char *link, int hard)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_mode(e, mode);
	archive_entry_set_size(e, data ? strlen(data) : 0);
	if (link && hard)
		archive_entry_set_hardlink(e, link);
	else if (link)
		archive_entry_set_symlink(e, link);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	if (data)
		assert_int_equal(archive_write_data(a, data, strlen(data)), (la_ssize_t)strlen(data));
	archive_entry_free(e);
}

/* an image archive (oci_write) whose layer has lib -> usr/lib, a hardlink,
 * a setuid file and a symlink loop, compressed with FILTER */
static void
build(int filter)
{
	struct oci_image img = { 0 };
	const char *tags[] = { "t:1" };
	unsigned char md[32];
	char path[4096];
	struct err err;
	struct archive *a = archive_write_new();
	int lfd, fd;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	static char buf[1 << 16];
	ssize_t n;
	struct stat st;

	snprintf(path, sizeof(path), "%s/layer", dir);
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter(a, filter);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	entry(a, "etc/", S_IFDIR | 0755, NULL, NULL, 0);
	entry(a, "etc/abs", S_IFLNK | 0777, NULL, "/lib/libx.so", 0);
	entry(a, "etc/loop1", S_IFLNK | 0777, NULL, "loop2", 0);
	entry(a, "etc/loop2", S_IFLNK | 0777, NULL, "loop1", 0);
	entry(a, "lib", S_IFLNK | 0777, NULL, "usr/lib", 0);
	entry(a, "usr/", S_IFDIR | 0755, NULL, NULL, 0);
	entry(a, "usr/bin/", S_IFDIR | 0755, NULL, NULL, 0);
	entry(a, "usr/bin/su", S_IFREG | 04711, "s", NULL, 0);
	entry(a, "usr/lib/", S_IFDIR | 0755, NULL, NULL, 0);
	entry(a, "usr/lib/libx.so", S_IFLNK | 0777, NULL, "libx.so.1", 0);
	entry(a, "usr/lib/libx.so.1", S_IFREG | 0755, "abc", NULL, 0);
	entry(a, "usr/bin/x-again", S_IFREG | 0755, NULL, "usr/lib/libx.so.1", 1);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);

	lfd = open(path, O_RDONLY);
	assert_true(lfd >= 0);
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	while ((n = read(lfd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(c, buf, n);
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	for (int i = 0; i < 32; i++)
		sprintf(img.layer_digest + 2 * i, "%02x", md[i]);
	memcpy(img.diff_id, img.layer_digest, sizeof(img.diff_id));	/* not read back */
	fstat(lfd, &st);
	img.layerfd = lfd;
	img.layer_size = st.st_size;
	img.layer_media_type = "application/vnd.oci.image.layer.v1.tar+gzip";
	img.runtime = json_pack("{s:[s]}", "Entrypoint", "/usr/bin/su");
	img.annotations = json_object();
	img.arch = "amd64";
	img.created = 1700000000;
	img.tags = tags;
	img.ntags = 1;
	snprintf(path, sizeof(path), "%s/image.tar", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(oci_write(&img, fd, &err), 0);
	close(fd);
	close(lfd);
	json_decref(img.runtime);
	json_decref(img.annotations);
}

static void
check_archive(int filter)
{
	struct imgtar t;
	struct imgtar_file *f;
	char path[4096];
	static const char abc256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

	build(filter);
	snprintf(path, sizeof(path), "%s/image.tar", dir);
	assert_int_equal(imgtar_read(&t, path, NULL), 0);
	assert_int_equal(strlen(t.manifest_digest), 71);
	assert_string_equal(json_string_value(json_object_get(t.config, "created")), "2023-11-14T22:13:20Z");
	f = imgtar_get(&t, "/usr/lib/libx.so.1");
	assert_non_null(f);
	assert_string_equal(f->sha256, abc256);
	assert_string_equal(f->sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
	/* the hardlink carries its first occurrence's digest and size */
	f = imgtar_get(&t, "/usr/bin/x-again");
	assert_non_null(f);
	assert_true(S_ISREG(f->mode));
	assert_string_equal(f->sha256, abc256);
	assert_int_equal(f->size, 3);
	f = imgtar_get(&t, "/usr/bin/su");
	assert_int_equal(f->mode & 07777, 04711);
	/* resolved through the layer's own symlinks */
	assert_ptr_equal(imgtar_resolve(&t, "/lib/libx.so.1", 0), imgtar_get(&t, "/usr/lib/libx.so.1"));
	assert_ptr_equal(imgtar_resolve(&t, "/lib/libx.so", 1), imgtar_get(&t, "/usr/lib/libx.so.1"));
	assert_ptr_equal(imgtar_resolve(&t, "/lib/libx.so", 0), imgtar_get(&t, "/usr/lib/libx.so"));
	assert_ptr_equal(imgtar_resolve(&t, "/etc/abs", 1), imgtar_get(&t, "/usr/lib/libx.so.1"));
	assert_ptr_equal(imgtar_resolve(&t, "/usr/../lib/./libx.so.1", 0), imgtar_get(&t, "/usr/lib/libx.so.1"));
	assert_null(imgtar_resolve(&t, "/etc/loop1", 1));	/* a loop ends */
	assert_null(imgtar_resolve(&t, "/nope/libx.so.1", 0));
	imgtar_free(&t);
}

static void
test_gzip(void **state)
{
	(void)state;
	check_archive(ARCHIVE_FILTER_GZIP);
}

static void
test_zstd(void **state)
{
	(void)state;
	check_archive(ARCHIVE_FILTER_ZSTD);
}

static void
test_not_an_image(void **state)
{
	struct imgtar t;
	struct err err;
	char path[4096];

	(void)state;
	snprintf(path, sizeof(path), "%s/plain.tar", dir);
	assert_int_equal(tu_sh("cd %s && echo x > f && tar -cf plain.tar f", dir), 0);
	assert_int_equal(imgtar_read(&t, path, &err), -1);
	assert_non_null(strstr(err.msg, "not an image archive"));
	imgtar_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_not_an_image),
	};
	return cmocka_run_group_tests_name("imgtar", tests, setup, teardown);
}
