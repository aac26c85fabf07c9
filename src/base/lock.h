/* lock.h: advisory whole-file locks (flock) on descriptors.
 *
 * One lock per object on disk; the lock is released when the descriptor is
 * closed, so a process killed with SIGKILL never leaves a stale lock. */
#pragma once

#include "err.h"

enum lock_mode { LOCK_MODE_SHARED, LOCK_MODE_EXCLUSIVE };
/* Take the lock, waiting for it.  Returns 0 or -1 with e set. */
int lock_fd(int fd, enum lock_mode mode, struct err *e);
/* Open (creating) path and lock it; returns the descriptor or -1. */
int lock_path_at(int dirfd, const char *path, enum lock_mode mode, struct err *e);
