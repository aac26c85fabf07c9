/* rootfs.h: the container's root: its own mount, pivot_root, and the
 * paths hidden (maskedPaths) or frozen (readonlyPaths) after it. */
#pragma once

#include "base/err.h"
#include "oci/config.h"

/* Make the mount tree a slave of the host (or per rootfsPropagation when
 * that is private), then bind rootfs onto itself.  Returns a descriptor of
 * the new root mount (the root fd every later path is resolved against). */
int rootfs_prepare(const char *rootfs, unsigned long propagation, struct err *e);
/* Enter the root: pivot_root (or chroot with no_pivot) and detach the old
 * root.  Afterwards the cwd is "/". */
int rootfs_enter(int rootfd, bool no_pivot, struct err *e);
/* Before the pivot, through the root's descriptor: hide maskedPaths
 * (a private read-only tmpfs over directories, the host's null device over
 * files), make readonlyPaths read-only, and the root when root.readonly. */
int rootfs_protect(int rootfd, const struct oci_config *c, struct err *e);
/* After the pivot: linux.rootfsPropagation on "/". */
int rootfs_propagate(unsigned long propagation, struct err *e);
