/* cmd-ps.c: `berth-runtime ps`: the processes of a container. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/json-util.h"
#include "base/log.h"
#include "base/parse-util.h"
#include "base/strv.h"
#include "cmd/berth-runtime/commands.h"

extern char **environ;

static bool in_set(const pid_t *pids, size_t n, const char *tok)
{
	int pid;
	if (parse_int(tok, &pid) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Run ps(1) with args and keep its header and the lines of our pids. */
static int ps_table(const pid_t *pids, size_t n, char **ps_args)
{
	_cleanup_strv_ char **argv = NULL;
	strv_push(&argv, "ps");
	if (ps_args && ps_args[0])
		for (char **a = ps_args; *a; a++)
			strv_push(&argv, *a);
	else
		strv_push(&argv, "-ef");
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		log_error("ps: pipe: %s", strerror(errno));
		return 1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	pid_t child;
	int r = posix_spawnp(&child, "ps", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (r != 0) {
		close(pfd[0]);
		log_error("ps: run ps(1): %s", strerror(r));
		return 1;
	}
	_cleanup_free_ char *out = NULL;
	size_t len;
	int rr = read_all_fd(pfd[0], 64u << 20, &out, &len);
	close(pfd[0]);
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (rr < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_error("ps: ps(1) failed");
		return 1;
	}
	char *save = NULL;
	char *header = strtok_r(out, "\n", &save);
	if (!header)
		return 0;
	/* The PID column's index among the header's words. */
	int col = -1, k = 0;
	_cleanup_free_ char *h = xstrdup(header);
	char *s2 = NULL;
	for (char *w = strtok_r(h, " \t", &s2); w; w = strtok_r(NULL, " \t", &s2), k++)
		if (streq(w, "PID"))
			col = k;
	if (col < 0) {
		log_error("ps: the ps(1) output has no PID column (add -o pid)");
		return 1;
	}
	printf("%s\n", header);
	for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *l = xstrdup(line);
		char *s3 = NULL, *w = strtok_r(l, " \t", &s3);
		for (int i = 0; w && i < col; i++)
			w = strtok_r(NULL, " \t", &s3);
		if (w && in_set(pids, n, w))
			printf("%s\n", line);
	}
	return 0;
}

int cmd_ps(struct global *g, int argc, char **argv)
{
	const char *format = "table";
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &format, "FORMAT", "table (ps(1) lines) or json (pids)"},
	};
	const struct opt_spec spec = {
		.usage = "ps [options] <container-id> [ps options]",
		.summary = "List the container's processes: ps(1) lines (default \"-ef\") or a "
			   "JSON array of pids.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = 0, /* everything after the id is for ps(1) */
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ret))
		return ret;
	if (!streq(format, "table") && !streq(format, "json")) {
		log_error("ps: unknown format \"%s\" (table or json)", format);
		return 1;
	}
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	if (runtime_pids(&g->rt, args[0], &pids, &n, &e) < 0)
		return report(&e);
	if (streq(format, "json")) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_integer(pids[i]));
		_cleanup_free_ char *s = json_dump_string(a, false);
		json_decref(a);
		printf("%s\n", s);
		return 0;
	}
	return ps_table(pids, n, args + 1);
}
