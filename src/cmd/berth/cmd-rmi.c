/* cmd-rmi.c: berth rmi (image rm) and image prune: untag and remove
 * images, then collect what no image references any more. */
#include <stdio.h>

#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "image/image.h"

static void print_report(char **lines)
{
	for (char **l = lines; l && *l; l++)
		printf("%s\n", *l);
	fflush(stdout);
}

int cmd_rmi(struct global *g, int argc, char **argv)
{
	bool force = false, no_prune = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "remove images with several names"},
		{"no-prune", 0, OPT_BOOL, &no_prune, NULL, "accepted for docker compatibility"},
	};
	const struct opt_spec spec = {
		.usage = "rmi [options] IMAGE [IMAGE...]",
		.summary = "Remove one or more images.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct store s;
	if (store_open(g->root, STORE_REMOVE, &s, &e) < 0)
		return report(&e);
	int rc = 0;
	for (char **a = args; *a; a++) {
		_cleanup_strv_ char **lines = NULL;
		if (image_remove(&s, *a, force, &lines, &e) < 0) {
			/* docker goes on with the others and fails at the end. */
			rc = report(&e);
			continue;
		}
		print_report(lines);
		for (char **l = lines; l && *l; l++) {
			bool untag = !strncmp(*l, "Untagged: ", 10);
			if (untag || !strncmp(*l, "Deleted: ", 9))
				cli_event(g, "image", untag ? "untag" : "delete",
					  *l + (untag ? 10 : 9), "name", *a, NULL);
		}
	}
	if (store_gc(&s, &e) < 0)
		rc = report(&e);
	store_close(&s);
	return rc;
}

int cmd_image_prune(struct global *g, int argc, char **argv)
{
	bool all = false, force = false;
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, NULL, "remove all unused images, not only dangling ones"},
		{"force", 'f', OPT_BOOL, &force, NULL, "do not ask for confirmation"},
	};
	const struct opt_spec spec = {
		.usage = "image prune [options]",
		.summary = "Remove unused images.",
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
	if (store_open(g->root, STORE_REMOVE, &s, &e) < 0)
		return report(&e);
	_cleanup_strv_ char **lines = NULL;
	int rc = 0;
	if (image_prune(&s, all, &lines, &e) < 0 || store_gc(&s, &e) < 0)
		rc = report(&e);
	store_close(&s);
	if (lines) {
		printf("Deleted Images:\n");
		print_report(lines);
	}
	return rc;
}
