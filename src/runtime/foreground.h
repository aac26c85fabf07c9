/* foreground.h: waiting for a container in the foreground (`run` without -d).
 *
 * Signals sent to the runtime (INT, TERM, HUP, QUIT, USR1, USR2) are passed
 * on to the container's init; with a pty the runtime's terminal is put in
 * raw mode and bytes are copied both ways, window size changes included. */
#pragma once

#include <sys/types.h>

#include "base/err.h"

/* Wait for pid (pidfd) to exit; *ret_status is its exit code, or 128 +
 * the signal that killed it.  master is the pty master or -1. */
int foreground_wait(pid_t pid, int pidfd, int master, int *ret_status, struct err *e);
/* Give the pty our terminal's window size (no-op when stdin is no tty). */
void foreground_pass_winsize(int master);
