/* spec.h: the default config.json written by `berth-runtime spec`.
 *
 * The template is a working, locked-down container: new pid, network, ipc,
 * uts, mount and cgroup namespaces, docker's default capability set, the
 * standard /proc, /dev, /sys mounts, masked and read-only /proc paths, a
 * read-only root, our default seccomp profile (seccomp-default.h), and
 * cgroup limits (a pids cap, the default CPU weight, deny-all devices).  The rootless variant adds a user namespace mapping the
 * caller's uid and gid to root and replaces what an unprivileged user may
 * not mount (sysfs, cgroup) with bind mounts. */
#pragma once

#include <sys/types.h>

#include "base/err.h"

struct oci_spec_options {
	bool rootless;
	uid_t uid; /* the caller, for the rootless mappings */
	gid_t gid;
};

/* Returns the JSON text (pretty-printed, trailing newline). */
char *oci_spec_default(const struct oci_spec_options *o);
