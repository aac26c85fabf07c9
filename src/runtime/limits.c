/* limits.c: see limits.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
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

static const char *const ipc_sysctls[] = {
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",    "kernel.sem",
	"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static bool own_ns(const struct oci_config *c, enum ns_type t)
{
	return c->linux.ns[t].present;
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
		/* sysctl(8) spelling: dots separate levels, a slash stands for a
		 * dot inside a level (an interface name such as "eth0.100"). */
		for (char *s = rel; *s; s++)
			*s = *s == '.' ? '/' : *s == '/' ? '.' : *s;
		_cleanup_free_ char *path = path_join("/proc/sys", rel);
		_cleanup_close_ int fd = path_open_in_root(rootfd, path, O_WRONLY | O_NOCTTY);
		if (fd < 0)
			return err_sys(e, fd, "linux.sysctl: open \"%s\"", path);
		int r = write_all(fd, p[1], strlen(p[1]));
		if (r < 0)
			return err_sys(e, r, "linux.sysctl: set %s=%s", p[0], p[1]);
	}
	return 0;
}
