/* sbom: the SPDX document of an image (from the VDB saved before PRUNE and
 * the image archive), its check against an archive, and the image report. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/layer.h"
#include "lib/oci.h"
#include "lib/outfile.h"
#include "lib/sbom.h"
#include "tool.h"

static const char usage_text[] =
	"sbom spdx   --image image.tar --vdb ROOT --name NAME [--from-builder 'CAT/PN ...']\n"
	"            [--libs-from-builder 'CAT/PN ...'] [--parent-vdb ROOT --parent-name NAME]\n"
	"            [--out FILE]\n"
	"sbom verify --image image.tar SBOM.spdx.json\n"
	"sbom attach --image image.tar SBOM.spdx.json   (the SBOM into the archive, as an\n"
	"            OCI artifact with subject = the image, ref name \"sbom\")\n"
	"sbom report --image image.tar --vdb ROOT --name NAME [--from-builder ...]\n"
	"            [--libs-from-builder ...] [--parent-vdb ROOT] [--parent-name NAME]\n"
	"            [--prune-log F] [--unmerge-log F]\n"
	"            [--prune-sizes F] [--unmerge-sizes F] [--top N] [--json FILE]\n"
	"ROOT holds var/db/pkg: the VDB of the image's ROOT, saved before PRUNE;\n"
	"--parent-vdb the parent image's (its packages are marked as the parent's).\n";

static char **words;
static size_t nwords;

/* split a space-separated list into ARGV-like words, appended to *V */
static void
split(const char *s, char ***v, size_t *n)
{
	char *c = strdup(s), *save, *t;

	if (!c)
		tool_die("out of memory");
	for (t = strtok_r(c, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		if (!(*v = realloc(*v, (*n + 1) * sizeof(**v))))
			tool_die("out of memory");
		(*v)[(*n)++] = t;
	}
	words = realloc(words, (nwords + 1) * sizeof(*words));
	words[nwords++] = c;
}

static void
problem(const char *what, const char *detail, void *arg)
{
	(void)arg;
	tool_warn("%s: %s", what, detail);
}

static void
human(long long b, char *out, size_t n)
{
	if (b >= 10 << 20)
		snprintf(out, n, "%lld MiB", b >> 20);
	else if (b >= 10 << 10)
		snprintf(out, n, "%lld KiB", b >> 10);
	else
		snprintf(out, n, "%lld B", b);
}

/* the layers, bottom first: which image each comes from, its sizes */
static void
print_layers(json_t *r)
{
	json_t *v, *a = json_object_get(r, "layers");
	size_t i;
	int own = 0;

	printf("\nlayers (bottom first; paths and bytes: what of the image's files each holds):\n");
	json_array_foreach(a, i, v) {
		char c[32], u[32], b[32];
		const char *image = json_string_value(json_object_get(v, "image"));
		int parent = json_is_true(json_object_get(v, "from_parent"));

		human(json_integer_value(json_object_get(v, "compressed_bytes")), c, sizeof(c));
		human(json_integer_value(json_object_get(v, "uncompressed_bytes")), u, sizeof(u));
		human(json_integer_value(json_object_get(v, "bytes")), b, sizeof(b));
		printf("  %2lld  %.19s  %10s compressed  %10s uncompressed  %5lld paths %10s  %s (%s)\n",
		       (long long)json_integer_value(json_object_get(v, "layer")),
		       json_string_value(json_object_get(v, "digest")), c, u,
		       (long long)json_integer_value(json_object_get(v, "paths")), b, image ? image : "unknown image",
		       parent ? "a parent's" : "this image's");
		own |= !parent;
	}
	if (json_array_size(a) && !own)
		printf("  (this image adds no layer: nothing differs from its parent)\n");
}

static void
print_report(json_t *r)
{
	json_t *v, *a;
	size_t i;
	char h[32];

	human(json_integer_value(json_object_get(r, "bytes")), h, sizeof(h));
	printf("image %s %s: %lld files, %s\n", json_string_value(json_object_get(r, "image")),
	       json_string_value(json_object_get(r, "digest")),
	       (long long)json_integer_value(json_object_get(r, "files")), h);
	print_layers(r);
	printf("\npackages by size:\n");
	json_array_foreach(json_object_get(r, "packages"), i, v) {
		const char *fb = json_string_value(json_object_get(v, "from_builder"));
		const char *fp = json_string_value(json_object_get(v, "from_parent"));

		human(json_integer_value(json_object_get(v, "bytes")), h, sizeof(h));
		printf("  %10s  %4lld files  %s%s%s%s%s%s%s\n", h, (long long)json_integer_value(json_object_get(v, "files")),
		       json_string_value(json_object_get(v, "package")), fb ? "  (copied from the builder: " : "",
		       fb ? fb : "", fb ? ")" : "", fp ? "  (from the parent image " : "", fp ? fp : "", fp ? ")" : "");
	}
	a = json_object_get(r, "unowned");
	human(json_integer_value(json_object_get(a, "bytes")), h, sizeof(h));
	printf("  %10s  %4lld files  (owned by no package)\n", h, (long long)json_integer_value(json_object_get(a, "files")));
	printf("\nbiggest files:\n");
	json_array_foreach(json_object_get(r, "biggest_files"), i, v) {
		const char *p = json_string_value(json_object_get(v, "package"));

		human(json_integer_value(json_object_get(v, "bytes")), h, sizeof(h));
		printf("  %10s  %s  (%s)\n", h, json_string_value(json_object_get(v, "path")), p ? p : "no package");
	}
	for (int k = 0; k < 2; k++) {
		const char *key = k ? "unmerged" : "pruned";
		json_t *o = json_object_get(r, key), *b = json_object_get(o, "bytes");

		if (b)
			human(json_integer_value(b), h, sizeof(h));
		printf("\nremoved by %s: %zu paths, %s\n", k ? "UNMERGE" : "PRUNE",
		       json_array_size(json_object_get(o, "paths")), b ? h : "size unknown");
		json_array_foreach(json_object_get(o, "paths"), i, v) {
			json_t *pb = json_object_get(v, "bytes");

			if (pb)
				human(json_integer_value(pb), h, sizeof(h));
			printf("  %10s  %s\n", pb ? h : "", json_string_value(json_object_get(v, "path")));
		}
	}
	printf("\nsetuid, setgid and file capabilities:\n");
	a = json_object_get(r, "special_files");
	if (!json_array_size(a))
		printf("  none\n");
	json_array_foreach(a, i, v) {
		const char *p = json_string_value(json_object_get(v, "package"));

		printf("  %s  %s%s%s%s uid %lld gid %lld  (%s)\n", json_string_value(json_object_get(v, "mode")),
		       json_string_value(json_object_get(v, "path")),
		       json_is_true(json_object_get(v, "setuid")) ? " setuid" : "",
		       json_is_true(json_object_get(v, "setgid")) ? " setgid" : "",
		       json_is_true(json_object_get(v, "capabilities")) ? " capabilities" : "",
		       (long long)json_integer_value(json_object_get(v, "uid")),
		       (long long)json_integer_value(json_object_get(v, "gid")), p ? p : "no package");
	}
	printf("\nwhat the config names (entrypoint, cmd, env, workdir):\n");
	json_array_foreach(json_object_get(r, "entrypoint"), i, v) {
		const char *p = json_string_value(json_object_get(v, "package"));

		printf("  %s  (%s)\n", json_string_value(json_object_get(v, "path")), p ? p : "owned by no package");
	}
	a = json_object_get(r, "unneeded_candidates");
	printf("\ncandidates for UNMERGE or PROVIDED (%s):\n", json_string_value(json_object_get(a, "rule")));
	if (!json_array_size(json_object_get(a, "packages")))
		printf("  none\n");
	json_array_foreach(json_object_get(a, "packages"), i, v) {
		human(json_integer_value(json_object_get(v, "bytes")), h, sizeof(h));
		printf("  %10s  %s\n", h, json_string_value(json_object_get(v, "package")));
	}
}

static int
write_json(json_t *j, const char *path)
{
	FILE *f = path ? fopen(path, "we") : stdout;
	int r;

	if (!f)
		tool_die("%s:", path);
	r = json_dumpf(j, f, JSON_INDENT(1) | JSON_SORT_KEYS);
	fputc('\n', f);
	if (path && (fclose(f) || r))
		tool_die("%s:", path);
	return r;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "vdb", required_argument, NULL, 'V' },
		{ "name", required_argument, NULL, 'n' },
		{ "from-builder", required_argument, NULL, 'b' },
		{ "libs-from-builder", required_argument, NULL, 'l' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "prune-log", required_argument, NULL, 'P' },
		{ "unmerge-log", required_argument, NULL, 'U' },
		{ "prune-sizes", required_argument, NULL, 'p' },
		{ "unmerge-sizes", required_argument, NULL, 'u' },
		{ "top", required_argument, NULL, 't' },
		{ "parent-vdb", required_argument, NULL, 'Q' },
		{ "parent-name", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = NULL, *vdb = NULL, *name = NULL, *out = NULL, *json = NULL, *cmd;
	const char *parent_vdb = NULL, *parent_name = NULL;
	struct sbom_removed rm = { 0 };
	char **whole = NULL, **libs = NULL;
	size_t nwhole = 0, nlibs = 0;
	int c, top = 15, status = 0;
	struct sbom s;
	struct err e;

	tool_name = "sbom";
	layer_names_utf8();	/* the layers' names, read */
	if (argc < 2)
		tool_usage(usage_text);
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': image = optarg; break;
		case 'V': vdb = optarg; break;
		case 'n': name = optarg; break;
		case 'b': split(optarg, &whole, &nwhole); break;
		case 'l': split(optarg, &libs, &nlibs); break;
		case 'o': out = optarg; break;
		case 'j': json = optarg; break;
		case 'P': rm.prune_log = optarg; break;
		case 'U': rm.unmerge_log = optarg; break;
		case 'p': rm.prune_sizes = optarg; break;
		case 'u': rm.unmerge_sizes = optarg; break;
		case 't': top = atoi(optarg); break;
		case 'Q': parent_vdb = optarg; break;
		case 'N': parent_name = optarg; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: tool_usage(usage_text);
		}
	}
	if (!strcmp(cmd, "verify")) {
		json_error_t je;
		json_t *doc;
		struct imgtar img;
		int bad;

		if (!image || optind != argc - 1)
			tool_usage(usage_text);
		if (!(doc = json_load_file(argv[optind], 0, &je)))
			tool_die("%s:%d:%d: %s", argv[optind], je.line, je.column, je.text);
		if (imgtar_read(&img, image, &e))
			tool_die_err(&e, NULL);
		bad = sbom_verify(doc, &img, problem, NULL);
		if (bad < 0)
			tool_die("%s: not an SPDX 2.3 document with files, packages and relationships", argv[optind]);
		if (bad)
			tool_warn("%s does not describe %s: %d problem(s)", argv[optind], image, bad);
		else
			printf("%s describes %s: every file and package checked\n", argv[optind], image);
		imgtar_free(&img);
		json_decref(doc);
		return tool_finish(bad ? 1 : 0);
	}
	if (!strcmp(cmd, "attach")) {
		char digest[65], *buf;
		FILE *f;
		long n;
		int fd;

		if (!image || optind != argc - 1)
			tool_usage(usage_text);
		if (!(f = fopen(argv[optind], "re")) || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) || !(buf = malloc(n + 1)) || fread(buf, 1, n, f) != (size_t)n)
			tool_die("%s:", argv[optind]);
		fclose(f);
		/* (an interrupted or failed attach leaves IMAGE as it was) */
		if ((fd = outfile_open(image, &e)) < 0)
			tool_die_err(&e, NULL);
		if (oci_attach(image, fd, buf, n, "application/spdx+json", "sbom.spdx.json", "sbom", digest, &e))
			tool_die_err(&e, NULL);
		if (outfile_commit(fd, &e))
			tool_die_err(&e, NULL);
		free(buf);
		printf("sha256:%s\n", digest);
		return tool_finish(0);
	}
	if ((strcmp(cmd, "spdx") && strcmp(cmd, "report")) || optind != argc || !image || !vdb || !name ||
	    (parent_vdb && !parent_name))
		tool_usage(usage_text);
	if (sbom_load(&s, image, vdb, whole, nwhole, libs, nlibs, &e))
		tool_die_err(&e, NULL);
	if (parent_vdb && sbom_mark_parent(&s, parent_vdb, parent_name, &e) < 0)
		tool_die_err(&e, "--parent-vdb");
	if (!strcmp(cmd, "spdx")) {
		json_t *doc = sbom_spdx(&s, name);

		if (!doc)
			tool_die("%s: the SPDX document:", name);
		status = write_json(doc, out);
		json_decref(doc);
	} else {
		json_t *r = sbom_report(&s, name, parent_name, &rm, top);

		if (!r)
			tool_die("%s: the report:", name);
		print_report(r);
		if (json)
			write_json(r, json);
		json_decref(r);
	}
	sbom_free(&s);
	for (size_t i = 0; i < nwords; i++)
		free(words[i]);
	free(words);
	free(whole);
	free(libs);
	return tool_finish(status ? 1 : 0);
}
