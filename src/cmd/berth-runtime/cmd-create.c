/* cmd-create.c: `berth-runtime create` and `run`. */
#include <stdlib.h>

#include "cmd/berth-runtime/commands.h"

int cmd_create(struct global *g, int argc, char **argv)
{
	struct runtime_create_opts o = {0};
	const struct opt opts[] = {
		{"bundle", 'b', OPT_STRING, &o.bundle, "DIR", "bundle directory (default: .)"},
		{"pid-file", 0, OPT_STRING, &o.pid_file, "FILE", "write the init's pid to FILE"},
		{"console-socket", 0, OPT_STRING, &o.console_socket, "PATH",
		 "unix socket that receives the pty master"},
		{"no-pivot", 0, OPT_BOOL, &o.no_pivot, NULL, "chroot instead of pivot_root"},
		{"no-new-keyring", 0, OPT_BOOL, &o.no_new_keyring, NULL,
		 "keep the caller's session keyring"},
		{"preserve-fds", 0, OPT_INT, &o.preserve_fds, "N",
		 "pass descriptors 3..3+N-1 to the container"},
	};
	const struct opt_spec spec = {
		.usage = "create [options] <container-id>",
		.summary = "Create a container from a bundle; its process waits for 'start'.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ret))
		return ret;
	if (require_cgroupfs(g))
		return 1;
	o.id = args[0];
	_cleanup_err_ struct err e = ERR_INIT;
	if (runtime_create(&g->rt, &o, &e) < 0)
		return report(&e);
	return 0;
}

int cmd_run(struct global *g, int argc, char **argv)
{
	struct runtime_run_opts o = {0};
	const struct opt opts[] = {
		{"bundle", 'b', OPT_STRING, &o.create.bundle, "DIR", "bundle directory (default: .)"},
		{"detach", 'd', OPT_BOOL, &o.detach, NULL, "return once the container has started"},
		{"pid-file", 0, OPT_STRING, &o.create.pid_file, "FILE", "write the init's pid to FILE"},
		{"console-socket", 0, OPT_STRING, &o.create.console_socket, "PATH",
		 "unix socket that receives the pty master"},
		{"keep", 0, OPT_BOOL, &o.keep, NULL, "do not delete the container after it exits"},
		{"no-pivot", 0, OPT_BOOL, &o.create.no_pivot, NULL, "chroot instead of pivot_root"},
		{"no-new-keyring", 0, OPT_BOOL, &o.create.no_new_keyring, NULL,
		 "keep the caller's session keyring"},
		{"preserve-fds", 0, OPT_INT, &o.create.preserve_fds, "N",
		 "pass descriptors 3..3+N-1 to the container"},
	};
	const struct opt_spec spec = {
		.usage = "run [options] <container-id>",
		.summary = "Create and start a container; in the foreground, wait for it and "
			   "exit with its status.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ret))
		return ret;
	if (require_cgroupfs(g))
		return 1;
	o.create.id = args[0];
	_cleanup_err_ struct err e = ERR_INIT;
	int status = 0;
	if (runtime_run(&g->rt, &o, &status, &e) < 0)
		return report(&e);
	return status;
}
