/* test-spec-state: the default config.json (`berth-runtime spec`) and the
 * state document. */
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "base/strv.h"
#include "oci/config.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "sanitizer-options.h"
#include "tap.h"

#define BIT(c) (1ull << (c))

static const struct oci_mount *find_mount(const struct oci_config *c, const char *dest)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (streq(c->mounts[i].destination, dest))
			return &c->mounts[i];
	return NULL;
}

static struct oci_config *spec(bool rootless, uid_t uid, gid_t gid, char **ret_text)
{
	struct oci_spec_options o = {.rootless = rootless, .uid = uid, .gid = gid};
	char *s = oci_spec_default(&o);
	struct err e = ERR_INIT;
	struct oci_config *c = oci_config_parse(s, strlen(s), "config.json", &e);
	if (!ok(c != NULL, "the %s default spec parses", rootless ? "rootless" : "root"))
		printf("#   %s\n", err_msg(&e));
	err_clear(&e);
	if (ret_text)
		*ret_text = s;
	else
		free(s);
	return c;
}

static void common_checks(const struct oci_config *c, const char *what)
{
	is_str(c->oci_version, OCI_VERSION, "%s: ociVersion", what);
	is_str(c->root_path, "rootfs", "%s: root.path", what);
	ok(c->root_readonly, "%s: root.readonly", what);
	is_str(c->hostname, "berth", "%s: hostname", what);
	const struct oci_process *p = c->process;
	if (!ok(p != NULL, "%s: process", what))
		return;
	ok(p->terminal, "%s: terminal", what);
	ok(p->user.uid == 0 && p->user.gid == 0, "%s: runs as root in the container", what);
	ok(strv_length(p->args) == 1 && streq(p->args[0], "sh"), "%s: args [sh]", what);
	ok(strv_length(p->env) == 2 && startswith(p->env[0], "PATH=/usr/local/sbin:") &&
		   streq(p->env[1], "TERM=xterm"),
	   "%s: env", what);
	is_str(p->cwd, "/", "%s: cwd", what);
	uint64_t docker = BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) |
			  BIT(CAP_FOWNER) | BIT(CAP_MKNOD) | BIT(CAP_NET_RAW) | BIT(CAP_SETGID) |
			  BIT(CAP_SETUID) | BIT(CAP_SETFCAP) | BIT(CAP_SETPCAP) |
			  BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_CHROOT) | BIT(CAP_KILL) |
			  BIT(CAP_AUDIT_WRITE);
	ok(p->has_caps && p->caps.bounding == docker, "%s: bounding is docker's set (%#llx)", what,
	   (unsigned long long)p->caps.bounding);
	ok(p->caps.effective == docker && p->caps.permitted == docker,
	   "%s: effective and permitted too", what);
	ok(p->caps.inheritable == 0 && p->caps.ambient == 0, "%s: no inheritable, no ambient",
	   what);
	ok(!(p->caps.bounding & BIT(CAP_SYS_ADMIN)), "%s: no CAP_SYS_ADMIN", what);
	ok(p->n_rlimits == 1 && p->rlimits[0].type == RLIMIT_NOFILE &&
		   p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 1024,
	   "%s: RLIMIT_NOFILE 1024/1024", what);
	ok(p->no_new_privileges, "%s: noNewPrivileges", what);

	const struct oci_linux *l = &c->linux;
	ok(l->ns[NS_PID].present && l->ns[NS_IPC].present && l->ns[NS_UTS].present &&
		   l->ns[NS_MNT].present && l->ns[NS_CGROUP].present,
	   "%s: pid, ipc, uts, mount, cgroup namespaces", what);
	ok(!l->ns[NS_TIME].present, "%s: no time namespace", what);
	bool nopath = true;
	for (int t = 0; t < NS_COUNT; t++)
		nopath = nopath && !l->ns[t].path;
	ok(nopath, "%s: every namespace is new (no paths)", what);
	is_int(strv_length(l->masked_paths), 11, "%s: maskedPaths", what);
	ok(strv_contains(l->masked_paths, "/proc/kcore") &&
		   strv_contains(l->masked_paths, "/sys/firmware"),
	   "%s: /proc/kcore and /sys/firmware masked", what);
	is_int(strv_length(l->readonly_paths), 5, "%s: readonlyPaths", what);
	ok(strv_contains(l->readonly_paths, "/proc/sys") &&
		   strv_contains(l->readonly_paths, "/proc/sysrq-trigger"),
	   "%s: /proc/sys read-only", what);

	const struct oci_mount *m = find_mount(c, "/proc");
	ok(m && streq(m->type, "proc") && streq(m->source, "proc") && !m->options,
	   "%s: /proc", what);
	m = find_mount(c, "/dev");
	ok(m && streq(m->type, "tmpfs") && strv_contains(m->options, "strictatime") &&
		   strv_contains(m->options, "mode=755") && strv_contains(m->options, "nosuid"),
	   "%s: /dev tmpfs", what);
	m = find_mount(c, "/dev/shm");
	ok(m && streq(m->type, "tmpfs") && strv_contains(m->options, "mode=1777") &&
		   strv_contains(m->options, "noexec"),
	   "%s: /dev/shm", what);
	m = find_mount(c, "/dev/mqueue");
	ok(m && streq(m->type, "mqueue"), "%s: /dev/mqueue", what);
	m = find_mount(c, "/dev/pts");
	ok(m && streq(m->type, "devpts") && strv_contains(m->options, "newinstance") &&
		   strv_contains(m->options, "ptmxmode=0666"),
	   "%s: /dev/pts", what);
	ok(c->n_mounts > 1 && streq(c->mounts[0].destination, "/proc") &&
		   streq(c->mounts[1].destination, "/dev"),
	   "%s: /proc first, then /dev (mount order matters)", what);
}

static void test_spec_root(void)
{
	char *text = NULL;
	struct oci_config *c = spec(false, 1000, 1000, &text);
	ok(text && text[strlen(text) - 1] == '\n' && text[strlen(text) - 2] == '}',
	   "the text ends with a newline");
	ok(text && startswith(text, "{\n  \"ociVersion\": \"" OCI_VERSION "\""),
	   "pretty-printed, ociVersion first");
	free(text);
	if (!c)
		return;
	common_checks(c, "root");
	const struct oci_linux *l = &c->linux;
	ok(l->ns[NS_NET].present, "root: a network namespace");
	ok(!l->ns[NS_USER].present, "root: no user namespace");
	ok(l->n_uid_mappings == 0 && l->n_gid_mappings == 0, "root: no id mappings");
	is_int(c->n_mounts, 7, "root: seven mounts");
	const struct oci_mount *m = find_mount(c, "/sys");
	ok(m && streq(m->type, "sysfs") && strv_contains(m->options, "ro"), "root: sysfs, ro");
	m = find_mount(c, "/sys/fs/cgroup");
	ok(m && streq(m->type, "cgroup") && strv_contains(m->options, "ro"),
	   "root: /sys/fs/cgroup");
	m = find_mount(c, "/dev/pts");
	ok(m && strv_contains(m->options, "gid=5"), "root: devpts gid=5");
	ok(l->resources_json && strstr(l->resources_json, "\"devices\"") &&
		   strstr(l->resources_json, "\"allow\":false") &&
		   strstr(l->resources_json, "\"access\":\"rwm\""),
	   "root: resources deny every device: %s",
	   l->resources_json ? l->resources_json : "(null)");
	oci_config_free(c);
}

static void test_spec_rootless(uid_t uid, gid_t gid)
{
	char what[64];
	snprintf(what, sizeof(what), "rootless %u:%u", (unsigned)uid, (unsigned)gid);
	struct oci_config *c = spec(true, uid, gid, NULL);
	if (!c)
		return;
	common_checks(c, what);
	const struct oci_linux *l = &c->linux;
	ok(l->ns[NS_USER].present && !l->ns[NS_USER].path, "%s: a new user namespace", what);
	ok(!l->ns[NS_NET].present, "%s: no network namespace", what);
	ok(l->n_uid_mappings == 1 && l->uid_mappings[0].container_id == 0 &&
		   l->uid_mappings[0].host_id == uid && l->uid_mappings[0].size == 1,
	   "%s: uid 0 maps to %u", what, (unsigned)uid);
	ok(l->n_gid_mappings == 1 && l->gid_mappings[0].container_id == 0 &&
		   l->gid_mappings[0].host_id == gid && l->gid_mappings[0].size == 1,
	   "%s: gid 0 maps to %u", what, (unsigned)gid);
	ok(!find_mount(c, "/sys/fs/cgroup"), "%s: no cgroup mount", what);
	const struct oci_mount *m = find_mount(c, "/sys");
	ok(m && streq(m->source, "/sys") && strv_contains(m->options, "rbind") &&
		   strv_contains(m->options, "ro") && strv_contains(m->options, "nosuid"),
	   "%s: /sys is a read-only recursive bind", what);
	m = find_mount(c, "/dev/pts");
	ok(m && !strv_contains(m->options, "gid=5"), "%s: devpts without gid=5", what);
	is_int(c->n_mounts, 6, "%s: six mounts", what);
	ok(l->resources_json == NULL, "%s: no device cgroup rules", what);
	oci_config_free(c);
}

static void state_is(const struct oci_state *s, bool pretty, const char *want, const char *what)
{
	char *got = oci_state_to_json(s, pretty);
	is_str(got, want, "%s", what);
	free(got);
}

static void test_state(void)
{
	char *ann[] = {"org.example.z", "1", "org.example.a", "two", NULL};
	struct oci_state s = {
		.oci_version = "1.2.1",
		.id = "web",
		.status = "running",
		.pid = 4242,
		.bundle = "/var/lib/bundles/web",
		.rootfs = "/var/lib/bundles/web/rootfs",
		.created = "2024-05-06T07:08:09.123456789Z",
		.owner = "root",
		.annotations = ann,
	};
	state_is(&s, false,
		 "{\"ociVersion\":\"1.2.1\",\"id\":\"web\",\"status\":\"running\",\"pid\":4242,"
		 "\"bundle\":\"/var/lib/bundles/web\",\"rootfs\":\"/var/lib/bundles/web/rootfs\","
		 "\"created\":\"2024-05-06T07:08:09.123456789Z\",\"owner\":\"root\","
		 "\"annotations\":{\"org.example.z\":\"1\",\"org.example.a\":\"two\"}}",
		 "full state: key order ociVersion, id, status, pid, bundle, ...; annotations in order");

	struct oci_state minimal = {
		.oci_version = "1.2.1",
		.id = "c1",
		.status = "stopped",
		.pid = 0,
		.bundle = "/b",
	};
	state_is(&minimal, false,
		 "{\"ociVersion\":\"1.2.1\",\"id\":\"c1\",\"status\":\"stopped\",\"pid\":0,"
		 "\"bundle\":\"/b\",\"annotations\":{}}",
		 "minimal state: optional keys left out, annotations an empty object");

	state_is(&minimal, true,
		 "{\n  \"ociVersion\": \"1.2.1\",\n  \"id\": \"c1\",\n  \"status\": \"stopped\",\n"
		 "  \"pid\": 0,\n  \"bundle\": \"/b\",\n  \"annotations\": {}\n}",
		 "pretty state");

	char *odd[] = {"k", "v", "dangling", NULL};
	minimal.annotations = odd;
	state_is(&minimal, false,
		 "{\"ociVersion\":\"1.2.1\",\"id\":\"c1\",\"status\":\"stopped\",\"pid\":0,"
		 "\"bundle\":\"/b\",\"annotations\":{\"k\":\"v\"}}",
		 "a key without a value is left out");

	char *esc[] = {"q", "a\"b\\c\nd", NULL};
	minimal.annotations = esc;
	minimal.status = "created";
	minimal.pid = 1;
	state_is(&minimal, false,
		 "{\"ociVersion\":\"1.2.1\",\"id\":\"c1\",\"status\":\"created\",\"pid\":1,"
		 "\"bundle\":\"/b\",\"annotations\":{\"q\":\"a\\\"b\\\\c\\nd\"}}",
		 "annotation values are escaped");

	char *empty[] = {NULL};
	minimal.annotations = empty;
	state_is(&minimal, false,
		 "{\"ociVersion\":\"1.2.1\",\"id\":\"c1\",\"status\":\"created\",\"pid\":1,"
		 "\"bundle\":\"/b\",\"annotations\":{}}",
		 "an empty annotation list");
}

int main(void)
{
	test_spec_root();
	test_spec_rootless(1000, 1001);
	test_spec_rootless(0, 0);
	test_spec_rootless(4294967294u, 100000);
	test_state();
	return tap_done();
}
