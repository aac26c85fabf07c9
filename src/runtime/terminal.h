/* terminal.h: the container's pseudo-terminal and its console socket.
 *
 * When process.terminal is true the init opens a pty pair in the
 * container's own devpts instance (so the slave is /dev/pts/0 inside),
 * bind-mounts the slave over /dev/console, makes it the controlling
 * terminal and stdio, and hands the master out: over --console-socket
 * (SCM_RIGHTS, as runc does) or to the foreground `run` that proxies it. */
#pragma once

#include "base/err.h"
#include "oci/config.h"

/* Open the pair inside the root; sets the window size when given and,
 * with bind_console, binds the slave over /dev/console. */
int terminal_open(int rootfd, const struct oci_process *p, bool bind_console, int *ret_master,
		  int *ret_slave, struct err *e);
/* Make slave the controlling terminal and stdio of this process. */
int terminal_become(int slave, struct err *e);
/* Connect to the unix socket at path (the --console-socket). */
int console_socket_connect(const char *path, struct err *e);
/* Send the master over the console socket. */
int console_socket_send(int sock, int master, struct err *e);
