/* cmd-build.c: berth build [options] CONTEXT: a Dockerfile built into an
 * image (src/build/build.h), its RUN steps run by the engine.
 *
 * Output (--progress): "plain" prints every step and everything its
 * commands print (podman's format: "STEP 2/5: RUN make", "--> Using
 * cache", "--> <id>"); "tty" keeps a live view on the terminal: one line
 * per step with its time, the last lines a running command printed, and
 * the whole output of a step that fails; "auto" is tty when stderr is a
 * terminal.  -q prints only the image id (and a failing step's output).
 * The image id is the last line on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "build/build.h"
#include "build/dockerfile.h"
#include "cmd/berth/commands.h"
#include "image/reference.h"
#include "image/registry.h"
#include "image/store.h"

#define OUTPUT_KEEP (64u << 10) /* a failing step's output shown: its end */
#define LIVE_LINES 6

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

enum progress { PROGRESS_PLAIN, PROGRESS_TTY, PROGRESS_QUIET };

struct ui {
	struct global *g;
	struct store *s;
	enum progress mode;
	FILE *out;
	/* the step under way */
	char *text;
	unsigned step, total;
	uint64_t started;
	struct strbuf output; /* what it printed (its end) */
	unsigned drawn;	      /* tty: lines of the live view on screen */
	bool at_line_start;   /* plain: the output ended with a newline */
};

static void keep_output(struct ui *u, const char *buf, size_t len)
{
	strbuf_add(&u->output, buf, len);
	if (u->output.len > OUTPUT_KEEP) {
		size_t cut = u->output.len - OUTPUT_KEEP / 2;
		memmove(u->output.buf, u->output.buf + cut, u->output.len - cut);
		u->output.len -= cut;
		u->output.buf[u->output.len] = '\0';
	}
}

/* tty: erase the live view. */
static void live_clear(struct ui *u)
{
	if (u->drawn)
		fprintf(u->out, "\033[%uA\033[J", u->drawn);
	u->drawn = 0;
}

static void live_draw(struct ui *u)
{
	live_clear(u);
	double secs = (double)(time_mono_ns() - u->started) / 1e9;
	fprintf(u->out, "\033[1m[%u/%u]\033[0m %s \033[2m%.1fs\033[0m\n", u->step, u->total,
		u->text ? u->text : "", secs);
	u->drawn = 1;
	/* the last lines of the output, dimmed */
	const char *end = u->output.buf ? u->output.buf + u->output.len : NULL;
	if (!end)
		return;
	const char *p = end;
	if (p > u->output.buf && p[-1] == '\n')
		p--;
	unsigned n = 0;
	while (p > u->output.buf && n < LIVE_LINES) {
		p--;
		if (*p == '\n')
			n++;
	}
	if (*p == '\n')
		p++;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		fprintf(u->out, "\033[2m  %.*s\033[0m\n", (int)(len > 150 ? 150 : len), p);
		u->drawn++;
		p = nl ? nl + 1 : end;
	}
}

static void step_end(struct ui *u, const char *how)
{
	if (!u->text)
		return;
	if (u->mode == PROGRESS_TTY) {
		live_clear(u);
		double secs = (double)(time_mono_ns() - u->started) / 1e9;
		fprintf(u->out, "\033[1m[%u/%u]\033[0m %s \033[32m%s\033[0m %.1fs\n", u->step,
			u->total, u->text, how, secs);
	}
	free(u->text);
	u->text = NULL;
	strbuf_reset(&u->output);
}

static void on_event(void *ctx, const struct build_event *ev)
{
	struct ui *u = ctx;
	switch (ev->kind) {
	case BUILD_EV_STEP:
		step_end(u, "DONE");
		u->text = xstrdup(ev->text ? ev->text : "");
		u->step = ev->step;
		u->total = ev->total;
		u->started = time_mono_ns();
		if (u->mode == PROGRESS_PLAIN)
			fprintf(u->out, "STEP %u/%u: %s\n", ev->step, ev->total, ev->text);
		else if (u->mode == PROGRESS_TTY)
			live_draw(u);
		u->at_line_start = true;
		break;
	case BUILD_EV_OUTPUT:
		keep_output(u, ev->text, ev->len);
		if (u->mode == PROGRESS_PLAIN) {
			fwrite(ev->text, 1, ev->len, u->out);
			u->at_line_start = ev->len && ev->text[ev->len - 1] == '\n';
			fflush(u->out);
		} else if (u->mode == PROGRESS_TTY) {
			live_draw(u);
		}
		break;
	case BUILD_EV_CACHED:
		if (u->mode == PROGRESS_PLAIN)
			fprintf(u->out, "--> Using cache %s\n--> %.12s\n",
				ev->id ? ev->id + 7 : "", ev->id ? ev->id + 7 : "");
		step_end(u, "CACHED");
		break;
	case BUILD_EV_DONE:
		if (u->mode == PROGRESS_PLAIN) {
			if (!u->at_line_start)
				fputc('\n', u->out);
			if (ev->id)
				fprintf(u->out, "--> %.12s\n", ev->id + 7);
		}
		step_end(u, "DONE");
		break;
	case BUILD_EV_WARNING:
		step_end(u, "DONE");
		fprintf(stderr, "[Warning] %s\n", ev->text);
		break;
	case BUILD_EV_TAGGED:
		step_end(u, "DONE");
		if (u->mode != PROGRESS_QUIET) {
			struct image_ref ref;
			_cleanup_free_ char *f = NULL;
			if (image_ref_parse(ev->text, &ref, NULL) == 0) {
				f = image_ref_familiar(&ref);
				image_ref_clear(&ref);
			}
			fprintf(u->out, "Successfully tagged %s\n", f ? f : ev->text);
		}
		break;
	}
	fflush(u->out);
}

static int do_pull(void *ctx, const char *ref, struct err *e)
{
	struct ui *u = ctx;
	struct registry_opts ro = {0};
	struct registry_pull_result res;
	if (u->mode == PROGRESS_PLAIN)
		fprintf(u->out, "Trying to pull %s...\n", ref);
	if (registry_pull(u->s, ref, &ro, NULL, &res, e) < 0)
		return err_wrap(e, "pull %s", ref);
	registry_pull_result_clear(&res);
	return 0;
}

static int do_run(void *ctx, const struct build_run_req *r, int *ret_status, struct err *e)
{
	struct ui *u = ctx;
	return engine_build_run(&u->g->en, r, &stop, ret_status, e);
}

static bool cancelled(void *ctx)
{
	(void)ctx;
	return stop != 0;
}

static int read_dockerfile(const char *path, char **ret, size_t *ret_len, struct err *e)
{
	int fd = streq(path, "-") ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "Dockerfile \"%s\"", path);
	int r = read_all_fd(fd, DF_MAX, ret, ret_len);
	close(fd);
	if (r == -E2BIG)
		return err_set(e, ERR_INVALID, "Dockerfile \"%s\": larger than %u bytes", path,
			       DF_MAX);
	if (r < 0)
		return err_sys(e, -r, "read \"%s\"", path);
	return 0;
}

int cmd_build(struct global *g, int argc, char **argv)
{
	if (cli_need_full() < 0)
		return EXIT_BERTH;
	_cleanup_strv_ char **tags = NULL, **build_args = NULL, **labels = NULL;
	const char *file = NULL, *target = NULL, *iidfile = NULL, *network = NULL;
	const char *progress = "auto", *platform = NULL, *format = NULL;
	bool no_cache = false, pull = false, pull_always = false, quiet = false, rm = false,
	     force_rm = false, layers = false;
	const struct opt opts[] = {
		{"tag", 't', OPT_STRV, &tags, "NAME", "a name for the image (repeatable)"},
		{"file", 'f', OPT_STRING, &file, "PATH", "the Dockerfile (- for stdin); default: "
		 "CONTEXT/Dockerfile or CONTEXT/Containerfile"},
		{"build-arg", 0, OPT_STRV, &build_args, "KEY=VALUE", "a build argument (KEY alone: "
		 "from the environment)"},
		{"target", 0, OPT_STRING, &target, "STAGE", "build up to this stage"},
		{"no-cache", 0, OPT_BOOL, &no_cache, NULL, "run every step again"},
		{"pull", 0, OPT_BOOL, &pull, NULL, "pull the base images even when present"},
		{"pull-always", 0, OPT_BOOL, &pull_always, NULL, "the same as --pull"},
		{"label", 0, OPT_STRV, &labels, "KEY=VALUE", "a label on the image (repeatable)"},
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "print only the image id"},
		{"iidfile", 0, OPT_STRING, &iidfile, "FILE", "write the image id to FILE"},
		{"network", 0, OPT_STRING, &network, "NETWORK", "for RUN: bridge (default), host, "
		 "none or a network's name"},
		{"progress", 0, OPT_STRING, &progress, "MODE", "auto, plain or tty"},
		{"platform", 0, OPT_STRING, &platform, "PLATFORM", "only linux/amd64"},
		{"format", 0, OPT_STRING, &format, "FORMAT", "oci (written either way) or docker"},
		{"rm", 0, OPT_BOOL, &rm, NULL, "(always: no step container is kept)"},
		{"force-rm", 0, OPT_BOOL, &force_rm, NULL, "(always)"},
		{"layers", 0, OPT_BOOL, &layers, NULL, "(always: every step is cached)"},
	};
	const struct opt_spec spec = {
		.usage = "build [options] CONTEXT",
		.summary = "Build an image from a Dockerfile.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	if (platform && !streq(platform, "linux/amd64") && !streq(platform, "linux"))
		return err_set(&e, ERR_UNSUPPORTED, "--platform \"%s\": only linux/amd64", platform),
		       report(&e);
	if (format && !streq(format, "oci") && !streq(format, "docker"))
		return err_set(&e, ERR_INVALID, "--format \"%s\": oci or docker", format), report(&e);
	enum progress mode;
	if (quiet)
		mode = PROGRESS_QUIET;
	else if (streq(progress, "plain"))
		mode = PROGRESS_PLAIN;
	else if (streq(progress, "tty"))
		mode = PROGRESS_TTY;
	else if (streq(progress, "auto"))
		mode = isatty(STDERR_FILENO) ? PROGRESS_TTY : PROGRESS_PLAIN;
	else
		return err_set(&e, ERR_INVALID, "--progress \"%s\": auto, plain or tty", progress),
		       report(&e);
	for (char **l = labels; l && *l; l++)
		if (!strchr(*l, '=') || **l == '=')
			return err_set(&e, ERR_INVALID, "--label \"%s\": expected KEY=VALUE", *l),
			       report(&e);
	const char *context = args[0];
	_cleanup_free_ char *empty_ctx = NULL;
	if (streq(context, "-")) {
		/* The Dockerfile on stdin, no context (docker build -). */
		if (file && !streq(file, "-"))
			return err_set(&e, ERR_INVALID, "build -: the Dockerfile comes from stdin"),
			       report(&e);
		file = "-";
		empty_ctx = xasprintf("%s/build-empty", g->en.runroot);
		if (mkdir_p(empty_ctx, 0755, &e) < 0)
			return report(&e);
		context = empty_ctx;
	}
	struct stat st;
	if (stat(context, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(&e, ERR_NOT_FOUND, "build context \"%s\": not a directory", context),
		       report(&e);
	_cleanup_free_ char *df_path = NULL;
	if (file) {
		df_path = xstrdup(file);
	} else {
		df_path = xasprintf("%s/Dockerfile", context);
		if (access(df_path, F_OK) < 0) {
			free(df_path);
			df_path = xasprintf("%s/Containerfile", context);
			if (access(df_path, F_OK) < 0)
				return err_set(&e, ERR_NOT_FOUND, "no Dockerfile or Containerfile in "
					       "\"%s\" (-f names another)", context),
				       report(&e);
		}
	}
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (read_dockerfile(df_path, &text, &len, &e) < 0)
		return report(&e);
	const char *slash = strrchr(df_path, '/');
	const char *df_name = streq(df_path, "-") ? "Dockerfile" : slash ? slash + 1 : df_path;

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	engine_build_sweep(&g->en);
	struct store s;
	if (store_open(g->root, STORE_ADD, &s, &e) < 0)
		return report(&e);
	struct ui u = {
		.g = g,
		.s = &s,
		.mode = mode,
		.out = mode == PROGRESS_TTY ? stderr : stdout,
		.output = STRBUF_INIT,
	};
	struct build_ops ops = {
		.run = do_run,
		.pull = do_pull,
		.event = on_event,
		.cancelled = cancelled,
		.ctx = &u,
	};
	struct build_opts o = {
		.context = context,
		.dockerfile = text,
		.dockerfile_len = len,
		.dockerfile_name = df_name,
		.tags = tags,
		.build_args = build_args,
		.target = target,
		.no_cache = no_cache,
		.pull = pull || pull_always,
		.labels = labels,
		.network = network,
		.ops = &ops,
	};
	_cleanup_free_ char *id = NULL;
	int r = build_image(&s, &o, &id, &e);
	store_close(&s);
	if (r < 0) {
		if (mode == PROGRESS_TTY)
			live_clear(&u);
		/* A failing step's output where it was not shown as it came. */
		if (mode != PROGRESS_PLAIN && u.output.len) {
			fwrite(u.output.buf, 1, u.output.len, stderr);
			if (u.output.buf[u.output.len - 1] != '\n')
				fputc('\n', stderr);
		}
		free(u.text);
		strbuf_release(&u.output);
		if (stop) {
			_cleanup_err_ struct err ie = ERR_INIT;
			err_set(&ie, ERR_IO, "build interrupted");
			report(&ie);
			return 130;
		}
		report(&e);
		return 1;
	}
	step_end(&u, "DONE");
	strbuf_release(&u.output);
	cli_event(g, "image", "build", id, "name", tags && tags[0] ? tags[0] : "", NULL);
	for (char **t = tags; t && *t; t++)
		cli_event(g, "image", "tag", id, "name", *t, NULL);
	if (iidfile) {
		_cleanup_free_ char *line = xstrdup(id);
		int fd = open(iidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write_all(fd, line, strlen(line)) < 0) {
			err_sys(&e, errno, "--iidfile \"%s\"", iidfile);
			if (fd >= 0)
				close(fd);
			return report(&e);
		}
		close(fd);
	}
	printf("%s\n", id);
	return 0;
}

static int cmd_builder_prune(struct global *g, int argc, char **argv)
{
	bool all = false, force = false;
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, NULL, "(every entry is removed either way)"},
		{"force", 'f', OPT_BOOL, &force, NULL, "do not ask (berth never asks)"},
	};
	const struct opt_spec spec = {
		.usage = "builder prune [options]",
		.summary = "Remove the build cache (its layers go with the next image prune).",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct store s;
	if (store_open(g->root, STORE_READ, &s, &e) < 0)
		return report(&e);
	int r = rm_rf_at(s.rootfd, "build-cache", &e);
	store_close(&s);
	if (r < 0)
		return report(&e);
	printf("Build cache removed\n");
	return 0;
}

int cmd_builder(struct global *g, int argc, char **argv)
{
	static const struct command sub[] = {
		{"prune", cmd_builder_prune, "remove the build cache"},
		{"build", cmd_build, "build an image from a Dockerfile"},
	};
	return dispatch_sub(sub, ARRAY_SIZE(sub), "builder", g, argc, argv);
}
