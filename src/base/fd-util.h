/* fd-util.h: reading, writing and passing file descriptors.
 *
 * Every read of untrusted data takes a maximum size; exceeding it is an
 * error (E2BIG), never a truncation.  Retries on EINTR are done here so
 * callers never see them. */
#pragma once

#include <sys/types.h>

#include "err.h"

/* Write all n bytes; returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t n);
/* Read exactly n bytes; returns 0, -EPIPE on early end of file, or -errno. */
int read_exact(int fd, void *buf, size_t n);
/* Read until end of file, at most max bytes (else -E2BIG).  The result is
 * NUL-terminated; *ret_len excludes the NUL.  Returns 0 or -errno. */
int read_all_fd(int fd, size_t max, char **ret, size_t *ret_len);
int fd_set_cloexec(int fd, bool on);
int fd_set_nonblock(int fd, bool on);
/* Send n_fds descriptors and a payload over a unix socket. */
int send_fds(int sock, const int *fds, size_t n_fds, const void *data, size_t len);
/* Receive up to max_fds descriptors (O_CLOEXEC) and up to len payload bytes;
 * returns bytes received (0 at end of file) or -errno; *n_fds is set. */
ssize_t recv_fds(int sock, int *fds, size_t *n_fds, void *data, size_t len);
/* Move fd to a number >= min (F_DUPFD_CLOEXEC), closing the old one. */
int fd_move_above(int fd, int min);
/* Check that descriptors first..first+n-1 are open ("--preserve-fds n")
 * and move the log's out of that range.  Returns 0 or -1 with e set. */
int fd_check_preserved(int first, int n, struct err *e);
