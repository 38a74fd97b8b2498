/* vdb_unmerge: shared files kept, empty dirs removed, the VDB entry last,
 * nothing outside the root touched even with hostile symlinks. */
#include <errno.h>

#include "testutil.h"
#include "../../helpers/lib/vdb.h"

struct fx {
	char *root, *outside;
	struct vdb db;
};

/* Materialise every CONTENTS entry as a real file, dir, link or fifo. */
static int
make_cb(struct vdb_pkg *p, struct contents_entry *e, void *arg)
{
	const char *root = arg;
	char path[8192];

	(void)p;
	snprintf(path, sizeof(path), "%s%s", root, e->path);
	switch (e->type) {
	case CONTENTS_DIR: return tu_sh("mkdir -p '%s'", path);
	case CONTENTS_OBJ: return tu_sh("mkdir -p \"$(dirname '%s')\" && echo x > '%s'", path, path);
	case CONTENTS_SYM: return tu_sh("mkdir -p \"$(dirname '%s')\" && ln -sfn '%s' '%s'", path, e->target, path);
	default: return tu_sh("mkdir -p \"$(dirname '%s')\" && mkfifo '%s'", path, path);
	}
}

static void
reopen(struct fx *f)
{
	vdb_close(&f->db);
	assert_int_equal(vdb_open(&f->db, f->root), 0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	size_t line;
	const char *why;

	f->root = tu_tmpdir();
	f->outside = tu_tmpdir();
	assert_int_equal(tu_sh("cp -a " FIXTURES "/vdb/. '%s'", f->root), 0);
	assert_int_equal(vdb_open(&f->db, f->root), 0);
	for (size_t i = 0; i < f->db.npkgs; i++)
		assert_int_equal(vdb_contents(&f->db.pkgs[i], make_cb, f->root, &line, &why), 0);
	tu_write(f->outside, "victim", "must survive\n");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	vdb_close(&f->db);
	tu_rmtree(f->root);
	tu_rmtree(f->outside);
	free(f);
	return 0;
}

static int
unmerge(struct fx *f, const char *atom, int dry)
{
	struct vdb_pkg **m, *other;
	int n = vdb_resolve(&f->db, atom, &m, &other), r;

	assert_true(n > 0);
	r = vdb_unmerge(&f->db, m, n, dry, NULL, NULL, NULL);
	free(m);
	return r;
}

static void
test_unmerge_icu(void **state)
{
	struct fx *f = *state;

	assert_int_equal(unmerge(f, "dev-libs/icu", 0), 0);
	assert_false(tu_exists(f->root, "usr/lib64/libicuuc.so.74.2"));
	assert_false(tu_exists(f->root, "usr/lib64/libicuuc.so.74"));
	assert_false(tu_exists(f->root, "usr/share/icu"));	/* empty: gone */
	assert_true(tu_exists(f->root, "usr/lib64/php8.3/bin/php-fpm"));
	assert_true(tu_exists(f->root, "usr/lib64"));		/* still used */
	assert_true(tu_exists(f->root, "usr/share"));
	assert_false(tu_exists(f->root, "var/db/pkg/dev-libs/icu-74.2"));
	assert_true(tu_exists(f->root, "var/db/pkg/dev-libs/metaonly-1.0"));
	reopen(f);
	assert_int_equal(f->db.npkgs, 8);
}

static void
test_shared_file_kept(void **state)
{
	struct fx *f = *state;

	/* /opt/tool is owned by app-misc/tool and dev-util/tool */
	assert_int_equal(unmerge(f, "app-misc/tool", 0), 0);
	assert_true(tu_exists(f->root, "opt/tool"));
	assert_true(tu_exists(f->root, "opt"));
	assert_false(tu_exists(f->root, "var/db/pkg/app-misc/tool-1.0"));
	reopen(f);
	assert_int_equal(unmerge(f, "dev-util/tool", 0), 0);
	assert_false(tu_exists(f->root, "opt/tool"));
	assert_false(tu_exists(f->root, "opt"));
	assert_false(tu_exists(f->root, "var/db/pkg/dev-util"));	/* empty category */
}

static void
test_dry_run(void **state)
{
	struct fx *f = *state;

	assert_int_equal(unmerge(f, "app-misc/spaces", 1), 0);
	assert_true(tu_exists(f->root, "usr/share/my docs/read me.txt"));
	assert_true(tu_exists(f->root, "var/db/pkg/app-misc/spaces-1.0"));
	assert_int_equal(unmerge(f, "app-misc/spaces", 0), 0);
	assert_false(tu_exists(f->root, "usr/share/my docs"));
}

static void
test_hostile_symlinks(void **state)
{
	struct fx *f = *state;
	char path[4096];

	/* the root's /usr/share/icu is an absolute link out, holding "victim" */
	assert_int_equal(tu_sh("rm -rf '%s/usr/share/icu' && ln -s '%s' '%s/usr/share/icu'",
			       f->root, f->outside, f->root), 0);
	tu_write(f->root, "var/db/pkg/dev-libs/icu-74.2/CONTENTS",
		 "dir /usr/share/icu\n"
		 "obj /usr/share/icu/victim 7f343b0931126a20f133d67c2b018a3b 1\n"
		 "sym /usr/lib64/out -> /etc 1\n");
	assert_int_equal(tu_sh("ln -s '%s' '%s/usr/lib64/out'", f->outside, f->root), 0);
	reopen(f);
	assert_int_equal(unmerge(f, "dev-libs/icu", 0), 0);
	snprintf(path, sizeof(path), "%s/victim", f->outside);
	assert_int_equal(access(path, F_OK), 0);
	assert_false(tu_exists(f->root, "usr/lib64/out"));	/* the link itself goes */
	assert_true(tu_exists(f->root, "usr/share/icu"));	/* a link, not an empty dir */
}

static void
test_dotdot_refused(void **state)
{
	struct fx *f = *state;
	char path[4096];

	tu_write(f->root, "var/db/pkg/app-misc/tool-1.0/CONTENTS",
		 "obj /opt/../../../../../../../../victim ef343b0931126a20f133d67c2b018a3b 1\n");
	assert_int_equal(tu_sh("ln -s '%s' '%s/out'", f->outside, f->root), 0);
	reopen(f);
	assert_int_equal(unmerge(f, "app-misc/tool", 0), -1);
	assert_int_equal(errno, EINVAL);
	snprintf(path, sizeof(path), "%s/victim", f->outside);
	assert_int_equal(access(path, F_OK), 0);
	assert_true(tu_exists(f->root, "var/db/pkg/app-misc/tool-1.0"));	/* nothing done */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unmerge_icu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_file_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot_refused, setup, teardown),
	};
	return cmocka_run_group_tests_name("unmerge", tests, NULL, NULL);
}
