/* test-resources: linux.resources parsing (oci_resources_parse).
 *
 * Every field is read into struct oci_resources with its has_* flag;
 * absent fields leave the flags false; every error names its JSON path.
 * JSON in this file is written with single quotes for readability; q()
 * turns them into double quotes before parsing. */
#include <stdlib.h>

#include "base/strv.h"
#include "oci/resources.h"
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

static struct oci_resources *parse_q(const char *json, struct err *e)
{
	char *doc = q(json);
	struct oci_resources *r = oci_resources_parse(doc, strlen(doc), "linux.resources", e);
	free(doc);
	return r;
}

/* Parse a document that must be valid; prints the error otherwise. */
static struct oci_resources *parse_good(const char *json)
{
	struct err e = ERR_INIT;
	struct oci_resources *r = parse_q(json, &e);
	if (!ok(r != NULL, "parses: %.60s", json))
		printf("#   error \"%s\"\n", err_msg(&e));
	err_clear(&e);
	return r;
}

static void check_rule(const struct oci_dev_rule *d, bool allow, char type, int64_t major,
		       int64_t minor, const char *access, const char *what)
{
	ok(d->allow == allow && d->type == type && d->major == major && d->minor == minor &&
		   streq(d->access, access),
	   "%s: %s %c %lld:%lld %s (got %s %c %lld:%lld %s)", what, allow ? "allow" : "deny", type,
	   (long long)major, (long long)minor, access, d->allow ? "allow" : "deny", d->type,
	   (long long)d->major, (long long)d->minor, d->access);
}

static void test_empty(void)
{
	struct oci_resources *r = parse_good("{}");
	if (!r)
		return;
	ok(!r->devices && r->n_devices == 0, "{}: no device rules");
	ok(!r->memory.has_limit && !r->memory.has_reservation && !r->memory.has_swap &&
		   !r->memory.has_swappiness && !r->memory.has_disable_oom &&
		   !r->memory.has_kernel && !r->memory.has_kernel_tcp,
	   "{}: no memory field is set");
	ok(!r->cpu.has_shares && !r->cpu.has_quota && !r->cpu.has_period && !r->cpu.has_idle &&
		   !r->cpu.has_rt_runtime && !r->cpu.has_rt_period && !r->cpu.cpus && !r->cpu.mems,
	   "{}: no cpu field is set");
	ok(!r->pids.has_limit, "{}: no pids limit");
	ok(!r->blkio.has_weight && !r->blkio.has_leaf_weight && !r->blkio.weight_devices &&
		   r->blkio.n_weight_devices == 0,
	   "{}: no blockIO weights");
	bool rates_empty = true;
	for (int k = 0; k < 4; k++)
		rates_empty &= !r->blkio.rate[k] && r->blkio.n_rate[k] == 0;
	ok(rates_empty, "{}: no blockIO throttles");
	ok(!r->hugepages && r->n_hugepages == 0, "{}: no hugepage limits");
	ok(!r->network.has_class_id && !r->network.priorities, "{}: no network settings");
	ok(!r->unified, "{}: no unified map");
	oci_resources_free(r);

	/* Empty sections, and nulls, count as absent too. */
	r = parse_good("{'devices': [], 'memory': {}, 'cpu': {}, 'pids': {}, 'blockIO': {}, "
		       "'hugepageLimits': [], 'network': {}, 'unified': {}}");
	if (!r)
		return;
	ok(r->n_devices == 0, "empty sections: no device rules");
	ok(!r->memory.has_limit && !r->memory.has_swap && !r->memory.has_swappiness &&
		   !r->memory.has_disable_oom && !r->memory.has_reservation,
	   "empty memory: nothing set");
	ok(!r->cpu.has_shares && !r->cpu.has_quota && !r->cpu.has_period && !r->cpu.cpus,
	   "empty cpu: nothing set");
	ok(!r->pids.has_limit, "empty pids: no limit");
	ok(!r->blkio.has_weight && r->blkio.n_weight_devices == 0, "empty blockIO: nothing set");
	ok(r->n_hugepages == 0, "empty hugepageLimits: none");
	ok(!r->network.has_class_id && !r->network.priorities, "empty network: nothing set");
	ok(r->unified && !r->unified[0], "empty unified: an empty map");
	oci_resources_free(r);

	r = parse_good("{'devices': null, 'memory': {'limit': null, 'swap': null}, "
		       "'cpu': {'shares': null, 'cpus': null}, 'pids': {'limit': null}, "
		       "'blockIO': {'weight': null}, 'network': {'classID': null}, "
		       "'unified': null}");
	if (!r)
		return;
	ok(r->n_devices == 0 && !r->memory.has_limit && !r->memory.has_swap &&
		   !r->cpu.has_shares && !r->cpu.cpus && !r->pids.has_limit &&
		   !r->blkio.has_weight && !r->network.has_class_id && !r->unified,
	   "null members count as absent");
	oci_resources_free(r);

	/* Unknown members (rdma, future fields) are ignored. */
	r = parse_good("{'rdma': {'mlx5_1': {'hcaHandles': 3}}, 'memory': {'checkBeforeUpdate': "
		       "true, 'useHierarchy': true}}");
	ok(r && !r->memory.has_limit, "unknown members are ignored");
	oci_resources_free(r);
}

static void test_devices(void)
{
	struct oci_resources *r = parse_good(
		"{'devices': ["
		"{'allow': false, 'access': 'rwm'},"
		"{'allow': true, 'type': 'c', 'major': 1, 'minor': 3, 'access': 'rw'},"
		"{'allow': true, 'type': 'b', 'major': 8},"
		"{'allow': false, 'type': '', 'access': ''},"
		"{'allow': true, 'type': 'c', 'major': -1, 'minor': -1, 'access': 'm'},"
		"{'allow': false, 'type': 'a', 'minor': 7, 'access': 'mwr'},"
		"{'allow': true, 'type': 'c', 'major': 136, 'minor': null, 'access': null}"
		"]}");
	if (!r)
		return;
	is_int(r->n_devices, 7, "seven device rules");
	if (r->n_devices == 7) {
		check_rule(&r->devices[0], false, 'a', -1, -1, "rwm",
			   "devices[0]: type defaults to a, numbers to any");
		check_rule(&r->devices[1], true, 'c', 1, 3, "rw", "devices[1]: c 1:3 rw");
		check_rule(&r->devices[2], true, 'b', 8, -1, "rwm",
			   "devices[2]: minor defaults to any, access to rwm");
		check_rule(&r->devices[3], false, 'a', -1, -1, "rwm",
			   "devices[3]: empty type and access take the defaults");
		check_rule(&r->devices[4], true, 'c', -1, -1, "m", "devices[4]: -1 is any");
		check_rule(&r->devices[5], false, 'a', -1, 7, "mwr",
			   "devices[5]: access kept in its order");
		check_rule(&r->devices[6], true, 'c', 136, -1, "rwm",
			   "devices[6]: null minor and access are absent");
	}
	oci_resources_free(r);
}

static void test_memory(void)
{
	struct oci_resources *r = parse_good(
		"{'memory': {'limit': 1073741824, 'reservation': 536870912, 'swap': 2147483648, "
		"'swappiness': 60, 'disableOOMKiller': true, 'kernel': -1, 'kernelTCP': 65536}}");
	if (!r)
		return;
	const struct oci_memory *m = &r->memory;
	ok(m->has_limit && m->limit == 1073741824, "memory.limit");
	ok(m->has_reservation && m->reservation == 536870912, "memory.reservation");
	ok(m->has_swap && m->swap == 2147483648, "memory.swap");
	ok(m->has_swappiness && m->swappiness == 60, "memory.swappiness");
	ok(m->has_disable_oom && m->disable_oom_killer, "memory.disableOOMKiller true");
	ok(m->has_kernel && m->kernel == -1, "memory.kernel -1");
	ok(m->has_kernel_tcp && m->kernel_tcp == 65536, "memory.kernelTCP");
	oci_resources_free(r);

	r = parse_good("{'memory': {'limit': -1, 'swap': -1, 'reservation': 0, 'swappiness': 0, "
		       "'disableOOMKiller': false}}");
	if (r) {
		m = &r->memory;
		ok(m->has_limit && m->limit == -1 && m->has_swap && m->swap == -1,
		   "memory: -1 is unlimited");
		ok(m->has_reservation && m->reservation == 0, "memory.reservation 0 is kept");
		ok(m->has_swappiness && m->swappiness == 0, "memory.swappiness 0 is kept");
		ok(m->has_disable_oom && !m->disable_oom_killer,
		   "memory.disableOOMKiller false is present");
		ok(!m->has_kernel && !m->has_kernel_tcp, "memory: kernel limits absent");
	}
	oci_resources_free(r);

	/* swap equal to the limit (no swap at all), swap unlimited with a
	 * limit, a limit with swap alone, swappiness at the top. */
	const char *good[] = {
		"{'memory': {'limit': 1000000, 'swap': 1000000}}",
		"{'memory': {'limit': 1000000, 'swap': -1}}",
		"{'memory': {'limit': -1, 'swap': 1000}}",
		"{'memory': {'swap': 1000}}",
		"{'memory': {'limit': 0, 'swap': 1000}}",
		"{'memory': {'swappiness': 100}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		r = parse_good(good[i]);
		oci_resources_free(r);
	}
	r = parse_good("{'memory': {'limit': 1000000}}");
	ok(r && r->memory.has_limit && !r->memory.has_swap && !r->memory.has_swappiness,
	   "memory.limit alone: only has_limit");
	oci_resources_free(r);
}

static void test_cpu(void)
{
	struct oci_resources *r = parse_good(
		"{'cpu': {'shares': 1024, 'quota': 50000, 'period': 100000, "
		"'realtimeRuntime': 950000, 'realtimePeriod': 1000000, 'idle': 1, "
		"'cpus': '0-3,5,7-8', 'mems': '0'}}");
	if (!r)
		return;
	const struct oci_cpu *c = &r->cpu;
	ok(c->has_shares && c->shares == 1024, "cpu.shares");
	ok(c->has_quota && c->quota == 50000, "cpu.quota");
	ok(c->has_period && c->period == 100000, "cpu.period");
	ok(c->has_rt_runtime && c->rt_runtime == 950000, "cpu.realtimeRuntime");
	ok(c->has_rt_period && c->rt_period == 1000000, "cpu.realtimePeriod");
	ok(c->has_idle && c->idle == 1, "cpu.idle");
	is_str(c->cpus, "0-3,5,7-8", "cpu.cpus");
	is_str(c->mems, "0", "cpu.mems");
	oci_resources_free(r);

	r = parse_good("{'cpu': {'quota': -1, 'period': 0, 'idle': 0, 'cpus': '', 'mems': '', "
		       "'realtimeRuntime': -1}}");
	if (r) {
		c = &r->cpu;
		ok(c->has_quota && c->quota == -1, "cpu.quota -1 is unlimited");
		ok(c->has_period && c->period == 0, "cpu.period 0 is kept (kernel default)");
		ok(c->has_idle && c->idle == 0, "cpu.idle 0");
		ok(c->has_rt_runtime && c->rt_runtime == -1, "cpu.realtimeRuntime -1");
		is_str(c->cpus, "", "cpu.cpus may be empty");
		is_str(c->mems, "", "cpu.mems may be empty");
		ok(!c->has_shares && !c->has_rt_period, "cpu: shares, realtimePeriod absent");
	}
	oci_resources_free(r);

	const char *good[] = {
		"{'cpu': {'quota': 0}}",      "{'cpu': {'quota': 1000}}",
		"{'cpu': {'period': 1000}}",  "{'cpu': {'period': 1000000}}",
		"{'cpu': {'shares': 0}}",     "{'cpu': {'shares': 262144}}",
		"{'cpu': {'cpus': '0,1,2'}}", "{'cpu': {'cpus': '12-15', 'mems': '0-1'}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		oci_resources_free(parse_good(good[i]));
}

static void test_pids(void)
{
	struct oci_resources *r = parse_good("{'pids': {'limit': 100}}");
	ok(r && r->pids.has_limit && r->pids.limit == 100, "pids.limit 100");
	oci_resources_free(r);
	r = parse_good("{'pids': {'limit': -1}}");
	ok(r && r->pids.has_limit && r->pids.limit == -1, "pids.limit -1 (unlimited)");
	oci_resources_free(r);
	r = parse_good("{'pids': {'limit': 0}}");
	ok(r && r->pids.has_limit && r->pids.limit == 0, "pids.limit 0 (unlimited)");
	oci_resources_free(r);
}

static void test_blkio(void)
{
	struct oci_resources *r = parse_good(
		"{'blockIO': {'weight': 500, 'leafWeight': 300, "
		"'weightDevice': [{'major': 8, 'minor': 0, 'weight': 600, 'leafWeight': 100}, "
		"                 {'major': 8, 'minor': 16, 'weight': 200}, "
		"                 {'major': 259, 'minor': 1, 'leafWeight': 50}], "
		"'throttleReadBpsDevice': [{'major': 8, 'minor': 0, 'rate': 1048576}], "
		"'throttleWriteBpsDevice': [{'major': 8, 'minor': 16, 'rate': 2097152}], "
		"'throttleReadIOPSDevice': [{'major': 8, 'minor': 0, 'rate': 100}, "
		"                           {'major': 8, 'minor': 16, 'rate': 0}], "
		"'throttleWriteIOPSDevice': [{'major': 253, 'minor': 3, 'rate': 300}]}}");
	if (!r)
		return;
	const struct oci_blkio *b = &r->blkio;
	ok(b->has_weight && b->weight == 500, "blockIO.weight");
	ok(b->has_leaf_weight && b->leaf_weight == 300, "blockIO.leafWeight");
	is_int(b->n_weight_devices, 3, "three weightDevice entries");
	if (b->n_weight_devices == 3) {
		const struct oci_dev_weight *w = b->weight_devices;
		ok(w[0].major == 8 && w[0].minor == 0 && w[0].has_weight && w[0].weight == 600 &&
			   w[0].has_leaf_weight && w[0].leaf_weight == 100,
		   "weightDevice[0]: 8:0 weight 600 leafWeight 100");
		ok(w[1].major == 8 && w[1].minor == 16 && w[1].has_weight && w[1].weight == 200 &&
			   !w[1].has_leaf_weight,
		   "weightDevice[1]: 8:16 weight 200, no leafWeight");
		ok(w[2].major == 259 && w[2].minor == 1 && !w[2].has_weight &&
			   w[2].has_leaf_weight && w[2].leaf_weight == 50,
		   "weightDevice[2]: 259:1 leafWeight 50, no weight");
	}
	is_int(b->n_rate[BLKIO_READ_BPS], 1, "one throttleReadBpsDevice");
	if (b->n_rate[BLKIO_READ_BPS] == 1)
		ok(b->rate[BLKIO_READ_BPS][0].major == 8 && b->rate[BLKIO_READ_BPS][0].minor == 0 &&
			   b->rate[BLKIO_READ_BPS][0].rate == 1048576,
		   "throttleReadBpsDevice[0]: 8:0 1048576");
	is_int(b->n_rate[BLKIO_WRITE_BPS], 1, "one throttleWriteBpsDevice");
	if (b->n_rate[BLKIO_WRITE_BPS] == 1)
		ok(b->rate[BLKIO_WRITE_BPS][0].major == 8 && b->rate[BLKIO_WRITE_BPS][0].minor == 16 &&
			   b->rate[BLKIO_WRITE_BPS][0].rate == 2097152,
		   "throttleWriteBpsDevice[0]: 8:16 2097152");
	is_int(b->n_rate[BLKIO_READ_IOPS], 2, "two throttleReadIOPSDevice");
	if (b->n_rate[BLKIO_READ_IOPS] == 2)
		ok(b->rate[BLKIO_READ_IOPS][0].rate == 100 && b->rate[BLKIO_READ_IOPS][1].minor == 16 &&
			   b->rate[BLKIO_READ_IOPS][1].rate == 0,
		   "throttleReadIOPSDevice: 8:0 100, 8:16 0");
	is_int(b->n_rate[BLKIO_WRITE_IOPS], 1, "one throttleWriteIOPSDevice");
	if (b->n_rate[BLKIO_WRITE_IOPS] == 1)
		ok(b->rate[BLKIO_WRITE_IOPS][0].major == 253 &&
			   b->rate[BLKIO_WRITE_IOPS][0].minor == 3 &&
			   b->rate[BLKIO_WRITE_IOPS][0].rate == 300,
		   "throttleWriteIOPSDevice[0]: 253:3 300");
	oci_resources_free(r);

	r = parse_good("{'blockIO': {'weight': 0, 'leafWeight': 0}}");
	ok(r && r->blkio.has_weight && r->blkio.weight == 0 && r->blkio.has_leaf_weight,
	   "blockIO.weight 0 is kept");
	oci_resources_free(r);
	oci_resources_free(parse_good("{'blockIO': {'weight': 10}}"));
	oci_resources_free(parse_good("{'blockIO': {'weight': 1000}}"));
	r = parse_good("{'blockIO': {'leafWeight': 20}}");
	ok(r && !r->blkio.has_weight && r->blkio.has_leaf_weight && r->blkio.leaf_weight == 20,
	   "blockIO.leafWeight alone");
	oci_resources_free(r);
}

static void test_hugepages(void)
{
	struct oci_resources *r = parse_good(
		"{'hugepageLimits': [{'pageSize': '2MB', 'limit': 209715200}, "
		"{'pageSize': '1GB', 'limit': 0}, {'pageSize': '64KB', 'limit': 65536}]}");
	if (!r)
		return;
	is_int(r->n_hugepages, 3, "three hugepage limits");
	if (r->n_hugepages == 3) {
		is_str(r->hugepages[0].pagesize, "2MB", "hugepageLimits[0].pageSize");
		is_int(r->hugepages[0].limit, 209715200, "hugepageLimits[0].limit");
		is_str(r->hugepages[1].pagesize, "1GB", "hugepageLimits[1].pageSize");
		is_int(r->hugepages[1].limit, 0, "hugepageLimits[1].limit");
		is_str(r->hugepages[2].pagesize, "64KB", "hugepageLimits[2].pageSize");
	}
	oci_resources_free(r);
}

static void test_network(void)
{
	struct oci_resources *r = parse_good(
		"{'network': {'classID': 1048577, 'priorities': [{'name': 'eth0', 'priority': 500}, "
		"{'name': 'lo', 'priority': 0}]}}");
	if (!r)
		return;
	ok(r->network.has_class_id && r->network.class_id == 1048577, "network.classID");
	char **p = r->network.priorities;
	ok(p && strv_length(p) == 4, "network.priorities: two name/priority pairs");
	if (p && strv_length(p) == 4) {
		is_str(p[0], "eth0", "priorities[0].name");
		is_str(p[1], "500", "priorities[0].priority");
		is_str(p[2], "lo", "priorities[1].name");
		is_str(p[3], "0", "priorities[1].priority");
	}
	oci_resources_free(r);

	r = parse_good("{'network': {'classID': 0, 'priorities': []}}");
	ok(r && r->network.has_class_id && r->network.class_id == 0 && !r->network.priorities,
	   "network.classID 0, no priorities");
	oci_resources_free(r);
	r = parse_good("{'network': {'classID': 4294967295}}");
	ok(r && r->network.class_id == 4294967295u, "network.classID 2^32-1");
	oci_resources_free(r);
}

static void test_unified(void)
{
	struct oci_resources *r = parse_good(
		"{'unified': {'memory.high': '1073741824', 'io.weight': 'default 100', "
		"'cpu.max': 'max 100000', 'memory.oom.group': ''}}");
	if (!r)
		return;
	char **u = r->unified;
	ok(u && strv_length(u) == 8, "unified: four key/value pairs");
	if (u && strv_length(u) == 8) {
		is_str(u[0], "memory.high", "unified key 0");
		is_str(u[1], "1073741824", "unified value 0");
		is_str(u[2], "io.weight", "unified key 1");
		is_str(u[3], "default 100", "unified value 1 (spaces kept)");
		is_str(u[4], "cpu.max", "unified key 2");
		is_str(u[5], "max 100000", "unified value 2");
		is_str(u[6], "memory.oom.group", "unified key 3");
		is_str(u[7], "", "unified value 3 may be empty");
	}
	oci_resources_free(r);
}

/* 18446744073709551615 (what Go engines write for "unlimited") is kept
 * exactly where an unsigned integer is expected, and refused with the
 * path where a signed one or a smaller type is. */
static void test_u64_max(void)
{
	struct oci_resources *r = parse_good(
		"{'cpu': {'shares': 18446744073709551615, 'realtimePeriod': 18446744073709551615}, "
		"'hugepageLimits': [{'pageSize': '2MB', 'limit': 18446744073709551615}], "
		"'blockIO': {'throttleReadBpsDevice': [{'major': 8, 'minor': 0, "
		"'rate': 18446744073709551615}]}}");
	if (!r)
		return;
	ok(r->cpu.has_shares && r->cpu.shares == UINT64_MAX, "cpu.shares 2^64-1 kept exactly");
	ok(r->cpu.has_rt_period && r->cpu.rt_period == UINT64_MAX,
	   "cpu.realtimePeriod 2^64-1 kept exactly");
	ok(r->n_hugepages == 1 && r->hugepages[0].limit == UINT64_MAX,
	   "hugepageLimits[0].limit 2^64-1 kept exactly");
	ok(r->blkio.n_rate[BLKIO_READ_BPS] == 1 &&
		   r->blkio.rate[BLKIO_READ_BPS][0].rate == UINT64_MAX,
	   "throttleReadBpsDevice[0].rate 2^64-1 kept exactly");
	oci_resources_free(r);
	r = parse_good("{'memory': {'limit': 9223372036854775807}, 'cpu': {'quota': "
		       "9223372036854775807}}");
	ok(r && r->memory.limit == INT64_MAX && r->cpu.quota == INT64_MAX,
	   "INT64_MAX where a signed integer is expected");
	oci_resources_free(r);
}

struct bad_case {
	const char *json;
	const char *want; /* substring of the message */
};

#define BIG "18446744073709551615"

static const struct bad_case bad_cases[] = {
	/* the document */
	{"[]", "linux.resources: expected an object, got array"},
	{"'x'", "linux.resources: invalid JSON at line 1"},
	{"{'memory': }", "linux.resources: invalid JSON at line 1"},
	{"{'memory': {}, 'memory': {}}", "duplicate"},
	/* devices */
	{"{'devices': {}}", "linux.resources.devices: expected an array, got object"},
	{"{'devices': [1]}", "linux.resources.devices[0]: expected an object, got number"},
	{"{'devices': [{'allow': true}, 'x']}",
	 "linux.resources.devices[1]: expected an object, got string"},
	{"{'devices': [{'access': 'rwm'}]}", "linux.resources.devices[0].allow: required field missing"},
	{"{'devices': [{'allow': 'yes'}]}",
	 "linux.resources.devices[0].allow: expected a boolean, got string"},
	{"{'devices': [{'allow': true, 'type': 1}]}",
	 "linux.resources.devices[0].type: expected a string, got number"},
	{"{'devices': [{'allow': true, 'type': 'x'}]}",
	 "linux.resources.devices[0].type: unknown device type \"x\""},
	{"{'devices': [{'allow': true, 'type': 'cb'}]}",
	 "linux.resources.devices[0].type: unknown device type \"cb\""},
	{"{'devices': [{'allow': true, 'type': 'p'}]}",
	 "linux.resources.devices[0].type: unknown device type \"p\""},
	{"{'devices': [{'allow': true, 'type': 'C'}]}",
	 "linux.resources.devices[0].type: unknown device type \"C\""},
	{"{'devices': [{'allow': true, 'major': '1'}]}",
	 "linux.resources.devices[0].major: expected an integer, got string"},
	{"{'devices': [{'allow': true, 'minor': 1.5}]}",
	 "linux.resources.devices[0].minor: expected an integer, got number"},
	{"{'devices': [{'allow': true, 'major': -2}]}",
	 "linux.resources.devices[0]: negative device number"},
	{"{'devices': [{'allow': true, 'major': 1, 'minor': -7}]}",
	 "linux.resources.devices[0]: negative device number"},
	{"{'devices': [{'allow': true, 'major': " BIG "}]}",
	 "linux.resources.devices[0].major: " BIG " is out of range"},
	{"{'devices': [{'allow': true, 'access': 5}]}",
	 "linux.resources.devices[0].access: expected a string, got number"},
	{"{'devices': [{'allow': false}, {'allow': true, 'access': 'rwx'}]}",
	 "linux.resources.devices[1].access: invalid access \"rwx\""},
	{"{'devices': [{'allow': true, 'access': 'rr'}]}",
	 "linux.resources.devices[0].access: invalid access \"rr\""},
	{"{'devices': [{'allow': true, 'access': 'rwmr'}]}",
	 "linux.resources.devices[0].access: invalid access \"rwmr\""},
	{"{'devices': [{'allow': true, 'access': 'RW'}]}",
	 "linux.resources.devices[0].access: invalid access \"RW\""},
	{"{'devices': [{'allow': true, 'access': 'r w'}]}",
	 "linux.resources.devices[0].access: invalid access \"r w\""},
	/* memory */
	{"{'memory': []}", "linux.resources.memory: expected an object, got array"},
	{"{'memory': {'limit': '1g'}}", "linux.resources.memory.limit: expected an integer, got string"},
	{"{'memory': {'limit': 1.5}}", "linux.resources.memory.limit: expected an integer, got number"},
	{"{'memory': {'limit': " BIG "}}", "linux.resources.memory.limit: " BIG " is out of range"},
	{"{'memory': {'limit': -2}}", "linux.resources.memory.limit: -2 is not a size"},
	{"{'memory': {'reservation': true}}",
	 "linux.resources.memory.reservation: expected an integer, got boolean"},
	{"{'memory': {'reservation': -5}}", "linux.resources.memory.reservation: -5 is not a size"},
	{"{'memory': {'swap': {}}}", "linux.resources.memory.swap: expected an integer, got object"},
	{"{'memory': {'swap': -3}}", "linux.resources.memory.swap: -3 is not a size"},
	{"{'memory': {'swappiness': -1}}",
	 "linux.resources.memory.swappiness: expected an unsigned integer, got number"},
	{"{'memory': {'swappiness': '60'}}",
	 "linux.resources.memory.swappiness: expected an unsigned integer, got string"},
	{"{'memory': {'swappiness': 101}}", "linux.resources.memory.swappiness: 101 is above 100"},
	{"{'memory': {'swappiness': " BIG "}}",
	 "linux.resources.memory.swappiness: " BIG " is above 100"},
	{"{'memory': {'swappiness': 18446744073709551616}}",
	 "linux.resources.memory.swappiness: 18446744073709551616 is out of range"},
	{"{'memory': {'limit': 2000000, 'swap': 1000000}}",
	 "linux.resources.memory.swap: 1000000 is below memory.limit 2000000"},
	{"{'memory': {'limit': 2000000, 'swap': 1999999}}",
	 "linux.resources.memory.swap: 1999999 is below memory.limit"},
	{"{'memory': {'disableOOMKiller': 1}}",
	 "linux.resources.memory.disableOOMKiller: expected a boolean, got number"},
	{"{'memory': {'kernel': 'x'}}", "linux.resources.memory.kernel: expected an integer, got string"},
	{"{'memory': {'kernelTCP': true}}",
	 "linux.resources.memory.kernelTCP: expected an integer, got boolean"},
	/* cpu */
	{"{'cpu': 1}", "linux.resources.cpu: expected an object, got number"},
	{"{'cpu': {'shares': -1}}", "linux.resources.cpu.shares: expected an unsigned integer, got number"},
	{"{'cpu': {'shares': 18446744073709551616}}",
	 "linux.resources.cpu.shares: 18446744073709551616 is out of range"},
	{"{'cpu': {'quota': 'max'}}", "linux.resources.cpu.quota: expected an integer, got string"},
	{"{'cpu': {'quota': " BIG "}}", "linux.resources.cpu.quota: " BIG " is out of range"},
	{"{'cpu': {'quota': 999}}", "linux.resources.cpu.quota: 999 is below 1000 us"},
	{"{'cpu': {'quota': 1}}", "linux.resources.cpu.quota: 1 is below 1000 us"},
	{"{'cpu': {'quota': -2}}", "linux.resources.cpu.quota: -2 is below 1000 us"},
	{"{'cpu': {'period': -1}}", "linux.resources.cpu.period: expected an unsigned integer"},
	{"{'cpu': {'period': 999}}", "linux.resources.cpu.period: 999 is not in 1000..1000000 us"},
	{"{'cpu': {'period': 1000001}}", "linux.resources.cpu.period: 1000001 is not in 1000..1000000"},
	{"{'cpu': {'period': " BIG "}}", "linux.resources.cpu.period: " BIG " is not in 1000..1000000"},
	{"{'cpu': {'realtimeRuntime': 'x'}}",
	 "linux.resources.cpu.realtimeRuntime: expected an integer, got string"},
	{"{'cpu': {'realtimePeriod': -1}}",
	 "linux.resources.cpu.realtimePeriod: expected an unsigned integer, got number"},
	{"{'cpu': {'idle': 2}}", "linux.resources.cpu.idle: must be 0 or 1"},
	{"{'cpu': {'idle': -1}}", "linux.resources.cpu.idle: must be 0 or 1"},
	{"{'cpu': {'idle': true}}", "linux.resources.cpu.idle: expected an integer, got boolean"},
	{"{'cpu': {'cpus': 3}}", "linux.resources.cpu.cpus: expected a string, got number"},
	{"{'cpu': {'cpus': 'a-b'}}", "linux.resources.cpu.cpus: \"a-b\" is not a list of cpus"},
	{"{'cpu': {'cpus': '0-3,x'}}", "linux.resources.cpu.cpus: \"0-3,x\" is not a list of cpus"},
	{"{'cpu': {'cpus': '0 1'}}", "linux.resources.cpu.cpus: \"0 1\" is not a list of cpus"},
	{"{'cpu': {'cpus': '0;1'}}", "linux.resources.cpu.cpus: \"0;1\" is not a list of cpus"},
	{"{'cpu': {'mems': ['0']}}", "linux.resources.cpu.mems: expected a string, got array"},
	{"{'cpu': {'mems': 'node0'}}", "linux.resources.cpu.mems: \"node0\" is not a list of nodes"},
	/* Lists made of the right characters but not lists: the kernel
	 * refuses them only when the cgroup file is written. */
	{"{'cpu': {'cpus': '-'}}", "linux.resources.cpu.cpus: \"-\" is not a list of cpus"},
	{"{'cpu': {'cpus': '0--3'}}", "linux.resources.cpu.cpus: \"0--3\" is not a list of cpus"},
	{"{'cpu': {'mems': ',,'}}", "linux.resources.cpu.mems: \",,\" is not a list of nodes"},
	/* pids */
	{"{'pids': 100}", "linux.resources.pids: expected an object, got number"},
	{"{'pids': {'limit': 'max'}}", "linux.resources.pids.limit: expected an integer, got string"},
	{"{'pids': {'limit': " BIG "}}", "linux.resources.pids.limit: " BIG " is out of range"},
	/* blockIO */
	{"{'blockIO': []}", "linux.resources.blockIO: expected an object, got array"},
	{"{'blockIO': {'weight': 'x'}}",
	 "linux.resources.blockIO.weight: expected an unsigned integer, got string"},
	{"{'blockIO': {'weight': 5}}", "linux.resources.blockIO.weight: 5 is not in 10..1000"},
	{"{'blockIO': {'weight': 1001}}", "linux.resources.blockIO.weight: 1001 is not in 10..1000"},
	{"{'blockIO': {'weight': 70000}}", "linux.resources.blockIO.weight: 70000 is out of range"},
	{"{'blockIO': {'weight': " BIG "}}", "linux.resources.blockIO.weight: " BIG " is out of range"},
	{"{'blockIO': {'leafWeight': -1}}",
	 "linux.resources.blockIO.leafWeight: expected an unsigned integer, got number"},
	{"{'blockIO': {'leafWeight': 65536}}",
	 "linux.resources.blockIO.leafWeight: 65536 is out of range"},
	{"{'blockIO': {'weightDevice': {}}}",
	 "linux.resources.blockIO.weightDevice: expected an array, got object"},
	{"{'blockIO': {'weightDevice': [1]}}",
	 "linux.resources.blockIO.weightDevice[0]: expected an object"},
	{"{'blockIO': {'weightDevice': [{'minor': 0, 'weight': 10}]}}",
	 "linux.resources.blockIO.weightDevice[0].major: required field missing"},
	{"{'blockIO': {'weightDevice': [{'major': 8, 'minor': 0}, {'major': 8}]}}",
	 "linux.resources.blockIO.weightDevice[1].minor: required field missing"},
	{"{'blockIO': {'weightDevice': [{'major': 8, 'minor': 0, 'weight': 'x'}]}}",
	 "linux.resources.blockIO.weightDevice[0].weight: expected an unsigned integer, got string"},
	{"{'blockIO': {'weightDevice': [{'major': 8, 'minor': 0, 'leafWeight': 65536}]}}",
	 "linux.resources.blockIO.weightDevice[0].leafWeight: 65536 is out of range"},
	{"{'blockIO': {'throttleReadBpsDevice': 'x'}}",
	 "linux.resources.blockIO.throttleReadBpsDevice: expected an array, got string"},
	{"{'blockIO': {'throttleReadBpsDevice': [[]]}}",
	 "linux.resources.blockIO.throttleReadBpsDevice[0]: expected an object"},
	{"{'blockIO': {'throttleReadBpsDevice': [{'major': 8, 'minor': 0}]}}",
	 "linux.resources.blockIO.throttleReadBpsDevice[0].rate: required field missing"},
	{"{'blockIO': {'throttleWriteBpsDevice': [{'major': 8, 'minor': 0, 'rate': -1}]}}",
	 "linux.resources.blockIO.throttleWriteBpsDevice[0].rate: expected an unsigned integer"},
	{"{'blockIO': {'throttleReadIOPSDevice': [{'minor': 0, 'rate': 1}]}}",
	 "linux.resources.blockIO.throttleReadIOPSDevice[0].major: required field missing"},
	{"{'blockIO': {'throttleWriteIOPSDevice': [{'major': 8, 'minor': 0, 'rate': 1}, "
	 "{'major': -1, 'minor': 0, 'rate': 1}]}}",
	 "linux.resources.blockIO.throttleWriteIOPSDevice[1]: negative device number"},
	{"{'blockIO': {'throttleWriteIOPSDevice': [{'major': 8, 'minor': 'x', 'rate': 1}]}}",
	 "linux.resources.blockIO.throttleWriteIOPSDevice[0].minor: expected an integer, got string"},
	/* hugepageLimits */
	{"{'hugepageLimits': {}}", "linux.resources.hugepageLimits: expected an array, got object"},
	{"{'hugepageLimits': [1]}", "linux.resources.hugepageLimits[0]: expected an object"},
	{"{'hugepageLimits': [{'limit': 1}]}",
	 "linux.resources.hugepageLimits[0].pageSize: required field missing"},
	{"{'hugepageLimits': [{'pageSize': '2MB'}]}",
	 "linux.resources.hugepageLimits[0].limit: required field missing"},
	{"{'hugepageLimits': [{'pageSize': 2, 'limit': 1}]}",
	 "linux.resources.hugepageLimits[0].pageSize: expected a string, got number"},
	{"{'hugepageLimits': [{'pageSize': '2MB', 'limit': -1}]}",
	 "linux.resources.hugepageLimits[0].limit: expected an unsigned integer, got number"},
	{"{'hugepageLimits': [{'pageSize': '2MB', 'limit': 1}, {'pageSize': '3XB', 'limit': 1}]}",
	 "linux.resources.hugepageLimits[1].pageSize: \"3XB\" is not like 2MB or 1GB"},
	{"{'hugepageLimits': [{'pageSize': 'MB', 'limit': 1}]}",
	 "linux.resources.hugepageLimits[0].pageSize: \"MB\" is not like 2MB or 1GB"},
	{"{'hugepageLimits': [{'pageSize': '2mb', 'limit': 1}]}",
	 "linux.resources.hugepageLimits[0].pageSize: \"2mb\" is not like 2MB or 1GB"},
	{"{'hugepageLimits': [{'pageSize': '2', 'limit': 1}]}",
	 "linux.resources.hugepageLimits[0].pageSize: \"2\" is not like 2MB or 1GB"},
	{"{'hugepageLimits': [{'pageSize': '2 MB', 'limit': 1}]}",
	 "linux.resources.hugepageLimits[0].pageSize: \"2 MB\" is not like 2MB or 1GB"},
	{"{'hugepageLimits': [{'pageSize': '', 'limit': 1}]}",
	 "linux.resources.hugepageLimits[0].pageSize: \"\" is not like 2MB or 1GB"},
	/* network */
	{"{'network': []}", "linux.resources.network: expected an object, got array"},
	{"{'network': {'classID': -1}}",
	 "linux.resources.network.classID: expected an unsigned integer, got number"},
	{"{'network': {'classID': 4294967296}}",
	 "linux.resources.network.classID: 4294967296 is out of range (at most 4294967295)"},
	{"{'network': {'classID': " BIG "}}", "linux.resources.network.classID: " BIG " is out of range"},
	{"{'network': {'priorities': {}}}",
	 "linux.resources.network.priorities: expected an array, got object"},
	{"{'network': {'priorities': ['eth0']}}",
	 "linux.resources.network.priorities[0]: expected an object"},
	{"{'network': {'priorities': [{'name': 'eth0', 'priority': 1}, {'name': 'lo'}]}}",
	 "linux.resources.network.priorities[1].priority: required field missing"},
	{"{'network': {'priorities': [{'priority': 1}]}}",
	 "linux.resources.network.priorities[0].name: required field missing"},
	{"{'network': {'priorities': [{'name': 'eth0', 'priority': 'high'}]}}",
	 "linux.resources.network.priorities[0].priority: expected an unsigned integer, got string"},
	{"{'network': {'priorities': [{'name': 1, 'priority': 1}]}}",
	 "linux.resources.network.priorities[0].name: expected a string, got number"},
	/* unified */
	{"{'unified': []}", "linux.resources.unified: expected an object, got array"},
	{"{'unified': {'memory.max': 5}}",
	 "linux.resources.unified.memory.max: expected a string, got number"},
	{"{'unified': {'memory.max': null}}",
	 "linux.resources.unified.memory.max: expected a string, got null"},
	{"{'unified': {'memory.max': " BIG "}}",
	 "linux.resources.unified.memory.max: expected a string, got number"},
	{"{'unified': {'a/b': '1'}}", "linux.resources.unified: invalid entry \"a/b\""},
	{"{'unified': {'../memory.max': '1'}}", "linux.resources.unified: invalid entry \"../memory.max\""},
	{"{'unified': {'/memory.max': '1'}}", "linux.resources.unified: invalid entry \"/memory.max\""},
	{"{'unified': {'memory.max': '1', '': '1'}}", "linux.resources.unified: invalid entry \"\""},
	{"{'unified': {'.hidden': '1'}}", "linux.resources.unified: invalid entry \".hidden\""},
	{"{'unified': {'memory.max': '1\\n2'}}", "linux.resources.unified: invalid entry \"memory.max\""},
};

static void test_errors(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		struct err e = ERR_INIT;
		struct oci_resources *r = parse_q(bad_cases[i].json, &e);
		bool good = !r && err_isset(&e) && e.kind == ERR_INVALID &&
			    strstr(err_msg(&e), bad_cases[i].want);
		if (!ok(good, "refused: %s", bad_cases[i].json))
			printf("#   got \"%s\"%s, want \"%s\"\n", err_isset(&e) ? err_msg(&e) : "",
			       r ? " (and it parsed)" : "", bad_cases[i].want);
		oci_resources_free(r);
		err_clear(&e);
	}
}

/* The name given to the parser is what names the document itself. */
static void test_what(void)
{
	struct err e = ERR_INIT;
	const char *doc = "[1]";
	struct oci_resources *r = oci_resources_parse(doc, strlen(doc), "resources.json", &e);
	ok(!r && strstr(err_msg(&e), "resources.json: expected an object, got array"),
	   "the document is named as given: %s", err_msg(&e));
	err_clear(&e);
	doc = "{\"memory\": ";
	r = oci_resources_parse(doc, strlen(doc), "update.json", &e);
	ok(!r && strstr(err_msg(&e), "update.json: invalid JSON"),
	   "invalid JSON names the document: %s", err_msg(&e));
	err_clear(&e);
	/* Only len bytes are read. */
	doc = "{}garbage";
	r = oci_resources_parse(doc, 2, "linux.resources", &e);
	ok(r != NULL, "only len bytes are parsed");
	oci_resources_free(r);
	err_clear(&e);
	/* A NULL err is allowed. */
	r = oci_resources_parse("[]", 2, "linux.resources", NULL);
	ok(!r, "errors with a NULL err");
}

int main(void)
{
	test_empty();
	test_devices();
	test_memory();
	test_cpu();
	test_pids();
	test_blkio();
	test_hugepages();
	test_network();
	test_unified();
	test_u64_max();
	test_errors();
	test_what();
	return tap_done();
}
