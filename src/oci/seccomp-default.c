/* seccomp-default.c: see seccomp-default.h.
 *
 * The lists are grouped by subject and name every spelling libseccomp
 * knows a syscall by on the profile's architectures (the 32-bit x86 and
 * arm tables add *32, *64 and *_time64 variants).  A name the runtime's
 * libseccomp does not know is skipped when the filter is compiled, so
 * listing syscalls newer than it is harmless. */
#include <errno.h>
#include <jansson.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "base/json-util.h"
#include "oci/seccomp-default.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

#define CAPBIT(c) (UINT64_C(1) << (c))

/* What any program may need: the kernel does its own permission checks
 * for these (owner, uid, rlimit, same-user signals ...). */
static const char *const allow_always[] = {
	/* files and descriptors */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
	"preadv2", "pwritev2", "open", "openat", "openat2", "creat", "close", "close_range",
	"lseek", "_llseek", "dup", "dup2", "dup3", "fcntl", "fcntl64", "ioctl", "flock",
	"fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "truncate", "truncate64",
	"ftruncate", "ftruncate64", "fallocate", "fadvise64", "fadvise64_64", "readahead",
	"sendfile", "sendfile64", "splice", "tee", "vmsplice", "copy_file_range", "pipe",
	"pipe2", "cachestat",
	/* metadata, directories, links */
	"stat", "stat64", "lstat", "lstat64", "fstat", "fstat64", "newfstatat", "fstatat64",
	"statx", "statfs", "statfs64", "fstatfs", "fstatfs64", "access", "faccessat",
	"faccessat2", "getdents", "getdents64", "getcwd", "chdir", "fchdir", "mkdir", "mkdirat",
	"rmdir", "mknod", "mknodat", "link", "linkat", "unlink", "unlinkat", "symlink",
	"symlinkat", "readlink", "readlinkat", "rename", "renameat", "renameat2", "chmod",
	"fchmod", "fchmodat", "fchmodat2", "chown", "chown32", "fchown", "fchown32", "fchownat",
	"lchown", "lchown32", "umask", "utime", "utimes", "utimensat", "utimensat_time64",
	"futimesat", "file_getattr", "file_setattr",
	/* extended attributes */
	"getxattr", "lgetxattr", "fgetxattr", "getxattrat", "setxattr", "lsetxattr",
	"fsetxattr", "setxattrat", "listxattr", "llistxattr", "flistxattr", "listxattrat",
	"removexattr", "lremovexattr", "fremovexattr", "removexattrat",
	/* waiting for descriptors, events */
	"select", "_newselect", "pselect6", "pselect6_time64", "poll", "ppoll", "ppoll_time64",
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait",
	"epoll_wait_old", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd",
	"signalfd4", "timerfd_create", "timerfd_settime", "timerfd_settime64",
	"timerfd_gettime", "timerfd_gettime64", "inotify_init", "inotify_init1",
	"inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
	/* asynchronous I/O */
	"io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
	"io_pgetevents_time64", "io_uring_setup", "io_uring_enter", "io_uring_register",
	/* memory */
	"brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync",
	"mlock", "mlock2", "munlock", "mlockall", "munlockall", "remap_file_pages",
	"membarrier", "memfd_create", "memfd_secret", "pkey_alloc", "pkey_free",
	"pkey_mprotect", "map_shadow_stack", "mseal",
	/* processes and threads (clone is in its own rule) */
	"fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid",
	"waitpid", "getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid",
	"setsid", "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "prctl",
	"capget", "capset", "pidfd_open", "pidfd_send_signal", "process_mrelease", "seccomp",
	"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "getrandom",
	"restart_syscall", "uprobe", "uretprobe",
	/* futexes */
	"futex", "futex_time64", "futex_waitv", "futex_wake", "futex_wait", "futex_requeue",
	/* signals */
	"kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"rt_sigpending", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
	"rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack", "sigaction", "signal",
	"sigprocmask", "sigpending", "sigsuspend", "sigreturn", "pause",
	/* credentials (the kernel wants CAP_SETUID / CAP_SETGID for changes) */
	"getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid",
	"getegid32", "getresuid", "getresuid32", "getresgid", "getresgid32", "getgroups",
	"getgroups32", "setuid", "setuid32", "setgid", "setgid32", "setreuid", "setreuid32",
	"setregid", "setregid32", "setresuid", "setresuid32", "setresgid", "setresgid32",
	"setfsuid", "setfsuid32", "setfsgid", "setfsgid32", "setgroups", "setgroups32",
	/* scheduling, priorities, limits, accounting */
	"sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam",
	"sched_setparam", "sched_getscheduler", "sched_setscheduler", "sched_getattr",
	"sched_setattr", "sched_get_priority_max", "sched_get_priority_min",
	"sched_rr_get_interval", "sched_rr_get_interval_time64", "getpriority", "setpriority",
	"nice", "ioprio_get", "ioprio_set", "getcpu", "getrlimit", "ugetrlimit", "setrlimit",
	"prlimit64", "getrusage", "times", "sysinfo", "uname",
	/* time and timers */
	"time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres",
	"clock_getres_time64", "clock_nanosleep", "clock_nanosleep_time64", "nanosleep",
	"alarm", "getitimer", "setitimer", "timer_create", "timer_delete", "timer_settime",
	"timer_settime64", "timer_gettime", "timer_gettime64", "timer_getoverrun",
	/* sockets (socket itself is in its own rule) */
	"socketpair", "socketcall", "bind", "connect", "listen", "accept", "accept4",
	"getsockname", "getpeername", "getsockopt", "setsockopt", "shutdown", "send", "sendto",
	"sendmsg", "sendmmsg", "recv", "recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64",
	/* System V and POSIX IPC (namespaced) */
	"ipc", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "semctl", "shmget", "shmat", "shmdt", "shmctl", "mq_open",
	"mq_unlink", "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_notify", "mq_getsetattr",
	/* Linux security modules: a process's own attributes */
	"lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules",
	/* the mounts of the process's own mount namespace, read-only */
	"statmount", "listmount",
	NULL,
};

/* Machine-specific ones, for the architectures the profile names. */
static const char *const allow_arch[] = {
#if defined(__x86_64__) || defined(__i386__)
	"arch_prctl", "modify_ldt", "get_thread_area", "set_thread_area",
#elif defined(__aarch64__) || defined(__arm__)
	"breakpoint", "cacheflush", "set_tls", "arm_fadvise64_64", "arm_sync_file_range",
	"sync_file_range2",
#endif
	NULL,
};

static const char *const architectures[] = {
#if defined(__x86_64__) || defined(__i386__)
	"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
#elif defined(__aarch64__) || defined(__arm__)
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
#endif
	NULL, /* elsewhere: the runtime's own architecture only */
};

/* Privileged syscalls: allowed when any capability of `caps` is in the
 * bounding set, the ones the kernel checks for them. */
static const struct {
	uint64_t caps;
	const char *const *names;
} allow_with_caps[] = {
	{CAPBIT(CAP_SYS_ADMIN),
	 (const char *const[]){"mount", "umount", "umount2", "pivot_root", "fsopen", "fsconfig",
			       "fsmount", "fspick", "open_tree", "open_tree_attr", "move_mount",
			       "mount_setattr", "unshare", "setns", "sethostname",
			       "setdomainname", "quotactl", "quotactl_fd", "fanotify_init",
			       "lookup_dcookie", "swapon", "swapoff", NULL}},
	{CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_DAC_READ_SEARCH),
	 (const char *const[]){"name_to_handle_at", NULL}},
	{CAPBIT(CAP_DAC_READ_SEARCH), (const char *const[]){"open_by_handle_at", NULL}},
	{CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_SYSLOG), (const char *const[]){"syslog", NULL}},
	{CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_BPF), (const char *const[]){"bpf", NULL}},
	{CAPBIT(CAP_SYS_ADMIN) | CAPBIT(CAP_PERFMON),
	 (const char *const[]){"perf_event_open", NULL}},
	{CAPBIT(CAP_SYS_BOOT),
	 (const char *const[]){"reboot", "kexec_load", "kexec_file_load", NULL}},
	{CAPBIT(CAP_SYS_CHROOT), (const char *const[]){"chroot", NULL}},
	{CAPBIT(CAP_SYS_MODULE),
	 (const char *const[]){"init_module", "finit_module", "delete_module", NULL}},
	{CAPBIT(CAP_SYS_PACCT), (const char *const[]){"acct", NULL}},
	{CAPBIT(CAP_SYS_PTRACE),
	 (const char *const[]){"ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
			       "pidfd_getfd", "process_madvise", "userfaultfd", NULL}},
	{CAPBIT(CAP_SYS_RAWIO), (const char *const[]){"iopl", "ioperm", NULL}},
	{CAPBIT(CAP_SYS_TIME),
	 (const char *const[]){"settimeofday", "stime", "clock_settime", "clock_settime64",
			       "adjtimex", "clock_adjtime", "clock_adjtime64", NULL}},
	{CAPBIT(CAP_SYS_TTY_CONFIG), (const char *const[]){"vhangup", NULL}},
	{CAPBIT(CAP_SYS_NICE),
	 (const char *const[]){"mbind", "get_mempolicy", "set_mempolicy",
			       "set_mempolicy_home_node", "migrate_pages", "move_pages", NULL}},
};

/* personality(2): Linux, 32-bit Linux, each with UNAME26, and the query
 * 0xffffffff; never READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE and the like. */
static const uint64_t safe_personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

#define CLONE_NEW_ANY                                                                          \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |            \
	 CLONE_NEWNET | CLONE_NEWCGROUP)

static json_t *append_names(json_t *a, const char *const *l)
{
	for (; *l; l++)
		json_array_append_new(a, json_string(*l));
	return a;
}

static json_t *names_array(const char *const *l) { return append_names(json_array(), l); }

static json_t *rule(json_t *names, const char *action)
{
	json_t *r = json_object();
	json_object_set_new(r, "names", names);
	json_object_set_new(r, "action", json_string(action));
	return r;
}

/* For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo what the masked
 * argument must equal. */
static json_t *arg(unsigned index, uint64_t value, uint64_t value_two, const char *op)
{
	json_t *a = json_object();
	json_object_set_new(a, "index", json_integer(index));
	json_object_set_new(a, "value", json_integer((json_int_t)value));
	if (streq(op, "SCMP_CMP_MASKED_EQ"))
		json_object_set_new(a, "valueTwo", json_integer((json_int_t)value_two));
	json_object_set_new(a, "op", json_string(op));
	return a;
}

static json_t *rule_arg(const char *name, const char *action, json_t *a)
{
	json_t *r = rule(names_array((const char *const[]){name, NULL}), action);
	json_t *args = json_array();
	json_array_append_new(args, a);
	json_object_set_new(r, "args", args);
	return r;
}

char *oci_seccomp_default_json(uint64_t caps)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "defaultAction", json_string("SCMP_ACT_ERRNO"));
	json_object_set_new(doc, "defaultErrnoRet", json_integer(EPERM));
	if (architectures[0])
		json_object_set_new(doc, "architectures", names_array(architectures));

	json_t *rules = json_array();
	json_t *names = names_array(allow_always);
	append_names(names, allow_arch);
	for (size_t i = 0; i < ARRAY_SIZE(allow_with_caps); i++)
		if (caps & allow_with_caps[i].caps)
			append_names(names, allow_with_caps[i].names);
	if (caps & CAPBIT(CAP_SYS_ADMIN)) {
		json_array_append_new(names, json_string("clone"));
		json_array_append_new(names, json_string("clone3"));
	}
	json_array_append_new(rules, rule(names, "SCMP_ACT_ALLOW"));

	if (!(caps & CAPBIT(CAP_SYS_ADMIN))) {
		/* clone(2) flags are argument 0 on x86 and arm.  clone3 passes them
		 * in memory a filter cannot read: ENOSYS makes libc use clone. */
		json_array_append_new(rules, rule_arg("clone", "SCMP_ACT_ALLOW",
						      arg(0, CLONE_NEW_ANY, 0, "SCMP_CMP_MASKED_EQ")));
		json_t *c3 = rule(names_array((const char *const[]){"clone3", NULL}),
				  "SCMP_ACT_ERRNO");
		json_object_set_new(c3, "errnoRet", json_integer(ENOSYS));
		json_array_append_new(rules, c3);
	}
	for (size_t i = 0; i < ARRAY_SIZE(safe_personas); i++)
		json_array_append_new(rules, rule_arg("personality", "SCMP_ACT_ALLOW",
						      arg(0, safe_personas[i], 0, "SCMP_CMP_EQ")));
	/* vsock reaches the host (or hypervisor) past the network namespace. */
	json_array_append_new(rules,
			      rule_arg("socket", "SCMP_ACT_ALLOW", arg(0, AF_VSOCK, 0, "SCMP_CMP_NE")));
	json_object_set_new(doc, "syscalls", rules);

	char *s = json_dump_string(doc, false);
	json_decref(doc);
	return s;
}
