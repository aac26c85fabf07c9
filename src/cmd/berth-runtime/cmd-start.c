/* cmd-start.c: `berth-runtime start`. */
#include "cmd/berth-runtime/commands.h"

int cmd_start(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "start <container-id>",
		.summary = "Start the user process of a created container.",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ret))
		return ret;
	_cleanup_err_ struct err e = ERR_INIT;
	if (runtime_start(&g->rt, args[0], &e) < 0)
		return report(&e);
	return 0;
}
