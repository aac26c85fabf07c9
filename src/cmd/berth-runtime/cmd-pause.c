/* cmd-pause.c: `berth-runtime pause` and `resume`. */
#include "cmd/berth-runtime/commands.h"

static int freeze_cmd(struct global *g, int argc, char **argv, bool pause)
{
	const struct opt_spec spec = {
		.usage = pause ? "pause <container-id>" : "resume <container-id>",
		.summary = pause ? "Freeze every process of a running container (cgroup freezer)."
				 : "Thaw the processes of a paused container.",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ret))
		return ret;
	_cleanup_err_ struct err e = ERR_INIT;
	int r = pause ? runtime_pause(&g->rt, args[0], &e) : runtime_resume(&g->rt, args[0], &e);
	return r < 0 ? report(&e) : 0;
}

int cmd_pause(struct global *g, int argc, char **argv) { return freeze_cmd(g, argc, argv, true); }
int cmd_resume(struct global *g, int argc, char **argv) { return freeze_cmd(g, argc, argv, false); }
