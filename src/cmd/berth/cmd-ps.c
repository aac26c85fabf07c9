/* cmd-ps.c: berth ps (container ls): the containers. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "cmd/common/format.h"
#include "engine/container.h"
#include "image/reference.h"

static int created_cmp(const void *a, const void *b)
{
	const struct container *x = a, *y = b;
	return strcmp(y->created ? y->created : "", x->created ? x->created : "");
}

static char *status_of(const struct engine *en, const struct container *c)
{
	switch (c->state) {
	case CONTAINER_CREATED:
		return xstrdup("Created");
	case CONTAINER_RUNNING: {
		_cleanup_free_ char *ago = format_ago(c->started);
		/* "Up 2 hours" from "2 hours ago". */
		char *sp = strstr(ago, " ago");
		if (sp)
			*sp = '\0';
		_cleanup_free_ char *h = c->health ? engine_health_status(en, c) : NULL;
		if (h)
			return xasprintf("Up %s (%s%s)", ago, streq(h, "starting") ? "health: " : "", h);
		return xasprintf("Up %s", ago);
	}
	case CONTAINER_PAUSED:
		return xstrdup("Up (Paused)");
	case CONTAINER_EXITED: {
		_cleanup_free_ char *ago = format_ago(c->finished);
		return xasprintf("Exited (%d) %s", c->exit_code, ago);
	}
	case CONTAINER_RESTARTING: {
		_cleanup_free_ char *ago = format_ago(c->finished);
		return xasprintf("Restarting (%d) %s", c->exit_code, ago);
	}
	}
	return xstrdup("Unknown");
}

/* One --filter KEY=VALUE against a container. */
static bool filter_one(const struct container *c, const char *key, const char *val)
{
	if (streq(key, "status"))
		return streq(val, container_state_name(c->state));
	if (streq(key, "id"))
		return strncmp(c->id, val, strlen(val)) == 0;
	if (streq(key, "name")) {
		/* A regular expression, as docker's. */
		regex_t re;
		if (regcomp(&re, val, REG_EXTENDED | REG_NOSUB) != 0)
			return false;
		bool m = c->name && regexec(&re, c->name, 0, NULL, 0) == 0;
		regfree(&re);
		return m;
	}
	if (streq(key, "label")) {
		const char *eq = strchr(val, '=');
		size_t klen = eq ? (size_t)(eq - val) : strlen(val);
		for (char **l = c->labels; l && l[0] && l[1]; l += 2)
			if (strlen(l[0]) == klen && !strncmp(l[0], val, klen) &&
			    (!eq || streq(l[1], eq + 1)))
				return true;
		return false;
	}
	if (streq(key, "ancestor")) {
		if (c->image && (streq(c->image, val) || image_name_is_short_for(val, c->image) ||
				 image_name_is_short_for(c->image, val)))
			return true;
		const char *hex = strncmp(val, "sha256:", 7) == 0 ? val + 7 : val;
		return c->image_id && strlen(hex) >= 4 && !strncmp(c->image_id + 7, hex, strlen(hex));
	}
	return false;
}

static bool filter_key(const struct container *c, const char *f, size_t klen)
{
	_cleanup_free_ char *key = xstrndup(f, klen);
	return filter_one(c, key, f + klen + 1);
}

/* Filters with the same key: any; different keys: all. */
static bool filter_match(const struct container *c, char **filters)
{
	for (char **f = filters; f && *f; f++) {
		const char *eq = strchr(*f, '=');
		size_t klen = (size_t)(eq - *f);
		bool any = false;
		for (char **g = filters; g && *g; g++)
			if (!strncmp(*g, *f, klen + 1) && filter_key(c, *g, klen))
				any = true;
		if (!any)
			return false;
	}
	return true;
}

static int filters_check(char **filters, struct err *e)
{
	static const char *const keys[] = {"status", "id", "name", "label", "ancestor"};
	for (char **f = filters; f && *f; f++) {
		const char *eq = strchr(*f, '=');
		bool ok = false;
		for (size_t i = 0; eq && i < ARRAY_SIZE(keys); i++)
			ok |= strlen(keys[i]) == (size_t)(eq - *f) && !strncmp(*f, keys[i], strlen(keys[i]));
		if (!ok)
			return err_set(e, ERR_INVALID, "invalid filter \"%s\"", *f);
		if (!strncmp(*f, "status=", 7)) {
			enum container_state st;
			if (container_state_parse(eq + 1, &st) < 0)
				return err_set(e, ERR_INVALID, "invalid filter \"%s\": status is created, "
							       "running, paused or exited", *f);
		}
	}
	return 0;
}

static int list(struct global *g, bool all, bool quiet, bool no_trunc, int last,
		const char *fmt, char **filters, struct err *e)
{
	if (filters_check(filters, e) < 0)
		return -1;
	struct container *l;
	size_t n;
	if (container_list(g->root, &l, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		engine_refresh(&g->en, &l[i]);
	/* A filter on the status shows the stopped ones too. */
	for (char **f = filters; f && *f; f++)
		if (!strncmp(*f, "status=", 7) && !streq(*f, "status=running"))
			all = true;
	if (n > 1)
		qsort(l, n, sizeof(*l), created_cmp);
	const char *def = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedAt}}\t{{.Status}}\t{{."
			  "Ports}}\t{{.Names}}";
	struct format f;
	if (format_init(&f, quiet && !fmt ? "{{.ID}}" : fmt, def, e) < 0) {
		container_list_free(l, n);
		return -1;
	}
	int r = 0;
	size_t shown = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct container *c = &l[i];
		if (!all && last <= 0 && c->state != CONTAINER_RUNNING && c->state != CONTAINER_PAUSED)
			continue;
		if (!filter_match(c, filters))
			continue;
		if (last > 0 && shown >= (size_t)last)
			break;
		shown++;
		_cleanup_free_ char *id = no_trunc ? xstrdup(c->id) : xstrndup(c->id, 12);
		struct strbuf cmd = STRBUF_INIT;
		for (char **a = c->command; a && *a; a++)
			strbuf_addf(&cmd, "%s%s", a == c->command ? "" : " ", *a);
		_cleanup_free_ char *cmdtext = strbuf_detach(&cmd, NULL);
		_cleanup_free_ char *command =
			no_trunc || strlen(cmdtext) <= 20 ? xasprintf("\"%s\"", cmdtext)
							  : xasprintf("\"%.19s…\"", cmdtext);
		_cleanup_free_ char *ago = format_ago(c->created);
		struct strbuf pb = STRBUF_INIT;
		if (c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED)
			for (char **p = c->ports_bound; p && *p; p++)
				strbuf_addf(&pb, "%s%s", p == c->ports_bound ? "" : ", ", *p);
		_cleanup_free_ char *ports = strbuf_detach(&pb, NULL);
		_cleanup_free_ char *status = status_of(&g->en, c);
		char *row[] = {"ID",	 id,	"Image",   c->image ? c->image : "",
			       "Command", command, "CreatedAt", ago,
			       "Status", status, "State",   (char *)container_state_name(c->state),
			       "Ports",	 ports,	"Names",   c->name ? c->name : "",
			       NULL};
		r = format_row(&f, row, e);
	}
	char *headers[] = {"ID",     "CONTAINER ID", "Image", "IMAGE", "Command", "COMMAND",
			   "CreatedAt", "CREATED",   "Status", "STATUS", "State",   "STATE",
			   "Ports",  "PORTS",	     "Names", "NAMES", NULL};
	if (r == 0)
		format_finish(&f, headers);
	else
		format_clear(&f);
	container_list_free(l, n);
	return r;
}

int cmd_ps(struct global *g, int argc, char **argv)
{
	bool all = false, quiet = false, no_trunc = false, latest = false, size = false;
	const char *fmt = NULL, *last = NULL;
	_cleanup_strv_ char **filters = NULL;
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, NULL, "all containers (default: running ones)"},
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "only ids"},
		{"no-trunc", 0, OPT_BOOL, &no_trunc, NULL, "do not truncate"},
		{"last", 'n', OPT_STRING, &last, "N", "the N last created containers"},
		{"latest", 'l', OPT_BOOL, &latest, NULL, "the last created container"},
		{"format", 0, OPT_STRING, &fmt, "FORMAT", "table, json or a Go template"},
		{"filter", 'f', OPT_STRV, &filters, "KEY=VALUE",
		 "status, name (a regular expression), label, ancestor, id"},
		{"size", 's', OPT_BOOL, &size, NULL, "accepted"},
	};
	const struct opt_spec spec = {
		.usage = "ps [options]",
		.summary = "List containers.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	int n = latest ? 1 : 0;
	if (last && (parse_int(last, &n) < 0))
		return err_set(&e, ERR_INVALID, "invalid argument \"%s\" for \"-n\" flag", last),
		       report(&e);
	return list(g, all, quiet, no_trunc, n, fmt, filters, &e) < 0 ? report(&e) : 0;
}
