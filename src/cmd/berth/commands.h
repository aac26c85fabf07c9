/* commands.h: the berth command table's entries.
 *
 * berth is docker's command line over Berth's engine: each command lives
 * in its own file (cmd-<name>.c), parses its options with opt.h, calls
 * the library and prints what docker prints.  Exit status: 0 on success,
 * 125 when berth itself failed (as docker and podman), other codes where
 * docker has them. */
#pragma once

#include "base/err.h"
#include "cmd/common/opt.h"
#include "engine/engine.h"

#define EXIT_BERTH 125

struct global {
	const char *root;    /* persistent state: images, containers */
	const char *runroot; /* state that does not survive a reboot */
	struct engine en;    /* the same, absolute, with the helper binaries */
};

typedef int (*command_fn)(struct global *g, int argc, char **argv);

struct command {
	const char *name;
	command_fn fn;
	const char *summary; /* NULL: not listed */
};
/* `berth <what> <command> ...`: argv[0] is <what>. */
int dispatch_sub(const struct command *table, size_t n, const char *what, struct global *g,
		 int argc, char **argv);

int cmd_images(struct global *g, int argc, char **argv);
int cmd_build(struct global *g, int argc, char **argv);
int cmd_builder(struct global *g, int argc, char **argv);
int cmd_import(struct global *g, int argc, char **argv);
int cmd_tag(struct global *g, int argc, char **argv);
int cmd_rmi(struct global *g, int argc, char **argv);
int cmd_image(struct global *g, int argc, char **argv);
int cmd_image_inspect(struct global *g, int argc, char **argv);
int cmd_image_prune(struct global *g, int argc, char **argv);
int cmd_image_mount(struct global *g, int argc, char **argv);
int cmd_image_unmount(struct global *g, int argc, char **argv);
int cmd_history(struct global *g, int argc, char **argv);
int cmd_inspect(struct global *g, int argc, char **argv);
int cmd_version(struct global *g, int argc, char **argv);
int cmd_pull(struct global *g, int argc, char **argv);
int cmd_push(struct global *g, int argc, char **argv);
int cmd_login(struct global *g, int argc, char **argv);
int cmd_logout(struct global *g, int argc, char **argv);
int cmd_save(struct global *g, int argc, char **argv);
int cmd_load(struct global *g, int argc, char **argv);
int cmd_create(struct global *g, int argc, char **argv);
int cmd_ps(struct global *g, int argc, char **argv);
int cmd_port(struct global *g, int argc, char **argv);
int cmd_network(struct global *g, int argc, char **argv);
int cmd_volume(struct global *g, int argc, char **argv);
int cmd_system(struct global *g, int argc, char **argv);
/* Remove every network no container uses (but the default), saying which. */
int networks_prune(struct global *g);
/* inspect's printing: --format over an object's fields; objects in a JSON
 * array as docker indents them (first: none printed yet; close with
 * "]"). */
int print_formatted(const char *fmt, const char *json_text, struct err *e);
void print_in_array(const char *text, bool *first);
int cmd_rm(struct global *g, int argc, char **argv);
int cmd_container(struct global *g, int argc, char **argv);
int cmd_run(struct global *g, int argc, char **argv);
int cmd_info(struct global *g, int argc, char **argv);
int cmd_start(struct global *g, int argc, char **argv);
int cmd_stop(struct global *g, int argc, char **argv);
int cmd_restart(struct global *g, int argc, char **argv);
int cmd_kill(struct global *g, int argc, char **argv);
int cmd_wait(struct global *g, int argc, char **argv);
int cmd_logs(struct global *g, int argc, char **argv);
int cmd_exec(struct global *g, int argc, char **argv);
int cmd_attach(struct global *g, int argc, char **argv);
int cmd_container_cleanup(struct global *g, int argc, char **argv);
int cmd_container_restart_due(struct global *g, int argc, char **argv);
int cmd_healthcheck(struct global *g, int argc, char **argv);
/* cmd-cp.c */
int cmd_cp(struct global *g, int argc, char **argv);
int cmd_export(struct global *g, int argc, char **argv);
int cmd_diff(struct global *g, int argc, char **argv);
int cmd_commit(struct global *g, int argc, char **argv);
/* cmd-ops.c, cmd-events.c */
int cmd_pause(struct global *g, int argc, char **argv);
int cmd_unpause(struct global *g, int argc, char **argv);
int cmd_rename(struct global *g, int argc, char **argv);
int cmd_update(struct global *g, int argc, char **argv);
int cmd_top(struct global *g, int argc, char **argv);
int cmd_stats(struct global *g, int argc, char **argv);
int cmd_container_prune(struct global *g, int argc, char **argv);
int cmd_system_df(struct global *g, int argc, char **argv);
int cmd_events(struct global *g, int argc, char **argv);
/* attach's --detach-keys (docker's syntax: "ctrl-p,ctrl-q", "a,ctrl-b";
 * "" turns detaching off); every attach_run detaches on them, the default
 * ctrl-p ctrl-q. */
int attach_set_detach_keys(const char *keys, struct err *e);
/* An event (engine_event) with "key", "value", ..., NULL as attributes. */
void cli_event(struct global *g, const char *type, const char *action, const char *id, ...);

/* Attached to a container's monitor (conn, process monitor): its output
 * to ours, our stdin to it (with stdin_open), signals passed on
 * (sig_proxy), the terminal raw and its size followed (tty).  At the end
 * the exit is recorded here and the monitor is waited for.  Returns the
 * container's exit code, or -1 with e set when the monitor went away
 * without one. */
int attach_run(const struct engine *en, const char *id, int conn, pid_t pid, pid_t monitor,
	       bool tty, bool stdin_open, bool sig_proxy, struct err *e);
/* Our terminal's size (0 when stdin is no terminal). */
void terminal_size(unsigned *rows, unsigned *cols);
/* The exit status for an engine error: docker's 125, or 126 / 127 for a
 * command that cannot be run or is not found. */
int report_start(struct err *e);

/* Report e as "berth: <message>" and return EXIT_BERTH. */
int report(struct err *e);
/* For a command that loads libcurl or libarchive (base/dl.h): in the
 * static berth, re-execute the whole command line as berth-full (no
 * return); 0 where this program loads them itself; -1 (said) when
 * berth-full cannot be run.  Called before the command does anything. */
int cli_need_full(void);
/* Parse options; returns 0 to go on, or 1 with *ret_exit set (0 after
 * --help, EXIT_BERTH after an error).  Checks the positional count. */
int parse_or_exit(const struct opt_spec *spec, int argc, char **argv, size_t min_args,
		  size_t max_args, char ***ret_args, int *ret_exit);
