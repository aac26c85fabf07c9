/* berth-init: the tiny init of `berth run --init`.
 *
 * pid 1 of a container gets no default signal handling from the kernel
 * and inherits every orphan: a program not written for it ignores Ctrl+C
 * and leaves zombies.  berth-init runs the command as its child, passes
 * every signal it gets on to it, reaps whatever exits, and exits with the
 * command's status (128 + the signal when a signal ended it). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int first = 1;
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		first = 2;
	if (first >= argc) {
		fprintf(stderr, "usage: berth-init [--] COMMAND [ARG...]\n");
		return 125;
	}
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t child = fork();
	if (child < 0) {
		perror("berth-init: fork");
		return 125;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* Its own process group: a terminal's signals reach it as
		 * they would reach a shell's job. */
		setpgid(0, 0);
		if (isatty(0))
			(void)tcsetpgrp(0, getpid());
		execvp(argv[first], argv + first);
		int err = errno;
		fprintf(stderr, "berth-init: exec %s: %s\n", argv[first], strerror(err));
		_exit(err == ENOENT ? 127 : 126);
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			(void)kill(child, sig);
			continue;
		}
		int st;
		pid_t p;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			if (p != child)
				continue;
			if (WIFEXITED(st))
				return WEXITSTATUS(st);
			return 128 + WTERMSIG(st);
		}
	}
}
