/* vdb: the walker, atoms, per-field and metadata fields, CONTENTS walks,
 * the soname closure. Runs on a copy of tests/fixtures/vdb. */
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "testutil.h"
#include "../../helpers/lib/vdb.h"

struct fx {
	char *root;
	struct vdb db;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->root = tu_tmpdir();
	assert_int_equal(tu_sh("cp -a " FIXTURES "/vdb/. '%s'", f->root), 0);
	/* the metadata file is valid only for this directory mtime (ns) */
	assert_int_equal(tu_sh("touch -d @1700000010.123456789 '%s/var/db/pkg/dev-libs/metaonly-1.0'", f->root), 0);
	assert_int_equal(vdb_open(&f->db, f->root), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	vdb_close(&f->db);
	tu_rmtree(f->root);
	free(f);
	return 0;
}

static void
test_walk(void **state)
{
	struct fx *f = *state;
	static const char *want[] = {
		"app-misc/spaces-1.0", "app-misc/tool-1.0", "dev-lang/php-8.2.18-r1",
		"dev-lang/php-8.3.4", "dev-libs/icu-74.2", "dev-libs/metaonly-1.0",
		"dev-util/tool-2.0", "sys-devel/gcc-13.2.1_p20240210", "sys-libs/glibc-2.39-r6",
	};

	assert_int_equal(f->db.npkgs, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < f->db.npkgs; i++)
		assert_string_equal(f->db.pkgs[i].atom, want[i]);
	assert_string_equal(f->db.pkgs[7].pn, "gcc");
	assert_string_equal(f->db.pkgs[2].pn, "php");
	/* a stray file and a symlink to a package are not packages */
	assert_int_equal(tu_sh("cd '%s/var/db/pkg/dev-libs' && touch stray-1.0 && ln -s icu-74.2 link-1.0", f->root), 0);
	vdb_close(&f->db);
	assert_int_equal(vdb_open(&f->db, f->root), 0);
	assert_int_equal(f->db.npkgs, sizeof(want) / sizeof(*want));
}

static void
test_empty_root(void **state)
{
	char *d = tu_tmpdir();
	struct vdb db;

	(void)state;
	assert_int_equal(vdb_open(&db, d), 0);
	assert_int_equal(db.npkgs, 0);
	vdb_close(&db);
	assert_int_equal(vdb_open(&db, "/nonexistent-root"), -1);
	assert_int_equal(errno, ENOENT);
	tu_rmtree(d);
}

/* The root's /var is an absolute link to a real VDB outside: resolved
 * inside the root, where that path does not exist, so no package. */
static void
test_vdb_link_out(void **state)
{
	char *d = tu_tmpdir(), *out = tu_tmpdir();
	struct vdb db;

	(void)state;
	assert_int_equal(tu_sh("cp -a " FIXTURES "/vdb/. '%s' && ln -s '%s/var' '%s/var'", out, out, d), 0);
	assert_int_equal(vdb_open(&db, d), 0);
	assert_int_equal(db.npkgs, 0);
	vdb_close(&db);
	tu_rmtree(d);
	tu_rmtree(out);
}

static void
test_pf_to_pn(void **state)
{
	static const char *cases[][2] = {
		{ "glibc-2.39-r6", "glibc" }, { "gcc-13.2.1_p20240210", "gcc" },
		{ "font-util-1.4.1", "font-util" }, { "x264-0.0.20231114", "x264" },
		{ "libsigc++-2.12.1", "libsigc++" }, { "perl-5.38.2-r3", "perl" },
		{ "python-3.12.3_rc1_p2", "python" }, { "openssl-3.0.13a", "openssl" },
		{ "foo-1-bar-2.0", "foo-1-bar" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(vdb_pf_to_pn(cases[i][0], out), 0);
		assert_string_equal(out, cases[i][1]);
	}
	assert_int_equal(vdb_pf_to_pn("noversion", out), -1);
	assert_int_equal(vdb_pf_to_pn("bad-1.2_foo", out), -1);
	assert_int_equal(vdb_pf_to_pn("bad-1.2-r", out), -1);
}

static void
test_resolve(void **state)
{
	struct fx *f = *state;
	struct vdb_pkg **m, *other;

	assert_int_equal(vdb_resolve(&f->db, "dev-lang/php", &m, &other), 2);	/* two slots */
	free(m);
	assert_int_equal(vdb_resolve(&f->db, "php", &m, &other), 2);
	free(m);
	assert_int_equal(vdb_resolve(&f->db, "dev-lang/php-8.3.4", &m, &other), 1);
	assert_string_equal(m[0]->atom, "dev-lang/php-8.3.4");
	free(m);
	assert_int_equal(vdb_resolve(&f->db, "tool", &m, &other), 0);	/* ambiguous */
	assert_string_equal(m[0]->atom, "app-misc/tool-1.0");
	assert_string_equal(other->atom, "dev-util/tool-2.0");
	free(m);
	assert_int_equal(vdb_resolve(&f->db, "coreutils", &m, &other), -1);	/* -MERGING- */
	assert_int_equal(errno, ENOENT);
	assert_int_equal(vdb_resolve(&f->db, "dev-lang/ph", &m, &other), -1);
	/* a category that is a prefix of another, a PF alone, CAT/PN */
	assert_int_equal(vdb_resolve(&f->db, "dev-l/php", &m, &other), -1);
	assert_int_equal(vdb_resolve(&f->db, "dev-lang-x/php", &m, &other), -1);
	assert_int_equal(vdb_resolve(&f->db, "icu-74.2", &m, &other), 1);
	assert_string_equal(m[0]->atom, "dev-libs/icu-74.2");
	free(m);
	assert_int_equal(vdb_resolve(&f->db, "dev-util/tool", &m, &other), 1);
	assert_string_equal(m[0]->atom, "dev-util/tool-2.0");
	free(m);
}

static struct vdb_pkg *
pkg(struct fx *f, const char *atom)
{
	for (size_t i = 0; i < f->db.npkgs; i++)
		if (!strcmp(f->db.pkgs[i].atom, atom))
			return &f->db.pkgs[i];
	fail_msg("no %s", atom);
	return NULL;
}

static void
test_fields(void **state)
{
	struct fx *f = *state;
	char *v;

	assert_int_equal(vdb_field(pkg(f, "sys-libs/glibc-2.39-r6"), "SLOT", &v), 0);
	assert_string_equal(v, "2.2");
	free(v);
	assert_int_equal(vdb_field(pkg(f, "sys-libs/glibc-2.39-r6"), "NEEDED.ELF.2", &v), 0);
	assert_string_equal(v, "X86_64;/lib64/libm.so.6;libm.so.6;;libc.so.6,ld-linux-x86-64.so.2;x86_64");
	free(v);
	assert_int_equal(vdb_field(pkg(f, "sys-libs/glibc-2.39-r6"), "NOPE", &v), -1);
	assert_int_equal(errno, ENOENT);
	/* only a metadata file: read from it, multi-line values unescaped */
	assert_int_equal(vdb_field(pkg(f, "dev-libs/metaonly-1.0"), "LICENSE", &v), 0);
	assert_string_equal(v, "MIT");
	free(v);
	assert_int_equal(vdb_field(pkg(f, "dev-libs/metaonly-1.0"), "NEEDED.ELF.2", &v), 0);
	assert_string_equal(v, "X86_64;/usr/lib64/libmeta.so.1;libmeta.so.1;;libc.so.6;x86_64\n"
			       "X86_64;/usr/bin/meta;;;libmeta.so.1,libc.so.6;x86_64");
	free(v);
	assert_int_equal(vdb_field(pkg(f, "dev-libs/metaonly-1.0"), "dir_mtime", &v), -1);
}

static void
test_stale_metadata(void **state)
{
	struct fx *f = *state;
	struct vdb db;
	char *v;

	/* the directory changed after the metadata was written: ignore it */
	assert_int_equal(tu_sh("touch -d @1700000011 '%s/var/db/pkg/dev-libs/metaonly-1.0'", f->root), 0);
	assert_int_equal(vdb_open(&db, f->root), 0);
	for (size_t i = 0; i < db.npkgs; i++)
		if (!strcmp(db.pkgs[i].pn, "metaonly"))
			assert_int_equal(vdb_field(&db.pkgs[i], "LICENSE", &v), -1);
	vdb_close(&db);
}

struct seen {
	int n, types;
	char last[4096];
};

static int
count_cb(struct vdb_pkg *p, struct contents_entry *e, void *arg)
{
	struct seen *s = arg;

	(void)p;
	s->n++;
	s->types |= e->type;
	snprintf(s->last, sizeof(s->last), "%s", e->path);
	return 0;
}

static void
test_contents_walk(void **state)
{
	struct fx *f = *state;
	struct seen s = { 0 };
	struct err why;

	assert_int_equal(vdb_contents(pkg(f, "app-misc/spaces-1.0"), count_cb, &s, &why), 0);
	assert_int_equal(s.n, 9);
	assert_int_equal(s.types, CONTENTS_ALL);
	assert_string_equal(s.last, "/usr/share/my docs/twelve 34 5");
	/* no CONTENTS: no files */
	memset(&s, 0, sizeof(s));
	assert_int_equal(vdb_contents(pkg(f, "dev-libs/metaonly-1.0"), count_cb, &s, &why), 0);
	assert_int_equal(s.n, 0);
}

static void
test_contents_malformed(void **state)
{
	struct fx *f = *state;
	struct seen s = { 0 };
	struct err why;
	char want[4200];

	tu_write(f->root, "var/db/pkg/app-misc/tool-1.0/CONTENTS",
		 "dir /opt\nobj /opt/tool ef343b0931126a20f133d67c2b018a3b\n");
	assert_int_equal(vdb_contents(pkg(f, "app-misc/tool-1.0"), count_cb, &s, &why), -1);
	assert_int_equal(errno, EINVAL);
	snprintf(want, sizeof(want), "%s/var/db/pkg/app-misc/tool-1.0/CONTENTS:2: obj line: missing or non-numeric mtime",
		 f->root);
	assert_string_equal(why.msg, want);
	assert_int_equal(s.n, 1);
}

/* A FIFO (or socket, device, directory) planted as a package file is
 * never opened for reading: no hang, an error (fields, CONTENTS) or
 * absent (metadata). alarm() turns a hang into a failure. */
static void
test_nonregular_files(void **state)
{
	struct fx *f = *state;
	struct seen s = { 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct err why;
	char *v, want[4200];
	int sk;

	alarm(20);
	assert_int_equal(tu_sh("cd '%s/var/db/pkg' && rm app-misc/tool-1.0/CONTENTS app-misc/tool-1.0/SLOT"
			       " && mkfifo app-misc/tool-1.0/CONTENTS app-misc/tool-1.0/SLOT"
			       " && rm dev-util/tool-2.0/SLOT && mkdir dev-util/tool-2.0/SLOT && mkfifo dev-libs/metaonly-1.0/LICENSE"
			       " && touch -d @1700000010.123456789 dev-libs/metaonly-1.0", f->root), 0);
	assert_int_equal(vdb_field(pkg(f, "app-misc/tool-1.0"), "SLOT", &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(vdb_field(pkg(f, "dev-util/tool-2.0"), "SLOT", &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(vdb_field(pkg(f, "dev-libs/metaonly-1.0"), "LICENSE", &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(vdb_contents(pkg(f, "app-misc/tool-1.0"), count_cb, &s, &why), -1);
	assert_int_equal(errno, EINVAL);
	snprintf(want, sizeof(want), "%s/var/db/pkg/app-misc/tool-1.0/CONTENTS: not a regular file", f->root);
	assert_string_equal(why.msg, want);
	/* a socket as SLOT */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/var/db/pkg/sys-libs/glibc-2.39-r6/USE", f->root);
	assert_int_equal(tu_sh("rm '%s'", sa.sun_path), 0);
	assert_true((sk = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	if (strlen(sa.sun_path) < sizeof(sa.sun_path) - 1) {
		assert_int_equal(bind(sk, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(vdb_field(pkg(f, "sys-libs/glibc-2.39-r6"), "USE", &v), -1);
		assert_int_equal(errno, EINVAL);
	}
	close(sk);
	/* a FIFO as the metadata file: absent */
	assert_int_equal(tu_sh("cd '%s/var/db/pkg/dev-libs/metaonly-1.0' && rm metadata LICENSE && mkfifo metadata"
			       " && touch -d @1700000010.123456789 .", f->root), 0);
	assert_int_equal(vdb_field(pkg(f, "dev-libs/metaonly-1.0"), "SLOT", &v), -1);
	assert_int_equal(errno, ENOENT);
	alarm(0);
}

/* vdb_meta_valid / vdb_meta_get never read past LEN (a fuzz find on a
 * buffer ending in the #dir_mtime digits: strspn ran off its end). */
static void
test_meta_buffer(void **state)
{
	static const char text[] = "#format=1\nSLOT=0/1\nUSE=a\\\\b\\nc\n#dir_mtime=1700000010123456789";
	size_t n = sizeof(text) - 1;
	char *buf = malloc(n), *v;

	(void)state;
	memcpy(buf, text, n);	/* no NUL after it */
	assert_int_equal(vdb_meta_valid(buf, n, 1700000010123456789LL), 1);
	assert_int_equal(vdb_meta_valid(buf, n, 1700000010123456788LL), 0);
	assert_int_equal(vdb_meta_valid(buf, n - 1, 170000001012345678LL), 1);
	assert_int_equal(vdb_meta_get(buf, n, "USE", &v), 0);
	assert_string_equal(v, "a\\b\nc");
	free(v);
	assert_int_equal(vdb_meta_get(buf, n, "SLOT", &v), 0);
	assert_string_equal(v, "0/1");
	free(v);
	assert_int_equal(vdb_meta_get(buf, n, "dir_mtime", &v), -1);
	assert_int_equal(vdb_meta_get(buf, n - 1, "#format", &v), -1);
	assert_int_equal(vdb_meta_valid(buf, 11, 0), 0);
	assert_int_equal(vdb_meta_valid("#format=1\n#dir_mtime=99999999999999999999", 41, 0), 0);
	free(buf);
}

struct missing {
	int n;
	char what[256];
};

static void
missing_cb(const char *arch, const char *so, struct vdb_pkg *by, void *arg)
{
	struct missing *m = arg;

	m->n++;
	snprintf(m->what, sizeof(m->what), "%s %s %s", arch, so, by->atom);
}

static void
test_needs(void **state)
{
	struct fx *f = *state;
	struct vdb_pkg *from[] = { pkg(f, "dev-lang/php-8.3.4") };
	char in[32];
	struct missing m = { 0 };
	const char *want[] = { "dev-lang/php-8.3.4", "dev-libs/icu-74.2",
			       "sys-devel/gcc-13.2.1_p20240210", "sys-libs/glibc-2.39-r6" };
	size_t k = 0;

	assert_int_equal(vdb_needs(&f->db, from, 1, in, missing_cb, &m), 0);
	for (size_t i = 0; i < f->db.npkgs; i++)
		if (in[i]) {
			assert_true(k < 4);
			assert_string_equal(f->db.pkgs[i].atom, want[k++]);
		}
	assert_int_equal(k, 4);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.what, "x86_64 libxml2.so.2 dev-lang/php-8.3.4");

	/* from a metadata-only package */
	from[0] = pkg(f, "dev-libs/metaonly-1.0");
	assert_int_equal(vdb_needs(&f->db, from, 1, in, NULL, NULL), 0);
	k = 0;
	for (size_t i = 0; i < f->db.npkgs; i++)
		k += in[i];
	assert_int_equal(k, 2);
	assert_true(in[pkg(f, "sys-libs/glibc-2.39-r6") - f->db.pkgs]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
		cmocka_unit_test(test_empty_root),
		cmocka_unit_test(test_vdb_link_out),
		cmocka_unit_test(test_pf_to_pn),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_metadata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contents_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contents_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_needs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonregular_files, setup, teardown),
		cmocka_unit_test(test_meta_buffer),
	};
	int r = cmocka_run_group_tests_name("vdb", tests, NULL, NULL);

	/* again, with the userspace walk of path_openat2 (no openat2) */
	return r + cmocka_run_group_tests_name("vdb, openat2 fallback", tests, tu_walk_on, tu_walk_off);
}
