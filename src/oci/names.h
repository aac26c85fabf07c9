/* names.h: the spellings the runtime-spec uses for kernel objects:
 * namespace types, capabilities, rlimits, mount options.  Tables only. */
#pragma once

#include "base/util.h"

enum ns_type {
	NS_PID,
	NS_NET,
	NS_MNT,
	NS_IPC,
	NS_UTS,
	NS_USER,
	NS_CGROUP,
	NS_TIME,
	NS_COUNT,
};

/* "pid", "network", ... as in linux.namespaces[].type. */
const char *ns_spec_name(enum ns_type t);
/* "pid", "net", "mnt", ... as in /proc/<pid>/ns/. */
const char *ns_proc_name(enum ns_type t);
/* CLONE_NEW* flag. */
int ns_clone_flag(enum ns_type t);
/* Returns -1 when unknown. */
int ns_from_spec_name(const char *name);

#define CAP_NAMES_MAX 64
/* "CAP_SYS_ADMIN" -> 21; -1 when the name is unknown to this runtime. */
int cap_from_name(const char *name);
/* Name of capability n, or NULL when unknown. */
const char *cap_name(int n);
/* Highest capability number this runtime knows. */
int cap_last_known(void);

/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 when unknown. */
int rlimit_from_name(const char *name);
const char *rlimit_name(int type);

/* Mount propagation by its mount(8) name ("rshared" -> MS_SHARED | MS_REC);
 * returns -1 when unknown. */
int propagation_from_name(const char *name, unsigned long *ret);
