/* userns.h: uid/gid maps of a new user namespace, written by the parent. */
#pragma once

#include <sys/types.h>

#include "base/err.h"
#include "oci/config.h"

/* Write /proc/<pid>/{setgroups,uid_map,gid_map}.  An unprivileged caller
 * must deny setgroups first (user_namespaces(7)). */
int userns_write_maps(pid_t pid, const struct oci_linux *l, struct err *e);
/* A user namespace with these maps, for an idmapped mount: a short-lived
 * child enters a new one, the maps are written, its /proc/<pid>/ns/user is
 * opened and the child is killed.  Returns the namespace descriptor. */
int userns_fd_with_maps(const struct oci_id_mapping *u, size_t nu,
			const struct oci_id_mapping *g, size_t ng, struct err *e);
