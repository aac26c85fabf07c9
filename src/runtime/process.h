/* process.h: the container init: everything between clone3() and the
 * execve() of the user's program, in the order the runtime-spec needs.
 *
 * The init runs in the cloned child.  It waits for the parent to finish
 * what only the parent can do (id maps, cgroup), enters the remaining
 * namespaces, builds the root (mounts, devices, terminal), asks the parent
 * to run the createRuntime hooks, runs createContainer hooks, pivots,
 * masks, applies the process settings (rlimits, user, cwd, capabilities,
 * no_new_privs), reports READY and waits to be started: on the exec fifo
 * (create) or on the sync socket (run).  Any failure is sent to the parent
 * (or, after start, to `start` through the fifo) and the init exits. */
#pragma once

#include <sys/types.h>

#include "oci/config.h"
#include "runtime/cgroup.h"
#include "runtime/namespaces.h"
#include "runtime/seccomp.h"

struct init_ctx {
	const struct oci_config *cfg;
	const char *id;
	const char *bundle;
	const char *rootfs;
	struct ns_plan *ns;
	const struct cgroup_host *cg_host;
	const char *cg_path; /* NULL: no cgroup (rootless, not delegated) */
	const int *idmap_fds; /* per mount: user namespace of an idmapped mount, or -1 */
	int sync_fd;	   /* the init's end of the sync socket */
	int fifo_fd;	   /* O_PATH exec.fifo (create), -1 for run */
	int console_sock;  /* connected --console-socket, or -1 */
	int preserve_fds;
	const struct seccomp_filter *seccomp; /* NULL: none */
	bool no_pivot;
	bool no_new_keyring;
	/* The namespaces given by path were joined before the clone (the
	 * ordered path of clone_init): the init joins none itself. */
	bool ns_joined;
};

_noreturn_ void init_main(struct init_ctx *ctx);
/* Whether the init asks the parent to run prestart/createRuntime hooks
 * (and needs the state JSON for its own): both sides decide alike. */
bool init_needs_hooks_round(const struct oci_config *c);
/* What the common tail of the container init and of `exec` needs. */
struct process_final {
	const struct oci_process *p;
	const struct seccomp_filter *seccomp; /* NULL: none */
	bool in_userns;
	int procfd; /* a private procfs instance (AppArmor), or -1 */
	/* startContainer hooks, run with the container's final credentials,
	 * capabilities, no_new_privs and seccomp filter (as runc does). */
	const struct oci_hook_list *start_hooks;
	const char *state_json;
	const struct oci_linux *linux; /* personality */
};

/* The common tail of the container init and of `exec`, in this order:
 * the bounding set, raised rlimits, user and groups, the working
 * directory (checked to be inside the root), personality, scheduler and
 * I/O priority, the program looked up in the
 * process's PATH, the capability sets, startContainer hooks, the final
 * rlimits, AppArmor, no_new_privs, seccomp, execve.  Returns only when
 * something failed (e set). */
int process_exec(const struct process_final *f, struct err *e);
/* A detached procfs instance of this process's pid namespace: paths below
 * it cannot be faked by the container's own /proc. */
int private_proc(struct err *e);
/* Whether the host runs AppArmor (a profile can be applied). */
bool apparmor_enabled(void);
/* Default dispositions and an empty mask for every signal, as a freshly
 * exec'd program expects them. */
void process_reset_signals(void);
