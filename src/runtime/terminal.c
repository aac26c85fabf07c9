/* terminal.c: see terminal.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/path-util.h"
#include "runtime/mounts.h"
#include "runtime/terminal.h"

int terminal_open(int rootfd, const struct oci_process *p, bool bind_console, int *ret_master,
		  int *ret_slave, struct err *e)
{
	_cleanup_close_ int master = path_open_in_root(rootfd, "/dev/pts/ptmx",
						       O_RDWR | O_NOCTTY);
	if (master < 0)
		return err_sys(e, master,
			       "process.terminal: open /dev/pts/ptmx in the container (is devpts "
			       "mounted at /dev/pts?)");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return err_sys(e, errno, "process.terminal: unlock pty");
	_cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_sys(e, errno, "process.terminal: open pty slave");
	if (p->has_console_size) {
		struct winsize ws = {.ws_row = (unsigned short)p->console_height,
				     .ws_col = (unsigned short)p->console_width};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return err_sys(e, errno, "process.consoleSize");
	}
	if (bind_console) {
		_cleanup_close_ int console =
			path_create_in_root(rootfd, "/dev/console", PATH_CREATE_FILE, 0600, e);
		if (console < 0)
			return err_wrap(e, "process.terminal");
		if (mount_bind_fd(slave, "/dev/pts/N", console, false, 0, e) < 0)
			return err_wrap(e, "process.terminal: bind /dev/console");
	}
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}

int terminal_become(int slave, struct err *e)
{
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_sys(e, errno, "process.terminal: set controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return err_sys(e, errno, "process.terminal: dup2");
	return 0;
}

int console_socket_connect(const char *path, struct err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(e, ERR_INVALID, "--console-socket \"%s\": path too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "--console-socket: socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, errno, "--console-socket: connect to \"%s\"", path);
	return TAKE_FD(fd);
}

int console_socket_send(int sock, int master, struct err *e)
{
	char name[64] = "/dev/ptmx";
	int r = send_fds(sock, &master, 1, name, strlen(name));
	if (r < 0)
		return err_sys(e, r, "--console-socket: send the pty master");
	return 0;
}
