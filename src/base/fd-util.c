/* fd-util.c: see fd-util.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd-util.h"

int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int read_exact(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EPIPE;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int read_all_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
	size_t alloc = 4096, len = 0;
	_cleanup_free_ char *buf = xmalloc(alloc);
	for (;;) {
		if (len + 1 >= alloc) {
			if (alloc > max + 1)
				return -E2BIG;
			alloc *= 2;
			buf = xrealloc(buf, alloc);
		}
		ssize_t r = read(fd, buf + len, alloc - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max)
			return -E2BIG;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int fd_set_cloexec(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl < 0)
		return -errno;
	fl = on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC;
	return fcntl(fd, F_SETFD, fl) < 0 ? -errno : 0;
}

int fd_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) < 0 ? -errno : 0;
}

#define MAX_PASSED_FDS 16

int send_fds(int sock, const int *fds, size_t n_fds, const void *data, size_t len)
{
	char dummy = 0;
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	if (len == 0) {
		iov.iov_base = &dummy;
		iov.iov_len = 1;
	}
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_PASSED_FDS)];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (n_fds > MAX_PASSED_FDS)
		return -EINVAL;
	if (n_fds > 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	for (;;) {
		ssize_t r = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (r >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

ssize_t recv_fds(int sock, int *fds, size_t *n_fds, void *data, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_PASSED_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = data, .iov_len = len};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	size_t max = *n_fds;
	*n_fds = 0;
	ssize_t r;
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int tmp[MAX_PASSED_FDS];
		memcpy(tmp, CMSG_DATA(c), n * sizeof(int));
		for (size_t i = 0; i < n; i++) {
			if (*n_fds < max)
				fds[(*n_fds)++] = tmp[i];
			else
				close(tmp[i]);
		}
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		for (size_t i = 0; i < *n_fds; i++)
			close(fds[i]);
		*n_fds = 0;
		return -EMSGSIZE;
	}
	return r;
}

int fd_move_above(int fd, int min)
{
	if (fd >= min)
		return fd;
	int n = fcntl(fd, F_DUPFD_CLOEXEC, min);
	if (n < 0)
		return -errno;
	close(fd);
	return n;
}

int fd_check_preserved(int first, int n, struct err *e)
{
	for (int fd = first; fd < first + n; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return err_set(e, ERR_INVALID,
				       "--preserve-fds %d: descriptor %d is not open", n, fd);
	return 0;
}
