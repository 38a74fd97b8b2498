/* mkimage: write a reproducible one-layer FROM-scratch image archive from a
 * root directory or a tar stream, with the runtime config of image.yaml. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/hex.h"
#include "lib/imgconf.h"
#include "lib/layer.h"
#include "lib/oci.h"
#include "lib/zsink.h"
#include "tool.h"

static const char usage_text[] =
	"mkimage --config image.yaml (--rootfs DIR | --tar FILE|-) [--overlay DIR]...\n"
	"        --tag NAME[:TAG] [--tag ...] --out image.tar\n"
	"        [--compress gzip|zstd|none] [--level N] [--jobs N]\n"
	"        [--source-date-epoch N] [--arch amd64|arm64] [--label K=V]... [--print-digest]\n"
	"mkimage --config image.yaml --check   (image.yaml only, as a build reads it: silent\n"
	"        and 0 when it is valid, else its file:line:column and 1)\n";

/* the command line */
struct opts {
	const char *config, *rootfs, *tar, *out, *arch;
	const char **overlays, **tags;
	char **labels;
	int noverlays, ntags, nlabels, level, jobs, print, check;
	enum zsink_kind kind;
	long long sde;		/* -1: not given */
};

static char tmp_out[4096];	/* removed if we are interrupted */

static void
on_signal(int sig)
{
	if (tmp_out[0])
		unlink(tmp_out);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
sink(void *arg, const void *buf, size_t len)
{
	return zsink_write(arg, buf, len);
}

static long long
number(const char *opt, const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		tool_die("%s %s: want a whole number from %lld to %lld", opt, s, min, max);
	return v;
}

/* one option of the getopt loop */
static void
set_option(struct opts *o, int c, char *arg)
{
	switch (c) {
	case 'c': o->config = arg; break;
	case 'r': o->rootfs = arg; break;
	case 't': o->tar = arg; break;
	case 'O': o->overlays[o->noverlays++] = arg; break;
	case 'T': o->tags[o->ntags++] = arg; break;
	case 'o': o->out = arg; break;
	case 'z':
		if (!strcmp(arg, "gzip")) o->kind = ZSINK_GZIP;
		else if (!strcmp(arg, "zstd")) o->kind = ZSINK_ZSTD;
		else if (!strcmp(arg, "none")) o->kind = ZSINK_NONE;
		else tool_die("--compress %s: want gzip, zstd or none", arg);
		break;
	case 'l': o->level = (int)number("--level", arg, 0, 19); break;
	case 'j': o->jobs = (int)number("--jobs", arg, 1, 256); break;
	case 's': o->sde = number("--source-date-epoch", arg, 1, 253402300799LL); break;
	case 'a':
		if (strcmp(arg, "amd64") && strcmp(arg, "arm64"))
			tool_die("--arch %s: want amd64 or arm64", arg);
		o->arch = arg;
		break;
	case 'L':
		if (!strchr(arg, '=') || arg[0] == '=')
			tool_die("--label %s: want KEY=VALUE", arg);
		o->labels[o->nlabels++] = arg;
		break;
	case 'p': o->print = 1; break;
	case 'C': o->check = 1; break;
	case 'h': fputs(usage_text, stdout); exit(0);
	default: tool_usage(usage_text);
	}
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "rootfs", required_argument, NULL, 'r' },
		{ "tar", required_argument, NULL, 't' },
		{ "overlay", required_argument, NULL, 'O' },
		{ "tag", required_argument, NULL, 'T' },
		{ "out", required_argument, NULL, 'o' },
		{ "compress", required_argument, NULL, 'z' },
		{ "level", required_argument, NULL, 'l' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "source-date-epoch", required_argument, NULL, 's' },
		{ "arch", required_argument, NULL, 'a' },
		{ "label", required_argument, NULL, 'L' },
		{ "print-digest", no_argument, NULL, 'p' },
		{ "check", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("SOURCE_DATE_EPOCH");
	int c;

	*o = (struct opts){ .arch = "amd64", .level = -1, .kind = ZSINK_GZIP, .sde = -1 };
	o->overlays = calloc(argc, sizeof(char *));
	o->tags = calloc(argc, sizeof(char *));
	o->labels = calloc(argc, sizeof(char *));
	if (!o->overlays || !o->tags || !o->labels)
		tool_die("out of memory");
	while ((c = getopt_long(argc, argv, "c:r:t:O:T:o:z:l:j:s:a:L:ph", opts, NULL)) != -1)
		set_option(o, c, optarg);
	if (optind != argc || !o->config)
		tool_usage(usage_text);
	if (o->check)
		return;	/* image.yaml only */
	if (!o->out || !o->ntags || !!o->rootfs == !!o->tar)
		tool_usage(usage_text);
	if (o->kind == ZSINK_GZIP && o->level > 9)
		tool_die("--level %d: gzip levels go from 0 to 9", o->level);
	if (o->sde < 0 && env && *env)
		o->sde = number("SOURCE_DATE_EPOCH", env, 1, 253402300799LL);
}

/* image.yaml, the --label options laid over its labels; the --tag
 * options checked */
static void
load_config(const struct opts *o, struct imgconf *conf)
{
	struct err e;

	if (imgconf_load(o->config, conf, &e))
		tool_die_err(&e, NULL);
	for (int i = 0; i < o->nlabels; i++) {
		char *eq = strchr(o->labels[i], '=');
		json_t *l = json_object_get(conf->config, "Labels");

		if (!l)
			json_object_set_new(conf->config, "Labels", l = json_object());
		*eq = '\0';
		json_object_set_new(l, o->labels[i], json_string(eq + 1));
	}
	for (int i = 0; i < o->ntags; i++) {
		char full[512];
		const char *t;

		if (oci_normalize_ref(o->tags[i], full, sizeof(full), &t))
			tool_die("--tag %s: not an image reference (NAME[:TAG])", o->tags[i]);
	}
}

/* the root: --rootfs, or --tar (its data spooled in OUTDIR) */
static void
add_root(const struct opts *o, const char *outdir, struct layer *l)
{
	struct err e;
	int fd;

	if (o->rootfs) {
		if (layer_add_dir(l, o->rootfs, 0, &e))
			tool_die_err(&e, NULL);
		return;
	}
	if ((fd = strcmp(o->tar, "-") ? open(o->tar, O_RDONLY | O_CLOEXEC) : 0) < 0)
		tool_die("%s:", o->tar);
	if (layer_add_tar(l, fd, outdir, &e))
		tool_die_err(&e, "%s", strcmp(o->tar, "-") ? o->tar : "standard input");
	if (fd)
		close(fd);
}

/* the root's newest mtime unless given (overlays do not count) */
static long long
source_date_epoch(const struct opts *o, const struct layer *l)
{
	if (o->sde >= 0)
		return o->sde;
	if (l->newest <= 0)
		tool_die("the root's newest mtime is %lld; pass --source-date-epoch", (long long)l->newest);
	return l->newest;
}

static void
add_overlays_and_sort(const struct opts *o, struct layer *l)
{
	struct err e;

	for (int i = 0; i < o->noverlays; i++)
		if (layer_add_dir(l, o->overlays[i], 1, &e))
			tool_die_err(&e, NULL);
	if (layer_sort(l, &e))
		tool_die_err(&e, NULL);
}

/* OUT.tmp-XXXXXX, removed on failure or a signal */
static int
open_tmp_out(const char *out)
{
	int fd;

	snprintf(tmp_out, sizeof(tmp_out), "%s.tmp-XXXXXX", out);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, on_signal);
	if ((fd = mkstemp(tmp_out)) < 0) {
		tmp_out[0] = '\0';
		tool_die("%s:", out);
	}
	return fd;
}

static void __attribute__((noreturn))
die_removing_tmp(const char *out)
{
	int saved = errno;

	unlink(tmp_out);
	errno = saved;
	tool_die("%s:", out);
}

/* the layer, compressed into LAYERFD; frees L */
static void
write_layer(const struct opts *o, struct layer *l, long long sde, int layerfd, struct zsink_result *res)
{
	struct zsink *z = zsink_open(layerfd, o->kind, o->level, o->jobs);
	struct err e;

	if (!z)
		die_removing_tmp(o->out);
	if (layer_write(l, sde, sink, z, &e)) {
		zsink_abort(z);
		unlink(tmp_out);
		tool_die_err(&e, NULL);
	}
	if (zsink_close(z, res))
		die_removing_tmp(o->out);
	layer_free(l);
}

static const char *
layer_media_type(enum zsink_kind kind)
{
	return kind == ZSINK_GZIP ? "application/vnd.oci.image.layer.v1.tar+gzip"
	       : kind == ZSINK_ZSTD ? "application/vnd.oci.image.layer.v1.tar+zstd"
				    : "application/vnd.oci.image.layer.v1.tar";
}

/* the archive into OUTFD, renamed to OUT when complete; IMG gets the
 * digests */
static void
write_archive(const struct opts *o, const struct imgconf *conf, long long sde, int layerfd,
	      const struct zsink_result *res, int outfd, struct oci_image *img)
{
	struct oci_layer layer = { .fd = layerfd, .size = res->csize, .media_type = layer_media_type(o->kind) };
	char created[32];
	struct tm tm;
	time_t t = (time_t)sde;
	json_t *history;
	struct err e;

	hex_encode(res->csha, 32, layer.digest);
	hex_encode(res->usha, 32, layer.diff_id);
	gmtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	history = json_pack("[{s:s, s:s}]", "created", created, "created_by", "scratchmerge mkimage");
	img->layers = &layer;
	img->nlayers = 1;
	img->history = history;
	img->runtime = conf->config;
	img->annotations = conf->annotations;
	img->arch = o->arch;
	img->created = sde;
	img->tags = o->tags;
	img->ntags = o->ntags;
	if (oci_write(img, outfd, &e)) {
		unlink(tmp_out);
		tool_die_err(&e, "%s", o->out);
	}
	json_decref(history);
	if (fchmod(outfd, 0644) || close(outfd) || rename(tmp_out, o->out))
		die_removing_tmp(o->out);
	tmp_out[0] = '\0';
}

int
main(int argc, char **argv)
{
	char tmp[4096], outdir[4096];
	struct opts o;
	struct imgconf conf;
	struct layer layer;
	struct zsink_result res;
	struct oci_image img = { 0 };
	long long sde;
	int layerfd, outfd;

	tool_name = "mkimage";
	parse_args(argc, argv, &o);
	load_config(&o, &conf);
	if (o.check) {	/* before any build: a bad image.yaml found in milliseconds */
		imgconf_free(&conf);
		return tool_finish(0);
	}
	snprintf(tmp, sizeof(tmp), "%s", o.out);
	snprintf(outdir, sizeof(outdir), "%s", dirname(tmp));
	layer_init(&layer);
	add_root(&o, outdir, &layer);
	sde = source_date_epoch(&o, &layer);
	add_overlays_and_sort(&o, &layer);
	/* the layer goes to an anonymous file, the archive to OUT.tmp-XXXXXX,
	 * renamed into place only when complete */
	if ((layerfd = open(outdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0)
		tool_die("%s: cannot create a temporary file:", outdir);
	outfd = open_tmp_out(o.out);
	write_layer(&o, &layer, sde, layerfd, &res);
	write_archive(&o, &conf, sde, layerfd, &res, outfd, &img);
	close(layerfd);
	imgconf_free(&conf);
	if (o.print)
		printf("sha256:%s\n", img.manifest_digest);
	free(o.overlays);
	free(o.tags);
	free(o.labels);
	return tool_finish(0);
}
