/* cmd-system.c: berth system prune: what nothing uses any more, as
 * docker's: stopped containers, unused networks, dangling images (-a:
 * every image no container uses). */
#include <stdio.h>

#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "engine/container.h"
#include "image/image.h"
#include "image/store.h"

static int system_prune(struct global *g, int argc, char **argv)
{
	bool all = false, force = false, volumes = false;
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, NULL, "every unused image, not only dangling ones"},
		{"force", 'f', OPT_BOOL, &force, NULL, "do not ask (berth never asks)"},
		{"volumes", 0, OPT_BOOL, &volumes, NULL, "unused volumes too (none exist yet)"},
	};
	const struct opt_spec spec = {
		.usage = "system prune [options]",
		.summary = "Remove stopped containers, unused networks and dangling images.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	int rc = 0;
	struct container *l;
	size_t n;
	_cleanup_err_ struct err e = ERR_INIT;
	if (container_list(g->root, &l, &n, &e) < 0)
		return report(&e);
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		engine_refresh(&g->en, &l[i]);
		if (l[i].state == CONTAINER_RUNNING || l[i].state == CONTAINER_PAUSED)
			continue;
		_cleanup_err_ struct err re = ERR_INIT;
		if (engine_remove(&g->en, l[i].id, false, NULL, &re) < 0) {
			if (re.kind != ERR_NOT_FOUND && re.kind != ERR_CONFLICT)
				rc = report(&re);
			continue;
		}
		if (!any)
			printf("Deleted Containers:\n");
		any = true;
		printf("%s\n", l[i].id);
	}
	container_list_free(l, n);
	int r = networks_prune(g);
	rc = rc ? rc : r;
	struct store s;
	if (store_open(g->root, STORE_REMOVE, &s, &e) < 0)
		return report(&e);
	_cleanup_strv_ char **lines = NULL;
	if (image_prune(&s, all, &lines, &e) < 0 || store_gc(&s, &e) < 0)
		rc = report(&e);
	store_close(&s);
	if (lines) {
		printf("Deleted Images:\n");
		for (char **p = lines; *p; p++)
			printf("%s\n", *p);
	}
	return rc;
}

static const struct command system_commands[] = {
	{"prune", system_prune, "remove what nothing uses"},
};

int cmd_system(struct global *g, int argc, char **argv)
{
	return dispatch_sub(system_commands, ARRAY_SIZE(system_commands), "system", g, argc, argv);
}
