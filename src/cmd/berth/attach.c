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

/* The detach sequence (docker's default ctrl-p ctrl-q). */
#define DETACH_MAX 16
static unsigned char detach_keys[DETACH_MAX] = {0x10, 0x11};
static size_t n_detach_keys = 2;

int attach_set_detach_keys(const char *keys, struct err *e)
{
	unsigned char k[DETACH_MAX];
	size_t n = 0;
	_cleanup_free_ char *copy = xstrdup(keys);
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int c = -1;
		if (strlen(t) == 1) {
			c = (unsigned char)t[0];
		} else if (!strncasecmp(t, "ctrl-", 5) && strlen(t) == 6) {
			char x = t[5];
			if (x >= 'a' && x <= 'z')
				c = x - 'a' + 1;
			else if (x >= 'A' && x <= 'Z')
				c = x - 'A' + 1;
			else if (strchr("@[\\]^_", x))
				c = x == '@' ? 0 : x - '[' + 27;
		}
		if (c < 0 || n >= DETACH_MAX)
			return err_set(e, ERR_INVALID, "invalid detach keys \"%s\": a sequence of "
				       "characters or ctrl-<a-z, @, [, \\, ], ^, _>, comma-separated",
				       keys);
		k[n++] = (unsigned char)c;
	}
	memcpy(detach_keys, k, n);
	n_detach_keys = n;
	return 0;
}

struct attach {
	int conn;
	pid_t pid;
	bool tty, stdin_open, sig_proxy;
	bool raw;
	struct termios saved;
	int code;
	bool in_done;
	size_t matched; /* of the detach sequence, held back */
};

/* Input without the detach sequence (partial matches held back, passed
 * on when they turn out not to be one).  Returns 1 once it was typed. */
static int scan_detach(struct attach *a, char *buf, ssize_t *n)
{
	if (!n_detach_keys)
		return 0;
	char out[MON_MSG_MAX + DETACH_MAX];
	size_t o = 0;
	for (ssize_t i = 0; i < *n; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == detach_keys[a->matched]) {
			if (++a->matched == n_detach_keys)
				return 1;
			continue;
		}
		memcpy(out + o, detach_keys, a->matched);
		o += a->matched;
		a->matched = 0;
		if (c == detach_keys[0]) {
			a->matched = 1;
			if (n_detach_keys == 1)
				return 1;
			continue;
		}
		out[o++] = (char)c;
	}
	/* (o <= *n + DETACH_MAX - 1 < the buffer, which holds MON_MSG_MAX) */
	if (o > (size_t)(MON_MSG_MAX - 1))
		o = MON_MSG_MAX - 1;
	memcpy(buf, out, o);
	*n = (ssize_t)o;
	return 0;
}

/* Our stdin to the container; 2 when the detach keys were typed. */
static int pump_stdin(struct attach *a)
{
	char msg[MON_MSG_MAX];
	ssize_t n = read(0, msg + 1, sizeof(msg) - 1 - DETACH_MAX);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		msg[0] = MON_STDIN_EOF;
		(void)send(a->conn, msg, 1, MSG_NOSIGNAL);
		a->in_done = true;
		return 0;
	}
	if (scan_detach(a, msg + 1, &n))
		return 2;
	if (n == 0)
		return 0; /* all of it held back (a detach sequence begun) */
	msg[0] = MON_STDIN;
	(void)send(a->conn, msg, (size_t)n + 1, MSG_NOSIGNAL);
	return 0;
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
		if (p[2].revents && pump_stdin(&a) == 2) {
			r = 2; /* detached: the container runs on */
			break;
		}
		if (p[0].revents)
			r = from_monitor(&a);
	}
	if (a.raw)
		(void)tcsetattr(0, TCSANOW, &a.saved);
	close(sfd);
	if (r == 2) {
		/* Detached: the monitor records the exit when it comes. */
		close(conn);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 0;
	}
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
