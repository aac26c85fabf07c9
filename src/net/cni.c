/* cni.c: see cni.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "net/cni.h"

#define CONF_MAX (1u << 20)
#define OUT_MAX (1u << 20)

/* A single plugin's configuration as a list of one. */
static json_t *as_list(json_t *conf)
{
	if (json_object_get(conf, "plugins"))
		return json_incref(conf);
	json_t *list = json_object();
	json_object_set(list, "cniVersion", json_object_get(conf, "cniVersion"));
	json_object_set(list, "name", json_object_get(conf, "name"));
	json_t *plugins = json_array();
	json_array_append(plugins, conf);
	json_object_set_new(list, "plugins", plugins);
	return list;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cni_find(const char *dir, const char *name, json_t **ret, struct err *e)
{
	*ret = NULL;
	DIR *d = opendir(dir);
	if (!d)
		return err_set(e, ERR_NOT_FOUND, "network %s not found", name);
	struct dirent *de;
	_cleanup_strv_ char **files = NULL;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if ((l > 9 && !strcmp(de->d_name + l - 9, ".conflist")) ||
		    (l > 5 && !strcmp(de->d_name + l - 5, ".conf")) ||
		    (l > 5 && !strcmp(de->d_name + l - 5, ".json")))
			strv_push(&files, de->d_name);
	}
	closedir(d);
	/* In name order, as the spec says (the first one of a name wins). */
	size_t nf = strv_length(files);
	if (nf > 1)
		qsort(files, nf, sizeof(*files), cmp_str);
	for (char **f = files; f && *f; f++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, *f);
		_cleanup_free_ char *text = NULL;
		size_t len;
		_cleanup_json_ json_t *conf = NULL;
		if (read_file_at(AT_FDCWD, path, CONF_MAX, &text, &len, NULL) < 0 ||
		    json_parse_buffer(text, len, path, &conf, NULL) < 0 || !json_is_object(conf))
			continue;
		const char *n = json_string_value(json_object_get(conf, "name"));
		if (!n || strcmp(n, name) != 0)
			continue;
		json_t *list = as_list(conf);
		json_t *plugins = json_object_get(list, "plugins");
		if (!json_is_array(plugins) || json_array_size(plugins) == 0 ||
		    !json_is_string(json_object_get(list, "cniVersion"))) {
			json_decref(list);
			return err_set(e, ERR_INVALID, "CNI network %s (%s): no cniVersion or plugins",
				       name, path);
		}
		*ret = list;
		return 0;
	}
	return err_set(e, ERR_NOT_FOUND, "network %s not found", name);
}

/* The plugin's binary: the first directory of path that has it. */
static char *plugin_path(const char *path, const char *type)
{
	if (!type || !*type || strchr(type, '/'))
		return NULL;
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, type);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Run one plugin: conf on its stdin, its stdout in *out. */
static int exec_plugin(const char *bin, const char *cmd, const struct cni_ctx *c,
		       const char *conf, char **out, int *status, struct err *e)
{
	int in[2], o[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	if (pipe2(o, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return err_sys(e, errno, "pipe");
	}
	_cleanup_strv_ char **env = NULL;
	strv_consume(&env, xasprintf("CNI_COMMAND=%s", cmd));
	strv_consume(&env, xasprintf("CNI_CONTAINERID=%s", c->id));
	strv_consume(&env, xasprintf("CNI_NETNS=%s", c->netns));
	strv_consume(&env, xasprintf("CNI_IFNAME=%s", c->ifname));
	strv_consume(&env, xasprintf("CNI_ARGS=IgnoreUnknown=1"));
	strv_consume(&env, xasprintf("CNI_PATH=%s", c->path));
	strv_push(&env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (dup2(in[0], 0) < 0 || dup2(o[1], 1) < 0 || null < 0 || dup2(null, 2) < 0)
			_exit(127);
		char *argv[] = {(char *)bin, NULL};
		execve(bin, argv, env);
		_exit(127);
	}
	int saved = errno;
	close(in[0]);
	close(o[1]);
	if (pid < 0) {
		close(in[1]);
		close(o[0]);
		return err_sys(e, saved, "fork");
	}
	(void)write_all(in[1], conf, strlen(conf));
	close(in[1]);
	int r = read_all_fd(o[0], OUT_MAX, out, NULL);
	close(o[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	if (r < 0)
		return err_sys(e, r, "read the plugin's answer");
	return 0;
}

/* The plugin's stdin: its configuration, the list's name and version,
 * the previous result, the runtime config it declared it takes. */
static char *plugin_conf(const json_t *list, const json_t *plugin, const json_t *prev,
			 const struct cni_ctx *c)
{
	_cleanup_json_ json_t *p = json_deep_copy(plugin);
	json_object_set(p, "cniVersion", json_object_get(list, "cniVersion"));
	json_object_set(p, "name", json_object_get(list, "name"));
	if (prev)
		json_object_set(p, "prevResult", (json_t *)prev);
	json_t *caps = json_object_get(plugin, "capabilities");
	if (c->port_mappings && json_is_true(json_object_get(caps, "portMappings"))) {
		json_t *rc = json_object();
		json_object_set(rc, "portMappings", c->port_mappings);
		json_object_set_new(p, "runtimeConfig", rc);
	}
	return json_dumps(p, JSON_COMPACT);
}

/* One command through the list; result: the last ADD result. */
static int run_list(const char *cmd, const json_t *list, const json_t *prev_in,
		    const struct cni_ctx *c, json_t **result, struct err *e)
{
	json_t *plugins = json_object_get(list, "plugins");
	size_t n = json_array_size(plugins);
	bool del = !strcmp(cmd, "DEL");
	_cleanup_json_ json_t *prev = prev_in ? json_incref((json_t *)prev_in) : NULL;
	const char *netname = json_string_value(json_object_get(list, "name"));
	for (size_t k = 0; k < n; k++) {
		size_t i = del ? n - 1 - k : k;
		json_t *plugin = json_array_get(plugins, i);
		const char *type = json_string_value(json_object_get(plugin, "type"));
		_cleanup_free_ char *bin = plugin_path(c->path, type);
		if (!bin) {
			if (del)
				continue; /* nothing it could undo */
			return err_set(e, ERR_NOT_FOUND, "CNI network %s: plugin \"%s\" not found in %s",
				       netname, type ? type : "", c->path);
		}
		_cleanup_free_ char *conf = plugin_conf(list, plugin, prev, c);
		_cleanup_free_ char *out = NULL;
		int st = 0;
		if (exec_plugin(bin, cmd, c, conf, &out, &st, e) < 0)
			return err_wrap(e, "CNI network %s: plugin %s", netname, type);
		_cleanup_json_ json_t *res = out && *out ? json_loads(out, 0, NULL) : NULL;
		if (st != 0) {
			const char *msg = json_string_value(json_object_get(res, "msg"));
			const char *details = json_string_value(json_object_get(res, "details"));
			if (del)
				continue; /* DEL goes on: undo what can be */
			return err_set(e, ERR_INTERNAL, "CNI network %s: plugin %s %s failed: %s%s%s",
				       netname, type, cmd, msg ? msg : "no message",
				       details ? ": " : "", details ? details : "");
		}
		if (!strcmp(cmd, "ADD")) {
			if (!json_is_object(res))
				return err_set(e, ERR_INTERNAL,
					       "CNI network %s: plugin %s gave no result", netname, type);
			json_decref(prev);
			prev = json_incref(res);
		}
	}
	if (result)
		*result = prev ? json_incref(prev) : NULL;
	return 0;
}

int cni_add(json_t *list, const struct cni_ctx *c, json_t **ret, struct err *e)
{
	_cleanup_json_ json_t *result = NULL;
	/* Cached first: a DEL after a failure half way undoes what was
	 * done. */
	_cleanup_json_ json_t *cache = json_pack("{s:O, s:O*}", "list", list, "portMappings",
						 c->port_mappings);
	_cleanup_free_ char *text = json_dumps(cache, JSON_COMPACT);
	if (write_file_atomic_at(AT_FDCWD, c->cache, text, strlen(text), 0600, 0, e) < 0)
		return -1;
	if (run_list("ADD", list, NULL, c, &result, e) < 0)
		return -1;
	json_object_set(cache, "result", result);
	free(text);
	text = json_dumps(cache, JSON_COMPACT);
	if (write_file_atomic_at(AT_FDCWD, c->cache, text, strlen(text), 0600, 0, e) < 0)
		return -1;
	if (ret)
		*ret = json_incref(result);
	return 0;
}

static int load_cache(const struct cni_ctx *c, json_t **ret, struct err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, c->cache, CONF_MAX, &text, &len, NULL) < 0) {
		*ret = NULL;
		return 0;
	}
	return json_parse_buffer(text, len, c->cache, ret, e);
}

int cni_del(const struct cni_ctx *c, struct err *e)
{
	_cleanup_json_ json_t *cache = NULL;
	if (load_cache(c, &cache, e) < 0 || !cache)
		return err_isset(e) ? -1 : 0;
	struct cni_ctx cc = *c;
	cc.port_mappings = json_object_get(cache, "portMappings");
	int r = run_list("DEL", json_object_get(cache, "list"), json_object_get(cache, "result"), &cc,
			 NULL, e);
	(void)unlink(c->cache);
	return r;
}

int cni_check(const struct cni_ctx *c, struct err *e)
{
	_cleanup_json_ json_t *cache = NULL;
	if (load_cache(c, &cache, e) < 0)
		return -1;
	if (!cache)
		return err_set(e, ERR_NOT_FOUND, "no CNI result for container %.12s", c->id);
	struct cni_ctx cc = *c;
	cc.port_mappings = json_object_get(cache, "portMappings");
	return run_list("CHECK", json_object_get(cache, "list"), json_object_get(cache, "result"),
			&cc, NULL, e);
}

char *cni_result_ip(const json_t *result)
{
	json_t *ips = json_object_get(result, "ips"), *ip;
	size_t i;
	json_array_foreach(ips, i, ip)
	{
		const char *a = json_string_value(json_object_get(ip, "address"));
		if (a && strchr(a, '.') && !strchr(a, ':')) {
			const char *slash = strchr(a, '/');
			return slash ? xstrndup(a, (size_t)(slash - a)) : xstrdup(a);
		}
	}
	return NULL;
}
