/* spec.c: see spec.h. */
#include <jansson.h>
#include <stdlib.h>

#include "base/json-util.h"
#include "oci/config.h"
#include "oci/names.h"
#include "oci/seccomp-default.h"
#include "oci/spec.h"

static json_t *strarray(const char *const *l)
{
	json_t *a = json_array();
	for (; *l; l++)
		json_array_append_new(a, json_string(*l));
	return a;
}

static json_t *mount(const char *dest, const char *type, const char *src,
		     const char *const *opts)
{
	json_t *m = json_object();
	json_object_set_new(m, "destination", json_string(dest));
	json_object_set_new(m, "type", json_string(type));
	json_object_set_new(m, "source", json_string(src));
	if (opts)
		json_object_set_new(m, "options", strarray(opts));
	return m;
}

/* docker's default capability set. */
static const char *const default_caps[] = {
	"CAP_CHOWN",	    "CAP_DAC_OVERRIDE", "CAP_FSETID",	"CAP_FOWNER",
	"CAP_MKNOD",	    "CAP_NET_RAW",	"CAP_SETGID",	"CAP_SETUID",
	"CAP_SETFCAP",	    "CAP_SETPCAP",	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
	"CAP_KILL",	    "CAP_AUDIT_WRITE",	NULL,
};

static const char *const masked_paths[] = {
	"/proc/acpi",	      "/proc/asound",	     "/proc/kcore",	"/proc/keys",
	"/proc/latency_stats", "/proc/timer_list",   "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",	      "/sys/firmware",	     "/sys/devices/virtual/powercap", NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* The default seccomp profile for a bounding set. */
static json_t *seccomp_profile(const char *const *bounding)
{
	uint64_t caps = 0;
	for (; *bounding; bounding++) {
		int c = cap_from_name(*bounding);
		if (c >= 0)
			caps |= UINT64_C(1) << c;
	}
	char *text = oci_seccomp_default_json(caps);
	json_t *v = json_loads(text, 0, NULL);
	free(text);
	if (!v)
		abort(); /* our own text */
	return v;
}

char *oci_spec_default(const struct oci_spec_options *o)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "ociVersion", json_string(OCI_VERSION));

	json_t *proc = json_object();
	json_object_set_new(proc, "terminal", json_true());
	json_t *user = json_object();
	json_object_set_new(user, "uid", json_integer(0));
	json_object_set_new(user, "gid", json_integer(0));
	json_object_set_new(proc, "user", user);
	json_object_set_new(proc, "args", strarray((const char *[]){"sh", NULL}));
	json_object_set_new(proc, "env",
			    strarray((const char *[]){"PATH=/usr/local/sbin:/usr/local/bin:"
						      "/usr/sbin:/usr/bin:/sbin:/bin",
						      "TERM=xterm", NULL}));
	json_object_set_new(proc, "cwd", json_string("/"));
	json_t *caps = json_object();
	json_object_set_new(caps, "bounding", strarray(default_caps));
	json_object_set_new(caps, "effective", strarray(default_caps));
	json_object_set_new(caps, "permitted", strarray(default_caps));
	json_object_set_new(proc, "capabilities", caps);
	json_t *rl = json_object();
	json_object_set_new(rl, "type", json_string("RLIMIT_NOFILE"));
	json_object_set_new(rl, "hard", json_integer(1024));
	json_object_set_new(rl, "soft", json_integer(1024));
	json_t *rls = json_array();
	json_array_append_new(rls, rl);
	json_object_set_new(proc, "rlimits", rls);
	json_object_set_new(proc, "noNewPrivileges", json_true());
	json_object_set_new(doc, "process", proc);

	json_t *root = json_object();
	json_object_set_new(root, "path", json_string("rootfs"));
	json_object_set_new(root, "readonly", json_true());
	json_object_set_new(doc, "root", root);
	json_object_set_new(doc, "hostname", json_string("berth"));

	json_t *mounts = json_array();
	json_array_append_new(mounts, mount("/proc", "proc", "proc", NULL));
	json_array_append_new(mounts,
			      mount("/dev", "tmpfs", "tmpfs",
				    (const char *[]){"nosuid", "strictatime", "mode=755",
						     "size=65536k", NULL}));
	if (o->rootless)
		json_array_append_new(mounts,
				      mount("/dev/pts", "devpts", "devpts",
					    (const char *[]){"nosuid", "noexec", "newinstance",
							     "ptmxmode=0666", "mode=0620", NULL}));
	else
		json_array_append_new(
			mounts, mount("/dev/pts", "devpts", "devpts",
				      (const char *[]){"nosuid", "noexec", "newinstance",
						       "ptmxmode=0666", "mode=0620", "gid=5", NULL}));
	json_array_append_new(mounts, mount("/dev/shm", "tmpfs", "shm",
					    (const char *[]){"nosuid", "noexec", "nodev",
							     "mode=1777", "size=65536k", NULL}));
	json_array_append_new(mounts, mount("/dev/mqueue", "mqueue", "mqueue",
					    (const char *[]){"nosuid", "noexec", "nodev", NULL}));
	if (o->rootless) {
		json_array_append_new(mounts, mount("/sys", "none", "/sys",
						    (const char *[]){"rbind", "nosuid", "noexec",
								     "nodev", "ro", NULL}));
	} else {
		json_array_append_new(mounts, mount("/sys", "sysfs", "sysfs",
						    (const char *[]){"nosuid", "noexec", "nodev",
								     "ro", NULL}));
		json_array_append_new(mounts,
				      mount("/sys/fs/cgroup", "cgroup", "cgroup",
					    (const char *[]){"nosuid", "noexec", "nodev",
							     "relatime", "ro", NULL}));
	}
	json_object_set_new(doc, "mounts", mounts);

	json_t *lin = json_object();
	if (o->rootless) {
		json_t *um = json_array(), *gm = json_array();
		json_t *u = json_object(), *g = json_object();
		json_object_set_new(u, "containerID", json_integer(0));
		json_object_set_new(u, "hostID", json_integer(o->uid));
		json_object_set_new(u, "size", json_integer(1));
		json_object_set_new(g, "containerID", json_integer(0));
		json_object_set_new(g, "hostID", json_integer(o->gid));
		json_object_set_new(g, "size", json_integer(1));
		json_array_append_new(um, u);
		json_array_append_new(gm, g);
		json_object_set_new(lin, "uidMappings", um);
		json_object_set_new(lin, "gidMappings", gm);
	} else {
		json_t *res = json_object();
		json_t *devs = json_array();
		json_t *deny = json_object();
		json_object_set_new(deny, "allow", json_false());
		json_object_set_new(deny, "access", json_string("rwm"));
		json_array_append_new(devs, deny);
		json_object_set_new(res, "devices", devs);
		/* Limits that hold without getting in a program's way: a cap on
		 * processes (fork bombs) and the default CPU weight. */
		json_t *pids = json_object(), *cpu = json_object();
		json_object_set_new(pids, "limit", json_integer(4096));
		json_object_set_new(cpu, "shares", json_integer(1024));
		json_object_set_new(res, "pids", pids);
		json_object_set_new(res, "cpu", cpu);
		json_object_set_new(lin, "resources", res);
	}
	json_t *nss = json_array();
	const char *const ns_root[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
	const char *const ns_rootless[] = {"pid", "ipc", "uts", "mount", "cgroup", "user", NULL};
	for (const char *const *n = o->rootless ? ns_rootless : ns_root; *n; n++) {
		json_t *ns = json_object();
		json_object_set_new(ns, "type", json_string(*n));
		json_array_append_new(nss, ns);
	}
	json_object_set_new(lin, "namespaces", nss);
	json_object_set_new(lin, "maskedPaths", strarray(masked_paths));
	json_object_set_new(lin, "readonlyPaths", strarray(readonly_paths));
	json_object_set_new(lin, "seccomp", seccomp_profile(default_caps));
	json_object_set_new(doc, "linux", lin);

	char *s = json_dump_string(doc, true);
	json_decref(doc);
	char *r = xasprintf("%s\n", s);
	free(s);
	return r;
}
