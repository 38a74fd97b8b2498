/* copyfiles: copy a list of paths from one root into another, exactly. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/copy.h"
#include "lib/err.h"
#include "tool.h"

static const char usage_text[] =
	"copyfiles --from SRC_ROOT --to DEST_ROOT [-0] [--ignore-missing] [-v] [--jobs N] < LIST\n"
	"  LIST: one path per line (NUL-separated with -0), as `vdb files` prints them\n";

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "null", no_argument, NULL, '0' },
		{ "ignore-missing", no_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *to = NULL;
	int c, sep = '\n', ignore_missing = 0, verbose = 0, status = 0;
	long threads = sysconf(_SC_NPROCESSORS_ONLN);
	struct copy_ctx ctx;
	struct err e;
	char *line = NULL;
	size_t cap = 0, missing = 0;
	ssize_t n;

	tool_name = "copyfiles";
	while ((c = getopt_long(argc, argv, "f:t:0ivj:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case '0': sep = '\0'; break;
		case 'i': ignore_missing = 1; break;
		case 'v': verbose = 1; break;
		case 'j':
			threads = strtol(optarg, NULL, 10);
			if (threads < 1 || threads > 64)
				tool_die("--jobs %s: want 1 to 64", optarg);
			threads = threads == 1 ? 0 : threads;
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: tool_usage(usage_text);
		}
	}
	if (!from || !to || optind != argc)
		tool_usage(usage_text);
	if (copy_init(&ctx, from, to, &e))
		tool_die_err(&e, NULL);
	ctx.threads = threads;
	while ((n = getdelim(&line, &cap, sep, stdin)) > 0) {
		if (line[n - 1] == sep)
			line[--n] = '\0';
		if (!n)
			continue;
		if (copy_path(&ctx, line, &e) == 0)
			continue;
		if (errno == ENOENT && !e.msg[0]) {	/* the path itself is not in FROM */
			missing++;
			if (ignore_missing) {
				tool_warn("warning: %s: not in %s, skipped", line, from);
				continue;
			}
			tool_warn("%s: not in %s (--ignore-missing skips such paths)", line, from);
		} else {
			tool_warn_err(&e, "%s", line);
		}
		status = 1;
	}
	if (ferror(stdin)) {
		tool_warn("reading the list:");
		status = 1;
	}
	free(line);
	if (copy_finish(&ctx, &e))
		status = tool_warn_err(&e, NULL);
	if (verbose)
		fprintf(stderr, "copyfiles: %llu files, %llu bytes%s\n", ctx.files, ctx.bytes,
			missing ? " (some missing)" : "");
	return tool_finish(status);
}
