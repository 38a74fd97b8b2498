/* libFuzzer target: the consolidated `metadata` file reader
 * (vdb_meta_valid and vdb_meta_get, helpers/lib/vdb.h), on a buffer that
 * is not NUL-terminated. Build:
 *   clang -fsanitize=fuzzer,address,undefined tests/fuzz/fuzz_metadata.c \
 *         helpers/lib/vdb.c helpers/lib/contents.c helpers/lib/path.c helpers/lib/strset.c
 * Seeds: tests/fuzz/corpus/metadata/ (real metadata files). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../helpers/lib/vdb.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *keys[] = { "SLOT", "USE", "NEEDED.ELF.2", "REQUIRES", "", "#format", "dir_mtime" };
	/* an exact-size copy: ASan sees any read past the end */
	char *buf = malloc(size ? size : 1), *v;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	(void)vdb_meta_valid(buf, size, 1700000010123456789LL);
	(void)vdb_meta_valid(buf, size, 0);
	for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++) {
		if (vdb_meta_get(buf, size, keys[k], &v) == 0) {
			/* an unescaped value is never longer than the input */
			if (strlen(v) > size)
				abort();
			free(v);
		} else if (errno != ENOENT && errno != ENOMEM) {
			abort();
		}
	}
	free(buf);
	return 0;
}
