/* cmd-import.c: berth import FILE|- [REPOSITORY[:TAG]]: a root filesystem
 * tarball (plain, gzip or zstd) as a one-layer image. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/fd-util.h"
#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "image/image.h"
#include "image/store.h"

int cmd_import(struct global *g, int argc, char **argv)
{
	if (cli_need_full() < 0)
		return EXIT_BERTH;
	_cleanup_strv_ char **changes = NULL;
	const char *message = NULL, *platform = NULL;
	const struct opt opts[] = {
		{"change", 'c', OPT_STRV, &changes, "INSTRUCTION",
		 "apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, "
		 "VOLUME, WORKDIR)"},
		{"message", 'm', OPT_STRING, &message, "TEXT", "a comment for the image's history"},
		{"platform", 0, OPT_STRING, &platform, "PLATFORM", "only linux/amd64"},
	};
	const struct opt_spec spec = {
		.usage = "import [options] FILE|- [REPOSITORY[:TAG]]",
		.summary = "Import the contents of a tarball as a filesystem image.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 2, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	if (platform && !streq(platform, "linux/amd64") && !streq(platform, "linux"))
		return err_set(&e, ERR_UNSUPPORTED, "--platform \"%s\": only linux/amd64", platform),
		       report(&e);
	_cleanup_close_ int fd = -1;
	if (streq(args[0], "-")) {
		fd = dup(STDIN_FILENO);
	} else {
		fd = open(args[0], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err_sys(&e, errno, "import \"%s\"", args[0]);
			return report(&e);
		}
	}
	struct store s;
	if (store_open(g->root, STORE_ADD, &s, &e) < 0)
		return report(&e);
	struct image_import_opts o = {.reference = args[1], .changes = changes, .message = message};
	_cleanup_free_ char *id = NULL;
	int r = image_import(&s, fd, &o, &id, &e);
	store_close(&s);
	if (r < 0)
		return report(&e);
	cli_event(g, "image", "import", id, "name", args[1] ? args[1] : "", NULL);
	printf("%s\n", id);
	return 0;
}
