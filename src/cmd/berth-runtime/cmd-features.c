/* cmd-features.c: `berth-runtime features`. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/berth-runtime/commands.h"

int cmd_features(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "features",
		.summary = "Print what this runtime supports (the runtime-spec features document).",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ret))
		return ret;
	_cleanup_free_ char *s = runtime_features_json();
	printf("%s\n", s);
	return 0;
}
