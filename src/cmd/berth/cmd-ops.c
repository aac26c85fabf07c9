/* cmd-ops.c: berth pause, unpause, rename, update, top, stats, container
 * prune and system df: one engine call each (engine.h, "ops"), printed as
 * docker prints them. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strv.h"
#include "base/time-util.h"
#include "cmd/berth/commands.h"
#include "cmd/common/format.h"

static int pause_or_not(struct global *g, int argc, char **argv, bool on)
{
	const struct opt_spec spec = {
		.usage = on ? "pause CONTAINER [CONTAINER...]" : "unpause CONTAINER [CONTAINER...]",
		.summary = on ? "Pause all processes within one or more containers."
			      : "Unpause all processes within one or more containers.",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	int rc = 0;
	for (char **a = args; *a; a++) {
		_cleanup_err_ struct err e = ERR_INIT;
		if ((on ? engine_pause : engine_unpause)(&g->en, *a, &e) < 0) {
			rc = report(&e);
			continue;
		}
		engine_event_for(&g->en, *a, on ? "pause" : "unpause");
		printf("%s\n", *a);
	}
	return rc;
}

int cmd_pause(struct global *g, int argc, char **argv)
{
	return pause_or_not(g, argc, argv, true);
}

int cmd_unpause(struct global *g, int argc, char **argv)
{
	return pause_or_not(g, argc, argv, false);
}

int cmd_rename(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "rename CONTAINER NEW_NAME",
		.summary = "Rename a container.",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 2, 2, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_free_ char *old = NULL;
	if (engine_rename(&g->en, args[0], args[1], &old, &e) < 0)
		return report(&e);
	struct container c;
	if (engine_load(&g->en, args[1][0] == '/' ? args[1] + 1 : args[1], &c, NULL) == 0) {
		char *extra[] = {(char *)"oldName", old, NULL};
		engine_event_container(&g->en, &c, "rename", extra);
		container_clear(&c);
	}
	return 0;
}

int cmd_update(struct global *g, int argc, char **argv)
{
	struct engine_update_opts o = {0};
	const char *blkio = NULL, *reservation = NULL;
	const struct opt opts[] = {
		{"memory", 'm', OPT_STRING, &o.memory, "BYTES", "memory limit"},
		{"memory-swap", 0, OPT_STRING, &o.memory_swap, "BYTES",
		 "memory plus swap limit (-1: unlimited)"},
		{"cpus", 0, OPT_STRING, &o.cpus, "NUMBER", "number of CPUs"},
		{"cpu-shares", 'c', OPT_STRING, &o.cpu_shares, "NUMBER", "CPU shares (relative weight)"},
		{"cpuset-cpus", 0, OPT_STRING, &o.cpuset_cpus, "LIST", "CPUs to run on (0-3, 0,1)"},
		{"pids-limit", 0, OPT_STRING, &o.pids_limit, "NUMBER", "process limit (-1: unlimited)"},
		{"restart", 0, OPT_STRING, &o.restart, "POLICY", "restart policy"},
		{"blkio-weight", 0, OPT_STRING, &blkio, "NUMBER", "not supported"},
		{"memory-reservation", 0, OPT_STRING, &reservation, "BYTES", "not supported"},
	};
	const struct opt_spec spec = {
		.usage = "update [options] CONTAINER [CONTAINER...]",
		.summary = "Update the configuration of one or more containers.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts) - 2,
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	int rc = 0;
	for (char **a = args; *a; a++) {
		_cleanup_err_ struct err e = ERR_INIT;
		if (engine_update(&g->en, *a, &o, &e) < 0) {
			rc = report(&e);
			continue;
		}
		engine_event_for(&g->en, *a, "update");
		printf("%s\n", *a);
	}
	return rc;
}

/* Columns aligned as docker's tabwriter does (3 spaces between). */
static void print_columns(char **titles, char ***rows, size_t n)
{
	size_t nt = strv_length(titles);
	_cleanup_free_ size_t *w = xcalloc(nt ? nt : 1, sizeof(size_t));
	for (size_t i = 0; i < nt; i++) {
		w[i] = strlen(titles[i]);
		for (size_t r = 0; r < n; r++)
			if (strlen(rows[r][i]) > w[i])
				w[i] = strlen(rows[r][i]);
	}
	for (size_t r = 0; r <= n; r++) {
		char **row = r == 0 ? titles : rows[r - 1];
		for (size_t i = 0; i < nt; i++) {
			if (i + 1 == nt)
				printf("%s\n", row[i]);
			else
				printf("%-*s   ", (int)w[i], row[i]);
		}
	}
}

int cmd_top(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "top CONTAINER [ps OPTIONS]",
		.summary = "Display the running processes of a container.",
		.stop_after = 0, /* everything after the container is ps's */
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct engine_top t;
	if (engine_top(&g->en, args[0], args + 1, &t, &e) < 0)
		return report(&e);
	print_columns(t.titles, t.rows, t.n);
	engine_top_clear(&t);
	return 0;
}

/* docker's units.BytesSize: "1.5MiB" (binary, 4 significant digits). */
static char *bytes_size(uint64_t b)
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)b;
	size_t i = 0;
	while (v >= 1024 && i + 1 < ARRAY_SIZE(u)) {
		v /= 1024;
		i++;
	}
	return xasprintf("%.4g%s", v, u[i]);
}

struct sample {
	struct engine_stats s;
	bool ok;
};

static int stats_print(struct format *f, struct sample *a, struct sample *b, size_t n,
		       bool no_trunc, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		if (!b[i].ok)
			continue;
		const struct engine_stats *x = &b[i].s, *p = a && a[i].ok ? &a[i].s : NULL;
		double cpu = 0;
		if (p && x->sample_ns > p->sample_ns && x->cpu_ns >= p->cpu_ns)
			cpu = (double)(x->cpu_ns - p->cpu_ns) * 100.0 /
			      (double)(x->sample_ns - p->sample_ns);
		bool up = x->running;
		_cleanup_free_ char *cpup = up ? xasprintf("%.2f%%", cpu) : xstrdup("--");
		_cleanup_free_ char *mu = bytes_size(x->mem_usage), *ml = bytes_size(x->mem_limit);
		_cleanup_free_ char *mem = up ? xasprintf("%s / %s", mu, ml) : xstrdup("0B / 0B");
		_cleanup_free_ char *memp =
			up && x->mem_limit ? xasprintf("%.2f%%", (double)x->mem_usage * 100.0 /
								  (double)x->mem_limit)
					   : xstrdup("--");
		_cleanup_free_ char *rx = format_size(x->net_rx), *tx = format_size(x->net_tx);
		_cleanup_free_ char *br = format_size(x->blk_read), *bw = format_size(x->blk_write);
		_cleanup_free_ char *net = xasprintf("%s / %s", rx, tx);
		_cleanup_free_ char *blk = xasprintf("%s / %s", br, bw);
		_cleanup_free_ char *pids = xasprintf("%llu", (unsigned long long)x->pids);
		_cleanup_free_ char *id = no_trunc ? xstrdup(x->id) : xstrndup(x->id, 12);
		char *row[] = {"Container", id,	  "ID",	     id,  "Name",   x->name, "CPUPerc", cpup,
			       "MemUsage",  mem,  "MemPerc", memp, "NetIO", net,	 "BlockIO", blk,
			       "PIDs",	    pids, NULL};
		if (format_row(f, row, e) < 0)
			return -1;
	}
	return 0;
}

static void sample_all(struct global *g, char **ids, size_t n, struct sample *out)
{
	for (size_t i = 0; i < n; i++) {
		engine_stats_clear(&out[i].s);
		out[i].ok = engine_stats(&g->en, ids[i], &out[i].s, NULL) == 0;
	}
}

int cmd_stats(struct global *g, int argc, char **argv)
{
	bool all = false, no_stream = false, no_trunc = false;
	const char *fmt = NULL;
	const struct opt opts[] = {
		{"all", 'a', OPT_BOOL, &all, NULL, "all containers (default: running ones)"},
		{"no-stream", 0, OPT_BOOL, &no_stream, NULL, "print once, do not refresh"},
		{"no-trunc", 0, OPT_BOOL, &no_trunc, NULL, "do not truncate"},
		{"format", 0, OPT_STRING, &fmt, "FORMAT", "table, json or a Go template"},
	};
	const struct opt_spec spec = {
		.usage = "stats [options] [CONTAINER...]",
		.summary = "Display a live stream of containers' resource usage.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, SIZE_MAX, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_strv_ char **ids = NULL;
	if (args[0]) {
		for (char **a = args; *a; a++) {
			struct container c;
			if (engine_load(&g->en, *a, &c, &e) < 0)
				return report(&e);
			strv_push(&ids, c.id);
			container_clear(&c);
		}
	} else {
		struct container *l;
		size_t n;
		if (container_list(g->root, &l, &n, &e) < 0)
			return report(&e);
		for (size_t i = 0; i < n; i++) {
			engine_refresh(&g->en, &l[i]);
			if (all || l[i].state == CONTAINER_RUNNING || l[i].state == CONTAINER_PAUSED)
				strv_push(&ids, l[i].id);
		}
		container_list_free(l, n);
	}
	size_t n = strv_length(ids);
	struct sample *a = xcalloc(n + 1, sizeof(*a)), *b = xcalloc(n + 1, sizeof(*b));
	const char *def = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t"
			  "{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
	char *headers[] = {"Container", "CONTAINER", "ID", "CONTAINER ID", "Name", "NAME",
			   "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %",
			   "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS", NULL};
	int rc = 0;
	sample_all(g, ids, n, a);
	for (;;) {
		/* CPU use is a rate: two samples apart. */
		struct timespec ts = {no_stream ? 0 : 1, no_stream ? 500000000 : 0};
		nanosleep(&ts, NULL);
		sample_all(g, ids, n, b);
		struct format f;
		if (format_init(&f, fmt, def, &e) < 0) {
			rc = report(&e);
			break;
		}
		if (!no_stream)
			fputs("\033[2J\033[H", stdout);
		if (stats_print(&f, a, b, n, no_trunc, &e) < 0) {
			format_clear(&f);
			rc = report(&e);
			break;
		}
		format_finish(&f, headers);
		fflush(stdout);
		if (no_stream)
			break;
		struct sample *t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < n; i++) {
		engine_stats_clear(&a[i].s);
		engine_stats_clear(&b[i].s);
	}
	free(a);
	free(b);
	return rc;
}

int cmd_container_prune(struct global *g, int argc, char **argv)
{
	bool force = false;
	_cleanup_strv_ char **filters = NULL;
	const struct opt opts[] = {
		{"force", 'f', OPT_BOOL, &force, NULL, "do not ask (berth never asks)"},
		{"filter", 0, OPT_STRV, &filters, "KEY=VALUE", "label=K[=V], label!=K[=V], until=TIME"},
	};
	const struct opt_spec spec = {
		.usage = "container prune [options]",
		.summary = "Remove all stopped containers.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_strv_ char **removed = NULL;
	uint64_t space = 0;
	int r = engine_prune(&g->en, filters, &removed, &space, &e);
	if (removed) {
		printf("Deleted Containers:\n");
		for (char **p = removed; *p; p++)
			printf("%s\n", *p);
		printf("\n");
	}
	_cleanup_free_ char *sz = format_size(space);
	printf("Total reclaimed space: %s\n", sz);
	return r < 0 ? report(&e) : 0;
}

int cmd_system_df(struct global *g, int argc, char **argv)
{
	bool verbose = false;
	const char *fmt = NULL;
	const struct opt opts[] = {
		{"format", 0, OPT_STRING, &fmt, "FORMAT", "table, json or a Go template"},
		{"verbose", 'v', OPT_BOOL, &verbose, NULL, "accepted"},
	};
	const struct opt_spec spec = {
		.usage = "system df [options]",
		.summary = "Show disk usage.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct engine_df df;
	if (engine_df(&g->en, &df, &e) < 0)
		return report(&e);
	const char *def = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t"
			  "{{.Reclaimable}}";
	struct format f;
	if (format_init(&f, fmt, def, &e) < 0)
		return report(&e);
	const struct {
		const char *type;
		const struct engine_df_row *r;
	} kinds[] = {{"Images", &df.images},
		     {"Containers", &df.containers},
		     {"Local Volumes", &df.volumes},
		     {"Build Cache", &df.cache}};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		const struct engine_df_row *r = kinds[i].r;
		_cleanup_free_ char *total = xasprintf("%zu", r->total);
		_cleanup_free_ char *active = xasprintf("%zu", r->active);
		_cleanup_free_ char *size = format_size(r->size);
		_cleanup_free_ char *rs = format_size(r->reclaimable);
		_cleanup_free_ char *recl =
			r->size ? xasprintf("%s (%d%%)", rs, (int)(r->reclaimable * 100 / r->size))
				: xstrdup(rs);
		char *row[] = {"Type",	 (char *)kinds[i].type, "TotalCount", total, "Active",
			       active,	 "Size",		size,	      "Reclaimable", recl,
			       NULL};
		if (format_row(&f, row, &e) < 0) {
			format_clear(&f);
			return report(&e);
		}
	}
	char *headers[] = {"Type",   "TYPE", "TotalCount", "TOTAL", "Active", "ACTIVE",
			   "Size",   "SIZE", "Reclaimable", "RECLAIMABLE", NULL};
	format_finish(&f, headers);
	return 0;
}
