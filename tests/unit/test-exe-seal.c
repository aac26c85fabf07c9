/* test-exe-seal: a binary executed through exe_seal_open's read-only
 * mount cannot be rewritten through /proc/<pid>/exe, even after the
 * process is gone (the CVE-2019-5736 attack: an O_PATH descriptor of the
 * exe kept, reopened for writing once the binary is no longer busy). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "runtime/exe-seal.h"
#include "sanitizer-options.h"
#include "tap.h"

extern char **environ;

/* Run path (a copy of sleep) through exe; the writable-ness of its exe
 * once it exited: 0 when it could be reopened for writing, else errno. */
static int attack(const char *path, int exe)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)"sleep", (char *)"10", NULL};
		if (exe >= 0)
			syscall(SYS_execveat, exe, "", argv, environ, AT_EMPTY_PATH);
		else
			execv(path, argv);
		_exit(127);
	}
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/%d/exe", (int)pid);
	/* Once the child has exec'd, its exe is no longer ours. */
	char mine[256];
	ssize_t m = readlink("/proc/self/exe", mine, sizeof(mine) - 1);
	mine[m > 0 ? m : 0] = '\0';
	int held = -1;
	for (int i = 0; i < 500 && held < 0; i++) {
		char link[256];
		ssize_t n = readlink(proc, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			if (strcmp(link, mine) != 0)
				held = open(proc, O_PATH | O_CLOEXEC);
		}
		if (held < 0)
			usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (held < 0)
		return -1;
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", held);
	int w = open(self, O_WRONLY | O_CLOEXEC);
	int r = w >= 0 ? 0 : errno;
	if (w >= 0)
		close(w);
	close(held);
	return r;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (open_tree)\n");
		return 0;
	}
	char dir[] = "/tmp/test-exe-seal.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char copy[128];
	snprintf(copy, sizeof(copy), "%s/sleep", dir);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "cp /bin/sleep %s", copy);
	if (system(cmd) != 0)
		return 1;

	/* The defence is needed: executed as it is, the binary can be
	 * reopened for writing once its process is gone. */
	is_int(attack(copy, -1), 0, "a plain exec leaves the binary writable through /proc/pid/exe");

	int exe = exe_seal_open(copy);
	ok(exe >= 0, "exe_seal_open");
	struct statvfs vfs;
	ok(exe >= 0 && fstatvfs(exe, &vfs) == 0 && (vfs.f_flag & ST_RDONLY),
	   "it is on a read-only mount");
	is_int(attack(copy, exe), EROFS, "through it, the binary cannot be reopened for writing");
	if (exe >= 0)
		close(exe);
	is_int(exe_seal_open("/nonexistent/binary"), -1, "a missing binary is -1");

	unlink(copy);
	rmdir(dir);
	return tap_done();
}
