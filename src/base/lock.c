/* lock.c: see lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "lock.h"

int lock_fd(int fd, enum lock_mode mode, struct err *e)
{
	int op = mode == LOCK_MODE_EXCLUSIVE ? LOCK_EX : LOCK_SH;
	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return err_sys(e, errno, "lock");
	}
	return 0;
}

int lock_path_at(int dirfd, const char *path, enum lock_mode mode, struct err *e)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, errno, "open lock \"%s\"", path);
	if (lock_fd(fd, mode, e) < 0) {
		close(fd);
		return err_wrap(e, "\"%s\"", path);
	}
	return fd;
}
