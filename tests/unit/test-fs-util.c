/* test-fs-util: rm_rf_at on what image layers can hold: trees deeper than
 * any descriptor budget, directories without write permission, and mount
 * points it must not cross. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "sanitizer-options.h"
#include "tap.h"

int main(void)
{
	char tmpl[] = "/tmp/test-fs-util-XXXXXX";
	char *top = mkdtemp(tmpl);
	ok(top != NULL, "a temporary directory");
	int tfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct err e = ERR_INIT;

	/* 3000 levels: more than the descriptors a process may hold at once
	 * under a 1024 limit, and than any recursion budget. */
	ok(mkdirat(tfd, "deep", 0755) == 0, "deep/");
	int cur = openat(tfd, "deep", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < 3000 && cur >= 0; i++) {
		if (mkdirat(cur, "a", 0755) < 0)
			break;
		int fd = openat(cur, "a", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (i % 100 == 0) {
			int f = openat(cur, "file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (f >= 0)
				close(f);
			if (symlinkat("/", cur, "link") < 0)
				break;
		}
		close(cur);
		cur = fd;
	}
	if (cur >= 0)
		close(cur);
	ok(rm_rf_at(tfd, "deep", &e) == 0, "a 3000-level tree is removed: %s",
	   err_isset(&e) ? err_msg(&e) : "ok");
	err_clear(&e);
	struct stat st;
	ok(fstatat(tfd, "deep", &st, AT_SYMLINK_NOFOLLOW) < 0, "nothing left");

	/* read-only directories (as images ship /proc and /sys): removable by
	 * their owner even without CAP_DAC_OVERRIDE. */
	ok(mkdirat(tfd, "ro", 0755) == 0 && mkdirat(tfd, "ro/etc", 0755) == 0, "ro/etc");
	int f = openat(tfd, "ro/etc/passwd", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ok(f >= 0, "a file in it");
	close(f);
	ok(mkdirat(tfd, "ro/locked", 0) == 0, "a directory with mode 0");
	ok(fchmodat(tfd, "ro/etc", 0555, 0) == 0 && fchmodat(tfd, "ro", 0555, 0) == 0,
	   "made read-only");
	ok(rm_rf_at(tfd, "ro", &e) == 0, "removed all the same");
	ok(fstatat(tfd, "ro", &st, AT_SYMLINK_NOFOLLOW) < 0, "gone");

	/* The same for an unprivileged owner, whom permissions do stop. */
	if (geteuid() == 0) {
		ok(mkdirat(tfd, "nb", 0755) == 0 && fchownat(tfd, "nb", 65534, 65534, 0) == 0,
		   "a directory of nobody's");
		int nb = openat(tfd, "nb", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		pid_t pid = fork();
		if (pid == 0) {
			if (setgid(65534) < 0 || setuid(65534) < 0)
				_exit(2);
			if (mkdirat(nb, "ro", 0755) < 0 || mkdirat(nb, "ro/etc", 0755) < 0 ||
			    mkdirat(nb, "ro/locked", 0) < 0)
				_exit(3);
			int g = openat(nb, "ro/etc/passwd", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (g < 0)
				_exit(4);
			close(g);
			if (fchmodat(nb, "ro/etc", 0555, 0) < 0 || fchmodat(nb, "ro", 0555, 0) < 0)
				_exit(5);
			_exit(rm_rf_at(nb, "ro", NULL) == 0 && faccessat(nb, "ro", F_OK, 0) < 0 ? 0 : 1);
		}
		int status = -1;
		waitpid(pid, &status, 0);
		ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		   "nobody removes its own read-only tree (status %d)", status);
		close(nb);
		ok(rm_rf_at(tfd, "nb", &e) == 0, "cleaned up");
	}

	/* a mount point below is never crossed */
	ok(mkdirat(tfd, "m", 0755) == 0 && mkdirat(tfd, "m/sub", 0755) == 0, "m/sub");
	char *sub = NULL;
	if (asprintf(&sub, "%s/m/sub", top) < 0)
		abort();
	if (mount("tmpfs", sub, "tmpfs", 0, "size=64k") == 0) {
		int g = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int h = openat(g, "keep", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		close(h);
		close(g);
		ok(rm_rf_at(tfd, "m", &e) < 0 && strstr(err_msg(&e), "mount point"),
		   "a mount point stops the removal");
		err_clear(&e);
		char *keep = NULL;
		if (asprintf(&keep, "%s/keep", sub) < 0)
			abort();
		ok(access(keep, F_OK) == 0, "what is mounted there is untouched");
		free(keep);
		umount2(sub, MNT_DETACH);
	} else {
		ok(1, "# skip no tmpfs mount here (not root)");
		ok(1, "# skip no tmpfs mount here (not root)");
	}
	free(sub);
	ok(rm_rf_at(tfd, "m", &e) == 0, "removed once unmounted");
	ok(rm_rf_at(tfd, "absent", &e) == 0, "an absent name is no error");
	close(tfd);
	rmdir(top);
	return tap_done();
}
