/* status.h: a container's record on disk and its live status.
 *
 * Each container owns <root>/<id>/ (mode 0700):
 *   state.json   what create recorded (written atomically once the init
 *                is ready; its absence means "creating")
 *   config.json  the config as it was at create (hooks for start/delete)
 *   exec.fifo    present between create and start ("created")
 * The directory itself is the lock (flock) for verbs that change it.
 * The status is never stored: it is derived from the init's pid, checked
 * against its start time so a recycled pid is never mistaken for it. */
#pragma once

#include <sys/types.h>

#include "base/err.h"

struct container_record {
	char *oci_version;
	char *id;
	pid_t pid;
	uint64_t pid_start; /* /proc/<pid>/stat field 22 */
	char *bundle;
	char *rootfs;
	char *created;
	char *owner;
	char **annotations;
	char *cgroup_path;
	char *freezer; /* the cgroup file that says whether it is paused */
	bool has_hooks; /* poststart / poststop: config.json must be read */
	uint64_t host_mount_id; /* no mount namespace: its root mount, in the host's */
};

enum container_status {
	STATUS_CREATING,
	STATUS_CREATED,
	STATUS_RUNNING,
	STATUS_PAUSED,
	STATUS_STOPPED,
};

const char *container_status_name(enum container_status s);
void container_record_clear(struct container_record *r);

/* The state root (and any directory the runtime keeps in it) must be a
 * real directory of the caller's, which nobody else may write: otherwise
 * another user could plant a container record with hooks in it.  Made
 * (0700) when missing and create is true. */
int root_check(const char *root, bool create, struct err *e);
/* Make <root>/<id> (the root too, 0700); fails with ERR_EXISTS when the
 * container exists.  Returns the directory's descriptor. */
int record_dir_create(const char *root, const char *id, struct err *e);
/* Open <root>/<id>; ERR_NOT_FOUND names the container when missing. */
int record_dir_open(const char *root, const char *id, struct err *e);
int record_save(int dirfd, const struct container_record *r, struct err *e);
int record_load(int dirfd, struct container_record *r, struct err *e);
enum container_status record_status(int dirfd, const struct container_record *r);
/* The user name of uid from /etc/passwd (no NSS: the binary is static),
 * or the number. */
char *owner_name(uid_t uid);
/* Start time of pid, 0 when it does not exist. */
uint64_t proc_start_time(pid_t pid);
/* Whether pid is alive (not a zombie) and started at start (0: any). */
bool proc_alive(pid_t pid, uint64_t start);
