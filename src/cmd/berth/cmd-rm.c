/* cmd-rm.c: berth rm (container rm): remove containers. */
#include <stdio.h>

#include "cmd/berth/commands.h"
#include "engine/engine.h"

int cmd_rm(struct global *g, int argc, char **argv)
{
	bool force = false, volumes = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "remove running containers too"},
		{"volumes", 'v', OPT_BOOL, &volumes, NULL, "remove the container's anonymous volumes too"},
	};
	const struct opt_spec spec = {
		.usage = "rm [options] CONTAINER [CONTAINER...]",
		.summary = "Remove one or more containers.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	int rc = 0;
	for (char **a = args; *a; a++) {
		_cleanup_err_ struct err e = ERR_INIT;
		_cleanup_free_ char *id = NULL;
		struct container c;
		bool known = engine_load(&g->en, *a, &c, NULL) == 0;
		if (engine_remove(&g->en, *a, force, volumes, &id, &e) < 0) {
			if (known)
				container_clear(&c);
			/* -f on a container that does not exist is no error. */
			if (force && e.kind == ERR_NOT_FOUND)
				continue;
			rc = report(&e);
			continue;
		}
		if (known) {
			engine_event_container(&g->en, &c, "destroy", NULL);
			container_clear(&c);
		}
		printf("%s\n", *a);
	}
	return rc;
}
