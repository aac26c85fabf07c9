/* sync.h: the parent <-> container-init message protocol.
 *
 * A SOCK_STREAM socketpair carries framed messages: a fixed header (type,
 * a value, the payload length) followed by the payload, at most
 * SYNC_MAX_PAYLOAD bytes.  Descriptors travel as SCM_RIGHTS on the header.
 * Both ends are O_CLOEXEC: when the init execs the user's program the
 * parent reads end of file, which is how `run` learns the exec succeeded.
 * Errors cross as SYNC_ERROR with the err kind, errno and message, so the
 * parent reports exactly what failed inside the container. */
#pragma once

#include "base/err.h"

#define SYNC_MAX_PAYLOAD (4u << 20)

enum sync_type {
	SYNC_ERROR = 1,	     /* child -> parent: payload = message, value = kind, aux = errno */
	SYNC_GO,	     /* parent -> child: maps written, cgroup joined */
	SYNC_HOOKS_REQUEST,  /* child -> parent: run prestart + createRuntime hooks */
	SYNC_HOOKS_DONE,     /* parent -> child: payload = state JSON for in-container hooks */
	SYNC_CONSOLE,	     /* child -> parent: fd = pty master (foreground run) */
	SYNC_READY,	     /* child -> parent: set up, waiting for start */
	SYNC_ACK,	     /* parent -> child: state recorded (create); go on waiting */
	SYNC_START,	     /* parent -> child: start now (run) */
};

struct sync_msg {
	uint32_t type;
	int32_t value;
	int32_t aux;
	char *payload; /* NUL-terminated, owned */
	size_t len;
	int fd; /* -1 when none */
};

int sync_send(int sock, enum sync_type type, int value, const void *payload, size_t len,
	      int fd);
/* Receive one message; end of file is an error of kind ERR_IO with errnum
 * EPIPE (the peer died or exec'd). */
int sync_recv(int sock, struct sync_msg *m, struct err *e);
void sync_msg_clear(struct sync_msg *m);
/* Receive and require `type`; a SYNC_ERROR is turned into *e. */
int sync_expect(int sock, enum sync_type type, struct sync_msg *m, struct err *e);
int sync_send_error(int sock, const struct err *err);
