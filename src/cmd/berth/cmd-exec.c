/* cmd-exec.c: berth exec: a command in a running container. */
#include <stdlib.h>

#include "base/strv.h"
#include "cmd/berth/commands.h"

int cmd_exec(struct global *g, int argc, char **argv)
{
	struct engine_exec_opts o = {0};
	_cleanup_strv_ char **env = NULL;
	const struct opt opts[] = {
		{"interactive", 'i', OPT_BOOL, &o.interactive, NULL, "keep stdin open"},
		{"tty", 't', OPT_BOOL, &o.tty, NULL, "allocate a terminal"},
		{"detach", 'd', OPT_BOOL, &o.detach, NULL, "run it in the background"},
		{"env", 'e', OPT_STRV, &env, "KEY=VALUE", "set an environment variable"},
		{"user", 'u', OPT_STRING, &o.user, "USER[:GROUP]", "the user to run as"},
		{"workdir", 'w', OPT_STRING, &o.workdir, "DIR", "the working directory"},
		{"privileged", 0, OPT_BOOL, &o.privileged, NULL, "every capability"},
	};
	const struct opt_spec spec = {
		.usage = "exec [options] CONTAINER COMMAND [ARG...]",
		.summary = "Run a command in a running container.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = 1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 2, SIZE_MAX, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	/* -e KEY takes KEY from our environment, as docker does. */
	_cleanup_strv_ char **vars = NULL;
	for (char **v = env; v && *v; v++) {
		if (strchr(*v, '='))
			strv_push(&vars, *v);
		else if (getenv(*v))
			strv_consume(&vars, xasprintf("%s=%s", *v, getenv(*v)));
	}
	o.env = vars;
	o.args = args + 1;
	/* (exec replaces this process: its event comes first) */
	engine_event_for(&g->en, args[0], "exec_start");
	engine_exec(&g->en, args[0], &o, &e);
	return report(&e);
}
