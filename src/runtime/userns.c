/* userns.c: see userns.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/strbuf.h"
#include "runtime/userns.h"

static int write_map(pid_t pid, const char *file, const struct oci_id_mapping *m, size_t n,
		     struct err *e)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (write_file_at(AT_FDCWD, path, sb.buf, e) < 0)
		return err_wrap(e, "user namespace: write %s", file);
	return 0;
}

static int write_both(pid_t pid, const struct oci_id_mapping *u, size_t nu,
		      const struct oci_id_mapping *g, size_t ng, struct err *e)
{
	if (geteuid() != 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		if (write_file_at(AT_FDCWD, path, "deny", e) < 0)
			return err_wrap(e, "user namespace");
	}
	if (write_map(pid, "uid_map", u, nu, e) < 0 || write_map(pid, "gid_map", g, ng, e) < 0)
		return -1;
	return 0;
}

int userns_fd_with_maps(const struct oci_id_mapping *u, size_t nu,
			const struct oci_id_mapping *g, size_t ng, struct err *e)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_sys(e, errno, "idmap: pipe");
	struct clone_args a = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
	long pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0) {
		/* Wait, doing nothing, until the parent is done with us. */
		char c;
		close(pfd[1]);
		while (read(pfd[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pfd[0]);
	if (pid < 0) {
		close(pfd[1]);
		return err_sys(e, errno, "idmap: create a user namespace");
	}
	int fd = -1;
	if (write_both((pid_t)pid, u, nu, g, ng, e) == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			err_sys(e, errno, "idmap: open the user namespace");
	}
	close(pfd[1]);
	kill((pid_t)pid, SIGKILL);
	while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

int userns_write_maps(pid_t pid, const struct oci_linux *l, struct err *e)
{
	return write_both(pid, l->uid_mappings, l->n_uid_mappings, l->gid_mappings,
			  l->n_gid_mappings, e);
}
