/* cmd-kill.c: `berth-runtime kill`. */
#include <signal.h>

#include "base/log.h"
#include "base/parse-util.h"
#include "cmd/berth-runtime/commands.h"

int cmd_kill(struct global *g, int argc, char **argv)
{
	bool all = false;
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, NULL, "signal every process of the container"},
	};
	const struct opt_spec spec = {
		.usage = "kill [options] <container-id> [signal]",
		.summary = "Send a signal (default SIGTERM; a number or a name such as KILL or "
			   "SIGKILL) to the container's init.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 1, 2, &args, &ret))
		return ret;
	int sig = SIGTERM;
	if (args[1] && parse_signal(args[1], &sig) < 0) {
		log_error("kill: invalid signal \"%s\"", args[1]);
		return 1;
	}
	_cleanup_err_ struct err e = ERR_INIT;
	if (runtime_kill(&g->rt, args[0], sig, all, &e) < 0)
		return report(&e);
	return 0;
}
