/* mounts.h: config.json mounts, made with the new mount API.
 *
 * Each mount is built detached (fsopen/fsmount for filesystems, open_tree
 * for bind mounts), given its attributes with mount_setattr, and attached
 * with move_mount onto a descriptor of its destination resolved inside the
 * container root (path-util.h), so a destination can never lead out of the
 * root and no /proc path is needed while mounting.  Mount options are
 * split into mount attributes (ro, nosuid, ...; the "r"-prefixed recursive
 * forms), propagation (shared, rslave, ...) and filesystem parameters
 * (mode=755, size=64m, ...), which go to fsconfig. */
#pragma once

#include "base/err.h"
#include "oci/config.h"
#include "runtime/cgroup.h"

struct mount_opts {
	bool bind, recursive;
	uint64_t attr_set, attr_clr;	     /* top mount */
	uint64_t rattr_set, rattr_clr;	     /* the whole tree (rro, rnosuid, ...) */
	unsigned long propagation;	     /* MS_SHARED ... | MS_REC */
	char **fs_params;		     /* "key" or "key=value" for fsconfig */
	bool idmap;
};

int mount_opts_parse(char *const *options, struct mount_opts *o, struct err *e);
void mount_opts_clear(struct mount_opts *o);

struct mount_env {
	int rootfd;		 /* the container root (an O_PATH directory) */
	const char *bundle;	 /* relative bind sources are below it */
	bool userns;		 /* in a new user namespace */
	bool cgroupns;		 /* in a new cgroup namespace */
	const struct cgroup_host *cg_host;
	const char *cg_path;	 /* the container's cgroup (NULL: none) */
	const int *idmap_fds;	 /* per mount: a user namespace for an idmapped mount, or -1 */
};

/* Make config mount i inside the root.  Errors name the mount. */
int mount_one(const struct mount_env *env, const struct oci_mount *m, size_t i, struct err *e);
/* Bind the object at src (a host path, or "" with srcfd) over the object
 * targetfd refers to. */
int mount_bind_fd(int srcfd, const char *src, int targetfd, bool recursive, uint64_t attr_set,
		  struct err *e);
/* A fresh filesystem (type, fsconfig params) attached at targetfd; the
 * descriptor of the new mount is returned in *ret_mntfd when asked. */
int mount_fs_fd(const char *type, const char *source, char *const *params, uint64_t attrs,
		int targetfd, int *ret_mntfd, struct err *e);
/* Set attributes on the mount at fd (AT_EMPTY_PATH). */
int mount_setattr_fd(int fd, bool recursive, uint64_t set, uint64_t clr, unsigned long prop,
		     struct err *e);
/* Every mount option this runtime understands (for `features`); calls
 * fn once per name. */
void mount_options_each(void (*fn)(const char *name, void *data), void *data);
