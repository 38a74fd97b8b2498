/* libFuzzer target: the tar -> layer path of mkimage --tar: the input as the
 * tar stream (from a memfd), layer_add_tar, layer_prune (globs, a KEEP and
 * a library, through whatever symlinks the tree has), layer_sort,
 * layer_write into a sink that discards. Spool files go to $TMPDIR (O_TMPFILE, never linked). */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../helpers/lib/layer.h"
#include "../../helpers/lib/path.h"

static int
discard(void *arg, const void *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return 0;
}

static char *prune[] = { "/usr/share/doc", "/lib*/*.a", "/*/*/x*", "/a/[!b]*/.?*" };
static char *keep[] = { "/usr/share/doc/keep", "a/b" };
static char *libs[] = { "/lib64/libc.so.6", "/usr/lib/x" };
static const struct layer_prune_spec spec = { prune, keep, libs, 4, 2, 2 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int fd = memfd_create("fuzz-tar", MFD_CLOEXEC);
	struct layer l;

	if (fd < 0 || path_write_all(fd, data, size) || lseek(fd, 0, SEEK_SET)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	layer_init(&l);
	if (layer_add_tar(&l, fd, tmp, NULL) == 0 && layer_prune(&l, &spec, NULL, NULL, NULL) == 0 &&
	    layer_sort(&l, NULL) == 0)
		layer_write(&l, 1700000000, discard, NULL, NULL);
	layer_free(&l);
	close(fd);
	return 0;
}
