/* libFuzzer target: image.yaml (imgconf_parse) on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "../../helpers/lib/imgconf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imgconf c;
	struct err e;

	if (imgconf_parse("fuzz.yaml", data, size, &c, &e) == 0)
		imgconf_free(&c);
	return 0;
}
