/* cmd-save.c: berth save and load (docker's): images to and from a
 * docker-archive or an oci-archive tar.
 *
 * save -o writes an unnamed file beside the target (O_TMPFILE, or a
 * hidden temporary name where the file system has none) and renames it
 * over the target at the end: on failure, or when killed, nothing is
 * left.  A target that exists and is no regular file (/dev/stdout, a
 * fifo) is written directly. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "image/archive.h"
#include "image/store.h"

struct output {
	int fd;
	int dirfd;     /* -1: written directly */
	char *base;    /* the target's name in dirfd */
	char *tmpname; /* the named temporary file, when no O_TMPFILE */
};

static void output_abort(struct output *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmpname)
		(void)unlinkat(o->dirfd, o->tmpname, 0);
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->base);
	free(o->tmpname);
	*o = (struct output){.fd = -1, .dirfd = -1};
}

static char *random_name(const char *base)
{
	uint32_t r = 0;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	return xasprintf(".%s.tmp-%08x", base, r);
}

static int output_open(const char *path, struct output *o, struct err *e)
{
	*o = (struct output){.fd = -1, .dirfd = -1};
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return err_set(e, ERR_INVALID, "\"%s\" is a directory", path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0)
			return err_sys(e, errno, "open \"%s\"", path);
		return 0;
	}
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir =
		slash ? xstrndup(path, (size_t)(slash - path + 1)) : xstrdup(".");
	o->base = xstrdup(slash ? slash + 1 : path);
	if (!*o->base) {
		output_abort(o);
		return err_set(e, ERR_INVALID, "\"%s\": not a file name", path);
	}
	o->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0) {
		int en = errno;
		output_abort(o);
		return err_sys(e, en, "open \"%s\"", dir);
	}
	o->fd = openat(o->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	if (o->fd >= 0)
		return 0;
	for (int i = 0; i < 100 && o->fd < 0; i++) {
		free(o->tmpname);
		o->tmpname = random_name(o->base);
		o->fd = openat(o->dirfd, o->tmpname,
			       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (o->fd < 0 && errno != EEXIST)
			break;
	}
	if (o->fd < 0) {
		int en = errno;
		free(o->tmpname);
		o->tmpname = NULL;
		output_abort(o);
		return err_sys(e, en, "create \"%s\"", path);
	}
	return 0;
}

static int output_commit(struct output *o, const char *path, struct err *e)
{
	if (o->dirfd < 0) {
		int r = close(o->fd);
		o->fd = -1;
		output_abort(o);
		return r < 0 ? err_sys(e, errno, "write \"%s\"", path) : 0;
	}
	if (fsync(o->fd) < 0) {
		int en = errno;
		output_abort(o);
		return err_sys(e, en, "write \"%s\"", path);
	}
	if (!o->tmpname) {
		/* Name the unnamed file, then move it over the target. */
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
		for (int i = 0; i < 100 && !o->tmpname; i++) {
			char *name = random_name(o->base);
			if (linkat(AT_FDCWD, proc, o->dirfd, name, AT_SYMLINK_FOLLOW) == 0) {
				o->tmpname = name;
				break;
			}
			free(name);
			if (errno != EEXIST) {
				int en = errno;
				output_abort(o);
				return err_sys(e, en, "write \"%s\"", path);
			}
		}
		if (!o->tmpname) {
			output_abort(o);
			return err_set(e, ERR_IO, "write \"%s\": no temporary name", path);
		}
	}
	if (renameat(o->dirfd, o->tmpname, o->dirfd, o->base) < 0) {
		int en = errno;
		output_abort(o);
		return err_sys(e, en, "write \"%s\"", path);
	}
	free(o->tmpname);
	o->tmpname = NULL;
	output_abort(o);
	return 0;
}

int cmd_save(struct global *g, int argc, char **argv)
{
	if (cli_need_full() < 0)
		return EXIT_BERTH;
	const char *output = NULL, *format = "docker-archive";
	bool multi = false, quiet = false;
	const struct opt opts[] = {
		{"output", 'o', OPT_STRING, &output, "FILE", "write to a file instead of stdout"},
		{"format", 0, OPT_STRING, &format, "FORMAT",
		 "docker-archive (the default) or oci-archive"},
		{"multi-image-archive", 'm', OPT_BOOL, &multi, NULL,
		 "accepted for podman (archives hold any number of images)"},
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "accepted for podman"},
	};
	const struct opt_spec spec = {
		.usage = "save [options] IMAGE [IMAGE...]",
		.summary =
			"Save one or more images to a tar archive (streamed to stdout by default).",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	enum image_archive_format fmt;
	if (image_archive_format_parse(format, &fmt, &e) < 0)
		return err_wrap(&e, "save: --format"), report(&e);
	if (!output && isatty(STDOUT_FILENO)) {
		err_set(&e, ERR_INVALID,
			"cowardly refusing to save to a terminal. Use the -o flag or redirect");
		return report(&e);
	}
	struct store s;
	if (store_open(g->root, STORE_ADD, &s, &e) < 0)
		return report(&e);
	struct output o = {.fd = -1, .dirfd = -1};
	int r;
	if (output) {
		r = output_open(output, &o, &e);
		if (r < 0)
			err_wrap(&e, "save");
	} else {
		r = 0;
		o.fd = dup(STDOUT_FILENO);
		if (o.fd < 0)
			r = err_sys(&e, errno, "save: stdout");
	}
	if (r == 0)
		r = image_save(&s, args, fmt, o.fd, &e);
	if (r == 0 && output)
		r = output_commit(&o, output, &e) < 0 ? err_wrap(&e, "save") : 0;
	else
		output_abort(&o);
	store_close(&s);
	for (char **a = args; r == 0 && *a; a++)
		cli_event(g, "image", "save", *a, "name", *a, NULL);
	return r < 0 ? report(&e) : 0;
}

int cmd_load(struct global *g, int argc, char **argv)
{
	if (cli_need_full() < 0)
		return EXIT_BERTH;
	const char *input = NULL;
	bool quiet = false;
	const struct opt opts[] = {
		{"input", 'i', OPT_STRING, &input, "FILE", "read from a file instead of stdin"},
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "print nothing but errors"},
	};
	const struct opt_spec spec = {
		.usage = "load [options]",
		.summary = "Load images from a tar archive (docker-archive or oci-archive, plain, "
			   "gzip or zstd) read from stdin by default.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_close_ int fd = -1;
	if (input && !streq(input, "-")) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err_sys(&e, errno, "load \"%s\"", input);
			return report(&e);
		}
	} else {
		if (isatty(STDIN_FILENO)) {
			err_set(&e, ERR_INVALID,
				"requested load from stdin, but stdin is a terminal. Use the -i "
				"flag or redirect");
			return report(&e);
		}
		fd = dup(STDIN_FILENO);
		if (fd < 0) {
			err_sys(&e, errno, "load: stdin");
			return report(&e);
		}
	}
	struct store s;
	if (store_open(g->root, STORE_ADD, &s, &e) < 0)
		return report(&e);
	_cleanup_strv_ char **lines = NULL;
	int r = image_load(&s, fd, &lines, &e);
	store_close(&s);
	if (r < 0)
		return report(&e);
	for (char **l = lines; l && *l; l++)
		cli_event(g, "image", "load", *l, "name", *l, NULL);
	for (char **l = lines; !quiet && l && *l; l++)
		printf("%s\n", *l);
	return 0;
}
