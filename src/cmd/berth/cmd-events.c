/* cmd-events.c: berth events (system events): the event log
 * (engine.h, "events") as docker prints it, followed until interrupted
 * unless --until ends it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strbuf.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "cmd/berth/commands.h"

struct events_out {
	const char *fmt;
	struct err *e;
};

static int attr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* docker's line: "TIME TYPE ACTION ID (k=v, k=v)", attributes sorted. */
static int print_event(const struct engine_event_rec *r, void *data)
{
	struct events_out *o = data;
	if (o->fmt) {
		_cleanup_free_ char *text = xstrndup(r->line, strcspn(r->line, "\n"));
		if (print_formatted(o->fmt, text, o->e) < 0)
			return -1;
		fflush(stdout);
		return 0;
	}
	struct timespec ts = {.tv_sec = r->time_nano / 1000000000, .tv_nsec = r->time_nano % 1000000000};
	char when[RFC3339_MAX];
	time_format_rfc3339(&ts, when);
	size_t n = strv_length(r->attrs) / 2;
	_cleanup_free_ char **kv = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		kv[i] = xasprintf("%s=%s", r->attrs[2 * i], r->attrs[2 * i + 1]);
	qsort(kv, n, sizeof(char *), attr_cmp);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&sb, "%s%s", i ? ", " : "", kv[i]);
		free(kv[i]);
	}
	_cleanup_free_ char *attrs = strbuf_detach(&sb, NULL);
	printf("%s %s %s %s%s%s%s\n", when, r->type, r->action, r->id, n ? " (" : "", attrs,
	       n ? ")" : "");
	fflush(stdout);
	return 0;
}

int cmd_events(struct global *g, int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *fmt = NULL;
	_cleanup_strv_ char **filters = NULL;
	const struct opt opts[] = {
		{"filter", 'f', OPT_STRV, &filters, "KEY=VALUE",
		 "type, event, container, image, volume, network, label"},
		{"since", 0, OPT_STRING, &since, "TIME", "events from this time on (RFC 3339, unix "
		 "seconds, or a duration before now: 10m)"},
		{"until", 0, OPT_STRING, &until, "TIME", "events up to this time, then exit"},
		{"format", 0, OPT_STRING, &fmt, "FORMAT", "json or a Go template"},
	};
	const struct opt_spec spec = {
		.usage = "events [options]",
		.summary = "Get real time events (followed until interrupted, unless --until).",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	struct engine_events_opts o = {.filters = filters, .follow = !until};
	if (since && engine_time_parse(since, now_ns, &o.since_ns, &e) < 0)
		return report(&e);
	if (until && engine_time_parse(until, now_ns, &o.until_ns, &e) < 0)
		return report(&e);
	/* Following without --since: only what happens from now on. */
	if (!since && !until)
		o.since_ns = now_ns;
	if (engine_events_filter_check(filters, &e) < 0)
		return report(&e);
	struct events_out out = {.fmt = fmt, .e = &e};
	if (engine_events_read(&g->en, &o, print_event, &out, &e) < 0)
		return report(&e);
	return 0;
}

void cli_event(struct global *g, const char *type, const char *action, const char *id, ...)
{
	_cleanup_strv_ char **attrs = NULL;
	va_list ap;
	va_start(ap, id);
	for (const char *k; (k = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		strv_push(&attrs, k);
		strv_push(&attrs, v ? v : "");
	}
	va_end(ap);
	engine_event(&g->en, type, action, id, attrs);
}
