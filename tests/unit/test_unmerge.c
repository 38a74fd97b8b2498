/* vdb_unmerge: Portage's rules (kept files and why), shared files kept
 * by the file they resolve to, empty dirs removed, the VDB never a target
 * and its entry last, nothing outside the root touched even with hostile
 * symlinks. */
#include <errno.h>
#include <signal.h>

#include "testutil.h"
#include "../../helpers/lib/vdb.h"

struct fx {
	char *root, *outside;
	struct vdb db;
};

#define X_MD5 "401b30e3b8b5d629635a5c613cdb7919"	/* md5 of "x\n" */

/* Materialise every CONTENTS entry as a real file, dir, link or fifo;
 * files hold "x\n" and, like links, carry the CONTENTS mtime (setup then
 * rewrites the md5s to match: as Portage left them). */
static int
make_cb(struct vdb_pkg *p, struct contents_entry *e, void *arg)
{
	const char *root = arg;
	char path[8192];

	(void)p;
	snprintf(path, sizeof(path), "%s%s", root, e->path);
	switch (e->type) {
	case CONTENTS_DIR: return tu_sh("mkdir -p '%s'", path);
	case CONTENTS_OBJ: return tu_sh("mkdir -p \"$(dirname '%s')\" && echo x > '%s' && touch -d @%lld '%s'",
					path, path, e->mtime, path);
	case CONTENTS_SYM: return tu_sh("mkdir -p \"$(dirname '%s')\" && ln -sfn '%s' '%s' && touch -h -d @%lld '%s'",
					path, e->target, path, e->mtime, path);
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

	f->root = tu_tmpdir();
	f->outside = tu_tmpdir();
	assert_int_equal(tu_sh("cp -a " FIXTURES "/vdb/. '%s'", f->root), 0);
	assert_int_equal(vdb_open(&f->db, f->root), 0);
	for (size_t i = 0; i < f->db.npkgs; i++)
		assert_int_equal(vdb_contents(&f->db.pkgs[i], make_cb, f->root, NULL), 0);
	assert_int_equal(tu_sh("sed -i -E 's/^(obj .*) [0-9a-f]{32} ([0-9]+)$/\\1 " X_MD5 " \\2/' '%s'/var/db/pkg/*/*/CONTENTS",
			       f->root), 0);
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

struct log {
	char text[16384];
};

static void
log_cb(const char *zing, const char *desc, const char *type, const char *path, void *arg)
{
	struct log *l = arg;
	size_t n = strlen(l->text);

	snprintf(l->text + n, sizeof(l->text) - n, "%s %s %s %s\n", zing, desc, type, path);
}

static int
unmerge_opts(struct fx *f, const char *atom, struct vdb_unmerge_opts *o)
{
	struct vdb_pkg **m, *other;
	int n = vdb_resolve(&f->db, atom, &m, &other), r;

	assert_true(n > 0);
	r = vdb_unmerge(&f->db, m, n, o, NULL);
	free(m);
	return r;
}

static int
unmerge_log(struct fx *f, const char *atom, int dry, struct log *l)
{
	struct vdb_unmerge_opts o = { .dry_run = dry, .report = log_cb, .arg = l };

	l->text[0] = '\0';
	return unmerge_opts(f, atom, &o);
}

static int
unmerge(struct fx *f, const char *atom, int dry)
{
	struct log l;

	return unmerge_log(f, atom, dry, &l);
}

#define assert_logged(l, line) do { \
	if (!strstr((l)->text, line "\n")) \
		fail_msg("no \"%s\" in:\n%s", line, (l)->text); \
} while (0)

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
	struct log dry, real;

	assert_int_equal(unmerge_log(f, "app-misc/spaces", 1, &dry), 0);
	assert_true(tu_exists(f->root, "usr/share/my docs/read me.txt"));
	assert_true(tu_exists(f->root, "var/db/pkg/app-misc/spaces-1.0"));
	assert_int_equal(unmerge_log(f, "app-misc/spaces", 0, &real), 0);
	assert_string_equal(dry.text, real.text);	/* the dry run says what happens */
	assert_false(tu_exists(f->root, "usr/share/my docs/read me.txt"));
	assert_false(tu_exists(f->root, "usr/share/my docs/link to it"));
	/* Portage keeps fifos and device nodes, so their directory stays */
	assert_true(tu_exists(f->root, "usr/share/my docs/a fifo"));
	assert_true(tu_exists(f->root, "usr/share/my docs"));
	assert_logged(&real, "---  fif /usr/share/my docs/a fifo");
	assert_logged(&real, "--- !empty dir /usr/share/my docs");
	assert_logged(&real, "<<<  obj /usr/share/my docs/read me.txt");
	assert_logged(&real, "<<<  vdb /var/db/pkg/app-misc/spaces-1.0");
}

static void
test_hostile_symlinks(void **state)
{
	struct fx *f = *state;
	char path[4096];

	/* the root's /usr/share/icu is an absolute link out, holding "victim"
	 * with the md5 and mtime CONTENTS records: only resolving inside the
	 * root keeps it */
	assert_int_equal(tu_sh("rm -rf '%s/usr/share/icu' && ln -s '%s' '%s/usr/share/icu' && touch -d @1 '%s/victim'",
			       f->root, f->outside, f->root, f->outside), 0);
	tu_write(f->root, "var/db/pkg/dev-libs/icu-74.2/CONTENTS",
		 "dir /usr/share/icu\n"
		 "obj /usr/share/icu/victim 3aa86f567fe42885af5a6e719947ee72 1\n"	/* md5 of "must survive\n" */
		 "sym /usr/lib64/out -> /etc 1\n");
	assert_int_equal(tu_sh("ln -s '%s' '%s/usr/lib64/out' && touch -h -d @1 '%s/usr/lib64/out'",
			       f->outside, f->root, f->root), 0);
	reopen(f);
	assert_int_equal(unmerge(f, "dev-libs/icu", 0), 0);
	snprintf(path, sizeof(path), "%s/victim", f->outside);
	assert_int_equal(access(path, F_OK), 0);
	assert_false(tu_exists(f->root, "usr/lib64/out"));	/* the link itself goes */
	/* a link recorded as a dir whose target is no directory in the root:
	 * Portage unlinks it ("dir" and islink) */
	assert_false(tu_exists(f->root, "usr/share/icu"));
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

/* With /lib -> usr/lib, A's /lib/libfoo.so.1 and B's /usr/lib/libfoo.so.1
 * are one file: unmerging A keeps it (and the libdir symlink). */
static void
test_merged_usr(void **state)
{
	struct fx *f = *state;
	struct log l;

	assert_int_equal(tu_sh("cd '%s' && mkdir -p usr/lib && ln -s usr/lib lib && echo x > usr/lib/libfoo.so.1"
			       " && touch -d @100 usr/lib/libfoo.so.1", f->root), 0);
	tu_write(f->root, "var/db/pkg/app-misc/tool-1.0/CONTENTS",
		 "dir /lib\nobj /lib/libfoo.so.1 " X_MD5 " 100\n");
	tu_write(f->root, "var/db/pkg/dev-util/tool-2.0/CONTENTS",
		 "dir /usr\ndir /usr/lib\nobj /usr/lib/libfoo.so.1 " X_MD5 " 100\n");
	reopen(f);
	assert_int_equal(unmerge_log(f, "app-misc/tool", 0, &l), 0);
	assert_true(tu_exists(f->root, "usr/lib/libfoo.so.1"));
	assert_true(tu_exists(f->root, "lib"));
	assert_logged(&l, "--- replaced obj /lib/libfoo.so.1");
	assert_logged(&l, "--- cfgpro dir /lib");
	assert_false(tu_exists(f->root, "var/db/pkg/app-misc/tool-1.0"));
	/* the last owner goes: the file goes */
	reopen(f);
	assert_int_equal(unmerge_log(f, "dev-util/tool", 0, &l), 0);
	assert_false(tu_exists(f->root, "usr/lib/libfoo.so.1"));
}

/* CONTENTS naming the VDB (directly or through a symlink) removes nothing
 * of it. */
static void
test_vdb_never_target(void **state)
{
	struct fx *f = *state;
	struct log l;

	assert_int_equal(tu_sh("cd '%s' && ln -s var/db/pkg vdb && touch -d @100 var/db/pkg/dev-util/tool-2.0/SLOT"
			       " var/db/pkg/dev-util/tool-2.0/CONTENTS && m=$(md5sum < var/db/pkg/dev-util/tool-2.0/SLOT | cut -c1-32)"
			       " && c=$(md5sum < var/db/pkg/dev-util/tool-2.0/CONTENTS | cut -c1-32)"
			       " && printf 'dir /var\\ndir /var/db\\ndir /var/db/pkg\\ndir /var/db/pkg/dev-util\\n"
			       "dir /var/db/pkg/dev-util/tool-2.0\\nobj /var/db/pkg/dev-util/tool-2.0/SLOT %%s 100\\n"
			       "obj /vdb/dev-util/tool-2.0/CONTENTS %%s 100\\n' $m $c > var/db/pkg/app-misc/tool-1.0/CONTENTS",
			       f->root), 0);
	reopen(f);
	assert_int_equal(unmerge_log(f, "app-misc/tool", 0, &l), 0);
	assert_true(tu_exists(f->root, "var/db/pkg/dev-util/tool-2.0/SLOT"));
	assert_true(tu_exists(f->root, "var/db/pkg/dev-util/tool-2.0/CONTENTS"));
	assert_logged(&l, "--- !vdb obj /var/db/pkg/dev-util/tool-2.0/SLOT");
	assert_logged(&l, "--- !vdb obj /vdb/dev-util/tool-2.0/CONTENTS");
	assert_logged(&l, "--- !vdb dir /var/db/pkg");
	assert_false(tu_exists(f->root, "var/db/pkg/app-misc/tool-1.0"));
	reopen(f);
	assert_int_equal(f->db.npkgs, 8);
}

/* Portage's decisions: a file whose content, mtime or type changed is
 * kept and says why; what does not exist is not reported as removed;
 * "/" is never a target. */
static void
test_portage_rules(void **state)
{
	struct fx *f = *state;
	struct log dry, l;

	tu_write(f->root, "var/db/pkg/dev-libs/icu-74.2/CONTENTS",
		 "dir /\ndir /usr\ndir /usr/lib64\n"
		 "obj /usr/lib64/libicuuc.so.74.2 " X_MD5 " 1700000003\n"
		 "sym /usr/lib64/libicuuc.so.74 -> libicuuc.so.74.2 1700000003\n"
		 "obj /usr/lib64/libicudata.so.74.2 " X_MD5 " 1700000003\n"
		 "sym /usr/lib64/libicudata.so.74 -> libicudata.so.74.2 1700000003\n"
		 "dir /usr/share\ndir /usr/share/icu\n"
		 "obj /usr/share/icu/gone.dat " X_MD5 " 1\n"
		 "obj /usr/share/icu/data " X_MD5 " 1700000003\n"
		 "obj /usr/share/icu/ok.dat " X_MD5 " 1700000003\n"
		 "sym /usr/share/link -> doc 1700000003\n");
	assert_int_equal(tu_sh("cd '%s/usr' && echo y > lib64/libicuuc.so.74.2 && touch -d @1700000003 lib64/libicuuc.so.74.2"
			       " && touch -d @5 lib64/libicudata.so.74.2"
			       " && rm lib64/libicuuc.so.74 && echo x > lib64/libicuuc.so.74 && touch -d @1700000003 lib64/libicuuc.so.74"
			       " && rm lib64/libicudata.so.74"
			       " && mkdir share/icu/data && touch -d @1700000003 share/icu/data"
			       " && echo x > share/icu/ok.dat && touch -d @1700000003 share/icu/ok.dat"
			       " && ln -s doc share/link && touch -h -d @1700000003 share/link", f->root), 0);
	reopen(f);
	assert_int_equal(unmerge_log(f, "dev-libs/icu", 1, &dry), 0);
	assert_int_equal(unmerge_log(f, "dev-libs/icu", 0, &l), 0);
	assert_string_equal(dry.text, l.text);
	assert_logged(&l, "--- !md5 obj /usr/lib64/libicuuc.so.74.2");
	assert_logged(&l, "--- !mtime obj /usr/lib64/libicudata.so.74.2");
	assert_logged(&l, "--- !sym sym /usr/lib64/libicuuc.so.74");
	assert_logged(&l, "--- !found sym /usr/lib64/libicudata.so.74");
	assert_logged(&l, "--- !found obj /usr/share/icu/gone.dat");
	assert_logged(&l, "--- !obj obj /usr/share/icu/data");
	assert_logged(&l, "<<<  obj /usr/share/icu/ok.dat");
	assert_logged(&l, "--- !empty sym /usr/share/link");	/* doc holds php's file */
	assert_logged(&l, "--- !empty dir /usr/share/icu");
	assert_logged(&l, "--- !prefix dir /");
	assert_null(strstr(l.text, "<<<  dir /\n"));
	assert_null(strstr(l.text, "<<<  obj /usr/share/icu/gone.dat"));
	assert_true(tu_exists(f->root, "usr/lib64/libicuuc.so.74.2"));
	assert_true(tu_exists(f->root, "usr/lib64/libicudata.so.74.2"));
	assert_true(tu_exists(f->root, "usr/lib64/libicuuc.so.74"));
	assert_true(tu_exists(f->root, "usr/share/link"));
	assert_false(tu_exists(f->root, "usr/share/icu/ok.dat"));
	assert_false(tu_exists(f->root, "var/db/pkg/dev-libs/icu-74.2"));
}

/* FEATURES=unmerge-orphans: CONFIG_PROTECT'ed files still get the checks,
 * CONFIG_PROTECT_MASK lifts the protection, the rest goes unchecked. */
static void
test_config_protect(void **state)
{
	struct fx *f = *state;
	struct log l = { "" };
	struct vdb_unmerge_opts o = { .orphans = 1, .config_protect = "/etc /nonexistent /usr/bin/too",
				      .config_protect_mask = "/etc/tool.d", .report = log_cb, .arg = &l };

	tu_write(f->root, "var/db/pkg/app-misc/tool-1.0/CONTENTS",
		 "dir /etc\nobj /etc/tool.conf " X_MD5 " 1\ndir /etc/tool.d\n"
		 "obj /etc/tool.d/a.conf " X_MD5 " 1\nobj /usr/bin/tool " X_MD5 " 1\n");
	assert_int_equal(tu_sh("cd '%s' && mkdir -p etc/tool.d usr/bin && echo local > etc/tool.conf"
			       " && echo local > etc/tool.d/a.conf && echo local > usr/bin/tool && echo y > usr/bin/too",
			       f->root), 0);
	reopen(f);
	o.dry_run = 1;
	assert_int_equal(unmerge_opts(f, "app-misc/tool", &o), 0);
	o.dry_run = 0;
	o.orphans = 0;
	l.text[0] = '\0';
	assert_int_equal(unmerge_opts(f, "app-misc/tool", &o), 0);	/* without orphans: all kept */
	assert_logged(&l, "--- !mtime obj /etc/tool.d/a.conf");
	assert_logged(&l, "--- !mtime obj /usr/bin/tool");
	assert_true(tu_exists(f->root, "usr/bin/tool"));
	assert_int_equal(tu_sh("cp -a " FIXTURES "/vdb/var/db/pkg/app-misc/tool-1.0 '%s/var/db/pkg/app-misc/'"
			       " && printf 'dir /etc\\nobj /etc/tool.conf " X_MD5 " 1\\ndir /etc/tool.d\\n"
			       "obj /etc/tool.d/a.conf " X_MD5 " 1\\nobj /usr/bin/tool " X_MD5 " 1\\n'"
			       " > '%s/var/db/pkg/app-misc/tool-1.0/CONTENTS'", f->root, f->root), 0);
	reopen(f);
	o.orphans = 1;
	l.text[0] = '\0';
	assert_int_equal(unmerge_opts(f, "app-misc/tool", &o), 0);
	assert_logged(&l, "--- !mtime obj /etc/tool.conf");	/* protected: checked */
	assert_logged(&l, "<<<  obj /etc/tool.d/a.conf");	/* masked */
	assert_logged(&l, "<<<  obj /usr/bin/tool");		/* "/usr/bin/too" is a file: exact match */
	assert_true(tu_exists(f->root, "etc/tool.conf"));
	assert_false(tu_exists(f->root, "etc/tool.d/a.conf"));
	assert_false(tu_exists(f->root, "usr/bin/tool"));
}

/* Another package's CONTENTS is a FIFO: the unmerge neither hangs nor
 * guesses (it cannot know what that package owns): it fails, naming it. */
static void
test_fifo_contents_elsewhere(void **state)
{
	struct fx *f = *state;

	alarm(20);
	assert_int_equal(tu_sh("cd '%s/var/db/pkg/dev-util/tool-2.0' && rm CONTENTS && mkfifo CONTENTS", f->root), 0);
	reopen(f);
	assert_int_equal(unmerge(f, "app-misc/spaces", 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(tu_exists(f->root, "usr/share/my docs/read me.txt"));
	assert_true(tu_exists(f->root, "var/db/pkg/app-misc/spaces-1.0"));
	alarm(0);
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
		cmocka_unit_test_setup_teardown(test_merged_usr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vdb_never_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_portage_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_protect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_contents_elsewhere, setup, teardown),
	};
	int r = cmocka_run_group_tests_name("unmerge", tests, NULL, NULL);

	/* again, with the userspace walk of path_openat2 (no openat2) */
	return r + cmocka_run_group_tests_name("unmerge, openat2 fallback", tests, tu_walk_on, tu_walk_off);
}
