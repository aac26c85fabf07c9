/* cmd-exec.c: `berth-runtime exec`: a new process in a running container. */
#include <errno.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/strv.h"
#include "cmd/berth-runtime/commands.h"

int cmd_exec(struct global *g, int argc, char **argv)
{
	struct runtime_exec_opts o = {0};
	_cleanup_strv_ char **env = NULL, **caps = NULL;
	const char *apparmor = NULL, *label = NULL;
	const struct opt opts[] = {
		{"process", 'p', OPT_STRING, &o.process_file, "FILE",
		 "the process as runtime-spec JSON (replaces the options below)"},
		{"tty", 't', OPT_BOOL, &o.tty, NULL, "a pseudo-terminal"},
		{"console-socket", 0, OPT_STRING, &o.console_socket, "PATH",
		 "unix socket that receives the pty master"},
		{"detach", 'd', OPT_BOOL, &o.detach, NULL, "return once the process has started"},
		{"pid-file", 0, OPT_STRING, &o.pid_file, "FILE", "write the process's pid to FILE"},
		{"cwd", 0, OPT_STRING, &o.cwd, "DIR", "working directory in the container"},
		{"env", 'e', OPT_STRV, &env, "KEY=VALUE", "set a variable (repeatable)"},
		{"user", 'u', OPT_STRING, &o.user, "UID[:GID]", "run as this user"},
		{"cap", 'c', OPT_STRV, &caps, "CAP", "add a capability (repeatable)"},
		{"no-new-privs", 0, OPT_BOOL, &o.no_new_privs, NULL, "set no_new_privs"},
		{"preserve-fds", 0, OPT_INT, &o.preserve_fds, "N",
		 "pass descriptors 3..3+N-1 to the process"},
		{"apparmor", 0, OPT_STRING, &apparmor, "PROFILE", "not supported (an error)"},
		{"process-label", 0, OPT_STRING, &label, "LABEL", "not supported (an error)"},
	};
	const struct opt_spec spec = {
		.usage = "exec [options] <container-id> [command [args...]]",
		.summary = "Run a process in a running container: its namespaces, cgroup, "
			   "capabilities, rlimits, no_new_privs and seccomp profile.  Exits with "
			   "the process's status.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = 1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ret))
		return ret;
	if (apparmor || label) {
		log_error("exec: %s is not supported on this host", apparmor ? "--apparmor"
									: "--process-label");
		return 1;
	}
	if (o.process_file && args[1]) {
		log_error("exec: give either --process or a command, not both");
		return 1;
	}
	o.id = args[0];
	o.args = args + 1;
	o.env = env;
	o.caps = caps;
	_cleanup_err_ struct err e = ERR_INIT;
	int status = 0;
	if (runtime_exec(&g->rt, &o, &status, &e) < 0) {
		/* A command not found or not executable: the shell's codes
		 * (docker and podman exec give them too). */
		int code = e.kind == ERR_NOT_FOUND && e.errnum == ENOENT ? 127
			   : e.kind == ERR_PERMISSION && e.errnum == EACCES ? 126
									    : 0;
		int r = report(&e);
		return code ? code : r;
	}
	return status;
}
