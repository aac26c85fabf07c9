/* cmd-state.c: `berth-runtime state`. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/berth-runtime/commands.h"

int cmd_state(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "state <container-id>",
		.summary = "Print the state of a container as JSON (runtime-spec).",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ret))
		return ret;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_free_ char *json = NULL;
	if (runtime_state(&g->rt, args[0], &json, &e) < 0)
		return report(&e);
	printf("%s\n", json);
	return 0;
}
