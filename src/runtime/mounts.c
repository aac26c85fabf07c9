/* mounts.c: see mounts.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "base/path-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "runtime/mounts.h"

#define ATIME_MASK MOUNT_ATTR__ATIME

struct attr_opt {
	const char *name;
	uint64_t attr;
	bool clear;
};

/* Options that are mount attributes (mount_setattr(2)). */
static const struct attr_opt attr_opts[] = {
	{"ro", MOUNT_ATTR_RDONLY, false},	   {"rw", MOUNT_ATTR_RDONLY, true},
	{"nosuid", MOUNT_ATTR_NOSUID, false},	   {"suid", MOUNT_ATTR_NOSUID, true},
	{"nodev", MOUNT_ATTR_NODEV, false},	   {"dev", MOUNT_ATTR_NODEV, true},
	{"noexec", MOUNT_ATTR_NOEXEC, false},	   {"exec", MOUNT_ATTR_NOEXEC, true},
	{"nodiratime", MOUNT_ATTR_NODIRATIME, false}, {"diratime", MOUNT_ATTR_NODIRATIME, true},
	{"nosymfollow", MOUNT_ATTR_NOSYMFOLLOW, false}, {"symfollow", MOUNT_ATTR_NOSYMFOLLOW, true},
	{"noatime", MOUNT_ATTR_NOATIME, false},	   {"relatime", MOUNT_ATTR_RELATIME, false},
	{"strictatime", MOUNT_ATTR_STRICTATIME, false}, {"atime", MOUNT_ATTR_NOATIME, true},
	{"norelatime", MOUNT_ATTR_STRICTATIME, false}, {"nostrictatime", MOUNT_ATTR_RELATIME, false},
};

/* Accepted and without effect here: fstab-only words, and runc's
 * "tmpcopyup" (copying image content into a tmpfs is the engine's job). */
static const char *const ignored_opts[] = {
	"defaults", "auto", "noauto", "user", "nouser", "users", "_netdev",
	"nofail", "remount", "loud", "silent", "tmpcopyup", "async",
};

static void apply_attr(uint64_t *set, uint64_t *clr, const struct attr_opt *a)
{
	bool atime = a->attr == MOUNT_ATTR_NOATIME || a->attr == MOUNT_ATTR_RELATIME ||
		     a->attr == MOUNT_ATTR_STRICTATIME;
	if (atime) {
		*set &= ~(uint64_t)ATIME_MASK;
		*clr |= ATIME_MASK;
		if (!a->clear)
			*set |= a->attr;
		else
			*set |= MOUNT_ATTR_RELATIME;
		return;
	}
	if (a->clear) {
		*set &= ~a->attr;
		*clr |= a->attr;
	} else {
		*set |= a->attr;
		*clr &= ~a->attr;
	}
}

void mount_opts_clear(struct mount_opts *o)
{
	strv_free(o->fs_params);
	memset(o, 0, sizeof(*o));
}

int mount_opts_parse(char *const *options, struct mount_opts *o, struct err *e)
{
	memset(o, 0, sizeof(*o));
	for (char *const *p = options; p && *p; p++) {
		const char *opt = *p;
		bool done = false;
		if (streq(opt, "bind") || streq(opt, "rbind")) {
			o->bind = true;
			o->recursive |= opt[0] == 'r';
			continue;
		}
		if (streq(opt, "idmap") || streq(opt, "ridmap")) {
			o->idmap = true;
			continue;
		}
		for (size_t i = 0; i < ARRAY_SIZE(attr_opts) && !done; i++) {
			if (streq(opt, attr_opts[i].name)) {
				apply_attr(&o->attr_set, &o->attr_clr, &attr_opts[i]);
				done = true;
			} else if (opt[0] == 'r' && streq(opt + 1, attr_opts[i].name) &&
				   !streq(opt, "rw")) {
				apply_attr(&o->rattr_set, &o->rattr_clr, &attr_opts[i]);
				done = true;
			}
		}
		if (!done && propagation_from_name(opt, &o->propagation) == 0)
			done = true;
		for (size_t i = 0; i < ARRAY_SIZE(ignored_opts) && !done; i++)
			done = streq(opt, ignored_opts[i]);
		if (done || startswith(opt, "x-"))
			continue;
		if (!*opt || strchr(opt, ',')) {
			mount_opts_clear(o);
			return err_set(e, ERR_INVALID, "invalid mount option \"%s\"", opt);
		}
		strv_push(&o->fs_params, opt);
	}
	return 0;
}

/* The kernel explains fsconfig/fsmount failures in the context's log. */
static void fs_log(int fsfd, struct strbuf *sb)
{
	char buf[512];
	for (;;) {
		ssize_t n = read(fsfd, buf, sizeof(buf) - 1);
		if (n <= 0)
			break;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
			n--;
		buf[n] = '\0';
		if (n > 2 && buf[1] == ' ')
			strbuf_addf(sb, "%s%s", sb->len ? "; " : "", buf + 2);
	}
}

static int fs_error(int fsfd, int errnum, const char *what, struct err *e)
{
	_cleanup_strbuf_ struct strbuf log = STRBUF_INIT;
	fs_log(fsfd, &log);
	if (log.len)
		return err_sys(e, errnum, "%s (%s)", what, log.buf);
	return err_sys(e, errnum, "%s", what);
}

int mount_setattr_fd(int fd, bool recursive, uint64_t set, uint64_t clr, unsigned long prop,
		     struct err *e)
{
	if (!set && !clr && !prop)
		return 0;
	struct mount_attr a = {.attr_set = set, .attr_clr = clr, .propagation = prop & ~MS_REC};
	unsigned flags = AT_EMPTY_PATH | (recursive || (prop & MS_REC) ? AT_RECURSIVE : 0);
	if (mount_setattr(fd, "", flags, &a, sizeof(a)) < 0)
		return err_sys(e, errno, "mount_setattr");
	return 0;
}

static int attach(int mntfd, int targetfd, struct err *e)
{
	if (move_mount(mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return err_sys(e, errno, "move_mount");
	return 0;
}

int mount_bind_fd(int srcfd, const char *src, int targetfd, bool recursive, uint64_t attr_set,
		  struct err *e)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	if (srcfd >= 0)
		flags |= AT_EMPTY_PATH;
	_cleanup_close_ int mfd = open_tree(srcfd >= 0 ? srcfd : AT_FDCWD, srcfd >= 0 ? "" : src,
					    flags);
	if (mfd < 0)
		return err_sys(e, errno, "open_tree \"%s\"", src);
	if (mount_setattr_fd(mfd, false, attr_set, 0, 0, e) < 0 || attach(mfd, targetfd, e) < 0)
		return -1;
	return 0;
}

int mount_fs_fd(const char *type, const char *source, char *const *params, uint64_t attrs,
		int targetfd, int *ret_mntfd, struct err *e)
{
	_cleanup_close_ int fsfd = fsopen(type, FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		if (errno == ENODEV)
			return err_sysk(e, ERR_UNSUPPORTED, errno,
					"filesystem type \"%s\" is not known to this kernel", type);
		return err_sys(e, errno, "fsopen \"%s\"", type);
	}
	if (source && *source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return fs_error(fsfd, errno, "fsconfig source", e);
	for (char *const *p = params; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		int r;
		if (eq) {
			_cleanup_free_ char *key = xstrndup(*p, (size_t)(eq - *p));
			r = fsconfig(fsfd, FSCONFIG_SET_STRING, key, eq + 1, 0);
		} else {
			r = fsconfig(fsfd, FSCONFIG_SET_FLAG, *p, NULL, 0);
		}
		if (r < 0) {
			_cleanup_free_ char *what = xasprintf("option \"%s\"", *p);
			return fs_error(fsfd, errno, what, e);
		}
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_error(fsfd, errno, "create filesystem", e);
	_cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)attrs);
	if (mfd < 0)
		return fs_error(fsfd, errno, "fsmount", e);
	if (attach(mfd, targetfd, e) < 0)
		return -1;
	if (ret_mntfd)
		*ret_mntfd = TAKE_FD(mfd);
	return 0;
}

/* proc and sysfs destinations must be real directories: a symlink there
 * would move the kernel's view somewhere the masks don't reach. */
static int check_no_symlink(int rootfd, const char *dest, struct err *e)
{
	int fd = path_openat2(rootfd, dest, O_PATH, 0,
			      RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS);
	if (fd == -ELOOP)
		return err_set(e, ERR_PERMISSION,
			       "destination is a symlink in the root filesystem; refusing to "
			       "mount there");
	if (fd >= 0)
		close(fd);
	return 0;
}

static uint64_t fsmount_attrs(uint64_t set)
{
	return set & (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		      MOUNT_ATTR_NOEXEC | ATIME_MASK | MOUNT_ATTR_NODIRATIME |
		      MOUNT_ATTR_NOSYMFOLLOW);
}

/* type "cgroup": the container's view of the cgroup hierarchies.  On a
 * cgroup v2 host one cgroup2 filesystem; on v1 and hybrid hosts a tmpfs
 * with one directory per hierarchy, as the host lays them out.  Inside a
 * new cgroup namespace fresh mounts show the namespace root; otherwise the
 * container's own cgroup directories are bound. */
static int mount_cgroup(const struct mount_env *env, const struct mount_opts *o, int targetfd,
			struct err *e)
{
	const struct cgroup_host *h = env->cg_host;
	uint64_t attrs = fsmount_attrs(o->attr_set);
	if (h->mode == CGROUP_MODE_V2) {
		if (env->cgroupns)
			return mount_fs_fd("cgroup2", "cgroup", NULL, attrs, targetfd, NULL, e);
		/* Without a cgroup of its own (rootless), the runtime's. */
		_cleanup_free_ char *dir = cgroup_dir(h, 0, env->cg_path ? env->cg_path : h->h[0].own_path);
		return mount_bind_fd(-1, dir, targetfd, false, attrs, e);
	}
	char *const tmpfs_params[] = {"mode=755", "size=64k", NULL};
	_cleanup_close_ int top = -1;
	if (mount_fs_fd("tmpfs", "cgroup", tmpfs_params, attrs & ~(uint64_t)MOUNT_ATTR_RDONLY,
			targetfd, &top, e) < 0)
		return -1;
	for (size_t i = 0; i < h->n; i++) {
		const struct cgroup_hierarchy *hi = &h->h[i];
		const char *name = strrchr(hi->mountpoint, '/');
		name = name ? name + 1 : hi->mountpoint;
		if (!*name || streq(name, ".") || streq(name, ".."))
			continue;
		if (mkdirat(top, name, 0755) < 0 && errno != EEXIST)
			return err_sys(e, errno, "mkdir cgroup/%s", name);
		_cleanup_close_ int sub = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return err_sys(e, errno, "open cgroup/%s", name);
		int r;
		/* cgroup v1 cannot be mounted from a user namespace (it is not
		 * FS_USERNS_MOUNT): bind the container's directory there. */
		bool fresh = env->cgroupns && (hi->v2 || !env->userns);
		if (fresh) {
			_cleanup_strv_ char **params = NULL;
			if (!hi->v2) {
				_cleanup_free_ char *c = xstrdup(hi->controllers);
				char *save = NULL;
				for (char *t = strtok_r(c, ",", &save); t; t = strtok_r(NULL, ",", &save))
					strv_push(&params, t);
			}
			r = mount_fs_fd(hi->v2 ? "cgroup2" : "cgroup", "cgroup", params, attrs, sub,
					NULL, e);
		} else {
			_cleanup_free_ char *dir =
				cgroup_dir(h, i, env->cg_path ? env->cg_path : hi->own_path);
			r = mount_bind_fd(-1, dir, sub, false, attrs, e);
		}
		if (r < 0)
			return err_wrap(e, "cgroup hierarchy \"%s\"", name);
		/* Co-mounted controllers get one link each, as on the host. */
		if (!hi->v2 && strchr(hi->controllers, ',')) {
			_cleanup_free_ char *c = xstrdup(hi->controllers);
			char *save = NULL;
			for (char *t = strtok_r(c, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (!streq(t, name) && !startswith(t, "name=") &&
				    symlinkat(name, top, t) < 0 && errno != EEXIST)
					return err_sys(e, errno, "symlink cgroup/%s", t);
		}
	}
	if (o->attr_set & MOUNT_ATTR_RDONLY)
		return mount_setattr_fd(top, false, MOUNT_ATTR_RDONLY, 0, 0, e);
	return 0;
}

static int mount_one_inner(const struct mount_env *env, const struct oci_mount *m, size_t index,
			   const struct mount_opts *o, struct err *e)
{
	const char *type = m->type && *m->type ? m->type : "none";
	bool bind = o->bind || streq(type, "bind");
	_cleanup_free_ char *dest = path_clean(m->destination);
	if (streq(dest, "/") || streq(dest, "."))
		return err_set(e, ERR_INVALID, "mounting over the root is not supported");
	int idmap_fd = env->idmap_fds ? env->idmap_fds[index] : -1;
	if ((o->idmap || m->n_uid_mappings || m->n_gid_mappings) && idmap_fd < 0)
		return err_set(e, ERR_INVALID,
			       "an idmapped mount needs uidMappings and gidMappings");

	if (bind) {
		if (!m->source || !*m->source)
			return err_set(e, ERR_INVALID, "a bind mount needs a source");
		_cleanup_free_ char *src = m->source[0] == '/' ? xstrdup(m->source)
							     : path_join(env->bundle, m->source);
		unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o->recursive ? AT_RECURSIVE : 0);
		_cleanup_close_ int mfd = open_tree(AT_FDCWD, src, flags);
		if (mfd < 0)
			return err_sys(e, errno, "bind source \"%s\"", src);
		struct stat st;
		if (fstat(mfd, &st) < 0)
			return err_sys(e, errno, "stat \"%s\"", src);
		_cleanup_close_ int target = path_create_in_root(
			env->rootfd, dest, S_ISDIR(st.st_mode) ? PATH_CREATE_DIR : PATH_CREATE_FILE,
			S_ISDIR(st.st_mode) ? 0755 : 0644, e);
		if (target < 0)
			return -1;
		if (idmap_fd >= 0) {
			/* Ownership on disk seen through the mount's own mappings;
			 * set on the detached tree, before it is attached. */
			struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP,
					       .userns_fd = (uint64_t)idmap_fd};
			unsigned f = AT_EMPTY_PATH | (o->recursive ? AT_RECURSIVE : 0);
			if (mount_setattr(mfd, "", f, &a, sizeof(a)) < 0)
				return err_sys(e, errno, "idmap the bind mount");
		}
		if (mount_setattr_fd(mfd, false, o->attr_set, o->attr_clr, 0, e) < 0 ||
		    mount_setattr_fd(mfd, true, o->rattr_set, o->rattr_clr, 0, e) < 0 ||
		    attach(mfd, target, e) < 0)
			return -1;
		return mount_setattr_fd(mfd, false, 0, 0, o->propagation, e);
	}

	if (idmap_fd >= 0)
		return err_set(e, ERR_UNSUPPORTED, "idmapped mounts are supported for bind mounts");
	if (streq(type, "proc") || streq(type, "sysfs"))
		if (check_no_symlink(env->rootfd, dest, e) < 0)
			return -1;
	_cleanup_close_ int target = path_create_in_root(env->rootfd, dest, PATH_CREATE_DIR, 0755, e);
	if (target < 0)
		return -1;
	if (streq(type, "cgroup") || streq(type, "cgroup2"))
		return mount_cgroup(env, o, target, e);
	_cleanup_close_ int mfd = -1;
	_cleanup_err_ struct err fs_err = ERR_INIT;
	if (mount_fs_fd(type, m->source, o->fs_params, fsmount_attrs(o->attr_set), target, &mfd,
			&fs_err) < 0) {
		/* sysfs needs the network namespace to belong to the user
		 * namespace: one joined from the host's is not.  The host's
		 * /sys, bound read-only, is what runc and crun give then. */
		if (streq(type, "sysfs") && env->userns && fs_err.errnum == EPERM)
			return mount_bind_fd(-1, "/sys", target, true,
					     fsmount_attrs(o->attr_set) | MOUNT_ATTR_RDONLY, e);
		err_move(e, &fs_err);
		return -1;
	}
	if (mount_setattr_fd(mfd, true, o->rattr_set, o->rattr_clr, 0, e) < 0 ||
	    mount_setattr_fd(mfd, false, 0, 0, o->propagation, e) < 0)
		return -1;
	return 0;
}

int mount_one(const struct mount_env *env, const struct oci_mount *m, size_t i, struct err *e)
{
	struct mount_opts o;
	if (mount_opts_parse(m->options, &o, e) < 0)
		return err_wrap(e, "mounts[%zu] \"%s\"", i, m->destination);
	int r = mount_one_inner(env, m, i, &o, e);
	mount_opts_clear(&o);
	if (r < 0)
		return err_wrap(e, "mounts[%zu] \"%s\"", i, m->destination);
	return 0;
}

void mount_options_each(void (*fn)(const char *name, void *data), void *data)
{
	static const char *const extra[] = {"bind", "rbind", "idmap", "ridmap", "shared",
					    "rshared", "slave", "rslave", "private", "rprivate",
					    "unbindable", "runbindable"};
	for (size_t i = 0; i < ARRAY_SIZE(attr_opts); i++) {
		fn(attr_opts[i].name, data);
		if (!streq(attr_opts[i].name, "rw")) {
			char r[32];
			snprintf(r, sizeof(r), "r%s", attr_opts[i].name);
			fn(r, data);
		}
	}
	fn("rrw", data);
	for (size_t i = 0; i < ARRAY_SIZE(extra); i++)
		fn(extra[i], data);
	for (size_t i = 0; i < ARRAY_SIZE(ignored_opts); i++)
		fn(ignored_opts[i], data);
}
