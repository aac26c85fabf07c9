/* cgroup.h: the container's control group, on cgroup v1, v2 or hybrid hosts.
 *
 * cgroup_detect() reads /proc/self/mountinfo and /proc/self/cgroup once and
 * describes the host: which hierarchies are mounted where, with which
 * controllers, and where this process sits in each.  A container's cgroup
 * is one path (linux.cgroupsPath) applied to every hierarchy:
 *   "/a/b"  below each hierarchy's root;
 *   "a/b"   below the runtime's own cgroup in that hierarchy;
 *   "slice:prefix:name" (systemd's form) the path systemd would give that
 *           unit: "/system.slice/prefix-name.scope" (cgroupfs fallback);
 *   unset   "/berth/<id>".
 * The path is recorded in the container state so `delete` removes exactly
 * what `create` made. */
#pragma once

#include <sys/types.h>

#include "base/err.h"
#include "oci/config.h"
#include "oci/resources.h"

enum cgroup_mode { CGROUP_MODE_V1, CGROUP_MODE_V2, CGROUP_MODE_HYBRID };

#define CGROUP_MAX_HIERARCHIES 32

struct cgroup_hierarchy {
	char *mountpoint;  /* /sys/fs/cgroup/cpu */
	char *controllers; /* "cpu", "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
	char *own_path;	   /* this process's cgroup in it, "/" ... */
	bool v2;
};

struct cgroup_host {
	enum cgroup_mode mode;
	struct cgroup_hierarchy h[CGROUP_MAX_HIERARCHIES];
	size_t n;
};

int cgroup_detect(struct cgroup_host *host, struct err *e);
void cgroup_host_clear(struct cgroup_host *host);
const char *cgroup_mode_name(enum cgroup_mode m);

/* Resolve linux.cgroupsPath into the absolute path used in each hierarchy
 * ("/berth/<id>" form, always starting with '/').  A relative path is
 * resolved against the first hierarchy's own cgroup. */
int cgroup_resolve_path(const struct cgroup_host *host, const char *cgroups_path, const char *id,
			char **ret, struct err *e);
/* Directory of path in hierarchy i (mountpoint + path). */
char *cgroup_dir(const struct cgroup_host *host, size_t i, const char *path);
/* Create the cgroup in every hierarchy. */
int cgroup_create(const struct cgroup_host *host, const char *path, struct err *e);
/* Move pid into the cgroup in every hierarchy. */
int cgroup_enter(const struct cgroup_host *host, const char *path, pid_t pid, struct err *e);
/* Remove the cgroup from every hierarchy (retrying while it drains). */
int cgroup_destroy(const struct cgroup_host *host, const char *path, struct err *e);
/* Whether any process is in the cgroup or below it. */
bool cgroup_populated(const struct cgroup_host *host, const char *path);
/* Pids in the cgroup and the cgroups below it (from the first hierarchy
 * that lists them). */
int cgroup_pids(const struct cgroup_host *host, const char *path, pid_t **ret, size_t *n,
		struct err *e);

/* Apply linux.resources (create and update); lx gives the devices the
 * container creates, which the device rules allow. */
int cgroup_apply(const struct cgroup_host *host, const char *path, const struct oci_resources *r,
		 const struct oci_linux *lx, struct err *e);
/* Freeze or thaw every process of the cgroup, waiting until it is done. */
int cgroup_freeze(const struct cgroup_host *host, const char *path, bool freeze, struct err *e);
/* The file that says whether the cgroup is frozen (v1 freezer.state, v2
 * cgroup.freeze); NULL when the host has no freezer. */
char *cgroup_freezer_file(const struct cgroup_host *host, const char *path);
/* Whether the freezer file says frozen. */
bool cgroup_freezer_file_frozen(const char *file);
/* The runc-style stats object ("cpu", "memory", "pids") as JSON text. */
char *cgroup_stats_json(const struct cgroup_host *host, const char *path);
