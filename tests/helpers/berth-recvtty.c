/* berth-recvtty: the other end of --console-socket, for the system tests.
 *
 *   berth-recvtty SOCKET_PATH [--input TEXT] [--ready FILE]
 *
 * Listens on a unix socket at SOCKET_PATH, accepts one connection and
 * receives one descriptor over it (SCM_RIGHTS): the pty master of a
 * container.  Writes TEXT into the master if asked, then copies all the
 * master gives to stdout until the last slave closes (EOF or EIO), and
 * exits 0.  --ready FILE is created once the socket listens, so a test can
 * wait for it before it starts the runtime.  The socket is removed on exit.
 * Plain libc only, linked statically. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static const char *sock_path;

static void die(const char *what)
{
	fprintf(stderr, "berth-recvtty: %s: %s\n", what, strerror(errno));
	if (sock_path)
		unlink(sock_path);
	exit(1);
}

static void usage(void)
{
	fputs("usage: berth-recvtty SOCKET_PATH [--input TEXT] [--ready FILE]\n", stderr);
	exit(2);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Receive one message; return the first descriptor it carries, or -1. */
static int recv_fd(int conn)
{
	char data[256];
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	ssize_t n;
	do
		n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die("recvmsg");
	int fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *fds = (int *)CMSG_DATA(c);
		for (size_t i = 0; i < k; i++) {
			if (fd < 0)
				fd = fds[i];
			else
				close(fds[i]);
		}
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *input = NULL, *ready = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--input") && i + 1 < argc)
			input = argv[++i];
		else if (!strcmp(argv[i], "--ready") && i + 1 < argc)
			ready = argv[++i];
		else if (argv[i][0] == '-' || sock_path)
			usage();
		else
			sock_path = argv[i];
	}
	if (!sock_path)
		usage();
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(sock_path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		die(sock_path);
	}
	strcpy(sa.sun_path, sock_path);
	int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lsock < 0)
		die("socket");
	unlink(sock_path);
	if (bind(lsock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		const char *p = sock_path;
		sock_path = NULL; /* not ours to remove */
		die(p);
	}
	if (listen(lsock, 1) < 0)
		die("listen");
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			die(ready);
		close(fd);
	}

	int conn;
	do
		conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	if (conn < 0)
		die("accept");
	close(lsock);
	unlink(sock_path);
	sock_path = NULL;
	int master = recv_fd(conn);
	close(conn);
	if (master < 0) {
		fputs("berth-recvtty: no descriptor received\n", stderr);
		return 1;
	}
	struct stat st;
	if (fstat(master, &st) < 0 || !S_ISCHR(st.st_mode)) {
		fputs("berth-recvtty: the descriptor received is not a terminal\n", stderr);
		return 1;
	}

	if (input && write_all(master, input, strlen(input)) < 0)
		die("write to the pty master");

	char buf[8192];
	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EIO)
			break; /* every slave is closed */
		if (n < 0)
			die("read the pty master");
		if (n == 0)
			break;
		if (write_all(1, buf, (size_t)n) < 0)
			die("write stdout");
	}
	close(master);
	return 0;
}
