/* cmd-ps.c: berth ps (container ls): the containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "cmd/common/format.h"
#include "engine/container.h"

static int created_cmp(const void *a, const void *b)
{
	const struct container *x = a, *y = b;
	return strcmp(y->created ? y->created : "", x->created ? x->created : "");
}

static char *status_of(const struct container *c)
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
		return xasprintf("Up %s", ago);
	}
	case CONTAINER_PAUSED:
		return xstrdup("Up (Paused)");
	case CONTAINER_EXITED: {
		_cleanup_free_ char *ago = format_ago(c->finished);
		return xasprintf("Exited (%d) %s", c->exit_code, ago);
	}
	}
	return xstrdup("Unknown");
}

static int list(struct global *g, bool all, bool quiet, bool no_trunc, int last,
		const char *fmt, struct err *e)
{
	struct container *l;
	size_t n;
	if (container_list(g->root, &l, &n, e) < 0)
		return -1;
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
		_cleanup_free_ char *status = status_of(c);
		char *row[] = {"ID",	 id,	"Image",   c->image ? c->image : "",
			       "Command", command, "CreatedAt", ago,
			       "Status", status, "State",   (char *)container_state_name(c->state),
			       "Ports",	 "",	"Names",   c->name ? c->name : "",
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
	bool all = false, quiet = false, no_trunc = false, latest = false;
	const char *fmt = NULL, *last = NULL;
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, NULL, "all containers (default: running ones)"},
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "only ids"},
		{"no-trunc", 0, OPT_BOOL, &no_trunc, NULL, "do not truncate"},
		{"last", 'n', OPT_STRING, &last, "N", "the N last created containers"},
		{"latest", 'l', OPT_BOOL, &latest, NULL, "the last created container"},
		{"format", 0, OPT_STRING, &fmt, "FORMAT", "table, json or a Go template"},
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
	return list(g, all, quiet, no_trunc, n, fmt, &e) < 0 ? report(&e) : 0;
}
