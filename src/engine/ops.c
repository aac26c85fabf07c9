/* ops.c: the container commands around the lifecycle (engine.h, "ops"):
 * pause and unpause (the runtime's freezer), rename (names are O_EXCL
 * files: the new one taken before the old one goes), update (limits on the
 * live cgroup and in config.json, the restart policy in the record), top
 * (the container's processes from /proc, or the host's ps), stats (one
 * sample: the runtime's cgroup numbers, the network namespace's
 * interfaces, the processes' I/O), container prune and system df. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/parse-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "engine/engine.h"
#include "engine/internal.h"
#include "engine/volume.h"
#include "image/store.h"
#include "oci/resources.h"
#include "runtime/runtime.h"

#define PROC_FILE_MAX (1u << 20)

/* ---- the runtime of a container: the library, or a binary ---- */

static int run_binary(const struct engine *en, const struct container *c, const char *verb,
		      struct err *e)
{
	_cleanup_free_ char *root = engine_runtime_root_of(en, c->runtime);
	char *argv[] = {c->runtime, (char *)"--root", root, (char *)verb, (char *)c->id, NULL};
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(e, errno, "fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, errno, "wait for %s", c->runtime);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_set(e, ERR_INTERNAL, "%s %s %.12s failed", c->runtime, verb, c->id);
	return 0;
}

static int freeze(const struct engine *en, const struct container *c, bool on, struct err *e)
{
	if (c->runtime)
		return run_binary(en, c, on ? "pause" : "resume", e);
	_cleanup_free_ char *root = engine_runtime_root_of(en, c->runtime);
	struct runtime_ctx rt = {.root = root};
	return on ? runtime_pause(&rt, c->id, e) : runtime_resume(&rt, c->id, e);
}

void engine_thaw(const struct engine *en, const struct container *c)
{
	if (c->state == CONTAINER_PAUSED)
		(void)freeze(en, c, false, NULL);
}

static int lock_what(const struct engine *en, const char *what, struct container *c, int *lk,
		     struct err *e)
{
	_cleanup_free_ char *id = NULL;
	if (container_lookup(en->root, what, &id, e) < 0)
		return -1;
	return engine_lock_load(en, id, c, lk, NULL, e);
}

static int pause_or_not(const struct engine *en, const char *what, bool on, struct err *e)
{
	struct container c;
	int lk;
	if (lock_what(en, what, &c, &lk, e) < 0)
		return -1;
	int r;
	if (on && c.state == CONTAINER_PAUSED)
		r = err_set(e, ERR_CONFLICT, "Container %s is already paused", c.id);
	else if (on && c.state != CONTAINER_RUNNING)
		r = err_set(e, ERR_CONFLICT, "Container %s is not running", c.id);
	else if (!on && c.state != CONTAINER_PAUSED)
		r = err_set(e, ERR_CONFLICT, "Container %s is not paused", c.id);
	else
		r = freeze(en, &c, on, e);
	if (r == 0) {
		c.state = on ? CONTAINER_PAUSED : CONTAINER_RUNNING;
		r = container_save(en->root, &c, e);
		if (r < 0)
			(void)freeze(en, &c, !on, NULL);
	}
	container_clear(&c);
	close(lk);
	return r;
}

int engine_pause(const struct engine *en, const char *what, struct err *e)
{
	return pause_or_not(en, what, true, e);
}

int engine_unpause(const struct engine *en, const char *what, struct err *e)
{
	return pause_or_not(en, what, false, e);
}

/* ---- rename ---- */

int engine_rename(const struct engine *en, const char *what, const char *name, char **ret_old,
		  struct err *e)
{
	if (name[0] == '/')
		name++;
	if (container_name_check(name, e) < 0)
		return -1;
	struct container c;
	int lk;
	if (lock_what(en, what, &c, &lk, e) < 0)
		return -1;
	int r = 0;
	if (c.name && streq(c.name, name))
		r = err_set(e, ERR_INVALID, "Error when allocating new name: Renaming a container "
			    "with the same name as its current name");
	else if (container_name_reserve(en->root, name, c.id, e) < 0)
		r = err_wrap(e, "Error when allocating new name");
	if (r == 0) {
		char *old = c.name;
		c.name = xstrdup(name);
		if (container_save(en->root, &c, e) < 0) {
			(void)container_name_release(en->root, name, c.id);
			r = -1;
		} else if (old && *old) {
			(void)container_name_release(en->root, old, c.id);
		}
		if (r == 0 && ret_old)
			*ret_old = old ? old : xstrdup("");
		else
			free(old);
	}
	container_clear(&c);
	close(lk);
	return r;
}

/* ---- update ---- */

/* o's values as linux.resources (what changes only). */
static int update_resources(const struct engine_update_opts *o, json_t *res, struct err *e)
{
	json_t *mem = json_object(), *cpu = json_object();
	int r = 0;
	int64_t limit = 0;
	if (o->memory) {
		uint64_t v;
		if (parse_size(o->memory, &v) < 0 || v > INT64_MAX)
			r = err_set(e, ERR_INVALID, "invalid --memory \"%s\"", o->memory);
		else if (v < 6 * 1024 * 1024)
			r = err_set(e, ERR_INVALID, "minimum memory limit allowed is 6MB");
		else
			json_object_set_new(mem, "limit", json_integer(limit = (int64_t)v));
	}
	if (r == 0 && o->memory_swap) {
		uint64_t v;
		int64_t swap;
		if (streq(o->memory_swap, "-1"))
			swap = -1;
		else if (parse_size(o->memory_swap, &v) < 0 || v > INT64_MAX)
			return json_decref(mem), json_decref(cpu),
			       err_set(e, ERR_INVALID, "invalid --memory-swap \"%s\"", o->memory_swap);
		else
			swap = (int64_t)v;
		if (swap > 0 && limit && swap < limit)
			r = err_set(e, ERR_INVALID, "Minimum memoryswap limit should be larger than "
				    "memory limit, see usage");
		json_object_set_new(mem, "swap", json_integer(swap));
	} else if (r == 0 && limit) {
		/* docker's default: as much swap again. */
		json_object_set_new(mem, "swap", json_integer(2 * limit));
	}
	if (r == 0 && o->cpus) {
		char *end;
		errno = 0;
		double v = strtod(o->cpus, &end);
		if (errno || end == o->cpus || *end || v < 0 || v > 4096)
			r = err_set(e, ERR_INVALID, "invalid --cpus \"%s\"", o->cpus);
		else {
			json_object_set_new(cpu, "period", json_integer(100000));
			json_object_set_new(cpu, "quota", json_integer(v == 0 ? -1 : (json_int_t)(v * 100000)));
		}
	}
	if (r == 0 && o->cpu_shares) {
		uint64_t v;
		if (parse_u64(o->cpu_shares, &v) < 0 || v > 262144)
			r = err_set(e, ERR_INVALID, "invalid --cpu-shares \"%s\"", o->cpu_shares);
		else
			json_object_set_new(cpu, "shares", json_integer((json_int_t)v));
	}
	if (r == 0 && o->cpuset_cpus) {
		if (cpu_list_parse(o->cpuset_cpus, NULL, NULL) < 0)
			r = err_set(e, ERR_INVALID, "invalid --cpuset-cpus \"%s\"", o->cpuset_cpus);
		else
			json_object_set_new(cpu, "cpus", json_string(o->cpuset_cpus));
	}
	if (r == 0 && o->pids_limit) {
		int64_t v;
		if (parse_i64(o->pids_limit, &v) < 0 || v < -1)
			r = err_set(e, ERR_INVALID, "invalid --pids-limit \"%s\"", o->pids_limit);
		else {
			json_t *p = json_object();
			json_object_set_new(p, "limit", json_integer(v <= 0 ? -1 : v));
			json_object_set_new(res, "pids", p);
		}
	}
	if (json_object_size(mem))
		json_object_set(res, "memory", mem);
	if (json_object_size(cpu))
		json_object_set(res, "cpu", cpu);
	json_decref(mem);
	json_decref(cpu);
	return r;
}

/* Merge res into config.json's linux.resources (the next runs). */
static int update_config(const struct engine *en, const char *id, json_t *res, struct err *e)
{
	_cleanup_free_ char *dir = xasprintf("%s/containers/%s", en->root, id);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "container %.12s", id);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(dfd, "config.json", 16u << 20, &buf, &len, e) < 0)
		return -1;
	json_t *cfg;
	if (json_parse_buffer(buf, len, "config.json", &cfg, e) < 0)
		return -1;
	json_t *lx = json_object_get(cfg, "linux");
	if (!json_is_object(lx)) {
		lx = json_object();
		json_object_set_new(cfg, "linux", lx);
	}
	json_t *cur = json_object_get(lx, "resources");
	if (!json_is_object(cur)) {
		cur = json_object();
		json_object_set_new(lx, "resources", cur);
	}
	const char *k;
	json_t *v;
	json_object_foreach(res, k, v) {
		json_t *have = json_object_get(cur, k);
		if (json_is_object(have))
			json_object_update(have, v);
		else
			json_object_set(cur, k, v);
	}
	char *text = json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(cfg);
	if (!text)
		abort();
	int r = write_file_atomic_at(dfd, "config.json", text, strlen(text), 0600, 0, e);
	free(text);
	return r;
}

int engine_update(const struct engine *en, const char *what, const struct engine_update_opts *o,
		  struct err *e)
{
	json_t *res = json_object();
	_cleanup_free_ char *policy = NULL;
	int max = 0;
	if (update_resources(o, res, e) < 0 ||
	    (o->restart && engine_restart_policy_parse(o->restart, &policy, &max, e) < 0)) {
		json_decref(res);
		return -1;
	}
	struct container c;
	int lk;
	if (lock_what(en, what, &c, &lk, e) < 0) {
		json_decref(res);
		return -1;
	}
	int r = 0;
	if (policy && c.auto_remove && !streq(policy, "no"))
		r = err_set(e, ERR_INVALID, "Restart policy cannot be updated because AutoRemove "
			    "is enabled for the container");
	bool live = c.state == CONTAINER_RUNNING || c.state == CONTAINER_PAUSED;
	if (r == 0 && json_object_size(res) && live) {
		if (c.runtime) {
			r = err_set(e, ERR_UNSUPPORTED, "update container %.12s: not with the "
				    "runtime %s", c.id, c.runtime);
		} else {
			char *text = json_dumps(res, JSON_COMPACT);
			struct oci_resources *or = text ? oci_resources_parse(text, strlen(text),
								"linux.resources", e) : NULL;
			free(text);
			_cleanup_free_ char *root = engine_runtime_root_of(en, c.runtime);
			struct runtime_ctx rt = {.root = root};
			if (!or || runtime_update(&rt, c.id, or, e) < 0)
				r = err_wrap(e, "Cannot update container %.12s", c.id);
			oci_resources_free(or);
		}
	}
	if (r == 0 && json_object_size(res))
		r = update_config(en, c.id, res, e);
	if (r == 0 && policy) {
		free(c.restart_policy);
		c.restart_policy = TAKE_PTR(policy);
		c.restart_max = max;
		r = container_save(en->root, &c, e);
	}
	json_decref(res);
	container_clear(&c);
	close(lk);
	return r;
}

/* ---- processes ---- */

static int container_pids(const struct engine *en, const struct container *c, pid_t **ret,
			  size_t *n, struct err *e)
{
	if (c->state != CONTAINER_RUNNING && c->state != CONTAINER_PAUSED)
		return err_set(e, ERR_CONFLICT, "container %s is not running", c->id);
	_cleanup_free_ char *root = engine_runtime_root_of(en, c->runtime);
	if (c->runtime) {
		/* An external runtime's cgroup is not ours to read: the init
		 * alone. */
		*ret = xmalloc(sizeof(pid_t));
		(*ret)[0] = c->pid;
		*n = 1;
		return 0;
	}
	struct runtime_ctx rt = {.root = root};
	return runtime_pids(&rt, c->id, ret, n, e);
}

static char *proc_read(pid_t pid, const char *file)
{
	_cleanup_free_ char *p = xasprintf("/proc/%d/%s", (int)pid, file);
	char *s = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, p, PROC_FILE_MAX, &s, &len, NULL) < 0)
		return NULL;
	return s;
}

/* /proc/<pid>/stat's fields after the command (field 3 is [0]). */
static char **stat_fields(pid_t pid, char **ret_comm)
{
	_cleanup_free_ char *s = proc_read(pid, "stat");
	char *open = s ? strchr(s, '(') : NULL, *close = s ? strrchr(s, ')') : NULL;
	if (!open || !close || close < open)
		return NULL;
	if (ret_comm)
		*ret_comm = xstrndup(open + 1, (size_t)(close - open - 1));
	char **f = NULL, *save = NULL;
	for (char *t = strtok_r(close + 1, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		strv_push(&f, t);
	return f;
}

static char *user_name(uid_t uid)
{
	_cleanup_free_ char *pw = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, "/etc/passwd", PROC_FILE_MAX, &pw, &len, NULL) == 0) {
		char *save = NULL;
		for (char *l = strtok_r(pw, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			char *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
			if (!c3)
				continue;
			*c3 = '\0';
			if ((uid_t)strtoul(c2 + 1, NULL, 10) == uid && c2 > c1 + 0)
				return xstrndup(l, (size_t)(c1 - l));
		}
	}
	return xasprintf("%u", (unsigned)uid);
}

static uint64_t boot_time(void)
{
	_cleanup_free_ char *s = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, "/proc/stat", PROC_FILE_MAX, &s, &len, NULL) < 0)
		return 0;
	char *b = strstr(s, "\nbtime ");
	return b ? strtoull(b + 7, NULL, 10) : 0;
}

static char **proc_row(pid_t pid, uint64_t btime, long hz)
{
	_cleanup_free_ char *comm = NULL;
	_cleanup_strv_ char **f = stat_fields(pid, &comm);
	if (!f || strv_length(f) < 20)
		return NULL;
	/* f[0] is field 3 (state): ppid 4, tty_nr 7, utime 14, stime 15,
	 * starttime 22. */
	_cleanup_free_ char *status = proc_read(pid, "status");
	char *u = status ? strstr(status, "\nUid:") : NULL;
	uid_t euid = 0;
	if (u) {
		unsigned a = 0, b = 0;
		if (sscanf(u + 5, "%u %u", &a, &b) == 2)
			euid = b;
	}
	uint64_t ticks = strtoull(f[11], NULL, 10) + strtoull(f[12], NULL, 10);
	uint64_t start = strtoull(f[19], NULL, 10);
	time_t started = (time_t)(btime + start / (uint64_t)hz);
	time_t now = time(NULL);
	uint64_t secs = ticks / (uint64_t)hz;
	int c = now > started ? (int)(ticks * 100 / (uint64_t)hz / (uint64_t)(now - started)) : 0;
	struct tm tm;
	localtime_r(&started, &tm);
	char stime[16];
	if (now - started < 86400)
		strftime(stime, sizeof(stime), "%H:%M", &tm);
	else
		strftime(stime, sizeof(stime), "%b%d", &tm);
	unsigned tty = (unsigned)strtoul(f[4], NULL, 10);
	_cleanup_free_ char *cmdline = NULL;
	{
		_cleanup_free_ char *p = xasprintf("/proc/%d/cmdline", (int)pid);
		size_t len = 0;
		if (read_file_at(AT_FDCWD, p, 65536, &cmdline, &len, NULL) == 0 && len) {
			for (size_t i = 0; i + 1 < len; i++)
				if (!cmdline[i])
					cmdline[i] = ' ';
		} else {
			free(cmdline);
			cmdline = xasprintf("[%s]", comm);
		}
	}
	char **row = NULL;
	strv_consume(&row, user_name(euid));
	strv_consume(&row, xasprintf("%d", (int)pid));
	strv_push(&row, f[1]);
	strv_consume(&row, xasprintf("%d", c));
	strv_push(&row, stime);
	strv_consume(&row, tty && major(tty) == 136 ? xasprintf("pts/%u", minor(tty))
						     : xstrdup("?"));
	strv_consume(&row, xasprintf("%02llu:%02llu:%02llu", (unsigned long long)(secs / 3600),
				     (unsigned long long)(secs / 60 % 60),
				     (unsigned long long)(secs % 60)));
	strv_push(&row, cmdline);
	return row;
}

static bool pid_in(pid_t p, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

/* The host's ps with args; its rows of our pids (docker's way). */
static int top_ps(char **ps_args, const pid_t *pids, size_t n, struct engine_top *t,
		  struct err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	_cleanup_strv_ char **argv = NULL;
	strv_push(&argv, "ps");
	for (char **a = ps_args; *a; a++)
		strv_push(&argv, *a);
	pid_t child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(e, errno, "fork");
	}
	if (child == 0) {
		dup2(p[1], 1);
		execvp("ps", argv);
		_exit(127);
	}
	close(p[1]);
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	int rr = read_all_fd(p[0], 16u << 20, &out, &len);
	close(p[0]);
	int st;
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (rr < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return err_set(e, ERR_INVALID, "Error running top: ps %s failed%s",
			       ps_args[0], WIFEXITED(st) && WEXITSTATUS(st) == 127 ?
			       " (no ps on this host)" : "");
	char *save = NULL;
	char *hdr = strtok_r(out, "\n", &save);
	if (!hdr)
		return err_set(e, ERR_INVALID, "Error running top: ps printed nothing");
	char *s2 = NULL;
	for (char *w = strtok_r(hdr, " \t", &s2); w; w = strtok_r(NULL, " \t", &s2))
		strv_push(&t->titles, w);
	size_t nt = strv_length(t->titles), pidcol = nt;
	for (size_t i = 0; i < nt; i++)
		if (streq(t->titles[i], "PID"))
			pidcol = i;
	if (pidcol == nt)
		return err_set(e, ERR_INVALID, "Couldn't find PID field in ps output");
	for (char *l = strtok_r(NULL, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char **row = NULL;
		char *q = l;
		for (size_t i = 0; i < nt; i++) {
			q += strspn(q, " \t");
			if (i + 1 == nt) {
				strv_push(&row, q);
				break;
			}
			size_t w = strcspn(q, " \t");
			strv_consume(&row, xstrndup(q, w));
			q += w;
		}
		int pv;
		if (strv_length(row) == nt && parse_int(row[pidcol], &pv) == 0 &&
		    pid_in((pid_t)pv, pids, n)) {
			t->rows = xrealloc(t->rows, (t->n + 1) * sizeof(*t->rows));
			t->rows[t->n++] = row;
		} else {
			strv_free(row);
		}
	}
	return 0;
}

int engine_top(const struct engine *en, const char *what, char **ps_args, struct engine_top *t,
	       struct err *e)
{
	*t = (struct engine_top){0};
	struct container c;
	if (engine_load(en, what, &c, e) < 0)
		return -1;
	pid_t *pids = NULL;
	size_t n = 0;
	int r = container_pids(en, &c, &pids, &n, e);
	container_clear(&c);
	if (r < 0)
		return -1;
	if (ps_args && *ps_args) {
		r = top_ps(ps_args, pids, n, t, e);
	} else {
		const char *titles[] = {"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"};
		for (size_t i = 0; i < ARRAY_SIZE(titles); i++)
			strv_push(&t->titles, titles[i]);
		uint64_t bt = boot_time();
		long hz = sysconf(_SC_CLK_TCK);
		if (hz <= 0)
			hz = 100;
		for (size_t i = 0; i < n; i++) {
			char **row = proc_row(pids[i], bt, hz);
			if (!row)
				continue; /* gone meanwhile */
			t->rows = xrealloc(t->rows, (t->n + 1) * sizeof(*t->rows));
			t->rows[t->n++] = row;
		}
	}
	free(pids);
	if (r < 0)
		engine_top_clear(t);
	return r;
}

void engine_top_clear(struct engine_top *t)
{
	strv_free(t->titles);
	for (size_t i = 0; i < t->n; i++)
		strv_free(t->rows[i]);
	free(t->rows);
	*t = (struct engine_top){0};
}

/* ---- stats ---- */

static uint64_t host_memory(void)
{
	_cleanup_free_ char *s = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, "/proc/meminfo", PROC_FILE_MAX, &s, &len, NULL) < 0)
		return 0;
	char *m = strstr(s, "MemTotal:");
	return m ? strtoull(m + 9, NULL, 10) * 1024 : 0;
}

static uint64_t jnum(json_t *o, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(o, a);
	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	json_int_t i = json_integer_value(v);
	return i > 0 ? (uint64_t)i : 0;
}

static void net_io(pid_t pid, uint64_t *rx, uint64_t *tx)
{
	_cleanup_free_ char *s = proc_read(pid, "net/dev");
	char *save = NULL;
	int line = 0;
	for (char *l = s ? strtok_r(s, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		if (line++ < 2)
			continue;
		char *colon = strchr(l, ':');
		if (!colon)
			continue;
		*colon = '\0';
		l += strspn(l, " ");
		if (streq(l, "lo"))
			continue;
		unsigned long long v[9];
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
			*rx += v[0];
			*tx += v[8];
		}
	}
}

static void blk_io(pid_t pid, uint64_t *rd, uint64_t *wr)
{
	_cleanup_free_ char *s = proc_read(pid, "io");
	char *r = s ? strstr(s, "\nread_bytes:") : NULL, *w = s ? strstr(s, "\nwrite_bytes:") : NULL;
	if (r)
		*rd += strtoull(r + 12, NULL, 10);
	if (w)
		*wr += strtoull(w + 13, NULL, 10);
}

int engine_stats(const struct engine *en, const char *what, struct engine_stats *ret,
		 struct err *e)
{
	*ret = (struct engine_stats){0};
	struct container c;
	if (engine_load(en, what, &c, e) < 0)
		return -1;
	memcpy(ret->id, c.id, sizeof(ret->id));
	ret->name = xstrdup(c.name ? c.name : "");
	ret->sample_ns = time_mono_ns();
	if (c.state != CONTAINER_RUNNING && c.state != CONTAINER_PAUSED) {
		container_clear(&c);
		return 0; /* docker shows zeros for a stopped one */
	}
	int r = 0;
	if (!c.runtime) {
		_cleanup_free_ char *root = engine_runtime_root_of(en, c.runtime);
		struct runtime_ctx rt = {.root = root};
		_cleanup_free_ char *text = NULL;
		bool running = false;
		json_t *j = NULL;
		if (runtime_stats(&rt, c.id, &text, &running, e) < 0 ||
		    json_parse_buffer(text, strlen(text), "stats", &j, e) < 0) {
			r = -1;
		} else {
			ret->running = running;
			ret->cpu_ns = jnum(j, "cpu", "usage", "total");
			uint64_t usage = jnum(j, "memory", "usage", "usage");
			/* docker: the page cache that could go is not use. */
			json_t *raw = json_object_get(json_object_get(j, "memory"), "raw");
			uint64_t inactive = jnum(raw, "total_inactive_file", NULL, NULL);
			if (!json_object_get(raw, "total_inactive_file"))
				inactive = jnum(raw, "inactive_file", NULL, NULL);
			ret->mem_usage = usage > inactive ? usage - inactive : usage;
			ret->mem_limit = jnum(j, "memory", "usage", "limit");
			ret->pids = jnum(j, "pids", "current", NULL);
			json_decref(j);
		}
	} else {
		ret->running = true;
	}
	uint64_t host = host_memory();
	if (!ret->mem_limit || (host && ret->mem_limit > host))
		ret->mem_limit = host;
	if (r == 0) {
		net_io(c.pid, &ret->net_rx, &ret->net_tx);
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		if (container_pids(en, &c, &pids, &n, NULL) == 0)
			for (size_t i = 0; i < n; i++)
				blk_io(pids[i], &ret->blk_read, &ret->blk_write);
		if (c.runtime)
			ret->pids = n;
	}
	container_clear(&c);
	if (r < 0)
		engine_stats_clear(ret);
	return r;
}

void engine_stats_clear(struct engine_stats *s)
{
	free(s->name);
	s->name = NULL;
}

/* ---- sizes, prune, df ---- */

/* The bytes of the files below dirfd/name, on its file system only. */
static uint64_t du_at(int at, const char *name, dev_t dev, int depth)
{
	struct stat st;
	if (depth > 256 || fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (dev && st.st_dev != dev))
		return 0;
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? (uint64_t)st.st_size : 0;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	uint64_t sum = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			sum += du_at(dirfd(d), de->d_name, st.st_dev, depth + 1);
	closedir(d);
	return sum;
}

static uint64_t du(const char *path)
{
	return du_at(AT_FDCWD, path, 0, 0);
}

static uint64_t container_size(const struct engine *en, const char *id)
{
	_cleanup_free_ char *p = xasprintf("%s/containers/%s/fs/upper", en->root, id);
	return du(p);
}

static bool label_match(char **labels, const char *val)
{
	const char *eq = strchr(val, '=');
	size_t klen = eq ? (size_t)(eq - val) : strlen(val);
	for (char **l = labels; l && l[0] && l[1]; l += 2)
		if (strlen(l[0]) == klen && !strncmp(l[0], val, klen) && (!eq || streq(l[1], eq + 1)))
			return true;
	return false;
}

static int prune_filters(char **filters, int64_t *until, struct err *e)
{
	*until = 0;
	for (char **f = filters; f && *f; f++) {
		if (!strncmp(*f, "until=", 6)) {
			struct timespec now;
			clock_gettime(CLOCK_REALTIME, &now);
			if (engine_time_parse(*f + 6, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec,
					      until, e) < 0)
				return -1;
		} else if (strncmp(*f, "label=", 6) && strncmp(*f, "label!=", 7)) {
			return err_set(e, ERR_INVALID, "invalid filter \"%s\" (label, label!, until)",
				       *f);
		}
	}
	return 0;
}

static bool prune_match(const struct container *c, char **filters, int64_t until)
{
	for (char **f = filters; f && *f; f++) {
		if (!strncmp(*f, "label=", 6) && !label_match(c->labels, *f + 6))
			return false;
		if (!strncmp(*f, "label!=", 7) && label_match(c->labels, *f + 7))
			return false;
	}
	if (until) {
		struct timespec ts;
		if (!c->created || time_parse_rfc3339(c->created, &ts) < 0)
			return false;
		if ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec >= until)
			return false;
	}
	return true;
}

int engine_prune(const struct engine *en, char **filters, char ***ret_removed,
		 uint64_t *ret_space, struct err *e)
{
	*ret_removed = NULL;
	*ret_space = 0;
	int64_t until;
	if (prune_filters(filters, &until, e) < 0)
		return -1;
	struct container *l;
	size_t n;
	if (container_list(en->root, &l, &n, e) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct container *c = &l[i];
		engine_refresh(en, c);
		if (c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED ||
		    c->state == CONTAINER_RESTARTING || !prune_match(c, filters, until))
			continue;
		uint64_t size = container_size(en, c->id);
		_cleanup_err_ struct err re = ERR_INIT;
		if (engine_remove(en, c->id, false, false, NULL, &re) < 0) {
			/* Started or removed meanwhile: not ours to prune. */
			if (re.kind != ERR_NOT_FOUND && re.kind != ERR_CONFLICT) {
				err_move(e, &re);
				r = -1;
			}
			continue;
		}
		engine_event_container(en, c, "destroy", NULL);
		*ret_space += size;
		strv_push(ret_removed, c->id);
	}
	container_list_free(l, n);
	return r;
}

int engine_df(const struct engine *en, struct engine_df *ret, struct err *e)
{
	*ret = (struct engine_df){0};
	struct container *l;
	size_t n;
	if (container_list(en->root, &l, &n, e) < 0)
		return -1;
	char **used_images = NULL;
	for (size_t i = 0; i < n; i++) {
		engine_refresh(en, &l[i]);
		bool up = l[i].state == CONTAINER_RUNNING || l[i].state == CONTAINER_PAUSED;
		uint64_t size = container_size(en, l[i].id);
		ret->containers.total++;
		ret->containers.size += size;
		if (up)
			ret->containers.active++;
		else
			ret->containers.reclaimable += size;
		if (l[i].image_id && !strv_contains(used_images, l[i].image_id))
			strv_push(&used_images, l[i].image_id);
	}
	container_list_free(l, n);

	struct store s;
	int r = store_open(en->root, STORE_READ, &s, e);
	if (r == 0) {
		struct store_index idx;
		r = store_index_load(&s, &idx, e);
		if (r == 0) {
			/* Layers count once; reclaimable: those of unused images
			 * only. */
			char **seen = NULL, **kept = NULL;
			for (size_t i = 0; i < idx.n; i++) {
				bool active = strv_contains(used_images, idx.images[i].id);
				ret->images.total++;
				if (active)
					ret->images.active++;
				for (char **d = idx.images[i].layers; d && *d; d++) {
					if (active && !strv_contains(kept, *d))
						strv_push(&kept, *d);
					if (strv_contains(seen, *d))
						continue;
					strv_push(&seen, *d);
					ret->images.size += store_layer_size(&s, *d);
				}
			}
			uint64_t kept_size = 0;
			for (char **d = kept; d && *d; d++)
				kept_size += store_layer_size(&s, *d);
			ret->images.reclaimable =
				ret->images.size > kept_size ? ret->images.size - kept_size : 0;
			strv_free(seen);
			strv_free(kept);
			store_index_clear(&idx);
		}
		/* The build cache: one entry per cached step. */
		int cfd = openat(s.rootfd, "build-cache", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd >= 0) {
			DIR *d = fdopendir(cfd);
			struct dirent *de;
			while (d && (de = readdir(d)))
				if (de->d_name[0] != '.')
					ret->cache.total++;
			if (d)
				closedir(d);
			else
				close(cfd);
			ret->cache.size = du_at(s.rootfd, "build-cache", 0, 0);
			ret->cache.reclaimable = ret->cache.size;
		}
		store_close(&s);
	}
	strv_free(used_images);
	if (r < 0)
		return -1;

	struct volume *vl;
	size_t vn;
	if (volume_list(en->root, &vl, &vn, e) < 0)
		return -1;
	for (size_t i = 0; i < vn; i++) {
		_cleanup_strv_ char **users = NULL;
		(void)volume_users(en->root, vl[i].name, &users, NULL);
		uint64_t size = vl[i].mountpoint ? du(vl[i].mountpoint) : 0;
		ret->volumes.total++;
		ret->volumes.size += size;
		if (users && users[0])
			ret->volumes.active++;
		else
			ret->volumes.reclaimable += size;
	}
	volume_list_free(vl, vn);
	return 0;
}
