/* commands.h: the berth-runtime command table's entries.
 *
 * Each command lives in its own file (cmd-<name>.c), parses its options
 * with opt.h, makes one call into the runtime library and reports.
 * Exit status: 0 on success, 1 on any error (as runc), `run` in the
 * foreground returns the container's status. */
#pragma once

#include "base/err.h"
#include "cmd/common/opt.h"
#include "runtime/runtime.h"

struct global {
	struct runtime_ctx rt;
	bool systemd_cgroup;
};

typedef int (*command_fn)(struct global *g, int argc, char **argv);

int cmd_spec(struct global *g, int argc, char **argv);
int cmd_create(struct global *g, int argc, char **argv);
int cmd_start(struct global *g, int argc, char **argv);
int cmd_run(struct global *g, int argc, char **argv);
int cmd_state(struct global *g, int argc, char **argv);
int cmd_kill(struct global *g, int argc, char **argv);
int cmd_delete(struct global *g, int argc, char **argv);
int cmd_list(struct global *g, int argc, char **argv);
int cmd_pause(struct global *g, int argc, char **argv);
int cmd_resume(struct global *g, int argc, char **argv);
int cmd_update(struct global *g, int argc, char **argv);
int cmd_ps(struct global *g, int argc, char **argv);
int cmd_events(struct global *g, int argc, char **argv);
int cmd_exec(struct global *g, int argc, char **argv);
int cmd_features(struct global *g, int argc, char **argv);

/* Report e (log_error) and return 1. */
int report(struct err *e);
/* Parse options; returns 0 to go on, or the exit status to return now
 * (0 after --help, 1 after an error).  Checks the positional count. */
int parse_or_exit(const struct opt_spec *spec, int argc, char **argv, size_t min_args,
		  size_t max_args, char ***ret_args, int *ret_exit);
/* Error unless --systemd-cgroup is off (commands that create cgroups). */
int require_cgroupfs(const struct global *g);
