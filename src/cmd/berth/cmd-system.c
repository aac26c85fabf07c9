/* cmd-system.c: berth system prune: what nothing uses any more, as
 * docker's: stopped containers, unused networks, dangling images (-a:
 * every image no container uses). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "engine/container.h"
#include "engine/volume.h"
#include "image/image.h"
#include "image/store.h"

static int system_prune(struct global *g, int argc, char **argv)
{
	bool all = false, force = false, volumes = false;
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, NULL, "every unused image, not only dangling ones"},
		{"force", 'f', OPT_BOOL, &force, NULL, "do not ask (berth never asks)"},
		{"volumes", 0, OPT_BOOL, &volumes, NULL, "unused anonymous volumes too (-a: every "
		 "unused volume)"},
	};
	const struct opt_spec spec = {
		.usage = "system prune [options]",
		.summary = "Remove stopped containers, unused networks, dangling images and the "
			   "build cache.",
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
		if (engine_remove(&g->en, l[i].id, false, false, NULL, &re) < 0) {
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
	if (volumes) {
		struct volume *vl;
		size_t vn;
		bool vany = false;
		if (volume_list(g->root, &vl, &vn, &e) < 0)
			return report(&e);
		for (size_t i = 0; i < vn; i++) {
			_cleanup_err_ struct err ve = ERR_INIT;
			if ((!all && !vl[i].anonymous) || volume_remove(g->root, vl[i].name, &ve) < 0)
				continue;
			if (!vany)
				printf("Deleted Volumes:\n");
			vany = true;
			printf("%s\n", vl[i].name);
		}
		volume_list_free(vl, vn);
	}
	int r = networks_prune(g);
	rc = rc ? rc : r;
	struct store s;
	if (store_open(g->root, STORE_REMOVE, &s, &e) < 0)
		return report(&e);
	_cleanup_strv_ char **lines = NULL;
	/* The build cache first: the layers only it kept go with the GC. */
	bool had_cache = faccessat(s.rootfd, "build-cache", F_OK, 0) == 0;
	if (rm_rf_at(s.rootfd, "build-cache", &e) < 0 || image_prune(&s, all, &lines, &e) < 0 ||
	    store_gc(&s, &e) < 0)
		rc = report(&e);
	else if (had_cache)
		printf("Deleted build cache\n");
	store_close(&s);
	if (lines) {
		printf("Deleted Images:\n");
		for (char **p = lines; *p; p++)
			printf("%s\n", *p);
	}
	return rc;
}

/* After a boot: the containers whose restart policy says they run. */
static int system_boot(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "system boot",
		.summary = "Start the containers whose restart policy asks for it (at boot: "
			   "`berth system install-unit` makes a systemd unit that runs this).",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct container *l;
	size_t n;
	if (container_list(g->root, &l, &n, &e) < 0)
		return report(&e);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct container *c = &l[i];
		engine_refresh(&g->en, c);
		const char *p = c->restart_policy;
		bool want = p && !c->manual_stop && c->state == CONTAINER_EXITED &&
			    (streq(p, "always") || streq(p, "unless-stopped") ||
			     (streq(p, "on-failure") && c->exit_code != 0));
		if (!want)
			continue;
		struct engine_start_opts so = {0};
		struct engine_started st;
		_cleanup_err_ struct err se = ERR_INIT;
		if (engine_start(&g->en, c->id, &so, &st, &se) < 0) {
			rc = report(&se);
			continue;
		}
		engine_started_clear(&st);
		printf("%s\n", c->name ? c->name : c->id);
	}
	container_list_free(l, n);
	return rc;
}

static int system_install_unit(struct global *g, int argc, char **argv)
{
	const char *path = "/etc/systemd/system/berth-boot.service";
	const struct opt opts[] = {
		{"path", 0, OPT_STRING, &path, "FILE", "where to write the unit"},
	};
	const struct opt_spec spec = {
		.usage = "system install-unit [options]",
		.summary = "Write a systemd unit that runs `berth system boot` at boot (then: "
			   "systemctl enable berth-boot).",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_free_ char *text = xasprintf(
		"[Unit]\n"
		"Description=Berth: start the containers whose restart policy asks for it\n"
		"Wants=network-online.target\n"
		"After=network-online.target\n\n"
		"[Service]\n"
		"Type=oneshot\n"
		"RemainAfterExit=yes\n"
		"ExecStart=%s --root %s --runroot %s system boot\n\n"
		"[Install]\n"
		"WantedBy=multi-user.target\n",
		g->en.self, g->en.root, g->en.runroot);
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	_cleanup_close_ int dfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(&e, errno, "install-unit: %s", dir), report(&e);
	if (write_file_atomic_at(dfd, slash ? slash + 1 : path, text, strlen(text), 0644,
				 WRITE_ATOMIC_SYNC, &e) < 0)
		return report(&e);
	printf("%s\n", path);
	return 0;
}

static const struct command system_commands[] = {
	{"boot", system_boot, "start the containers whose restart policy asks for it"},
	{"df", cmd_system_df, "show disk usage"},
	{"events", cmd_events, "get real time events"},
	{"install-unit", system_install_unit, "write a systemd unit that runs system boot"},
	{"prune", system_prune, "remove what nothing uses"},
};

int cmd_system(struct global *g, int argc, char **argv)
{
	return dispatch_sub(system_commands, ARRAY_SIZE(system_commands), "system", g, argc, argv);
}
