/* main.c: berth, docker's commands over Berth's daemonless engine.
 *
 * Global options, then one command from the table below.  `berth image
 * <verb>` reaches the same commands as their short forms (docker's long
 * forms). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/dl.h"
#include "base/log.h"
#include "cmd/berth/commands.h"
#include "cmd/common/format.h"

#define DEFAULT_ROOT "/var/lib/berth"
#define DEFAULT_RUNROOT "/run/berth"

static const struct command commands[] = {
	{"attach", cmd_attach, "attach to a running container's input and output"},
	{"build", cmd_build, "build an image from a Dockerfile"},
	{"builder", cmd_builder, "manage the build cache (prune)"},
	{"commit", cmd_commit, "create a new image from a container's changes"},
	{"container", cmd_container, "manage containers (run, ls, stop, rm...)"},
	{"cp", cmd_cp, "copy files between a container and the host"},
	{"create", cmd_create, "create a container (not started yet)"},
	{"diff", cmd_diff, "list the changes to a container's files"},
	{"events", cmd_events, "get real time events"},
	{"exec", cmd_exec, "run a command in a running container"},
	{"export", cmd_export, "export a container's root filesystem as a tar archive"},
	{"healthcheck", cmd_healthcheck, "run a container's health check"},
	{"history", cmd_history, "show the history of an image"},
	{"image", cmd_image, "manage images (ls, inspect, import, tag, rm, prune, history, mount)"},
	{"images", cmd_images, "list images"},
	{"info", cmd_info, "show system-wide information"},
	{"import", cmd_import, "import a root filesystem tarball as an image"},
	{"inspect", cmd_inspect, "show low-level information on containers and images"},
	{"kill", cmd_kill, "send a signal to running containers"},
	{"load", cmd_load, "load images from a docker or OCI archive"},
	{"login", cmd_login, "log in to a registry"},
	{"logout", cmd_logout, "log out from a registry"},
	{"logs", cmd_logs, "show a container's output"},
	{"network", cmd_network, "manage networks (create, ls, inspect, rm, prune, connect, disconnect)"},
	{"pause", cmd_pause, "pause all processes within containers"},
	{"ps", cmd_ps, "list containers"},
	{"port", cmd_port, "list a container's published ports"},
	{"pull", cmd_pull, "pull an image from a registry"},
	{"push", cmd_push, "push an image to a registry"},
	{"rename", cmd_rename, "rename a container"},
	{"restart", cmd_restart, "restart containers"},
	{"rm", cmd_rm, "remove containers"},
	{"rmi", cmd_rmi, "remove images"},
	{"run", cmd_run, "run a command in a new container"},
	{"save", cmd_save, "save images to a docker or OCI archive"},
	{"start", cmd_start, "start containers"},
	{"stats", cmd_stats, "show containers' resource usage"},
	{"stop", cmd_stop, "stop running containers"},
	{"system", cmd_system, "manage berth (prune)"},
	{"tag", cmd_tag, "give an image another name"},
	{"top", cmd_top, "show a container's processes"},
	{"unpause", cmd_unpause, "unpause all processes within containers"},
	{"update", cmd_update, "update containers' limits and restart policy"},
	{"version", cmd_version, "show the version"},
	{"volume", cmd_volume, "manage volumes (create, ls, inspect, rm, prune)"},
	{"wait", cmd_wait, "wait for containers to exit, print their exit codes"},
};

static const struct command image_commands[] = {
	{"build", cmd_build, "build an image from a Dockerfile"},
	{"history", cmd_history, "show the history of an image"},
	{"import", cmd_import, "import a root filesystem tarball as an image"},
	{"inspect", cmd_image_inspect, "show low-level information on images"},
	{"list", cmd_images, "list images"},
	{"load", cmd_load, "load images from a docker or OCI archive"},
	{"ls", cmd_images, "list images"},
	{"mount", cmd_image_mount, "mount an image's root filesystem (read-only)"},
	{"prune", cmd_image_prune, "remove unused images"},
	{"pull", cmd_pull, "pull an image from a registry"},
	{"push", cmd_push, "push an image to a registry"},
	{"rm", cmd_rmi, "remove images"},
	{"save", cmd_save, "save images to a docker or OCI archive"},
	{"tag", cmd_tag, "give an image another name"},
	{"unmount", cmd_image_unmount, "unmount an image's root filesystem"},
	{"umount", cmd_image_unmount, "unmount an image's root filesystem"},
};

int report(struct err *e)
{
	log_error("%s", err_msg(e));
	err_clear(e);
	return EXIT_BERTH;
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
		log_error("\"%s\" requires %s%zu argument%s (usage: berth %s)", argv[0],
			  n < min_args ? (max_args == min_args ? "exactly " : "at least ")
				       : (max_args == min_args ? "exactly " : "at most "),
			  n < min_args ? min_args : max_args,
			  (n < min_args ? min_args : max_args) == 1 ? "" : "s", spec->usage);
		*ret_exit = EXIT_BERTH;
		return 1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: berth [global options] <command> [options] [arguments]\n\n"
		   "Run software in containers, with docker's commands.\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nGlobal options:\n"
		   "  --root DIR              persistent state (default " DEFAULT_ROOT ")\n"
		   "  --runroot DIR           runtime state (default " DEFAULT_RUNROOT ")\n"
		   "  --runtime PATH          run containers with this runc-compatible binary\n"
		   "  --cni-config-dir DIR    CNI network configurations (default /etc/cni/net.d)\n"
		   "                          (default: Berth's runtime, in the monitor)\n"
		   "  --log-level LEVEL       error, warn, info or debug\n"
		   "  -D, --debug             debug messages\n"
		   "  -v, --version           print the version\n"
		   "  -h, --help              show this help\n\n"
		   "Run 'berth <command> --help' for a command's options.\n");
}

static int dispatch(const struct command *table, size_t n, const char *what, struct global *g,
		    int argc, char **argv)
{
	for (size_t i = 0; i < n; i++)
		if (streq(argv[0], table[i].name))
			return table[i].fn(g, argc, argv);
	log_error("unknown %s \"%s\" (see 'berth --help')", what, argv[0]);
	return EXIT_BERTH;
}

static const struct command container_commands[] = {
	{"attach", cmd_attach, "attach to a running container"},
	{"cleanup", cmd_container_cleanup, NULL},
	{"restart-due", cmd_container_restart_due, NULL},
	{"commit", cmd_commit, "create a new image from a container's changes"},
	{"cp", cmd_cp, "copy files between a container and the host"},
	{"create", cmd_create, "create a container"},
	{"diff", cmd_diff, "list the changes to a container's files"},
	{"exec", cmd_exec, "run a command in a running container"},
	{"export", cmd_export, "export a container's root filesystem as a tar archive"},
	{"inspect", cmd_inspect, "show low-level information on containers"},
	{"kill", cmd_kill, "send a signal to running containers"},
	{"list", cmd_ps, "list containers"},
	{"logs", cmd_logs, "show a container's output"},
	{"ls", cmd_ps, "list containers"},
	{"pause", cmd_pause, "pause all processes within containers"},
	{"port", cmd_port, "list a container's published ports"},
	{"prune", cmd_container_prune, "remove all stopped containers"},
	{"ps", cmd_ps, "list containers"},
	{"rename", cmd_rename, "rename a container"},
	{"restart", cmd_restart, "restart containers"},
	{"rm", cmd_rm, "remove containers"},
	{"run", cmd_run, "run a command in a new container"},
	{"start", cmd_start, "start containers"},
	{"stats", cmd_stats, "show containers' resource usage"},
	{"stop", cmd_stop, "stop running containers"},
	{"top", cmd_top, "show a container's processes"},
	{"unpause", cmd_unpause, "unpause all processes within containers"},
	{"update", cmd_update, "update containers' limits and restart policy"},
	{"wait", cmd_wait, "wait for containers to exit"},
};

int cmd_container(struct global *g, int argc, char **argv)
{
	return dispatch_sub(container_commands, ARRAY_SIZE(container_commands), "container", g, argc,
			    argv);
}

int dispatch_sub(const struct command *table, size_t n, const char *what, struct global *g,
		 int argc, char **argv)
{
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f, "Usage: berth %s <command>\n\nCommands:\n", what);
		for (size_t i = 0; i < n; i++)
			if (table[i].summary)
				fprintf(f, "  %-10s %s\n", table[i].name, table[i].summary);
		return argc < 2 ? EXIT_BERTH : 0;
	}
	_cleanup_free_ char *kind = xasprintf("%s command", what);
	return dispatch(table, n, kind, g, argc - 1, argv + 1);
}

int cmd_image(struct global *g, int argc, char **argv)
{
	return dispatch_sub(image_commands, ARRAY_SIZE(image_commands), "image", g, argc, argv);
}

int cmd_version(struct global *g, int argc, char **argv)
{
	const char *fmt = NULL;
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &fmt, "FORMAT", "a Go template, or json"},
	};
	const struct opt_spec spec = {
		.usage = "version [options]",
		.summary = "Show the version.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	if (fmt) {
		_cleanup_err_ struct err e = ERR_INIT;
		char *row[] = {"Version", BERTH_VERSION, "APIVersion", "1.43", "Os", "linux",
			       "Arch", "amd64", NULL};
		struct format f;
		if (format_init(&f, fmt, fmt, &e) < 0 || format_row(&f, row, &e) < 0)
			return report(&e);
		format_finish(&f, NULL);
		return 0;
	}
	printf("Client:\n Version:    %s\n API version: 1.43\n OS/Arch:    linux/amd64\n\n"
	       "Server:\n Engine:\n  Version:    %s (daemonless: the CLI is the engine)\n"
	       " berth-runtime:\n  Version:    %s\n",
	       BERTH_VERSION, BERTH_VERSION, BERTH_VERSION);
	return 0;
}

static char *absolute(const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(p);
	return xasprintf("%s/%s", cwd, p);
}

static char **main_argv;
static const char *self_path;

/* The engine over the global options: absolute paths (the monitor runs
 * elsewhere), the helper binaries next to ours. */
static void engine_setup(struct global *g, const char *runtime, char **owned)
{
	static char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	char *slash = strrchr(self, '/');
	g->en.root = owned[0] = absolute(g->root);
	g->en.runroot = owned[1] = absolute(g->runroot);
	g->en.self = self_path = self;
	const char *mon = getenv("BERTH_MONITOR");
	g->en.monitor = owned[2] = mon ? xstrdup(mon)
				       : xasprintf("%.*s/berth-monitor",
						   slash ? (int)(slash - self) : 1, slash ? self : ".");
	g->en.runtime = runtime && *runtime ? runtime : NULL;
}

int cli_need_full(void)
{
	if (dl_available)
		return 0;
	const char *slash = self_path ? strrchr(self_path, '/') : NULL;
	_cleanup_free_ char *full = slash ? xasprintf("%.*s/berth-full", (int)(slash - self_path),
						       self_path)
					  : xstrdup("berth-full");
	execv(full, main_argv);
	log_error("cannot run %s (this command needs it): %s", full, strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	main_argv = argv;
	log_init("berth");
	signal(SIGPIPE, SIG_IGN);
	struct global g = {.root = DEFAULT_ROOT, .runroot = DEFAULT_RUNROOT};
	const char *log_level = NULL, *runtime = NULL;
	bool debug = false, version = false;
	const struct opt gopts[] = {
		{"root", 0, OPT_STRING, &g.root, "DIR", "persistent state"},
		{"runroot", 0, OPT_STRING, &g.runroot, "DIR", "runtime state"},
		{"runtime", 0, OPT_STRING, &runtime, "PATH", "a runc-compatible runtime"},
		{"cni-config-dir", 0, OPT_STRING, &g.en.cni_dir, "DIR",
		 "CNI network configurations (default /etc/cni/net.d)"},
		{"log-level", 'l', OPT_STRING, &log_level, "LEVEL", "log level"},
		{"debug", 'D', OPT_BOOL, &debug, NULL, "debug messages"},
		{"version", 'v', OPT_BOOL, &version, NULL, "print the version"},
	};
	const struct opt_spec gspec = {
		.usage = "berth [global options] <command> ...",
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
	if (r < 0)
		return report(&e);
	if (version) {
		printf("berth version %s\n", BERTH_VERSION);
		return 0;
	}
	if (debug || (log_level && streq(log_level, "debug")))
		log_set_level(LOG_LEVEL_DEBUG);
	else if (log_level && streq(log_level, "info"))
		log_set_level(LOG_LEVEL_INFO);
	if (n == 0) {
		usage(stderr);
		return EXIT_BERTH;
	}
	char *owned[3] = {NULL, NULL, NULL};
	engine_setup(&g, runtime, owned);
	char **cmdv = argv;
	while (*cmdv != rest[0])
		cmdv++;
	int cmdc = argc - (int)(cmdv - argv);
	int rc = dispatch(commands, ARRAY_SIZE(commands), "command", &g, cmdc, cmdv);
	for (size_t i = 0; i < ARRAY_SIZE(owned); i++)
		free(owned[i]);
	return rc;
}
