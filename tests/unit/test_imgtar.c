/* imgtar: an image archive read back: files, digests, hardlinks, links;
 * several layers applied in order with their whiteouts; archives that are
 * not what mkimage writes refused, naming the member or entry. */
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "testutil.h"
/* the entry tables below leave the fields they do not need out */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "../../helpers/lib/imgtar.h"
#include "../../helpers/lib/oci.h"
#include "../../helpers/lib/zsink.h"

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

/* one entry of a test layer: DATA for a regular file, LINK a symlink's
 * target or (HARD) a hardlink's */
struct ent {
	const char *path;
	mode_t mode;
	const char *data;
	const char *link;
	int hard;
};

static void
entry(struct archive *a, const struct ent *t)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, t->path);
	archive_entry_set_mode(e, t->mode);
	archive_entry_set_size(e, t->data ? strlen(t->data) : 0);
	if (t->link && t->hard)
		archive_entry_set_hardlink(e, t->link);
	else if (t->link)
		archive_entry_set_symlink(e, t->link);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	if (t->data)
		assert_int_equal(archive_write_data(a, t->data, strlen(t->data)), (la_ssize_t)strlen(t->data));
	archive_entry_free(e);
}

/* the N entries as a layer compressed by KIND, into a temporary file */
static void
mklayer(const struct ent *v, size_t n, enum zsink_kind kind, struct oci_layer *l)
{
	static char buf[1 << 20];
	size_t used = 0;
	struct archive *a = archive_write_new();
	struct zsink *z;
	struct zsink_result res;
	char name[] = "/tmp/sm-imgtar-layer-XXXXXX";
	int fd = mkstemp(name);

	assert_true(fd >= 0);
	unlink(name);
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_memory(a, buf, sizeof(buf), &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++)
		entry(a, &v[i]);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	assert_non_null(z = zsink_open(fd, kind, -1, 1));
	assert_int_equal(zsink_write(z, buf, used), 0);
	assert_int_equal(zsink_close(z, &res), 0);
	*l = (struct oci_layer){ .fd = fd, .size = res.csize,
				 .media_type = kind == ZSINK_ZSTD ? "application/vnd.oci.image.layer.v1.tar+zstd"
								  : "application/vnd.oci.image.layer.v1.tar+gzip" };
	for (int i = 0; i < 32; i++) {
		sprintf(l->digest + 2 * i, "%02x", res.csha[i]);
		sprintf(l->diff_id + 2 * i, "%02x", res.usha[i]);
	}
}

/* an image archive NAME in DIR of the layers L */
static void
mkarchive(const char *name, struct oci_layer *l, size_t n)
{
	struct oci_image img = { 0 };
	const char *tags[] = { "t:1" };
	json_t *history = json_array();
	char path[4096];
	struct err err;
	int fd;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(history, json_pack("{s:s}", "created_by", i ? "scratchmerge mkimage child"
										   : "scratchmerge mkimage base"));
	json_array_append_new(history, json_pack("{s:s, s:b}", "created_by", "ENV x", "empty_layer", 1));
	img.layers = l;
	img.nlayers = n;
	img.history = history;
	img.runtime = json_pack("{s:[s]}", "Entrypoint", "/usr/bin/su");
	img.annotations = json_object();
	img.arch = "amd64";
	img.created = 1700000000;
	img.tags = tags;
	img.ntags = 1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(oci_write(&img, fd, &err), 0);
	close(fd);
	json_decref(img.runtime);
	json_decref(img.annotations);
	json_decref(history);
}

static const struct ent one[] = {
	{ "etc/", S_IFDIR | 0755 },
	{ "etc/abs", S_IFLNK | 0777, NULL, "/lib/libx.so" },
	{ "etc/loop1", S_IFLNK | 0777, NULL, "loop2" },
	{ "etc/loop2", S_IFLNK | 0777, NULL, "loop1" },
	{ "lib", S_IFLNK | 0777, NULL, "usr/lib" },
	{ "usr/", S_IFDIR | 0755 },
	{ "usr/bin/", S_IFDIR | 0755 },
	{ "usr/bin/su", S_IFREG | 04711, "s" },
	{ "usr/lib/", S_IFDIR | 0755 },
	{ "usr/lib/libx.so", S_IFLNK | 0777, NULL, "libx.so.1" },
	{ "usr/lib/libx.so.1", S_IFREG | 0755, "abc" },
	{ "usr/bin/x-again", S_IFREG | 0755, NULL, "usr/lib/libx.so.1", 1 },
};
static const char abc256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

/* one layer: lib -> usr/lib, a hardlink, a setuid file, a symlink loop */
static void
check_archive(enum zsink_kind kind)
{
	struct imgtar t;
	struct imgtar_file *f;
	struct oci_layer l;
	char path[4096];

	mklayer(one, sizeof(one) / sizeof(*one), kind, &l);
	mkarchive("image.tar", &l, 1);
	close(l.fd);
	snprintf(path, sizeof(path), "%s/image.tar", dir);
	assert_int_equal(imgtar_read(&t, path, NULL), 0);
	assert_int_equal(strlen(t.manifest_digest), 71);
	assert_string_equal(json_string_value(json_object_get(t.config, "created")), "2023-11-14T22:13:20Z");
	assert_int_equal(t.nlayers, 1);
	assert_true(t.history_ok);
	assert_string_equal(json_string_value(json_object_get(t.layers[0].history, "created_by")), "scratchmerge mkimage base");
	assert_int_equal(t.layers[0].files, 12);
	assert_int_equal(t.layers[0].bytes, 4);	/* "s", "abc"; the hardlink once */
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
	/* the first path of the group in the final filesystem carries the
	 * data, the others name it */
	assert_null(f->hardlink);
	assert_string_equal(imgtar_get(&t, "/usr/lib/libx.so.1")->hardlink, "/usr/bin/x-again");
	assert_true(f->link >= 0);
	assert_int_equal(f->link, imgtar_get(&t, "/usr/lib/libx.so.1")->link);
	f = imgtar_get(&t, "/usr/bin/su");
	assert_int_equal(f->mode & 07777, 04711);
	assert_int_equal(f->link, -1);
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
	check_archive(ZSINK_GZIP);
}

static void
test_zstd(void **state)
{
	(void)state;
	check_archive(ZSINK_ZSTD);
}

/* two layers: whiteouts, an opaque directory, types replaced both ways, a
 * symlink retargeted, a hardlink group whose first path is removed */
static const struct ent base[] = {
	{ "data/", S_IFDIR | 0755 },
	{ "data/z", S_IFREG | 0644, "z" },
	{ "etc/", S_IFDIR | 0755 },
	{ "etc/a", S_IFREG | 0644, "a" },
	{ "etc/b", S_IFREG | 0644, "b" },
	{ "etc/sub/", S_IFDIR | 0700 },
	{ "etc/sub/x", S_IFREG | 0644, "x" },
	{ "lnk", S_IFLNK | 0777, NULL, "etc/a" },
	{ "opt/", S_IFDIR | 0755 },
	{ "opt/gone/", S_IFDIR | 0755 },
	{ "opt/gone/y", S_IFREG | 0644, "y" },
	{ "opt/gone-not", S_IFREG | 0644, "n" },
	{ "opt/keep", S_IFREG | 0644, "k" },
	{ "usr/", S_IFDIR | 0755 },
	{ "usr/bin/", S_IFDIR | 0755 },
	{ "usr/bin/t", S_IFREG | 0755, "tool" },
	{ "usr/bin/t2", S_IFREG | 0755, NULL, "usr/bin/t", 1 },
	{ "usr/bin/t3", S_IFREG | 0755, NULL, "usr/bin/t", 1 },
	{ "var/", S_IFDIR | 0755 },
	{ "var/f", S_IFREG | 0644, "file" },
};
static const struct ent top[] = {
	{ "data", S_IFREG | 0600, "now a file" },
	{ "etc/", S_IFDIR | 0755 },
	{ "etc/.wh.a", S_IFREG },
	{ "etc/sub/", S_IFDIR | 0750 },
	{ "etc/sub/.wh..wh..opq", S_IFREG },
	{ "etc/sub/new", S_IFREG | 0644, "new" },
	{ "lnk", S_IFLNK | 0777, NULL, "etc/b" },
	{ "opt/", S_IFDIR | 0755 },
	{ "opt/.wh.gone", S_IFREG },
	{ "usr/", S_IFDIR | 0755 },
	{ "usr/bin/", S_IFDIR | 0755 },
	{ "usr/bin/.wh.t", S_IFREG },
	{ "var/", S_IFDIR | 0755 },
	{ "var/f/", S_IFDIR | 0711 },
	{ "var/f/inner", S_IFREG | 0644, "in" },
};

static void
two_layers(const char *name, const struct ent *t, size_t nt)
{
	struct oci_layer l[2];

	mklayer(base, sizeof(base) / sizeof(*base), ZSINK_GZIP, &l[0]);
	mklayer(t, nt, ZSINK_ZSTD, &l[1]);
	mkarchive(name, l, 2);
	close(l[0].fd);
	close(l[1].fd);
}

static void
test_whiteouts(void **state)
{
	static const char *want[] = {
		"/data 1", "/etc 1", "/etc/b 0", "/etc/sub 1", "/etc/sub/new 1", "/lnk 1", "/opt 1", "/opt/gone-not 0",
		"/opt/keep 0", "/usr 1", "/usr/bin 1", "/usr/bin/t2 0", "/usr/bin/t3 0", "/var 1", "/var/f 1",
		"/var/f/inner 1",
	};
	struct imgtar t;
	struct imgtar_file *f;
	char path[4096];

	(void)state;
	two_layers("two.tar", top, sizeof(top) / sizeof(*top));
	snprintf(path, sizeof(path), "%s/two.tar", dir);
	assert_int_equal(imgtar_read(&t, path, NULL), 0);
	assert_int_equal(t.nlayers, 2);
	/* the final filesystem, each path with the layer it comes from */
	assert_int_equal(t.n, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < t.n; i++) {
		char got[256];

		snprintf(got, sizeof(got), "%s %zu", t.v[i].path, t.v[i].layer);
		assert_string_equal(got, want[i]);
	}
	assert_true(S_ISREG(imgtar_get(&t, "/data")->mode));	/* a file over a directory */
	assert_true(S_ISDIR(imgtar_get(&t, "/var/f")->mode));	/* a directory over a file */
	assert_int_equal(imgtar_get(&t, "/var/f")->mode & 07777, 0711);
	assert_int_equal(imgtar_get(&t, "/etc/sub")->mode & 07777, 0750);	/* the upper directory's */
	assert_string_equal(imgtar_get(&t, "/lnk")->symlink, "etc/b");
	assert_ptr_equal(imgtar_resolve(&t, "/lnk", 1), imgtar_get(&t, "/etc/b"));
	/* t went: t2 now carries the group's data, t3 names it */
	f = imgtar_get(&t, "/usr/bin/t2");
	assert_null(f->hardlink);
	assert_int_equal(f->size, 4);
	assert_string_equal(imgtar_get(&t, "/usr/bin/t3")->hardlink, "/usr/bin/t2");
	assert_int_equal(imgtar_get(&t, "/usr/bin/t3")->link, f->link);
	/* per layer: what of the final filesystem comes from it */
	assert_int_equal(t.layers[0].files, 5);
	assert_int_equal(t.layers[0].bytes, 1 + 1 + 1 + 4);
	assert_int_equal(t.layers[1].files, 11);
	assert_int_equal(t.layers[1].bytes, strlen("now a file") + 3 + 2);
	assert_true(t.layers[1].usize >= 1024 && t.layers[1].usize % 512 == 0);
	assert_string_equal(json_string_value(json_object_get(t.layers[1].history, "created_by")), "scratchmerge mkimage child");
	assert_string_equal(t.layers[1].diff_id, json_string_value(json_array_get(json_object_get(json_object_get(t.config, "rootfs"), "diff_ids"), 1)));
	imgtar_free(&t);
}

/* imgtar_read of NAME fails saying WANT */
static void
refused(const char *name, const char *want)
{
	struct imgtar t;
	struct err err;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(imgtar_read(&t, path, &err), -1);
	if (!strstr(err.msg, want))
		fail_msg("%s: got '%s', want '%s'", name, err.msg, want);
	assert_non_null(strstr(err.msg, path));	/* the archive is named */
	imgtar_free(&t);
}

static void
refused_top(const char *name, const struct ent *t, size_t n, const char *want)
{
	two_layers(name, t, n);
	refused(name, want);
}

static void
test_hostile_layers(void **state)
{
	static const struct ent dotdot[] = { { "etc/../../.wh.passwd", S_IFREG } };
	static const struct ent wh_dotdot[] = { { "etc/.wh...", S_IFREG } };
	static const struct ent aufs[] = { { "etc/.wh..wh.plnk", S_IFREG } };
	static const struct ent below_wh[] = { { "etc/.wh.x/y", S_IFREG | 0644, "y" } };
	static const struct ent below_link[] = { { "lnk/passwd", S_IFREG | 0644, "owned" } };
	static const struct ent wh_below_link[] = { { "lnk/.wh.b", S_IFREG } };
	static const struct ent hl_out[] = { { "x", S_IFREG | 0644, NULL, "../etc/passwd", 1 } };
	static const struct ent hl_lower[] = { { "x", S_IFREG | 0644, NULL, "etc/b", 1 } };
	static const struct ent twice[] = { { "x", S_IFREG | 0644, "1" }, { "x", S_IFREG | 0644, "2" } };

	(void)state;
	refused_top("dotdot.tar", dotdot, 1, "entry 'etc/../../.wh.passwd': its path has a \"..\"; refusing it");
	refused_top("whdotdot.tar", wh_dotdot, 1, "entry 'etc/.wh...': a whiteout of '..'");
	refused_top("aufs.tar", aufs, 1, "entry 'etc/.wh..wh.plnk': an aufs whiteout");
	refused_top("belowwh.tar", below_wh, 1, "entry 'etc/.wh.x/y': it lies below a whiteout");
	/* lnk -> etc/a, a symlink of the layer below */
	refused_top("belowlink.tar", below_link, 1, "entry 'lnk/passwd': it lies below the symlink '/lnk'");
	refused_top("whbelowlink.tar", wh_below_link, 1, "entry 'lnk/b': it lies below the symlink '/lnk'");
	refused_top("hlout.tar", hl_out, 1, "entry 'x': a hardlink to '../etc/passwd', with a \"..\"");
	refused_top("hllower.tar", hl_lower, 1, "a hardlink to 'etc/b', which is no earlier regular file of its layer");
	refused_top("twice.tar", twice, 2, "entry 'x': it is in the layer twice");
}

/* the archive NAME made from two.tar by the shell command CMD, run in its
 * unpacked copy (M: the image manifest's blob, C: the config's, L: the
 * top layer's) */
static void
altered(const char *name, const char *cmd)
{
	assert_int_equal(tu_sh("set -e; cd %s && rm -rf x && mkdir x && tar -C x -xf two.tar && cd x && "
			       "M=blobs/sha256/$(jq -r '.manifests[0].digest[7:]' index.json) && "
			       "C=blobs/sha256/$(jq -r '.config.digest[7:]' $M) && "
			       "L=blobs/sha256/$(jq -r '.layers[1].digest[7:]' $M) && { %s; } && "
			       "tar -cf ../%s $(ls -d blobs/sha256/* 2>/dev/null) $(ls index.json manifest.json oci-layout 2>/dev/null)",
			       dir, cmd, name), 0);
}

static void
test_hostile_archives(void **state)
{
	(void)state;
	two_layers("two.tar", top, sizeof(top) / sizeof(*top));
	altered("nolayer.tar", "rm $L");
	refused("nolayer.tar", "(layer 2 of the image): missing");
	altered("badblob.tar", "echo x >> $L");
	refused("badblob.tar", "its content's SHA-256 is ");
	altered("noindex.tar", "rm index.json");
	refused("noindex.tar", "no index.json: not an image archive");
	altered("nomanifest.tar", "rm $M");
	refused("nomanifest.tar", "(a manifest index.json names): missing");
	/* a config whose diff_id is not its layer's: blobs renamed to match */
	altered("diffid.tar", "jq -c '.rootfs.diff_ids[1] = \"sha256:" "0000000000000000000000000000000000000000000000000000000000000000\"' $C > c && "
			      "n=$(sha256sum < c | cut -d' ' -f1) && rm $C && mv c blobs/sha256/$n && "
			      "jq -c --arg d sha256:$n --argjson s $(stat -c %s blobs/sha256/$n) '.config.digest = $d | .config.size = $s' $M > m && "
			      "m=$(sha256sum < m | cut -d' ' -f1) && rm $M && mv m blobs/sha256/$m && "
			      "jq -c --arg d sha256:$m --argjson s $(stat -c %s blobs/sha256/$m) '.manifests[0].digest = $d | .manifests[0].size = $s' index.json > i && mv i index.json && "
			      "jq -c --arg c blobs/sha256/$n '.[0].Config = $c' manifest.json > d && mv d manifest.json");
	refused("diffid.tar", "layer 2 (blobs/sha256/");
	refused("diffid.tar", "the config's diff_id sha256:0000000000");
	altered("docker.tar", "jq -c '.[0].Layers |= reverse' manifest.json > d && mv d manifest.json");
	refused("docker.tar", "manifest.json's layer 1 is ");
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
		cmocka_unit_test(test_whiteouts),
		cmocka_unit_test(test_hostile_layers),
		cmocka_unit_test(test_hostile_archives),
		cmocka_unit_test(test_not_an_image),
	};
	return cmocka_run_group_tests_name("imgtar", tests, setup, teardown);
}
