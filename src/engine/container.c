/* container.c: see container.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "engine/container.h"

#define RECORD_MAX (1u << 20)

static const char *const state_names[] = {"created", "running", "paused", "exited",
					   "restarting"};

const char *container_state_name(enum container_state s)
{
	return (size_t)s < ARRAY_SIZE(state_names) ? state_names[s] : "unknown";
}

int container_state_parse(const char *s, enum container_state *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_names); i++)
		if (streq(s, state_names[i])) {
			*ret = (enum container_state)i;
			return 0;
		}
	return -EINVAL;
}

static bool id_valid(const char *id)
{
	return strlen(id) == CONTAINER_ID_LEN && strspn(id, "0123456789abcdef") == CONTAINER_ID_LEN;
}

static char *cdir(const char *root, const char *id)
{
	return xasprintf("%s/containers/%s", root, id);
}

int container_save(const char *root, const struct container *c, struct err *e)
{
	if (!id_valid(c->id))
		return err_set(e, ERR_INVALID, "container id \"%s\" is not 64 hex digits", c->id);
	_cleanup_free_ char *dir = cdir(root, c->id);
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	_cleanup_json_ json_t *o = json_object();
	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "name", json_string(c->name ? c->name : ""));
	if (c->image)
		json_object_set_new(o, "image", json_string(c->image));
	if (c->image_id)
		json_object_set_new(o, "imageId", json_string(c->image_id));
	json_object_set_new(o, "command", json_string_array(c->command));
	json_t *labels = json_object();
	for (char **p = c->labels; p && p[0] && p[1]; p += 2)
		json_object_set_new(labels, p[0], json_string(p[1]));
	json_object_set_new(o, "labels", labels);
	if (c->created)
		json_object_set_new(o, "created", json_string(c->created));
	if (c->started)
		json_object_set_new(o, "started", json_string(c->started));
	if (c->finished)
		json_object_set_new(o, "finished", json_string(c->finished));
	json_object_set_new(o, "state", json_string(container_state_name(c->state)));
	json_object_set_new(o, "pid", json_integer(c->pid));
	json_object_set_new(o, "pidStart", json_integer((json_int_t)c->pid_start));
	json_object_set_new(o, "exitCode", json_integer(c->exit_code));
	json_object_set_new(o, "autoRemove", json_boolean(c->auto_remove));
	json_object_set_new(o, "tty", json_boolean(c->tty));
	json_object_set_new(o, "interactive", json_boolean(c->interactive));
	if (c->log_driver)
		json_object_set_new(o, "logDriver", json_string(c->log_driver));
	if (c->stop_signal)
		json_object_set_new(o, "stopSignal", json_string(c->stop_signal));
	json_object_set_new(o, "stopTimeout", json_integer(c->stop_timeout));
	if (c->runtime)
		json_object_set_new(o, "runtime", json_string(c->runtime));
	if (c->network)
		json_object_set_new(o, "network", json_string(c->network));
	if (c->ports)
		json_object_set_new(o, "ports", json_string_array(c->ports));
	if (c->ip)
		json_object_set_new(o, "ip", json_string(c->ip));
	if (c->ip_want)
		json_object_set_new(o, "ipWant", json_string(c->ip_want));
	if (c->aliases)
		json_object_set_new(o, "aliases", json_string_array(c->aliases));
	if (c->custom_dns)
		json_object_set_new(o, "customDns", json_true());
	if (c->cni)
		json_object_set_new(o, "cni", json_true());
	if (c->n_extra) {
		json_t *xs = json_array();
		for (size_t i = 0; i < c->n_extra; i++) {
			const struct net_extra *x = &c->extra[i];
			json_t *xo = json_pack("{s:s, s:i}", "name", x->name, "iface", (int)x->iface);
			if (x->ip_want)
				json_object_set_new(xo, "ipWant", json_string(x->ip_want));
			if (x->aliases)
				json_object_set_new(xo, "aliases", json_string_array(x->aliases));
			if (x->address)
				json_object_set_new(xo, "address", json_string(x->address));
			json_array_append_new(xs, xo);
		}
		json_object_set_new(o, "extraNetworks", xs);
	}
	if (c->ports_bound)
		json_object_set_new(o, "portsBound", json_string_array(c->ports_bound));
	if (c->restart_policy) {
		json_object_set_new(o, "restartPolicy", json_string(c->restart_policy));
		json_object_set_new(o, "restartMax", json_integer(c->restart_max));
	}
	json_object_set_new(o, "restartCount", json_integer(c->restart_count));
	if (c->manual_stop)
		json_object_set_new(o, "manualStop", json_true());
	if (c->restart_delay_ms)
		json_object_set_new(o, "restartDelayMs", json_integer((json_int_t)c->restart_delay_ms));
	if (c->restarter_pid) {
		json_object_set_new(o, "restarterPid", json_integer(c->restarter_pid));
		json_object_set_new(o, "restarterStart", json_integer((json_int_t)c->restarter_start));
	}
	if (c->health) {
		json_t *h = json_loads(c->health, 0, NULL);
		if (h)
			json_object_set_new(o, "health", h);
	}
	if (c->volumes) {
		json_t *vs = json_array();
		for (char **v = c->volumes; v[0] && v[1] && v[2]; v += 3)
			json_array_append_new(vs, json_pack("{s:s, s:s, s:b}", "name", v[0],
							    "destination", v[1], "anonymous",
							    streq(v[2], "anonymous")));
		json_object_set_new(o, "volumes", vs);
	}
	json_object_set_new(o, "monitorPid", json_integer(c->monitor_pid));
	json_object_set_new(o, "monitorStart", json_integer((json_int_t)c->monitor_start));
	_cleanup_free_ char *text = json_dump_string(o, true);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(e, errno, "container %.12s", c->id);
	if (write_file_atomic_at(dfd, "container.json", text, strlen(text), 0600, 0, e) < 0)
		return err_wrap(e, "container %.12s", c->id);
	return 0;
}

void net_extra_clear(struct net_extra *x)
{
	free(x->name);
	free(x->ip_want);
	strv_free(x->aliases);
	free(x->address);
	memset(x, 0, sizeof(*x));
}

void container_clear(struct container *c)
{
	free(c->name);
	free(c->image);
	free(c->image_id);
	strv_free(c->command);
	strv_free(c->labels);
	free(c->created);
	free(c->started);
	free(c->finished);
	free(c->log_driver);
	free(c->stop_signal);
	free(c->runtime);
	free(c->network);
	strv_free(c->ports);
	free(c->ip);
	free(c->ip_want);
	strv_free(c->aliases);
	strv_free(c->volumes);
	free(c->restart_policy);
	free(c->health);
	for (size_t i = 0; i < c->n_extra; i++)
		net_extra_clear(&c->extra[i]);
	free(c->extra);
	strv_free(c->ports_bound);
	memset(c, 0, sizeof(*c));
}

/* The record of id, below dfd (the containers directory) or the path
 * of it when dfd is AT_FDCWD. */
static int load_at(int dfd, const char *root, const char *id, struct container *c,
		   struct err *e)
{
	memset(c, 0, sizeof(*c));
	if (!id_valid(id))
		return err_set(e, ERR_INVALID, "container id \"%s\" is not 64 hex digits", id);
	char rel[CONTAINER_ID_LEN + 32];
	snprintf(rel, sizeof(rel), "%s/container.json", id);
	_cleanup_free_ char *path =
		dfd == AT_FDCWD ? xasprintf("%s/containers/%s", root, rel) : xstrdup(rel);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_record_at(dfd, path, RECORD_MAX, &buf, &len, e) < 0)
		return err_wrap(e, "container %.12s", id);
	_cleanup_json_ json_t *o = NULL;
	if (json_parse_buffer(buf, len, "container.json", &o, e) < 0)
		return err_wrap(e, "container %.12s", id);
	_cleanup_free_ char *rid = NULL, *state = NULL;
	int64_t pid = 0, code = 0, stop_timeout = -1, mpid = 0;
	uint64_t pstart = 0;
	json_t *labels = NULL;
	if (json_get_string(o, "", "id", true, &rid, e) < 0 ||
	    json_get_string(o, "", "name", false, &c->name, e) < 0 ||
	    json_get_string(o, "", "image", false, &c->image, e) < 0 ||
	    json_get_string(o, "", "imageId", false, &c->image_id, e) < 0 ||
	    json_get_strv(o, "", "command", false, &c->command, e) < 0 ||
	    json_get_object(o, "", "labels", false, &labels, e) < 0 ||
	    json_get_string(o, "", "created", false, &c->created, e) < 0 ||
	    json_get_string(o, "", "started", false, &c->started, e) < 0 ||
	    json_get_string(o, "", "finished", false, &c->finished, e) < 0 ||
	    json_get_string(o, "", "state", true, &state, e) < 0 ||
	    json_get_i64(o, "", "pid", false, &pid, e) < 0 ||
	    json_get_u64(o, "", "pidStart", false, &pstart, e) < 0 ||
	    json_get_i64(o, "", "exitCode", false, &code, e) < 0 ||
	    json_get_bool(o, "", "autoRemove", false, &c->auto_remove, e) < 0 ||
	    json_get_bool(o, "", "tty", false, &c->tty, e) < 0 ||
	    json_get_bool(o, "", "interactive", false, &c->interactive, e) < 0 ||
	    json_get_string(o, "", "logDriver", false, &c->log_driver, e) < 0 ||
	    json_get_string(o, "", "stopSignal", false, &c->stop_signal, e) < 0 ||
	    json_get_i64(o, "", "stopTimeout", false, &stop_timeout, e) < 0 ||
	    json_get_string(o, "", "runtime", false, &c->runtime, e) < 0 ||
	    json_get_string(o, "", "network", false, &c->network, e) < 0 ||
	    json_get_strv(o, "", "ports", false, &c->ports, e) < 0 ||
	    json_get_string(o, "", "ip", false, &c->ip, e) < 0 ||
	    json_get_string(o, "", "ipWant", false, &c->ip_want, e) < 0 ||
	    json_get_strv(o, "", "aliases", false, &c->aliases, e) < 0 ||
	    json_get_bool(o, "", "customDns", false, &c->custom_dns, e) < 0 ||
	    json_get_bool(o, "", "cni", false, &c->cni, e) < 0 ||
	    json_get_strv(o, "", "portsBound", false, &c->ports_bound, e) < 0 ||
	    json_get_i64(o, "", "monitorPid", false, &mpid, e) < 0 ||
	    json_get_u64(o, "", "monitorStart", false, &c->monitor_start, e) < 0) {
		container_clear(c);
		return err_wrap(e, "container %.12s", id);
	}
	if (!streq(rid, id) || container_state_parse(state, &c->state) < 0 || pid < 0 ||
	    pid > INT32_MAX || code < -1 || code > 255 || mpid < 0 || mpid > INT32_MAX ||
	    stop_timeout < -1 || stop_timeout > INT32_MAX) {
		container_clear(c);
		return err_set(e, ERR_INVALID, "container %.12s: container.json is damaged", id);
	}
	int64_t rmax = 0, rcount = 0, rpid = 0;
	if (json_get_string(o, "", "restartPolicy", false, &c->restart_policy, e) < 0 ||
	    json_get_i64(o, "", "restartMax", false, &rmax, e) < 0 ||
	    json_get_i64(o, "", "restartCount", false, &rcount, e) < 0 ||
	    json_get_bool(o, "", "manualStop", false, &c->manual_stop, e) < 0 ||
	    json_get_u64(o, "", "restartDelayMs", false, &c->restart_delay_ms, e) < 0 ||
	    json_get_i64(o, "", "restarterPid", false, &rpid, e) < 0 ||
	    json_get_u64(o, "", "restarterStart", false, &c->restarter_start, e) < 0) {
		container_clear(c);
		return err_wrap(e, "container %.12s", id);
	}
	c->restart_max = rmax > 0 && rmax < INT32_MAX ? (int)rmax : 0;
	c->restart_count = rcount > 0 && rcount < INT32_MAX ? (int)rcount : 0;
	c->restarter_pid = rpid > 0 && rpid < INT32_MAX ? (int)rpid : 0;
	json_t *hj = json_object_get(o, "health");
	if (json_is_object(hj))
		c->health = json_dumps(hj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_t *vs = json_object_get(o, "volumes"), *vo;
	size_t vi;
	json_array_foreach(vs, vi, vo)
	{
		const char *vn = json_string_value(json_object_get(vo, "name"));
		const char *vd = json_string_value(json_object_get(vo, "destination"));
		if (!vn || !vd)
			continue;
		strv_push(&c->volumes, vn);
		strv_push(&c->volumes, vd);
		strv_push(&c->volumes,
			  json_is_true(json_object_get(vo, "anonymous")) ? "anonymous" : "named");
	}
	json_t *xs = json_object_get(o, "extraNetworks"), *xo;
	size_t xi;
	json_array_foreach(xs, xi, xo)
	{
		struct net_extra x = {0};
		json_int_t iface = 0;
		if (json_get_string(xo, "extraNetworks", "name", true, &x.name, NULL) < 0) {
			net_extra_clear(&x);
			continue;
		}
		(void)json_get_string(xo, "", "ipWant", false, &x.ip_want, NULL);
		(void)json_get_strv(xo, "", "aliases", false, &x.aliases, NULL);
		(void)json_get_string(xo, "", "address", false, &x.address, NULL);
		iface = json_integer_value(json_object_get(xo, "iface"));
		x.iface = iface > 0 && iface < 100 ? (unsigned)iface : (unsigned)(c->n_extra + 1);
		c->extra = xrealloc(c->extra, (c->n_extra + 1) * sizeof(*c->extra));
		c->extra[c->n_extra++] = x;
	}
	const char *k;
	json_t *v;
	json_object_foreach(labels, k, v)
	{
		if (!json_is_string(v))
			continue;
		strv_push(&c->labels, k);
		strv_push(&c->labels, json_string_value(v));
	}
	memcpy(c->id, id, CONTAINER_ID_LEN + 1);
	c->pid = (int)pid;
	c->pid_start = pstart;
	c->exit_code = (int)code;
	c->stop_timeout = (int)stop_timeout;
	c->monitor_pid = (int)mpid;
	return 0;
}

/* ---- names ---- */

static char *name_path(const char *root, const char *name)
{
	return xasprintf("%s/containers/names/%s", root, name);
}

static bool record_exists(const char *root, const char *id)
{
	if (!id_valid(id))
		return false;
	_cleanup_free_ char *p = xasprintf("%s/containers/%s/container.json", root, id);
	return access(p, F_OK) == 0;
}

int container_name_reserve(const char *root, const char *name, const char *id, struct err *e)
{
	if (container_name_check(name, e) < 0)
		return -1;
	_cleanup_free_ char *dir = xasprintf("%s/containers/names", root);
	if (mkdir_p(dir, 0700, e) < 0)
		return -1;
	_cleanup_free_ char *p = name_path(root, name);
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			bool ok = write(fd, id, strlen(id)) == (ssize_t)strlen(id);
			close(fd);
			if (!ok) {
				unlink(p);
				return err_sys(e, errno, "reserve the name \"%s\"", name);
			}
			return 0;
		}
		if (errno != EEXIST)
			return err_sys(e, errno, "reserve the name \"%s\"", name);
		/* Taken: by a container that exists, or left by a killed create. */
		_cleanup_free_ char *owner = NULL;
		size_t len;
		if (read_file_at(AT_FDCWD, p, 128, &owner, &len, NULL) == 0 && record_exists(root, owner))
			return err_set(e, ERR_CONFLICT,
				       "Conflict. The container name \"/%s\" is already in use by "
				       "container \"%s\". You have to remove (or rename) that "
				       "container to be able to reuse that name.",
				       name, owner);
		/* A leftover, or a create still under way that has not written
		 * its record: only a file older than a minute is taken over. */
		struct stat st;
		if (stat(p, &st) == 0 && time(NULL) - st.st_mtime < 60 && attempt == 0 && owner &&
		    *owner)
			return err_set(e, ERR_CONFLICT,
				       "Conflict. The container name \"/%s\" is being taken by "
				       "container \"%s\"",
				       name, owner);
		unlink(p);
	}
	return err_set(e, ERR_CONFLICT, "the container name \"%s\" could not be taken", name);
}

int container_name_release(const char *root, const char *name, const char *id)
{
	_cleanup_free_ char *p = name_path(root, name);
	_cleanup_free_ char *owner = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, p, 128, &owner, &len, NULL) < 0 || !streq(owner, id))
		return 0; /* not ours */
	return unlink(p) < 0 && errno != ENOENT ? -errno : 0;
}

/* ---- listing and lookup ---- */

int container_load(const char *root, const char *id, struct container *c, struct err *e)
{
	return load_at(AT_FDCWD, root, id, c, e);
}

void container_list_free(struct container *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		container_clear(&l[i]);
	free(l);
}

int container_list(const char *root, struct container **ret, size_t *n, struct err *e)
{
	*ret = NULL;
	*n = 0;
	_cleanup_free_ char *dir = xasprintf("%s/containers", root);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : err_sys(e, errno, "list containers");
	struct container *l = NULL;
	size_t cnt = 0, alloc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!id_valid(de->d_name))
			continue;
		struct container c;
		if (load_at(dirfd(d), root, de->d_name, &c, NULL) < 0)
			continue; /* being created or removed */
		if (cnt == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			l = xrealloc(l, alloc * sizeof(*l));
		}
		l[cnt++] = c;
	}
	closedir(d);
	*ret = l;
	*n = cnt;
	return 0;
}

int container_lookup(const char *root, const char *what, char **ret_id, struct err *e)
{
	const char *name = what[0] == '/' ? what + 1 : what;
	if (id_valid(what) && record_exists(root, what)) {
		*ret_id = xstrdup(what);
		return 0;
	}
	/* A name. */
	if (container_name_check(name, NULL) == 0) {
		_cleanup_free_ char *p = name_path(root, name);
		_cleanup_free_ char *owner = NULL;
		size_t len;
		if (read_file_at(AT_FDCWD, p, 128, &owner, &len, NULL) == 0 &&
		    record_exists(root, owner)) {
			*ret_id = TAKE_PTR(owner);
			return 0;
		}
	}
	/* A unique id prefix. */
	size_t pl = strlen(what);
	if (pl > 0 && pl < CONTAINER_ID_LEN && strspn(what, "0123456789abcdef") == pl) {
		_cleanup_free_ char *dir = xasprintf("%s/containers", root);
		DIR *d = opendir(dir);
		char *found = NULL;
		bool ambiguous = false;
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (!id_valid(de->d_name) || strncmp(de->d_name, what, pl) != 0 ||
			    !record_exists(root, de->d_name))
				continue;
			if (found)
				ambiguous = true;
			else
				found = xstrdup(de->d_name);
		}
		if (d)
			closedir(d);
		if (ambiguous) {
			free(found);
			return err_set(e, ERR_CONFLICT,
				       "multiple IDs found with provided prefix: %s", what);
		}
		if (found) {
			*ret_id = found;
			return 0;
		}
	}
	return err_set(e, ERR_NOT_FOUND, "No such container: %s", what);
}

int container_delete(const char *root, const char *id, struct err *e)
{
	struct container c;
	if (container_load(root, id, &c, e) < 0)
		return -1;
	_cleanup_free_ char *parent = xasprintf("%s/containers", root);
	_cleanup_close_ int pfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = 0;
	/* The record first: from then on the container does not exist. */
	_cleanup_free_ char *rec = xasprintf("%s/container.json", id);
	if (pfd < 0 || unlinkat(pfd, rec, 0) < 0)
		r = err_sys(e, errno, "remove container %.12s", id);
	if (r == 0 && c.name && *c.name)
		(void)container_name_release(root, c.name, id);
	if (r == 0 && rm_rf_at(pfd, id, e) < 0)
		r = err_wrap(e, "remove container %.12s", id);
	container_clear(&c);
	return r;
}
