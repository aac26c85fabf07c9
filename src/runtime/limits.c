/* limits.c: see limits.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/path-util.h"
#include "oci/names.h"
#include "runtime/limits.h"

int rlimits_apply(const struct oci_process *p, struct err *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *r = &p->rlimits[i];
		struct rlimit rl = {
			.rlim_cur = r->soft == UINT64_MAX ? RLIM_INFINITY : r->soft,
			.rlim_max = r->hard == UINT64_MAX ? RLIM_INFINITY : r->hard,
		};
		if (setrlimit((__rlimit_resource_t)r->type, &rl) < 0)
			return err_sys(e, errno, "process.rlimits: set %s to %llu/%llu",
				       rlimit_name(r->type), (unsigned long long)r->soft,
				       (unsigned long long)r->hard);
	}
	return 0;
}

int rlimits_raise(const struct oci_process *p, struct err *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *r = &p->rlimits[i];
		struct rlimit cur;
		rlim_t want = r->hard == UINT64_MAX ? RLIM_INFINITY : r->hard;
		if (getrlimit((__rlimit_resource_t)r->type, &cur) < 0 ||
		    (cur.rlim_max != RLIM_INFINITY && (want == RLIM_INFINITY || want > cur.rlim_max))) {
			cur.rlim_max = want;
			if (setrlimit((__rlimit_resource_t)r->type, &cur) < 0)
				return err_sys(e, errno, "process.rlimits: raise %s to %llu",
					       rlimit_name(r->type), (unsigned long long)r->hard);
		}
	}
	return 0;
}

static bool have_cap(int cap)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {{0}};
	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

int rlimits_check(const struct oci_process *p, struct err *e)
{
	bool can_raise = have_cap(CAP_SYS_RESOURCE);
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *r = &p->rlimits[i];
		struct rlimit cur;
		if (getrlimit((__rlimit_resource_t)r->type, &cur) < 0)
			return err_sys(e, errno, "process.rlimits: read %s", rlimit_name(r->type));
		uint64_t want = r->hard == UINT64_MAX ? RLIM_INFINITY : r->hard;
		if (!can_raise && cur.rlim_max != RLIM_INFINITY && want > cur.rlim_max)
			return err_set(e, ERR_PERMISSION,
				       "process.rlimits: %s hard limit %llu is above the caller's %llu, "
				       "and raising it needs CAP_SYS_RESOURCE",
				       rlimit_name(r->type), (unsigned long long)r->hard,
				       (unsigned long long)cur.rlim_max);
	}
	return 0;
}

static const char *const ipc_sysctls[] = {
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",    "kernel.sem",
	"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* The container has a namespace of type t of its own: a new one, or one
 * joined by path that is not the runtime's (the host's). */
static bool own_ns(const struct oci_config *c, enum ns_type t)
{
	const struct oci_namespace *ns = &c->linux.ns[t];
	if (!ns->present)
		return false;
	if (!ns->path)
		return true;
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/ns/%s", ns_proc_name(t));
	struct stat a, b;
	if (stat(ns->path, &a) < 0 || stat(self, &b) < 0)
		return true; /* the join itself will say what is wrong */
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

int sysctl_validate(const struct oci_config *c, struct err *e)
{
	for (char **p = c->linux.sysctl; p && p[0] && p[1]; p += 2) {
		const char *k = p[0];
		bool ok = false;
		for (const char *s = k; *s; s++)
			if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			      (*s >= '0' && *s <= '9') || strchr("._-/", *s)))
				return err_set(e, ERR_INVALID, "linux.sysctl: invalid name \"%s\"", k);
		if (strstr(k, "..") || k[0] == '.' || k[0] == '/')
			return err_set(e, ERR_INVALID, "linux.sysctl: invalid name \"%s\"", k);
		for (size_t i = 0; i < ARRAY_SIZE(ipc_sysctls); i++)
			ok |= streq(k, ipc_sysctls[i]) && own_ns(c, NS_IPC);
		ok |= startswith(k, "fs.mqueue.") && own_ns(c, NS_IPC);
		ok |= (startswith(k, "net.") || startswith(k, "net/")) && own_ns(c, NS_NET);
		ok |= (streq(k, "kernel.hostname") || streq(k, "kernel.domainname")) &&
		      own_ns(c, NS_UTS);
		if (!ok)
			return err_set(e, ERR_INVALID,
				       "linux.sysctl: \"%s\" is not namespaced by any namespace the "
				       "container has of its own; refusing to change the host",
				       k);
	}
	return 0;
}

int sysctl_apply(int rootfd, const struct oci_config *c, struct err *e)
{
	for (char **p = c->linux.sysctl; p && p[0] && p[1]; p += 2) {
		_cleanup_free_ char *rel = xstrdup(p[0]);
		/* sysctl(8) spelling: dots separate levels and a slash stands for
		 * a dot inside a level ("net.ipv4.conf.eth0/100.forwarding"),
		 * unless the first separator is a slash: then it is a path. */
		size_t first = strcspn(rel, "./");
		if (rel[first] == '.')
			for (char *s = rel; *s; s++)
				*s = *s == '.' ? '/' : *s == '/' ? '.' : *s;
		_cleanup_free_ char *path = path_join("/proc/sys", rel);
		_cleanup_close_ int fd = path_open_in_root(rootfd, path, O_WRONLY | O_NOCTTY);
		if (fd < 0)
			return err_sys(e, fd, "linux.sysctl: open \"%s\"", path);
		struct statfs sfs;
		if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
			return err_set(e, ERR_PERMISSION,
				       "linux.sysctl: \"%s\" is not on the container's procfs", path);
		int r = write_all(fd, p[1], strlen(p[1]));
		if (r < 0)
			return err_sys(e, r, "linux.sysctl: set %s=%s", p[0], p[1]);
	}
	return 0;
}
