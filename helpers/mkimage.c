/* mkimage: write a reproducible FROM-scratch image archive from a root
 * directory or a tar stream, with the runtime config of image.yaml: one
 * layer, or with --parent the parent image's layers as they are and one
 * layer of what differs; with --index, one archive of several platforms'
 * archives. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/hex.h"
#include "lib/imgconf.h"
#include "lib/imgtar.h"
#include "lib/layer.h"
#include "lib/oci.h"
#include "lib/outfile.h"
#include "lib/path.h"
#include "lib/zsink.h"
#include "tool.h"

static const char usage_text[] =
	"mkimage --config image.yaml (--rootfs DIR | --tar FILE|-) [--overlay DIR]...\n"
	"        --tag NAME[:TAG] [--tag ...] --out image.tar\n"
	"        [--compress gzip|zstd|none] [--level N] [--jobs N]\n"
	"        [--source-date-epoch N] [--arch amd64|arm64] [--label K=V]... [--print-digest]\n"
	"        [--name NAME] [--parent PARENT.tar]\n"
	"        [--prune 'GLOB...' [--keep 'PATH...'] [--cached-libs FILE] [--pruned FILE]]\n"
	"        (PRUNE and KEEP, whitespace-separated, on the root before the overlays;\n"
	"        FILE: the paths ld.so.cache names, one a line, which PRUNE must not remove;\n"
	"        --pruned: \"pruned /PATH\" for each path removed)\n"
	"mkimage --root-out FILE (--rootfs DIR | --tar FILE|-) [--overlay DIR]... [--prune ... --keep ...]\n"
	"        (the image's whole filesystem as one plain tar, the mtimes as they are:\n"
	"        what a child image's parent stage lays into its ROOT)\n"
	"mkimage --config image.yaml --check   (image.yaml only, as a build reads it: silent\n"
	"        and 0 when it is valid, else its file:line:column and 1)\n"
	"mkimage --index OUT.tar [--tag NAME[:TAG]]... [--load-platform OS/ARCH[/VARIANT]]\n"
	"        [--print-digest] ARCHIVE...   (one archive of every platform's image)\n";

/* the command line */
struct opts {
	const char *config, *rootfs, *tar, *out, *arch, *name, *parent, *index, *load_platform;
	const char *prune, *keep, *cached_libs, *pruned, *root_out;
	const char **overlays, **tags;
	char **labels;
	int noverlays, ntags, nlabels, level, jobs, print, check;
	enum zsink_kind kind;
	long long sde;		/* -1: not given */
};

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
	case 'n': o->name = arg; break;
	case 'P': o->parent = arg; break;
	case 'I': o->index = arg; break;
	case 'F': o->load_platform = arg; break;
	case 'X': o->prune = arg; break;
	case 'K': o->keep = arg; break;
	case 'B': o->cached_libs = arg; break;
	case 'R': o->pruned = arg; break;
	case 'W': o->root_out = arg; break;
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
		{ "name", required_argument, NULL, 'n' },
		{ "parent", required_argument, NULL, 'P' },
		{ "index", required_argument, NULL, 'I' },
		{ "load-platform", required_argument, NULL, 'F' },
		{ "prune", required_argument, NULL, 'X' },
		{ "keep", required_argument, NULL, 'K' },
		{ "cached-libs", required_argument, NULL, 'B' },
		{ "pruned", required_argument, NULL, 'R' },
		{ "root-out", required_argument, NULL, 'W' },
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
	if (o->index) {	/* only the archives, --tag, --load-platform, --print-digest */
		if (optind == argc || o->config || o->rootfs || o->tar || o->out || o->noverlays || o->nlabels ||
		    o->check || o->parent || o->name || o->sde >= 0)
			tool_usage(usage_text);
		return;
	}
	if (o->root_out) {	/* the root, the overlays, --prune, --keep */
		if (optind != argc || !!o->rootfs == !!o->tar || o->config || o->out || o->ntags || o->nlabels ||
		    o->parent || o->load_platform || o->sde >= 0 || (!o->prune && o->keep))
			tool_usage(usage_text);
		return;
	}
	if (optind != argc || !o->config || o->load_platform)
		tool_usage(usage_text);
	if (o->check)
		return;	/* image.yaml only */
	if (!o->out || !o->ntags || !!o->rootfs == !!o->tar ||
	    (!o->prune && (o->keep || o->cached_libs || o->pruned)))
		tool_usage(usage_text);
	if (o->kind == ZSINK_GZIP && o->level > 9)
		tool_die("--level %d: gzip levels go from 0 to 9", o->level);
	if (o->sde < 0 && env && *env)
		o->sde = number("SOURCE_DATE_EPOCH", env, 1, 253402300799LL);
}

/* what parse_args allocated */
static void
free_opts(const struct opts *o)
{
	free(o->overlays);
	free(o->tags);
	free(o->labels);
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

/* S's words (split at blanks) into *V, *N; S itself is cut up */
static void
words(char *s, char ***v, size_t *n)
{
	char *save = NULL;

	*n = 0;
	if (!(*v = calloc(strlen(s) / 2 + 2, sizeof(char *))))
		tool_die("out of memory");
	for (char *w = strtok_r(s, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		(*v)[(*n)++] = w;
}

static void
log_pruned(void *arg, const char *path)
{
	if (arg && fprintf(arg, "pruned /%s\n", path) < 0)
		tool_die("--pruned:");
}

/* --prune and --keep on the root; --cached-libs' paths must stay */
static void
prune_root(const struct opts *o, struct layer *l)
{
	struct layer_prune_spec s = { 0 };
	char *prune, *keep, *libs = NULL;
	FILE *log = NULL;
	struct err e;
	size_t len;
	int fd;

	if (!o->prune)
		return;
	if (!(prune = strdup(o->prune)) || !(keep = strdup(o->keep ? o->keep : "")))
		tool_die("out of memory");
	if (o->cached_libs) {
		if ((fd = open(o->cached_libs, O_RDONLY | O_CLOEXEC)) < 0 || path_slurp_fd(fd, &libs, &len))
			tool_die("%s:", o->cached_libs);
		close(fd);
	}
	words(prune, &s.prune, &s.nprune);
	words(keep, &s.keep, &s.nkeep);
	words(libs ? libs : (char[]){ "" }, &s.libs, &s.nlibs);
	if (o->pruned && !(log = fopen(o->pruned, "we")))
		tool_die("%s:", o->pruned);
	if (layer_prune(l, &s, log_pruned, log, &e))
		tool_die_err(&e, NULL);
	if (log && fclose(log))
		tool_die("%s:", o->pruned);
	free(s.prune);
	free(s.keep);
	free(s.libs);
	free(prune);
	free(keep);
	free(libs);
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

/* OUT's temporary file (helpers/lib/outfile.h: a tool_die removes it) */
static int
open_out(const char *out)
{
	struct err e;
	int fd = outfile_open(out, &e);

	if (fd < 0)
		tool_die_err(&e, NULL);
	return fd;
}

static void
commit_out(int fd)
{
	struct err e;

	if (outfile_commit(fd, &e))
		tool_die_err(&e, NULL);
}

static int
write_fd(void *arg, const void *buf, size_t len)
{
	return path_write_all(*(int *)arg, buf, len);
}

/* --root-out: the root, pruned, with the overlays, as one plain tar. The
 * mtimes are not clamped: the child's Portage (vdb unmerge) compares them
 * with CONTENTS, and leaves a file whose mtime differs, as Portage does */
static int
write_root(const struct opts *o)
{
	char tmp[4096], outdir[4096];
	struct layer l;
	struct err e;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s", o->root_out);
	snprintf(outdir, sizeof(outdir), "%s", dirname(tmp));
	layer_init(&l);
	add_root(o, outdir, &l);
	prune_root(o, &l);
	add_overlays_and_sort(o, &l);
	fd = open_out(o->root_out);
	if (layer_write(&l, INT64_MAX, write_fd, &fd, &e))
		tool_die_err(&e, "%s", o->root_out);
	commit_out(fd);
	layer_free(&l);
	free_opts(o);
	return tool_finish(0);
}

/* the layer, compressed into LAYERFD; frees L */
static void
write_layer(const struct opts *o, struct layer *l, long long sde, int layerfd, struct zsink_result *res)
{
	struct zsink *z = zsink_open(layerfd, o->kind, o->level, o->jobs);
	struct err e;

	if (!z)
		tool_die("%s:", o->out);
	if (layer_write(l, sde, sink, z, &e)) {
		zsink_abort(z);
		tool_die_err(&e, NULL);
	}
	if (zsink_close(z, res))
		tool_die("%s:", o->out);
	layer_free(l);
}

static const char *
layer_media_type(enum zsink_kind kind)
{
	return kind == ZSINK_GZIP ? "application/vnd.oci.image.layer.v1.tar+gzip"
	       : kind == ZSINK_ZSTD ? "application/vnd.oci.image.layer.v1.tar+zstd"
				    : "application/vnd.oci.image.layer.v1.tar";
}

/* the parent image (--parent): its final filesystem, its blobs spooled
 * into BLOBFD */
struct parent {
	struct imgtar fs;
	struct oci_archive blobs;
	int blobfd;
};

/* read and check --parent: an image for this platform, whose history
 * lines up with its layers */
static void
read_parent(const struct opts *o, const char *outdir, struct parent *p)
{
	const char *os, *arch;
	struct err e;

	if (imgtar_read(&p->fs, o->parent, &e))
		tool_die_err(&e, "--parent");
	os = json_string_value(json_object_get(p->fs.config, "os"));
	arch = json_string_value(json_object_get(p->fs.config, "architecture"));
	if (strcmp(os ? os : "", "linux") || strcmp(arch ? arch : "", o->arch))
		tool_die("--parent %s: an image for %s/%s, and this one is for linux/%s (--arch)", o->parent,
			 os ? os : "?", arch ? arch : "?", o->arch);
	if (!p->fs.history_ok)
		tool_die("--parent %s: its config's history does not line up with its %zu layer(s): not an image "
			 "mkimage wrote", o->parent, p->fs.nlayers);
	if ((p->blobfd = open(outdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0)
		tool_die("%s: cannot create a temporary file:", outdir);
	if (oci_read(&p->blobs, o->parent, p->blobfd, &e))
		tool_die_err(&e, "--parent");
}

/* NAME: --name, else the first --tag without its tag */
static const char *
image_name(const struct opts *o, char *buf, size_t n)
{
	const char *slash, *colon;

	if (o->name)
		return o->name;
	slash = strrchr(o->tags[0], '/');
	colon = strrchr(slash ? slash : o->tags[0], ':');
	snprintf(buf, n, "%.*s", colon ? (int)(colon - o->tags[0]) : (int)strlen(o->tags[0]), o->tags[0]);
	return buf;
}

/* the history: the parent's, then this image's entry ("scratchmerge
 * mkimage NAME"; empty_layer when it adds no layer) */
static json_t *
image_history(const struct opts *o, const struct parent *p, long long sde, int own_layer)
{
	char created[32], by[600], name[512];
	struct tm tm;
	time_t t = (time_t)sde;
	json_t *h = p ? json_deep_copy(json_object_get(p->fs.config, "history")) : json_array(), *mine;

	gmtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(by, sizeof(by), "scratchmerge mkimage %s", image_name(o, name, sizeof(name)));
	if (!h)
		h = json_array();
	mine = json_pack("{s:s, s:s}", "created", created, "created_by", by);
	if (!h || !mine)
		tool_die("out of memory");
	if (!own_layer)
		json_object_set_new(mine, "empty_layer", json_true());
	json_array_append_new(h, mine);
	return h;
}

/* the layers: the parent's blobs as they are, then this image's own (when
 * OWN_LAYER); into V (room for the parent's and one) */
static size_t
image_layers(const struct opts *o, const struct parent *p, int own_layer, int layerfd,
	     const struct zsink_result *res, struct oci_layer *v)
{
	size_t n = 0;

	for (; p && n < p->fs.nlayers; n++) {
		const struct imgtar_layer *pl = &p->fs.layers[n];
		const struct oci_blob *b = oci_blob_get(&p->blobs, pl->digest);

		if (!b || b->size != pl->size)
			tool_die("--parent %s: layer %zu (%s) changed while it was read", o->parent, n + 1, pl->digest);
		v[n] = (struct oci_layer){ .fd = p->blobfd, .off = b->off, .size = b->size, .media_type = pl->media_type };
		memcpy(v[n].digest, pl->digest + 7, 65);
		memcpy(v[n].diff_id, pl->diff_id + 7, 65);
	}
	if (own_layer) {
		v[n] = (struct oci_layer){ .fd = layerfd, .size = res->csize, .media_type = layer_media_type(o->kind) };
		hex_encode(res->csha, 32, v[n].digest);
		hex_encode(res->usha, 32, v[n].diff_id);
		n++;
	}
	return n;
}

/* the archive into OUTFD, renamed to OUT when complete; IMG gets the
 * digests */
static void
write_archive(const struct opts *o, const struct imgconf *conf, long long sde, const struct oci_layer *layers,
	      size_t nlayers, json_t *history, int outfd, struct oci_image *img)
{
	struct err e;

	img->layers = layers;
	img->nlayers = nlayers;
	img->history = history;
	img->runtime = conf->config;
	img->annotations = conf->annotations;
	img->arch = o->arch;
	img->created = sde;
	img->tags = o->tags;
	img->ntags = o->ntags;
	if (oci_write(img, outfd, &e))
		tool_die_err(&e, "%s", o->out);
	commit_out(outfd);
}

/* --index: the archives as one, into OUT */
static int
write_index(const struct opts *o, char **in, int nin)
{
	char tmp[4096], outdir[4096];
	struct oci_index_opts io = { (const char **)in, (size_t)nin, o->ntags ? o->tags : NULL, o->ntags,
				     o->load_platform, -1, "", "" };
	struct err e;
	int outfd;

	snprintf(tmp, sizeof(tmp), "%s", o->index);
	snprintf(outdir, sizeof(outdir), "%s", dirname(tmp));
	if ((io.spoolfd = open(outdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0)
		tool_die("%s: cannot create a temporary file:", outdir);
	outfd = open_out(o->index);
	if (oci_index(&io, outfd, &e))
		tool_die_err(&e, "%s", o->index);
	commit_out(outfd);
	close(io.spoolfd);
	if (o->print)
		printf("sha256:%s\n", io.index_digest);
	free_opts(o);
	return tool_finish(0);
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
	struct parent parent = { .blobfd = -1 };
	struct oci_layer *layers;
	json_t *history;
	long long sde;
	int layerfd, outfd, own_layer = 1;
	size_t nlayers;

	tool_name = "mkimage";
	layer_names_utf8();
	parse_args(argc, argv, &o);
	if (o.index)
		return write_index(&o, argv + optind, argc - optind);
	if (o.root_out)
		return write_root(&o);
	load_config(&o, &conf);
	if (o.check) {	/* before any build: a bad image.yaml found in milliseconds */
		imgconf_free(&conf);
		return tool_finish(0);
	}
	snprintf(tmp, sizeof(tmp), "%s", o.out);
	snprintf(outdir, sizeof(outdir), "%s", dirname(tmp));
	if (o.parent)	/* first: a parent that is refused costs no layer */
		read_parent(&o, outdir, &parent);
	layer_init(&layer);
	add_root(&o, outdir, &layer);
	prune_root(&o, &layer);
	sde = source_date_epoch(&o, &layer);
	add_overlays_and_sort(&o, &layer);
	if (o.parent) {
		struct err e;
		int n = layer_diff(&layer, &parent.fs, &e);

		if (n < 0)
			tool_die_err(&e, NULL);
		/* nothing differs: no layer, the history entry says empty_layer
		 * (an empty tar would be legal, but is a blob that holds nothing) */
		own_layer = n > 0;
	}
	/* the layer goes to an anonymous file, the archive to OUT.tmp-XXXXXX,
	 * renamed into place only when complete */
	if ((layerfd = open(outdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0)
		tool_die("%s: cannot create a temporary file:", outdir);
	outfd = open_out(o.out);
	if (own_layer)
		write_layer(&o, &layer, sde, layerfd, &res);
	else
		layer_free(&layer);
	if (!(layers = calloc(parent.fs.nlayers + 1, sizeof(*layers))))
		tool_die("out of memory");
	nlayers = image_layers(&o, o.parent ? &parent : NULL, own_layer, layerfd, &res, layers);
	history = image_history(&o, o.parent ? &parent : NULL, sde, own_layer);
	write_archive(&o, &conf, sde, layers, nlayers, history, outfd, &img);
	close(layerfd);
	json_decref(history);
	free(layers);
	imgconf_free(&conf);
	if (o.parent) {
		imgtar_free(&parent.fs);
		oci_archive_free(&parent.blobs);
		close(parent.blobfd);
	}
	if (o.print)
		printf("sha256:%s\n", img.manifest_digest);
	free_opts(&o);
	return tool_finish(0);
}
