/* uselint: every USE flag an image sets must exist in the IUSE of the
 * ebuilds it applies to (Portage ignores unknown ones silently). */
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
	"        [--as FROM=TO]...\n"
	"  --repo DIR         ebuild repository with metadata/md5-cache (default /var/db/repos/gentoo)\n"
	"  --package-use PATH package.use file or directory (read as Portage does)\n"
	"  --use FLAGS        the global USE: each flag in profiles/use.desc or some IUSE\n"
	"  --use-origin TEXT  where --use came from, for the messages (default USE)\n"
	"  --as FROM=TO       show file names under FROM as under TO\n";

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

static void
report(const struct uselint_diag *d, void *arg)
{
	(void)arg;
	if (d->file) {
		print_file(stderr, d->file);
		fprintf(stderr, ":%zu: %s: %s\n", d->line, d->atom, d->msg);
	} else {
		fprintf(stderr, "%s: %s\n", use_origin, d->msg);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "package-use", required_argument, NULL, 'p' },
		{ "use", required_argument, NULL, 'u' },
		{ "use-origin", required_argument, NULL, 'o' },
		{ "as", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *repo = "/var/db/repos/gentoo", *use = NULL;
	const char **pu = NULL;
	size_t npu = 0;
	struct uselint u;
	struct err e;
	int c;

	tool_name = "uselint";
	while ((c = getopt_long(argc, argv, "r:p:u:o:a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': repo = optarg; break;
		case 'p':
			if (!(pu = realloc(pu, (npu + 1) * sizeof(*pu))))
				tool_die("out of memory");
			pu[npu++] = optarg;
			break;
		case 'u': use = optarg; break;
		case 'o': use_origin = optarg; break;
		case 'a': add_rewrite(optarg); break;
		case 'h':
			fputs(usage_text, stdout);
			return tool_finish(0);
		default: tool_usage(usage_text);
		}
	}
	if (optind != argc || (!use && !npu))
		tool_usage(usage_text);
	if (uselint_open(&u, repo, report, NULL, &e))
		tool_die_err(&e, NULL);
	if (use && uselint_check_use(&u, use, &e))
		tool_die_err(&e, NULL);
	for (size_t i = 0; i < npu; i++)
		if (uselint_check_package_use(&u, pu[i], &e))
			tool_die_err(&e, NULL);
	if (u.nerrors)
		fprintf(stderr, "uselint: %zu error%s (%zu lines, %zu flags checked against %zu ebuilds)\n",
			u.nerrors, u.nerrors == 1 ? "" : "s", u.nlines, u.nflags, uselint_ebuilds(&u));
	else
		printf("uselint: %zu lines, %zu flags checked against %zu ebuilds\n",
		       u.nlines, u.nflags, uselint_ebuilds(&u));
	c = u.nerrors ? 1 : 0;
	uselint_close(&u);
	for (size_t i = 0; i < nrewrites; i++)
		free(rewrites[i].from), free(rewrites[i].to);
	free(rewrites);
	free(pu);
	return tool_finish(c);
}
