/* cmd-cp.c: berth cp, export, diff and commit (also as `container cp`,
 * `container export`, `container diff`, `container commit`): a
 * container's files, in and out (engine.h's fsops section). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "engine/engine.h"

/* docker's splitCpArg: "CONTAINER:PATH", unless the argument is an
 * absolute path, has no ':', or starts with '.' (./a:b is a local file). */
static bool split_cp_arg(const char *arg, char **ret_container, const char **ret_path)
{
	const char *colon = strchr(arg, ':');
	if (arg[0] == '/' || !colon || arg[0] == '.')
		return false;
	*ret_container = xstrndup(arg, (size_t)(colon - arg));
	*ret_path = colon + 1;
	return true;
}

int cmd_cp(struct global *g, int argc, char **argv)
{
	if (cli_need_full() < 0)
		return EXIT_BERTH;
	bool archive = false, follow = false, quiet = false;
	const struct opt opts[] = {
		{"archive", 'a', OPT_BOOL, &archive, NULL, "keep the files' uid and gid"},
		{"follow-link", 'L', OPT_BOOL, &follow, NULL, "follow a symlink given as the source"},
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "print nothing but errors (the default)"},
	};
	const struct opt_spec spec = {
		.usage = "cp [options] CONTAINER:SRC_PATH DEST_PATH|-\n"
			 "       berth cp [options] SRC_PATH|- CONTAINER:DEST_PATH",
		.summary = "Copy files and directories between a container (running or not) and "
			   "the host; - is a tar stream on stdout or stdin.  Files copied into the "
			   "container belong to root unless -a.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 2, 2, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_free_ char *src_c = NULL, *dst_c = NULL;
	const char *src_p = args[0], *dst_p = args[1];
	bool from = split_cp_arg(args[0], &src_c, &src_p);
	bool to = split_cp_arg(args[1], &dst_c, &dst_p);
	if (from && to)
		return err_set(&e, ERR_INVALID, "cp: copying between containers is not supported"),
		       report(&e);
	if (!from && !to)
		return err_set(&e, ERR_INVALID, "cp: one of the paths must be CONTAINER:PATH"),
		       report(&e);
	struct engine_cp_opts o = {.archive = archive, .follow_link = follow};
	int r;
	if (from) {
		bool stream = streq(dst_p, "-");
		/* A reader that goes away is an error here, not a kill: a root
		 * mounted for the copy is unmounted again. */
		if (stream)
			signal(SIGPIPE, SIG_IGN);
		r = engine_cp_from(&g->en, src_c, *src_p ? src_p : "/", stream ? NULL : dst_p,
				   STDOUT_FILENO, &o, &e);
	} else {
		bool stream = streq(src_p, "-");
		r = engine_cp_to(&g->en, dst_c, *dst_p ? dst_p : "/", stream ? NULL : src_p,
				 STDIN_FILENO, &o, &e);
	}
	return r < 0 ? report(&e) : 0;
}

int cmd_export(struct global *g, int argc, char **argv)
{
	const char *output = NULL;
	const struct opt opts[] = {
		{"output", 'o', OPT_STRING, &output, "FILE", "write to a file instead of stdout"},
	};
	const struct opt_spec spec = {
		.usage = "export [options] CONTAINER",
		.summary = "Export a container's root filesystem (running or not) as a tar archive.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_close_ int fd = -1;
	if (output && !streq(output, "-")) {
		fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return err_sys(&e, errno, "export: \"%s\"", output), report(&e);
	} else {
		if (isatty(STDOUT_FILENO))
			return err_set(&e, ERR_INVALID,
				       "export: cowardly refusing to write a tar to a terminal: use "
				       "-o or redirect"),
			       report(&e);
		signal(SIGPIPE, SIG_IGN);
		fd = dup(STDOUT_FILENO);
		if (fd < 0)
			return err_sys(&e, errno, "export: stdout"), report(&e);
	}
	if (engine_export(&g->en, args[0], fd, &e) < 0) {
		if (output && !streq(output, "-"))
			(void)unlink(output);
		return report(&e);
	}
	engine_event_for(&g->en, args[0], "export");
	return 0;
}

int cmd_diff(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "diff CONTAINER",
		.summary = "List the changes to a container's files: A added, C changed, D deleted.",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct engine_change *v = NULL;
	size_t n = 0;
	if (engine_diff(&g->en, args[0], &v, &n, &e) < 0)
		return report(&e);
	for (size_t i = 0; i < n; i++)
		printf("%c %s\n", v[i].kind, v[i].path);
	engine_changes_free(v, n);
	return 0;
}

int cmd_commit(struct global *g, int argc, char **argv)
{
	if (cli_need_full() < 0)
		return EXIT_BERTH;
	_cleanup_strv_ char **changes = NULL;
	const char *message = NULL, *author = NULL;
	bool pause = true;
	const struct opt opts[] = {
		{"author", 'a', OPT_STRING, &author, "AUTHOR",
		 "the image's author (\"Name <mail@example.com>\")"},
		{"change", 'c', OPT_STRV, &changes, "INSTRUCTION",
		 "apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, "
		 "VOLUME, WORKDIR)"},
		{"message", 'm', OPT_STRING, &message, "TEXT", "a comment for the image's history"},
		{"pause", 'p', OPT_BOOL, &pause, NULL,
		 "freeze a running container while its files are read (default true)"},
	};
	const struct opt_spec spec = {
		.usage = "commit [options] CONTAINER [REPOSITORY[:TAG]]",
		.summary = "Create a new image from a container's changes (the container is left as "
			   "it is).",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 2, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct engine_commit_opts o = {
		.reference = args[1],
		.changes = changes,
		.message = message,
		.author = author,
		.pause = pause,
	};
	_cleanup_free_ char *id = NULL;
	if (engine_commit(&g->en, args[0], &o, &id, &e) < 0)
		return report(&e);
	engine_event_for(&g->en, args[0], "commit");
	printf("%s\n", id);
	return 0;
}
