/* foreground.c: see foreground.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "runtime/foreground.h"

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static bool copy_some(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return write_all(to, buf, (size_t)n) == 0;
}

void foreground_pass_winsize(int master)
{
	struct winsize ws;
	if (master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

int foreground_wait(pid_t pid, int pidfd, int master, int *ret_status, struct err *e)
{
	sigset_t mask, old;
	sigemptyset(&mask);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	struct termios saved;
	bool raw = master >= 0 && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	foreground_pass_winsize(master);
	bool in_open = master >= 0, out_open = master >= 0;
	for (;;) {
		struct pollfd p[4] = {
			{.fd = pidfd, .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
			{.fd = out_open ? master : -1, .events = POLLIN},
			{.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN},
		};
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if ((int)si.ssi_signo == SIGWINCH)
					foreground_pass_winsize(master);
				else
					pidfd_send_signal(pidfd, (int)si.ssi_signo, NULL, 0);
			}
		}
		if (p[2].revents & POLLIN) {
			if (!copy_some(master, STDOUT_FILENO))
				out_open = false;
		} else if (p[2].revents & (POLLHUP | POLLERR))
			out_open = false;
		if (p[3].revents & (POLLIN | POLLHUP))
			if (!copy_some(STDIN_FILENO, master))
				in_open = false;
		if (p[0].revents & POLLIN)
			break;
	}
	if (out_open) {
		/* Drain what the program wrote just before it exited. */
		fd_set_nonblock(master, true);
		while (copy_some(master, STDOUT_FILENO) &&
		       poll(&(struct pollfd){.fd = master, .events = POLLIN}, 1, 0) > 0)
			;
	}
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	sigprocmask(SIG_SETMASK, &old, NULL);

	siginfo_t si = {0};
	while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0) {
		if (errno != EINTR)
			return err_sys(e, errno, "wait for container process %d", (int)pid);
	}
	if (si.si_code == CLD_EXITED)
		*ret_status = si.si_status;
	else
		*ret_status = 128 + si.si_status;
	return 0;
}
