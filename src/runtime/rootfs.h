/* rootfs.h: the container's root: its own mount, pivot_root, and the
 * paths hidden (maskedPaths) or frozen (readonlyPaths) after it. */
#pragma once

#include "base/err.h"
#include "oci/config.h"

/* Make the mount tree a slave of the host (or per rootfsPropagation when
 * that is private), then bind rootfs onto itself.  Returns a descriptor of
 * the new root mount (the root fd every later path is resolved against).
 * Without a mount namespace of its own (own_mnt false) the host's tree is
 * left as it is: the container's mounts then sit in the host's namespace,
 * below rootfs, and rootfs_unmount_host() removes them. */
int rootfs_prepare(const char *rootfs, unsigned long propagation, bool own_mnt, struct err *e);
/* Enter the root: pivot_root and detach the old root; with no_pivot a move
 * of the root mount and chroot; without a mount namespace of its own only
 * chroot (anything else would change the host's root).  Afterwards the
 * cwd is "/". */
int rootfs_enter(int rootfd, bool no_pivot, bool own_mnt, struct err *e);
/* The id of the mount at the top of path (statx STATX_MNT_ID), 0 on error. */
uint64_t rootfs_mount_id(const char *path);
/* Without a mount namespace: detach the container's own root mount (the
 * self-bind made by rootfs_prepare, and with it everything mounted below)
 * if the mount on top of rootfs is still the one with mount id `ours`.
 * Mounts that were there before the container are never touched. */
int rootfs_unmount_host(const char *rootfs, uint64_t ours, struct err *e);
/* Before the pivot, through the root's descriptor: hide maskedPaths
 * (a private read-only tmpfs over directories, the host's null device over
 * files), make readonlyPaths read-only, and the root when root.readonly. */
int rootfs_protect(int rootfd, const struct oci_config *c, struct err *e);
/* After the pivot: linux.rootfsPropagation on "/". */
int rootfs_propagate(unsigned long propagation, struct err *e);
