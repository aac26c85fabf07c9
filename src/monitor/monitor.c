/* monitor.c: berth-monitor, see monitor.h. */
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
#include <poll.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>

#include "base/time-util.h"

#define MAX_CLIENTS 16
/* After the init has exited, output still buffered (or held by a process
 * outside its pid namespace) is read for at most this long. */
#define DRAIN_MS 2000
/* How long an attached client may take to record the exit itself. */
#define CLEANUP_WAIT_MS 30000


struct loop {
	struct mon *m;
	struct log_writer *log;
	int clients[MAX_CLIENTS]; /* [0] is the starter's */
	size_t n_clients;
	bool exited;
	int status;
	pid_t health_pid; /* a health check under way */
};

static void drop_client(struct loop *l, size_t i)
{
	close(l->clients[i]);
	l->clients[i] = l->clients[--l->n_clients];
}

static void broadcast(struct loop *l, char type, const char *data, size_t len)
{
	char msg[MON_MSG_MAX];
	while (true) {
		size_t take = len < sizeof(msg) - 1 ? len : sizeof(msg) - 1;
		msg[0] = type;
		memcpy(msg + 1, data, take);
		for (size_t i = 0; i < l->n_clients;) {
			/* A client that stops reading is dropped after a
			 * while rather than stopping the container. */
			ssize_t r = send(l->clients[i], msg, take + 1, MSG_NOSIGNAL);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				drop_client(l, i);
			else
				i++;
		}
		data += take;
		len -= take;
		if (len == 0)
			break;
	}
}

static void add_client(struct loop *l, int fd)
{
	if (l->n_clients >= MAX_CLIENTS) {
		close(fd);
		return;
	}
	struct timeval tv = {.tv_sec = 10};
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	l->clients[l->n_clients++] = fd;
}

/* A message from a client. */
static void client_input(struct loop *l, size_t i)
{
	char msg[MON_MSG_MAX];
	ssize_t n = recv(l->clients[i], msg, sizeof(msg), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop_client(l, i);
		return;
	}
	struct mon *m = l->m;
	int in = m->tty ? m->master : m->in;
	switch (msg[0]) {
	case MON_STDIN:
		if (in >= 0 && write_all(in, msg + 1, (size_t)n - 1) < 0 && !m->tty) {
			close(m->in);
			m->in = -1;
		}
		break;
	case MON_STDIN_EOF:
		if (!m->tty && m->in >= 0) {
			close(m->in);
			m->in = -1;
		} else if (m->tty && m->master >= 0) {
			/* The terminal's end of file: its EOF character. */
			struct termios t;
			char eof = 4;
			if (tcgetattr(m->master, &t) == 0)
				eof = (char)t.c_cc[VEOF];
			(void)write_all(m->master, &eof, 1);
		}
		break;
	case MON_RESIZE: {
		unsigned rows, cols;
		msg[n < (ssize_t)sizeof(msg) ? n : (ssize_t)sizeof(msg) - 1] = '\0';
		if (m->master >= 0 && sscanf(msg + 1, "%u %u", &rows, &cols) == 2) {
			struct winsize ws = {.ws_row = (unsigned short)rows,
					     .ws_col = (unsigned short)cols};
			(void)ioctl(m->master, TIOCSWINSZ, &ws);
		}
		break;
	}
	default: break;
	}
}

/* Output of the container; returns false at its end. */
static bool output(struct loop *l, int *fd, enum log_stream s)
{
	char buf[MON_MSG_MAX - 1];
	ssize_t n = read(*fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (n <= 0) {
		/* End of file (a pty says EIO once no one holds its slave). */
		(void)log_writer_flush(l->log, s, &now);
		close(*fd);
		*fd = -1;
		return false;
	}
	(void)log_writer_add(l->log, s, buf, (size_t)n, &now);
	broadcast(l, s == LOG_STDERR ? MON_STDERR : MON_STDOUT, buf, (size_t)n);
	return true;
}

static void reap(struct loop *l)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p <= 0)
			return;
		if (p == l->health_pid)
			l->health_pid = 0;
		if (p == l->m->pid) {
			l->exited = true;
			l->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
	}
}

static void write_exit(const struct mon *m, int status)
{
	char now[RFC3339_MAX], text[96];
	time_now_rfc3339(now);
	int n = snprintf(text, sizeof(text), "%d\n%s\n", status, now);
	_cleanup_close_ int dfd = open(m->state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)write_file_atomic_at(dfd, "exit", text, (size_t)n, 0600, 0, NULL);
}

/* The health check: the cleanup command's berth, `healthcheck run
 * --from-monitor ID` (cleanup is "berth --root R --runroot RR container
 * cleanup ID"). */
static pid_t run_health(const struct mon *m)
{
	size_t n = 0;
	while (m->cleanup[n])
		n++;
	if (n != 8)
		return 0;
	char *argv[] = {m->cleanup[0], m->cleanup[1], m->cleanup[2], m->cleanup[3],
			m->cleanup[4], (char *)"healthcheck", (char *)"run",
			(char *)"--from-monitor", m->cleanup[7], NULL};
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid > 0 ? pid : 0;
}

static void run_cleanup(const struct mon *m)
{
	if (!m->cleanup[0])
		return;
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(m->cleanup[0], m->cleanup);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
}

/* Whether a client says it has cleaned up (MON_CLEANED) before all of
 * them are gone; CLEANUP_WAIT_MS at most. */
static bool cleaned_by_client(struct loop *l)
{
	uint64_t until = time_mono_ns() + (uint64_t)CLEANUP_WAIT_MS * 1000000;
	while (l->n_clients > 0) {
		uint64_t now = time_mono_ns();
		if (now >= until)
			return false;
		struct pollfd p[MAX_CLIENTS];
		for (size_t i = 0; i < l->n_clients; i++)
			p[i] = (struct pollfd){.fd = l->clients[i], .events = POLLIN};
		int r = poll(p, l->n_clients, (int)((until - now) / 1000000) + 1);
		if (r < 0 && errno != EINTR)
			return false;
		for (size_t i = l->n_clients; r > 0 && i-- > 0;) {
			if (!p[i].revents)
				continue;
			char msg[64];
			ssize_t n = recv(l->clients[i], msg, sizeof(msg), MSG_DONTWAIT);
			if (n > 0 && msg[0] == MON_CLEANED)
				return true;
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				drop_client(l, i);
		}
	}
	return false;
}

static int monitor(struct mon *m)
{
	if (m->pid <= 0)
		return 125;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	struct log_writer *log = xmalloc(sizeof(*log));
	int lfd = -1;
	if (m->log_driver != LOG_NONE && m->log_path)
		lfd = open(m->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	log_writer_init(log, m->log_driver, lfd);
	struct loop l = {.m = m, .log = log};
	if (m->ctl >= 0)
		add_client(&l, m->ctl);
	if (m->master >= 0)
		m->out = m->master; /* the pty is the output; m->master stays for input */
	int *outs[2] = {&m->out, &m->err};
	uint64_t drain_until = 0;
	uint64_t health_at = m->health_ms ? time_mono_ns() + (uint64_t)m->health_ms * 1000000 : 0;
	reap(&l);
	while (true) {
		struct pollfd p[4 + MAX_CLIENTS];
		size_t n = 0;
		p[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = m->out, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = m->err, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = l.exited ? -1 : m->listen, .events = POLLIN};
		for (size_t i = 0; i < l.n_clients; i++)
			p[n++] = (struct pollfd){.fd = l.clients[i], .events = POLLIN};
		if (l.exited && m->out < 0 && m->err < 0)
			break;
		int timeout = -1;
		if (health_at && !l.exited) {
			uint64_t now = time_mono_ns();
			if (now >= health_at) {
				if (!l.health_pid)
					l.health_pid = run_health(m);
				health_at = now + (uint64_t)m->health_ms * 1000000;
			}
			timeout = (int)((health_at - now) / 1000000) + 1;
		}
		if (l.exited) {
			uint64_t now = time_mono_ns();
			if (!drain_until)
				drain_until = now + (uint64_t)DRAIN_MS * 1000000;
			if (now >= drain_until)
				break;
			timeout = (int)((drain_until - now) / 1000000) + 1;
		}
		int r = poll(p, n, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (p[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			reap(&l);
		}
		for (int k = 0; k < 2; k++)
			if (p[1 + k].revents && *outs[k] >= 0 &&
			    !output(&l, outs[k], k == 0 ? LOG_STDOUT : LOG_STDERR) && k == 0)
				m->master = -1; /* closed with the output when a pty */
		if (p[3].revents & POLLIN) {
			int c = accept4(m->listen, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0)
				add_client(&l, c);
		}
		/* Clients from the last poll, in reverse: a dropped one is
		 * replaced by the last. */
		for (size_t i = n; i-- > 4;) {
			if (!p[i].revents)
				continue;
			for (size_t j = 0; j < l.n_clients; j++)
				if (l.clients[j] == p[i].fd) {
					client_input(&l, j);
					break;
				}
		}
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	for (int k = 0; k < 2; k++)
		(void)log_writer_flush(log, (enum log_stream)k, &now);
	if (!l.exited) {
		/* Still there (poll failed): wait for it. */
		int st;
		while (waitpid(m->pid, &st, 0) < 0 && errno == EINTR)
			;
		l.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	if (m->listen >= 0)
		close(m->listen);
	write_exit(m, l.status);
	char code[16];
	int len = snprintf(code, sizeof(code), "%d", l.status);
	broadcast(&l, MON_EXIT, code, (size_t)len);
	/* An attached berth (a foreground run) records the exit itself, in
	 * its own process, and says so: one program start less.  Without
	 * one, or when it goes away without a word, the cleanup command. */
	if (!cleaned_by_client(&l))
		run_cleanup(m);
	return 0;
}

int monitor_main(int argc, char **argv)
{
	struct mon m = {.ctl = -1, .out = -1, .err = -1, .in = -1, .master = -1, .listen = -1,
			.log_driver = LOG_JSON_FILE};
	if (mon_parse_args(&m, argc, argv) < 0) {
		fprintf(stderr, "berth-monitor: bad arguments (it is started by berth)\n");
		return 125;
	}
	return monitor(&m);
}
