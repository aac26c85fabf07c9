/* names.c: see names.h. */
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "oci/names.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *spec, *proc;
	int flag;
} namespaces[NS_COUNT] = {
	[NS_PID] = {"pid", "pid", CLONE_NEWPID},
	[NS_NET] = {"network", "net", CLONE_NEWNET},
	[NS_MNT] = {"mount", "mnt", CLONE_NEWNS},
	[NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
	[NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
	[NS_USER] = {"user", "user", CLONE_NEWUSER},
	[NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
	[NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

const char *ns_spec_name(enum ns_type t) { return namespaces[t].spec; }
const char *ns_proc_name(enum ns_type t) { return namespaces[t].proc; }
int ns_clone_flag(enum ns_type t) { return namespaces[t].flag; }

int ns_from_spec_name(const char *name)
{
	for (int t = 0; t < NS_COUNT; t++)
		if (streq(name, namespaces[t].spec))
			return t;
	return -1;
}

/* Linux capability numbers, include/uapi/linux/capability.h. */
static const char *const caps[] = {
	"CAP_CHOWN",		"CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID",		"CAP_KILL",	      "CAP_SETGID",	     "CAP_SETUID",
	"CAP_SETPCAP",		"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",	"CAP_NET_RAW",	      "CAP_IPC_LOCK",	     "CAP_IPC_OWNER",
	"CAP_SYS_MODULE",	"CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",	     "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",	"CAP_SYS_ADMIN",      "CAP_SYS_BOOT",	     "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",	"CAP_SYS_TIME",	      "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
	"CAP_LEASE",		"CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",	"CAP_MAC_ADMIN",      "CAP_SYSLOG",	     "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",	"CAP_AUDIT_READ",     "CAP_PERFMON",	     "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int cap_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
		if (streq(name, caps[i]))
			return (int)i;
	return -1;
}

const char *cap_name(int n)
{
	if (n < 0 || (size_t)n >= ARRAY_SIZE(caps))
		return NULL;
	return caps[n];
}

int cap_last_known(void) { return (int)ARRAY_SIZE(caps) - 1; }

static const struct {
	const char *name;
	int type;
} rlimits[] = {
	{"RLIMIT_CPU", RLIMIT_CPU},	      {"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_DATA", RLIMIT_DATA},	      {"RLIMIT_STACK", RLIMIT_STACK},
	{"RLIMIT_CORE", RLIMIT_CORE},	      {"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_NPROC", RLIMIT_NPROC},	      {"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},	      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

int rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (streq(name, rlimits[i].name))
			return rlimits[i].type;
	return -1;
}

const char *rlimit_name(int type)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (rlimits[i].type == type)
			return rlimits[i].name;
	return NULL;
}

static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
	{"shared", MS_SHARED},	       {"rshared", MS_SHARED | MS_REC},
	{"slave", MS_SLAVE},	       {"rslave", MS_SLAVE | MS_REC},
	{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
	{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

int propagation_from_name(const char *name, unsigned long *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(propagations); i++)
		if (streq(name, propagations[i].name)) {
			*ret = propagations[i].flags;
			return 0;
		}
	return -1;
}
