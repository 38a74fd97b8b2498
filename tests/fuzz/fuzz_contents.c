/* libFuzzer target: contents_parse, one CONTENTS line (helpers/lib/contents.c).
 * Build: clang -fsanitize=fuzzer,address,undefined -Ihelpers/lib \
 *        tests/fuzz/fuzz_contents.c helpers/lib/contents.c helpers/lib/err.c
 * Seeds: tests/fuzz/corpus/contents/ (real CONTENTS lines). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../helpers/lib/contents.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the parser writes a NUL at line[len]: give it the byte it may use */
	char *line = malloc(size + 1);
	struct contents_entry e;
	struct err why;

	if (!line)
		return 0;
	memcpy(line, data, size);
	if (contents_parse(line, size, &e, &why) == 0) {
		/* every field it returns lies inside the line and is terminated */
		size_t l = strlen(e.path);

		if (e.path < line || e.path + l > line + size || !l || e.path[0] != '/')
			abort();
		if (e.type == CONTENTS_OBJ && (!e.md5 || strlen(e.md5) != 32 || e.mtime < 0))
			abort();
		if (e.type == CONTENTS_SYM && (!e.target || !*e.target || e.mtime < 0))
			abort();
		(void)contents_type_name(e.type);
	} else if (!why.msg[0]) {
		abort();
	}
	line[size] = '\0';
	(void)contents_type_mask(line);
	free(line);
	return 0;
}
