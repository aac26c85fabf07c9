/* limits.h: process.rlimits and linux.sysctl. */
#pragma once

#include "base/err.h"
#include "oci/config.h"

int rlimits_apply(const struct oci_process *p, struct err *e);
/* Check that every sysctl is namespaced by a namespace the container has
 * of its own (net.* needs a network namespace, kernel.shm* an ipc one...),
 * so a container can never change the host's kernel settings. */
int sysctl_validate(const struct oci_config *c, struct err *e);
/* Write them through procroot (the container's /proc/sys). */
int sysctl_apply(int rootfd, const struct oci_config *c, struct err *e);
