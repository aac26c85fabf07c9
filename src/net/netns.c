/* netns.c: see netns.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <net/if.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "net/netns.h"

static int loopback_up(struct err *e)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return err_sys(e, errno, "loopback");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return err_sys(e, errno, "bring the loopback up");
	return 0;
}

int netns_remove(const char *path, struct err *e)
{
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return err_sys(e, errno, "unmount network namespace \"%s\"", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_sys(e, errno, "remove \"%s\"", path);
	return 0;
}

/* The new namespace, bound at path; the thread is back in self. */
static int make(const char *path, int self, struct err *e)
{
	if (unshare(CLONE_NEWNET) < 0)
		return err_sys(e, errno, "new network namespace");
	int r = mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL);
	int saved = errno;
	int fd = r == 0 ? open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC) : -1;
	if (r == 0 && fd < 0)
		saved = errno;
	int up = fd >= 0 ? loopback_up(e) : 0;
	if (setns(self, CLONE_NEWNET) < 0) {
		fprintf(stderr, "berth: cannot return to our network namespace: %s\n",
			strerror(errno));
		abort();
	}
	if (r < 0)
		return err_sys(e, saved, "bind the network namespace to \"%s\"", path);
	if (fd < 0)
		return err_sys(e, saved, "open the new network namespace");
	if (up < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int netns_create(const char *path, struct err *e)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = slash && slash != path ? xstrndup(path, (size_t)(slash - path))
							 : xstrdup("/");
	if (mkdir_p(dir, 0700, e) < 0 || netns_remove(path, e) < 0)
		return -1;
	int f = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f < 0)
		return err_sys(e, errno, "network namespace file \"%s\"", path);
	close(f);
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd = self < 0 ? err_sys(e, errno, "open our network namespace") : make(path, self, e);
	if (fd < 0)
		(void)netns_remove(path, NULL);
	return fd;
}

int netns_enter(int fd, int *saved, struct err *e)
{
	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return err_sys(e, errno, "open our network namespace");
	if (setns(fd, CLONE_NEWNET) < 0) {
		int r = err_sys(e, errno, "enter the container's network namespace");
		close(*saved);
		*saved = -1;
		return r;
	}
	return 0;
}

void netns_leave(int saved)
{
	if (setns(saved, CLONE_NEWNET) < 0) {
		fprintf(stderr, "berth: cannot return to our network namespace: %s\n",
			strerror(errno));
		abort();
	}
	close(saved);
}
