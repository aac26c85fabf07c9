/* attach.c: a terminal or pipes attached to a container's monitor (run in
 * the foreground, start -a, attach). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/log.h"
#include "cmd/berth/commands.h"
#include "monitor/protocol.h"

int report_start(struct err *e)
{
	int code = e->kind == ERR_NOT_FOUND && e->errnum == ENOENT ? 127
		   : e->kind == ERR_PERMISSION			     ? 126
								     : EXIT_BERTH;
	report(e);
	return code;
}

void terminal_size(unsigned *rows, unsigned *cols)
{
	struct winsize ws;
	*rows = *cols = 0;
	if (ioctl(0, TIOCGWINSZ, &ws) == 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

static void send_size(int conn)
{
	unsigned rows, cols;
	terminal_size(&rows, &cols);
	if (!rows || !cols)
		return;
	char msg[32];
	int n = snprintf(msg, sizeof(msg), "%c%u %u", MON_RESIZE, rows, cols);
	(void)send(conn, msg, (size_t)n, MSG_NOSIGNAL);
}

static const int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

struct attach {
	int conn;
	pid_t pid;
	bool tty, stdin_open, sig_proxy;
	bool raw;
	struct termios saved;
	int code;
	bool in_done;
};

/* Our stdin to the container. */
static void pump_stdin(struct attach *a)
{
	char msg[MON_MSG_MAX];
	ssize_t n = read(0, msg + 1, sizeof(msg) - 1);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		msg[0] = MON_STDIN_EOF;
		(void)send(a->conn, msg, 1, MSG_NOSIGNAL);
		a->in_done = true;
		return;
	}
	msg[0] = MON_STDIN;
	(void)send(a->conn, msg, (size_t)n + 1, MSG_NOSIGNAL);
}

/* One message from the monitor; returns 1 at the exit, -1 at its end. */
static int from_monitor(struct attach *a)
{
	char msg[MON_MSG_MAX];
	ssize_t n = recv(a->conn, msg, sizeof(msg), 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	switch (msg[0]) {
	case MON_STDOUT:
		(void)write_all(1, msg + 1, (size_t)n - 1);
		break;
	case MON_STDERR:
		(void)write_all(2, msg + 1, (size_t)n - 1);
		break;
	case MON_EXIT:
		msg[n < (ssize_t)sizeof(msg) ? n : (ssize_t)sizeof(msg) - 1] = '\0';
		a->code = atoi(msg + 1);
		return 1;
	default:
		break;
	}
	return 0;
}

static void forward(struct attach *a, int sig)
{
	if (sig == SIGWINCH) {
		if (a->tty)
			send_size(a->conn);
		return;
	}
	if (!a->sig_proxy)
		return;
	int fd = (int)syscall(SYS_pidfd_open, a->pid, 0);
	if (fd >= 0) {
		(void)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
		close(fd);
	}
}

/* The monitor leaves right after our MON_CLEANED: wait for it, so that
 * nothing of the container is left once we return (and reap it when it is
 * our child). */
static void wait_monitor(pid_t monitor)
{
	int fd = monitor > 0 ? (int)syscall(SYS_pidfd_open, monitor, 0) : -1;
	if (fd < 0)
		return;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (poll(&p, 1, 10000) < 0 && errno == EINTR)
		;
	close(fd);
	(void)waitpid(monitor, NULL, WNOHANG);
}

int attach_run(const struct engine *en, const char *id, int conn, pid_t pid, pid_t monitor,
	       bool tty, bool stdin_open, bool sig_proxy, struct err *e)
{
	struct attach a = {.conn = conn, .pid = pid, .tty = tty, .stdin_open = stdin_open,
			   .sig_proxy = sig_proxy, .code = -1};
	sigset_t mask, old;
	sigemptyset(&mask);
	for (size_t i = 0; i < ARRAY_SIZE(proxied); i++)
		sigaddset(&mask, proxied[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	/* A signal ignored (a shell's background job ignores INT) would never
	 * reach the signalfd: blocked now, its default is harmless. */
	for (size_t i = 0; i < ARRAY_SIZE(proxied); i++)
		signal(proxied[i], SIG_DFL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (tty && isatty(0) && tcgetattr(0, &a.saved) == 0) {
		struct termios raw = a.saved;
		cfmakeraw(&raw);
		if (tcsetattr(0, TCSANOW, &raw) == 0)
			a.raw = true;
	}
	if (tty)
		send_size(conn);
	int r = 0;
	while (r == 0) {
		struct pollfd p[3] = {
			{.fd = conn, .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
			{.fd = stdin_open && !a.in_done ? 0 : -1, .events = POLLIN},
		};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				forward(&a, (int)si.ssi_signo);
		}
		if (p[2].revents)
			pump_stdin(&a);
		if (p[0].revents)
			r = from_monitor(&a);
	}
	if (a.raw)
		(void)tcsetattr(0, TCSANOW, &a.saved);
	close(sfd);
	if (r > 0) {
		/* Record the exit here rather than have the monitor start a
		 * berth for it (an --rm container goes now). */
		_cleanup_err_ struct err ce = ERR_INIT;
		if (engine_cleanup(en, id, &ce) == 0 || ce.kind == ERR_NOT_FOUND) {
			char msg = MON_CLEANED;
			(void)send(conn, &msg, 1, MSG_NOSIGNAL);
		}
	}
	close(conn);
	if (r > 0)
		wait_monitor(monitor);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		/* The monitor went away (killed): the container's own end is
		 * what the engine can still tell. */
		int code;
		if (engine_wait(en, id, &code, e) < 0)
			return -1;
		return code;
	}
	return a.code;
}
