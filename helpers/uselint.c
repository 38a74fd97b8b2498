/* uselint: every USE flag an image sets must exist in the IUSE of the
 * ebuilds it applies to (Portage ignores unknown ones silently), and
 * every atom it names must match the tree (and its KEYWORDS, with
 * --arch): checked in seconds, before anything is compiled. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/uselint.h"
#include "tool.h"

static const char usage_text[] =
	"uselint [--repo DIR] [--package-use PATH]... [--use FLAGS] [--use-origin TEXT]\n"
	"        [--packages ATOMS [--packages-origin TEXT]] [--provided ATOMS [--provided-origin TEXT]]\n"
	"        [--unmerge ATOMS [--unmerge-origin TEXT]]\n"
	"        [--arch ARCH [--keywords TOKENS] [--accept-keywords PATH]] [--as FROM=TO]...\n"
	"  --repo DIR         ebuild repository with metadata/md5-cache (default /var/db/repos/gentoo)\n"
	"  --package-use PATH package.use file or directory (read as Portage does)\n"
	"  --use FLAGS        the global USE: each flag in profiles/use.desc or some IUSE\n"
	"  --use-origin TEXT  where --use came from, for the messages (default USE)\n"
	"  --packages ATOMS   emerge's atoms: each must match an ebuild (a visible one with --arch)\n"
	"  --provided ATOMS   package.provided entries: CAT/PN-VERSION, CAT/PN in the tree\n"
	"  --unmerge ATOMS    packages to remove: each CAT/PN in the tree\n"
	"  --*-origin TEXT    where the atoms came from, for the messages (default PACKAGES, ...)\n"
	"  --arch ARCH        check KEYWORDS for ARCH (amd64, arm64) as Portage does\n"
	"  --keywords TOKENS  the global ACCEPT_KEYWORDS (default ARCH)\n"
	"  --accept-keywords PATH  package.accept_keywords file or directory\n"
	"  --as FROM=TO       show file names under FROM as under TO\n";

/* the command line */
struct opts {
	const char *repo, *use, *packages, *provided, *unmerge;
	const char *packages_origin, *provided_origin, *unmerge_origin;
	const char *arch, *keywords, *accept_keywords;
	const char **pu;	/* --package-use */
	size_t npu;
};

struct rewrite {
	char *from, *to;
};

static struct rewrite *rewrites;
static size_t nrewrites;
static const char *use_origin = "USE";

static void
add_rewrite(const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct rewrite *nr;
	size_t lf;

	if (!eq || eq == arg)
		tool_usage(usage_text);
	if (!(nr = realloc(rewrites, (nrewrites + 1) * sizeof(*nr))))
		tool_die("out of memory");
	rewrites = nr;
	lf = eq - arg;
	while (lf > 1 && arg[lf - 1] == '/')
		lf--;
	if (!(nr[nrewrites].from = strndup(arg, lf)) || !(nr[nrewrites].to = strdup(eq + 1)))
		tool_die("out of memory");
	nrewrites++;
}

/* FILE as the user should see it: the first --as whose FROM is FILE or
 * one of its parent directories. */
static void
print_file(FILE *f, const char *file)
{
	for (size_t i = 0; i < nrewrites; i++) {
		size_t l = strlen(rewrites[i].from);

		if (!strncmp(file, rewrites[i].from, l) && (file[l] == '/' || !file[l])) {
			fprintf(f, "%s%s", rewrites[i].to, file + l);
			return;
		}
	}
	fputs(file, f);
}

/* the same, as a malloc()ed string */
static char *
shown_file(const char *file)
{
	char *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		tool_die("out of memory");
	print_file(f, file);
	if (fclose(f))
		tool_die("out of memory");
	return s;
}

static void
report(const struct uselint_diag *d, void *arg)
{
	(void)arg;
	if (d->file) {
		print_file(stderr, d->file);
		fprintf(stderr, ":%zu: %s: %s\n", d->line, d->atom, d->msg);
	} else {
		fprintf(stderr, "%s: %s\n", d->origin, d->msg);
	}
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	enum { PACKAGES = 256, PACKAGES_ORIGIN, PROVIDED, PROVIDED_ORIGIN, UNMERGE, UNMERGE_ORIGIN,
	       ARCH, KEYWORDS, ACCEPT_KEYWORDS };
	static const struct option opts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "package-use", required_argument, NULL, 'p' },
		{ "use", required_argument, NULL, 'u' },
		{ "use-origin", required_argument, NULL, 'o' },
		{ "packages", required_argument, NULL, PACKAGES },
		{ "packages-origin", required_argument, NULL, PACKAGES_ORIGIN },
		{ "provided", required_argument, NULL, PROVIDED },
		{ "provided-origin", required_argument, NULL, PROVIDED_ORIGIN },
		{ "unmerge", required_argument, NULL, UNMERGE },
		{ "unmerge-origin", required_argument, NULL, UNMERGE_ORIGIN },
		{ "arch", required_argument, NULL, ARCH },
		{ "keywords", required_argument, NULL, KEYWORDS },
		{ "accept-keywords", required_argument, NULL, ACCEPT_KEYWORDS },
		{ "as", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .repo = "/var/db/repos/gentoo", .packages_origin = "PACKAGES",
			    .provided_origin = "PROVIDED", .unmerge_origin = "UNMERGE" };
	while ((c = getopt_long(argc, argv, "r:p:u:o:a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': o->repo = optarg; break;
		case 'p':
			if (!(o->pu = realloc(o->pu, (o->npu + 1) * sizeof(*o->pu))))
				tool_die("out of memory");
			o->pu[o->npu++] = optarg;
			break;
		case 'u': o->use = optarg; break;
		case 'o': use_origin = optarg; break;
		case PACKAGES: o->packages = optarg; break;
		case PACKAGES_ORIGIN: o->packages_origin = optarg; break;
		case PROVIDED: o->provided = optarg; break;
		case PROVIDED_ORIGIN: o->provided_origin = optarg; break;
		case UNMERGE: o->unmerge = optarg; break;
		case UNMERGE_ORIGIN: o->unmerge_origin = optarg; break;
		case ARCH: o->arch = optarg; break;
		case KEYWORDS: o->keywords = optarg; break;
		case ACCEPT_KEYWORDS: o->accept_keywords = optarg; break;
		case 'a': add_rewrite(optarg); break;
		case 'h': fputs(usage_text, stdout); exit(tool_finish(0));
		default: tool_usage(usage_text);
		}
	}
	if (optind != argc || (!o->use && !o->npu && !o->packages && !o->provided && !o->unmerge) ||
	    ((o->keywords || o->accept_keywords) && !o->arch))
		tool_usage(usage_text);
}

/* keywords for --packages: package.accept_keywords named in advice as
 * the image has it (--as), /etc/portage's when none is given */
static void
set_keywords(struct uselint *u, const struct opts *o)
{
	char *shown = shown_file(o->accept_keywords ? o->accept_keywords : "/etc/portage/package.accept_keywords");
	struct err e;

	if (uselint_keywords(u, o->arch, o->keywords, o->accept_keywords, shown, &e))
		tool_die_err(&e, NULL);
	free(shown);
}

static void
run_checks(struct uselint *u, const struct opts *o)
{
	struct err e;

	if (o->use && uselint_check_use(u, o->use, use_origin, &e))
		tool_die_err(&e, NULL);
	for (size_t i = 0; i < o->npu; i++)
		if (uselint_check_package_use(u, o->pu[i], &e))
			tool_die_err(&e, NULL);
	if (o->arch)
		set_keywords(u, o);
	if ((o->packages && uselint_check_packages(u, o->packages, o->packages_origin, &e)) ||
	    (o->provided && uselint_check_provided(u, o->provided, o->provided_origin, &e)) ||
	    (o->unmerge && uselint_check_unmerge(u, o->unmerge, o->unmerge_origin, &e)))
		tool_die_err(&e, NULL);
}

/* "N lines, M flags[, A atoms] checked against K ebuilds" */
static void
print_summary(const struct uselint *u, FILE *f)
{
	fprintf(f, "%zu lines, %zu flags", u->nlines, u->nflags);
	if (u->natoms)
		fprintf(f, ", %zu atoms", u->natoms);
	fprintf(f, " checked against %zu ebuilds", uselint_ebuilds(u));
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct uselint u;
	struct err e;
	int status;

	tool_name = "uselint";
	parse_args(argc, argv, &o);
	if (uselint_open(&u, o.repo, report, NULL, &e))
		tool_die_err(&e, NULL);
	run_checks(&u, &o);
	if (u.nerrors) {
		fprintf(stderr, "uselint: %zu error%s (", u.nerrors, u.nerrors == 1 ? "" : "s");
		print_summary(&u, stderr);
		fputs(")\n", stderr);
	} else {
		fputs("uselint: ", stdout);
		print_summary(&u, stdout);
		putchar('\n');
	}
	status = u.nerrors ? 1 : 0;
	uselint_close(&u);
	for (size_t i = 0; i < nrewrites; i++)
		free(rewrites[i].from), free(rewrites[i].to);
	free(rewrites);
	free(o.pu);
	return tool_finish(status);
}
