/* events.c: the event log (engine.h, "events"): docker's event objects,
 * one JSON line each, appended to <root>/events.log by whoever did the
 * thing (daemonless: there is no daemon to broadcast them).
 *
 * Writers: one write(2) of the whole line on an O_APPEND descriptor, so
 * lines of concurrent writers never interleave (the kernel takes the
 * file's position and writes under the inode's lock).  Past EVENTS_MAX
 * bytes the log is renamed to events.log.1 (the previous one dropped),
 * under <root>/events.lock and only when the file is still the big one, so
 * two writers never rotate twice.  A writer still holding the renamed file
 * finishes its line there: whole lines either way.  Failures are ignored:
 * an event never makes the command fail.
 *
 * Readers: events.log.1 then events.log, line by line; following, the
 * file is polled and reopened from its start when it was rotated. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/fs-util.h"
#include "base/lock.h"
#include "base/parse-util.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "engine/engine.h"

#define EVENTS_MAX (10u << 20)
#define EVENT_LINE_MAX 65536

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void rotate(const struct engine *en, const char *path, const struct stat *st)
{
	_cleanup_close_ int dfd = open(en->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	int lk = lock_path_at(dfd, "events.lock", LOCK_MODE_EXCLUSIVE, NULL);
	if (lk < 0)
		return;
	struct stat now;
	/* Still the file we found too big: nobody rotated meanwhile. */
	if (stat(path, &now) == 0 && now.st_ino == st->st_ino && now.st_dev == st->st_dev &&
	    now.st_size >= (off_t)EVENTS_MAX) {
		_cleanup_free_ char *old = xasprintf("%s.1", path);
		(void)rename(path, old);
	}
	close(lk);
}

void engine_event(const struct engine *en, const char *type, const char *action, const char *id,
		  char **attrs)
{
	if (!en || !en->root)
		return;
	int64_t t = now_ns();
	json_t *o = json_object();
	json_t *a = json_object();
	for (char **p = attrs; p && p[0] && p[1]; p += 2)
		json_object_set_new(a, p[0], json_string(p[1]));
	/* docker's older fields first, for containers and images. */
	if (streq(type, "container") || streq(type, "image")) {
		json_object_set_new(o, "status", json_string(action));
		json_object_set_new(o, "id", json_string(id ? id : ""));
		const char *from = json_string_value(json_object_get(a, "image"));
		if (from && streq(type, "container"))
			json_object_set_new(o, "from", json_string(from));
	}
	json_object_set_new(o, "Type", json_string(type));
	json_object_set_new(o, "Action", json_string(action));
	json_t *actor = json_object();
	json_object_set_new(actor, "ID", json_string(id ? id : ""));
	json_object_set_new(actor, "Attributes", a);
	json_object_set_new(o, "Actor", actor);
	json_object_set_new(o, "scope", json_string("local"));
	json_object_set_new(o, "time", json_integer(t / 1000000000));
	json_object_set_new(o, "timeNano", json_integer(t));
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!text)
		abort();
	size_t len = strlen(text);
	if (len + 1 >= EVENT_LINE_MAX) {
		free(text);
		return;
	}
	text[len] = '\n'; /* the NUL goes: one write of the whole line */
	_cleanup_free_ char *path = xasprintf("%s/events.log", en->root);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_size >= (off_t)EVENTS_MAX) {
			rotate(en, path, &st);
			close(fd);
			fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		}
	}
	if (fd >= 0) {
		ssize_t n;
		do
			n = write(fd, text, len + 1);
		while (n < 0 && errno == EINTR);
		close(fd);
	}
	free(text);
}

void engine_event_container(const struct engine *en, const struct container *c,
			    const char *action, char **extra)
{
	_cleanup_strv_ char **attrs = NULL;
	if (c->image) {
		strv_push(&attrs, "image");
		strv_push(&attrs, c->image);
	}
	strv_push(&attrs, "name");
	strv_push(&attrs, c->name ? c->name : "");
	for (char **l = c->labels; l && l[0] && l[1]; l += 2) {
		if (streq(l[0], "image") || streq(l[0], "name"))
			continue;
		strv_push(&attrs, l[0]);
		strv_push(&attrs, l[1]);
	}
	for (char **p = extra; p && p[0] && p[1]; p += 2) {
		strv_push(&attrs, p[0]);
		strv_push(&attrs, p[1]);
	}
	engine_event(en, "container", action, c->id, attrs);
}

void engine_event_for(const struct engine *en, const char *what, const char *action)
{
	struct container c;
	if (engine_load(en, what, &c, NULL) < 0)
		return;
	engine_event_container(en, &c, action, NULL);
	container_clear(&c);
}

void engine_event_died(const struct engine *en, const struct container *c, bool removed)
{
	char code[16];
	snprintf(code, sizeof(code), "%d", c->exit_code);
	char *extra[] = {(char *)"exitCode", code, NULL};
	engine_event_container(en, c, "die", extra);
	if (removed)
		engine_event_container(en, c, "destroy", NULL);
}

/* ---- times ---- */

int engine_time_parse(const char *s, int64_t now, int64_t *ret, struct err *e)
{
	struct timespec ts;
	if (time_parse_rfc3339(s, &ts) == 0) {
		*ret = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		return 0;
	}
	/* A date alone, or a date and time without a zone (UTC). */
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || *end)
		end = (memset(&tm, 0, sizeof(tm)), strptime(s, "%Y-%m-%d", &tm));
	if (end && !*end) {
		*ret = (int64_t)timegm(&tm) * 1000000000;
		return 0;
	}
	/* Unix seconds, with an optional fraction. */
	const char *dot = strchr(s, '.');
	_cleanup_free_ char *sec = dot ? xstrndup(s, (size_t)(dot - s)) : xstrdup(s);
	int64_t v;
	if (parse_i64(sec, &v) == 0 && v >= 0) {
		int64_t frac = 0;
		if (dot) {
			size_t n = strlen(dot + 1);
			if (n == 0 || n > 9 || strspn(dot + 1, "0123456789") != n)
				goto duration;
			char buf[10] = "000000000";
			memcpy(buf, dot + 1, n);
			(void)parse_i64(buf, &frac);
		}
		*ret = v * 1000000000 + frac;
		return 0;
	}
duration:;
	uint64_t d;
	if (parse_duration(s, &d) == 0 && !strchr("0123456789", s[strlen(s) - 1])) {
		*ret = now - (int64_t)d;
		return 0;
	}
	return err_set(e, ERR_INVALID, "invalid time \"%s\" (RFC 3339, unix seconds or a "
		       "duration like 10m)", s);
}

/* ---- reading ---- */

static const char *const filter_keys[] = {"type",  "event", "container", "image",
					  "volume", "network", "label", "scope"};

int engine_events_filter_check(char **filters, struct err *e)
{
	for (char **f = filters; f && *f; f++) {
		const char *eq = strchr(*f, '=');
		bool ok = false;
		for (size_t i = 0; eq && i < ARRAY_SIZE(filter_keys); i++)
			ok |= strlen(filter_keys[i]) == (size_t)(eq - *f) &&
			      !strncmp(*f, filter_keys[i], (size_t)(eq - *f));
		if (!ok)
			return err_set(e, ERR_INVALID, "invalid filter \"%s\" (type, event, "
				       "container, image, volume, network, label)", *f);
	}
	return 0;
}

static const char *attr(char **attrs, const char *k)
{
	for (char **p = attrs; p && p[0] && p[1]; p += 2)
		if (streq(p[0], k))
			return p[1];
	return NULL;
}

static bool filter_one(const struct engine_event_rec *r, const char *key, const char *val)
{
	if (streq(key, "type"))
		return streq(r->type, val);
	if (streq(key, "event"))
		return streq(r->action, val) ||
		       (!strncmp(r->action, val, strlen(val)) && r->action[strlen(val)] == ':');
	if (streq(key, "scope"))
		return streq(val, "local");
	if (streq(key, "label")) {
		const char *eq = strchr(val, '=');
		_cleanup_free_ char *k = eq ? xstrndup(val, (size_t)(eq - val)) : xstrdup(val);
		const char *v = attr(r->attrs, k);
		return v && (!eq || streq(v, eq + 1));
	}
	/* container, image, volume, network: the object by id (a prefix)
	 * or by name. */
	if (!streq(key, r->type) && !(streq(key, "image") && streq(r->type, "container")))
		return false;
	if (streq(key, "image") && streq(r->type, "container")) {
		const char *im = attr(r->attrs, "image");
		return im && streq(im, val);
	}
	const char *name = attr(r->attrs, "name");
	if (name && streq(name, val))
		return true;
	return *val && !strncmp(r->id, val, strlen(val));
}

static bool filter_match(const struct engine_event_rec *r, char **filters)
{
	for (char **f = filters; f && *f; f++) {
		size_t klen = (size_t)(strchr(*f, '=') - *f);
		bool any = false;
		for (char **g = filters; g && *g && !any; g++)
			if (!strncmp(*g, *f, klen + 1)) {
				_cleanup_free_ char *k = xstrndup(*g, klen);
				any = filter_one(r, k, *g + klen + 1);
			}
		if (!any)
			return false;
	}
	return true;
}

/* One line: parsed, checked against the options, handed on.  Returns
 * fn's result, 0 to go on, or 2 once past --until. */
static int one_line(const char *line, size_t len, const struct engine_events_opts *o,
		    engine_event_fn fn, void *data)
{
	json_t *j = json_loadb(line, len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return 0; /* a torn or foreign line: skipped */
	}
	struct engine_event_rec r = {
		.type = json_string_value(json_object_get(j, "Type")),
		.action = json_string_value(json_object_get(j, "Action")),
		.time_nano = json_integer_value(json_object_get(j, "timeNano")),
		.line = line,
	};
	json_t *actor = json_object_get(j, "Actor");
	r.id = json_string_value(json_object_get(actor, "ID"));
	json_t *a = json_object_get(actor, "Attributes");
	const char *k;
	json_t *v;
	char **attrs = NULL;
	json_object_foreach(a, k, v)
		if (json_is_string(v)) {
			strv_push(&attrs, k);
			strv_push(&attrs, json_string_value(v));
		}
	r.attrs = attrs;
	int ret = 0;
	if (!r.type || !r.action || !r.id)
		ret = 0;
	else if (o->until_ns && r.time_nano > o->until_ns)
		ret = 2;
	else if ((!o->since_ns || r.time_nano >= o->since_ns) && filter_match(&r, o->filters))
		ret = fn(&r, data);
	strv_free(attrs);
	json_decref(j);
	return ret;
}

struct reader {
	int fd;
	struct stat st;
	char *buf;
	size_t len;
};

/* The complete lines read so far from rd; a partial one waits. */
static int drain(struct reader *rd, const struct engine_events_opts *o, engine_event_fn fn,
		 void *data)
{
	for (;;) {
		if (rd->len < EVENT_LINE_MAX) {
			rd->buf = xrealloc(rd->buf, EVENT_LINE_MAX);
			ssize_t n = read(rd->fd, rd->buf + rd->len, EVENT_LINE_MAX - rd->len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n > 0)
				rd->len += (size_t)n;
		}
		char *nl;
		size_t used = 0;
		bool any = false;
		while ((nl = memchr(rd->buf + used, '\n', rd->len - used))) {
			int r = one_line(rd->buf + used, (size_t)(nl - rd->buf - used), o, fn, data);
			used = (size_t)(nl - rd->buf) + 1;
			any = true;
			if (r != 0) {
				memmove(rd->buf, rd->buf + used, rd->len - used);
				rd->len -= used;
				return r;
			}
		}
		if (used == 0 && rd->len == EVENT_LINE_MAX)
			used = rd->len; /* a line too long: dropped */
		memmove(rd->buf, rd->buf + used, rd->len - used);
		rd->len -= used;
		if (!any && used == 0)
			return 0;
	}
}

static int read_file(const char *path, const struct engine_events_opts *o, engine_event_fn fn,
		     void *data, struct reader *keep)
{
	struct reader rd = {.fd = open(path, O_RDONLY | O_CLOEXEC)};
	if (rd.fd < 0)
		return 0;
	(void)fstat(rd.fd, &rd.st);
	int r = drain(&rd, o, fn, data);
	if (keep && r == 0) {
		*keep = rd;
		return 0;
	}
	close(rd.fd);
	free(rd.buf);
	return r;
}

int engine_events_read(const struct engine *en, const struct engine_events_opts *o,
		       engine_event_fn fn, void *data, struct err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/events.log", en->root);
	_cleanup_free_ char *old = xasprintf("%s.1", path);
	int r = read_file(old, o, fn, data, NULL);
	if (r < 0)
		return r;
	if (r > 0)
		return 0;
	bool follow = o->follow || (o->until_ns && o->until_ns > now_ns());
	struct reader rd = {.fd = -1};
	r = read_file(path, o, fn, data, follow ? &rd : NULL);
	if (r != 0 || !follow)
		return r < 0 ? r : 0;
	while (!(o->stop && *o->stop)) {
		if (o->until_ns && now_ns() > o->until_ns)
			break;
		struct timespec ts = {0, 100000000};
		nanosleep(&ts, NULL);
		if (rd.fd >= 0) {
			r = drain(&rd, o, fn, data);
			if (r != 0)
				break;
		}
		/* Rotated (or made): read the rest of the old one, then the
		 * new one from its start. */
		struct stat st;
		if (stat(path, &st) == 0 && (rd.fd < 0 || st.st_ino != rd.st.st_ino)) {
			if (rd.fd >= 0) {
				r = drain(&rd, o, fn, data);
				close(rd.fd);
			}
			free(rd.buf);
			rd = (struct reader){.fd = open(path, O_RDONLY | O_CLOEXEC)};
			if (rd.fd >= 0)
				(void)fstat(rd.fd, &rd.st);
			if (r != 0)
				break;
		}
	}
	if (rd.fd >= 0)
		close(rd.fd);
	free(rd.buf);
	(void)e;
	return r < 0 ? r : 0;
}
