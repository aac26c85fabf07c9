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
