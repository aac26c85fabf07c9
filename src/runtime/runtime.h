/* runtime.h: the OCI runtime as a library (the verbs of the runtime-spec).
 *
 * This is the only header front ends include: berth-runtime's commands and
 * the engine call these functions; everything else under src/runtime/ is
 * internal.  Each verb works on the state directory <root>/<id> (see
 * status.h) and leaves nothing behind when it fails: no state directory,
 * cgroup, mount or process. */
#pragma once

#include <sys/types.h>

#include "base/err.h"

struct runtime_ctx {
	const char *root; /* state root, /run/berth-runtime by default */
};

struct runtime_create_opts {
	const char *id;
	const char *bundle; /* NULL: the current directory */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
};

struct runtime_run_opts {
	struct runtime_create_opts create;
	bool detach;
	bool keep; /* foreground: keep the container after it exits */
};

int runtime_create(const struct runtime_ctx *rt, const struct runtime_create_opts *o,
		   struct err *e);
int runtime_start(const struct runtime_ctx *rt, const char *id, struct err *e);
/* Create and start; in the foreground wait for the exit and return its
 * status in *ret_status (128 + signal when killed by one). */
int runtime_run(const struct runtime_ctx *rt, const struct runtime_run_opts *o, int *ret_status,
		struct err *e);
/* The state document of the runtime-spec, as pretty-printed JSON. */
int runtime_state(const struct runtime_ctx *rt, const char *id, char **ret_json, struct err *e);
int runtime_kill(const struct runtime_ctx *rt, const char *id, int sig, bool all, struct err *e);
int runtime_delete(const struct runtime_ctx *rt, const char *id, bool force, struct err *e);

/* Freeze / thaw every process of a running container (its cgroup). */
int runtime_pause(const struct runtime_ctx *rt, const char *id, struct err *e);
int runtime_resume(const struct runtime_ctx *rt, const char *id, struct err *e);

struct oci_resources;
/* Change the cgroup limits of a created, running or paused container. */
int runtime_update(const struct runtime_ctx *rt, const char *id, const struct oci_resources *r,
		   struct err *e);
/* The host pids of the container's processes. */
int runtime_pids(const struct runtime_ctx *rt, const char *id, pid_t **ret, size_t *ret_n,
		 struct err *e);
/* Resource usage of the container as runc's stats object (JSON text: cpu,
 * memory with oomKill, pids); *ret_running tells whether it still runs. */
int runtime_stats(const struct runtime_ctx *rt, const char *id, char **ret_json,
		  bool *ret_running, struct err *e);

struct runtime_exec_opts {
	const char *id;
	const char *process_file; /* a process.json: replaces everything below */
	char **args;		  /* else: the command, and overrides of the */
	bool tty;		  /* container's own process settings */
	const char *cwd;
	char **env;	   /* "KEY=value", added */
	const char *user;  /* "uid[:gid]" */
	char **caps;	   /* capability names, added (never to inheritable) */
	bool no_new_privs;
	const char *console_socket;
	const char *pid_file;
	bool detach;
	int preserve_fds;
};
/* Run a new process in a running container: its namespaces, cgroup,
 * capabilities, rlimits, no_new_privs and seccomp profile.  In the
 * foreground *ret_status is the process's exit status. */
int runtime_exec(const struct runtime_ctx *rt, const struct runtime_exec_opts *o,
		 int *ret_status, struct err *e);

/* The runtime-spec features document, pretty-printed JSON. */
char *runtime_features_json(void);

struct runtime_list_entry {
	char *id;
	pid_t pid;
	const char *status;
	char *bundle;
	char *created;
	char *owner;
};
int runtime_list(const struct runtime_ctx *rt, struct runtime_list_entry **ret, size_t *ret_n,
		 struct err *e);
void runtime_list_free(struct runtime_list_entry *l, size_t n);
