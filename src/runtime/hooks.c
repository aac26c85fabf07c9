/* hooks.c: see hooks.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/strbuf.h"
#include "base/time-util.h"
#include "runtime/hooks.h"
#include "runtime/process.h"

#define HOOK_OUTPUT_KEEP 2048

static void keep_tail(struct strbuf *out, const char *buf, size_t n)
{
	strbuf_add(out, buf, n);
	if (out->len > 2 * HOOK_OUTPUT_KEEP) {
		memmove(out->buf, out->buf + out->len - HOOK_OUTPUT_KEEP, HOOK_OUTPUT_KEEP);
		out->len = HOOK_OUTPUT_KEEP;
		out->buf[out->len] = '\0';
	}
}

static void trim_output(struct strbuf *out)
{
	while (out->len && (out->buf[out->len - 1] == '\n' || out->buf[out->len - 1] == ' '))
		out->buf[--out->len] = '\0';
}

static int run_one(const struct oci_hook *h, const char *kind, size_t index, const char *state,
		   int (*prepare)(void *), void *data, struct err *e)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return err_sys(e, errno, "%s hook %zu: pipe", kind, index);
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return err_sys(e, errno, "%s hook %zu: pipe", kind, index);
	}
	pid_t pid = fork();
	if (pid < 0) {
		int saved = errno;
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		return err_sys(e, saved, "%s hook %zu: fork", kind, index);
	}
	if (pid == 0) {
		process_reset_signals();
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(126);
		close_range(3, ~0U, 0);
		if (prepare && prepare(data) < 0) {
			dprintf(2, "prepare the hook's process: %s", strerror(errno));
			_exit(126);
		}
		char *const default_args[] = {h->path, NULL};
		char *const empty_env[] = {NULL};
		execve(h->path, h->args && h->args[0] ? h->args : default_args,
		       h->env ? h->env : empty_env);
		dprintf(2, "exec \"%s\": %s", h->path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	_cleanup_close_ int wfd = in[1], rfd = out[0];
	_cleanup_close_ int pidfd = pidfd_open(pid, 0);
	if (pidfd < 0) {
		/* No pidfd: no timeout either, but never a hang on the pipes. */
		close(wfd), close(rfd);
		wfd = rfd = -1;
	}
	fd_set_nonblock(wfd, true);
	fd_set_nonblock(rfd, true);

	_cleanup_strbuf_ struct strbuf output = STRBUF_INIT;
	size_t off = 0, total = strlen(state);
	uint64_t deadline = h->timeout > 0 ? time_mono_ns() + (uint64_t)h->timeout * 1000000000ull : 0;
	bool timed_out = false, exited = pidfd < 0;
	while (!exited || rfd >= 0) {
		struct pollfd p[3] = {
			{.fd = pidfd, .events = exited ? 0 : POLLIN},
			{.fd = rfd, .events = POLLIN},
			{.fd = wfd, .events = POLLOUT},
		};
		if (exited)
			p[0].fd = -1;
		int timeout = -1;
		if (deadline) {
			uint64_t now = time_mono_ns();
			if (now >= deadline) {
				timed_out = true;
				break;
			}
			timeout = (int)((deadline - now) / 1000000) + 1;
		}
		int r = poll(p, 3, timeout);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		if (p[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
			ssize_t w = write(wfd, state + off, total - off);
			if (w > 0)
				off += (size_t)w;
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				off = total; /* the hook closed stdin: fine */
			if (off >= total) {
				close(wfd);
				wfd = -1;
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[4096];
			ssize_t n = read(rfd, buf, sizeof(buf));
			if (n > 0)
				keep_tail(&output, buf, (size_t)n);
			else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(rfd);
				rfd = -1;
			}
		}
		if (p[0].revents & POLLIN)
			exited = true;
		/* The hook exited but a grandchild may hold the output pipe:
		 * don't wait for it beyond what is already buffered. */
		if (exited && rfd >= 0 && !(p[1].revents & POLLIN))
			break;
	}
	if (timed_out)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	trim_output(&output);
	const char *sep = output.len ? ": " : "";
	if (timed_out)
		return err_set(e, ERR_IO, "%s hook %zu \"%s\": timed out after %d s%s%s", kind, index,
			       h->path, h->timeout, sep, output.buf);
	if (WIFSIGNALED(status))
		return err_set(e, ERR_IO, "%s hook %zu \"%s\": killed by signal %d%s%s", kind, index,
			       h->path, WTERMSIG(status), sep, output.buf);
	if (WEXITSTATUS(status) != 0)
		return err_set(e, ERR_IO, "%s hook %zu \"%s\": exited with status %d%s%s", kind,
			       index, h->path, WEXITSTATUS(status), sep, output.buf);
	return 0;
}

int hooks_run_prepared(const struct oci_hook_list *l, enum oci_hook_kind kind,
		       const char *state_json, int (*prepare)(void *data), void *data,
		       struct err *e)
{
	for (size_t i = 0; i < l->n; i++)
		if (run_one(&l->hooks[i], oci_hook_kind_name(kind), i, state_json, prepare, data,
			    e) < 0)
			return -1;
	return 0;
}

int hooks_run(const struct oci_hook_list *l, enum oci_hook_kind kind, const char *state_json,
	      struct err *e)
{
	return hooks_run_prepared(l, kind, state_json, NULL, NULL, e);
}

int hooks_run_all(const struct oci_hook_list *l, enum oci_hook_kind kind,
		  const char *state_json, struct err *e)
{
	_cleanup_strbuf_ struct strbuf all = STRBUF_INIT;
	for (size_t i = 0; i < l->n; i++) {
		_cleanup_err_ struct err one = ERR_INIT;
		if (run_one(&l->hooks[i], oci_hook_kind_name(kind), i, state_json, NULL, NULL, &one) ==
		    0)
			continue;
		strbuf_addf(&all, "%s%s", all.len ? "; " : "", err_msg(&one));
	}
	if (!all.len)
		return 0;
	return err_set(e, ERR_IO, "%s", all.buf);
}
