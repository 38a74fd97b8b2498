/* vdb: read (and unmerge from) the installed-package database of a root. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "lib/path.h"
#include "lib/strset.h"
#include "lib/vdb.h"
#include "tool.h"

static const char usage_text[] =
	"vdb [--root DIR] [-0] COMMAND [ARGS]\n"
	"  list [PATTERN...]                  installed packages (CAT/PF), sorted\n"
	"  files [--type obj,sym,dir,dev,fif] [--dirs] ATOM...\n"
	"                                     paths the packages own (CONTENTS order)\n"
	"  owner PATH...                      CAT/PF PATH for each owner of PATH\n"
	"  info ATOM...                       slot, USE, license, size, repository, build time\n"
	"  needs [--from] [ATOM...] [--missing [-v] [--providers ROOT2]]\n"
	"                                     soname closure of ATOMs (default: all);\n"
	"                                     --missing: the sonames it requires that no\n"
	"                                     package provides (\"ARCH SONAME\"), -v: the\n"
	"                                     packages requiring each (\"CAT/PF needs SONAME\n"
	"                                     (ARCH)\"), --providers: and which package of\n"
	"                                     ROOT2 provides it (\", provided in ROOT2 by\n"
	"                                     CAT/PF\")\n"
	"  unmerge [--dry-run] [-v] [--config-protect LIST] [--config-protect-mask LIST]\n"
	"          [--unmerge-orphans] ATOM...\n"
	"                                     remove packages by their CONTENTS, Portage's rules\n"
	"ATOM is CAT/PF, CAT/PN or PN. --root defaults to /. The protect lists default\n"
	"to $CONFIG_PROTECT and $CONFIG_PROTECT_MASK, --unmerge-orphans to FEATURES.\n";

static char sep = '\n';
static const char *root = "/";
static int type_mask = CONTENTS_ALL & ~0, with_dirs, missing_only, dry_run, verbose, orphans = -1;
static const char *cfg_protect, *cfg_protect_mask, *providers_root;

static void
out(const char *s)
{
	fputs(s, stdout);
	putchar(sep);
}

/* Resolve every atom; report unknown / ambiguous ones. Returns 0 or 1.
 * Linear in the atoms and the packages: a flag per package dedups. */
static int
resolve_all(struct vdb *db, char **atoms, int n, struct vdb_pkg ***pkgs, size_t *np)
{
	char *seen = calloc(db->npkgs + 1, 1);
	size_t cap = 16;
	int status = 0;

	*pkgs = malloc(cap * sizeof(**pkgs));
	*np = 0;
	if (!*pkgs || !seen)
		tool_die("out of memory");
	for (int i = 0; i < n; i++) {
		struct vdb_pkg **m, *other;
		int k = vdb_resolve(db, atoms[i], &m, &other);

		if (k < 0) {
			if (errno == ENOENT)
				tool_warn("%s: no such package installed in %s", atoms[i], root);
			else
				tool_warn("%s:", atoms[i]);
			status = 1;
			continue;
		}
		if (k == 0) {
			tool_warn("%s is ambiguous in %s: %s/%s and %s/%s (name the category)",
				  atoms[i], root, m[0]->cat, m[0]->pn, other->cat, other->pn);
			free(m);
			status = 1;
			continue;
		}
		for (int j = 0; j < k; j++) {
			if (seen[m[j] - db->pkgs])
				continue;
			seen[m[j] - db->pkgs] = 1;
			if (*np == cap && !(*pkgs = realloc(*pkgs, (cap *= 2) * sizeof(**pkgs))))
				tool_die("out of memory");
			(*pkgs)[(*np)++] = m[j];
		}
		free(m);
	}
	free(seen);
	return status;
}

static int
cmd_list(struct vdb *db, char **args, int n)
{
	struct vdb_pkg **pkgs;
	size_t np;
	int status;

	if (!n) {
		for (size_t i = 0; i < db->npkgs; i++)
			out(db->pkgs[i].atom);
		return 0;
	}
	status = resolve_all(db, args, n, &pkgs, &np);
	for (size_t i = 0; i < np; i++)
		out(pkgs[i]->atom);
	free(pkgs);
	return status;
}

struct files_ctx {
	struct strset seen;	/* with --dirs: directories printed */
};

static int
files_cb(struct vdb_pkg *p, struct contents_entry *e, void *arg)
{
	struct files_ctx *c = arg;

	(void)p;
	if (with_dirs) {
		/* the implicit parents first, each once */
		char buf[4096];
		size_t l = strlen(e->path);

		if (l >= sizeof(buf))
			l = sizeof(buf) - 1;
		memcpy(buf, e->path, l);
		buf[l] = '\0';
		for (char *s = buf + 1; (s = strchr(s, '/')); s++) {
			*s = '\0';
			if (strset_add(&c->seen, buf, NULL) > 0 && (type_mask & CONTENTS_DIR))
				out(buf);
			*s = '/';
		}
		if (e->type == CONTENTS_DIR) {
			if (strset_add(&c->seen, e->path, NULL) > 0 && (type_mask & CONTENTS_DIR))
				out(e->path);
			return 0;
		}
	}
	if (type_mask & e->type)
		out(e->path);
	return 0;
}

static int
cmd_files(struct vdb *db, char **args, int n)
{
	struct vdb_pkg **pkgs;
	struct files_ctx c = { 0 };
	size_t np;
	struct err e;
	int status;

	if (!n)
		tool_usage(usage_text);
	status = resolve_all(db, args, n, &pkgs, &np);
	for (size_t i = 0; i < np; i++) {
		if (vdb_contents(pkgs[i], files_cb, &c, &e))
			status = tool_warn_err(&e, NULL);
	}
	strset_free(&c.seen);
	free(pkgs);
	return status;
}

struct owner_ctx {
	struct strset want;	/* cleaned path asked for -> its found flag */
	int *found;
};

/* one hash lookup per CONTENTS line: linear in the VDB whatever N */
static int
owner_cb(struct vdb_pkg *p, struct contents_entry *e, void *arg)
{
	struct owner_ctx *c = arg;
	char rel[4096];
	int *found;

	if (path_clean(e->path, rel, sizeof(rel)) || !(found = strset_get(&c->want, rel)))
		return 0;
	printf("%s /%s%c", p->atom, rel, sep);
	*found = 1;
	return 0;
}

static int
cmd_owner(struct vdb *db, char **args, int n)
{
	struct owner_ctx c = { { 0 }, calloc(n + 1, sizeof(int)) };
	struct err e;
	int status = 0;

	if (!n)
		tool_usage(usage_text);
	if (!c.found)
		tool_die("out of memory");
	for (int i = 0; i < n; i++) {
		char rel[4096];

		if (path_clean(args[i], rel, sizeof(rel)))
			tool_die("%s: not a path inside the root:", args[i]);
		if (strset_add(&c.want, rel, &c.found[i]) < 0)
			tool_die("out of memory");
	}
	for (size_t i = 0; i < db->npkgs; i++)
		if (vdb_contents(&db->pkgs[i], owner_cb, &c, &e))
			status = tool_warn_err(&e, NULL);
	for (int i = 0; i < n; i++) {
		char rel[4096];

		path_clean(args[i], rel, sizeof(rel));
		if (!*(int *)strset_get(&c.want, rel)) {
			tool_warn("%s: not owned by any package in %s", args[i], root);
			status = 1;
		}
	}
	strset_free(&c.want);
	free(c.found);
	return status;
}

static int
cmd_info(struct vdb *db, char **args, int n)
{
	static const char *keys[] = { "SLOT", "USE", "LICENSE", "SIZE", "repository", "BUILD_TIME" };
	struct vdb_pkg **pkgs;
	size_t np;
	int status;

	if (!n)
		tool_usage(usage_text);
	status = resolve_all(db, args, n, &pkgs, &np);
	for (size_t i = 0; i < np; i++) {
		printf("%s\n", pkgs[i]->atom);
		for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++) {
			char *v;

			if (vdb_field(pkgs[i], keys[k], &v)) {
				if (errno == EINVAL) {
					tool_warn("%s/var/db/pkg/%s/%s: not a regular file",
						  strcmp(root, "/") ? root : "", pkgs[i]->atom, keys[k]);
					status = 1;
				} else if (errno != ENOENT) {
					tool_warn("%s: %s:", pkgs[i]->atom, keys[k]);
					status = 1;
				}
				printf("  %-10s (none)\n", keys[k]);
				continue;
			}
			if (!strcmp(keys[k], "BUILD_TIME") && *v) {
				char when[64], *end;
				long long secs;
				struct tm tm;

				/* a number gmtime() can place, else the raw value */
				errno = 0;
				secs = strtoll(v, &end, 10);
				if (!errno && !*end && (time_t)secs == secs &&
				    gmtime_r(&(time_t){ (time_t)secs }, &tm) &&
				    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
					printf("  %-10s %s (%s)\n", keys[k], v, when);
				else
					printf("  %-10s %s (not a valid time)\n", keys[k], v);
			} else {
				printf("  %-10s %s\n", keys[k], v);
			}
			free(v);
		}
	}
	free(pkgs);
	return status;
}

/* a soname required in the closure that no package of the root provides,
 * and the packages that require it */
struct missing {
	char *arch, *soname;
	struct vdb_pkg **by;
	size_t nby;
};

struct missing_list {
	struct strset seen;	/* "arch soname" -> index + 1 */
	struct missing *v;
	size_t n;
};

static void
missing_cb(const char *arch, const char *so, struct vdb_pkg *by, void *arg)
{
	struct missing_list *ml = arg;
	char key[1024];
	size_t i;
	struct missing *m;

	snprintf(key, sizeof(key), "%s %s", arch, so);
	if (!(i = (size_t)strset_get(&ml->seen, key))) {
		if (!(ml->v = realloc(ml->v, (ml->n + 1) * sizeof(*ml->v))) ||
		    strset_add(&ml->seen, key, (void *)(ml->n + 1)) < 0)
			tool_die("out of memory");
		ml->v[ml->n] = (struct missing){ strdup(arch), strdup(so), NULL, 0 };
		i = ++ml->n;
	}
	m = &ml->v[i - 1];
	if (!m->arch || !m->soname || !(m->by = realloc(m->by, (m->nby + 1) * sizeof(*m->by))))
		tool_die("out of memory");
	m->by[m->nby++] = by;
}

/* ", provided in ROOT2 by CAT/PF, CAT/PF" or ", provided by no package in ROOT2" */
static void
print_providers(struct vdb *db2, const struct vdb_sonames *so2, const struct missing *m)
{
	const size_t *idx;
	size_t k = vdb_sonames_find(so2, m->arch, m->soname, &idx);

	if (!k) {
		printf(", provided by no package in %s", db2->root);
		return;
	}
	printf(", provided in %s by", db2->root);
	for (size_t i = 0; i < k; i++)
		printf("%s %s", i ? "," : "", db2->pkgs[idx[i]].atom);
}

/* One line a missing soname ("x86_64 libgcc_s.so.1") or, VERBOSE, one a
 * package that requires it, with the packages of DB2 that provide it
 * when DB2 is not NULL. */
static int
print_missing(const struct missing_list *ml, struct vdb *db2)
{
	struct vdb_sonames *so2 = NULL;

	if (db2 && !(so2 = vdb_sonames_provided(db2)))
		return tool_warn_err(NULL, "%s: PROVIDES", db2->root);
	for (size_t i = 0; i < ml->n; i++) {
		const struct missing *m = &ml->v[i];

		if (!verbose && !db2) {
			printf("%s %s%c", m->arch, m->soname, sep);
			continue;
		}
		for (size_t j = 0; j < m->nby; j++) {
			printf("%s needs %s (%s)", m->by[j]->atom, m->soname, m->arch);
			if (db2)
				print_providers(db2, so2, m);
			putchar(sep);
		}
	}
	vdb_sonames_free(so2);
	return 0;
}

static void
missing_free(struct missing_list *ml)
{
	for (size_t i = 0; i < ml->n; i++) {
		free(ml->v[i].arch);
		free(ml->v[i].soname);
		free(ml->v[i].by);
	}
	free(ml->v);
	strset_free(&ml->seen);
}

static int
cmd_needs(struct vdb *db, char **args, int n)
{
	struct vdb_pkg **pkgs;
	struct missing_list ml = { 0 };
	struct vdb db2;
	size_t np;
	char *in = calloc(db->npkgs + 1, 1);
	int status = resolve_all(db, args, n, &pkgs, &np);

	if (status || !in)
		return 1;
	if (providers_root && !missing_only)
		tool_usage(usage_text);
	if (providers_root && vdb_open(&db2, providers_root))
		tool_die("--providers %s:", providers_root);
	if (vdb_needs(db, pkgs, np, in, missing_only ? missing_cb : NULL, &ml))
		status = tool_warn_err(NULL, "needs");
	else if (missing_only)
		status = print_missing(&ml, providers_root ? &db2 : NULL);
	if (!missing_only)
		for (size_t i = 0; i < db->npkgs; i++)
			if (in[i])
				out(db->pkgs[i].atom);
	if (providers_root)
		vdb_close(&db2);
	missing_free(&ml);
	free(in);
	free(pkgs);
	return status;
}

static void
report_cb(const char *zing, const char *desc, const char *type, const char *path, void *arg)
{
	(void)arg;
	/* Portage's show_unmerge: "%s %s %s %s" % (zing, desc.ljust(8), type, path) */
	if (dry_run || verbose || !strcmp(zing, "<<<"))
		printf("%s %-8s %s %s%c", zing, desc, type, path, sep);
}

static int
cmd_unmerge(struct vdb *db, char **args, int n)
{
	struct vdb_pkg **pkgs;
	size_t np;
	int status;
	struct err e;
	const char *features = getenv("FEATURES");
	struct vdb_unmerge_opts o = {
		.dry_run = dry_run,
		/* Portage reads both from its configuration; here the environment */
		.config_protect = cfg_protect ? cfg_protect : getenv("CONFIG_PROTECT"),
		.config_protect_mask = cfg_protect_mask ? cfg_protect_mask : getenv("CONFIG_PROTECT_MASK"),
		.report = report_cb,
	};

	if (!n)
		tool_usage(usage_text);
	o.orphans = orphans >= 0 ? orphans : features && strstr(features, "unmerge-orphans") != NULL;
	if ((status = resolve_all(db, args, n, &pkgs, &np)))
		return status;
	if (vdb_unmerge(db, pkgs, np, &o, &e))
		status = tool_warn_err(&e, "unmerge");
	free(pkgs);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "null", no_argument, NULL, '0' },
		{ "type", required_argument, NULL, 't' },
		{ "dirs", no_argument, NULL, 'd' },
		{ "from", no_argument, NULL, 'f' },
		{ "missing", no_argument, NULL, 'm' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "config-protect", required_argument, NULL, 'P' },
		{ "config-protect-mask", required_argument, NULL, 'M' },
		{ "unmerge-orphans", no_argument, NULL, 'O' },
		{ "providers", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		const char *name;
		int (*fn)(struct vdb *, char **, int);
	} cmds[] = {
		{ "list", cmd_list }, { "files", cmd_files }, { "owner", cmd_owner },
		{ "info", cmd_info }, { "needs", cmd_needs }, { "unmerge", cmd_unmerge },
	};
	struct vdb db;
	int c, status;
	size_t i;

	static char obuf[1 << 16];

	tool_name = "vdb";
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	while ((c = getopt_long(argc, argv, "0R:t:dfmnvh", opts, NULL)) != -1) {
		switch (c) {
		case 'R': root = optarg; break;
		case '0': sep = '\0'; break;
		case 't':
			if ((type_mask = contents_type_mask(optarg)) < 0)
				tool_die("--type %s: want a comma list of dir,obj,sym,dev,fif", optarg);
			break;
		case 'd': with_dirs = 1; break;
		case 'f': break;	/* the ATOMs after `needs` are the start set */
		case 'm': missing_only = 1; break;
		case 'n': dry_run = 1; break;
		case 'v': verbose = 1; break;
		case 'P': cfg_protect = optarg; break;
		case 'M': cfg_protect_mask = optarg; break;
		case 'O': orphans = 1; break;
		case 'S': providers_root = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: tool_usage(usage_text);
		}
	}
	if (optind >= argc)
		tool_usage(usage_text);
	for (i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
		if (!strcmp(argv[optind], cmds[i].name))
			break;
	if (i == sizeof(cmds) / sizeof(*cmds)) {
		tool_warn("unknown command '%s'", argv[optind]);
		tool_usage(usage_text);
	}
	if (vdb_open(&db, root))
		tool_die("%s:", root);
	status = cmds[i].fn(&db, argv + optind + 1, argc - optind - 1);
	vdb_close(&db);
	return tool_finish(status);
}
