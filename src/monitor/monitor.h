/* monitor.h: the small process that stays with each running container.
 *
 * Two programs, so that what stays is small:
 *
 *   berth-launch (static, the runtime library; from a sealed copy of
 *     itself, CVE-2019-5736): makes the container's stdio (pipes, or a pty
 *     through the console socket), becomes the child subreaper, creates
 *     and starts the container through the runtime library (or an
 *     external runc-compatible binary), reports the init's pid or the
 *     error to the starter, then execs berth-monitor in its place (the
 *     init stays its child);
 *   berth-monitor (static, a few pages): copies the container's output to
 *     its log and to attached clients, their input to the container,
 *     follows window sizes, reaps the init and any orphan, then writes the
 *     exit file, runs the cleanup command (`berth container cleanup ID`)
 *     and tells the clients the exit code.
 *
 * The engine forks berth-launch in a session of its own with stdio on
 * /dev/null.  Neither takes the engine's locks; the cleanup command does. */
#pragma once

#include <sys/types.h>

#include "monitor/logfile.h"

struct mon {
	/* options */
	const char *id, *bundle, *runtime_root, *state_dir, *monitor, *runtime;
	const char *log_path;
	enum log_driver log_driver;
	bool tty, stdin_open;
	unsigned rows, cols;
	unsigned health_ms; /* run the health check this often (0: none) */
	int ctl;	/* the starter's connection */
	char **cleanup; /* the cleanup command */
	/* descriptors of the loop */
	int out, err, in, master, listen;
	pid_t pid;
};

/* Both programs' options (argv[0] is the program). */
int mon_parse_args(struct mon *m, int argc, char **argv);

int launch_main(int argc, char **argv);
int monitor_main(int argc, char **argv);
