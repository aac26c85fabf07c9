/* config.c: config.json -> struct oci_config (see config.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/parse-util.h"
#include "base/path-util.h"
#include "base/strv.h"
#include "oci/config.h"

/* Every parse_* helper returns 0 or -1 with e set; `path` is the JSON path
 * of the object being parsed. */

/* One numeric field of a version: digits only, no sign, no leading zero. */
static const char *version_field(const char *s, unsigned *ret)
{
	if (!isdigit((unsigned char)*s) || (s[0] == '0' && isdigit((unsigned char)s[1])))
		return NULL;
	unsigned v = 0;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > 100000)
			return NULL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*ret = v;
	return s;
}

int oci_version_check(const char *v, struct err *e)
{
	unsigned maj = 0, min = 0, patch = 0;
	const char *p = v ? version_field(v, &maj) : NULL;
	if (p && *p == '.')
		p = version_field(p + 1, &min);
	else
		p = NULL;
	if (p && *p == '.')
		p = version_field(p + 1, &patch);
	else
		p = NULL;
	if (p && (*p == '\0' || *p == '-' || *p == '+') && maj == 1 && min <= 2)
		return 0;
	return err_set(e, ERR_UNSUPPORTED,
		       "ociVersion: unsupported version \"%s\" (this runtime supports 1.0.0 to 1.2.x)",
		       v ? v : "");
}

static int parse_id_mappings(json_t *obj, const char *path, const char *key,
			     struct oci_id_mapping **ret, size_t *ret_n, struct err *e)
{
	json_t *a;
	int r = json_get_array(obj, path, key, false, &a, e);
	if (r <= 0)
		return r;
	_cleanup_free_ char *p = json_path_key(path, key);
	size_t n = json_array_size(a);
	if (n > 340) /* the kernel's limit of lines in uid_map */
		return err_set(e, ERR_INVALID, "%s: too many mappings (%zu, at most 340)", p, n);
	_cleanup_free_ struct oci_id_mapping *m = xnew(struct oci_id_mapping, n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *pi = json_path_index(p, i);
		json_t *it = json_array_get(a, i);
		if (!json_is_object(it))
			return err_set(e, ERR_INVALID, "%s: expected an object, got %s", pi,
				       json_type_name(it));
		if (json_get_u32(it, pi, "containerID", true, &m[i].container_id, e) < 0 ||
		    json_get_u32(it, pi, "hostID", true, &m[i].host_id, e) < 0 ||
		    json_get_u32(it, pi, "size", true, &m[i].size, e) < 0)
			return -1;
		if (m[i].size == 0)
			return err_set(e, ERR_INVALID, "%s.size: must be at least 1", pi);
	}
	*ret = TAKE_PTR(m);
	*ret_n = n;
	return 1;
}

static int parse_root(struct oci_config *c, json_t *doc, struct err *e)
{
	json_t *root;
	if (json_get_object(doc, "", "root", true, &root, e) < 0)
		return -1;
	if (json_get_string(root, "root", "path", true, &c->root_path, e) < 0 ||
	    json_get_bool(root, "root", "readonly", false, &c->root_readonly, e) < 0)
		return -1;
	if (!*c->root_path)
		return err_set(e, ERR_INVALID, "root.path: must not be empty");
	return 0;
}

static int parse_mounts(struct oci_config *c, json_t *doc, struct err *e)
{
	json_t *a;
	int r = json_get_array(doc, "", "mounts", false, &a, e);
	if (r <= 0)
		return r;
	size_t n = json_array_size(a);
	if (n > 4096)
		return err_set(e, ERR_INVALID, "mounts: too many entries (%zu)", n);
	c->mounts = xnew(struct oci_mount, n);
	for (size_t i = 0; i < n; i++) {
		struct oci_mount *m = &c->mounts[i];
		c->n_mounts++; /* counted first: a failed entry is freed too */
		_cleanup_free_ char *p = json_path_index("mounts", i);
		json_t *it = json_array_get(a, i);
		if (!json_is_object(it))
			return err_set(e, ERR_INVALID, "%s: expected an object, got %s", p,
				       json_type_name(it));
		if (json_get_string(it, p, "destination", true, &m->destination, e) < 0 ||
		    json_get_string(it, p, "type", false, &m->type, e) < 0 ||
		    json_get_string(it, p, "source", false, &m->source, e) < 0 ||
		    json_get_strv(it, p, "options", false, &m->options, e) < 0 ||
		    parse_id_mappings(it, p, "uidMappings", &m->uid_mappings, &m->n_uid_mappings,
				      e) < 0 ||
		    parse_id_mappings(it, p, "gidMappings", &m->gid_mappings, &m->n_gid_mappings,
				      e) < 0)
			return -1;
		if (!*m->destination)
			return err_set(e, ERR_INVALID, "%s.destination: must not be empty", p);
	}
	return 0;
}

static int parse_hook_list(json_t *hooks, const char *key, struct oci_hook_list *l,
			   struct err *e)
{
	json_t *a;
	int r = json_get_array(hooks, "hooks", key, false, &a, e);
	if (r <= 0)
		return r;
	_cleanup_free_ char *p = json_path_key("hooks", key);
	size_t n = json_array_size(a);
	if (n > 1024)
		return err_set(e, ERR_INVALID, "%s: too many hooks (%zu)", p, n);
	l->hooks = xnew(struct oci_hook, n);
	for (size_t i = 0; i < n; i++) {
		struct oci_hook *h = &l->hooks[i];
		l->n++; /* counted first: a failed entry is freed too */
		_cleanup_free_ char *pi = json_path_index(p, i);
		json_t *it = json_array_get(a, i);
		if (!json_is_object(it))
			return err_set(e, ERR_INVALID, "%s: expected an object, got %s", pi,
				       json_type_name(it));
		int64_t timeout = 0;
		if (json_get_string(it, pi, "path", true, &h->path, e) < 0 ||
		    json_get_strv(it, pi, "args", false, &h->args, e) < 0 ||
		    json_get_strv(it, pi, "env", false, &h->env, e) < 0 ||
		    json_get_i64(it, pi, "timeout", false, &timeout, e) < 0)
			return -1;
		if (h->path[0] != '/')
			return err_set(e, ERR_INVALID, "%s.path: \"%s\" is not an absolute path",
				       pi, h->path);
		if (json_object_get(it, "timeout") && !json_is_null(json_object_get(it, "timeout")) &&
		    (timeout <= 0 || timeout > 86400))
			return err_set(e, ERR_INVALID,
				       "%s.timeout: must be between 1 and 86400 seconds", pi);
		h->timeout = (int)timeout;
	}
	return 0;
}

static const char *const hook_keys[OCI_HOOK_KIND_COUNT] = {
	[OCI_HOOK_PRESTART] = "prestart",
	[OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[OCI_HOOK_START_CONTAINER] = "startContainer",
	[OCI_HOOK_POSTSTART] = "poststart",
	[OCI_HOOK_POSTSTOP] = "poststop",
};

const char *oci_hook_kind_name(enum oci_hook_kind k) { return hook_keys[k]; }

bool oci_config_has_hooks(const struct oci_config *c, enum oci_hook_kind k)
{
	return c->hooks[k].n > 0;
}

static int parse_hooks(struct oci_config *c, json_t *doc, struct err *e)
{
	json_t *hooks;
	int r = json_get_object(doc, "", "hooks", false, &hooks, e);
	if (r <= 0)
		return r;
	for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
		if (parse_hook_list(hooks, hook_keys[k], &c->hooks[k], e) < 0)
			return -1;
	return 0;
}

static int parse_cap_set(json_t *caps, const char *path, const char *key, uint64_t *ret,
			 struct err *e)
{
	_cleanup_strv_ char **names = NULL;
	int r = json_get_strv(caps, path, key, false, &names, e);
	if (r <= 0)
		return r;
	uint64_t mask = 0;
	for (size_t i = 0; names[i]; i++) {
		int n = cap_from_name(names[i]);
		if (n < 0) {
			_cleanup_free_ char *p = json_path_key(path, key);
			return err_set(e, ERR_INVALID, "%s[%zu]: unknown capability \"%s\"", p, i,
				       names[i]);
		}
		mask |= 1ull << n;
	}
	*ret = mask;
	return 1;
}

static int parse_user(struct oci_user *u, json_t *proc, const char *path, struct err *e)
{
	json_t *user;
	_cleanup_free_ char *p = json_path_key(path, "user");
	int r = json_get_object(proc, path, "user", false, &user, e);
	if (r <= 0)
		return r;
	if (json_get_u32(user, p, "uid", false, &u->uid, e) < 0 ||
	    json_get_u32(user, p, "gid", false, &u->gid, e) < 0)
		return -1;
	r = json_get_u32(user, p, "umask", false, &u->umask, e);
	if (r < 0)
		return -1;
	u->has_umask = r > 0;
	if (u->has_umask && u->umask > 0777)
		return err_set(e, ERR_INVALID, "%s.umask: %o is not a valid umask", p, u->umask);
	json_t *g;
	r = json_get_array(user, p, "additionalGids", false, &g, e);
	if (r < 0)
		return -1;
	if (r > 0) {
		size_t n = json_array_size(g);
		if (n > 65536)
			return err_set(e, ERR_INVALID, "%s.additionalGids: too many groups", p);
		u->additional_gids = xnew(uint32_t, n);
		_cleanup_free_ char *pg = json_path_key(p, "additionalGids");
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *pi = json_path_index(pg, i);
			uint64_t v;
			if (json_value_u64(json_array_get(g, i), pi, &v, e) < 0)
				return -1;
			if (v > UINT32_MAX)
				return err_set(e, ERR_INVALID, "%s: out of range", pi);
			u->additional_gids[u->n_additional_gids++] = (uint32_t)v;
		}
	}
	return 0;
}

struct named_value {
	const char *name;
	long value;
};

static int lookup_name(const struct named_value *t, size_t n, const char *name, long *ret)
{
	for (size_t i = 0; i < n; i++)
		if (streq(t[i].name, name)) {
			*ret = t[i].value;
			return 0;
		}
	return -1;
}

/* Kernel values of the spec's names (linux/sched.h, linux/ioprio.h). */
static const struct named_value sched_policies[] = {
	{"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},	     {"SCHED_BATCH", 3},
	{"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
};
static const struct named_value sched_flags[] = {
	{"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},
	{"SCHED_FLAG_DL_OVERRUN", 0x04},    {"SCHED_FLAG_KEEP_POLICY", 0x08},
	{"SCHED_FLAG_KEEP_PARAMS", 0x10},   {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
	{"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};
static const struct named_value ioprio_classes[] = {
	{"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3},
};

static int parse_scheduler(struct oci_process *pr, json_t *proc, const char *path, struct err *e)
{
	json_t *o;
	int r = json_get_object(proc, path, "scheduler", false, &o, e);
	if (r <= 0)
		return r;
	_cleanup_free_ char *p = json_path_key(path, "scheduler");
	struct oci_scheduler *s = &pr->scheduler;
	_cleanup_free_ char *policy = NULL;
	_cleanup_strv_ char **flags = NULL;
	int64_t nice = 0, prio = 0;
	if (json_get_string(o, p, "policy", true, &policy, e) < 0 ||
	    json_get_i64(o, p, "nice", false, &nice, e) < 0 ||
	    json_get_i64(o, p, "priority", false, &prio, e) < 0 ||
	    json_get_strv(o, p, "flags", false, &flags, e) < 0 ||
	    json_get_u64(o, p, "runtime", false, &s->runtime, e) < 0 ||
	    json_get_u64(o, p, "deadline", false, &s->deadline, e) < 0 ||
	    json_get_u64(o, p, "period", false, &s->period, e) < 0)
		return -1;
	long v;
	if (lookup_name(sched_policies, ARRAY_SIZE(sched_policies), policy, &v) < 0)
		return err_set(e, ERR_INVALID, "%s.policy: unknown policy \"%s\"", p, policy);
	s->policy = (int)v;
	if (nice < -20 || nice > 19)
		return err_set(e, ERR_INVALID, "%s.nice: %lld is not in -20..19", p, (long long)nice);
	if (prio < 0 || prio > 99)
		return err_set(e, ERR_INVALID, "%s.priority: %lld is not in 0..99", p,
			       (long long)prio);
	s->nice = (int32_t)nice;
	s->priority = (int32_t)prio;
	for (char **f = flags; f && *f; f++) {
		if (lookup_name(sched_flags, ARRAY_SIZE(sched_flags), *f, &v) < 0)
			return err_set(e, ERR_INVALID, "%s.flags: unknown flag \"%s\"", p, *f);
		s->flags |= (uint64_t)v;
	}
	s->present = true;
	return 0;
}

static int parse_io_priority(struct oci_process *pr, json_t *proc, const char *path,
			     struct err *e)
{
	json_t *o;
	int r = json_get_object(proc, path, "ioPriority", false, &o, e);
	if (r <= 0)
		return r;
	_cleanup_free_ char *p = json_path_key(path, "ioPriority");
	_cleanup_free_ char *klass = NULL;
	int64_t prio;
	if (json_get_string(o, p, "class", true, &klass, e) < 0 ||
	    json_get_i64(o, p, "priority", true, &prio, e) < 0)
		return -1;
	long v;
	if (lookup_name(ioprio_classes, ARRAY_SIZE(ioprio_classes), klass, &v) < 0)
		return err_set(e, ERR_INVALID, "%s.class: unknown class \"%s\"", p, klass);
	if (prio < 0 || prio > 7)
		return err_set(e, ERR_INVALID, "%s.priority: %lld is not in 0..7", p,
			       (long long)prio);
	pr->io_priority = (struct oci_io_priority){.present = true, .klass = (int)v,
						   .priority = (int)prio};
	return 0;
}

static int parse_exec_cpu_affinity(struct oci_process *pr, json_t *proc, const char *path,
				   struct err *e)
{
	json_t *o;
	int r = json_get_object(proc, path, "execCPUAffinity", false, &o, e);
	if (r <= 0)
		return r;
	_cleanup_free_ char *p = json_path_key(path, "execCPUAffinity");
	if (json_get_string(o, p, "initial", false, &pr->exec_cpu_initial, e) < 0 ||
	    json_get_string(o, p, "final", false, &pr->exec_cpu_final, e) < 0)
		return -1;
	if (pr->exec_cpu_initial && cpu_list_parse(pr->exec_cpu_initial, NULL, NULL) < 0)
		return err_set(e, ERR_INVALID, "%s.initial: \"%s\" is not a list of cpus", p,
			       pr->exec_cpu_initial);
	if (pr->exec_cpu_final && cpu_list_parse(pr->exec_cpu_final, NULL, NULL) < 0)
		return err_set(e, ERR_INVALID, "%s.final: \"%s\" is not a list of cpus", p,
			       pr->exec_cpu_final);
	return 0;
}

static int parse_personality(struct oci_linux *l, json_t *lin, struct err *e)
{
	json_t *o;
	int r = json_get_object(lin, "linux", "personality", false, &o, e);
	if (r <= 0)
		return r;
	_cleanup_free_ char *domain = NULL;
	_cleanup_strv_ char **flags = NULL;
	if (json_get_string(o, "linux.personality", "domain", true, &domain, e) < 0 ||
	    json_get_strv(o, "linux.personality", "flags", false, &flags, e) < 0)
		return -1;
	if (streq(domain, "LINUX"))
		l->personality = 0x0000; /* PER_LINUX */
	else if (streq(domain, "LINUX32"))
		l->personality = 0x0008; /* PER_LINUX32 */
	else
		return err_set(e, ERR_INVALID, "linux.personality.domain: unknown domain \"%s\"",
			       domain);
	if (flags && flags[0])
		return err_set(e, ERR_INVALID,
			       "linux.personality.flags: \"%s\" is not supported (no flag is)",
			       flags[0]);
	l->has_personality = true;
	return 0;
}

static int parse_rlimits(struct oci_process *pr, json_t *proc, const char *path, struct err *e)
{
	json_t *a;
	int r = json_get_array(proc, path, "rlimits", false, &a, e);
	if (r <= 0)
		return r;
	_cleanup_free_ char *p = json_path_key(path, "rlimits");
	size_t n = json_array_size(a);
	if (n > 64)
		return err_set(e, ERR_INVALID, "%s: too many entries", p);
	pr->rlimits = xnew(struct oci_rlimit, n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *pi = json_path_index(p, i);
		json_t *it = json_array_get(a, i);
		if (!json_is_object(it))
			return err_set(e, ERR_INVALID, "%s: expected an object, got %s", pi,
				       json_type_name(it));
		_cleanup_free_ char *type = NULL;
		struct oci_rlimit *rl = &pr->rlimits[pr->n_rlimits];
		if (json_get_string(it, pi, "type", true, &type, e) < 0 ||
		    json_get_u64(it, pi, "soft", true, &rl->soft, e) < 0 ||
		    json_get_u64(it, pi, "hard", true, &rl->hard, e) < 0)
			return -1;
		rl->type = rlimit_from_name(type);
		if (rl->type < 0)
			return err_set(e, ERR_INVALID, "%s.type: unknown rlimit \"%s\"", pi, type);
		for (size_t j = 0; j < pr->n_rlimits; j++)
			if (pr->rlimits[j].type == rl->type)
				return err_set(e, ERR_INVALID, "%s.type: \"%s\" given twice", pi,
					       type);
		if (rl->soft > rl->hard)
			return err_set(e, ERR_INVALID, "%s: soft limit %llu above hard limit %llu",
				       pi, (unsigned long long)rl->soft,
				       (unsigned long long)rl->hard);
		pr->n_rlimits++;
	}
	return 0;
}

static int parse_process_obj(struct oci_process *pr, json_t *proc, const char *path,
			     bool args_required, struct err *e)
{
	json_t *cs, *caps;
	int r;
	if (json_get_bool(proc, path, "terminal", false, &pr->terminal, e) < 0)
		return -1;
	r = json_get_object(proc, path, "consoleSize", false, &cs, e);
	if (r < 0)
		return -1;
	if (r > 0) {
		_cleanup_free_ char *p = json_path_key(path, "consoleSize");
		pr->has_console_size = true;
		if (json_get_u32(cs, p, "height", true, &pr->console_height, e) < 0 ||
		    json_get_u32(cs, p, "width", true, &pr->console_width, e) < 0)
			return -1;
	}
	if (parse_user(&pr->user, proc, path, e) < 0)
		return -1;
	if (json_get_strv(proc, path, "args", args_required, &pr->args, e) < 0 ||
	    json_get_strv(proc, path, "env", false, &pr->env, e) < 0 ||
	    json_get_string(proc, path, "cwd", false, &pr->cwd, e) < 0)
		return -1;
	if (pr->args && !pr->args[0] && args_required) {
		_cleanup_free_ char *p = json_path_key(path, "args");
		return err_set(e, ERR_INVALID, "%s: must not be empty", p);
	}
	if (!pr->cwd)
		pr->cwd = xstrdup("/");
	if (pr->cwd[0] != '/') {
		_cleanup_free_ char *p = json_path_key(path, "cwd");
		return err_set(e, ERR_INVALID, "%s: \"%s\" is not an absolute path", p, pr->cwd);
	}
	if (!pr->env)
		pr->env = xnew(char *, 1);
	r = json_get_object(proc, path, "capabilities", false, &caps, e);
	if (r < 0)
		return -1;
	if (r > 0) {
		_cleanup_free_ char *p = json_path_key(path, "capabilities");
		pr->has_caps = true;
		if (parse_cap_set(caps, p, "bounding", &pr->caps.bounding, e) < 0 ||
		    parse_cap_set(caps, p, "effective", &pr->caps.effective, e) < 0 ||
		    parse_cap_set(caps, p, "inheritable", &pr->caps.inheritable, e) < 0 ||
		    parse_cap_set(caps, p, "permitted", &pr->caps.permitted, e) < 0 ||
		    parse_cap_set(caps, p, "ambient", &pr->caps.ambient, e) < 0)
			return -1;
	}
	if (parse_rlimits(pr, proc, path, e) < 0)
		return -1;
	if (json_get_bool(proc, path, "noNewPrivileges", false, &pr->no_new_privileges, e) < 0)
		return -1;
	int64_t oom;
	r = json_get_i64(proc, path, "oomScoreAdj", false, &oom, e);
	if (r < 0)
		return -1;
	if (r > 0) {
		if (oom < -1000 || oom > 1000) {
			_cleanup_free_ char *p = json_path_key(path, "oomScoreAdj");
			return err_set(e, ERR_INVALID, "%s: %lld is not in -1000..1000", p,
				       (long long)oom);
		}
		pr->has_oom_score_adj = true;
		pr->oom_score_adj = (int)oom;
	}
	if (json_get_string(proc, path, "apparmorProfile", false, &pr->apparmor_profile, e) < 0 ||
	    json_get_string(proc, path, "selinuxLabel", false, &pr->selinux_label, e) < 0)
		return -1;
	if (parse_scheduler(pr, proc, path, e) < 0 || parse_io_priority(pr, proc, path, e) < 0 ||
	    parse_exec_cpu_affinity(pr, proc, path, e) < 0)
		return -1;
	return 0;
}

static int parse_namespaces(struct oci_linux *l, json_t *lin, struct err *e)
{
	json_t *a;
	int r = json_get_array(lin, "linux", "namespaces", false, &a, e);
	if (r <= 0)
		return r;
	size_t i;
	json_t *it;
	json_array_foreach(a, i, it)
	{
		_cleanup_free_ char *pi = json_path_index("linux.namespaces", i);
		_cleanup_free_ char *type = NULL, *path = NULL;
		if (!json_is_object(it))
			return err_set(e, ERR_INVALID, "%s: expected an object, got %s", pi,
				       json_type_name(it));
		if (json_get_string(it, pi, "type", true, &type, e) < 0 ||
		    json_get_string(it, pi, "path", false, &path, e) < 0)
			return -1;
		int t = ns_from_spec_name(type);
		if (t < 0)
			return err_set(e, ERR_INVALID, "%s.type: unknown namespace type \"%s\"", pi,
				       type);
		if (l->ns[t].present)
			return err_set(e, ERR_INVALID, "%s.type: namespace \"%s\" listed twice", pi,
				       type);
		/* An empty path means a new namespace, as in runc. */
		if (path && *path && path[0] != '/')
			return err_set(e, ERR_INVALID, "%s.path: \"%s\" is not an absolute path",
				       pi, path);
		l->ns[t].present = true;
		l->ns[t].path = path && *path ? TAKE_PTR(path) : NULL;
	}
	return 0;
}

static int parse_devices(struct oci_linux *l, json_t *lin, struct err *e)
{
	json_t *a;
	int r = json_get_array(lin, "linux", "devices", false, &a, e);
	if (r <= 0)
		return r;
	size_t n = json_array_size(a);
	if (n > 4096)
		return err_set(e, ERR_INVALID, "linux.devices: too many entries");
	l->devices = xnew(struct oci_device, n);
	for (size_t i = 0; i < n; i++) {
		struct oci_device *d = &l->devices[l->n_devices];
		_cleanup_free_ char *pi = json_path_index("linux.devices", i);
		json_t *it = json_array_get(a, i);
		_cleanup_free_ char *type = NULL;
		if (!json_is_object(it))
			return err_set(e, ERR_INVALID, "%s: expected an object, got %s", pi,
				       json_type_name(it));
		if (json_get_string(it, pi, "type", true, &type, e) < 0 ||
		    json_get_string(it, pi, "path", true, &d->path, e) < 0)
			return -1;
		l->n_devices++;
		if (strlen(type) != 1 || !strchr("cbup", type[0]))
			return err_set(e, ERR_INVALID, "%s.type: unknown device type \"%s\"", pi,
				       type);
		d->type = type[0];
		if (d->path[0] != '/')
			return err_set(e, ERR_INVALID, "%s.path: \"%s\" is not an absolute path",
				       pi, d->path);
		int rm = json_get_i64(it, pi, "major", d->type != 'p', &d->major, e);
		int rn = json_get_i64(it, pi, "minor", d->type != 'p', &d->minor, e);
		if (rm < 0 || rn < 0)
			return -1;
		int rf = json_get_u32(it, pi, "fileMode", false, &d->file_mode, e);
		int ru = json_get_u32(it, pi, "uid", false, &d->uid, e);
		int rg = json_get_u32(it, pi, "gid", false, &d->gid, e);
		if (rf < 0 || ru < 0 || rg < 0)
			return -1;
		d->has_mode = rf > 0;
		d->has_uid = ru > 0;
		d->has_gid = rg > 0;
		if (d->has_mode && d->file_mode > 07777)
			return err_set(e, ERR_INVALID, "%s.fileMode: %o is not a permission mode",
				       pi, d->file_mode);
	}
	return 0;
}

static int parse_time_offsets(struct oci_linux *l, json_t *lin, struct err *e)
{
	json_t *o;
	int r = json_get_object(lin, "linux", "timeOffsets", false, &o, e);
	if (r <= 0)
		return r;
	static const char *const keys[] = {"monotonic", "boottime"};
	struct oci_time_offset *dst[] = {&l->time_monotonic, &l->time_boottime};
	for (size_t k = 0; k < 2; k++) {
		json_t *t;
		r = json_get_object(o, "linux.timeOffsets", keys[k], false, &t, e);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		_cleanup_free_ char *p = json_path_key("linux.timeOffsets", keys[k]);
		dst[k]->present = true;
		if (json_get_i64(t, p, "secs", false, &dst[k]->secs, e) < 0 ||
		    json_get_u32(t, p, "nanosecs", false, &dst[k]->nanosecs, e) < 0)
			return -1;
		if (dst[k]->nanosecs >= 1000000000u)
			return err_set(e, ERR_INVALID, "%s.nanosecs: must be below 1000000000", p);
	}
	return 0;
}

static int parse_linux(struct oci_config *c, json_t *doc, struct err *e)
{
	struct oci_linux *l = &c->linux;
	json_t *lin, *sub;
	int r = json_get_object(doc, "", "linux", false, &lin, e);
	if (r <= 0)
		return r;
	if (parse_namespaces(l, lin, e) < 0 ||
	    parse_id_mappings(lin, "linux", "uidMappings", &l->uid_mappings, &l->n_uid_mappings,
			      e) < 0 ||
	    parse_id_mappings(lin, "linux", "gidMappings", &l->gid_mappings, &l->n_gid_mappings,
			      e) < 0 ||
	    parse_time_offsets(l, lin, e) < 0 || parse_devices(l, lin, e) < 0)
		return -1;
	if (json_get_string(lin, "linux", "cgroupsPath", false, &l->cgroups_path, e) < 0 ||
	    json_get_string_map(lin, "linux", "sysctl", &l->sysctl, e) < 0 ||
	    json_get_strv(lin, "linux", "maskedPaths", false, &l->masked_paths, e) < 0 ||
	    json_get_strv(lin, "linux", "readonlyPaths", false, &l->readonly_paths, e) < 0 ||
	    json_get_string(lin, "linux", "mountLabel", false, &l->mount_label, e) < 0)
		return -1;
	if (parse_personality(l, lin, e) < 0)
		return -1;
	if (json_object_get(lin, "intelRdt") && !json_is_null(json_object_get(lin, "intelRdt")))
		return err_set(e, ERR_UNSUPPORTED,
			       "linux.intelRdt: Intel RDT is not supported by this runtime");
	_cleanup_free_ char *prop = NULL;
	if (json_get_string(lin, "linux", "rootfsPropagation", false, &prop, e) < 0)
		return -1;
	if (prop && *prop && propagation_from_name(prop, &l->rootfs_propagation) < 0)
		return err_set(e, ERR_INVALID,
			       "linux.rootfsPropagation: unknown propagation \"%s\"", prop);
	r = json_get_object(lin, "linux", "resources", false, &sub, e);
	if (r < 0)
		return -1;
	if (r > 0)
		l->resources_json = json_dump_string(sub, false);
	r = json_get_object(lin, "linux", "seccomp", false, &sub, e);
	if (r < 0)
		return -1;
	if (r > 0)
		l->seccomp_json = json_dump_string(sub, false);

	/* Cross-field rules of the runtime-spec. */
	bool userns = l->ns[NS_USER].present && !l->ns[NS_USER].path;
	if ((l->n_uid_mappings || l->n_gid_mappings) && !l->ns[NS_USER].present)
		return err_set(e, ERR_INVALID,
			       "linux.%s: id mappings need a user namespace in linux.namespaces",
			       l->n_uid_mappings ? "uidMappings" : "gidMappings");
	if (userns && (!l->n_uid_mappings || !l->n_gid_mappings))
		return err_set(e, ERR_INVALID,
			       "linux.uidMappings: a new user namespace needs uidMappings and "
			       "gidMappings");
	if ((l->time_monotonic.present || l->time_boottime.present) &&
	    !(l->ns[NS_TIME].present && !l->ns[NS_TIME].path))
		return err_set(e, ERR_INVALID,
			       "linux.timeOffsets: time offsets need a new time namespace");
	return 0;
}

static void hook_list_clear(struct oci_hook_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->hooks[i].path);
		strv_free(l->hooks[i].args);
		strv_free(l->hooks[i].env);
	}
	free(l->hooks);
}

void oci_process_free(struct oci_process *p)
{
	if (!p)
		return;
	free(p->user.additional_gids);
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->exec_cpu_initial);
	free(p->exec_cpu_final);
	free(p);
}

void oci_config_free(struct oci_config *c)
{
	if (!c)
		return;
	free(c->oci_version);
	free(c->root_path);
	for (size_t i = 0; i < c->n_mounts; i++) {
		struct oci_mount *m = &c->mounts[i];
		free(m->destination);
		free(m->type);
		free(m->source);
		strv_free(m->options);
		free(m->uid_mappings);
		free(m->gid_mappings);
	}
	free(c->mounts);
	oci_process_free(c->process);
	free(c->hostname);
	free(c->domainname);
	for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
		hook_list_clear(&c->hooks[k]);
	strv_free(c->annotations);
	struct oci_linux *l = &c->linux;
	for (int t = 0; t < NS_COUNT; t++)
		free(l->ns[t].path);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	strv_free(l->sysctl);
	strv_free(l->masked_paths);
	strv_free(l->readonly_paths);
	free(l->mount_label);
	free(l->resources_json);
	free(l->seccomp_json);
	free(c);
}

struct oci_config *oci_config_parse(const char *buf, size_t len, const char *what,
				    struct err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	if (len > OCI_CONFIG_MAX_SIZE) {
		err_set(e, ERR_INVALID, "%s: larger than %u bytes", what, OCI_CONFIG_MAX_SIZE);
		return NULL;
	}
	if (json_parse_buffer(buf, len, what, &doc, e) < 0)
		return NULL;
	if (!json_is_object(doc)) {
		err_set(e, ERR_INVALID, "%s: expected a JSON object, got %s", what,
			json_type_name(doc));
		return NULL;
	}
	_cleanup_(oci_config_freep) struct oci_config *c = xnew(struct oci_config, 1);
	json_t *proc;
	int r;
	if (json_get_string(doc, "", "ociVersion", true, &c->oci_version, e) < 0 ||
	    oci_version_check(c->oci_version, e) < 0 || parse_root(c, doc, e) < 0 ||
	    parse_mounts(c, doc, e) < 0 || parse_hooks(c, doc, e) < 0 ||
	    json_get_string(doc, "", "hostname", false, &c->hostname, e) < 0 ||
	    json_get_string(doc, "", "domainname", false, &c->domainname, e) < 0 ||
	    json_get_string_map(doc, "", "annotations", &c->annotations, e) < 0 ||
	    parse_linux(c, doc, e) < 0)
		goto fail;
	r = json_get_object(doc, "", "process", false, &proc, e);
	if (r < 0)
		goto fail;
	if (r > 0) {
		c->process = xnew(struct oci_process, 1);
		if (parse_process_obj(c->process, proc, "process", true, e) < 0)
			goto fail;
	}
	if (!c->annotations)
		c->annotations = xnew(char *, 1);
	if (c->hostname && strlen(c->hostname) > 64) {
		err_set(e, ERR_INVALID, "hostname: longer than 64 characters");
		goto fail;
	}
	if (c->domainname && strlen(c->domainname) > 64) {
		err_set(e, ERR_INVALID, "domainname: longer than 64 characters");
		goto fail;
	}
	if (c->hostname && *c->hostname && !c->linux.ns[NS_UTS].present) {
		err_set(e, ERR_INVALID, "hostname: setting a hostname needs a uts namespace");
		goto fail;
	}
	if (c->domainname && *c->domainname && !c->linux.ns[NS_UTS].present) {
		err_set(e, ERR_INVALID, "domainname: setting a domainname needs a uts namespace");
		goto fail;
	}
	return TAKE_PTR(c);
fail:
	err_wrap(e, "%s", what);
	return NULL;
}

struct oci_process *oci_process_parse(const char *buf, size_t len, const char *what,
				      struct err *e)
{
	_cleanup_json_ json_t *doc = NULL;
	if (json_parse_buffer(buf, len, what, &doc, e) < 0)
		return NULL;
	if (!json_is_object(doc)) {
		err_set(e, ERR_INVALID, "%s: expected a JSON object, got %s", what,
			json_type_name(doc));
		return NULL;
	}
	_cleanup_(oci_process_freep) struct oci_process *p = xnew(struct oci_process, 1);
	if (parse_process_obj(p, doc, "", true, e) < 0) {
		err_wrap(e, "%s", what);
		return NULL;
	}
	return TAKE_PTR(p);
}

struct oci_config *oci_config_load(const char *bundle, struct err *e)
{
	_cleanup_free_ char *path = path_join(bundle, "config.json");
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, path, OCI_CONFIG_MAX_SIZE, &buf, &len, e) < 0)
		return NULL;
	return oci_config_parse(buf, len, "config.json", e);
}
