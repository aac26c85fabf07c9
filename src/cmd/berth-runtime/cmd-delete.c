/* cmd-delete.c: `berth-runtime delete`. */
#include "cmd/berth-runtime/commands.h"

int cmd_delete(struct global *g, int argc, char **argv)
{
	bool force = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "kill the container first if it runs"},
	};
	const struct opt_spec spec = {
		.usage = "delete [options] <container-id>",
		.summary = "Delete a stopped container: its cgroup and state; poststop hooks run.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ret))
		return ret;
	_cleanup_err_ struct err e = ERR_INIT;
	if (runtime_delete(&g->rt, args[0], force, &e) < 0) {
		/* runc: deleting what is already gone succeeds with --force. */
		if (force && e.kind == ERR_NOT_FOUND)
			return 0;
		return report(&e);
	}
	return 0;
}
