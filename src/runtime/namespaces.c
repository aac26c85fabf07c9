/* namespaces.c: see namespaces.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "runtime/namespaces.h"

int ns_plan_prepare(const struct oci_linux *l, struct ns_plan *p, struct err *e)
{
	for (int t = 0; t < NS_COUNT; t++)
		p->join_fd[t] = -1;
	p->clone_flags = 0;
	for (int t = 0; t < NS_COUNT; t++) {
		p->new_ns[t] = false;
		if (!l->ns[t].present)
			continue;
		if (!l->ns[t].path) {
			p->new_ns[t] = true;
			/* The cgroup namespace is unshared by the init once it sits in
			 * its cgroup, so the namespace root is the container's cgroup. */
			if (t != NS_CGROUP)
				p->clone_flags |= ns_clone_flag(t);
			continue;
		}
		int fd = open(l->ns[t].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err_sys(e, errno, "linux.namespaces: open %s namespace \"%s\"",
				ns_spec_name(t), l->ns[t].path);
			ns_plan_release(p);
			return -1;
		}
		p->join_fd[t] = fd;
		int type = ioctl(fd, NS_GET_NSTYPE);
		if (type < 0 || type != ns_clone_flag(t)) {
			err_set(e, ERR_INVALID, "linux.namespaces: \"%s\" is not a %s namespace",
				l->ns[t].path, ns_spec_name(t));
			ns_plan_release(p);
			return -1;
		}
	}
	return 0;
}

void ns_plan_release(struct ns_plan *p)
{
	for (int t = 0; t < NS_COUNT; t++) {
		if (p->join_fd[t] >= 0)
			close(p->join_fd[t]);
		p->join_fd[t] = -1;
	}
}

int ns_enter(int fd, enum ns_type t, struct err *e)
{
	if (setns(fd, ns_clone_flag(t)) < 0)
		return err_sys(e, errno, "join %s namespace", ns_spec_name(t));
	return 0;
}
