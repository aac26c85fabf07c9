/* exec.c: a new process in a running container.
 *
 * The parent checks the container (its init still the recorded process),
 * builds the process from the container's config (or --process), enters
 * the init's pid and time namespaces for the child through the init's
 * pidfd, and clones.  The child waits until the parent has put it in the
 * container's cgroup, enters the other namespaces of the init (user first,
 * all at once through the pidfd), takes the init's root, sets up the pty
 * and runs the same final sequence as the init (process_exec). */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/id.h"
#include "base/log.h"
#include "base/parse-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "oci/config.h"
#include "oci/names.h"
#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/foreground.h"
#include "runtime/limits.h"
#include "runtime/process.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"
#include "runtime/status.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct exec_child {
	struct oci_process *p;
	const struct oci_linux *linux;
	const struct seccomp_filter *seccomp;
	int pidfd;	/* of the container's init */
	int ns_flags;	/* namespaces the child enters itself */
	bool userns;
	int rootfd;	/* /proc/<init>/root */
	int sync_fd;
	int console_sock;
	int preserve_fds;
	bool double_fork; /* enter pid/time here, then fork (rootless) */
};

_noreturn_ static void child_fail(int sync_fd, struct err *e)
{
	(void)sync_send_error(sync_fd, e);
	_exit(1);
}

_noreturn_ static void exec_child(struct exec_child *c)
{
	_cleanup_err_ struct err e = ERR_INIT;
	struct sync_msg m;
	process_reset_signals();
	/* Until the exec, nothing in the container may look into us. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (sync_expect(c->sync_fd, SYNC_GO, &m, &e) < 0)
		_exit(1);
	sync_msg_clear(&m);
	if (c->ns_flags && setns(c->pidfd, c->ns_flags) < 0) {
		err_sys(&e, errno, "join the container's namespaces");
		child_fail(c->sync_fd, &e);
	}
	if (c->double_fork) {
		/* pid and time namespaces apply to children: the process to run
		 * is the next one.  It is reparented to the runtime (a
		 * subreaper), which waits for it; tell it the pid. */
		pid_t pid = fork();
		if (pid < 0) {
			err_sys(&e, errno, "fork");
			child_fail(c->sync_fd, &e);
		}
		if (pid > 0) {
			(void)sync_send(c->sync_fd, SYNC_READY, (int)pid, NULL, 0, -1);
			_exit(0);
		}
	}
	if (fchdir(c->rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		err_sys(&e, errno, "enter the container's root");
		child_fail(c->sync_fd, &e);
	}
	close(c->rootfd);
	if (c->p->terminal) {
		int master, slave;
		_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0 || terminal_open(root, c->p, false, &master, &slave, &e) < 0)
			child_fail(c->sync_fd, &e);
		if (c->console_sock >= 0) {
			if (console_socket_send(c->console_sock, master, &e) < 0)
				child_fail(c->sync_fd, &e);
		} else if (sync_send(c->sync_fd, SYNC_CONSOLE, 0, NULL, 0, master) < 0) {
			_exit(1);
		}
		close(master);
		if (setsid() < 0 || terminal_become(slave, &e) < 0) {
			if (!err_isset(&e))
				err_sys(&e, errno, "setsid");
			child_fail(c->sync_fd, &e);
		}
		if (slave > 2)
			close(slave);
	}
	if (c->console_sock >= 0)
		close(c->console_sock);
	if (close_range(3 + (unsigned)c->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		err_sys(&e, errno, "close_range");
		child_fail(c->sync_fd, &e);
	}
	for (int fd = 3; fd < 3 + c->preserve_fds; fd++)
		(void)fd_set_cloexec(fd, false);
	int procfd = -1;
	if (c->p->apparmor_profile && *c->p->apparmor_profile && (procfd = private_proc(&e)) < 0)
		child_fail(c->sync_fd, &e);
	struct process_final f = {
		.p = c->p, .seccomp = c->seccomp, .in_userns = c->userns, .procfd = procfd,
		.linux = c->linux,
	};
	process_exec(&f, &e);
	child_fail(c->sync_fd, &e);
}

/* "uid" or "uid:gid", numbers. */
static int parse_user(const char *s, struct oci_user *u, struct err *e)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	/* Without ":gid" the container's group stays, as with runc. */
	if (parse_u32(copy, &u->uid) < 0 || (colon && parse_u32(colon + 1, &u->gid) < 0))
		return err_set(e, ERR_INVALID, "--user \"%s\": expected uid[:gid] as numbers", s);
	return 0;
}

/* The process to run: --process, or the container's own with overrides. */
static struct oci_process *build_process(const struct runtime_exec_opts *o,
					 struct oci_config *cfg, struct err *e)
{
	struct oci_process *p;
	if (o->process_file) {
		_cleanup_free_ char *buf = NULL;
		size_t len;
		if (read_file_at(AT_FDCWD, o->process_file, OCI_CONFIG_MAX_SIZE, &buf, &len, e) < 0)
			return NULL;
		return oci_process_parse(buf, len, "--process", e);
	}
	if (!o->args || !o->args[0]) {
		err_set(e, ERR_INVALID, "exec: no command given (or --process)");
		return NULL;
	}
	p = TAKE_PTR(cfg->process);
	if (!p)
		p = xnew(struct oci_process, 1);
	strv_free(p->args);
	p->args = strv_dup(o->args);
	p->terminal = o->tty;
	p->has_console_size = false;
	if (o->cwd) {
		if (o->cwd[0] != '/') {
			oci_process_free(p);
			err_set(e, ERR_INVALID, "--cwd \"%s\": not an absolute path", o->cwd);
			return NULL;
		}
		free(p->cwd);
		p->cwd = xstrdup(o->cwd);
	}
	for (char **v = o->env; v && *v; v++) {
		if (!strchr(*v, '=')) {
			oci_process_free(p);
			err_set(e, ERR_INVALID, "--env \"%s\": expected KEY=value", *v);
			return NULL;
		}
		strv_push(&p->env, *v);
	}
	if (o->user) {
		free(p->user.additional_gids);
		p->user.additional_gids = NULL;
		p->user.n_additional_gids = 0;
		if (parse_user(o->user, &p->user, e) < 0) {
			oci_process_free(p);
			return NULL;
		}
	}
	for (char **c = o->caps; c && *c; c++) {
		int n = cap_from_name(*c);
		if (n < 0) {
			oci_process_free(p);
			err_set(e, ERR_INVALID, "--cap: unknown capability \"%s\"", *c);
			return NULL;
		}
		/* Never the inheritable set (CVE-2022-29162). */
		p->has_caps = true;
		p->caps.bounding |= 1ull << n;
		p->caps.effective |= 1ull << n;
		p->caps.permitted |= 1ull << n;
	}
	if (o->no_new_privs)
		p->no_new_privileges = true;
	return p;
}

struct exec_state {
	struct container_record rec;
	struct oci_config *cfg;
	struct oci_process *p;
	struct seccomp_filter *seccomp;
	struct cgroup_host cg;
	int dirfd, pidfd, rootfd, sync_parent, sync_child, console_sock, master, child_pidfd;
	pid_t child;
};

static void exec_state_release(struct exec_state *s)
{
	container_record_clear(&s->rec);
	oci_config_free(s->cfg);
	oci_process_free(s->p);
	seccomp_filter_free(s->seccomp);
	cgroup_host_clear(&s->cg);
	int *fds[] = {&s->dirfd, &s->pidfd, &s->rootfd, &s->sync_parent, &s->sync_child,
		      &s->console_sock, &s->master, &s->child_pidfd};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	if (s->child > 0) {
		kill(s->child, SIGKILL);
		while (waitpid(s->child, NULL, 0) < 0 && errno == EINTR)
			;
	}
}

static int prepare(const struct runtime_ctx *rt, const struct runtime_exec_opts *o,
		   struct exec_state *s, struct err *e)
{
	if (id_check(o->id, e) < 0)
		return -1;
	if (o->preserve_fds < 0 || o->preserve_fds > 65536)
		return err_set(e, ERR_INVALID, "--preserve-fds: %d is out of range", o->preserve_fds);
	if (fd_check_preserved(3, o->preserve_fds, e) < 0)
		return -1;
	int mr = log_move_fd_above(3 + o->preserve_fds);
	if (mr < 0)
		return err_sys(e, mr, "move the log descriptor");
	s->dirfd = record_dir_open(rt->root, o->id, e);
	if (s->dirfd < 0 || record_load(s->dirfd, &s->rec, e) < 0)
		return -1;
	enum container_status st = record_status(s->dirfd, &s->rec);
	if (st != STATUS_RUNNING && st != STATUS_CREATED)
		return err_set(e, ERR_CONFLICT, "it is %s", container_status_name(st));
	/* The init, pinned: its pidfd is checked against the recorded start. */
	s->pidfd = pidfd_open(s->rec.pid, 0);
	if (s->pidfd < 0 || proc_start_time(s->rec.pid) != s->rec.pid_start)
		return err_set(e, ERR_CONFLICT, "it is stopped");
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", (int)s->rec.pid);
	s->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return err_sys(e, errno, "open the container's root");
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(s->dirfd, "config.json", OCI_CONFIG_MAX_SIZE, &buf, &len, e) < 0)
		return -1;
	s->cfg = oci_config_parse(buf, len, "config.json", e);
	if (!s->cfg)
		return -1;
	s->p = build_process(o, s->cfg, e);
	if (!s->p)
		return -1;
	if (s->p->terminal && !o->console_socket && o->detach)
		return err_set(e, ERR_INVALID, "a terminal with --detach needs --console-socket");
	if (rlimits_check(s->p, e) < 0)
		return -1;
	if (s->p->selinux_label && *s->p->selinux_label)
		return err_set(e, ERR_UNSUPPORTED,
			       "process.selinuxLabel: SELinux labels are not supported by this runtime");
	if (s->p->apparmor_profile && *s->p->apparmor_profile && !apparmor_enabled())
		return err_set(e, ERR_UNSUPPORTED,
			       "process.apparmorProfile \"%s\": AppArmor is not enabled on this host",
			       s->p->apparmor_profile);
	if (s->cfg->linux.seccomp_json) {
		_cleanup_free_ char *cache = path_join(rt->root, ".seccomp-cache");
		s->seccomp = seccomp_filter_build(s->cfg->linux.seccomp_json, cache, e);
		if (!s->seccomp)
			return -1;
	}
	if (s->rec.cgroup_path && cgroup_detect(&s->cg, e) < 0)
		return -1;
	if (o->console_socket && s->p->terminal) {
		s->console_sock = console_socket_connect(o->console_socket, e);
		if (s->console_sock < 0)
			return -1;
	}
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return err_sys(e, errno, "socketpair");
	s->sync_parent = sp[0];
	s->sync_child = sp[1];
	/* Keep our descriptors out of the range the process inherits. */
	int min = 3 + o->preserve_fds;
	int *fds[] = {&s->dirfd, &s->pidfd, &s->rootfd, &s->sync_parent, &s->sync_child,
		      &s->console_sock};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] < 0)
			continue;
		int r = fd_move_above(*fds[i], min);
		if (r < 0)
			return err_sys(e, r, "move descriptor");
		*fds[i] = r;
	}
	return 0;
}

static int spawn(struct exec_state *s, const struct runtime_exec_opts *o, struct err *e)
{
	const struct oci_linux *lx = &s->cfg->linux;
	int child_ns = 0;
	for (int t = 0; t < NS_COUNT; t++)
		if (lx->ns[t].present && t != NS_PID && t != NS_TIME)
			child_ns |= ns_clone_flag(t);
	/* pid and time apply to children: enter them here, around clone3.
	 * Without privileges that needs the user namespace first: then the
	 * child enters everything and forks once more. */
	int parent_ns = (lx->ns[NS_PID].present ? CLONE_NEWPID : 0) |
			(lx->ns[NS_TIME].present ? CLONE_NEWTIME : 0);
	bool double_fork = parent_ns && geteuid() != 0;
	if (double_fork) {
		child_ns |= parent_ns;
		parent_ns = 0;
		if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
			return err_sys(e, errno, "become a subreaper");
	}
	_cleanup_close_ int own_pid = -1, own_time = -1;
	if (parent_ns) {
		own_pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		own_time = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
		if (setns(s->pidfd, parent_ns) < 0)
			return err_sys(e, errno, "join the container's pid namespace");
	}
	struct exec_child c = {
		.p = s->p,
		.linux = lx,
		.seccomp = s->seccomp,
		.pidfd = s->pidfd,
		.ns_flags = child_ns,
		.userns = lx->ns[NS_USER].present,
		.rootfd = s->rootfd,
		.sync_fd = s->sync_child,
		.console_sock = s->console_sock,
		.preserve_fds = o->preserve_fds,
		.double_fork = double_fork,
	};
	struct clone_args args = {
		.flags = CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&s->child_pidfd,
		.exit_signal = SIGCHLD,
	};
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		close(s->sync_parent);
		close(s->dirfd);
		exec_child(&c);
	}
	int saved = errno;
	if (own_pid >= 0 && setns(own_pid, CLONE_NEWPID) < 0)
		log_warn("return to own pid namespace: %s", strerror(errno));
	if (own_time >= 0 && lx->ns[NS_TIME].present && setns(own_time, CLONE_NEWTIME) < 0)
		log_warn("return to own time namespace: %s", strerror(errno));
	if (pid < 0)
		return err_sys(e, saved, "clone3");
	s->child = (pid_t)pid;
	close(s->sync_child);
	s->sync_child = -1;
	return 0;
}

static void cpu_set_add(unsigned cpu, void *data)
{
	if (cpu < CPU_SETSIZE)
		CPU_SET(cpu, (cpu_set_t *)data);
}

/* process.execCPUAffinity: `initial` for the runtime before the process
 * joins the cgroup, `final` for the process once it has. */
static int set_affinity(pid_t pid, const char *list, const char *which, struct err *e)
{
	if (!list || !*list)
		return 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	(void)cpu_list_parse(list, cpu_set_add, &set); /* validated at parse */
	if (sched_setaffinity(pid, sizeof(set), &set) < 0)
		return err_sys(e, errno, "process.execCPUAffinity.%s \"%s\"", which, list);
	return 0;
}

int runtime_exec(const struct runtime_ctx *rt, const struct runtime_exec_opts *o,
		 int *ret_status, struct err *e)
{
	struct exec_state s = {.dirfd = -1, .pidfd = -1, .rootfd = -1, .sync_parent = -1,
			       .sync_child = -1, .console_sock = -1, .master = -1,
			       .child_pidfd = -1};
	*ret_status = 0;
	int r = prepare(rt, o, &s, e);
	if (r == 0)
		r = set_affinity(0, s.p->exec_cpu_initial, "initial", e);
	if (r == 0)
		r = spawn(&s, o, e);
	if (r == 0 && s.rec.cgroup_path && cgroup_enter(&s.cg, s.rec.cgroup_path, s.child, e) < 0)
		r = -1;
	if (r == 0)
		r = set_affinity(s.child, s.p->exec_cpu_final, "final", e);
	if (r == 0 && sync_send(s.sync_parent, SYNC_GO, 0, NULL, 0, -1) < 0)
		r = err_set(e, ERR_IO, "the exec'd process died");
	/* Until the socket closes on exec: a pty (foreground) or an error. */
	while (r == 0) {
		struct sync_msg m;
		_cleanup_err_ struct err eof = ERR_INIT;
		if (sync_recv(s.sync_parent, &m, &eof) < 0)
			break; /* closed: exec'd */
		if (m.type == SYNC_READY && m.value > 0) {
			/* The intermediate child forked the real one and left. */
			while (waitpid(s.child, NULL, 0) < 0 && errno == EINTR)
				;
			close(s.child_pidfd);
			s.child = (pid_t)m.value;
			s.child_pidfd = pidfd_open(s.child, 0);
			sync_msg_clear(&m);
			if (s.child_pidfd < 0) {
				r = err_sys(e, errno, "open the exec'd process");
				break;
			}
			continue;
		}
		if (m.type == SYNC_CONSOLE) {
			s.master = m.fd;
			m.fd = -1;
			sync_msg_clear(&m);
			foreground_pass_winsize(s.master);
			continue;
		}
		if (m.type == SYNC_ERROR) {
			err_set(e, m.value > 0 && m.value <= ERR_INTERNAL ? (enum err_kind)m.value
									   : ERR_INTERNAL,
				"%s", m.payload);
			if (e)
				e->errnum = m.aux;
			r = -1;
		}
		sync_msg_clear(&m);
	}
	if (r == 0 && o->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", (int)s.child);
		_cleanup_free_ char *abs = o->pid_file[0] == '/' ? xstrdup(o->pid_file)
								 : path_join(".", o->pid_file);
		char *slash = strrchr(abs, '/');
		*slash = '\0';
		_cleanup_close_ int dfd = open(*abs ? abs : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || write_file_atomic_at(dfd, slash + 1, buf, (size_t)n, 0644, 0, e) < 0)
			r = err_sys(e, errno, "--pid-file \"%s\"", o->pid_file);
	}
	if (r == 0 && o->detach) {
		s.child = 0; /* it runs on */
	} else if (r == 0) {
		r = foreground_wait(s.child, s.child_pidfd, s.master, ret_status, e);
		s.child = 0;
	}
	if (r < 0)
		err_wrap(e, "exec in container \"%s\"", o->id);
	exec_state_release(&s);
	return r;
}
