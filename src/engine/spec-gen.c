/* spec-gen.c: see spec-gen.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json-util.h"
#include "base/parse-util.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "engine/spec-gen.h"
#include "engine/spec-internal.h"
#include "oci/names.h"
#include "oci/seccomp-default.h"
#include "oci/spec.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_SHM (64ull << 20)
#define PASSWD_MAX (1u << 20)

/* docker's default capability set. */
static const char *const docker_caps[] = {
	"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",	   "CAP_FOWNER",     "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID",	   "CAP_SETUID",	   "CAP_SETFCAP",    "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",		   "CAP_SYS_CHROOT",	   "CAP_KILL",	     "CAP_AUDIT_WRITE",
	NULL,
};

/* An array of strings from JSON into a strv (non-strings skipped). */
static void json_strv_append(json_t *a, char ***out)
{
	size_t i;
	json_t *it;
	json_array_foreach(a, i, it)
	{
		if (json_is_string(it))
			strv_push(out, json_string_value(it));
	}
}

/* ---- environment ---- */

static void env_set(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
	for (char **p = *env; p && *p; p++)
		if (!strncmp(*p, kv, kl) && (*p)[kl] == '=') {
			free(*p);
			*p = xstrdup(kv);
			return;
		}
	strv_push(env, kv);
}

static bool env_has(char **env, const char *key)
{
	size_t kl = strlen(key);
	for (char **p = env; p && *p; p++)
		if (!strncmp(*p, key, kl) && (*p)[kl] == '=')
			return true;
	return false;
}

/* ---- users and groups ---- */

struct ids {
	uint32_t uid, gid;
	char *home;
	char **additional; /* supplementary gids, as numbers */
};

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Read /etc/<name> of the container's root, resolved inside it. */
static char *read_etc(int rootfd, const char *name)
{
	if (rootfd < 0)
		return NULL;
	_cleanup_free_ char *p = xasprintf("etc/%s", name);
	int fd = path_openat2(rootfd, p, O_RDONLY | O_CLOEXEC, 0,
			      RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return NULL;
	struct strbuf b = STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0 && b.len < PASSWD_MAX)
		strbuf_add(&b, buf, (size_t)n);
	close(fd);
	return strbuf_detach(&b, NULL);
}

/* Find the line of `file` whose field 0 is `name` (or field 2 is the
 * number `id` when name is NULL); fills up to nf fields (pointers into
 * line, which is a copy owned by the caller).  Returns the copy or NULL. */
static char *etc_find(const char *file, const char *name, const char *id, char **f, size_t nf)
{
	if (!file)
		return NULL;
	for (const char *line = file; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *copy = xstrndup(line, len);
		size_t k = 0;
		char *save = copy;
		for (char *tok = copy; k < nf; k++) {
			f[k] = tok;
			char *colon = tok ? strchr(tok, ':') : NULL;
			if (colon)
				*colon = '\0';
			tok = colon ? colon + 1 : NULL;
		}
		bool match = f[0] && f[2] &&
			     (name ? !strcmp(f[0], name) : (id && !strcmp(f[2], id)));
		if (match)
			return save;
		free(copy);
		line = nl ? nl + 1 : line + len;
	}
	return NULL;
}

static int resolve_user(int rootfd, const char *spec, char **group_add, struct ids *ids,
			struct err *e)
{
	_cleanup_free_ char *u = xstrdup(spec && *spec ? spec : "0");
	char *colon = strchr(u, ':');
	const char *g = NULL;
	if (colon) {
		*colon = '\0';
		g = colon + 1;
	}
	_cleanup_free_ char *passwd = read_etc(rootfd, "passwd");
	_cleanup_free_ char *group = read_etc(rootfd, "group");
	char *f[7] = {0};
	_cleanup_free_ char *pw =
		etc_find(passwd, is_number(u) ? NULL : u, is_number(u) ? u : NULL, f, 7);
	if (is_number(u)) {
		if (parse_u32(u, &ids->uid) < 0)
			return err_set(e, ERR_INVALID, "--user \"%s\": uid out of range", spec);
	} else if (pw) {
		if (parse_u32(f[2], &ids->uid) < 0)
			return err_set(e, ERR_INVALID, "/etc/passwd: bad uid for \"%s\"", u);
	} else {
		return err_set(e, ERR_NOT_FOUND,
			       "unable to find user %s: no matching entries in passwd file", u);
	}
	ids->gid = 0;
	if (pw && f[3] && parse_u32(f[3], &ids->gid) < 0)
		ids->gid = 0;
	ids->home = xstrdup(pw && f[5] && *f[5] ? f[5] : "/");
	const char *uname = pw ? f[0] : NULL;
	if (g) {
		char *gf[4] = {0};
		if (is_number(g)) {
			if (parse_u32(g, &ids->gid) < 0)
				return err_set(e, ERR_INVALID, "--user \"%s\": gid out of range", spec);
		} else {
			_cleanup_free_ char *gr = etc_find(group, g, NULL, gf, 4);
			if (!gr || parse_u32(gf[2], &ids->gid) < 0)
				return err_set(e, ERR_NOT_FOUND,
					       "unable to find group %s: no matching entries in group "
					       "file",
					       g);
		}
	}
	/* Supplementary groups: the user's in /etc/group, then --group-add. */
	for (const char *line = group; uname && line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		_cleanup_free_ char *copy = xstrndup(line, len);
		char *gf[4] = {0};
		char *tok = copy;
		for (size_t k = 0; k < 4; k++) {
			gf[k] = tok;
			char *c = tok ? strchr(tok, ':') : NULL;
			if (c)
				*c = '\0';
			tok = c ? c + 1 : NULL;
		}
		if (gf[2] && gf[3]) {
			_cleanup_free_ char *members = xstrdup(gf[3]);
			char *save = NULL;
			for (char *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save))
				if (!strcmp(m, uname) && !strv_contains(ids->additional, gf[2]))
					strv_push(&ids->additional, gf[2]);
		}
		line = nl ? nl + 1 : line + len;
	}
	for (char **a = group_add; a && *a; a++) {
		if (is_number(*a)) {
			strv_push(&ids->additional, *a);
			continue;
		}
		char *gf[4] = {0};
		_cleanup_free_ char *gr = etc_find(group, *a, NULL, gf, 4);
		if (!gr)
			return err_set(e, ERR_NOT_FOUND,
				       "unable to find group %s: no matching entries in group file", *a);
		strv_push(&ids->additional, gf[2]);
	}
	return 0;
}

/* ---- capabilities ---- */

static int cap_normalise(const char *name, char **ret, struct err *e)
{
	_cleanup_free_ char *up = xstrdup(name);
	for (char *c = up; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	char *full = strncmp(up, "CAP_", 4) ? xasprintf("CAP_%s", up) : xstrdup(up);
	if (cap_from_name(full) < 0) {
		free(full);
		return err_set(e, ERR_INVALID, "invalid capability \"%s\"", name);
	}
	*ret = full;
	return 0;
}

static bool is_all(const char *s)
{
	return !strcasecmp(s, "ALL") || !strcasecmp(s, "CAP_ALL");
}

static int capabilities(const struct spec_run_opts *o, uint64_t *ret, struct err *e)
{
	uint64_t caps = 0;
	for (const char *const *c = docker_caps; *c; c++)
		caps |= UINT64_C(1) << cap_from_name(*c);
	uint64_t all = 0;
	for (int n = 0; n <= cap_last_known(); n++)
		all |= UINT64_C(1) << n;
	if (o->privileged)
		caps = all;
	for (char **d = o->cap_drop; d && *d; d++) {
		if (is_all(*d)) {
			caps = 0;
			continue;
		}
		_cleanup_free_ char *n = NULL;
		if (cap_normalise(*d, &n, e) < 0)
			return err_wrap(e, "--cap-drop");
		caps &= ~(UINT64_C(1) << cap_from_name(n));
	}
	for (char **a = o->cap_add; a && *a; a++) {
		if (is_all(*a)) {
			caps = all;
			continue;
		}
		_cleanup_free_ char *n = NULL;
		if (cap_normalise(*a, &n, e) < 0)
			return err_wrap(e, "--cap-add");
		caps |= UINT64_C(1) << cap_from_name(n);
	}
	*ret = caps;
	return 0;
}

static json_t *cap_array(uint64_t caps)
{
	json_t *a = json_array();
	for (int n = 0; n <= cap_last_known(); n++)
		if (caps & (UINT64_C(1) << n))
			json_array_append_new(a, json_string(cap_name(n)));
	return a;
}

/* ---- the document ---- */

static int process_section(json_t *doc, json_t *icfg, const struct spec_run_opts *o,
			   const char *hostname, struct err *e)
{
	json_t *proc = json_object_get(doc, "process");
	/* The command. */
	_cleanup_strv_ char **args = NULL;
	if (o->entrypoint_set) {
		if (o->entrypoint && *o->entrypoint)
			strv_push(&args, o->entrypoint);
	} else {
		json_strv_append(json_object_get(icfg, "Entrypoint"), &args);
	}
	if (o->args && o->args[0]) {
		for (char **a = o->args; *a; a++)
			strv_push(&args, *a);
	} else if (!o->entrypoint_set) {
		json_strv_append(json_object_get(icfg, "Cmd"), &args);
	}
	if (!args || !args[0])
		return err_set(e, ERR_INVALID, "no command specified");
	json_object_set_new(proc, "args", json_string_array(args));

	/* The user. */
	struct ids ids = {0};
	const char *user = o->user && *o->user ? o->user
						: json_string_value(json_object_get(icfg, "User"));
	if (resolve_user(o->rootfs_fd, user, o->group_add, &ids, e) < 0) {
		free(ids.home);
		strv_free(ids.additional);
		return -1;
	}
	json_t *u = json_object();
	json_object_set_new(u, "uid", json_integer(ids.uid));
	json_object_set_new(u, "gid", json_integer(ids.gid));
	if (ids.additional) {
		json_t *ag = json_array();
		for (char **g = ids.additional; *g; g++)
			json_array_append_new(ag, json_integer(strtoll(*g, NULL, 10)));
		json_object_set_new(u, "additionalGids", ag);
	}
	json_object_set_new(proc, "user", u);

	/* The environment. */
	_cleanup_strv_ char **env = NULL;
	json_strv_append(json_object_get(icfg, "Env"), &env);
	for (char **kv = o->env; kv && *kv; kv++) {
		if (strchr(*kv, '=')) {
			env_set(&env, *kv);
		} else {
			const char *v = getenv(*kv);
			if (v) {
				_cleanup_free_ char *x = xasprintf("%s=%s", *kv, v);
				env_set(&env, x);
			}
		}
	}
	if (!env_has(env, "PATH"))
		env_set(&env, DEFAULT_PATH);
	_cleanup_free_ char *hn = xasprintf("HOSTNAME=%s", hostname);
	env_set(&env, hn);
	if (!env_has(env, "HOME")) {
		_cleanup_free_ char *home = xasprintf("HOME=%s", ids.uid == 0 && streq(ids.home, "/")
									  ? "/root"
									  : ids.home);
		strv_push(&env, home);
	}
	if (o->tty && !env_has(env, "TERM"))
		strv_push(&env, "TERM=xterm");
	json_object_set_new(proc, "env", json_string_array(env));
	free(ids.home);
	strv_free(ids.additional);

	const char *wd = o->workdir && *o->workdir
				 ? o->workdir
				 : json_string_value(json_object_get(icfg, "WorkingDir"));
	if (!wd || !*wd)
		wd = "/";
	if (wd[0] != '/')
		return err_set(e, ERR_INVALID, "the working directory \"%s\" is not absolute", wd);
	json_object_set_new(proc, "cwd", json_string(wd));
	json_object_set_new(proc, "terminal", json_boolean(o->tty));
	if (o->no_new_privileges)
		json_object_set_new(proc, "noNewPrivileges", json_true());
	return 0;
}

static void set_resources(json_t *lin, const struct spec_run_opts *o)
{
	json_t *res = json_object_get(lin, "resources");
	if (!json_is_object(res)) {
		res = json_object();
		json_object_set_new(lin, "resources", res);
	}
	/* Limits not asked for are the caller's (docker): only the device
	 * rules of the template stay. */
	json_object_del(res, "pids");
	json_object_del(res, "cpu");
	json_object_del(res, "memory");
	if (o->memory > 0) {
		json_t *m = json_object();
		json_object_set_new(m, "limit", json_integer(o->memory));
		/* docker: swap defaults to as much again; -1 unlimited. */
		int64_t swap = o->memory_swap == 0 ? 2 * o->memory : o->memory_swap;
		json_object_set_new(m, "swap", json_integer(swap));
		json_object_set_new(res, "memory", m);
	}
	json_t *cpu = json_object();
	if (o->cpus > 0) {
		json_object_set_new(cpu, "period", json_integer(100000));
		json_object_set_new(cpu, "quota", json_integer((json_int_t)(o->cpus * 100000 + 0.5)));
	}
	if (o->cpu_shares)
		json_object_set_new(cpu, "shares", json_integer((json_int_t)o->cpu_shares));
	if (o->cpuset_cpus && *o->cpuset_cpus)
		json_object_set_new(cpu, "cpus", json_string(o->cpuset_cpus));
	if (json_object_size(cpu))
		json_object_set_new(res, "cpu", cpu);
	else
		json_decref(cpu);
	if (o->pids_limit) {
		json_t *p = json_object();
		json_object_set_new(p, "limit", json_integer(o->pids_limit));
		json_object_set_new(res, "pids", p);
	}
	if (o->privileged) {
		json_t *all = json_object();
		json_object_set_new(all, "allow", json_true());
		json_object_set_new(all, "access", json_string("rwm"));
		json_t *d = json_array();
		json_array_append_new(d, all);
		json_object_set_new(res, "devices", d);
	}
}

static int validate(const struct spec_run_opts *o, struct err *e)
{
	if (o->memory < 0)
		return err_set(e, ERR_INVALID, "invalid --memory: must be positive");
	if (o->memory && o->memory < 6 * 1024 * 1024)
		return err_set(e, ERR_INVALID, "minimum memory limit allowed is 6MB");
	if (o->memory_swap > 0 && o->memory > 0 && o->memory_swap < o->memory)
		return err_set(e, ERR_INVALID,
			       "minimum memoryswap limit should be larger than memory limit, see "
			       "usage");
	if (o->memory_swap > 0 && o->memory == 0)
		return err_set(e, ERR_INVALID,
			       "you should always set the memory limit when using memoryswap limit, "
			       "see usage");
	if (o->cpus < 0)
		return err_set(e, ERR_INVALID, "invalid --cpus: must be positive");
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n > 0 && o->cpus > (double)n)
		return err_set(e, ERR_INVALID,
			       "range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs "
			       "available",
			       n, n);
	if (o->cpuset_cpus && cpu_list_parse(o->cpuset_cpus, NULL, NULL) < 0)
		return err_set(e, ERR_INVALID, "invalid value %s for cpuset cpus", o->cpuset_cpus);
	if (!o->rootfs || o->rootfs[0] != '/')
		return err_set(e, ERR_INVALID, "the root filesystem path must be absolute");
	if (!o->id || strlen(o->id) < 12)
		return err_set(e, ERR_INVALID, "a container id is needed");
	return 0;
}

char *spec_generate(const struct spec_image *img, const struct spec_run_opts *o, struct err *e)
{
	if (validate(o, e) < 0)
		return NULL;
	struct oci_spec_options so = {0};
	_cleanup_free_ char *base = oci_spec_default(&so);
	_cleanup_json_ json_t *doc = NULL;
	if (json_parse_buffer(base, strlen(base), "default spec", &doc, e) < 0)
		return NULL;
	/* Nothing docker's run needs is newer than 1.0: the oldest version
	 * says so to every runtime (crun 1.8 refuses 1.2). */
	json_object_set_new(doc, "ociVersion", json_string("1.0.2"));
	_cleanup_json_ json_t *ic = NULL;
	if (img && img->config_json &&
	    json_parse_buffer(img->config_json, strlen(img->config_json), "image config", &ic, e) <
		    0)
		return NULL;
	json_t *icfg = ic ? json_object_get(ic, "config") : NULL;

	_cleanup_free_ char *hostname = o->hostname && *o->hostname ? xstrdup(o->hostname)
								    : xstrndup(o->id, 12);
	if (process_section(doc, icfg, o, hostname, e) < 0)
		return NULL;
	json_object_set_new(doc, "hostname", json_string(hostname));

	json_t *root = json_object_get(doc, "root");
	json_object_set_new(root, "path", json_string(o->rootfs));
	json_object_set_new(root, "readonly", json_boolean(o->read_only));

	uint64_t caps = 0;
	if (capabilities(o, &caps, e) < 0)
		return NULL;
	json_t *c = json_object();
	json_object_set_new(c, "bounding", cap_array(caps));
	json_object_set_new(c, "effective", cap_array(caps));
	json_object_set_new(c, "permitted", cap_array(caps));
	json_object_set_new(json_object_get(doc, "process"), "capabilities", c);

	json_t *lin = json_object_get(doc, "linux");
	if (o->privileged) {
		json_object_del(lin, "seccomp");
		json_object_del(lin, "maskedPaths");
		json_object_del(lin, "readonlyPaths");
	} else {
		/* docker's profile allows what the capabilities allow. */
		_cleanup_free_ char *sc = oci_seccomp_default_json(caps);
		json_t *prof = json_loads(sc, 0, NULL);
		if (prof)
			json_object_set_new(lin, "seccomp", prof);
	}
	if (o->netns_path) {
		/* A network's: the namespace made before the start. */
		json_t *ns = json_object_get(lin, "namespaces"), *it;
		size_t i;
		json_array_foreach(ns, i, it)
			if (streq_ptr(json_string_value(json_object_get(it, "type")), "network"))
				json_object_set_new(it, "path", json_string(o->netns_path));
	}
	if (o->network && streq(o->network, "host")) {
		json_t *ns = json_object_get(lin, "namespaces"), *it;
		size_t i;
		json_array_foreach(ns, i, it)
		{
			if (streq_ptr(json_string_value(json_object_get(it, "type")), "network")) {
				json_array_remove(ns, i);
				break;
			}
		}
	}
	/* /dev/shm's size. */
	json_t *mounts = json_object_get(doc, "mounts"), *m;
	size_t i;
	json_array_foreach(mounts, i, m)
	{
		if (!streq_ptr(json_string_value(json_object_get(m, "destination")), "/dev/shm"))
			continue;
		json_t *opts = json_object_get(m, "options"), *op;
		size_t k;
		json_array_foreach(opts, k, op)
		{
			if (!strncmp(json_string_value(op) ? json_string_value(op) : "", "size=", 5)) {
				json_array_remove(opts, k);
				break;
			}
		}
		_cleanup_free_ char *sz = xasprintf(
			"size=%llu", (unsigned long long)(o->shm_size ? o->shm_size : DEFAULT_SHM));
		json_array_append_new(opts, json_string(sz));
	}
	set_resources(lin, o);
	if (spec_add_extras(doc, o, e) < 0)
		return NULL;
	if (o->labels && o->labels[0]) {
		json_t *ann = json_object();
		for (char **l = o->labels; *l; l++) {
			const char *eq = strchr(*l, '=');
			_cleanup_free_ char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
			json_object_set_new(ann, k, json_string(eq ? eq + 1 : ""));
		}
		json_object_set_new(doc, "annotations", ann);
	}
	char *text = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	if (!text)
		abort();
	return text;
}

int spec_resolve_user(int rootfd, const char *user, uint32_t *uid, uint32_t *gid, struct err *e)
{
	struct ids ids = {0};
	int r = resolve_user(rootfd, user, NULL, &ids, e);
	*uid = ids.uid;
	*gid = ids.gid;
	free(ids.home);
	strv_free(ids.additional);
	return r;
}
