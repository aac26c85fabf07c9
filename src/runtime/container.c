/* container.c: create, start and run (the verbs that launch a container).
 *
 * create, in the parent:
 *   load and check config.json; make the state directory (locked);
 *   create the cgroup; open the namespaces to join, the console socket
 *   and the exec fifo; clone3() the init with its new namespaces;
 *   write the id maps, put the init in its cgroup, send GO; serve its
 *   requests (createRuntime hooks, pty) until READY; record state.json
 *   and the pid file; ACK and leave.  On any failure: kill the init,
 *   remove the cgroup and the state directory.
 * start opens the fifo, which releases the init, and reads until the fifo
 *   closes (the exec happened) or an error message arrives.
 * run does create, then releases the init through the sync socket (no
 *   fifo), and in the foreground waits for the exit, then deletes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/id.h"
#include "base/lock.h"
#include "base/log.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "oci/names.h"
#include "oci/resources.h"
#include "oci/state.h"
#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/foreground.h"
#include "runtime/hooks.h"
#include "runtime/limits.h"
#include "runtime/namespaces.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"
#include "runtime/status.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/userns.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct launch {
	const struct runtime_ctx *rt;
	const struct runtime_create_opts *o;
	bool run_mode;	 /* released through the socket, not the fifo */
	bool foreground; /* a foreground run: the pty comes to us */

	struct oci_config *cfg;
	char *bundle, *rootfs;
	int dirfd;
	char *dir_path; /* set once the state directory exists */
	struct cgroup_host cg;
	char *cg_path;
	bool cg_created;
	struct ns_plan ns;
	uint64_t rootfs_mnt_before; /* no mount namespace: the mount there before us */
	int *idmap_fds; /* per mount, -1 when not idmapped */
	struct seccomp_filter *seccomp;
	struct oci_resources *res;
	int sync_parent, sync_child;
	int fifo_fd;
	int console_sock;
	int master;
	pid_t pid;
	int pidfd;
	struct container_record rec;
};

static void launch_init(struct launch *l)
{
	memset(l, 0, sizeof(*l));
	l->dirfd = l->sync_parent = l->sync_child = l->fifo_fd = l->console_sock = -1;
	l->master = l->pidfd = -1;
	for (int t = 0; t < NS_COUNT; t++)
		l->ns.join_fd[t] = -1;
}

static char *state_json(const struct launch *l, const char *status, pid_t pid)
{
	struct oci_state s = {
		.oci_version = l->cfg->oci_version,
		.id = l->o->id,
		.status = status,
		.pid = pid,
		.bundle = l->bundle,
		.rootfs = l->rootfs,
		.annotations = l->cfg->annotations,
	};
	return oci_state_to_json(&s, false);
}

/* Undo everything a failed create made. */
static void launch_abort(struct launch *l)
{
	bool ran = l->pid > 0;
	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR)
			;
		l->pid = 0;
	}
	if (l->cg_created)
		(void)cgroup_destroy(&l->cg, l->cg_path, NULL);
	l->cg_created = false;
	/* Without a mount namespace the init's root mount is in the host's:
	 * undo it if one was made (the top mount is no longer the original). */
	if (l->cfg && l->rootfs && !l->cfg->linux.ns[NS_MNT].present && l->rootfs_mnt_before) {
		uint64_t now = rootfs_mount_id(l->rootfs);
		if (now && now != l->rootfs_mnt_before)
			(void)rootfs_unmount_host(l->rootfs, now, NULL);
	}
	/* As runc: a container that got as far as its process has poststop
	 * hooks run when its create fails. */
	if (ran && l->cfg && oci_config_has_hooks(l->cfg, OCI_HOOK_POSTSTOP)) {
		_cleanup_err_ struct err he = ERR_INIT;
		_cleanup_free_ char *st = state_json(l, "stopped", 0);
		if (hooks_run_all(&l->cfg->hooks[OCI_HOOK_POSTSTOP], OCI_HOOK_POSTSTOP, st, &he) < 0)
			log_warn("%s", err_msg(&he));
	}
	if (l->dir_path)
		(void)rm_rf_at(AT_FDCWD, l->dir_path, NULL);
	free(l->dir_path);
	l->dir_path = NULL;
}

static void launch_release(struct launch *l)
{
	for (size_t i = 0; l->idmap_fds && l->cfg && i < l->cfg->n_mounts; i++)
		if (l->idmap_fds[i] >= 0)
			close(l->idmap_fds[i]);
	free(l->idmap_fds);
	l->idmap_fds = NULL;
	oci_config_free(l->cfg);
	free(l->bundle);
	free(l->rootfs);
	free(l->cg_path);
	free(l->dir_path);
	cgroup_host_clear(&l->cg);
	ns_plan_release(&l->ns);
	seccomp_filter_free(l->seccomp);
	oci_resources_free(l->res);
	int *fds[] = {&l->dirfd,     &l->sync_parent,  &l->sync_child, &l->fifo_fd,
		      &l->console_sock, &l->master, &l->pidfd};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	container_record_clear(&l->rec);
}

static int check_config(struct launch *l, struct err *e)
{
	const struct oci_config *c = l->cfg;
	if (!c->process)
		return err_set(e, ERR_INVALID, "config.json: process: required to create a container");
	if (c->process->terminal && !l->o->console_socket && !l->foreground)
		return err_set(e, ERR_INVALID,
			       "config.json: process.terminal is true: --console-socket is required");
	if (sysctl_validate(c, e) < 0 || rlimits_check(c->process, e) < 0)
		return err_wrap(e, "config.json");
	if ((c->process->selinux_label && *c->process->selinux_label) ||
	    (c->linux.mount_label && *c->linux.mount_label))
		return err_set(e, ERR_UNSUPPORTED,
			       "config.json: %s: SELinux labels are not supported by this runtime",
			       c->linux.mount_label && *c->linux.mount_label ? "linux.mountLabel"
									     : "process.selinuxLabel");
	if (c->process->apparmor_profile && *c->process->apparmor_profile && !apparmor_enabled())
		return err_set(e, ERR_UNSUPPORTED,
			       "config.json: process.apparmorProfile \"%s\": AppArmor is not "
			       "enabled on this host",
			       c->process->apparmor_profile);
	struct oci_caps caps = c->process->caps;
	uint64_t unknown = caps_mask_unknown(&caps);
	for (int cap = 0; cap < 64; cap++)
		if (unknown & (1ull << cap))
			log_warn("config.json: %s is not supported by this kernel; ignored",
				 cap_name(cap) ? cap_name(cap) : "capability");
	return 0;
}

static int resolve_paths(struct launch *l, struct err *e)
{
	char *b = realpath(l->o->bundle ? l->o->bundle : ".", NULL);
	if (!b)
		return err_sys(e, errno, "bundle \"%s\"", l->o->bundle ? l->o->bundle : ".");
	l->bundle = b;
	_cleanup_free_ char *r = l->cfg->root_path[0] == '/' ? xstrdup(l->cfg->root_path)
							    : path_join(b, l->cfg->root_path);
	l->rootfs = realpath(r, NULL);
	if (!l->rootfs)
		return err_sys(e, errno, "config.json: root.path \"%s\"", l->cfg->root_path);
	struct stat st;
	if (stat(l->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(e, ERR_INVALID, "config.json: root.path \"%s\" is not a directory",
			       l->cfg->root_path);
	if (!l->cfg->linux.ns[NS_MNT].present && streq(l->rootfs, "/"))
		return err_set(e, ERR_INVALID,
			       "config.json: root.path \"/\" needs a mount namespace of its own");
	return 0;
}

/* Keep the runtime's own descriptors out of the range the container
 * inherits (3 .. 3 + preserve_fds - 1). */
static int move_fds(struct launch *l, struct err *e)
{
	int min = 3 + l->o->preserve_fds;
	int *fds[] = {&l->sync_parent, &l->sync_child, &l->fifo_fd, &l->console_sock, &l->dirfd};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] < 0)
			continue;
		int r = fd_move_above(*fds[i], min);
		if (r < 0)
			return err_sys(e, r, "move descriptor");
		*fds[i] = r;
	}
	for (size_t i = 0; l->idmap_fds && i < l->cfg->n_mounts; i++) {
		if (l->idmap_fds[i] < 0)
			continue;
		int r = fd_move_above(l->idmap_fds[i], min);
		if (r < 0)
			return err_sys(e, r, "move descriptor");
		l->idmap_fds[i] = r;
	}
	for (int t = 0; t < NS_COUNT; t++) {
		if (l->ns.join_fd[t] < 0)
			continue;
		int r = fd_move_above(l->ns.join_fd[t], min);
		if (r < 0)
			return err_sys(e, r, "move descriptor");
		l->ns.join_fd[t] = r;
	}
	return 0;
}

/* The host id container id 0 maps to, or -1. */
static uint32_t host_id_of_root(const struct oci_id_mapping *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0)
			return m[i].host_id;
	return (uint32_t)-1;
}

/* The host id that id 0 of process pid's user namespace maps to, read
 * from /proc/PID/{uid,gid}_map ("which"), or -1. */
static uint32_t proc_host_id_of_root(pid_t pid, const char *which)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s_map", (int)pid, which);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, path, 64 * 1024, &buf, &len, NULL) < 0)
		return (uint32_t)-1;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		unsigned long in, out, count;
		if (sscanf(line, "%lu %lu %lu", &in, &out, &count) == 3 && in == 0 && count > 0)
			return (uint32_t)out;
		line = nl ? nl + 1 : NULL;
	}
	return (uint32_t)-1;
}

/* A user namespace for each mount that carries id mappings. */
static int make_idmaps(struct launch *l, struct err *e)
{
	const struct oci_config *c = l->cfg;
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		if (!m->n_uid_mappings && !m->n_gid_mappings)
			continue;
		if (!m->n_uid_mappings || !m->n_gid_mappings)
			return err_set(e, ERR_INVALID,
				       "config.json: mounts[%zu]: an idmapped mount needs both "
				       "uidMappings and gidMappings",
				       i);
		if (!l->idmap_fds) {
			l->idmap_fds = xnew(int, c->n_mounts);
			for (size_t k = 0; k < c->n_mounts; k++)
				l->idmap_fds[k] = -1;
		}
		l->idmap_fds[i] = userns_fd_with_maps(m->uid_mappings, m->n_uid_mappings,
						      m->gid_mappings, m->n_gid_mappings, e);
		if (l->idmap_fds[i] < 0)
			return err_wrap(e, "config.json: mounts[%zu]", i);
	}
	return 0;
}

static int write_time_offsets(const struct oci_linux *lx, struct err *e)
{
	char buf[128];
	int n = 0;
	if (lx->time_monotonic.present)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "monotonic %lld %u\n",
			      (long long)lx->time_monotonic.secs, lx->time_monotonic.nanosecs);
	if (lx->time_boottime.present)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "boottime %lld %u\n",
			      (long long)lx->time_boottime.secs, lx->time_boottime.nanosecs);
	if (n == 0)
		return 0;
	_cleanup_close_ int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		return err_sys(e, errno, "linux.timeOffsets: write timens_offsets");
	return 0;
}

/* Namespaces created by clone3 belong to the caller's user namespace.
 * When a user namespace is joined and others are new, or a new user
 * namespace goes with joined ones (owned by the host's), the joins must
 * come first: a throw-away child joins them all, user first, then clones
 * the init with the new ones, as runc's nsexec does. */
static bool needs_ordered_join(const struct ns_plan *p)
{
	bool joins = false, news = false;
	for (int t = 0; t < NS_COUNT; t++) {
		if (t == NS_USER)
			continue;
		joins |= p->join_fd[t] >= 0;
		/* The init unshares the cgroup namespace itself, after its
		 * joins: it is in the right user namespace either way. */
		news |= p->new_ns[t] && t != NS_CGROUP;
	}
	return (p->join_fd[NS_USER] >= 0 && news) || (p->new_ns[NS_USER] && joins);
}

/* In the middle process: join, create the time namespace, clone the
 * init.  Returns the init's pid with its pidfd in *pidfd. */
static long ordered_join_clone(struct launch *l, struct init_ctx *ctx, int sock, int *pidfd,
			       struct err *e)
{
	static const enum ns_type order[] = {NS_USER, NS_PID, NS_TIME, NS_MNT,
					     NS_NET,  NS_IPC, NS_UTS,  NS_CGROUP};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		int fd = l->ns.join_fd[order[i]];
		if (fd >= 0 && ns_enter(fd, order[i], e) < 0)
			return -1;
	}
	if (l->ns.new_ns[NS_TIME]) {
		if (unshare(CLONE_NEWTIME) < 0)
			return err_sys(e, errno, "create time namespace");
		if (write_time_offsets(&l->cfg->linux, e) < 0)
			return -1;
	}
	ctx->ns_joined = true;
	struct clone_args args = {
		.flags = (uint64_t)(l->ns.clone_flags & ~CLONE_NEWTIME) | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		close(sock);
		init_main(ctx);
	}
	if (pid < 0)
		return err_sys(e, errno, "clone3");
	return pid;
}

_noreturn_ static void ordered_join_main(struct launch *l, struct init_ctx *ctx, int sock)
{
	_cleanup_err_ struct err e = ERR_INIT;
	close(l->sync_parent);
	close(l->dirfd);
	int pidfd = -1;
	long pid = ordered_join_clone(l, ctx, sock, &pidfd, &e);
	if (pid < 0) {
		(void)sync_send_error(sock, &e);
		_exit(1);
	}
	_exit(sync_send(sock, SYNC_READY, (int)pid, NULL, 0, pidfd) < 0 ? 1 : 0);
}

static int clone_init_ordered(struct launch *l, struct init_ctx *ctx, struct err *e)
{
	/* The init is the grandchild: become its reaper once the middle
	 * process exits, so that a foreground run can wait for it. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return err_sys(e, errno, "become a child subreaper");
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return err_sys(e, errno, "socketpair");
	_cleanup_close_ int sock = sp[0];
	pid_t mid = fork();
	if (mid < 0) {
		close(sp[1]);
		return err_sys(e, errno, "fork");
	}
	if (mid == 0) {
		close(sp[0]);
		ordered_join_main(l, ctx, sp[1]);
	}
	close(sp[1]);
	struct sync_msg m;
	int r = sync_expect(sock, SYNC_READY, &m, e);
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return err_wrap(e, "join the namespaces");
	l->pid = (pid_t)m.value;
	l->pidfd = m.fd;
	m.fd = -1;
	sync_msg_clear(&m);
	if (l->pidfd < 0 || l->pid <= 0)
		return err_set(e, ERR_INTERNAL, "the namespace joiner sent no init");
	close(l->sync_child);
	l->sync_child = -1;
	return 0;
}

/* pid and time namespaces apply to children: the parent enters (or
 * creates) them just around clone3 and returns to its own afterwards. */
static int clone_init(struct launch *l, struct init_ctx *ctx, struct err *e)
{
	if (needs_ordered_join(&l->ns))
		return clone_init_ordered(l, ctx, e);
	const struct oci_linux *lx = &l->cfg->linux;
	_cleanup_close_ int own_pid = -1, own_time = -1;
	int flags = l->ns.clone_flags & ~CLONE_NEWTIME;
	if (l->ns.join_fd[NS_PID] >= 0) {
		own_pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (own_pid < 0)
			return err_sys(e, errno, "open own pid namespace");
		if (ns_enter(l->ns.join_fd[NS_PID], NS_PID, e) < 0)
			return -1;
	}
	if (l->ns.new_ns[NS_TIME] || l->ns.join_fd[NS_TIME] >= 0) {
		own_time = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
		if (own_time < 0)
			return err_sys(e, errno, "open own time namespace");
		if (l->ns.new_ns[NS_TIME]) {
			if (unshare(CLONE_NEWTIME) < 0)
				return err_sys(e, errno, "create time namespace");
			if (write_time_offsets(lx, e) < 0)
				return -1;
		} else if (ns_enter(l->ns.join_fd[NS_TIME], NS_TIME, e) < 0)
			return -1;
	}
	struct clone_args args = {
		.flags = (uint64_t)flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&l->pidfd,
		.exit_signal = SIGCHLD,
	};
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		/* The state directory's descriptor carries the flock: the init
		 * must not hold it, or start and delete would wait on it. */
		close(l->sync_parent);
		close(l->dirfd);
		init_main(ctx);
	}
	int saved = errno;
	if (own_pid >= 0 && setns(own_pid, CLONE_NEWPID) < 0)
		log_warn("return to own pid namespace: %s", strerror(errno));
	if (own_time >= 0 && setns(own_time, CLONE_NEWTIME) < 0)
		log_warn("return to own time namespace: %s", strerror(errno));
	if (pid < 0)
		return err_sys(e, saved, "clone3");
	l->pid = (pid_t)pid;
	close(l->sync_child);
	l->sync_child = -1;
	return 0;
}

static int write_pid_file(const char *path, pid_t pid, struct err *e)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	_cleanup_free_ char *abs = path[0] == '/' ? xstrdup(path) : path_join(".", path);
	_cleanup_free_ char *dir = xstrdup(abs);
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	_cleanup_close_ int dfd = open(*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "--pid-file \"%s\"", path);
	if (write_file_atomic_at(dfd, slash + 1, buf, (size_t)n, 0644, 0, e) < 0)
		return err_wrap(e, "--pid-file");
	return 0;
}

/* Serve the init until it is READY. */
static int serve_init(struct launch *l, struct err *e)
{
	for (;;) {
		struct sync_msg m;
		if (sync_recv(l->sync_parent, &m, e) < 0)
			return -1;
		switch (m.type) {
		case SYNC_ERROR: {
			enum err_kind kind = m.value > 0 && m.value <= ERR_INTERNAL
						     ? (enum err_kind)m.value
						     : ERR_INTERNAL;
			err_set(e, kind, "%s", m.payload);
			if (e)
				e->errnum = m.aux;
			sync_msg_clear(&m);
			return -1;
		}
		case SYNC_HOOKS_REQUEST: {
			sync_msg_clear(&m);
			/* The state these hooks read says "created", as crun's and
			 * the conformance suite want: the container exists and
			 * its process waits. */
			_cleanup_free_ char *st = state_json(l, "created", l->pid);
			if (hooks_run(&l->cfg->hooks[OCI_HOOK_PRESTART], OCI_HOOK_PRESTART, st, e) <
				    0 ||
			    hooks_run(&l->cfg->hooks[OCI_HOOK_CREATE_RUNTIME],
				      OCI_HOOK_CREATE_RUNTIME, st, e) < 0)
				return -1;
			/* The init's hooks: createContainer, then startContainer. */
			_cleanup_strbuf_ struct strbuf both = STRBUF_INIT;
			strbuf_add(&both, st, strlen(st) + 1);
			strbuf_addstr(&both, st);
			if (sync_send(l->sync_parent, SYNC_HOOKS_DONE, 0, both.buf, both.len, -1) < 0)
				return err_set(e, ERR_IO, "container init exited");
			break;
		}
		case SYNC_CONSOLE:
			if (l->master >= 0)
				close(l->master);
			l->master = m.fd;
			m.fd = -1;
			sync_msg_clear(&m);
			break;
		case SYNC_READY:
			sync_msg_clear(&m);
			return 0;
		default:
			sync_msg_clear(&m);
			return err_set(e, ERR_INTERNAL, "container init: unexpected message %u",
				       m.type);
		}
	}
}

static int launch(struct launch *l, struct err *e)
{
	const struct runtime_create_opts *o = l->o;
	log_timing("parent: load the config");
	if (id_check(o->id, e) < 0)
		return -1;
	if (o->preserve_fds < 0 || o->preserve_fds > 65536)
		return err_set(e, ERR_INVALID, "--preserve-fds: %d is out of range", o->preserve_fds);
	/* The range passed on must be the caller's own descriptors, and none
	 * of ours (the log's, opened before we knew the range). */
	if (fd_check_preserved(3, o->preserve_fds, e) < 0)
		return -1;
	int mr = log_move_fd_above(3 + o->preserve_fds);
	if (mr < 0)
		return err_sys(e, mr, "move the log descriptor");
	_cleanup_free_ char *bundle_in = realpath(o->bundle ? o->bundle : ".", NULL);
	if (!bundle_in)
		return err_sys(e, errno, "bundle \"%s\"", o->bundle ? o->bundle : ".");
	_cleanup_free_ char *cfg_path = path_join(bundle_in, "config.json");
	_cleanup_free_ char *cfg_buf = NULL;
	size_t cfg_len;
	if (read_file_at(AT_FDCWD, cfg_path, OCI_CONFIG_MAX_SIZE, &cfg_buf, &cfg_len, e) < 0)
		return -1;
	l->cfg = oci_config_parse(cfg_buf, cfg_len, "config.json", e);
	if (!l->cfg)
		return -1;
	if (check_config(l, e) < 0 || resolve_paths(l, e) < 0)
		return -1;
	if (cgroup_detect(&l->cg, e) < 0 ||
	    cgroup_resolve_path(&l->cg, l->cfg->linux.cgroups_path, o->id, &l->cg_path, e) < 0)
		return -1;
	if (ns_plan_prepare(&l->cfg->linux, &l->ns, e) < 0)
		return -1;
	if (l->cfg->linux.resources_json) {
		const char *rj = l->cfg->linux.resources_json;
		l->res = oci_resources_parse(rj, strlen(rj), "linux.resources", e);
		if (!l->res)
			return err_wrap(e, "config.json");
	}
	if (l->cfg->linux.seccomp_json) {
		_cleanup_free_ char *cache = path_join(l->rt->root, ".seccomp-cache");
		l->seccomp = seccomp_filter_build(l->cfg->linux.seccomp_json, cache, e);
		if (!l->seccomp)
			return err_wrap(e, "config.json");
	}

	log_timing("parent: state directory and cgroup");
	/* From here on, failures must undo what was made. */
	l->dirfd = record_dir_create(l->rt->root, o->id, e);
	if (l->dirfd < 0)
		return -1;
	l->dir_path = path_join(l->rt->root, o->id);
	if (lock_fd(l->dirfd, LOCK_MODE_EXCLUSIVE, e) < 0)
		return -1;
	/* Named first, so a create killed from here on leaves a trail that
	 * delete follows; and marked made before it is, so a partial one is
	 * removed too (destroy tolerates what is missing). */
	if (write_file_atomic_at(l->dirfd, "cgroup.path", l->cg_path, strlen(l->cg_path), 0600, 0,
				 e) < 0)
		return -1;
	l->cg_created = true;
	if (cgroup_create(&l->cg, l->cg_path, e) < 0) {
		/* Rootless: no cgroups unless a cgroup was delegated to us. */
		if (geteuid() == 0 || (e && e->kind != ERR_PERMISSION))
			return -1;
		log_debug("no cgroup for the container (%s)", err_msg(e));
		if (l->res)
			log_warn("linux.resources ignored: the caller cannot create cgroups");
		err_clear(e);
		(void)cgroup_destroy(&l->cg, l->cg_path, NULL);
		l->cg_created = false;
		free(l->cg_path);
		l->cg_path = NULL;
		(void)unlinkat(l->dirfd, "cgroup.path", 0);
	} else if (cgroup_populated(&l->cg, l->cg_path)) {
		/* Another container's (or anything's) cgroup: never share it,
		 * delete would kill what is in it. */
		l->cg_created = false;
		return err_set(e, ERR_CONFLICT,
			       "config.json: linux.cgroupsPath: cgroup \"%s\" is in use by other "
			       "processes",
			       l->cg_path);
	}
	if (l->cg_path && l->res && cgroup_apply(&l->cg, l->cg_path, l->res, &l->cfg->linux, e) < 0)
		return err_wrap(e, "config.json");
	if (make_idmaps(l, e) < 0)
		return -1;
	if (o->console_socket && l->cfg->process->terminal) {
		l->console_sock = console_socket_connect(o->console_socket, e);
		if (l->console_sock < 0)
			return -1;
	}
	if (!l->run_mode) {
		if (mkfifoat(l->dirfd, "exec.fifo", 0600) < 0)
			return err_sys(e, errno, "create exec fifo");
		l->fifo_fd = openat(l->dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
		if (l->fifo_fd < 0)
			return err_sys(e, errno, "open exec fifo");
		/* In a user namespace the init opens it as the container's
		 * root, which is another host uid: make it that one's. */
		uid_t ruid = host_id_of_root(l->cfg->linux.uid_mappings, l->cfg->linux.n_uid_mappings);
		gid_t rgid = host_id_of_root(l->cfg->linux.gid_mappings, l->cfg->linux.n_gid_mappings);
		if (l->ns.new_ns[NS_USER] && (ruid != (uid_t)-1 || rgid != (gid_t)-1) &&
		    fchownat(l->dirfd, "exec.fifo", ruid, rgid, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(e, errno, "chown exec fifo");
	}
	/* The config as it was at create: start and delete run its hooks,
	 * exec takes its process settings and seccomp profile. */
	bool hooks_later = oci_config_has_hooks(l->cfg, OCI_HOOK_POSTSTART) ||
			   oci_config_has_hooks(l->cfg, OCI_HOOK_POSTSTOP);
	if (write_file_atomic_at(l->dirfd, "config.json", cfg_buf, cfg_len, 0600, 0, e) < 0)
		return -1;
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return err_sys(e, errno, "socketpair");
	l->sync_parent = sp[0];
	l->sync_child = sp[1];
	if (move_fds(l, e) < 0)
		return -1;

	struct init_ctx ctx = {
		.cfg = l->cfg,
		.id = o->id,
		.bundle = l->bundle,
		.rootfs = l->rootfs,
		.ns = &l->ns,
		.cg_host = &l->cg,
		.cg_path = l->cg_path,
		.idmap_fds = l->idmap_fds,
		.sync_fd = l->sync_child,
		.fifo_fd = l->fifo_fd,
		.console_sock = l->console_sock,
		.preserve_fds = o->preserve_fds,
		.seccomp = l->seccomp,
		.no_pivot = o->no_pivot,
		.no_new_keyring = o->no_new_keyring,
	};
	log_timing("parent: clone3 with the namespaces");
	if (!l->cfg->linux.ns[NS_MNT].present)
		l->rootfs_mnt_before = rootfs_mount_id(l->rootfs);
	if (clone_init(l, &ctx, e) < 0)
		return -1;
	log_timing("parent: id maps, join the cgroup");
	if (l->ns.new_ns[NS_USER] && userns_write_maps(l->pid, &l->cfg->linux, e) < 0)
		return -1;
	/* A joined user namespace: its root is whoever its maps say. */
	if (l->ns.join_fd[NS_USER] >= 0 && l->fifo_fd >= 0) {
		uint32_t ruid = proc_host_id_of_root(l->pid, "uid");
		uint32_t rgid = proc_host_id_of_root(l->pid, "gid");
		if ((ruid != (uint32_t)-1 || rgid != (uint32_t)-1) &&
		    fchownat(l->dirfd, "exec.fifo", ruid, rgid, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(e, errno, "chown exec fifo");
	}
	if (l->cg_path && cgroup_enter(&l->cg, l->cg_path, l->pid, e) < 0)
		return -1;
	if (l->cfg->process->has_oom_score_adj) {
		char path[64], val[16];
		snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)l->pid);
		snprintf(val, sizeof(val), "%d", l->cfg->process->oom_score_adj);
		if (write_file_at(AT_FDCWD, path, val, e) < 0)
			return err_wrap(e, "process.oomScoreAdj");
	}
	if (sync_send(l->sync_parent, SYNC_GO, 0, NULL, 0, -1) < 0)
		return err_set(e, ERR_IO, "container init exited early");
	if (serve_init(l, e) < 0)
		return -1;

	log_timing("parent: record the state");
	char created[RFC3339_MAX];
	time_now_rfc3339(created);
	struct container_record *r = &l->rec;
	r->id = xstrdup(o->id);
	r->oci_version = xstrdup(l->cfg->oci_version);
	r->pid = l->pid;
	r->pid_start = proc_start_time(l->pid);
	r->bundle = xstrdup(l->bundle);
	r->rootfs = xstrdup(l->rootfs);
	r->created = xstrdup(created);
	r->owner = owner_name(geteuid());
	r->annotations = strv_dup(l->cfg->annotations);
	if (l->cg_path) {
		r->cgroup_path = xstrdup(l->cg_path);
		r->freezer = cgroup_freezer_file(&l->cg, l->cg_path);
	}
	r->has_hooks = hooks_later;
	if (!l->cfg->linux.ns[NS_MNT].present)
		r->host_mount_id = rootfs_mount_id(l->rootfs);
	if (record_save(l->dirfd, r, e) < 0)
		return -1;
	if (o->pid_file && write_pid_file(o->pid_file, l->pid, e) < 0)
		return -1;
	return 0;
}

static int launch_run(struct launch *l, struct err *e)
{
	if (launch(l, e) < 0) {
		launch_abort(l);
		return err_wrap(e, "create container \"%s\"", l->o->id);
	}
	/* The container exists now: a later failure is undone by delete. */
	free(l->dir_path);
	l->dir_path = NULL;
	return 0;
}

int runtime_create(const struct runtime_ctx *rt, const struct runtime_create_opts *o,
		   struct err *e)
{
	struct launch l;
	launch_init(&l);
	l.rt = rt;
	l.o = o;
	int r = launch_run(&l, e);
	if (r == 0 && sync_send(l.sync_parent, SYNC_ACK, 0, NULL, 0, -1) < 0) {
		l.dir_path = path_join(rt->root, o->id);
		launch_abort(&l);
		r = err_set(e, ERR_IO, "create container \"%s\": container init exited", o->id);
	}
	launch_release(&l);
	return r;
}

static void run_poststart(const struct oci_config *cfg, const char *state)
{
	_cleanup_err_ struct err e = ERR_INIT;
	if (hooks_run_all(&cfg->hooks[OCI_HOOK_POSTSTART], OCI_HOOK_POSTSTART, state, &e) < 0)
		log_warn("%s", err_msg(&e));
}

int runtime_run(const struct runtime_ctx *rt, const struct runtime_run_opts *o, int *ret_status,
		struct err *e)
{
	struct launch l;
	launch_init(&l);
	l.rt = rt;
	l.o = &o->create;
	l.run_mode = true;
	l.foreground = !o->detach;
	*ret_status = 0;
	if (launch_run(&l, e) < 0) {
		launch_release(&l);
		return -1;
	}
	/* Release the init; the socket closes on exec (it is O_CLOEXEC),
	 * or brings the reason the exec failed. */
	struct sync_msg m;
	_cleanup_err_ struct err start_err = ERR_INIT;
	/* The program must find our terminal's size from its first instruction. */
	if (l.master >= 0)
		foreground_pass_winsize(l.master);
	log_timing("parent: release the init");
	int r = sync_send(l.sync_parent, SYNC_START, 0, NULL, 0, -1);
	if (r == 0 && sync_recv(l.sync_parent, &m, &start_err) == 0) {
		if (m.type == SYNC_ERROR) {
			err_set(e, m.value > 0 && m.value <= ERR_INTERNAL ? (enum err_kind)m.value
									   : ERR_INTERNAL,
				"%s", m.payload);
			r = -1;
		}
		sync_msg_clear(&m);
	}
	if (r < 0) {
		if (!err_isset(e))
			err_set(e, ERR_IO, "container init exited before its program started");
		l.dir_path = path_join(rt->root, o->create.id);
		launch_abort(&l);
		launch_release(&l);
		return err_wrap(e, "start container \"%s\"", o->create.id);
	}
	if (oci_config_has_hooks(l.cfg, OCI_HOOK_POSTSTART)) {
		_cleanup_free_ char *st = state_json(&l, "running", l.pid);
		run_poststart(l.cfg, st);
	}
	if (o->detach) {
		l.pid = 0; /* it lives on */
		launch_release(&l);
		return 0;
	}
	log_timing("program: exec'd, runs until exit");
	r = foreground_wait(l.pid, l.pidfd, l.master, ret_status, e);
	log_timing("parent: delete");
	l.pid = 0; /* reaped */
	struct runtime_ctx rtc = *rt;
	int saved_dirfd = l.dirfd;
	l.dirfd = -1; /* delete takes the lock itself */
	close(saved_dirfd);
	launch_release(&l);
	if (!o->keep) {
		_cleanup_err_ struct err de = ERR_INIT;
		if (runtime_delete(&rtc, o->create.id, true, &de) < 0 && r == 0)
			log_warn("%s", err_msg(&de));
	}
	return r;
}

int runtime_start(const struct runtime_ctx *rt, const char *id, struct err *e)
{
	if (id_check(id, e) < 0)
		return -1;
	_cleanup_close_ int dirfd = record_dir_open(rt->root, id, e);
	if (dirfd < 0)
		return -1;
	if (lock_fd(dirfd, LOCK_MODE_EXCLUSIVE, e) < 0)
		return -1;
	struct container_record rec;
	if (record_load(dirfd, &rec, e) < 0)
		return err_wrap(e, "start container \"%s\"", id);
	enum container_status st = record_status(dirfd, &rec);
	int r = -1;
	_cleanup_close_ int fifo = -1, pidfd = -1;
	_cleanup_strbuf_ struct strbuf msg = STRBUF_INIT; /* before any goto */
	bool released = false;
	if (st != STATUS_CREATED) {
		err_set(e, ERR_CONFLICT, "start container \"%s\": it is %s, not created", id,
			container_status_name(st));
		goto out;
	}
	pidfd = pidfd_open(rec.pid, 0);
	fifo = openat(dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0 || pidfd < 0) {
		err_sys(e, errno, "start container \"%s\": open exec fifo", id);
		goto out;
	}
	/* Wait for the init's "0": it opened the fifo and is on its way. */
	for (;;) {
		struct pollfd p[2] = {{.fd = fifo, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			err_sys(e, errno, "start container \"%s\": poll", id);
			goto out;
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			char buf[4096];
			ssize_t n = read(fifo, buf, sizeof(buf));
			if (n > 0) {
				size_t off = 0;
				if (!released) {
					released = true;
					unlinkat(dirfd, "exec.fifo", 0);
					off = 1;
				}
				if (msg.len < 65536)
					strbuf_add(&msg, buf + off, (size_t)n - off);
				continue;
			}
			if (n == 0 && released)
				break; /* all writers gone: exec'd, or failed */
			if (n == 0) {
				err_set(e, ERR_IO,
					"start container \"%s\": the init closed the exec fifo", id);
				goto out;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				err_sys(e, errno, "start container \"%s\": read exec fifo", id);
				goto out;
			}
		}
		if ((p[1].revents & POLLIN) && !released) {
			err_set(e, ERR_CONFLICT,
				"start container \"%s\": its init exited before it was started", id);
			goto out;
		}
		if (p[1].revents & POLLIN) {
			/* The init died after release: whatever it wrote is in the
			 * pipe; one more read gets it. */
			fd_set_nonblock(fifo, true);
			char buf[4096];
			ssize_t n;
			while ((n = read(fifo, buf, sizeof(buf))) > 0)
				strbuf_add(&msg, buf, (size_t)n);
			break;
		}
	}
	if (msg.len) {
		enum err_kind kind = ERR_IO;
		const char *text = msg.buf;
		if (msg.len >= 2 && text[0] == '\001' && text[1] > '0' &&
		    text[1] <= '0' + ERR_INTERNAL) {
			kind = (enum err_kind)(text[1] - '0');
			text += 2;
		}
		err_set(e, kind, "start container \"%s\": %s", id, text);
		if (e && kind == ERR_NOT_FOUND)
			e->errnum = ENOENT;
		goto out;
	}
	if (rec.has_hooks) {
		_cleanup_err_ struct err he = ERR_INIT;
		_cleanup_free_ char *buf = NULL;
		size_t len;
		_cleanup_(oci_config_freep) struct oci_config *cfg = NULL;
		if (read_file_at(dirfd, "config.json", OCI_CONFIG_MAX_SIZE, &buf, &len, &he) == 0)
			cfg = oci_config_parse(buf, len, "config.json", &he);
		if (cfg) {
			struct oci_state s = {
				.oci_version = rec.oci_version, .id = rec.id, .status = "running",
				.pid = rec.pid, .bundle = rec.bundle, .rootfs = rec.rootfs,
				.annotations = rec.annotations,
			};
			_cleanup_free_ char *js = oci_state_to_json(&s, false);
			run_poststart(cfg, js);
		} else {
			log_warn("poststart hooks: %s", err_msg(&he));
		}
	}
	r = 0;
out:
	container_record_clear(&rec);
	return r;
}
