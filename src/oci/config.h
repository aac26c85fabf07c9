/* config.h: the OCI runtime-spec config.json as typed structs.
 *
 * Owns: struct oci_config and everything below it.  oci_config_parse()
 * turns the JSON document into these structs, checking types and the
 * "MUST error" rules of the runtime-spec (unknown namespace type, unknown
 * capability, unsupported ociVersion...); every error names its JSON path:
 *     config.json: process.capabilities.bounding[2]: unknown capability "CAP_FOO"
 * Unknown fields are ignored.  Nothing here touches the kernel: the runtime
 * layer applies what this layer describes.  Linux only. */
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include "base/err.h"
#include "oci/names.h"

#define OCI_CONFIG_MAX_SIZE (16u << 20)
#define OCI_VERSION "1.2.1"

struct oci_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct oci_mount {
	char *destination;
	char *type; /* may be NULL (then "bind" if options say so) */
	char *source;
	char **options;
	struct oci_id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
};

struct oci_hook {
	char *path;
	char **args;
	char **env;
	int timeout; /* seconds; 0 = none */
};

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_KIND_COUNT,
};

struct oci_hook_list {
	struct oci_hook *hooks;
	size_t n;
};

struct oci_rlimit {
	int type; /* RLIMIT_* */
	uint64_t soft, hard;
};

struct oci_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
};

/* Capability sets as bit masks of CAP_* numbers. */
struct oci_caps {
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height, console_width;
	struct oci_user user;
	char **args;
	char **env;
	char *cwd;
	bool has_caps;
	struct oci_caps caps;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile;
	char *selinux_label;
	struct oci_scheduler {
		bool present;
		int policy; /* SCHED_* */
		int32_t nice, priority;
		uint64_t flags; /* SCHED_FLAG_* */
		uint64_t runtime, deadline, period;
	} scheduler;
	struct oci_io_priority {
		bool present;
		int klass; /* IOPRIO_CLASS_* */
		int priority;
	} io_priority;
	/* execCPUAffinity (exec only): CPU lists as written, validated. */
	char *exec_cpu_initial, *exec_cpu_final;
};

struct oci_namespace {
	bool present; /* listed in linux.namespaces */
	char *path;   /* join this one; NULL = create a new one */
};

struct oci_device {
	char type; /* 'c', 'b', 'u' (unbuffered char) or 'p' */
	char *path;
	int64_t major, minor;
	bool has_mode, has_uid, has_gid;
	uint32_t file_mode, uid, gid;
};

struct oci_time_offset {
	bool present;
	int64_t secs;
	uint32_t nanosecs;
};

struct oci_linux {
	struct oci_namespace ns[NS_COUNT];
	struct oci_id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct oci_time_offset time_monotonic, time_boottime;
	struct oci_device *devices;
	size_t n_devices;
	char *cgroups_path;
	char **sysctl; /* "name", "value" pairs */
	char **masked_paths;
	char **readonly_paths;
	unsigned long rootfs_propagation; /* MS_* flags or 0 */
	char *mount_label;
	bool has_personality;
	unsigned long personality; /* PER_LINUX or PER_LINUX32 */
	/* Raw JSON of sections applied by later stages (resources, seccomp);
	 * kept as text so no json_t leaves this module. */
	char *resources_json;
	char *seccomp_json;
};

struct oci_config {
	char *oci_version;
	char *root_path; /* as written in config.json */
	bool root_readonly;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_process *process; /* NULL when absent */
	char *hostname;
	char *domainname;
	struct oci_hook_list hooks[OCI_HOOK_KIND_COUNT];
	char **annotations; /* "key", "value" pairs */
	struct oci_linux linux;
};

/* Parse a config.json document.  `what` names it in error messages. */
struct oci_config *oci_config_parse(const char *buf, size_t len, const char *what,
				    struct err *e);
/* Read and parse <bundle>/config.json. */
struct oci_config *oci_config_load(const char *bundle, struct err *e);
void oci_config_free(struct oci_config *c);
DEFINE_CLEANUP_FUNC(struct oci_config *, oci_config_free)

/* Parse a single "process" object (also used by `exec --process`). */
struct oci_process *oci_process_parse(const char *buf, size_t len, const char *what,
				      struct err *e);
void oci_process_free(struct oci_process *p);
DEFINE_CLEANUP_FUNC(struct oci_process *, oci_process_free)

/* Accepts 1.0.0 up to 1.2.x, with an optional pre-release or build suffix. */
int oci_version_check(const char *v, struct err *e);
const char *oci_hook_kind_name(enum oci_hook_kind k);
bool oci_config_has_hooks(const struct oci_config *c, enum oci_hook_kind k);
