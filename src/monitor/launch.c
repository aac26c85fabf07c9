/* launch.c: berth-launch, see monitor.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/parse-util.h"
#include "monitor/monitor.h"
#include "monitor/protocol.h"
#include <sys/prctl.h>

#include "runtime/exe-seal.h"
#include "runtime/runtime.h"

extern char **environ;


static void report_error(int ctl, const struct err *e)
{
	char msg[4096];
	int n = snprintf(msg, sizeof(msg), "%c%d %d %s", MON_FAILED, (int)e->kind, e->errnum,
			 err_msg(e));
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	(void)send(ctl, msg, (size_t)n, MSG_NOSIGNAL);
}

/* A path to name in the state directory that fits a sockaddr_un whatever
 * the directory's length: through our descriptor of it. */
static char *short_path(int dirfd, const char *name)
{
	return xasprintf("/proc/%d/fd/%d/%s", (int)getpid(), dirfd, name);
}

static int listen_at(int dirfd, const char *name, int type, struct err *e)
{
	(void)unlinkat(dirfd, name, 0);
	_cleanup_free_ char *path = short_path(dirfd, name);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(e, ERR_INTERNAL, "socket path \"%s\" too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	_cleanup_close_ int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
		return err_sys(e, errno, "listen on %s", name);
	return TAKE_FD(fd);
}

/* Run an external runtime's verb; its errors come from its JSON log. */
static int run_external(const struct mon *m, int dirfd, char **args, struct err *e)
{
	char *argv[24];
	size_t n = 0;
	_cleanup_free_ char *log = xasprintf("%s/runtime.log", m->state_dir);
	argv[n++] = (char *)m->runtime;
	argv[n++] = (char *)"--root";
	argv[n++] = (char *)m->runtime_root;
	argv[n++] = (char *)"--log";
	argv[n++] = log;
	argv[n++] = (char *)"--log-format";
	argv[n++] = (char *)"json";
	for (char **a = args; *a && n < ARRAY_SIZE(argv) - 1; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	(void)unlinkat(dirfd, "runtime.log", 0);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(e, errno, "fork");
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, errno, "wait for %s", m->runtime);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return err_set(e, ERR_NOT_FOUND, "runtime %s: cannot be executed", m->runtime);
	/* The last "msg" of its log says why. */
	_cleanup_free_ char *text = NULL;
	size_t len;
	const char *why = "failed";
	_cleanup_free_ char *msg = NULL;
	if (read_file_at(dirfd, "runtime.log", 1 << 20, &text, &len, NULL) == 0) {
		char *p = NULL;
		for (char *q = strstr(text, "\"msg\":\""); q; q = strstr(q + 1, "\"msg\":\""))
			p = q;
		if (p) {
			p += 7;
			msg = xstrdup(p);
			char *o = msg;
			for (char *s = p; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1])
					s++;
				*o++ = *s;
			}
			*o = '\0';
			why = msg;
		}
	}
	enum err_kind kind = ERR_INTERNAL;
	if (strstr(why, "executable file not found") || strstr(why, "no such file"))
		kind = ERR_NOT_FOUND;
	else if (strstr(why, "permission denied"))
		kind = ERR_PERMISSION;
	err_set(e, kind, "%s %s: %s", m->runtime, args[0], why);
	if (e && kind == ERR_NOT_FOUND)
		e->errnum = ENOENT;
	return -1;
}

static int recv_master(int lfd, struct err *e)
{
	_cleanup_close_ int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return err_sys(e, errno, "accept the console socket");
	int fds[1] = {-1};
	size_t nfd = 1;
	char name[64];
	ssize_t r = recv_fds(c, fds, &nfd, name, sizeof(name));
	if (r < 0)
		return err_sys(e, (int)-r, "receive the pty master");
	if (nfd != 1 || fds[0] < 0)
		return err_set(e, ERR_INTERNAL, "the runtime sent no pty master");
	return fds[0];
}

static int read_pid(int dirfd, pid_t *ret, struct err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int64_t v;
	if (read_file_at(dirfd, "pid", 64, &text, &len, e) < 0)
		return -1;
	if (parse_i64(text, &v) < 0 || v <= 0 || v > INT32_MAX)
		return err_set(e, ERR_INTERNAL, "the runtime wrote a bad pid file");
	*ret = (pid_t)v;
	return 0;
}

struct created {
	int out, err, in, master, listen;
	pid_t pid;
};

/* Make the container's stdio, our fds 0-2 while the runtime creates it. */
static int setup_stdio(const struct mon *m, int *keep_out, int *keep_err, int *keep_in,
		       struct err *e)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return err_sys(e, errno, "open /dev/null");
	int p[2];
	int cin = null, cout = null, cerr = null;
	if (m->stdin_open && !m->tty) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_sys(e, errno, "pipe");
		cin = p[0];
		*keep_in = p[1];
	}
	if (!m->tty) {
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_sys(e, errno, "pipe");
		cout = p[1];
		*keep_out = p[0];
		if (pipe2(p, O_CLOEXEC) < 0)
			return err_sys(e, errno, "pipe");
		cerr = p[1];
		*keep_err = p[0];
	}
	if (dup2(cin, 0) < 0 || dup2(cout, 1) < 0 || dup2(cerr, 2) < 0)
		return err_sys(e, errno, "dup2");
	if (cin != null)
		close(cin);
	if (cout != null)
		close(cout);
	if (cerr != null)
		close(cerr);
	close(null);
	return 0;
}

static int create_container(const struct mon *m, int dirfd, struct created *c, struct err *e)
{
	if (setup_stdio(m, &c->out, &c->err, &c->in, e) < 0)
		return -1;
	c->listen = listen_at(dirfd, "attach", SOCK_SEQPACKET, e);
	if (c->listen < 0)
		return -1;
	_cleanup_close_ int console = -1;
	_cleanup_free_ char *console_path = NULL;
	if (m->tty) {
		console = listen_at(dirfd, "console.sock", SOCK_STREAM, e);
		if (console < 0)
			return -1;
		console_path = short_path(dirfd, "console.sock");
	}
	_cleanup_free_ char *pid_path = xasprintf("%s/pid", m->state_dir);
	(void)unlinkat(dirfd, "pid", 0);
	if (m->runtime) {
		char *args[] = {(char *)"create", (char *)"--bundle", (char *)m->bundle,
				(char *)"--pid-file", pid_path, NULL, NULL, NULL, NULL};
		size_t n = 5;
		if (console_path) {
			args[n++] = (char *)"--console-socket";
			args[n++] = console_path;
		}
		args[n++] = (char *)m->id;
		if (run_external(m, dirfd, args, e) < 0)
			return -1;
	} else {
		struct runtime_ctx rt = {.root = m->runtime_root};
		struct runtime_create_opts o = {
			.id = m->id,
			.bundle = m->bundle,
			.pid_file = pid_path,
			.console_socket = console_path,
		};
		if (runtime_create(&rt, &o, e) < 0)
			return -1;
	}
	/* From here on the container exists: a failure deletes it. */
	int r = read_pid(dirfd, &c->pid, e);
	if (r == 0 && m->tty) {
		c->master = recv_master(console, e);
		r = c->master < 0 ? -1 : 0;
		if (r == 0 && m->rows && m->cols) {
			struct winsize ws = {.ws_row = (unsigned short)m->rows,
					     .ws_col = (unsigned short)m->cols};
			(void)ioctl(c->master, TIOCSWINSZ, &ws);
		}
	}
	(void)unlinkat(dirfd, "console.sock", 0);
	if (r == 0) {
		if (m->runtime) {
			char *args[] = {(char *)"start", (char *)m->id, NULL};
			r = run_external(m, dirfd, args, e);
		} else {
			struct runtime_ctx rt = {.root = m->runtime_root};
			r = runtime_start(&rt, m->id, e);
		}
	}
	if (r < 0) {
		if (m->runtime) {
			char *args[] = {(char *)"delete", (char *)"--force", (char *)m->id, NULL};
			(void)run_external(m, dirfd, args, NULL);
		} else {
			struct runtime_ctx rt = {.root = m->runtime_root};
			(void)runtime_delete(&rt, m->id, true, NULL);
		}
		return -1;
	}
	return 0;
}

static char *fdstr(int fd)
{
	return xasprintf("%d", fd);
}

_noreturn_ static void exec_loop(const struct mon *m, const struct created *c)
{
	char **argv = NULL;
	size_t n = 0, cap = 0;
#define ADD(s)                                                                                   \
	do {                                                                                     \
		if (n + 2 > cap) {                                                               \
			cap = cap ? cap * 2 : 64;                                                \
			argv = xrealloc(argv, cap * sizeof(*argv));                              \
		}                                                                                \
		argv[n++] = (s);                                                                 \
	} while (0)
	ADD((char *)m->monitor);
	ADD((char *)"--state-dir");
	ADD((char *)m->state_dir);
	ADD((char *)"--log-driver");
	ADD((char *)log_driver_name(m->log_driver));
	if (m->log_path) {
		ADD((char *)"--log-path");
		ADD((char *)m->log_path);
	}
	if (m->tty)
		ADD((char *)"--tty");
	ADD((char *)"--ctl-fd");
	ADD(fdstr(m->ctl));
	ADD((char *)"--out-fd");
	ADD(fdstr(c->out));
	ADD((char *)"--err-fd");
	ADD(fdstr(c->err));
	ADD((char *)"--in-fd");
	ADD(fdstr(c->in));
	ADD((char *)"--master-fd");
	ADD(fdstr(c->master));
	ADD((char *)"--listen-fd");
	ADD(fdstr(c->listen));
	ADD((char *)"--pid");
	ADD(xasprintf("%d", (int)c->pid));
	if (m->health_ms) {
		ADD((char *)"--health-interval");
		ADD(xasprintf("%u", m->health_ms));
	}
	ADD((char *)"--");
	for (char **a = m->cleanup; *a; a++)
		ADD(*a);
	argv[n] = NULL;
#undef ADD
	int keep[] = {m->ctl, c->out, c->err, c->in, c->master, c->listen};
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++)
		if (keep[i] >= 0)
			(void)fd_set_cloexec(keep[i], false);
	execve(m->monitor, argv, environ);
	_exit(125);
}

static int launch(struct mon *m, char **argv)
{
	_cleanup_err_ struct err e = ERR_INIT;
	if (m->ctl < 0 || !m->id || !m->bundle || !m->runtime_root || !m->monitor) {
		fprintf(stderr, "berth-launch: missing options\n");
		return 125;
	}
	/* Only the runtime library runs code of ours in the container:
	 * then it must run from a copy nobody can write (CVE-2019-5736). */
	if (!m->runtime && exe_seal_reexec(argv, &e) < 0) {
		report_error(m->ctl, &e);
		return 125;
	}
	(void)fd_set_cloexec(m->ctl, true);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		err_sys(&e, errno, "become a child subreaper");
		report_error(m->ctl, &e);
		return 125;
	}
	_cleanup_close_ int dirfd = open(m->state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct created c = {.out = -1, .err = -1, .in = -1, .master = -1, .listen = -1};
	if (dirfd < 0)
		err_sys(&e, errno, "open %s", m->state_dir);
	if (dirfd < 0 || create_container(m, dirfd, &c, &e) < 0) {
		report_error(m->ctl, &e);
		return 125;
	}
	/* Our own stdio goes back to /dev/null: the container has its ends. */
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	char msg[32];
	int len = snprintf(msg, sizeof(msg), "%c%d", MON_STARTED, (int)c.pid);
	(void)send(m->ctl, msg, (size_t)len, MSG_NOSIGNAL);
	exec_loop(m, &c);
}

int launch_main(int argc, char **argv)
{
	/* The engine starts us with every signal blocked. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct mon m = {.ctl = -1, .out = -1, .err = -1, .in = -1, .master = -1, .listen = -1,
			.log_driver = LOG_JSON_FILE};
	if (mon_parse_args(&m, argc, argv) < 0) {
		fprintf(stderr, "berth-launch: bad arguments (it is started by berth)\n");
		return 125;
	}
	return launch(&m, argv);
}
