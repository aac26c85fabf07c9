/* test-config: config.json parsing; every error names its JSON path.
 *
 * JSON in this file is written with single quotes for readability; q()
 * turns them into double quotes before parsing. */
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "base/strv.h"
#include "oci/config.h"
#include "oci/spec.h"
#include "sanitizer-options.h"
#include "tap.h"

static char *q(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

static struct oci_config *parse_q(const char *json, struct err *e)
{
	char *doc = q(json);
	struct oci_config *c = oci_config_parse(doc, strlen(doc), "config.json", e);
	free(doc);
	return c;
}

/* A minimal valid document with extra top-level members. */
#define CFG(frag) "{'ociVersion': '1.2.1', 'root': {'path': 'rootfs'}, " frag "}"
#define NS(types) "'linux': {'namespaces': [" types "]}"

struct bad_case {
	const char *json;
	const char *want; /* substring of the message, after "config.json: " */
};

static const struct bad_case bad_cases[] = {
	/* document level */
	{"[1, 2]", "expected a JSON object, got array"},
	{"{'root': {'path': 'rootfs'}}", "ociVersion: required field missing"},
	{"{'ociVersion': 1, 'root': {'path': 'rootfs'}}", "ociVersion: expected a string, got number"},
	{"{'ociVersion': null, 'root': {'path': 'rootfs'}}", "ociVersion: required field missing"},
	/* ociVersion */
	{"{'ociVersion': '2.0.0', 'root': {'path': 'r'}}", "ociVersion: unsupported version \"2.0.0\""},
	{"{'ociVersion': '1.3.0', 'root': {'path': 'r'}}", "ociVersion: unsupported version \"1.3.0\""},
	{"{'ociVersion': 'x', 'root': {'path': 'r'}}", "ociVersion: unsupported version \"x\""},
	{"{'ociVersion': '', 'root': {'path': 'r'}}", "ociVersion: unsupported version \"\""},
	{"{'ociVersion': '1.0', 'root': {'path': 'r'}}", "ociVersion: unsupported version \"1.0\""},
	{"{'ociVersion': '0.9.0', 'root': {'path': 'r'}}", "ociVersion: unsupported version"},
	{"{'ociVersion': '1.2.1x', 'root': {'path': 'r'}}", "ociVersion: unsupported version"},
	{"{'ociVersion': 'v1.2.1', 'root': {'path': 'r'}}", "ociVersion: unsupported version"},
	{"{'ociVersion': ' 1.2.1', 'root': {'path': 'r'}}", "ociVersion: unsupported version"},
	/* root */
	{"{'ociVersion': '1.2.1'}", "root: required field missing"},
	{"{'ociVersion': '1.2.1', 'root': 'rootfs'}", "root: expected an object, got string"},
	{"{'ociVersion': '1.2.1', 'root': {}}", "root.path: required field missing"},
	{"{'ociVersion': '1.2.1', 'root': {'path': ''}}", "root.path: must not be empty"},
	{"{'ociVersion': '1.2.1', 'root': {'path': 'r', 'readonly': 'yes'}}",
	 "root.readonly: expected a boolean, got string"},
	/* process */
	{CFG("'process': []"), "process: expected an object, got array"},
	{CFG("'process': {'args': 'sh'}"), "process.args: expected an array, got string"},
	{CFG("'process': {'args': ['sh', 1]}"), "process.args[1]: expected a string, got number"},
	{CFG("'process': {'args': ['sh', null]}"), "process.args[1]: expected a string, got null"},
	{CFG("'process': {'cwd': '/'}"), "process.args: required field missing"},
	{CFG("'process': {'args': []}"), "process.args: must not be empty"},
	{CFG("'process': {'args': ['sh'], 'cwd': 'tmp'}"),
	 "process.cwd: \"tmp\" is not an absolute path"},
	{CFG("'process': {'args': ['sh'], 'env': ['A=1', {}]}"),
	 "process.env[1]: expected a string, got object"},
	{CFG("'process': {'args': ['sh'], 'terminal': 1}"),
	 "process.terminal: expected a boolean, got number"},
	{CFG("'process': {'args': ['sh'], 'consoleSize': {'height': 10}}"),
	 "process.consoleSize.width: required field missing"},
	{CFG("'process': {'args': ['sh'], 'user': {'uid': 'root'}}"),
	 "process.user.uid: expected an unsigned integer, got string"},
	{CFG("'process': {'args': ['sh'], 'user': {'uid': -1}}"),
	 "process.user.uid: expected an unsigned integer, got number"},
	{CFG("'process': {'args': ['sh'], 'user': {'gid': 4294967296}}"),
	 "process.user.gid: 4294967296 is out of range"},
	{CFG("'process': {'args': ['sh'], 'user': {'additionalGids': [1, -2]}}"),
	 "process.user.additionalGids[1]: expected an unsigned integer"},
	{CFG("'process': {'args': ['sh'], 'user': {'additionalGids': [4294967296]}}"),
	 "process.user.additionalGids[0]: out of range"},
	{CFG("'process': {'args': ['sh'], 'user': {'umask': 512}}"),
	 "process.user.umask: 1000 is not a valid umask"},
	{CFG("'process': {'args': ['sh'], 'user': {'umask': 4095}}"),
	 "process.user.umask: 7777 is not a valid umask"},
	{CFG("'process': {'args': ['sh'], 'capabilities': {'bounding': ['CAP_CHOWN', 'CAP_KILL', "
	     "'CAP_FOO']}}"),
	 "process.capabilities.bounding[2]: unknown capability \"CAP_FOO\""},
	{CFG("'process': {'args': ['sh'], 'capabilities': {'ambient': ['cap_chown']}}"),
	 "process.capabilities.ambient[0]: unknown capability \"cap_chown\""},
	{CFG("'process': {'args': ['sh'], 'capabilities': {'effective': ['CHOWN']}}"),
	 "process.capabilities.effective[0]: unknown capability \"CHOWN\""},
	{CFG("'process': {'args': ['sh'], 'capabilities': {'permitted': 'CAP_CHOWN'}}"),
	 "process.capabilities.permitted: expected an array, got string"},
	{CFG("'process': {'args': ['sh'], 'capabilities': {'inheritable': [21]}}"),
	 "process.capabilities.inheritable[0]: expected a string, got number"},
	{CFG("'process': {'args': ['sh'], 'rlimits': [{'type': 'RLIMIT_FOO', 'soft': 1, 'hard': "
	     "1}]}"),
	 "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
	{CFG("'process': {'args': ['sh'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 10, "
	     "'hard': 5}]}"),
	 "process.rlimits[0]: soft limit 10 above hard limit 5"},
	{CFG("'process': {'args': ['sh'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': "
	     "18446744073709551615, 'hard': 5}]}"),
	 "process.rlimits[0]: soft limit 18446744073709551615 above hard limit 5"},
	{CFG("'process': {'args': ['sh'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1, "
	     "'hard': 1}, {'type': 'RLIMIT_CORE', 'soft': 0, 'hard': 0}, {'type': 'RLIMIT_NOFILE', "
	     "'soft': 2, 'hard': 2}]}"),
	 "process.rlimits[2].type: \"RLIMIT_NOFILE\" given twice"},
	{CFG("'process': {'args': ['sh'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1}]}"),
	 "process.rlimits[0].soft: required field missing"},
	{CFG("'process': {'args': ['sh'], 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': -1, "
	     "'hard': 1}]}"),
	 "process.rlimits[0].soft: expected an unsigned integer"},
	{CFG("'process': {'args': ['sh'], 'rlimits': ['RLIMIT_NOFILE']}"),
	 "process.rlimits[0]: expected an object, got string"},
	/* scheduler, ioPriority, execCPUAffinity, personality */
	{CFG("'process': {'args': ['sh'], 'scheduler': {}}"),
	 "process.scheduler.policy: required field missing"},
	{CFG("'process': {'args': ['sh'], 'scheduler': {'policy': 'SCHED_X'}}"),
	 "process.scheduler.policy: unknown policy \"SCHED_X\""},
	{CFG("'process': {'args': ['sh'], 'scheduler': {'policy': 'SCHED_RR', 'priority': 100}}"),
	 "process.scheduler.priority: 100 is not in 0..99"},
	{CFG("'process': {'args': ['sh'], 'scheduler': {'policy': 'SCHED_OTHER', 'nice': -21}}"),
	 "process.scheduler.nice: -21 is not in -20..19"},
	{CFG("'process': {'args': ['sh'], 'scheduler': {'policy': 'SCHED_OTHER', 'flags': ['X']}}"),
	 "process.scheduler.flags: unknown flag \"X\""},
	{CFG("'process': {'args': ['sh'], 'scheduler': {'policy': 'SCHED_DEADLINE', 'runtime': -1}}"),
	 "process.scheduler.runtime"},
	{CFG("'process': {'args': ['sh'], 'ioPriority': {'class': 'IOPRIO_CLASS_BE'}}"),
	 "process.ioPriority.priority: required field missing"},
	{CFG("'process': {'args': ['sh'], 'ioPriority': {'class': 'BE', 'priority': 1}}"),
	 "process.ioPriority.class: unknown class \"BE\""},
	{CFG("'process': {'args': ['sh'], 'ioPriority': {'class': 'IOPRIO_CLASS_RT', 'priority': -1}}"),
	 "process.ioPriority.priority: -1 is not in 0..7"},
	{CFG("'process': {'args': ['sh'], 'execCPUAffinity': {'initial': '3-1'}}"),
	 "process.execCPUAffinity.initial: \"3-1\" is not a list of cpus"},
	{CFG("'process': {'args': ['sh'], 'execCPUAffinity': {'final': 7}}"),
	 "process.execCPUAffinity.final: expected a string, got number"},
	{CFG("'linux': {'intelRdt': {'closID': 'x'}}"),
	 "linux.intelRdt: Intel RDT is not supported by this runtime"},
	{CFG("'linux': {'personality': {}}"), "linux.personality.domain: required field missing"},
	{CFG("'linux': {'personality': {'domain': 'LINUX64'}}"),
	 "linux.personality.domain: unknown domain \"LINUX64\""},
	{CFG("'linux': {'personality': {'domain': 'LINUX', 'flags': ['ADDR_NO_RANDOMIZE']}}"),
	 "linux.personality.flags: \"ADDR_NO_RANDOMIZE\" is not supported"},
	{CFG("'process': {'args': ['sh'], 'oomScoreAdj': 1001}"),
	 "process.oomScoreAdj: 1001 is not in -1000..1000"},
	{CFG("'process': {'args': ['sh'], 'oomScoreAdj': -1001}"),
	 "process.oomScoreAdj: -1001 is not in -1000..1000"},
	{CFG("'process': {'args': ['sh'], 'oomScoreAdj': 4294967296000}"),
	 "process.oomScoreAdj: 4294967296000 is not in -1000..1000"},
	{CFG("'process': {'args': ['sh'], 'oomScoreAdj': 1.5}"),
	 "process.oomScoreAdj: expected an integer, got number"},
	{CFG("'process': {'args': ['sh'], 'noNewPrivileges': 'true'}"),
	 "process.noNewPrivileges: expected a boolean, got string"},
	/* linux.namespaces */
	{CFG(NS("{'type': 'pid'}, {'type': 'foo'}")),
	 "linux.namespaces[1].type: unknown namespace type \"foo\""},
	{CFG(NS("{'type': 'net'}")), "linux.namespaces[0].type: unknown namespace type \"net\""},
	{CFG(NS("{'type': 'pid'}, {'type': 'ipc'}, {'type': 'pid'}")),
	 "linux.namespaces[2].type: namespace \"pid\" listed twice"},
	{CFG(NS("{'type': 'network', 'path': 'proc/1/ns/net'}")),
	 "linux.namespaces[0].path: \"proc/1/ns/net\" is not an absolute path"},
	{CFG(NS("{'path': '/proc/1/ns/net'}")), "linux.namespaces[0].type: required field missing"},
	{CFG(NS("'pid'")), "linux.namespaces[0]: expected an object, got string"},
	{CFG("'linux': {'namespaces': {'type': 'pid'}}"),
	 "linux.namespaces: expected an array, got object"},
	{CFG("'linux': []"), "linux: expected an object, got array"},
	/* hooks */
	{CFG("'hooks': {'prestart': [{'path': 'bin/true'}]}"),
	 "hooks.prestart[0].path: \"bin/true\" is not an absolute path"},
	{CFG("'hooks': {'createRuntime': [{'path': '/bin/true'}, {'path': 'true', 'args': ['true']}]}"),
	 "hooks.createRuntime[1].path: \"true\" is not an absolute path"},
	{CFG("'hooks': {'poststop': [{'path': '/bin/true'}, {'path': '/bin/true', 'timeout': 0}]}"),
	 "hooks.poststop[1].timeout: must be between 1 and 86400 seconds"},
	{CFG("'hooks': {'poststart': [{'path': '/bin/true', 'timeout': -5}]}"),
	 "hooks.poststart[0].timeout: must be between 1 and 86400 seconds"},
	{CFG("'hooks': {'startContainer': [{'path': '/bin/true', 'timeout': 86401}]}"),
	 "hooks.startContainer[0].timeout: must be between 1 and 86400 seconds"},
	{CFG("'hooks': {'createContainer': [{'path': '/bin/true', 'timeout': '5'}]}"),
	 "hooks.createContainer[0].timeout: expected an integer, got string"},
	{CFG("'hooks': {'prestart': [{'args': ['x']}]}"), "hooks.prestart[0].path: required field missing"},
	{CFG("'hooks': {'prestart': [{'path': '/bin/true', 'args': 'x'}]}"),
	 "hooks.prestart[0].args: expected an array, got string"},
	{CFG("'hooks': {'prestart': ['/bin/true']}"), "hooks.prestart[0]: expected an object, got string"},
	{CFG("'hooks': []"), "hooks: expected an object, got array"},
	/* linux.devices */
	{CFG("'linux': {'devices': [{'type': 'x', 'path': '/dev/x', 'major': 1, 'minor': 1}]}"),
	 "linux.devices[0].type: unknown device type \"x\""},
	{CFG("'linux': {'devices': [{'type': 'c', 'path': '/dev/a', 'major': 1, 'minor': 3}, "
	     "{'type': 'cc', 'path': '/dev/x', 'major': 1, 'minor': 1}]}"),
	 "linux.devices[1].type: unknown device type \"cc\""},
	{CFG("'linux': {'devices': [{'type': '', 'path': '/dev/x', 'major': 1, 'minor': 1}]}"),
	 "linux.devices[0].type: unknown device type \"\""},
	{CFG("'linux': {'devices': [{'type': 'c', 'path': 'dev/x', 'major': 1, 'minor': 1}]}"),
	 "linux.devices[0].path: \"dev/x\" is not an absolute path"},
	{CFG("'linux': {'devices': [{'type': 'c', 'path': '/dev/x', 'minor': 1}]}"),
	 "linux.devices[0].major: required field missing"},
	{CFG("'linux': {'devices': [{'type': 'b', 'path': '/dev/x', 'major': 1}]}"),
	 "linux.devices[0].minor: required field missing"},
	{CFG("'linux': {'devices': [{'type': 'c', 'path': '/dev/x', 'major': 1, 'minor': 1, "
	     "'fileMode': 4096}]}"),
	 "linux.devices[0].fileMode: 10000 is not a permission mode"},
	{CFG("'linux': {'devices': [{'path': '/dev/x'}]}"), "linux.devices[0].type: required field missing"},
	/* id mappings */
	{CFG("'linux': {'namespaces': [{'type': 'user'}], 'uidMappings': [{'containerID': 0, "
	     "'hostID': 1000, 'size': 0}], 'gidMappings': [{'containerID': 0, 'hostID': 1000, "
	     "'size': 1}]}"),
	 "linux.uidMappings[0].size: must be at least 1"},
	{CFG("'linux': {'namespaces': [{'type': 'user'}], 'uidMappings': [{'containerID': 0, "
	     "'hostID': 1000, 'size': 1}], 'gidMappings': [{'containerID': 0, 'hostID': 1000, "
	     "'size': 1}, {'containerID': 1, 'hostID': 1000}]}"),
	 "linux.gidMappings[1].size: required field missing"},
	{CFG("'linux': {'namespaces': [{'type': 'user'}], 'uidMappings': [7]}"),
	 "linux.uidMappings[0]: expected an object, got number"},
	{CFG("'linux': {'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}], "
	     "'gidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]}"),
	 "linux.uidMappings: id mappings need a user namespace"},
	{CFG("'linux': {'namespaces': [{'type': 'pid'}], 'gidMappings': [{'containerID': 0, "
	     "'hostID': 1000, 'size': 1}]}"),
	 "linux.gidMappings: id mappings need a user namespace"},
	{CFG("'linux': {'namespaces': [{'type': 'user'}], 'uidMappings': [{'containerID': 0, "
	     "'hostID': 1000, 'size': 1}]}"),
	 "linux.uidMappings: a new user namespace needs uidMappings and gidMappings"},
	{CFG(NS("{'type': 'user'}")),
	 "linux.uidMappings: a new user namespace needs uidMappings and gidMappings"},
	/* time offsets */
	{CFG("'linux': {'timeOffsets': {'monotonic': {'secs': 10}}}"),
	 "linux.timeOffsets: time offsets need a new time namespace"},
	{CFG("'linux': {'namespaces': [{'type': 'time', 'path': '/proc/1/ns/time'}], "
	     "'timeOffsets': {'boottime': {'secs': 10}}}"),
	 "linux.timeOffsets: time offsets need a new time namespace"},
	{CFG("'linux': {'namespaces': [{'type': 'time'}], 'timeOffsets': {'monotonic': "
	     "{'nanosecs': 1000000000}}}"),
	 "linux.timeOffsets.monotonic.nanosecs: must be below 1000000000"},
	{CFG("'linux': {'namespaces': [{'type': 'time'}], 'timeOffsets': {'boottime': 5}}"),
	 "linux.timeOffsets.boottime: expected an object, got number"},
	/* hostname */
	{CFG("'hostname': 'box'"), "hostname: setting a hostname needs a uts namespace"},
	{CFG("'hostname': 'box', " NS("{'type': 'pid'}")),
	 "hostname: setting a hostname needs a uts namespace"},
	{CFG("'hostname': '12345678901234567890123456789012345678901234567890123456789012345', "
	     NS("{'type': 'uts'}")),
	 "hostname: longer than 64 characters"},
	{CFG("'hostname': 5"), "hostname: expected a string, got number"},
	/* linux misc */
	{CFG("'linux': {'rootfsPropagation': 'weird'}"),
	 "linux.rootfsPropagation: unknown propagation \"weird\""},
	{CFG("'linux': {'rootfsPropagation': 'Shared'}"),
	 "linux.rootfsPropagation: unknown propagation \"Shared\""},
	{CFG("'linux': {'sysctl': {'net.ipv4.ip_forward': 1}}"),
	 "linux.sysctl.net.ipv4.ip_forward: expected a string, got number"},
	{CFG("'linux': {'maskedPaths': ['/proc/kcore', 1]}"),
	 "linux.maskedPaths[1]: expected a string, got number"},
	{CFG("'linux': {'resources': []}"), "linux.resources: expected an object, got array"},
	{CFG("'linux': {'seccomp': 'default'}"), "linux.seccomp: expected an object, got string"},
	{CFG("'linux': {'cgroupsPath': 5}"), "linux.cgroupsPath: expected a string, got number"},
	{CFG("'annotations': {'a': 'b', 'c': 1}"), "annotations.c: expected a string, got number"},
	{CFG("'annotations': ['a']"), "annotations: expected an object, got array"},
	/* mounts */
	{CFG("'mounts': {}"), "mounts: expected an array, got object"},
	{CFG("'mounts': [{'destination': '/a'}, 'x']"), "mounts[1]: expected an object, got string"},
	{CFG("'mounts': [{'type': 'tmpfs'}]"), "mounts[0].destination: required field missing"},
	{CFG("'mounts': [{'destination': '/a', 'type': 'tmpfs', 'options': ['ro', 3]}]"),
	 "mounts[0].options[1]: expected a string, got number"},
	{CFG("'mounts': [{'destination': '', 'type': 'tmpfs'}]"),
	 "mounts[0].destination: must not be empty"},
	{CFG("'mounts': [{'destination': '/a', 'type': 'bind', 'source': '/b', 'uidMappings': "
	     "[{'containerID': 0, 'hostID': 1, 'size': 0}]}]"),
	 "mounts[0].uidMappings[0].size: must be at least 1"},
};

static void test_bad_configs(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		struct err e = ERR_INIT;
		struct oci_config *c = parse_q(bad_cases[i].json, &e);
		char *want = xasprintf("config.json: %s", bad_cases[i].want);
		bool good = !c && err_isset(&e) && strstr(err_msg(&e), want);
		if (!ok(good, "bad config %zu: \"%s\"", i, bad_cases[i].want))
			printf("#   got \"%s\"%s\n", err_msg(&e), c ? " (and it parsed)" : "");
		free(want);
		oci_config_free(c);
		err_clear(&e);
	}
}

static void test_errors_detail(void)
{
	struct err e = ERR_INIT;
	/* Malformed JSON names the line and column. */
	const char *bad = "{\n  \"ociVersion\": \"1.2.1\",\n  \"root\": {\"path\": x}\n}";
	struct oci_config *c = oci_config_parse(bad, strlen(bad), "config.json", &e);
	ok(!c, "malformed JSON is refused");
	if (!ok(strstr(err_msg(&e), "config.json: invalid JSON at line 3 column 20"),
		"the message names line 3 column 20"))
		printf("#   got \"%s\"\n", err_msg(&e));
	is_int(e.kind, ERR_INVALID, "malformed JSON is ERR_INVALID");
	err_clear(&e);

	const char *trunc = "{\"ociVersion\": \"1.2.1\", \"root\": {";
	c = oci_config_parse(trunc, strlen(trunc), "bundle/config.json", &e);
	ok(!c && strstr(err_msg(&e), "bundle/config.json: invalid JSON at line 1"),
	   "truncated JSON names the document: %s", err_msg(&e));
	err_clear(&e);

	c = parse_q("{'ociVersion': '1.2.1', 'ociVersion': '1.2.1', 'root': {'path': 'r'}}", &e);
	ok(!c && strstr(err_msg(&e), "duplicate"), "duplicate keys are refused: %s", err_msg(&e));
	err_clear(&e);

	c = parse_q(CFG("'process': {'args': ['sh'], 'cwd': '/', 'cwd': '/'}"), &e);
	ok(!c && strstr(err_msg(&e), "duplicate"), "nested duplicate keys are refused: %s",
	   err_msg(&e));
	err_clear(&e);

	c = parse_q("{'ociVersion': '2.0.0', 'root': {'path': 'r'}}", &e);
	is_int(e.kind, ERR_UNSUPPORTED, "an unsupported ociVersion is ERR_UNSUPPORTED");
	err_clear(&e);
	c = parse_q(CFG(NS("{'type': 'foo'}")), &e);
	is_int(e.kind, ERR_INVALID, "an unknown namespace is ERR_INVALID");
	err_clear(&e);

	/* Size limit. */
	size_t big = OCI_CONFIG_MAX_SIZE + 1;
	char *buf = xmalloc(big);
	memset(buf, ' ', big);
	c = oci_config_parse(buf, big, "config.json", &e);
	ok(!c && strstr(err_msg(&e), "config.json: larger than"), "a document over the limit: %s",
	   err_msg(&e));
	free(buf);
	err_clear(&e);
}

static void test_versions(void)
{
	const char *good[] = {"1.0.0", "1.0.2-dev", "1.1.0+dev", "1.2.1", "1.2.0", "1.0.0-rc1",
			      "1.2.99", "1.1.0-rc.1+build.5"};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct err e = ERR_INIT;
		ok(oci_version_check(good[i], &e) == 0, "ociVersion \"%s\" is accepted", good[i]);
		char *json = xasprintf("{'ociVersion': '%s', 'root': {'path': 'rootfs'}}", good[i]);
		struct oci_config *c = parse_q(json, &e);
		ok(c && streq(c->oci_version, good[i]), "a config with ociVersion \"%s\" parses: %s",
		   good[i], err_isset(&e) ? err_msg(&e) : "ok");
		oci_config_free(c);
		free(json);
		err_clear(&e);
	}
	const char *bad[] = {"2.0.0", "1.3.0", "x", "0.1.0", "1.2", "1", "1.2.1.4", "1.2.1 ",
			     "1.2.1_x", "-1.2.1"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct err e = ERR_INIT;
		ok(oci_version_check(bad[i], &e) < 0 && strstr(err_msg(&e), "unsupported version"),
		   "ociVersion \"%s\" is refused", bad[i]);
		err_clear(&e);
	}
	struct err e = ERR_INIT;
	ok(oci_version_check(NULL, &e) < 0, "a NULL version is refused");
	err_clear(&e);
}

static struct oci_config *parse_spec(bool rootless, struct err *e)
{
	struct oci_spec_options o = {.rootless = rootless, .uid = 1000, .gid = 1000};
	char *s = oci_spec_default(&o);
	struct oci_config *c = oci_config_parse(s, strlen(s), "config.json", e);
	free(s);
	return c;
}

static void test_spec_default_parses(void)
{
	struct err e = ERR_INIT;
	struct oci_config *c = parse_spec(false, &e);
	if (!ok(c != NULL, "the default spec parses"))
		printf("#   %s\n", err_msg(&e));
	if (c) {
		is_str(c->oci_version, OCI_VERSION, "ociVersion");
		is_str(c->root_path, "rootfs", "root.path");
		ok(c->root_readonly, "root.readonly");
		ok(c->process && c->process->args && streq(c->process->args[0], "sh"),
		   "process.args");
		ok(c->process && c->process->terminal, "process.terminal");
		is_str(c->hostname, "berth", "hostname");
		ok(c->n_mounts >= 5, "mounts");
	}
	oci_config_free(c);
	err_clear(&e);
	c = parse_spec(true, &e);
	if (!ok(c != NULL, "the rootless default spec parses"))
		printf("#   %s\n", err_msg(&e));
	oci_config_free(c);
	err_clear(&e);
}

#define BIT(c) (1ull << (c))

static const char full_config[] =
	"{"
	" 'ociVersion': '1.0.2-dev',"
	" 'root': {'path': '/var/lib/rootfs', 'readonly': false},"
	" 'hostname': 'web', 'domainname': 'example.org',"
	" 'mounts': ["
	"  {'destination': '/proc', 'type': 'proc', 'source': 'proc'},"
	"  {'destination': '/data', 'type': 'bind', 'source': '/srv/data', 'options': ['rbind', "
	"'ro', 'nosuid']},"
	"  {'destination': '/tmp', 'type': 'tmpfs', 'options': []},"
	"  {'destination': '/idm', 'source': '/x', 'options': ['bind', 'idmap'], 'uidMappings': "
	"[{'containerID': 0, 'hostID': 100000, 'size': 65536}], 'gidMappings': [{'containerID': "
	"0, 'hostID': 200000, 'size': 10}]}"
	" ],"
	" 'process': {"
	"  'terminal': false, 'consoleSize': {'height': 24, 'width': 80},"
	"  'user': {'uid': 1000, 'gid': 100, 'umask': 18, 'additionalGids': [5, 4294967295]},"
	"  'args': ['/bin/app', '--flag', ''], 'env': ['A=1', 'B=2'], 'cwd': '/work',"
	"  'capabilities': {"
	"   'bounding': ['CAP_CHOWN', 'CAP_SYS_ADMIN', 'CAP_CHECKPOINT_RESTORE'],"
	"   'effective': ['CAP_KILL'], 'inheritable': [], 'permitted': ['CAP_KILL', "
	"'CAP_NET_RAW'],"
	"   'ambient': ['CAP_NET_BIND_SERVICE']},"
	"  'rlimits': ["
	"   {'type': 'RLIMIT_NOFILE', 'soft': 1024, 'hard': 4096},"
	"   {'type': 'RLIMIT_CORE', 'soft': 18446744073709551615, 'hard': 18446744073709551615},"
	"   {'type': 'RLIMIT_NPROC', 'soft': 0, 'hard': 0}],"
	"  'noNewPrivileges': true, 'oomScoreAdj': -1000,"
	"  'apparmorProfile': 'berth-default', 'selinuxLabel': 'system_u:system_r:svirt_lxc_net_t:s0'"
	" },"
	" 'hooks': {"
	"  'prestart': [{'path': '/usr/bin/hook', 'args': ['hook', 'pre'], 'env': ['X=1'], "
	"'timeout': 5}],"
	"  'createRuntime': [{'path': '/a'}, {'path': '/b', 'timeout': 86400}],"
	"  'poststop': [], 'startContainer': null"
	" },"
	" 'annotations': {'org.example.a': 'one', 'org.example.b': ''},"
	" 'linux': {"
	"  'namespaces': [{'type': 'pid'}, {'type': 'network', 'path': '/var/run/netns/x'},"
	"   {'type': 'mount'}, {'type': 'ipc'}, {'type': 'uts'}, {'type': 'user'},"
	"   {'type': 'cgroup'}, {'type': 'time'}],"
	"  'uidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536},"
	"                  {'containerID': 65536, 'hostID': 4294967295, 'size': 1}],"
	"  'gidMappings': [{'containerID': 0, 'hostID': 100000, 'size': 65536}],"
	"  'timeOffsets': {'monotonic': {'secs': -10, 'nanosecs': 999999999}, 'boottime': {'secs': "
	"3600}},"
	"  'devices': ["
	"   {'type': 'c', 'path': '/dev/fuse', 'major': 10, 'minor': 229, 'fileMode': 438, 'uid': 0, "
	"'gid': 5},"
	"   {'type': 'b', 'path': '/dev/sda', 'major': 8, 'minor': 0},"
	"   {'type': 'u', 'path': '/dev/u', 'major': 1, 'minor': 2},"
	"   {'type': 'p', 'path': '/dev/fifo'}],"
	"  'cgroupsPath': '/berth/web',"
	"  'sysctl': {'net.ipv4.ip_forward': '1', 'kernel.msgmax': '65536'},"
	"  'maskedPaths': ['/proc/kcore'], 'readonlyPaths': ['/proc/sys', '/proc/bus'],"
	"  'rootfsPropagation': 'rslave', 'mountLabel': 'system_u:object_r:svirt_sandbox_file_t:s0',"
	"  'resources': {'pids': {'limit': 100}},"
	"  'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW'}"
	" },"
	" 'unknownTopLevel': {'ignored': true}"
	"}";

static void test_full_config(void)
{
	struct err e = ERR_INIT;
	struct oci_config *c = parse_q(full_config, &e);
	if (!ok(c != NULL, "a config using every section parses")) {
		printf("#   %s\n", err_msg(&e));
		err_clear(&e);
		return;
	}
	is_str(c->oci_version, "1.0.2-dev", "ociVersion");
	is_str(c->root_path, "/var/lib/rootfs", "root.path");
	ok(!c->root_readonly, "root.readonly false");
	is_str(c->hostname, "web", "hostname");
	is_str(c->domainname, "example.org", "domainname");

	/* mounts */
	is_int(c->n_mounts, 4, "four mounts");
	is_str(c->mounts[0].destination, "/proc", "mounts[0].destination");
	is_str(c->mounts[0].type, "proc", "mounts[0].type");
	is_str(c->mounts[0].source, "proc", "mounts[0].source");
	ok(c->mounts[0].options == NULL, "mounts[0] without options has NULL options");
	ok(strv_length(c->mounts[1].options) == 3 && streq(c->mounts[1].options[0], "rbind") &&
		   streq(c->mounts[1].options[1], "ro") && streq(c->mounts[1].options[2], "nosuid"),
	   "mounts[1].options in order");
	ok(c->mounts[2].options && c->mounts[2].options[0] == NULL, "mounts[2] has empty options");
	ok(c->mounts[2].source == NULL, "mounts[2] has no source");
	ok(c->mounts[3].type == NULL, "mounts[3] has no type");
	ok(c->mounts[3].n_uid_mappings == 1 && c->mounts[3].uid_mappings[0].host_id == 100000 &&
		   c->mounts[3].uid_mappings[0].size == 65536,
	   "mounts[3].uidMappings");
	ok(c->mounts[3].n_gid_mappings == 1 && c->mounts[3].gid_mappings[0].host_id == 200000 &&
		   c->mounts[3].gid_mappings[0].size == 10,
	   "mounts[3].gidMappings");

	/* process */
	struct oci_process *p = c->process;
	ok(p != NULL, "process present");
	if (p) {
		ok(!p->terminal, "terminal false");
		ok(p->has_console_size && p->console_height == 24 && p->console_width == 80,
		   "consoleSize");
		is_int(p->user.uid, 1000, "user.uid");
		is_int(p->user.gid, 100, "user.gid");
		ok(p->user.has_umask && p->user.umask == 022, "user.umask 18 = 022");
		ok(p->user.n_additional_gids == 2 && p->user.additional_gids[0] == 5 &&
			   p->user.additional_gids[1] == UINT32_MAX,
		   "additionalGids");
		ok(strv_length(p->args) == 3 && streq(p->args[0], "/bin/app") &&
			   streq(p->args[1], "--flag") && streq(p->args[2], ""),
		   "args, an empty argument kept");
		ok(strv_length(p->env) == 2 && streq(p->env[1], "B=2"), "env");
		is_str(p->cwd, "/work", "cwd");
		ok(p->has_caps, "has_caps");
		ok(p->caps.bounding == (BIT(CAP_CHOWN) | BIT(CAP_SYS_ADMIN) | BIT(40)),
		   "bounding mask (got %#llx)", (unsigned long long)p->caps.bounding);
		ok(p->caps.effective == BIT(CAP_KILL), "effective mask");
		ok(p->caps.inheritable == 0, "inheritable mask (empty list)");
		ok(p->caps.permitted == (BIT(CAP_KILL) | BIT(CAP_NET_RAW)), "permitted mask");
		ok(p->caps.ambient == BIT(CAP_NET_BIND_SERVICE), "ambient mask");
		is_int(p->n_rlimits, 3, "three rlimits");
		if (p->n_rlimits == 3) {
			ok(p->rlimits[0].type == RLIMIT_NOFILE && p->rlimits[0].soft == 1024 &&
				   p->rlimits[0].hard == 4096,
			   "RLIMIT_NOFILE 1024/4096");
			ok(p->rlimits[1].type == RLIMIT_CORE && p->rlimits[1].soft == UINT64_MAX &&
				   p->rlimits[1].hard == UINT64_MAX,
			   "RLIMIT_CORE unlimited (18446744073709551615) is UINT64_MAX");
			ok(p->rlimits[2].type == RLIMIT_NPROC && p->rlimits[2].soft == 0 &&
				   p->rlimits[2].hard == 0,
			   "RLIMIT_NPROC 0/0");
		}
		ok(p->no_new_privileges, "noNewPrivileges");
		ok(p->has_oom_score_adj && p->oom_score_adj == -1000, "oomScoreAdj -1000");
		is_str(p->apparmor_profile, "berth-default", "apparmorProfile");
		is_str(p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0", "selinuxLabel");
	}

	/* hooks */
	ok(oci_config_has_hooks(c, OCI_HOOK_PRESTART), "has prestart hooks");
	ok(!oci_config_has_hooks(c, OCI_HOOK_POSTSTOP), "an empty poststop list");
	ok(!oci_config_has_hooks(c, OCI_HOOK_START_CONTAINER), "a null startContainer list");
	ok(!oci_config_has_hooks(c, OCI_HOOK_POSTSTART), "no poststart key");
	struct oci_hook *h = &c->hooks[OCI_HOOK_PRESTART].hooks[0];
	is_str(h->path, "/usr/bin/hook", "prestart[0].path");
	ok(strv_length(h->args) == 2 && streq(h->args[1], "pre"), "prestart[0].args");
	ok(strv_length(h->env) == 1 && streq(h->env[0], "X=1"), "prestart[0].env");
	is_int(h->timeout, 5, "prestart[0].timeout");
	is_int(c->hooks[OCI_HOOK_CREATE_RUNTIME].n, 2, "two createRuntime hooks");
	is_int(c->hooks[OCI_HOOK_CREATE_RUNTIME].hooks[0].timeout, 0, "no timeout is 0");
	is_int(c->hooks[OCI_HOOK_CREATE_RUNTIME].hooks[1].timeout, 86400, "timeout 86400");
	is_str(oci_hook_kind_name(OCI_HOOK_CREATE_CONTAINER), "createContainer", "hook kind name");

	/* annotations */
	ok(strv_length(c->annotations) == 4 && streq(c->annotations[0], "org.example.a") &&
		   streq(c->annotations[1], "one") && streq(c->annotations[2], "org.example.b") &&
		   streq(c->annotations[3], ""),
	   "annotations as key/value pairs");

	/* linux */
	struct oci_linux *l = &c->linux;
	bool all = true;
	for (int t = 0; t < NS_COUNT; t++)
		all = all && l->ns[t].present;
	ok(all, "every namespace present");
	ok(l->ns[NS_PID].path == NULL, "pid: a new namespace");
	is_str(l->ns[NS_NET].path, "/var/run/netns/x", "network: joined by path");
	is_int(l->n_uid_mappings, 2, "two uid mappings");
	ok(l->uid_mappings[1].container_id == 65536 && l->uid_mappings[1].host_id == UINT32_MAX &&
		   l->uid_mappings[1].size == 1,
	   "uidMappings[1]");
	is_int(l->n_gid_mappings, 1, "one gid mapping");
	ok(l->time_monotonic.present && l->time_monotonic.secs == -10 &&
		   l->time_monotonic.nanosecs == 999999999,
	   "timeOffsets.monotonic");
	ok(l->time_boottime.present && l->time_boottime.secs == 3600 &&
		   l->time_boottime.nanosecs == 0,
	   "timeOffsets.boottime");
	is_int(l->n_devices, 4, "four devices");
	if (l->n_devices == 4) {
		struct oci_device *d = &l->devices[0];
		ok(d->type == 'c' && streq(d->path, "/dev/fuse") && d->major == 10 &&
			   d->minor == 229,
		   "devices[0] c 10:229");
		ok(d->has_mode && d->file_mode == 0666 && d->has_uid && d->uid == 0 && d->has_gid &&
			   d->gid == 5,
		   "devices[0] mode/uid/gid");
		d = &l->devices[1];
		ok(d->type == 'b' && d->major == 8 && d->minor == 0 && !d->has_mode &&
			   !d->has_uid && !d->has_gid,
		   "devices[1] b 8:0 without mode/uid/gid");
		ok(l->devices[2].type == 'u', "devices[2] u");
		ok(l->devices[3].type == 'p' && streq(l->devices[3].path, "/dev/fifo"),
		   "devices[3] p needs no major/minor");
	}
	is_str(l->cgroups_path, "/berth/web", "cgroupsPath");
	ok(strv_length(l->sysctl) == 4 && streq(l->sysctl[0], "net.ipv4.ip_forward") &&
		   streq(l->sysctl[1], "1") && streq(l->sysctl[3], "65536"),
	   "sysctl pairs");
	ok(strv_length(l->masked_paths) == 1, "maskedPaths");
	ok(strv_length(l->readonly_paths) == 2 && streq(l->readonly_paths[1], "/proc/bus"),
	   "readonlyPaths");
	ok(l->rootfs_propagation == (MS_SLAVE | MS_REC), "rootfsPropagation rslave");
	is_str(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0", "mountLabel");
	ok(l->resources_json && strstr(l->resources_json, "\"pids\"") &&
		   strstr(l->resources_json, "\"limit\""),
	   "resources kept as JSON: %s", l->resources_json ? l->resources_json : "(null)");
	ok(l->seccomp_json && strstr(l->seccomp_json, "SCMP_ACT_ALLOW"), "seccomp kept as JSON");
	oci_config_free(c);
	err_clear(&e);
}

static void test_minimal_config(void)
{
	struct err e = ERR_INIT;
	struct oci_config *c = parse_q("{'ociVersion': '1.2.1', 'root': {'path': 'rootfs'}}", &e);
	ok(c != NULL, "the minimal config parses: %s", err_isset(&e) ? err_msg(&e) : "ok");
	if (c) {
		ok(c->process == NULL, "no process");
		ok(c->annotations && c->annotations[0] == NULL, "annotations default to empty");
		ok(c->n_mounts == 0 && c->mounts == NULL, "no mounts");
		ok(c->hostname == NULL, "no hostname");
		bool none = true;
		for (int t = 0; t < NS_COUNT; t++)
			none = none && !c->linux.ns[t].present;
		ok(none, "no namespaces");
		ok(c->linux.rootfs_propagation == 0, "no rootfs propagation");
		ok(c->linux.resources_json == NULL, "no resources");
	}
	oci_config_free(c);

	/* null counts as absent everywhere. */
	c = parse_q(CFG("'process': {'args': ['sh'], 'cwd': null, 'env': null, 'user': null, "
			"'capabilities': null, 'rlimits': null, 'oomScoreAdj': null}, "
			"'mounts': null, 'hooks': null, 'linux': null, 'hostname': null, "
			"'annotations': null"),
		    &e);
	ok(c != NULL, "nulls count as absent: %s", err_isset(&e) ? err_msg(&e) : "ok");
	if (c && c->process) {
		is_str(c->process->cwd, "/", "cwd defaults to /");
		ok(c->process->env && c->process->env[0] == NULL, "env defaults to empty");
		ok(!c->process->has_caps, "no capabilities");
		ok(!c->process->has_oom_score_adj, "no oomScoreAdj");
		ok(!c->process->user.has_umask, "no umask");
	}
	oci_config_free(c);
	err_clear(&e);

	/* A joined user namespace needs no mappings; mappings with it are fine. */
	c = parse_q(CFG(NS("{'type': 'user', 'path': '/proc/1/ns/user'}")), &e);
	ok(c != NULL, "a joined user namespace without mappings: %s",
	   err_isset(&e) ? err_msg(&e) : "ok");
	oci_config_free(c);
	err_clear(&e);

	/* An empty namespace path means "create a new one" (as in runc, and as
	 * parse_namespaces itself intends: it stores "" as NULL). */
	c = parse_q(CFG(NS("{'type': 'ipc', 'path': ''}")), &e);
	ok(c && c->linux.ns[NS_IPC].present && !c->linux.ns[NS_IPC].path,
	   "an empty namespace path means a new namespace: %s",
	   err_isset(&e) ? err_msg(&e) : "ok");
	oci_config_free(c);
	err_clear(&e);

	/* A hostname with a joined uts namespace. */
	c = parse_q(CFG("'hostname': 'h', " NS("{'type': 'uts', 'path': '/proc/1/ns/uts'}")), &e);
	ok(c != NULL, "a hostname with a joined uts namespace: %s",
	   err_isset(&e) ? err_msg(&e) : "ok");
	oci_config_free(c);
	err_clear(&e);

	/* Every propagation spelling. */
	static const struct {
		const char *name;
		unsigned long flags;
	} props[] = {
		{"shared", MS_SHARED},	       {"rshared", MS_SHARED | MS_REC},
		{"slave", MS_SLAVE},	       {"rslave", MS_SLAVE | MS_REC},
		{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
		{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
		{"", 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
		char *json = xasprintf(CFG("'linux': {'rootfsPropagation': '%s'}"), props[i].name);
		c = parse_q(json, &e);
		ok(c && c->linux.rootfs_propagation == props[i].flags,
		   "rootfsPropagation \"%s\"", props[i].name);
		oci_config_free(c);
		free(json);
		err_clear(&e);
	}

	/* Every namespace type spelling. */
	for (int t = 0; t < NS_COUNT; t++) {
		char *json;
		if (t == NS_USER)
			json = xasprintf(CFG("'linux': {'namespaces': [{'type': 'user'}], "
					     "'uidMappings': [{'containerID': 0, 'hostID': 1, "
					     "'size': 1}], 'gidMappings': [{'containerID': 0, "
					     "'hostID': 1, 'size': 1}]}"));
		else
			json = xasprintf(CFG(NS("{'type': '%s'}")), ns_spec_name(t));
		c = parse_q(json, &e);
		ok(c && c->linux.ns[t].present, "namespace \"%s\": %s", ns_spec_name(t),
		   err_isset(&e) ? err_msg(&e) : "ok");
		oci_config_free(c);
		free(json);
		err_clear(&e);
	}

	/* Every capability this runtime knows. */
	char *caps = xstrdup("");
	for (int n = 0; n <= cap_last_known(); n++) {
		char *next = xasprintf("%s%s'%s'", caps, n ? ", " : "", cap_name(n));
		free(caps);
		caps = next;
	}
	char *json = xasprintf(CFG("'process': {'args': ['sh'], 'capabilities': {'bounding': [%s]}}"),
			       caps);
	c = parse_q(json, &e);
	uint64_t want = cap_last_known() == 63 ? UINT64_MAX : (BIT(cap_last_known() + 1) - 1);
	ok(c && c->process->caps.bounding == want, "all %d capabilities set every bit",
	   cap_last_known() + 1);
	oci_config_free(c);
	free(json);
	free(caps);
	err_clear(&e);
}

static void test_sched_fields(void)
{
	struct err e = ERR_INIT;
	struct oci_config *c = parse_q(
		CFG("'process': {'args': ['sh'], 'scheduler': {'policy': 'SCHED_DEADLINE', "
		    "'flags': ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_DL_OVERRUN'], "
		    "'runtime': 1000, 'deadline': 2000, 'period': 3000}, "
		    "'ioPriority': {'class': 'IOPRIO_CLASS_RT', 'priority': 0}, "
		    "'execCPUAffinity': {'initial': '0-1', 'final': ''}}, "
		    "'linux': {'personality': {'domain': 'LINUX32', 'flags': []}}"),
		&e);
	ok(c != NULL, "scheduler fields parse: %s", err_isset(&e) ? err_msg(&e) : "ok");
	if (c) {
		const struct oci_scheduler *s = &c->process->scheduler;
		ok(s->present && s->policy == 6 && s->flags == 0x05 && s->runtime == 1000 &&
			   s->deadline == 2000 && s->period == 3000 && s->nice == 0,
		   "SCHED_DEADLINE with flags and times");
		ok(c->process->io_priority.present && c->process->io_priority.klass == 1 &&
			   c->process->io_priority.priority == 0,
		   "IOPRIO_CLASS_RT 0");
		ok(streq_ptr(c->process->exec_cpu_initial, "0-1") &&
			   streq_ptr(c->process->exec_cpu_final, ""),
		   "execCPUAffinity kept as written");
		ok(c->linux.has_personality && c->linux.personality == 0x0008, "LINUX32");
	}
	oci_config_free(c);
	err_clear(&e);
	c = parse_q(CFG("'process': {'args': ['sh']}"), &e);
	ok(c && !c->process->scheduler.present && !c->process->io_priority.present &&
		   !c->linux.has_personality,
	   "left out: nothing set");
	oci_config_free(c);
	err_clear(&e);
}

static void test_process_parse(void)
{
	struct err e = ERR_INIT;
	char *json = q("{'terminal': true, 'args': ['top', '-b'], 'env': ['TERM=xterm'], 'cwd': "
		       "'/root', 'user': {'uid': 5, 'gid': 6, 'additionalGids': [7]}, "
		       "'capabilities': {'bounding': ['CAP_KILL']}, 'rlimits': [{'type': "
		       "'RLIMIT_NOFILE', 'soft': 10, 'hard': 20}], 'noNewPrivileges': true, "
		       "'oomScoreAdj': 100}");
	struct oci_process *p = oci_process_parse(json, strlen(json), "process.json", &e);
	free(json);
	ok(p != NULL, "oci_process_parse: %s", err_isset(&e) ? err_msg(&e) : "ok");
	if (p) {
		ok(p->terminal, "terminal");
		ok(strv_length(p->args) == 2 && streq(p->args[1], "-b"), "args");
		is_str(p->cwd, "/root", "cwd");
		ok(p->user.uid == 5 && p->user.gid == 6 && p->user.n_additional_gids == 1 &&
			   p->user.additional_gids[0] == 7,
		   "user");
		ok(p->has_caps && p->caps.bounding == BIT(CAP_KILL), "capabilities");
		ok(p->n_rlimits == 1 && p->rlimits[0].soft == 10 && p->rlimits[0].hard == 20,
		   "rlimits");
		ok(p->no_new_privileges, "noNewPrivileges");
		ok(p->has_oom_score_adj && p->oom_score_adj == 100, "oomScoreAdj");
	}
	oci_process_free(p);
	err_clear(&e);

	json = q("{'args': ['sh']}");
	p = oci_process_parse(json, strlen(json), "process.json", &e);
	free(json);
	ok(p && streq(p->cwd, "/") && p->env && !p->env[0], "defaults: cwd / and empty env");
	oci_process_free(p);
	err_clear(&e);

	/* Errors: top-level paths, no leading dot. */
	static const struct bad_case bad[] = {
		{"{}", "process.json: args: required field missing"},
		{"{'args': []}", "process.json: args: must not be empty"},
		{"{'args': ['sh', 2]}", "process.json: args[1]: expected a string, got number"},
		{"{'args': ['sh'], 'cwd': 'rel'}", "process.json: cwd: \"rel\" is not an absolute path"},
		{"{'args': ['sh'], 'user': {'uid': 'x'}}",
		 "process.json: user.uid: expected an unsigned integer, got string"},
		{"{'args': ['sh'], 'consoleSize': {'width': 1}}",
		 "process.json: consoleSize.height: required field missing"},
		{"{'args': ['sh'], 'capabilities': {'bounding': ['CAP_X']}}",
		 "process.json: capabilities.bounding[0]: unknown capability \"CAP_X\""},
		{"{'args': ['sh'], 'rlimits': [{'type': 'RLIMIT_AS', 'soft': 2, 'hard': 1}]}",
		 "process.json: rlimits[0]: soft limit 2 above hard limit 1"},
		{"{'args': ['sh'], 'user': {'umask': 1000}}",
		 "process.json: user.umask: 1750 is not a valid umask"},
		{"[]", "process.json: expected a JSON object, got array"},
		{"{'args': ", "process.json: invalid JSON at line 1"},
		{"{'args': ['sh'], 'oomScoreAdj': 2000}",
		 "process.json: oomScoreAdj: 2000 is not in -1000..1000"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		json = q(bad[i].json);
		p = oci_process_parse(json, strlen(json), "process.json", &e);
		bool good = !p && strstr(err_msg(&e), bad[i].want);
		if (!ok(good, "bad process %zu: \"%s\"", i, bad[i].want))
			printf("#   got \"%s\"\n", err_msg(&e));
		oci_process_free(p);
		free(json);
		err_clear(&e);
	}
}

static void test_names(void)
{
	is_int(cap_from_name("CAP_CHOWN"), 0, "CAP_CHOWN is 0");
	is_int(cap_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN, "CAP_SYS_ADMIN");
	is_int(cap_from_name("CAP_CHECKPOINT_RESTORE"), 40, "CAP_CHECKPOINT_RESTORE is 40");
	is_int(cap_from_name("sys_admin"), -1, "short names are unknown");
	is_str(cap_name(CAP_NET_ADMIN), "CAP_NET_ADMIN", "cap_name");
	ok(cap_name(-1) == NULL && cap_name(cap_last_known() + 1) == NULL, "cap_name out of range");
	ok(cap_last_known() < 64, "every known capability fits a 64-bit mask");
	is_int(rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE, "rlimit_from_name");
	is_int(rlimit_from_name("NOFILE"), -1, "rlimit names need the prefix");
	is_str(rlimit_name(RLIMIT_RTTIME), "RLIMIT_RTTIME", "rlimit_name");
	is_int(ns_from_spec_name("network"), NS_NET, "network");
	is_int(ns_from_spec_name("net"), -1, "net is the /proc name, not the spec one");
	is_str(ns_proc_name(NS_MNT), "mnt", "ns_proc_name");
	is_str(ns_spec_name(NS_MNT), "mount", "ns_spec_name");
}

int main(void)
{
	test_versions();
	test_bad_configs();
	test_errors_detail();
	test_spec_default_parses();
	test_full_config();
	test_minimal_config();
	test_process_parse();
	test_sched_fields();
	test_names();
	return tap_done();
}
