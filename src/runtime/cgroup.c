/* cgroup.c: see cgroup.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/parse-util.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "runtime/cgroup-internal.h"

static const char *const v1_controllers[] = {
	"cpu",	     "cpuacct", "cpuset",   "memory", "devices", "freezer", "net_cls",
	"blkio",     "perf_event", "net_prio", "hugetlb", "pids",  "rdma",    "misc",
};

static bool is_v1_controller(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++)
		if (streq(s, v1_controllers[i]))
			return true;
	return startswith(s, "name=");
}

const char *cgroup_mode_name(enum cgroup_mode m)
{
	switch (m) {
	case CGROUP_MODE_V1:
		return "v1";
	case CGROUP_MODE_V2:
		return "v2";
	default:
		return "hybrid";
	}
}

void cgroup_host_clear(struct cgroup_host *host)
{
	for (size_t i = 0; i < host->n; i++) {
		free(host->h[i].mountpoint);
		free(host->h[i].controllers);
		free(host->h[i].own_path);
	}
	host->n = 0;
}

/* Undo the octal escapes of /proc/self/mountinfo (\040 for a space). */
static void unescape(char *s)
{
	char *d = s;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else
			*d++ = *s++;
	}
	*d = '\0';
}

static void add_hierarchy(struct cgroup_host *host, const char *mp, const char *ctrl, bool v2)
{
	for (size_t i = 0; i < host->n; i++)
		if (streq(host->h[i].controllers, ctrl) && host->h[i].v2 == v2)
			return; /* the same hierarchy mounted twice */
	if (host->n >= CGROUP_MAX_HIERARCHIES)
		return;
	struct cgroup_hierarchy *h = &host->h[host->n++];
	h->mountpoint = xstrdup(mp);
	h->controllers = xstrdup(ctrl);
	h->own_path = xstrdup("/");
	h->v2 = v2;
}

int cgroup_detect(struct cgroup_host *host, struct err *e)
{
	_cleanup_free_ char *mi = NULL, *cg = NULL;
	memset(host, 0, sizeof(*host));
	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 16u << 20, &mi, NULL, e) < 0 ||
	    read_file_at(AT_FDCWD, "/proc/self/cgroup", 1u << 20, &cg, NULL, e) < 0)
		return err_wrap(e, "detect cgroups");
	bool unified_root = false;
	char *save = NULL;
	for (char *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* id parent maj:min root mountpoint opts [optional...] - type source superopts */
		char *sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		char *f[6] = {0};
		char *s2 = NULL, *tok = strtok_r(line, " ", &s2);
		for (int i = 0; i < 6 && tok; i++, tok = strtok_r(NULL, " ", &s2))
			f[i] = tok;
		char *s3 = NULL;
		char *type = strtok_r(sep + 3, " ", &s3);
		strtok_r(NULL, " ", &s3); /* source */
		char *super = strtok_r(NULL, " ", &s3);
		if (!f[4] || !type || !f[3] || !streq(f[3], "/"))
			continue;
		unescape(f[4]);
		if (streq(type, "cgroup2")) {
			add_hierarchy(host, f[4], "", true);
			if (streq(f[4], "/sys/fs/cgroup"))
				unified_root = true;
		} else if (streq(type, "cgroup") && super) {
			_cleanup_strv_ char **ctrls = NULL;
			char *s4 = NULL;
			for (char *o = strtok_r(super, ",", &s4); o; o = strtok_r(NULL, ",", &s4))
				if (is_v1_controller(o))
					strv_push(&ctrls, o);
			if (!ctrls)
				continue;
			_cleanup_free_ char *joined = NULL;
			for (char **c = ctrls; *c; c++) {
				char *j = joined ? xasprintf("%s,%s", joined, *c) : xstrdup(*c);
				free(joined);
				joined = j;
			}
			add_hierarchy(host, f[4], joined, false);
		}
	}
	bool any_v1 = false, any_v2 = false;
	for (size_t i = 0; i < host->n; i++) {
		any_v1 |= !host->h[i].v2;
		any_v2 |= host->h[i].v2;
	}
	if (host->n == 0)
		return err_set(e, ERR_UNSUPPORTED, "detect cgroups: no cgroup filesystem is mounted");
	if (any_v2 && !any_v1 && !unified_root)
		return err_set(e, ERR_UNSUPPORTED,
			       "detect cgroups: cgroup2 is mounted but not at /sys/fs/cgroup");
	host->mode = !any_v1 ? CGROUP_MODE_V2 : any_v2 ? CGROUP_MODE_HYBRID : CGROUP_MODE_V1;

	/* hierarchy-id:controllers:path */
	save = NULL;
	for (char *line = strtok_r(cg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctrl = c1 + 1, *path = c2 + 1;
		for (size_t i = 0; i < host->n; i++) {
			struct cgroup_hierarchy *h = &host->h[i];
			if (h->v2 ? streq(line, "0") && !*ctrl : streq(h->controllers, ctrl)) {
				free(h->own_path);
				h->own_path = xstrdup(path);
			}
		}
	}
	return 0;
}

/* systemd's unit path for slice "a-b.slice": "/a.slice/a-b.slice". */
static int slice_path(const char *slice, struct strbuf *sb, struct err *e)
{
	if (!*slice || streq(slice, "-.slice"))
		return 0;
	size_t n = strlen(slice);
	if (n < 7 || strcmp(slice + n - 6, ".slice") || strchr(slice, '/') || slice[0] == '-' ||
	    strstr(slice, "--") || slice[n - 7] == '-')
		return err_set(e, ERR_INVALID, "linux.cgroupsPath: \"%s\" is not a slice name", slice);
	for (size_t i = 0; i < n - 6; i++)
		if (slice[i] == '-')
			strbuf_addf(sb, "/%.*s.slice", (int)i, slice);
	strbuf_addf(sb, "/%s", slice);
	return 0;
}

static int systemd_path(const char *spec, char **ret, struct err *e)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *c1 = strchr(copy, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || strchr(c2 + 1, ':'))
		return err_set(e, ERR_INVALID,
			       "linux.cgroupsPath: \"%s\" is neither a path nor slice:prefix:name",
			       spec);
	*c1 = *c2 = '\0';
	const char *slice = *copy ? copy : "system.slice", *prefix = c1 + 1, *name = c2 + 1;
	if (!*name || strchr(name, '/') || strchr(prefix, '/') || streq(name, ".") ||
	    streq(name, "..") || streq(prefix, ".") || streq(prefix, ".."))
		return err_set(e, ERR_INVALID, "linux.cgroupsPath: \"%s\": bad unit name", spec);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	if (slice_path(slice, &sb, e) < 0)
		return -1;
	if (*prefix)
		strbuf_addf(&sb, "/%s-%s.scope", prefix, name);
	else
		strbuf_addf(&sb, "/%s", name);
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

int cgroup_resolve_path(const struct cgroup_host *host, const char *cgroups_path, const char *id,
			char **ret, struct err *e)
{
	if (!cgroups_path || !*cgroups_path) {
		*ret = xasprintf("/berth/%s", id);
		return 0;
	}
	if (strchr(cgroups_path, ':') && cgroups_path[0] != '/')
		return systemd_path(cgroups_path, ret, e);
	_cleanup_free_ char *joined = NULL;
	if (cgroups_path[0] == '/')
		joined = xstrdup(cgroups_path);
	else
		joined = path_join(host->n ? host->h[0].own_path : "/", cgroups_path);
	_cleanup_free_ char *clean = path_clean(joined);
	if (streq(clean, "/"))
		return err_set(e, ERR_INVALID, "linux.cgroupsPath: \"%s\" is the root cgroup",
			       cgroups_path);
	*ret = TAKE_PTR(clean);
	return 0;
}

char *cgroup_dir(const struct cgroup_host *host, size_t i, const char *path)
{
	return path_join(host->h[i].mountpoint, path);
}

/* A new v1 cpuset cgroup starts with no cpus and no memory nodes, and
 * refuses tasks until both are set: copy them down from the parent, level
 * by level, for the levels this call creates. */
static int cpuset_fill(const char *dir, struct err *e)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	_cleanup_free_ char *parent = xstrdup(dir);
	char *slash = strrchr(parent, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *mine = path_join(dir, files[i]);
		_cleanup_free_ char *theirs = path_join(parent, files[i]);
		_cleanup_free_ char *cur = NULL, *val = NULL;
		if (read_file_at(AT_FDCWD, mine, 4096, &cur, NULL, e) < 0)
			return -1;
		if (cur[0] != '\n' && cur[0] != '\0')
			continue;
		if (read_file_at(AT_FDCWD, theirs, 4096, &val, NULL, e) < 0 ||
		    write_file_at(AT_FDCWD, mine, val, e) < 0)
			return -1;
	}
	return 0;
}

static int mkdir_cgroup(const char *dir, bool cpuset, struct err *e)
{
	if (mkdir(dir, 0755) == 0)
		return cpuset ? cpuset_fill(dir, e) : 0;
	if (errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return err_sys(e, errno, "mkdir \"%s\"", dir);
	_cleanup_free_ char *parent = xstrdup(dir);
	char *slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return err_sys(e, ENOENT, "mkdir \"%s\"", dir);
	*slash = '\0';
	if (mkdir_cgroup(parent, cpuset, e) < 0)
		return -1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return err_sys(e, errno, "mkdir \"%s\"", dir);
	return cpuset ? cpuset_fill(dir, e) : 0;
}

int cgroup_create(const struct cgroup_host *host, const char *path, struct err *e)
{
	for (size_t i = 0; i < host->n; i++) {
		_cleanup_free_ char *dir = cgroup_dir(host, i, path);
		bool cpuset = !host->h[i].v2 && strstr(host->h[i].controllers, "cpuset") != NULL;
		if (mkdir_cgroup(dir, cpuset, e) < 0)
			return err_wrap(e, "create cgroup");
	}
	if (host->mode == CGROUP_MODE_V2 && cgroup_v2_delegate(host, path, e) < 0)
		return err_wrap(e, "create cgroup");
	return 0;
}

/* A v1 hierarchy's controller list holds controller as a whole element. */
static bool has_controller(const char *list, const char *controller)
{
	size_t l = strlen(controller);
	for (const char *p = list; (p = strstr(p, controller)); p += l)
		if ((p == list || p[-1] == ',') && (p[l] == ',' || p[l] == '\0'))
			return true;
	return false;
}

char *cgroup_ctrl_dir(const struct cgroup_host *host, const char *controller, const char *path)
{
	for (size_t i = 0; i < host->n; i++) {
		const struct cgroup_hierarchy *h = &host->h[i];
		bool match = host->mode == CGROUP_MODE_V2 ? h->v2
			     : controller	    ? !h->v2 && has_controller(h->controllers, controller)
						    : h->v2;
		if (match)
			return cgroup_dir(host, i, path);
	}
	return NULL;
}

int cg_write(const char *dir, const char *file, const char *val, struct err *e)
{
	_cleanup_free_ char *p = path_join(dir, file);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(e, errno, "cgroup: open \"%s\"", p);
	ssize_t n = write(fd, val, strlen(val));
	if (n < 0)
		return err_sys(e, errno, "cgroup: write \"%s\" to \"%s\"", val, p);
	return 0;
}

int cg_writef(const char *dir, const char *file, struct err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *v = xvasprintf(fmt, ap);
	va_end(ap);
	return cg_write(dir, file, v, e);
}

int cg_read(const char *dir, const char *file, char **ret, struct err *e)
{
	_cleanup_free_ char *p = path_join(dir, file);
	size_t len;
	if (read_file_at(AT_FDCWD, p, 1u << 20, ret, &len, e) < 0)
		return -1;
	while (len && (*ret)[len - 1] == '\n')
		(*ret)[--len] = '\0';
	return 0;
}

bool cg_exists(const char *dir, const char *file)
{
	_cleanup_free_ char *p = path_join(dir, file);
	return access(p, F_OK) == 0;
}

struct oci_dev_rule *cgroup_device_rules(const struct oci_resources *r,
					 const struct oci_linux *lx, size_t *ret_n)
{
	static const struct oci_dev_rule always[] = {
		{true, 'c', -1, -1, "m"},  {true, 'b', -1, -1, "m"},   /* mknod: access decides */
		{true, 'c', 1, 3, "rwm"},  {true, 'c', 1, 5, "rwm"},   /* null, zero */
		{true, 'c', 1, 7, "rwm"},  {true, 'c', 1, 8, "rwm"},   /* full, random */
		{true, 'c', 1, 9, "rwm"},  {true, 'c', 5, 0, "rwm"},   /* urandom, tty */
		{true, 'c', 5, 1, "rwm"},  {true, 'c', 5, 2, "rwm"},   /* console, ptmx */
		{true, 'c', 136, -1, "rwm"},			       /* the pts */
	};
	size_t n = r->n_devices + ARRAY_SIZE(always) + lx->n_devices;
	struct oci_dev_rule *out = xnew(struct oci_dev_rule, n);
	size_t k = 0;
	for (size_t i = 0; i < r->n_devices; i++)
		out[k++] = r->devices[i];
	/* Only when the config restricts devices at all. */
	if (r->n_devices) {
		for (size_t i = 0; i < ARRAY_SIZE(always); i++)
			out[k++] = always[i];
		for (size_t i = 0; i < lx->n_devices; i++) {
			const struct oci_device *d = &lx->devices[i];
			if (d->type == 'p')
				continue;
			out[k++] = (struct oci_dev_rule){true, d->type == 'b' ? 'b' : 'c', d->major,
							 d->minor, "rwm"};
		}
	}
	*ret_n = k;
	return out;
}

int cgroup_apply(const struct cgroup_host *host, const char *path, const struct oci_resources *r,
		 const struct oci_linux *lx, struct err *e)
{
	if (host->mode == CGROUP_MODE_V2)
		return cgroup_v2_apply(host, path, r, lx, e);
	return cgroup_v1_apply(host, path, r, lx, e);
}

char *cgroup_freezer_file(const struct cgroup_host *host, const char *path)
{
	_cleanup_free_ char *dir = cgroup_ctrl_dir(
		host, host->mode == CGROUP_MODE_V2 ? NULL : "freezer", path);
	if (!dir)
		return NULL;
	return path_join(dir, host->mode == CGROUP_MODE_V2 ? "cgroup.freeze" : "freezer.state");
}

bool cgroup_freezer_file_frozen(const char *file)
{
	char buf[16];
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return startswith(buf, "FROZEN") || startswith(buf, "FREEZING") || startswith(buf, "1");
}

int cgroup_freeze(const struct cgroup_host *host, const char *path, bool freeze, struct err *e)
{
	_cleanup_free_ char *file = cgroup_freezer_file(host, path);
	if (!file)
		return err_set(e, ERR_UNSUPPORTED, "no cgroup freezer on this host");
	bool v2 = host->mode == CGROUP_MODE_V2;
	_cleanup_free_ char *dir = xstrdup(file);
	*strrchr(dir, '/') = '\0';
	const char *want = v2 ? (freeze ? "1" : "0") : (freeze ? "FROZEN" : "THAWED");
	if (cg_write(dir, v2 ? "cgroup.freeze" : "freezer.state", want, e) < 0)
		return -1;
	/* Freezing completes asynchronously: wait for it (about 5 s at most). */
	for (int i = 0; i < 1000; i++) {
		_cleanup_free_ char *st = NULL;
		if (cg_read(dir, v2 ? "cgroup.events" : "freezer.state", &st, e) < 0)
			return -1;
		bool done = v2 ? strstr(st, freeze ? "frozen 1" : "frozen 0") != NULL
			       : streq(st, want);
		if (done)
			return 0;
		if (!v2 && freeze && i % 50 == 49)
			(void)cg_write(dir, "freezer.state", want, NULL); /* v1 may need a nudge */
		nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
	}
	return err_set(e, ERR_IO, "%s the cgroup: timed out", freeze ? "freeze" : "thaw");
}

char *cgroup_stats_json(const struct cgroup_host *host, const char *path)
{
	json_t *data = json_object();
	if (host->mode == CGROUP_MODE_V2)
		cgroup_v2_stats(host, path, data);
	else
		cgroup_v1_stats(host, path, data);
	char *s = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(data);
	if (!s)
		abort();
	return s;
}

int cgroup_enter(const struct cgroup_host *host, const char *path, pid_t pid, struct err *e)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < host->n; i++) {
		_cleanup_free_ char *dir = cgroup_dir(host, i, path);
		_cleanup_free_ char *procs = path_join(dir, "cgroup.procs");
		if (write_file_at(AT_FDCWD, procs, buf, e) < 0)
			return err_wrap(e, "join cgroup");
	}
	return 0;
}

/* Remove dir and the cgroups below it, deepest first (a container may have
 * made its own: systemd in a container, nested engines). */
static int rmdir_tree(const char *dir, int depth, struct err *e)
{
	if (depth > 64)
		return err_set(e, ERR_INVALID, "remove cgroup \"%s\": nested too deep", dir);
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		int r = 0;
		while (r == 0 && (de = readdir(d)))
			if (de->d_type == DT_DIR && de->d_name[0] != '.') {
				_cleanup_free_ char *sub = path_join(dir, de->d_name);
				r = rmdir_tree(sub, depth + 1, e);
			}
		closedir(d);
		if (r < 0)
			return -1;
	}
	/* A cgroup whose last task just exited can stay busy for a moment. */
	for (int attempt = 0;; attempt++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || attempt >= 200)
			return err_sys(e, errno, "remove cgroup \"%s\"", dir);
		nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
	}
}

int cgroup_destroy(const struct cgroup_host *host, const char *path, struct err *e)
{
	int r = 0;
	for (size_t i = 0; i < host->n; i++) {
		_cleanup_free_ char *dir = cgroup_dir(host, i, path);
		/* Every hierarchy, even after a failure: leave as little as we can. */
		if (rmdir_tree(dir, 0, r < 0 ? NULL : e) < 0)
			r = -1;
	}
	return r;
}

static void pids_below(const char *dir, int depth, pid_t **ret, size_t *n)
{
	_cleanup_free_ char *procs = path_join(dir, "cgroup.procs");
	_cleanup_free_ char *buf = NULL;
	if (depth > 64 || read_file_at(AT_FDCWD, procs, 16u << 20, &buf, NULL, NULL) < 0)
		return;
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int pid;
		if (parse_int(l, &pid) < 0 || pid <= 0)
			continue;
		*ret = xreallocarray(*ret, *n + 1, sizeof(pid_t));
		(*ret)[(*n)++] = pid;
	}
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			_cleanup_free_ char *sub = path_join(dir, de->d_name);
			pids_below(sub, depth + 1, ret, n);
		}
	closedir(d);
}

int cgroup_pids(const struct cgroup_host *host, const char *path, pid_t **ret, size_t *n,
		struct err *e)
{
	*ret = NULL;
	*n = 0;
	for (size_t i = 0; i < host->n; i++) {
		_cleanup_free_ char *dir = cgroup_dir(host, i, path);
		if (access(dir, F_OK) < 0)
			continue;
		pids_below(dir, 0, ret, n);
		return 0;
	}
	return err_set(e, ERR_NOT_FOUND, "cgroup \"%s\": no hierarchy lists its processes", path);
}

bool cgroup_populated(const struct cgroup_host *host, const char *path)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	return cgroup_pids(host, path, &pids, &n, NULL) == 0 && n > 0;
}
