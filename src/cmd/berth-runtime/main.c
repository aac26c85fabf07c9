/* main.c: berth-runtime, a runc-compatible OCI runtime command.
 *
 * Global options, then one command from the table below.  The commands
 * that start processes inside a container first re-execute this binary
 * from a sealed memory copy (exe-seal.h), so nothing in a container can
 * ever reach the binary on disk through /proc/<pid>/exe. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"
#include "cmd/berth-runtime/commands.h"
#include "oci/config.h"
#include "runtime/exe-seal.h"

#define DEFAULT_ROOT "/run/berth-runtime"

static const struct {
	const char *name;
	command_fn fn;
	bool seal; /* starts processes in a container */
	const char *summary;
} commands[] = {
	{"create", cmd_create, true, "create a container"},
	{"delete", cmd_delete, false, "delete a container and its resources"},
	{"events", cmd_events, false, "print resource usage and OOM notices"},
	{"exec", cmd_exec, true, "run a process in a running container"},
	{"features", cmd_features, false, "print what this runtime supports"},
	{"kill", cmd_kill, false, "send a signal to the container's init process"},
	{"list", cmd_list, false, "list containers"},
	{"pause", cmd_pause, false, "freeze every process of a container"},
	{"ps", cmd_ps, false, "list the processes of a container"},
	{"resume", cmd_resume, false, "thaw a paused container"},
	{"run", cmd_run, true, "create and start a container"},
	{"spec", cmd_spec, false, "write a default config.json"},
	{"start", cmd_start, false, "start a created container"},
	{"state", cmd_state, false, "print the state of a container"},
	{"update", cmd_update, false, "change the cgroup limits of a container"},
};

int report(struct err *e)
{
	log_error("%s", err_msg(e));
	err_clear(e);
	return 1;
}

int parse_or_exit(const struct opt_spec *spec, int argc, char **argv, size_t min_args,
		  size_t max_args, char ***ret_args, int *ret_exit)
{
	_cleanup_err_ struct err e = ERR_INIT;
	size_t n;
	int r = opt_parse(spec, argc, argv, ret_args, &n, &e);
	if (r == 1) {
		*ret_exit = 0;
		return 1;
	}
	if (r < 0) {
		*ret_exit = report(&e);
		return 1;
	}
	if (n < min_args || n > max_args) {
		free(*ret_args);
		*ret_args = NULL;
		if (n < min_args)
			log_error("%s: missing argument (usage: %s)", argv[0], spec->usage);
		else
			log_error("%s: too many arguments (usage: %s)", argv[0], spec->usage);
		*ret_exit = 1;
		return 1;
	}
	return 0;
}

int require_cgroupfs(const struct global *g)
{
	if (!g->systemd_cgroup)
		return 0;
	log_error("--systemd-cgroup: the systemd cgroup driver is not supported; "
		  "run without it to use cgroupfs paths");
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: berth-runtime [global options] <command> [options] [arguments]\n\n"
		   "A runc-compatible OCI runtime.\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nGlobal options:\n"
		   "  --root DIR              state directory (default " DEFAULT_ROOT ";\n"
		   "                          $XDG_RUNTIME_DIR/berth-runtime when not root)\n"
		   "  --log FILE              also write log messages to FILE\n"
		   "  --log-format FORMAT     text or json (JSON lines with level, msg, time)\n"
		   "  --debug                 log debug messages\n"
		   "  --systemd-cgroup        use the systemd cgroup driver (not supported)\n"
		   "  -v, --version           print the version\n"
		   "  -h, --help              show this help\n\n"
		   "Run 'berth-runtime <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	log_init("berth-runtime");
	signal(SIGPIPE, SIG_IGN);
	/* Rootless: the state lives in the caller's runtime directory. */
	_cleanup_free_ char *user_root = NULL;
	if (geteuid() != 0) {
		/* Never a shared directory such as /tmp: another user could
		 * plant state (and hooks) there. */
		const char *xdg = getenv("XDG_RUNTIME_DIR");
		user_root = xdg && *xdg ? xasprintf("%s/berth-runtime", xdg)
					: xasprintf("/run/user/%u/berth-runtime", (unsigned)geteuid());
	}
	struct global g = {.rt = {.root = user_root ? user_root : DEFAULT_ROOT}};
	const char *log_file = NULL, *log_format = "text", *rootless = NULL, *criu = NULL;
	bool debug = false, version = false;
	const struct opt gopts[] = {
		{"root", 0, OPT_STRING, &g.rt.root, "DIR", "state directory"},
		{"log", 0, OPT_STRING, &log_file, "FILE", "log file"},
		{"log-format", 0, OPT_STRING, &log_format, "FORMAT", "text or json"},
		{"debug", 0, OPT_BOOL, &debug, NULL, "debug messages"},
		{"systemd-cgroup", 0, OPT_BOOL, &g.systemd_cgroup, NULL, "systemd cgroup driver"},
		{"rootless", 0, OPT_STRING, &rootless, "auto|true|false", "ignored (detected)"},
		{"criu", 0, OPT_STRING, &criu, "PATH", "ignored (no checkpointing)"},
		{"version", 'v', OPT_BOOL, &version, NULL, "print the version"},
	};
	const struct opt_spec gspec = {
		.usage = "berth-runtime [global options] <command> ...",
		.opts = gopts,
		.n_opts = ARRAY_SIZE(gopts),
		.stop_after = 0,
	};
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_free_ char **rest = NULL;
	size_t n;
	int r = opt_parse(&gspec, argc, argv, &rest, &n, &e);
	if (r == 1) {
		usage(stdout);
		return 0;
	}
	if (r < 0) {
		log_error("%s", err_msg(&e));
		return 1;
	}
	if (version) {
		printf("berth-runtime version %s\nspec: %s\n", BERTH_VERSION, OCI_VERSION);
		return 0;
	}
	if (!streq(log_format, "text") && !streq(log_format, "json")) {
		log_error("--log-format: unknown format \"%s\" (text or json)", log_format);
		return 1;
	}
	/* A log file that cannot be opened (an engine cleaning up after its
	 * bundle is gone) is no reason to fail the command: stderr remains. */
	if (log_file &&
	    log_open_file(log_file, streq(log_format, "json") ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT,
			  &e) < 0) {
		log_warn("%s", err_msg(&e));
		err_clear(&e);
	}
	if (debug)
		log_set_level(LOG_LEVEL_DEBUG);
	if (n == 0) {
		usage(stderr);
		return 1;
	}
	/* The command and its arguments start at rest[0] in argv. */
	char **cmdv = argv;
	while (*cmdv != rest[0])
		cmdv++;
	int cmdc = argc - (int)(cmdv - argv);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!streq(rest[0], commands[i].name))
			continue;
		log_timing("start");
		if (commands[i].seal && exe_seal_reexec(argv, &e) < 0)
			return report(&e);
		return commands[i].fn(&g, cmdc, cmdv);
	}
	log_error("unknown command \"%s\" (see 'berth-runtime --help')", rest[0]);
	return 1;
}
