/* limits.h: process.rlimits and linux.sysctl. */
#pragma once

#include "base/err.h"
#include "oci/config.h"

/* In the parent, before anything is created: a hard limit above the
 * caller's cannot be set without CAP_SYS_RESOURCE.  A clear error now. */
int rlimits_check(const struct oci_process *p, struct err *e);
/* In the init, before the change of user id: the hard limits that go up
 * (that needs CAP_SYS_RESOURCE, gone with the effective set at setuid). */
int rlimits_raise(const struct oci_process *p, struct err *e);
/* In the init, as late as possible: the exact values (a small
 * RLIMIT_NOFILE or RLIMIT_AS must not stop the init's own work). */
int rlimits_apply(const struct oci_process *p, struct err *e);
/* Check that every sysctl is namespaced by a namespace the container has
 * of its own (net.* needs a network namespace, kernel.shm* an ipc one...),
 * so a container can never change the host's kernel settings. */
int sysctl_validate(const struct oci_config *c, struct err *e);
/* Write them through the root's descriptor into the container's own
 * /proc/sys, checked to be procfs. */
int sysctl_apply(int rootfd, const struct oci_config *c, struct err *e);
