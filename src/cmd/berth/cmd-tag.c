/* cmd-tag.c: berth tag SOURCE TARGET. */
#include "cmd/berth/commands.h"
#include "image/image.h"

int cmd_tag(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
		.summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 2, 2, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct store s;
	if (store_open(g->root, STORE_ADD, &s, &e) < 0)
		return report(&e);
	int r = image_tag(&s, args[0], args[1], &e);
	store_close(&s);
	if (r == 0)
		cli_event(g, "image", "tag", args[0], "name", args[1], NULL);
	return r < 0 ? report(&e) : 0;
}
