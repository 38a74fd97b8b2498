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
#include <unistd.h>

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
	"        [--source-date-epoch N] [--arch amd64|arm64] [--label K=V]... [--print-digest]\n";

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

int
main(int argc, char **argv)
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *rootfs = NULL, *tar = NULL, *out = NULL, *arch = "amd64";
	const char **overlays = calloc(argc, sizeof(char *)), **tags = calloc(argc, sizeof(char *));
	char **labels = calloc(argc, sizeof(char *));
	int noverlays = 0, ntags = 0, nlabels = 0, level = -1, jobs = 0, print = 0, c;
	enum zsink_kind kind = ZSINK_GZIP;
	long long sde = -1;
	char outdir[4096];
	struct err e;
	struct imgconf conf;
	struct layer layer;
	struct zsink *z;
	struct zsink_result res;
	struct oci_image img = { 0 };
	int layerfd, outfd;

	tool_name = "mkimage";
	while ((c = getopt_long(argc, argv, "c:r:t:O:T:o:z:l:j:s:a:L:ph", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'r': rootfs = optarg; break;
		case 't': tar = optarg; break;
		case 'O': overlays[noverlays++] = optarg; break;
		case 'T': tags[ntags++] = optarg; break;
		case 'o': out = optarg; break;
		case 'z':
			if (!strcmp(optarg, "gzip")) kind = ZSINK_GZIP;
			else if (!strcmp(optarg, "zstd")) kind = ZSINK_ZSTD;
			else if (!strcmp(optarg, "none")) kind = ZSINK_NONE;
			else tool_die("--compress %s: want gzip, zstd or none", optarg);
			break;
		case 'l': level = (int)number("--level", optarg, 0, 19); break;
		case 'j': jobs = (int)number("--jobs", optarg, 1, 256); break;
		case 's': sde = number("--source-date-epoch", optarg, 1, 253402300799LL); break;
		case 'a':
			if (strcmp(optarg, "amd64") && strcmp(optarg, "arm64"))
				tool_die("--arch %s: want amd64 or arm64", optarg);
			arch = optarg;
			break;
		case 'L':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				tool_die("--label %s: want KEY=VALUE", optarg);
			labels[nlabels++] = optarg;
			break;
		case 'p': print = 1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		default: tool_usage(usage_text);
		}
	}
	if (optind != argc || !config || !out || !ntags || !!rootfs == !!tar)
		tool_usage(usage_text);
	if (kind == ZSINK_GZIP && level > 9)
		tool_die("--level %d: gzip levels go from 0 to 9", level);
	if (sde < 0 && getenv("SOURCE_DATE_EPOCH") && *getenv("SOURCE_DATE_EPOCH"))
		sde = number("SOURCE_DATE_EPOCH", getenv("SOURCE_DATE_EPOCH"), 1, 253402300799LL);

	if (imgconf_load(config, &conf, &e))
		tool_die_err(&e, NULL);
	for (int i = 0; i < nlabels; i++) {
		char *eq = strchr(labels[i], '=');
		json_t *l = json_object_get(conf.config, "Labels");

		if (!l)
			json_object_set_new(conf.config, "Labels", l = json_object());
		*eq = '\0';
		json_object_set_new(l, labels[i], json_string(eq + 1));
	}
	for (int i = 0; i < ntags; i++) {
		char full[512];
		const char *t;

		if (oci_normalize_ref(tags[i], full, sizeof(full), &t))
			tool_die("--tag %s: not an image reference (NAME[:TAG])", tags[i]);
	}

	layer_init(&layer);
	{
		char tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s", out);
		snprintf(outdir, sizeof(outdir), "%s", dirname(tmp));
	}
	if (rootfs && layer_add_dir(&layer, rootfs, 0, &e))
		tool_die_err(&e, NULL);
	if (tar) {
		int fd = strcmp(tar, "-") ? open(tar, O_RDONLY | O_CLOEXEC) : 0;

		if (fd < 0)
			tool_die("%s:", tar);
		if (layer_add_tar(&layer, fd, outdir, &e))
			tool_die_err(&e, "%s", strcmp(tar, "-") ? tar : "standard input");
		if (fd)
			close(fd);
	}
	if (sde < 0) {
		sde = layer.newest;
		if (sde <= 0)
			tool_die("the root's newest mtime is %lld; pass --source-date-epoch", (long long)sde);
	}
	for (int i = 0; i < noverlays; i++)
		if (layer_add_dir(&layer, overlays[i], 1, &e))
			tool_die_err(&e, NULL);
	if (layer_sort(&layer, &e))
		tool_die_err(&e, NULL);

	/* the layer goes to an anonymous file, the archive to OUT.tmp-XXXXXX,
	 * renamed into place only when complete */
	if ((layerfd = open(outdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0)
		tool_die("%s: cannot create a temporary file:", outdir);
	snprintf(tmp_out, sizeof(tmp_out), "%s.tmp-XXXXXX", out);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, on_signal);
	if ((outfd = mkstemp(tmp_out)) < 0) {
		tmp_out[0] = '\0';
		tool_die("%s:", out);
	}
	if (!(z = zsink_open(layerfd, kind, level, jobs)))
		goto fail_errno;
	if (layer_write(&layer, sde, sink, z, &e)) {
		zsink_abort(z);
		unlink(tmp_out);
		tool_die_err(&e, NULL);
	}
	if (zsink_close(z, &res))
		goto fail_errno;
	layer_free(&layer);

	img.layerfd = layerfd;
	img.layer_size = res.csize;
	hex_encode(res.csha, 32, img.layer_digest);
	hex_encode(res.usha, 32, img.diff_id);
	img.layer_media_type = kind == ZSINK_GZIP ? "application/vnd.oci.image.layer.v1.tar+gzip"
			     : kind == ZSINK_ZSTD ? "application/vnd.oci.image.layer.v1.tar+zstd"
						  : "application/vnd.oci.image.layer.v1.tar";
	img.runtime = conf.config;
	img.annotations = conf.annotations;
	img.arch = arch;
	img.created = sde;
	img.tags = tags;
	img.ntags = ntags;
	if (oci_write(&img, outfd, &e)) {
		unlink(tmp_out);
		tool_die_err(&e, "%s", out);
	}
	if (fchmod(outfd, 0644) || close(outfd) || rename(tmp_out, out))
		goto fail_errno;
	tmp_out[0] = '\0';
	close(layerfd);
	imgconf_free(&conf);
	if (print)
		printf("sha256:%s\n", img.manifest_digest);
	free(overlays);
	free(tags);
	free(labels);
	return tool_finish(0);
fail_errno:
	{
		int e = errno;

		unlink(tmp_out);
		errno = e;
		tool_die("%s:", out);
	}
}
