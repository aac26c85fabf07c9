/* spec-mounts.c: what `run` adds to a container's config beyond its
 * process: bind mounts (-v, --mount), tmpfs (--tmpfs, --mount
 * type=tmpfs), the generated /etc files, the init (--init), ulimits,
 * sysctls, devices and a seccomp profile of the user's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/parse-util.h"
#include "base/strv.h"
#include "engine/spec-internal.h"
#include "oci/names.h"

/* docker's propagations: the runtime's, less (r)unbindable. */
static bool is_propagation(const char *s)
{
	unsigned long flags;
	return propagation_from_name(s, &flags) == 0 && !strstr(s, "unbindable");
}

/* A destination in the container: absolute, no "..", not "/". */
static int check_destination(const char *flag, const char *spec, const char *dst,
			     struct err *e)
{
	if (!dst || dst[0] != '/')
		return err_set(e, ERR_INVALID, "%s \"%s\": the destination must be an absolute path",
			       flag, spec);
	if (streq(dst, "/"))
		return err_set(e, ERR_INVALID, "%s \"%s\": cannot mount over /", flag, spec);
	for (const char *p = dst; (p = strstr(p, "..")); p += 2)
		if ((p == dst || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return err_set(e, ERR_INVALID, "%s \"%s\": \"..\" in the destination", flag,
				       spec);
	return 0;
}

static void add_mount(json_t *mounts, const char *type, const char *src, const char *dst,
		      char **opts)
{
	/* A later mount of the same destination replaces an earlier one
	 * (the defaults: /dev/shm, ...), as docker's do. */
	json_t *it;
	size_t i;
	json_array_foreach(mounts, i, it)
	{
		if (streq_ptr(json_string_value(json_object_get(it, "destination")), dst)) {
			json_array_remove(mounts, i);
			break;
		}
	}
	json_t *m = json_object();
	json_object_set_new(m, "destination", json_string(dst));
	json_object_set_new(m, "type", json_string(type));
	json_object_set_new(m, "source", json_string(src));
	json_object_set_new(m, "options", json_string_array(opts));
	json_array_append_new(mounts, m);
}

static int add_bind(json_t *mounts, const char *flag, const char *spec, const char *src,
		    const char *dst, bool ro, const char *propagation, bool create, struct err *e)
{
	if (check_destination(flag, spec, dst, e) < 0)
		return -1;
	if (!src || src[0] != '/')
		return err_set(e, ERR_INVALID, "%s \"%s\": the source must be an absolute host path "
			       "or a volume's name", flag, spec);
	struct stat st;
	if (stat(src, &st) < 0) {
		if (errno != ENOENT || !create)
			return err_sys(e, errno, "%s \"%s\": bind source path %s", flag, spec, src);
		/* -v makes a missing host directory, as docker does. */
		if (mkdir_p(src, 0755, e) < 0)
			return err_wrap(e, "%s \"%s\"", flag, spec);
	}
	_cleanup_strv_ char **opts = NULL;
	strv_push(&opts, "rbind");
	strv_push(&opts, ro ? "ro" : "rw");
	strv_push(&opts, propagation ? propagation : "rprivate");
	add_mount(mounts, "bind", src, dst, opts);
	return 0;
}

/* -v SRC:DST[:OPTS] */
static int volume(json_t *mounts, const char *spec, struct err *e)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *dst = strchr(copy, ':');
	if (!dst)
		return err_set(e, ERR_INVALID,
			       "-v \"%s\": expected /CONTAINER-PATH, VOLUME:/CONTAINER-PATH or "
			       "/HOST-PATH:/CONTAINER-PATH", spec);
	*dst++ = '\0';
	char *opt = strchr(dst, ':');
	if (opt)
		*opt++ = '\0';
	bool ro = false;
	const char *prop = NULL;
	char *save = NULL;
	for (char *o = opt ? strtok_r(opt, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
		if (streq(o, "ro") || streq(o, "rw"))
			ro = streq(o, "ro");
		else if (is_propagation(o))
			prop = o;
		else if (!streq(o, "z") && !streq(o, "Z") && !streq(o, "nocopy") &&
			 !streq(o, "consistent") && !streq(o, "cached") && !streq(o, "delegated"))
			return err_set(e, ERR_INVALID, "-v \"%s\": invalid mode: %s", spec, o);
	}
	return add_bind(mounts, "-v", spec, copy, dst, ro, prop, true, e);
}

static int tmpfs_opts(const char *flag, const char *spec, char *list, char ***opts,
		      struct err *e)
{
	char *save = NULL;
	for (char *o = list ? strtok_r(list, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
		if (!strncmp(o, "size=", 5)) {
			uint64_t n;
			if (parse_size(o + 5, &n) < 0)
				return err_set(e, ERR_INVALID, "%s \"%s\": bad size %s", flag, spec, o + 5);
			strv_consume(opts, xasprintf("size=%llu", (unsigned long long)n));
		} else if (!strncmp(o, "mode=", 5)) {
			if (strspn(o + 5, "01234567") != strlen(o + 5) || !o[5])
				return err_set(e, ERR_INVALID, "%s \"%s\": bad mode %s", flag, spec, o + 5);
			strv_push(opts, o);
		} else if (streq(o, "ro") || streq(o, "rw") || streq(o, "exec") || streq(o, "noexec") ||
			   streq(o, "suid") || streq(o, "nosuid") || streq(o, "dev") ||
			   streq(o, "nodev") || !strncmp(o, "uid=", 4) || !strncmp(o, "gid=", 4)) {
			strv_push(opts, o);
		} else {
			return err_set(e, ERR_INVALID, "%s \"%s\": unknown option %s", flag, spec, o);
		}
	}
	return 0;
}

/* --tmpfs DST[:OPTS] */
static int tmpfs(json_t *mounts, const char *spec, struct err *e)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *opt = strchr(copy, ':');
	if (opt)
		*opt++ = '\0';
	if (check_destination("--tmpfs", spec, copy, e) < 0)
		return -1;
	_cleanup_strv_ char **opts = NULL;
	strv_push(&opts, "noexec");
	strv_push(&opts, "nosuid");
	strv_push(&opts, "nodev");
	if (tmpfs_opts("--tmpfs", spec, opt, &opts, e) < 0)
		return -1;
	add_mount(mounts, "tmpfs", "tmpfs", copy, opts);
	return 0;
}

/* --mount type=bind|tmpfs,source=,target=,readonly,bind-propagation=,
 * tmpfs-size=,tmpfs-mode= */
static int mount_flag(json_t *mounts, const char *spec, struct err *e)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	const char *type = "volume", *src = NULL, *dst = NULL, *prop = NULL;
	bool ro = false;
	_cleanup_free_ char *tmp = NULL;
	char *save = NULL;
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		const char *v = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		if (streq(kv, "type") && v)
			type = v;
		else if ((streq(kv, "source") || streq(kv, "src")) && v)
			src = v;
		else if ((streq(kv, "target") || streq(kv, "destination") || streq(kv, "dst")) && v)
			dst = v;
		else if (streq(kv, "readonly") || streq(kv, "ro"))
			ro = !v || streq(v, "true") || streq(v, "1");
		else if (streq(kv, "bind-propagation") && v && is_propagation(v))
			prop = v;
		else if (streq(kv, "tmpfs-size") && v) {
			char *t = xasprintf("%s%ssize=%s", tmp ? tmp : "", tmp ? "," : "", v);
			free(tmp);
			tmp = t;
		} else if (streq(kv, "tmpfs-mode") && v) {
			char *t = xasprintf("%s%smode=%s", tmp ? tmp : "", tmp ? "," : "", v);
			free(tmp);
			tmp = t;
		} else if (!streq(kv, "consistency") && !streq(kv, "bind-nonrecursive"))
			return err_set(e, ERR_INVALID, "--mount \"%s\": unexpected key '%s'", spec, kv);
	}
	if (streq(type, "bind"))
		return add_bind(mounts, "--mount", spec, src, dst, ro, prop, false, e);
	if (streq(type, "tmpfs")) {
		if (check_destination("--mount", spec, dst, e) < 0)
			return -1;
		_cleanup_strv_ char **opts = NULL;
		strv_push(&opts, "nosuid");
		strv_push(&opts, "nodev");
		if (ro)
			strv_push(&opts, "ro");
		if (tmpfs_opts("--mount", spec, tmp, &opts, e) < 0)
			return -1;
		add_mount(mounts, "tmpfs", "tmpfs", dst, opts);
		return 0;
	}
	return err_set(e, ERR_INVALID, "--mount \"%s\": unknown type %s (bind, volume, tmpfs)",
		       spec, type);
}

/* --ulimit nofile=1024[:2048] */
static int ulimits(json_t *proc, char **specs, struct err *e)
{
	if (!specs || !specs[0])
		return 0;
	json_t *rls = json_array();
	json_object_set_new(proc, "rlimits", rls);
	for (char **s = specs; *s; s++) {
		const char *eq = strchr(*s, '=');
		_cleanup_free_ char *name = eq ? xstrndup(*s, (size_t)(eq - *s)) : NULL;
		_cleanup_free_ char *type = name ? xasprintf("RLIMIT_%s", name) : NULL;
		for (char *c = type; c && *c; c++)
			*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
		if (!type || rlimit_from_name(type) < 0)
			return err_set(e, ERR_INVALID, "--ulimit \"%s\": invalid ulimit type", *s);
		_cleanup_free_ char *vals = xstrdup(eq + 1);
		char *colon = strchr(vals, ':');
		if (colon)
			*colon = '\0';
		int64_t soft, hard;
		if (parse_i64(vals, &soft) < 0 || soft < -1 ||
		    (colon ? parse_i64(colon + 1, &hard) < 0 : ((hard = soft), false)) || hard < -1)
			return err_set(e, ERR_INVALID, "--ulimit \"%s\": invalid value", *s);
		uint64_t us = soft < 0 ? UINT64_MAX : (uint64_t)soft;
		uint64_t uh = hard < 0 ? UINT64_MAX : (uint64_t)hard;
		if (us > uh)
			return err_set(e, ERR_INVALID,
				       "--ulimit \"%s\": the soft limit is above the hard one", *s);
		json_t *rl = json_object();
		json_object_set_new(rl, "type", json_string(type));
		json_object_set_new(rl, "hard", json_integer((json_int_t)uh));
		json_object_set_new(rl, "soft", json_integer((json_int_t)us));
		json_array_append_new(rls, rl);
	}
	return 0;
}

/* --device /dev/x[:/dev/y[:rwm]] */
static int devices(json_t *lin, char **specs, struct err *e)
{
	if (!specs || !specs[0])
		return 0;
	json_t *devs = json_object_get(lin, "devices");
	if (!devs) {
		devs = json_array();
		json_object_set_new(lin, "devices", devs);
	}
	json_t *res = json_object_get(lin, "resources");
	json_t *allow = json_object_get(res, "devices");
	for (char **s = specs; *s; s++) {
		_cleanup_free_ char *copy = xstrdup(*s);
		char *dst = strchr(copy, ':'), *perm = NULL;
		if (dst) {
			*dst++ = '\0';
			perm = strchr(dst, ':');
			if (perm)
				*perm++ = '\0';
			if (!perm && strspn(dst, "rwm") == strlen(dst) && dst[0] != '/') {
				perm = dst;
				dst = NULL;
			}
		}
		const char *access = perm && *perm ? perm : "rwm";
		if (strspn(access, "rwm") != strlen(access))
			return err_set(e, ERR_INVALID, "--device \"%s\": bad permissions %s", *s, access);
		struct stat st;
		if (stat(copy, &st) < 0)
			return err_sys(e, errno, "--device \"%s\"", *s);
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			return err_set(e, ERR_INVALID, "--device \"%s\": not a device", *s);
		const char *path = dst && *dst ? dst : copy;
		if (check_destination("--device", *s, path, e) < 0)
			return -1;
		json_t *d = json_object();
		json_object_set_new(d, "path", json_string(path));
		json_object_set_new(d, "type", json_string(S_ISCHR(st.st_mode) ? "c" : "b"));
		json_object_set_new(d, "major", json_integer(major(st.st_rdev)));
		json_object_set_new(d, "minor", json_integer(minor(st.st_rdev)));
		json_object_set_new(d, "fileMode", json_integer(st.st_mode & 07777));
		json_object_set_new(d, "uid", json_integer(0));
		json_object_set_new(d, "gid", json_integer(0));
		json_array_append_new(devs, d);
		if (allow) {
			json_t *a = json_object();
			json_object_set_new(a, "allow", json_true());
			json_object_set_new(a, "type", json_string(S_ISCHR(st.st_mode) ? "c" : "b"));
			json_object_set_new(a, "major", json_integer(major(st.st_rdev)));
			json_object_set_new(a, "minor", json_integer(minor(st.st_rdev)));
			json_object_set_new(a, "access", json_string(access));
			json_array_append_new(allow, a);
		}
	}
	return 0;
}

/* --sysctl k=v: the runtime checks each belongs to a namespace of the
 * container's own. */
static int sysctls(json_t *lin, char **specs, struct err *e)
{
	if (!specs || !specs[0])
		return 0;
	json_t *sc = json_object();
	for (char **s = specs; *s; s++) {
		const char *eq = strchr(*s, '=');
		if (!eq || eq == *s) {
			json_decref(sc);
			return err_set(e, ERR_INVALID, "--sysctl \"%s\": expected KEY=VALUE", *s);
		}
		_cleanup_free_ char *k = xstrndup(*s, (size_t)(eq - *s));
		json_object_set_new(sc, k, json_string(eq + 1));
	}
	json_object_set_new(lin, "sysctl", sc);
	return 0;
}

int spec_add_extras(json_t *doc, const struct spec_run_opts *o, struct err *e)
{
	json_t *mounts = json_object_get(doc, "mounts");
	json_t *lin = json_object_get(doc, "linux");
	json_t *proc = json_object_get(doc, "process");
	/* The generated /etc files: the container's own, bound over the
	 * image's (a -v of the same path replaces them). */
	static const char *const etc[] = {"hosts", "hostname", "resolv.conf"};
	for (size_t i = 0; o->etc_dir && i < ARRAY_SIZE(etc); i++) {
		_cleanup_free_ char *src = xasprintf("%s/%s", o->etc_dir, etc[i]);
		_cleanup_free_ char *dst = xasprintf("/etc/%s", etc[i]);
		char *opts[] = {(char *)"rbind", (char *)"rprivate", NULL};
		add_mount(mounts, "bind", src, dst, opts);
	}
	for (char **v = o->volumes; v && *v; v++)
		if (volume(mounts, *v, e) < 0)
			return -1;
	for (char **m = o->mounts; m && *m; m++)
		if (mount_flag(mounts, *m, e) < 0)
			return -1;
	for (char **t = o->tmpfs; t && *t; t++)
		if (tmpfs(mounts, *t, e) < 0)
			return -1;
	/* Limits not asked for are the caller's, as with docker. */
	json_object_del(proc, "rlimits");
	if (ulimits(proc, o->ulimits, e) < 0 || devices(lin, o->devices, e) < 0 ||
	    sysctls(lin, o->sysctls, e) < 0)
		return -1;
	if (o->init_path) {
		/* Our init first: it reaps zombies and passes signals on. */
		char *opts[] = {(char *)"bind", (char *)"ro", (char *)"nosuid", (char *)"nodev", NULL};
		add_mount(mounts, "bind", o->init_path, SPEC_INIT_PATH, opts);
		json_t *args = json_object_get(proc, "args");
		json_array_insert_new(args, 0, json_string("--"));
		json_array_insert_new(args, 0, json_string(SPEC_INIT_PATH));
	}
	if (o->seccomp_unconfined) {
		json_object_del(lin, "seccomp");
	} else if (o->seccomp_profile) {
		json_error_t je;
		json_t *prof = json_loads(o->seccomp_profile, 0, &je);
		if (!json_is_object(prof) || !json_is_string(json_object_get(prof, "defaultAction"))) {
			json_decref(prof);
			return err_set(e, ERR_INVALID,
				       "--security-opt seccomp: not a seccomp profile (a JSON object "
				       "with defaultAction)");
		}
		/* docker's own keys that the runtime-spec does not have. */
		json_object_del(prof, "archMap");
		json_t *sys = json_object_get(prof, "syscalls"), *it;
		size_t i;
		json_array_foreach(sys, i, it)
		{
			json_object_del(it, "includes");
			json_object_del(it, "excludes");
			json_object_del(it, "comment");
		}
		json_object_set_new(lin, "seccomp", prof);
	}
	return 0;
}
