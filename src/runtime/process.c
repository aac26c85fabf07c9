/* process.c: see process.h. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/ioprio.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/log.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "runtime/caps.h"
#include "runtime/devices.h"
#include "runtime/hooks.h"
#include "runtime/limits.h"
#include "runtime/mounts.h"
#include "runtime/process.h"
#include "runtime/rootfs.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void process_reset_signals(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

/* Where errors go: the parent until it is gone, then the fifo reader
 * (`start`), else the container's stderr. */
struct init_state {
	struct init_ctx *ctx;
	int report_fd;
	bool to_parent;
};

_noreturn_ static void fail(struct init_state *s, struct err *e)
{
	if (s->to_parent)
		(void)sync_send_error(s->report_fd, e);
	else if (s->report_fd >= 0) {
		/* The kind first (SOH, a digit): `start` passes it on. */
		char head[2] = {'\001', (char)('0' + (int)e->kind)};
		(void)write_all(s->report_fd, head, sizeof(head));
		(void)write_all(s->report_fd, err_msg(e), strlen(err_msg(e)));
	}
	else
		dprintf(STDERR_FILENO, "berth-runtime: %s\n", err_msg(e));
	_exit(1);
}

static int enter_namespaces(struct init_ctx *ctx, struct err *e)
{
	/* The user namespace first (it owns the others), then the rest.
	 * pid and time were entered by the parent: they apply to children. */
	static const enum ns_type order[] = {NS_USER, NS_MNT, NS_NET, NS_IPC, NS_UTS, NS_CGROUP};
	for (size_t i = 0; i < ARRAY_SIZE(order) && !ctx->ns_joined; i++) {
		int fd = ctx->ns->join_fd[order[i]];
		if (fd >= 0 && ns_enter(fd, order[i], e) < 0)
			return -1;
	}
	if (ctx->ns->new_ns[NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0)
		return err_sys(e, errno, "create cgroup namespace");
	return 0;
}

static bool has_mount_at(const struct oci_config *c, const char *dest, const char *type)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		_cleanup_free_ char *d = path_clean(c->mounts[i].destination);
		if (streq(d, dest) && (!type || streq_ptr(c->mounts[i].type, type)))
			return true;
	}
	return false;
}

static bool dev_is_bind(const struct oci_config *c)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		_cleanup_free_ char *d = path_clean(c->mounts[i].destination);
		if (!streq(d, "/dev"))
			continue;
		if (streq_ptr(c->mounts[i].type, "bind") ||
		    strv_contains(c->mounts[i].options, "bind") ||
		    strv_contains(c->mounts[i].options, "rbind"))
			return true;
	}
	return false;
}

/* Open /proc/self/fd of this process without going through the container
 * root after the pivot: the container's /proc when it has one mounted,
 * else a private, detached proc instance. */
int private_proc(struct err *e)
{
	_cleanup_close_ int fsfd = fsopen("proc", FSOPEN_CLOEXEC);
	if (fsfd < 0 || fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return err_sys(e, errno, "open a proc instance");
	int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID |
						      MOUNT_ATTR_NODEV);
	if (mfd < 0)
		return err_sys(e, errno, "mount a proc instance");
	return mfd;
}

static int setup_root(struct init_ctx *ctx, int *ret_rootfd, int *ret_master, int *ret_slave,
		      int *ret_procfd, struct err *e)
{
	const struct oci_config *c = ctx->cfg;
	bool userns = ctx->ns->new_ns[NS_USER] || ctx->ns->join_fd[NS_USER] >= 0;
	bool own_mnt = ctx->ns->new_ns[NS_MNT] || ctx->ns->join_fd[NS_MNT] >= 0;
	_cleanup_close_ int rootfd =
		rootfs_prepare(ctx->rootfs, c->linux.rootfs_propagation, own_mnt, e);
	if (rootfd < 0)
		return -1;
	struct mount_env env = {
		.rootfd = rootfd,
		.bundle = ctx->bundle,
		.userns = userns,
		.cgroupns = ctx->ns->new_ns[NS_CGROUP] || ctx->ns->join_fd[NS_CGROUP] >= 0,
		.cg_host = ctx->cg_host,
		.cg_path = ctx->cg_path,
		.idmap_fds = ctx->idmap_fds,
	};
	for (size_t i = 0; i < c->n_mounts; i++)
		if (mount_one(&env, &c->mounts[i], i, e) < 0)
			return -1;
	if (!dev_is_bind(c)) {
		if (devices_create(rootfd, &c->linux, userns, e) < 0 ||
		    devices_links(rootfd, has_mount_at(c, "/dev/pts", "devpts"), e) < 0)
			return -1;
	}
	if (c->process && c->process->terminal) {
		if (terminal_open(rootfd, c->process, true, ret_master, ret_slave, e) < 0)
			return -1;
	}
	if (c->process) {
		/* runc creates a missing working directory; so do we. */
		_cleanup_close_ int cwd = path_create_in_root(rootfd, c->process->cwd,
							      PATH_CREATE_DIR, 0755, e);
		if (cwd < 0)
			return err_wrap(e, "process.cwd");
	}
	/* The exec fifo and AppArmor go through /proc: a private instance,
	 * never the container's own (which its image can fake). */
	if (ctx->fifo_fd >= 0 || (c->process && c->process->apparmor_profile &&
				  *c->process->apparmor_profile)) {
		*ret_procfd = private_proc(e);
		if (*ret_procfd < 0)
			return -1;
	}
	*ret_rootfd = TAKE_FD(rootfd);
	return 0;
}

static int set_user(const struct oci_process *p, bool in_userns, struct err *e)
{
	const struct oci_user *u = &p->user;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_sys(e, errno, "keep capabilities");
	gid_t *g = xnew(gid_t, u->n_additional_gids);
	for (size_t i = 0; i < u->n_additional_gids; i++)
		g[i] = u->additional_gids[i];
	int r = setgroups(u->n_additional_gids, g);
	int saved = errno;
	free(g);
	/* In a user namespace whose setgroups is denied, an empty list is
	 * what the process has anyway. */
	if (r < 0 && !(saved == EPERM && in_userns && u->n_additional_gids == 0))
		return err_sys(e, saved, "process.user.additionalGids: setgroups");
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return err_sys(e, errno, "process.user.gid: setgid %u", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return err_sys(e, errno, "process.user.uid: setuid %u", u->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return err_sys(e, errno, "reset keep capabilities");
	if (u->has_umask)
		umask((mode_t)u->umask);
	else
		umask(022);
	return 0;
}

/* Resolve args[0] the way execvp would, with the container's PATH, and
 * refuse programs reached through /proc magic links (/proc/self/exe would
 * be this runtime's binary: CVE-2019-5736). */
static int resolve_program(const struct oci_process *p, char **ret, struct err *e)
{
	const char *name = p->args[0];
	_cleanup_free_ char *found = NULL;
	if (strchr(name, '/')) {
		found = xstrdup(name);
	} else {
		const char *path = strv_env_get(p->env, "PATH");
		_cleanup_free_ char *dirs = xstrdup(path ? path : DEFAULT_PATH);
		char *save = NULL;
		for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			_cleanup_free_ char *cand = path_join(*d ? d : ".", name);
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
				found = TAKE_PTR(cand);
				break;
			}
		}
		if (!found) {
			err_set(e, ERR_NOT_FOUND, "exec \"%s\": executable file not found in $PATH",
				name);
			e->errnum = ENOENT;
			return -1;
		}
	}
	int fd = path_openat2(AT_FDCWD, found, O_PATH, 0, RESOLVE_NO_MAGICLINKS);
	if (fd == -ELOOP)
		return err_set(e, ERR_PERMISSION,
			       "exec \"%s\": refusing to run a program through a /proc magic link",
			       name);
	if (fd < 0)
		return err_sys(e, fd, "exec \"%s\"", name);
	close(fd);
	*ret = TAKE_PTR(found);
	return 0;
}

/* A variable given twice takes its last value, as with runc (which sets
 * them one by one with setenv); order of first appearance is kept. */
static char **env_dedupe(char *const *env)
{
	char **out = NULL;
	size_t n = strv_length(env);
	for (size_t i = 0; i < n; i++) {
		size_t klen = strcspn(env[i], "=");
		bool replaced = false;
		for (size_t j = 0; out && out[j]; j++)
			if (strncmp(out[j], env[i], klen) == 0 && out[j][klen] == '=') {
				free(out[j]);
				out[j] = xstrdup(env[i]);
				replaced = true;
				break;
			}
		if (!replaced)
			strv_push(&out, env[i]);
	}
	return out ? out : xnew(char *, 1);
}

static int wait_for_start(struct init_state *s, int procfd, struct err *e)
{
	struct init_ctx *ctx = s->ctx;
	if (ctx->fifo_fd < 0) {
		struct sync_msg m;
		if (sync_expect(ctx->sync_fd, SYNC_START, &m, e) < 0)
			return -1;
		sync_msg_clear(&m);
		return 0;
	}
	/* create: the parent records the state and leaves; from then on
	 * only `start` hears from us, through the fifo. */
	struct sync_msg m;
	if (sync_expect(ctx->sync_fd, SYNC_ACK, &m, e) < 0)
		return -1;
	sync_msg_clear(&m);
	close(ctx->sync_fd);
	s->to_parent = false;
	s->report_fd = -1;
	char name[32];
	snprintf(name, sizeof(name), "self/fd/%d", ctx->fifo_fd);
	int fd;
	do
		fd = openat(procfd, name, O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return err_sys(e, errno, "open the exec fifo");
	close(ctx->fifo_fd);
	s->report_fd = fd;
	if (write_all(fd, "0", 1) < 0)
		return err_sys(e, errno, "write the exec fifo");
	return 0;
}

bool init_needs_hooks_round(const struct oci_config *c)
{
	return oci_config_has_hooks(c, OCI_HOOK_PRESTART) ||
	       oci_config_has_hooks(c, OCI_HOOK_CREATE_RUNTIME) ||
	       oci_config_has_hooks(c, OCI_HOOK_CREATE_CONTAINER) ||
	       oci_config_has_hooks(c, OCI_HOOK_START_CONTAINER);
}

_noreturn_ void init_main(struct init_ctx *ctx)
{
	struct init_state s = {.ctx = ctx, .report_fd = ctx->sync_fd, .to_parent = true};
	_cleanup_err_ struct err e = ERR_INIT;
	const struct oci_config *c = ctx->cfg;
	const struct oci_process *p = c->process;
	struct sync_msg m;
	_cleanup_free_ char *state_json = NULL;
	const char *state_created = NULL;
	int rootfd = -1, master = -1, slave = -1, procfd = -1;

	process_reset_signals();
	umask(0);
	if (sync_expect(ctx->sync_fd, SYNC_GO, &m, &e) < 0)
		_exit(1); /* the parent is gone or failed: it reports */
	sync_msg_clear(&m);
	/* Until the exec nothing in the container may look into us (ptrace,
	 * /proc/<pid>/fd): we hold descriptors of the host and full privileges.
	 * Not before GO: an unprivileged parent writes our id maps, which a
	 * non-dumpable process's /proc files would not let it do. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	log_timing("init: namespaces, hostname");
	if (ctx->ns->new_ns[NS_USER]) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			err_sys(&e, errno, "become root in the user namespace (is 0 mapped?)");
			fail(&s, &e);
		}
	}
	if (enter_namespaces(ctx, &e) < 0)
		fail(&s, &e);
	/* Joining a user namespace keeps the host ids, unmapped there. */
	if (ctx->ns->join_fd[NS_USER] >= 0 && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		err_sys(&e, errno, "become root in the joined user namespace (is 0 mapped?)");
		fail(&s, &e);
	}
	if (c->hostname && *c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0) {
		err_sys(&e, errno, "hostname");
		fail(&s, &e);
	}
	if (c->domainname && *c->domainname &&
	    setdomainname(c->domainname, strlen(c->domainname)) < 0) {
		err_sys(&e, errno, "domainname");
		fail(&s, &e);
	}
	log_timing("init: root, mounts, devices");
	if (setup_root(ctx, &rootfd, &master, &slave, &procfd, &e) < 0)
		fail(&s, &e);

	/* prestart and createRuntime run in the runtime's namespaces: the
	 * parent runs them.  It answers with the state JSON for our hooks. */
	if (init_needs_hooks_round(c)) {
		if (sync_send(ctx->sync_fd, SYNC_HOOKS_REQUEST, 0, NULL, 0, -1) < 0 ||
		    sync_expect(ctx->sync_fd, SYNC_HOOKS_DONE, &m, &e) < 0) {
			if (!err_isset(&e))
				err_set(&e, ERR_IO, "talk to the parent");
			fail(&s, &e);
		}
		/* Two documents: "creating" for createContainer, then
		 * "created" for startContainer. */
		state_json = TAKE_PTR(m.payload);
		size_t first = strlen(state_json);
		state_created = first < m.len ? state_json + first + 1 : state_json;
		sync_msg_clear(&m);
		if (hooks_run(&c->hooks[OCI_HOOK_CREATE_CONTAINER], OCI_HOOK_CREATE_CONTAINER,
			      state_json, &e) < 0)
			fail(&s, &e);
	}
	log_timing("init: sysctl, masks, read-only paths");
	if (sysctl_apply(rootfd, c, &e) < 0 || rootfs_protect(rootfd, c, &e) < 0)
		fail(&s, &e);

	log_timing("init: pivot_root");
	bool own_mnt = ctx->ns->new_ns[NS_MNT] || ctx->ns->join_fd[NS_MNT] >= 0;
	if (rootfs_enter(rootfd, ctx->no_pivot, own_mnt, &e) < 0 ||
	    (own_mnt && rootfs_propagate(c->linux.rootfs_propagation, &e) < 0))
		fail(&s, &e);
	close(rootfd);

	if (master >= 0) {
		if (ctx->console_sock >= 0) {
			if (console_socket_send(ctx->console_sock, master, &e) < 0)
				fail(&s, &e);
		} else if (sync_send(ctx->sync_fd, SYNC_CONSOLE, 0, NULL, 0, master) < 0) {
			err_set(&e, ERR_IO, "send the pty to the parent");
			fail(&s, &e);
		}
		close(master);
	}
	if (ctx->console_sock >= 0)
		close(ctx->console_sock);
	if (setsid() < 0) {
		err_sys(&e, errno, "setsid");
		fail(&s, &e);
	}
	if (slave >= 0 && terminal_become(slave, &e) < 0)
		fail(&s, &e);
	if (slave > 2)
		close(slave);

	if (!ctx->no_new_keyring)
		(void)syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, ctx->id);
	/* Only stdio and the preserved descriptors survive the exec. */
	if (close_range(3 + (unsigned)ctx->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		err_sys(&e, errno, "close_range");
		fail(&s, &e);
	}
	for (int fd = 3; fd < 3 + ctx->preserve_fds; fd++)
		(void)fd_set_cloexec(fd, false);

	log_timing("init: ready");
	if (sync_send(ctx->sync_fd, SYNC_READY, 0, NULL, 0, -1) < 0)
		_exit(1);
	if (wait_for_start(&s, procfd, &e) < 0)
		fail(&s, &e);

	log_timing("init: user, cwd, capabilities");
	struct process_final f = {
		.p = p,
		.seccomp = ctx->seccomp,
		.in_userns = ctx->ns->new_ns[NS_USER] || ctx->ns->join_fd[NS_USER] >= 0,
		.procfd = procfd,
		.start_hooks = &c->hooks[OCI_HOOK_START_CONTAINER],
		.state_json = state_created,
		.linux = &c->linux,
	};
	process_exec(&f, &e);
	fail(&s, &e);
}

bool apparmor_enabled(void)
{
	char c = 0;
	int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = 0;
		close(fd);
	}
	return c == 'Y';
}

/* Confine the program we are about to exec with an AppArmor profile: the
 * kernel switches to it at execve. */
static int apparmor_exec(int procfd, const char *profile, struct err *e)
{
	static const char *const files[] = {"self/attr/apparmor/exec", "self/attr/exec"};
	_cleanup_free_ char *cmd = xasprintf("exec %s", profile);
	if (procfd < 0)
		return err_set(e, ERR_INTERNAL, "process.apparmorProfile: no proc instance");
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		int fd = openat(procfd, files[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = write(fd, cmd, strlen(cmd));
		int saved = errno;
		close(fd);
		if (n < 0)
			return err_sys(e, saved, "process.apparmorProfile \"%s\"", profile);
		return 0;
	}
	return err_sys(e, errno, "process.apparmorProfile \"%s\"", profile);
}

/* In a startContainer hook's process: take the container's final
 * capabilities, no_new_privs and seccomp filter before its execve. */
struct confine {
	struct oci_caps caps;
	bool nnp;
	const struct seccomp_filter *seccomp;
};

static int confine_hook(void *data)
{
	struct confine *c = data;
	_cleanup_err_ struct err e = ERR_INIT;
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which the
	 * process still has until caps_set. */
	if (c->seccomp && !c->nnp && seccomp_filter_load(c->seccomp, &e) < 0)
		return -1;
	if (caps_set(&c->caps, &e) < 0)
		return -1;
	if (c->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	if (c->seccomp && c->nnp && seccomp_filter_load(c->seccomp, &e) < 0)
		return -1;
	return 0;
}

/* The kernel's struct sched_attr, first version (<linux/sched/types.h>
 * clashes with glibc's <sched.h>). */
struct kernel_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

/* process.scheduler, process.ioPriority and linux.personality: set on
 * this process, inherited through execve by the program. */
static int set_sched_io_personality(const struct process_final *f, struct err *e)
{
	const struct oci_process *p = f->p;
	if (f->linux && f->linux->has_personality && personality(f->linux->personality) < 0)
		return err_sys(e, errno, "linux.personality");
	if (p->scheduler.present) {
		const struct oci_scheduler *s = &p->scheduler;
		struct kernel_sched_attr a = {
			.size = sizeof(a),
			.sched_policy = (uint32_t)s->policy,
			.sched_flags = s->flags,
			.sched_nice = s->nice,
			.sched_priority = (uint32_t)s->priority,
			.sched_runtime = s->runtime,
			.sched_deadline = s->deadline,
			.sched_period = s->period,
		};
		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
			return err_sys(e, errno, "process.scheduler");
	}
	if (p->io_priority.present &&
	    syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
		    IOPRIO_PRIO_VALUE(p->io_priority.klass, p->io_priority.priority)) < 0)
		return err_sys(e, errno, "process.ioPriority");
	return 0;
}

int process_exec(const struct process_final *f, struct err *e)
{
	const struct oci_process *p = f->p;
	struct oci_caps caps = p->caps;
	caps_mask_unknown(&caps);
	if (set_sched_io_personality(f, e) < 0 || caps_set_bounding(caps.bounding, e) < 0 ||
	    rlimits_raise(p, e) < 0 || set_user(p, f->in_userns, e) < 0)
		return -1;
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int cwd = root < 0 ? -errno
			   : path_openat2(root, p->cwd, O_PATH | O_DIRECTORY, 0,
					  RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (root >= 0)
		close(root);
	if (cwd < 0 || fchdir(cwd) < 0)
		return err_sys(e, cwd < 0 ? cwd : errno, "process.cwd \"%s\"", p->cwd);
	close(cwd);
	/* The kernel prefixes a working directory outside the root with
	 * "(unreachable)" (the runc CVE-2024-21626 class). */
	char buf[4096];
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return err_set(e, ERR_PERMISSION, "process.cwd \"%s\" is outside the container",
			       p->cwd);
	_cleanup_free_ char *prog = NULL;
	if (resolve_program(p, &prog, e) < 0)
		return -1;
	_cleanup_strv_ char **env = env_dedupe(p->env);
	/* Loading a filter without no_new_privs needs CAP_SYS_ADMIN: keep it
	 * until then.  execve recomputes the sets from bounding, inheritable
	 * and ambient, so it does not survive into the program. */
	struct oci_caps now = caps;
	if (f->seccomp && !p->no_new_privileges) {
		now.effective |= 1ull << CAP_SYS_ADMIN;
		now.permitted |= 1ull << CAP_SYS_ADMIN;
	}
	if (caps_set(&now, e) < 0)
		return -1;
	if (f->start_hooks && f->start_hooks->n) {
		struct confine c = {.caps = caps, .nnp = p->no_new_privileges, .seccomp = f->seccomp};
		if (hooks_run_prepared(f->start_hooks, OCI_HOOK_START_CONTAINER, f->state_json,
				       confine_hook, &c, e) < 0)
			return -1;
	}
	if (rlimits_apply(p, e) < 0)
		return -1;
	if (p->apparmor_profile && *p->apparmor_profile &&
	    apparmor_exec(f->procfd, p->apparmor_profile, e) < 0)
		return -1;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(e, errno, "process.noNewPrivileges");
	/* The last step: from here on only execve. */
	log_timing("init: load seccomp, execve");
	if (f->seccomp && seccomp_filter_load(f->seccomp, e) < 0)
		return -1;
	execve(prog, p->args, env);
	return err_sys(e, errno, "exec \"%s\"", p->args[0]);
}
