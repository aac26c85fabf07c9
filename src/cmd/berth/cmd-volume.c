/* cmd-volume.c: berth volume create, ls, inspect, rm, prune (docker's). */
#include <stdio.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "cmd/common/format.h"
#include "engine/volume.h"

static int vol_create(struct global *g, int argc, char **argv)
{
	_cleanup_strv_ char **labels = NULL, **opts_kv = NULL;
	const char *driver = NULL, *name_opt = NULL;
	const struct opt opts[] = {
		{"driver", 'd', OPT_STRING, &driver, "DRIVER", "the volume driver (local)"},
		{"label", 'l', OPT_STRV, &labels, "KEY=VALUE", "a label (repeatable)"},
		{"opt", 'o', OPT_STRV, &opts_kv, "KEY=VALUE", "a driver option (repeatable)"},
		{"name", 0, OPT_STRING, &name_opt, "NAME", "the name (or as the argument)"},
	};
	const struct opt_spec spec = {
		.usage = "volume create [options] [NAME]",
		.summary = "Create a volume.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 1, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	const char *name = args[0] ? args[0] : name_opt;
	if (args[0] && name_opt && strcmp(args[0], name_opt))
		return err_set(&e, ERR_INVALID, "conflicting names: \"%s\" and --name \"%s\"",
			       args[0], name_opt),
		       report(&e);
	struct volume_create_opts o = {.name = name, .driver = driver, .labels = labels,
				       .options = opts_kv};
	struct volume v;
	if (volume_create(g->root, &o, &v, NULL, &e) < 0)
		return report(&e);
	cli_event(g, "volume", "create", v.name, "driver", v.driver ? v.driver : "local", NULL);
	printf("%s\n", v.name);
	volume_clear(&v);
	return 0;
}

static int vol_inspect(struct global *g, int argc, char **argv)
{
	const char *fmt = NULL;
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &fmt, "FORMAT", "a Go template"},
	};
	const struct opt_spec spec = {
		.usage = "volume inspect [options] VOLUME [VOLUME...]",
		.summary = "Display detailed information on one or more volumes.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	int rc = 0;
	bool first = true;
	for (char **a = args; *a; a++) {
		_cleanup_err_ struct err e = ERR_INIT;
		struct volume v;
		if (volume_load(g->root, *a, &v, &e) < 0) {
			rc = report(&e);
			continue;
		}
		_cleanup_free_ char *text = volume_to_json(&v);
		volume_clear(&v);
		if (fmt) {
			if (print_formatted(fmt, text, &e) < 0)
				rc = report(&e);
			continue;
		}
		print_in_array(text, &first);
	}
	if (!fmt)
		printf("%s]\n", first ? "[" : "\n");
	return rc;
}

/* --filter name=, label=KEY[=VALUE], dangling=true|false, driver=. */
static int vol_matches(struct global *g, const struct volume *v, char **filters, bool *ret,
		       struct err *e)
{
	*ret = true;
	for (char **f = filters; f && *f && *ret; f++) {
		const char *eq = strchr(*f, '=');
		if (!eq)
			return err_set(e, ERR_INVALID, "--filter \"%s\": expected KEY=VALUE", *f);
		_cleanup_free_ char *k = xstrndup(*f, (size_t)(eq - *f));
		const char *val = eq + 1;
		if (streq(k, "name")) {
			*ret = strstr(v->name, val) != NULL;
		} else if (streq(k, "driver")) {
			*ret = streq(v->driver, val);
		} else if (streq(k, "label")) {
			const char *veq = strchr(val, '=');
			_cleanup_free_ char *lk = veq ? xstrndup(val, (size_t)(veq - val)) : xstrdup(val);
			bool found = false;
			for (char **p = v->labels; p && p[0] && p[1]; p += 2)
				if (streq(p[0], lk) && (!veq || streq(p[1], veq + 1)))
					found = true;
			*ret = found;
		} else if (streq(k, "dangling")) {
			if (!streq(val, "true") && !streq(val, "false") && !streq(val, "1") &&
			    !streq(val, "0"))
				return err_set(e, ERR_INVALID, "--filter \"%s\": true or false", *f);
			_cleanup_strv_ char **users = NULL;
			if (volume_users(g->root, v->name, &users, e) < 0)
				return -1;
			bool want = streq(val, "true") || streq(val, "1");
			*ret = (users == NULL) == want;
		} else {
			return err_set(e, ERR_INVALID,
				       "--filter \"%s\": unknown filter (name, label, dangling, driver)",
				       *f);
		}
	}
	return 0;
}

static int vol_ls(struct global *g, int argc, char **argv)
{
	bool quiet = false;
	const char *fmt = NULL;
	_cleanup_strv_ char **filters = NULL;
	const struct opt opts[] = {
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "only the names"},
		{"format", 0, OPT_STRING, &fmt, "FORMAT", "table, json or a Go template"},
		{"filter", 'f', OPT_STRV, &filters, "FILTER",
		 "name=, label=KEY[=VALUE], dangling=true|false, driver="},
	};
	const struct opt_spec spec = {
		.usage = "volume ls [options]",
		.summary = "List volumes.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct volume *l;
	size_t n;
	if (volume_list(g->root, &l, &n, &e) < 0)
		return report(&e);
	struct format f;
	if (format_init(&f, quiet && !fmt ? "{{.Name}}" : fmt, "table {{.Driver}}\t{{.Name}}",
			&e) < 0) {
		volume_list_free(l, n);
		return report(&e);
	}
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		bool ok;
		if ((r = vol_matches(g, &l[i], filters, &ok, &e)) < 0 || !ok)
			continue;
		struct strbuf b = STRBUF_INIT;
		for (char **p = l[i].labels; p && p[0] && p[1]; p += 2)
			strbuf_addf(&b, "%s%s=%s", p == l[i].labels ? "" : ",", p[0], p[1]);
		_cleanup_free_ char *lab = strbuf_detach(&b, NULL);
		char *row[] = {"Name", l[i].name, "Driver", l[i].driver, "Mountpoint",
			       l[i].mountpoint, "Scope", "local", "Labels", lab, "CreatedAt",
			       l[i].created ? l[i].created : "", NULL};
		r = format_row(&f, row, &e);
	}
	char *headers[] = {"Name", "VOLUME NAME", "Driver", "DRIVER", "Mountpoint", "MOUNTPOINT",
			   "Scope", "SCOPE", "Labels", "LABELS", "CreatedAt", "CREATED", NULL};
	if (r == 0)
		format_finish(&f, headers);
	else
		format_clear(&f);
	volume_list_free(l, n);
	return r < 0 ? report(&e) : 0;
}

static int vol_rm(struct global *g, int argc, char **argv)
{
	bool force = false;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "no error for a volume that does not exist "
		 "(one in use is never removed)"},
	};
	const struct opt_spec spec = {
		.usage = "volume rm [options] VOLUME [VOLUME...]",
		.summary = "Remove one or more volumes.",
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
		if (volume_remove(g->root, *a, &e) < 0) {
			if (force && e.kind == ERR_NOT_FOUND)
				continue;
			rc = report(&e);
			continue;
		}
		cli_event(g, "volume", "destroy", *a, "driver", "local", NULL);
		printf("%s\n", *a);
	}
	return rc;
}

static int vol_prune(struct global *g, int argc, char **argv)
{
	bool force = false, all = false;
	_cleanup_strv_ char **filters = NULL;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "do not ask (berth never asks)"},
		{"all", 'a', OPT_BOOL, &all, NULL, "named volumes too, not only anonymous ones"},
		{"filter", 0, OPT_STRV, &filters, "FILTER", "label=KEY[=VALUE], name="},
	};
	const struct opt_spec spec = {
		.usage = "volume prune [options]",
		.summary = "Remove the anonymous volumes no container uses (-a: every unused one).",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct volume *l;
	size_t n;
	if (volume_list(g->root, &l, &n, &e) < 0)
		return report(&e);
	int rc = 0;
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		bool ok;
		if (vol_matches(g, &l[i], filters, &ok, &e) < 0) {
			rc = report(&e);
			break;
		}
		if (!ok || (!all && !l[i].anonymous))
			continue;
		_cleanup_err_ struct err re = ERR_INIT;
		if (volume_remove(g->root, l[i].name, &re) < 0) {
			if (re.kind != ERR_CONFLICT)
				rc = report(&re);
			continue;
		}
		if (!any)
			printf("Deleted Volumes:\n");
		any = true;
		printf("%s\n", l[i].name);
	}
	volume_list_free(l, n);
	return rc;
}

int cmd_volume(struct global *g, int argc, char **argv)
{
	static const struct command sub[] = {
		{"create", vol_create, "create a volume"},
		{"inspect", vol_inspect, "show volumes in detail"},
		{"list", vol_ls, "list volumes"},
		{"ls", vol_ls, "list volumes"},
		{"prune", vol_prune, "remove unused volumes"},
		{"remove", vol_rm, "remove volumes"},
		{"rm", vol_rm, "remove volumes"},
	};
	return dispatch_sub(sub, ARRAY_SIZE(sub), "volume", g, argc, argv);
}
