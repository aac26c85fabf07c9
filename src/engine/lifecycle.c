/* lifecycle.c: starting, signalling, stopping and cleaning up containers
 * (see engine.h).  The monitor does the running; this file spawns it,
 * reads what it reports and keeps the record truthful. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/lock.h"
#include "base/parse-util.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "engine/engine.h"
#include "engine/internal.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "monitor/protocol.h"
#include "oci/names.h"
#include "runtime/exe-seal.h"
#include "runtime/runtime.h"
#include "runtime/status.h"

/* The exit code recorded when nobody saw the exit (a monitor killed, a
 * reboot), as docker does. */
#define EXIT_UNKNOWN 255

char *engine_state_dir(const struct engine *en, const char *id)
{
	return xasprintf("%s/containers/%s", en->runroot, id);
}

char *engine_helper_path(const struct engine *en, const char *name)
{
	const char *slash = strrchr(en->monitor, '/');
	return xasprintf("%.*s/%s", slash ? (int)(slash - en->monitor) : 1,
			 slash ? en->monitor : ".", name);
}

char *engine_runtime_root_of(const struct engine *en, const char *runtime)
{
	if (!runtime)
		return xasprintf("%s/runtime", en->runroot);
	const char *base = strrchr(runtime, '/');
	return xasprintf("%s/runtime-%s", en->runroot, base ? base + 1 : runtime);
}

char *engine_runtime_root(const struct engine *en)
{
	return engine_runtime_root_of(en, NULL);
}

char *engine_log_path(const struct engine *en, const struct container *c)
{
	bool k8s = c->log_driver && streq(c->log_driver, "k8s-file");
	return xasprintf("%s/containers/%s/%s%s", en->root, c->id, c->id,
			 k8s ? ".log" : "-json.log");
}

int engine_lock(const struct engine *en, const char *id, struct err *e)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers/%s", en->root, id);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT)
		return err_set(e, ERR_NOT_FOUND, "No such container: %s", id);
	if (dfd < 0)
		return err_sys(e, errno, "container %.12s", id);
	return lock_path_at(dfd, "lock", LOCK_MODE_EXCLUSIVE, e);
}

int engine_lock_load(const struct engine *en, const char *id, struct container *c, int *ret_lock,
		     bool *ret_changed, struct err *e)
{
	int lk = engine_lock(en, id, e);
	if (lk < 0)
		return -1;
	if (container_load(en->root, id, c, e) < 0) {
		close(lk);
		/* Removed while we waited for the lock. */
		_cleanup_free_ char *path = xasprintf("%s/containers/%s/container.json", en->root, id);
		if (access(path, F_OK) < 0 && errno == ENOENT) {
			err_clear(e);
			return err_set(e, ERR_NOT_FOUND, "No such container: %s", id);
		}
		return -1;
	}
	bool changed = engine_refresh(en, c);
	if (ret_changed)
		*ret_changed = changed;
	*ret_lock = lk;
	return 0;
}

int engine_load(const struct engine *en, const char *what, struct container *c, struct err *e)
{
	_cleanup_free_ char *id = NULL;
	if (container_lookup(en->root, what, &id, e) < 0 || container_load(en->root, id, c, e) < 0)
		return -1;
	engine_refresh(en, c);
	return 0;
}

/* "<code>\n<finished>\n" from the monitor. */
static int read_exit(const struct engine *en, const char *id, int *code, char **finished)
{
	_cleanup_free_ char *path = xasprintf("%s/containers/%s/exit", en->runroot, id);
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, path, 256, &text, &len, NULL) < 0)
		return -1;
	char *nl = strchr(text, '\n');
	if (!nl)
		return -1;
	*nl = '\0';
	int64_t v;
	if (parse_i64(text, &v) < 0 || v < 0 || v > 255)
		return -1;
	*code = (int)v;
	char *end = strchr(nl + 1, '\n');
	if (end)
		*end = '\0';
	*finished = xstrdup(nl + 1);
	return 0;
}

static void set_exited(struct container *c, int code, char *finished)
{
	c->state = CONTAINER_EXITED;
	c->exit_code = code;
	free(c->finished);
	if (finished) {
		c->finished = finished;
	} else {
		char now[RFC3339_MAX];
		time_now_rfc3339(now);
		c->finished = xstrdup(now);
	}
	c->pid = 0;
	c->pid_start = 0;
	c->monitor_pid = 0;
	c->monitor_start = 0;
}

bool engine_refresh(const struct engine *en, struct container *c)
{
	if (c->state == CONTAINER_RESTARTING) {
		/* Its restarter is gone (killed, a reboot): it stays down. */
		if (proc_alive(c->restarter_pid, c->restarter_start))
			return false;
		c->state = CONTAINER_EXITED;
		c->restarter_pid = 0;
		c->restarter_start = 0;
		return true;
	}
	if (c->state != CONTAINER_RUNNING && c->state != CONTAINER_PAUSED)
		return false;
	/* A process that is still there has not exited (the usual case,
	 * checked first: `ps` does this for every container). */
	if (proc_alive(c->pid, c->pid_start))
		return false;
	int code;
	char *finished;
	if (read_exit(en, c->id, &code, &finished) == 0) {
		set_exited(c, code, finished);
		return true;
	}
	if (proc_alive(c->monitor_pid, c->monitor_start))
		return false;
	set_exited(c, EXIT_UNKNOWN, NULL);
	return true;
}

/* ---- the runtime, in the library or a binary ---- */

static int run_runtime(const char *runtime, const char *root, char **args, struct err *e)
{
	char *argv[16];
	size_t n = 0;
	argv[n++] = (char *)runtime;
	argv[n++] = (char *)"--root";
	argv[n++] = (char *)root;
	for (; *args && n < ARRAY_SIZE(argv) - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(e, errno, "fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, errno, "wait for %s", runtime);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_set(e, ERR_INTERNAL, "%s %s failed", runtime, args[0]);
	return 0;
}

/* Delete what the runtime keeps of the container (its state, cgroup);
 * none is no error. */
int engine_runtime_forget(const struct engine *en, const struct container *c, struct err *e)
{
	_cleanup_free_ char *root = engine_runtime_root_of(en, c->runtime);
	if (c->runtime) {
		_cleanup_free_ char *state = xasprintf("%s/%s", root, c->id);
		char *args[] = {(char *)"delete", (char *)"--force", (char *)c->id, NULL};
		if (access(state, F_OK) == 0 && run_runtime(c->runtime, root, args, e) < 0)
			return -1;
		engine_net_teardown(en, c);
		return 0;
	}
	struct runtime_ctx rt = {.root = root};
	_cleanup_err_ struct err de = ERR_INIT;
	if (runtime_delete(&rt, c->id, true, &de) < 0 && de.kind != ERR_NOT_FOUND) {
		err_move(e, &de);
		return -1;
	}
	engine_net_teardown(en, c);
	return 0;
}

/* ---- start ---- */

/* The monitor's root mount may be gone (a reboot): mount it again. */
static int ensure_root(const struct engine *en, const struct container *c, struct err *e)
{
	_cleanup_free_ char *fs = xasprintf("%s/containers/%s/fs", en->root, c->id);
	if (snapshot_ready(fs))
		return 0;
	struct store s;
	if (store_open(en->root, STORE_READ, &s, e) < 0)
		return -1;
	struct store_index idx;
	int r = store_index_load(&s, &idx, e);
	if (r == 0) {
		long i = c->image_id ? store_find(&idx, c->image_id, e) : -1;
		if (i < 0)
			r = err_wrap(e, "the image of container %.12s", c->id);
		else
			r = snapshot_mount(&s, &idx.images[i], fs, e);
		store_index_clear(&idx);
	}
	store_close(&s);
	return r;
}

struct spawn {
	const struct engine *en;
	const struct container *c;
	const struct engine_start_opts *o;
	char *state_dir, *rt_root, *bundle, *log_path;
};

extern char **environ;

/* berth-launch's command line. */
static char **launch_argv(const struct spawn *sp)
{
	const struct container *c = sp->c;
	char size[32] = "";
	if (sp->o->rows && sp->o->cols)
		snprintf(size, sizeof(size), "%ux%u", sp->o->rows, sp->o->cols);
	char **argv = NULL;
	strv_consume(&argv, engine_helper_path(sp->en, "berth-launch"));
	strv_push(&argv, "--id");
	strv_push(&argv, c->id);
	strv_push(&argv, "--bundle");
	strv_push(&argv, sp->bundle);
	strv_push(&argv, "--runtime-root");
	strv_push(&argv, sp->rt_root);
	strv_push(&argv, "--state-dir");
	strv_push(&argv, sp->state_dir);
	strv_push(&argv, "--monitor");
	strv_push(&argv, sp->en->monitor);
	if (sp->en->runtime) {
		strv_push(&argv, "--runtime");
		strv_push(&argv, sp->en->runtime);
	}
	strv_push(&argv, "--log-driver");
	strv_push(&argv, c->log_driver ? c->log_driver : "json-file");
	strv_push(&argv, "--log-path");
	strv_push(&argv, sp->log_path);
	if (c->tty)
		strv_push(&argv, "--tty");
	if (c->interactive)
		strv_push(&argv, "--stdin");
	if (size[0]) {
		strv_push(&argv, "--console-size");
		strv_push(&argv, size);
	}
	uint64_t hms = engine_health_interval_ms(c);
	if (hms) {
		strv_push(&argv, "--health-interval");
		strv_consume(&argv, xasprintf("%llu", (unsigned long long)hms));
	}
	strv_push(&argv, "--ctl-fd");
	strv_push(&argv, "3");
	strv_push(&argv, "--");
	strv_push(&argv, sp->en->self);
	strv_push(&argv, "--root");
	strv_push(&argv, sp->en->root);
	strv_push(&argv, "--runroot");
	strv_push(&argv, sp->en->runroot);
	strv_push(&argv, "container");
	strv_push(&argv, "cleanup");
	strv_push(&argv, c->id);
	return argv;
}

/* Start berth-launch with ctl as fd 3: vfork (no copy of our address
 * space to fault in), and in the child nothing but system calls.  The
 * binary is executed through a read-only mount of it where we can make
 * one (exe-seal.h: then it need not copy itself).  All signals stay
 * blocked across the exec (no handler of ours may run in the child);
 * berth-launch unblocks them. */
static pid_t spawn_launch(char **argv, int ctl, struct err *e)
{
	int exe = exe_seal_open(argv[0]);
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t pid = vfork();
	if (pid == 0) {
		/* A session of its own (no terminal's signals), stdio on
		 * /dev/null (a caller reading our output to its end must not
		 * wait for it), nothing else of ours open.  (dup2 onto itself
		 * would keep close-on-exec.) */
		(void)setsid();
		if ((ctl == 3 ? fd_set_cloexec(3, false) : dup2(ctl, 3)) < 0)
			_exit(125);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(125);
		(void)close_range(4, ~0U, CLOSE_RANGE_CLOEXEC);
		if (exe >= 0)
			syscall(SYS_execveat, exe, "", argv, environ, AT_EMPTY_PATH);
		execv(argv[0], argv);
		_exit(125);
	}
	int saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (exe >= 0)
		close(exe);
	if (pid < 0)
		return err_sys(e, saved, "fork");
	return pid;
}

/* The monitor's report: 'S' and the pid, or 'F' and the error. */
static int read_report(int ctl, pid_t *pid, struct err *e)
{
	char msg[4200];
	ssize_t n;
	do
		n = recv(ctl, msg, sizeof(msg) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return err_set(e, ERR_INTERNAL, "the container's monitor exited without a word");
	msg[n] = '\0';
	if (msg[0] == MON_STARTED) {
		int64_t v;
		if (parse_i64(msg + 1, &v) < 0 || v <= 0 || v > INT32_MAX)
			return err_set(e, ERR_INTERNAL, "the monitor sent a bad pid");
		*pid = (pid_t)v;
		return 0;
	}
	int kind = ERR_INTERNAL, errnum = 0, off = 0;
	if (msg[0] != MON_FAILED || sscanf(msg + 1, "%d %d %n", &kind, &errnum, &off) < 2)
		return err_set(e, ERR_INTERNAL, "the monitor sent a bad report");
	if (kind <= ERR_OK || kind > ERR_INTERNAL)
		kind = ERR_INTERNAL;
	err_set(e, (enum err_kind)kind, "%s", msg + 1 + off);
	if (e)
		e->errnum = errnum;
	return -1;
}

static int spawn_monitor(struct spawn *sp, struct engine_started *ret, struct err *e)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, errno, "socketpair");
	_cleanup_strv_ char **argv = launch_argv(sp);
	pid_t mon = spawn_launch(argv, sv[1], e);
	close(sv[1]);
	if (mon < 0) {
		close(sv[0]);
		return -1;
	}
	pid_t pid = 0;
	if (read_report(sv[0], &pid, e) < 0) {
		close(sv[0]);
		/* It reported its failure and exits; one that said nothing is
		 * broken. */
		if (e && e->kind == ERR_INTERNAL)
			(void)kill(mon, SIGKILL);
		while (waitpid(mon, NULL, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	ret->conn = sv[0];
	ret->pid = pid;
	ret->monitor = mon;
	struct container *c = (struct container *)sp->c;
	c->monitor_pid = (int)mon;
	c->monitor_start = proc_start_time(mon);
	return 0;
}

static int start_locked(const struct engine *en, struct container *c,
			const struct engine_start_opts *o, struct engine_started *ret, struct err *e)
{
	if (c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED) {
		ret->already_running = true;
		return 0;
	}
	if (ensure_root(en, c, e) < 0 || engine_runtime_forget(en, c, e) < 0)
		return -1;
	/* A runtime other than the one of the last run may start it now. */
	free(c->runtime);
	c->runtime = en->runtime ? xstrdup(en->runtime) : NULL;
	struct spawn sp = {
		.en = en,
		.c = c,
		.o = o,
		.state_dir = engine_state_dir(en, c->id),
		.rt_root = engine_runtime_root_of(en, en->runtime),
		.bundle = xasprintf("%s/containers/%s", en->root, c->id),
		.log_path = engine_log_path(en, c),
	};
	int r = 0;
	if (mkdir_p(sp.state_dir, 0700, e) < 0)
		r = -1;
	if (r == 0)
		r = engine_volumes_mount(en, c, e);
	if (r == 0)
		r = engine_net_setup(en, c, e);
	if (r == 0) {
		_cleanup_free_ char *exitf = xasprintf("%s/exit", sp.state_dir);
		(void)unlink(exitf);
		r = spawn_monitor(&sp, ret, e);
		if (r < 0)
			engine_net_teardown(en, c);
	}
	if (r == 0) {
		char now[RFC3339_MAX];
		time_now_rfc3339(now);
		c->state = CONTAINER_RUNNING;
		c->pid = ret->pid;
		c->pid_start = proc_start_time(ret->pid);
		free(c->started);
		c->started = xstrdup(now);
		free(c->finished);
		c->finished = NULL;
		c->exit_code = 0;
		r = container_save(en->root, c, e);
		if (r < 0) {
			/* Not recorded: it must not run unseen. */
			(void)kill(ret->pid, SIGKILL);
			close(ret->conn);
			ret->conn = -1;
		}
	} else {
		(void)rm_rf_at(AT_FDCWD, sp.state_dir, NULL);
	}
	free(sp.state_dir);
	free(sp.rt_root);
	free(sp.bundle);
	free(sp.log_path);
	return r;
}

void engine_stop_restarter(struct container *c)
{
	int fd = c->restarter_pid > 0 ? (int)syscall(SYS_pidfd_open, c->restarter_pid, 0) : -1;
	if (fd >= 0 && proc_alive(c->restarter_pid, c->restarter_start))
		(void)syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
	if (fd >= 0)
		close(fd);
	c->restarter_pid = 0;
	c->restarter_start = 0;
	if (c->state == CONTAINER_RESTARTING)
		c->state = CONTAINER_EXITED;
}

int engine_start(const struct engine *en, const char *what, const struct engine_start_opts *o,
		 struct engine_started *ret, struct err *e)
{
	*ret = (struct engine_started){.conn = -1};
	_cleanup_free_ char *id = NULL;
	if (container_lookup(en->root, what, &id, e) < 0)
		return -1;
	struct container c;
	int lk;
	if (engine_lock_load(en, id, &c, &lk, NULL, e) < 0)
		return -1;
	c.manual_stop = false;
	if (c.state == CONTAINER_RESTARTING)
		engine_stop_restarter(&c);
	int r = start_locked(en, &c, o, ret, e);
	ret->tty = c.tty;
	ret->interactive = c.interactive;
	if (ret->already_running) {
		ret->pid = c.pid;
		ret->monitor = c.monitor_pid;
	}
	container_clear(&c);
	close(lk);
	if (r < 0)
		return -1;
	if (!o->attach && ret->conn >= 0) {
		close(ret->conn);
		ret->conn = -1;
	}
	ret->id = TAKE_PTR(id);
	return 0;
}

void engine_started_clear(struct engine_started *s)
{
	free(s->id);
	if (s->conn >= 0)
		close(s->conn);
	*s = (struct engine_started){.conn = -1};
}

int engine_attach(const struct engine *en, const char *id, struct err *e)
{
	_cleanup_free_ char *dir = engine_state_dir(en, id);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(e, ERR_CONFLICT, "container %.12s is not running", id);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/attach", dfd);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_set(e, ERR_CONFLICT, "container %.12s is not running", id);
	return TAKE_FD(fd);
}

/* ---- signals, stop, wait ---- */

static int pidfd_of(pid_t pid, uint64_t start)
{
	if (pid <= 0)
		return -1;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -1;
	/* Opened, then checked: the pid cannot be reused while we hold it. */
	if (!proc_alive(pid, start)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int signal_init(const struct container *c, int sig, struct err *e)
{
	_cleanup_close_ int fd = pidfd_of(c->pid, c->pid_start);
	if (fd < 0 || syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0) {
		if (fd >= 0 && errno != ESRCH)
			return err_sys(e, errno, "signal container %.12s", c->id);
		return err_set(e, ERR_CONFLICT, "container %s is not running", c->id);
	}
	return 0;
}

int engine_kill(const struct engine *en, const char *what, int sig, struct err *e)
{
	struct container c;
	if (engine_load(en, what, &c, e) < 0)
		return -1;
	int r;
	if (c.state != CONTAINER_RUNNING && c.state != CONTAINER_PAUSED)
		r = err_set(e, ERR_CONFLICT, "cannot kill container: %s: container %s is not running",
			    what, c.id);
	else
		r = signal_init(&c, sig, e);
	if (r == 0 && sig == SIGKILL)
		engine_thaw(en, &c);
	container_clear(&c);
	return r;
}

/* Wait until the run of c is over: its monitor gone (it has cleaned up),
 * or, with no monitor, its init.  timeout_ms < 0: for ever.  Returns 1
 * when over, 0 on timeout. */
static int wait_over(const struct container *c, int timeout_ms)
{
	_cleanup_close_ int fd = pidfd_of(c->monitor_pid, c->monitor_start);
	if (fd < 0)
		fd = pidfd_of(c->pid, c->pid_start);
	if (fd < 0)
		return 1;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r != 0;
}

/* After the run is over: the monitor has cleaned up, unless it was
 * killed; then we do. */
static int settle(const struct engine *en, const char *id, struct err *e)
{
	_cleanup_err_ struct err ce = ERR_INIT;
	if (engine_cleanup(en, id, &ce) < 0 && ce.kind != ERR_NOT_FOUND) {
		err_move(e, &ce);
		return -1;
	}
	return 0;
}

int engine_mark_stopped(const struct engine *en, const char *id, struct err *e)
{
	struct container c;
	int lk;
	if (engine_lock_load(en, id, &c, &lk, NULL, e) < 0)
		return -1;
	c.manual_stop = true;
	if (c.state == CONTAINER_RESTARTING)
		engine_stop_restarter(&c);
	int r = container_save(en->root, &c, e);
	container_clear(&c);
	close(lk);
	return r;
}

int engine_stop(const struct engine *en, const char *what, int timeout, struct err *e)
{
	struct container c;
	if (engine_load(en, what, &c, e) < 0)
		return -1;
	if (c.restart_policy && engine_mark_stopped(en, c.id, e) < 0) {
		container_clear(&c);
		return -1;
	}
	int r = 0;
	if (c.state == CONTAINER_RUNNING || c.state == CONTAINER_PAUSED) {
		int sig = SIGTERM;
		if (c.stop_signal && parse_signal(c.stop_signal, &sig) < 0)
			sig = SIGTERM;
		if (timeout < 0)
			timeout = c.stop_timeout >= 0 ? c.stop_timeout : 10;
		if (c.state == CONTAINER_PAUSED)
			sig = SIGKILL;
		if (signal_init(&c, sig, NULL) == 0 && (engine_thaw(en, &c), true) &&
		    wait_over(&c, timeout * 1000) == 0)
			(void)signal_init(&c, SIGKILL, NULL);
		(void)wait_over(&c, -1);
		r = settle(en, c.id, e);
	}
	container_clear(&c);
	return r;
}

int engine_wait(const struct engine *en, const char *what, int *ret_code, struct err *e)
{
	_cleanup_free_ char *id = NULL;
	if (container_lookup(en->root, what, &id, e) < 0)
		return -1;
	for (;;) {
		struct container c;
		if (container_load(en->root, id, &c, e) < 0)
			return -1;
		engine_refresh(en, &c);
		if (c.state != CONTAINER_RUNNING && c.state != CONTAINER_PAUSED) {
			*ret_code = c.exit_code;
			container_clear(&c);
			return 0;
		}
		(void)wait_over(&c, -1);
		container_clear(&c);
		if (settle(en, id, e) < 0)
			return -1;
		/* An --rm container is gone by now: its code was in the exit
		 * file, which went with it; docker says 0 then too. */
		_cleanup_free_ char *path =
			xasprintf("%s/containers/%s/container.json", en->root, id);
		if (access(path, F_OK) < 0) {
			*ret_code = 0;
			return 0;
		}
	}
}

/* ---- restart policies ---- */

int engine_restart_policy_parse(const char *s, char **ret_policy, int *ret_max, struct err *e)
{
	*ret_max = 0;
	if (!strncmp(s, "on-failure:", 11)) {
		int n;
		if (parse_int(s + 11, &n) < 0 || n < 0)
			return err_set(e, ERR_INVALID, "invalid restart policy \"%s\": the maximum "
				       "count must be a number", s);
		*ret_max = n;
		*ret_policy = xstrdup("on-failure");
		return 0;
	}
	if (streq(s, "no") || streq(s, "on-failure") || streq(s, "always") ||
	    streq(s, "unless-stopped")) {
		*ret_policy = xstrdup(s);
		return 0;
	}
	return err_set(e, ERR_INVALID, "invalid restart policy \"%s\" (no, on-failure[:N], "
		       "always, unless-stopped)", s);
}

static bool restart_wanted(const struct container *c)
{
	const char *p = c->restart_policy;
	if (!p || streq(p, "no") || c->manual_stop || c->auto_remove)
		return false;
	if (streq(p, "always") || streq(p, "unless-stopped"))
		return true;
	return streq(p, "on-failure") && c->exit_code != 0 &&
	       (c->restart_max == 0 || c->restart_count < c->restart_max);
}

/* docker's back-off: 100 ms, doubled at every restart, at most a minute;
 * back to 100 ms after a run of 10 s. */
static uint64_t next_delay(const struct container *c)
{
	struct timespec st, fin;
	bool long_run = c->started && c->finished && time_parse_rfc3339(c->started, &st) == 0 &&
			time_parse_rfc3339(c->finished, &fin) == 0 && fin.tv_sec - st.tv_sec >= 10;
	if (long_run || !c->restart_delay_ms)
		return 100;
	return c->restart_delay_ms * 2 > 60000 ? 60000 : c->restart_delay_ms * 2;
}

/* `berth container restart-due ID MS`, in a session of its own: it waits,
 * then starts the container (engine_restart_due). */
static pid_t spawn_restarter(const struct engine *en, const char *id, uint64_t ms)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	char msbuf[32];
	snprintf(msbuf, sizeof(msbuf), "%llu", (unsigned long long)ms);
	char *argv[] = {(char *)en->self, (char *)"--root", (char *)en->root, (char *)"--runroot",
			(char *)en->runroot, (char *)"container", (char *)"restart-due",
			(char *)id, msbuf, NULL};
	pid_t child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (child == 0) {
		close(p[0]);
		pid_t gc = fork();
		if (gc == 0) {
			(void)setsid();
			int null = open("/dev/null", O_RDWR);
			if (null >= 0) {
				dup2(null, 0);
				dup2(null, 1);
				dup2(null, 2);
			}
			execv(argv[0], argv);
			_exit(127);
		}
		(void)!write(p[1], &gc, sizeof(gc));
		_exit(0);
	}
	close(p[1]);
	pid_t gc = -1;
	if (read(p[0], &gc, sizeof(gc)) != sizeof(gc))
		gc = -1;
	close(p[0]);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	return gc;
}

static void schedule_restart(const struct engine *en, struct container *c)
{
	uint64_t ms = next_delay(c);
	pid_t pid = spawn_restarter(en, c->id, ms);
	if (pid <= 0)
		return; /* it stays down: as after a reboot, `system boot` starts it */
	c->state = CONTAINER_RESTARTING;
	c->restart_delay_ms = ms;
	c->restart_count++;
	c->restarter_pid = (int)pid;
	c->restarter_start = proc_start_time(pid);
}

int engine_restart_due(const struct engine *en, const char *id, uint64_t ms, struct err *e)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	struct container c;
	int lk;
	if (engine_lock_load(en, id, &c, &lk, NULL, e) < 0)
		return -1;
	int r = 0;
	/* Still ours to start: not stopped, removed or started meanwhile. */
	if (c.state == CONTAINER_RESTARTING && c.restarter_pid == (int)getpid()) {
		c.restarter_pid = 0;
		c.restarter_start = 0;
		struct engine_start_opts so = {0};
		struct engine_started st = {.conn = -1};
		r = start_locked(en, &c, &so, &st, e);
		if (st.conn >= 0)
			close(st.conn);
		st.conn = -1;
		if (r < 0) {
			c.state = CONTAINER_EXITED;
			(void)container_save(en->root, &c, NULL);
		}
	}
	container_clear(&c);
	close(lk);
	return r;
}

/* ---- cleanup ---- */

int engine_cleanup(const struct engine *en, const char *id, struct err *e)
{
	struct container c;
	int lk;
	bool over;
	if (engine_lock_load(en, id, &c, &lk, &over, e) < 0)
		return -1;
	int r = 0;
	/* The record says running and the run is over (refreshed): record
	 * the exit.  Still running, or done already: nothing to do. */
	if (over) {
		r = engine_runtime_forget(en, &c, e);
		if (r == 0)
			engine_volumes_unmount(en, &c);
		if (r == 0 && c.auto_remove) {
			r = engine_remove_locked(en, &c, true, e);
		} else if (r == 0) {
			if (restart_wanted(&c))
				schedule_restart(en, &c);
			r = container_save(en->root, &c, e);
			_cleanup_free_ char *sd = engine_state_dir(en, id);
			(void)rm_rf_at(AT_FDCWD, sd, NULL);
			/* A stopped container's root is not mounted (start mounts
			 * it again): mounts do not pile up in the host's table. */
			_cleanup_free_ char *fs = xasprintf("%s/containers/%s/fs", en->root, id);
			(void)snapshot_unmount(fs, NULL);
		}
		engine_event_died(en, &c, r == 0 && c.auto_remove);
	}
	container_clear(&c);
	close(lk);
	return r;
}

int engine_stop_now(const struct engine *en, const char *id, struct err *e)
{
	struct container c;
	if (container_load(en->root, id, &c, e) < 0)
		return -1;
	engine_refresh(en, &c);
	if (c.state == CONTAINER_RUNNING || c.state == CONTAINER_PAUSED) {
		(void)signal_init(&c, SIGKILL, NULL);
		engine_thaw(en, &c);
		(void)wait_over(&c, -1);
	}
	container_clear(&c);
	return settle(en, id, e);
}

int engine_run_pidfd(const struct container *c)
{
	if (c->state != CONTAINER_RUNNING && c->state != CONTAINER_PAUSED)
		return -1;
	int fd = pidfd_of(c->monitor_pid, c->monitor_start);
	return fd >= 0 ? fd : pidfd_of(c->pid, c->pid_start);
}

/* ---- exec ---- */


static char *runtime_binary(const struct engine *en, const struct container *c)
{
	return c->runtime ? xstrdup(c->runtime) : engine_helper_path(en, "berth-runtime");
}

int engine_exec(const struct engine *en, const char *what, const struct engine_exec_opts *o,
		struct err *e)
{
	struct container c;
	if (engine_load(en, what, &c, e) < 0)
		return -1;
	_cleanup_free_ char *id = xstrdup(c.id);
	if (c.state != CONTAINER_RUNNING) {
		err_set(e, ERR_CONFLICT, "container %s is not running", id);
		container_clear(&c);
		return -1;
	}
	_cleanup_free_ char *bin = runtime_binary(en, &c);
	_cleanup_free_ char *root = engine_runtime_root_of(en, c.runtime);
	_cleanup_free_ char *ids = NULL;
	if (o->user) {
		_cleanup_free_ char *rootfs = xasprintf("%s/containers/%s/fs/merged", en->root, id);
		_cleanup_close_ int rfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		uint32_t uid, gid;
		if (spec_resolve_user(rfd, o->user, &uid, &gid, e) < 0) {
			container_clear(&c);
			return -1;
		}
		ids = xasprintf("%u:%u", uid, gid);
	}
	container_clear(&c);
	_cleanup_strv_ char **argv = NULL;
	strv_push(&argv, bin);
	strv_push(&argv, "--root");
	strv_push(&argv, root);
	strv_push(&argv, "exec");
	if (o->tty)
		strv_push(&argv, "--tty");
	if (o->detach)
		strv_push(&argv, "--detach");
	for (char **v = o->env; v && *v; v++) {
		strv_push(&argv, "--env");
		strv_push(&argv, *v);
	}
	if (ids) {
		strv_push(&argv, "--user");
		strv_push(&argv, ids);
	}
	if (o->workdir) {
		strv_push(&argv, "--cwd");
		strv_push(&argv, o->workdir);
	}
	for (int n = 0; o->privileged && n <= cap_last_known(); n++) {
		if (!cap_name(n))
			continue;
		strv_push(&argv, "--cap");
		strv_push(&argv, cap_name(n));
	}
	strv_push(&argv, id);
	for (char **a = o->args; *a; a++)
		strv_push(&argv, *a);
	if (!o->interactive) {
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0) {
			dup2(null, 0);
			close(null);
		}
	}
	execv(argv[0], argv);
	return err_sys(e, errno, "exec %s", argv[0]);
}
