/* cmd-logs.c: berth logs: a container's output, from its log file. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/json-util.h"
#include "base/parse-util.h"
#include "base/time-util.h"
#include "cmd/berth/commands.h"

/* One record of the log. */
struct rec {
	char *text; /* what the program wrote (json-file: its newline kept) */
	size_t len;
	bool err;
	char *time;
	struct timespec ts;
};

static void rec_clear(struct rec *r)
{
	free(r->text);
	free(r->time);
	memset(r, 0, sizeof(*r));
}

/* A line of the file as a record; false for a line that is none. */
static bool parse_line(const char *line, size_t len, bool k8s, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	if (k8s) {
		/* TIME STREAM F|P TEXT */
		const char *sp1 = memchr(line, ' ', len);
		const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line)) : NULL;
		if (!sp2 || (size_t)(sp2 - line) + 3 > len)
			return false;
		r->time = xstrndup(line, (size_t)(sp1 - line));
		r->err = (size_t)(sp2 - sp1 - 1) == 6 && !memcmp(sp1 + 1, "stderr", 6);
		bool partial = sp2[1] == 'P';
		const char *text = sp2 + 3;
		size_t n = len - (size_t)(text - line);
		r->text = xmalloc(n + 2);
		memcpy(r->text, text, n);
		if (!partial)
			r->text[n++] = '\n';
		r->text[n] = '\0';
		r->len = n;
	} else {
		json_error_t je;
		json_t *o = json_loadb(line, len, 0, &je);
		const char *log = json_string_value(json_object_get(o, "log"));
		const char *stream = json_string_value(json_object_get(o, "stream"));
		const char *time = json_string_value(json_object_get(o, "time"));
		if (!log || !time) {
			json_decref(o);
			return false;
		}
		r->len = json_string_length(json_object_get(o, "log"));
		r->text = xmalloc(r->len + 1);
		memcpy(r->text, log, r->len);
		r->text[r->len] = '\0';
		r->time = xstrdup(time);
		r->err = stream && streq(stream, "stderr");
		json_decref(o);
	}
	if (time_parse_rfc3339(r->time, &r->ts) < 0) {
		rec_clear(r);
		return false;
	}
	return true;
}

struct logs {
	bool k8s, timestamps;
	bool has_since, has_until;
	struct timespec since, until;
	long tail; /* -1: all */
	/* the last `tail` records, a ring */
	struct rec *ring;
	size_t ring_n, ring_at;
	bool tail_done;
	/* a line not complete yet (the file is being written) */
	char *part;
	size_t part_len;
};

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

static void emit(struct logs *l, const struct rec *r)
{
	int fd = r->err ? 2 : 1;
	if (l->timestamps) {
		char ts[RFC3339_MAX + 1];
		time_format_rfc3339(&r->ts, ts);
		size_t n = strlen(ts);
		ts[n++] = ' ';
		(void)write_all(fd, ts, n);
	}
	(void)write_all(fd, r->text, r->len);
}

static void take(struct logs *l, const char *line, size_t len)
{
	struct rec r;
	if (!parse_line(line, len, l->k8s, &r))
		return;
	if ((l->has_since && ts_cmp(&r.ts, &l->since) < 0) ||
	    (l->has_until && ts_cmp(&r.ts, &l->until) > 0)) {
		rec_clear(&r);
		return;
	}
	if (l->tail < 0 || l->tail_done) {
		emit(l, &r);
		rec_clear(&r);
		return;
	}
	if (l->tail == 0) {
		rec_clear(&r);
		return;
	}
	/* Keep the last `tail`: the oldest goes. */
	if (l->ring_n == (size_t)l->tail) {
		rec_clear(&l->ring[l->ring_at]);
		l->ring[l->ring_at] = r;
		l->ring_at = (l->ring_at + 1) % (size_t)l->tail;
	} else {
		l->ring[l->ring_n++] = r;
	}
}

static void tail_flush(struct logs *l)
{
	if (l->tail_done)
		return;
	for (size_t i = 0; i < l->ring_n; i++) {
		struct rec *r = &l->ring[(l->ring_at + i) % (l->ring_n ? l->ring_n : 1)];
		emit(l, r);
		rec_clear(r);
	}
	l->ring_n = 0;
	l->tail_done = true;
}

/* Read what the file has now; complete lines are records. */
static void read_more(struct logs *l, int fd)
{
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		l->part = xrealloc(l->part, l->part_len + (size_t)n);
		memcpy(l->part + l->part_len, buf, (size_t)n);
		l->part_len += (size_t)n;
		size_t start = 0;
		for (size_t i = 0; i < l->part_len; i++) {
			if (l->part[i] != '\n')
				continue;
			take(l, l->part + start, i - start);
			start = i + 1;
		}
		memmove(l->part, l->part + start, l->part_len - start);
		l->part_len -= start;
	}
}

/* "2026-11-22T10:00:00Z", a unix time "1700000000[.5]", or a duration
 * before now: "10m", "1h30m", "42s". */
static int parse_when(const char *s, struct timespec *ret)
{
	if (time_parse_rfc3339(s, ret) == 0)
		return 0;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end != s && !*end && errno == 0 && v >= 0) {
		ret->tv_sec = (time_t)v;
		ret->tv_nsec = (long)((v - (double)ret->tv_sec) * 1e9);
		return 0;
	}
	double secs = 0;
	const char *p = s;
	while (*p) {
		double n = strtod(p, &end);
		if (end == p)
			return -EINVAL;
		double unit = *end == 'h' ? 3600 : *end == 'm' && end[1] != 's' ? 60
			      : *end == 's'			      ? 1
			      : *end == 'm'			      ? 0.001
								      : -1;
		if (unit < 0)
			return -EINVAL;
		secs += n * unit;
		p = end + (*end == 'm' && end[1] == 's' ? 2 : 1);
	}
	clock_gettime(CLOCK_REALTIME, ret);
	double t = (double)ret->tv_sec + (double)ret->tv_nsec / 1e9 - secs;
	ret->tv_sec = (time_t)t;
	ret->tv_nsec = (long)((t - (double)ret->tv_sec) * 1e9);
	return 0;
}

static int follow(struct logs *l, int fd, const struct engine *en, const char *id,
		  const char *path)
{
	struct container c;
	if (container_load(en->root, id, &c, NULL) < 0)
		return 0;
	engine_refresh(en, &c);
	_cleanup_close_ int run = engine_run_pidfd(&c);
	container_clear(&c);
	if (run < 0)
		return 0;
	_cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in >= 0)
		(void)inotify_add_watch(in, path, IN_MODIFY);
	for (;;) {
		read_more(l, fd);
		struct pollfd p[2] = {{.fd = run, .events = POLLIN}, {.fd = in, .events = POLLIN}};
		/* Without inotify, a look every 100 ms. */
		int r = poll(p, 2, in >= 0 ? -1 : 100);
		if (r < 0 && errno != EINTR)
			return -1;
		if (p[1].revents) {
			char ev[4096];
			while (read(in, ev, sizeof(ev)) > 0)
				;
		}
		if (p[0].revents) {
			read_more(l, fd);
			return 0;
		}
	}
}

int cmd_logs(struct global *g, int argc, char **argv)
{
	bool f = false, timestamps = false, details = false;
	const char *tail = NULL, *since = NULL, *until = NULL;
	const struct opt opts[] = {
		{"follow", 'f', OPT_BOOL, &f, NULL, "follow the output while it runs"},
		{"tail", 'n', OPT_STRING, &tail, "N", "only the last N lines (default all)"},
		{"since", 0, OPT_STRING, &since, "TIME", "only lines since TIME (or 10m ago)"},
		{"until", 0, OPT_STRING, &until, "TIME", "only lines until TIME (or 10m ago)"},
		{"timestamps", 't', OPT_BOOL, &timestamps, NULL, "show the time of each line"},
		{"details", 0, OPT_BOOL, &details, NULL, "accepted"},
	};
	const struct opt_spec spec = {
		.usage = "logs [options] CONTAINER",
		.summary = "Show a container's output.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct logs l = {.timestamps = timestamps, .tail = -1};
	if (tail && !streq(tail, "all")) {
		int64_t v;
		if (parse_i64(tail, &v) < 0 || v < 0 || v > 10000000)
			return err_set(&e, ERR_INVALID, "invalid argument \"%s\" for \"--tail\" flag",
				       tail),
			       report(&e);
		l.tail = (long)v;
	}
	if (since) {
		if (parse_when(since, &l.since) < 0)
			return err_set(&e, ERR_INVALID, "invalid value for \"since\": %s", since),
			       report(&e);
		l.has_since = true;
	}
	if (until) {
		if (parse_when(until, &l.until) < 0)
			return err_set(&e, ERR_INVALID, "invalid value for \"until\": %s", until),
			       report(&e);
		l.has_until = true;
	}
	struct container c;
	if (engine_load(&g->en, args[0], &c, &e) < 0)
		return report(&e);
	_cleanup_free_ char *id = xstrdup(c.id);
	bool none = c.log_driver && streq(c.log_driver, "none");
	l.k8s = c.log_driver && streq(c.log_driver, "k8s-file");
	_cleanup_free_ char *path = engine_log_path(&g->en, &c);
	container_clear(&c);
	if (none)
		return err_set(&e, ERR_UNSUPPORTED,
			       "configured logging driver does not support reading"),
		       report(&e);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return err_sys(&e, errno, "open %s", path), report(&e);
	if (l.tail > 0)
		l.ring = xcalloc((size_t)l.tail, sizeof(*l.ring));
	if (fd >= 0)
		read_more(&l, fd);
	tail_flush(&l);
	int r = 0;
	if (f && fd < 0) {
		/* Not written yet: it will be once the container runs. */
		fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
	}
	if (f && fd >= 0)
		r = follow(&l, fd, &g->en, id, path);
	free(l.ring);
	free(l.part);
	return r < 0 ? EXIT_BERTH : 0;
}
