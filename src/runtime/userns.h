/* userns.h: uid/gid maps of a new user namespace, written by the parent. */
#pragma once

#include <sys/types.h>

#include "base/err.h"
#include "oci/config.h"

/* Write /proc/<pid>/{setgroups,uid_map,gid_map}.  An unprivileged caller
 * must deny setgroups first (user_namespaces(7)). */
int userns_write_maps(pid_t pid, const struct oci_linux *l, struct err *e);
