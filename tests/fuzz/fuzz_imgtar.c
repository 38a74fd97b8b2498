/* libFuzzer target: an image archive read back (imgtar_read: oci_read's
 * members and digests, the image found through index.json, every layer
 * applied with its whiteouts), as mkimage --parent and sbom read one. The
 * input is the archive, from a memfd by its /proc path. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../helpers/lib/imgtar.h"
#include "../../helpers/lib/path.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-imgtar", MFD_CLOEXEC);
	char path[64];
	struct imgtar t;
	struct err e;

	if (fd < 0)
		return 0;
	if (!path_write_all(fd, data, size)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (imgtar_read(&t, path, &e) == 0)
			imgtar_resolve(&t, "/bin/sh", 1);
		imgtar_free(&t);
	}
	close(fd);
	return 0;
}
