/* fuzz-dockerfile: libFuzzer target for the Dockerfile parser and the
 * variable expansion (tools/fuzz.sh builds and runs it). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "build/dockerfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *vars(void *ctx, const char *name)
{
	(void)ctx;
	return name[0] == 'A' ? "a value" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dockerfile df;
	struct err e = ERR_INIT;
	if (df_parse((const char *)data, size, "Dockerfile", &df, &e) == 0) {
		for (size_t i = 0; i < df.n; i++) {
			for (char **a = df.v[i].args; a && *a; a++) {
				char *x = df_expand(*a, df.escape, vars, NULL, &e);
				free(x);
				err_clear(&e);
				char **pairs = NULL;
				if (df_pairs(*a, df.escape, &pairs, &e) == 0)
					strv_free(pairs);
				err_clear(&e);
			}
		}
		df_clear(&df);
	}
	err_clear(&e);
	return 0;
}
