/* libFuzzer target: image.yaml (imgconf_parse) on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "../../helpers/lib/imgconf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imgconf c;
	char err[1024];

	if (imgconf_parse("fuzz.yaml", data, size, &c, err, sizeof(err)) == 0)
		imgconf_free(&c);
	return 0;
}
