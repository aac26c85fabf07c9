/* sync.c: see sync.h. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "runtime/sync.h"

struct sync_hdr {
	uint32_t type;
	int32_t value;
	int32_t aux;
	uint32_t len;
};

static const char *type_name(uint32_t t)
{
	static const char *const names[] = {
		[SYNC_ERROR] = "error",	       [SYNC_GO] = "go",
		[SYNC_HOOKS_REQUEST] = "hooks-request", [SYNC_HOOKS_DONE] = "hooks-done",
		[SYNC_CONSOLE] = "console",    [SYNC_READY] = "ready",
		[SYNC_ACK] = "ack",	       [SYNC_START] = "start",
	};
	return t < ARRAY_SIZE(names) && names[t] ? names[t] : "unknown";
}

int sync_send(int sock, enum sync_type type, int value, const void *payload, size_t len, int fd)
{
	struct sync_hdr h = {.type = type, .value = value, .aux = 0, .len = (uint32_t)len};
	if (len > SYNC_MAX_PAYLOAD)
		return -EMSGSIZE;
	int r = send_fds(sock, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0, &h, sizeof(h));
	if (r < 0)
		return r;
	return len ? write_all(sock, payload, len) : 0;
}

int sync_send_error(int sock, const struct err *err)
{
	const char *msg = err_msg(err);
	struct sync_hdr h = {
		.type = SYNC_ERROR,
		.value = err->kind ? (int32_t)err->kind : ERR_INTERNAL,
		.aux = err->errnum,
		.len = (uint32_t)strlen(msg),
	};
	int r = write_all(sock, &h, sizeof(h));
	return r < 0 ? r : write_all(sock, msg, h.len);
}

void sync_msg_clear(struct sync_msg *m)
{
	free(m->payload);
	m->payload = NULL;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

int sync_recv(int sock, struct sync_msg *m, struct err *e)
{
	struct sync_hdr h;
	int fds[1];
	size_t nfds = 1;
	m->payload = NULL;
	m->fd = -1;
	ssize_t r = recv_fds(sock, fds, &nfds, &h, sizeof(h));
	if (r < 0)
		return err_sys(e, (int)r, "read from container init");
	if (nfds)
		m->fd = fds[0];
	if (r == 0) {
		sync_msg_clear(m);
		return err_sysk(e, ERR_IO, EPIPE, "container init exited");
	}
	if ((size_t)r < sizeof(h)) {
		int rr = read_exact(sock, (char *)&h + r, sizeof(h) - (size_t)r);
		if (rr < 0) {
			sync_msg_clear(m);
			return err_sys(e, rr, "read from container init");
		}
	}
	if (h.len > SYNC_MAX_PAYLOAD) {
		sync_msg_clear(m);
		return err_set(e, ERR_INTERNAL, "container init sent %u bytes (too many)", h.len);
	}
	m->type = h.type;
	m->value = h.value;
	m->aux = h.aux;
	m->len = h.len;
	m->payload = xmalloc(h.len + 1);
	int rr = read_exact(sock, m->payload, h.len);
	if (rr < 0) {
		sync_msg_clear(m);
		return err_sys(e, rr, "read from container init");
	}
	m->payload[h.len] = '\0';
	return 0;
}

int sync_expect(int sock, enum sync_type type, struct sync_msg *m, struct err *e)
{
	if (sync_recv(sock, m, e) < 0)
		return -1;
	if (m->type == SYNC_ERROR) {
		enum err_kind kind = m->value > 0 && m->value <= ERR_INTERNAL ? (enum err_kind)m->value
									     : ERR_INTERNAL;
		err_set(e, kind, "%s", m->payload);
		if (e)
			e->errnum = m->aux;
		sync_msg_clear(m);
		return -1;
	}
	if (m->type != type) {
		err_set(e, ERR_INTERNAL, "container init: expected message \"%s\", got \"%s\"",
			type_name(type), type_name(m->type));
		sync_msg_clear(m);
		return -1;
	}
	return 0;
}
