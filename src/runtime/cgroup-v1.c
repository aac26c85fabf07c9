/* cgroup-v1.c: linux.resources on cgroup v1 hierarchies (and stats). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/parse-util.h"
#include "runtime/cgroup-internal.h"

static int devices(const struct cgroup_host *h, const char *path, const struct oci_resources *r,
		   const struct oci_linux *lx, struct err *e)
{
	if (!r->n_devices && !lx->n_devices)
		return 0;
	_cleanup_free_ char *dir = cgroup_ctrl_dir(h, "devices", path);
	if (!dir)
		return err_set(e, ERR_UNSUPPORTED,
			       "linux.resources.devices: no devices cgroup hierarchy is mounted");
	size_t n;
	_cleanup_free_ struct oci_dev_rule *rules = cgroup_device_rules(r, lx, &n);
	for (size_t i = 0; i < n; i++) {
		const struct oci_dev_rule *d = &rules[i];
		const char *file = d->allow ? "devices.allow" : "devices.deny";
		if (d->type == 'a') {
			/* "a" resets the list: all allowed, or all denied. */
			if (cg_write(dir, file, "a", e) < 0)
				return -1;
			continue;
		}
		char maj[24] = "*", min[24] = "*";
		if (d->major >= 0)
			snprintf(maj, sizeof(maj), "%" PRId64, d->major);
		if (d->minor >= 0)
			snprintf(min, sizeof(min), "%" PRId64, d->minor);
		if (cg_writef(dir, file, e, "%c %s:%s %s", d->type, maj, min, d->access) < 0)
			return -1;
	}
	return 0;
}

static int write_limits(const char *dir, const struct oci_memory *m,
			bool set_swap, bool swap_first, struct err *e)
{
	for (int step = 0; step < 2; step++) {
		bool swap = (step == 0) == swap_first;
		if (swap && set_swap &&
		    cg_writef(dir, "memory.memsw.limit_in_bytes", e, "%" PRId64, m->swap) < 0)
			return -1;
		if (!swap && m->has_limit &&
		    cg_writef(dir, "memory.limit_in_bytes", e, "%" PRId64, m->limit) < 0)
			return -1;
	}
	return 0;
}

static int memory(const struct cgroup_host *h, const char *path, const struct oci_resources *r,
		  struct err *e)
{
	const struct oci_memory *m = &r->memory;
	if (!m->has_limit && !m->has_reservation && !m->has_swap && !m->has_swappiness &&
	    !m->has_disable_oom && !m->has_kernel && !m->has_kernel_tcp)
		return 0;
	_cleanup_free_ char *dir = cgroup_ctrl_dir(h, "memory", path);
	if (!dir)
		return err_set(e, ERR_UNSUPPORTED,
			       "linux.resources.memory: no memory cgroup hierarchy is mounted");
	if (m->has_limit || m->has_swap) {
		bool memsw = cg_exists(dir, "memory.memsw.limit_in_bytes");
		bool set_swap = m->has_swap && m->swap != 0 && memsw;
		if (m->has_swap && m->swap != 0 && !memsw)
			log_warn("linux.resources.memory.swap: swap accounting is off on this "
				 "host; ignored");
		/* The memory+swap limit may never drop below the memory limit:
		 * a raise wants swap first, a cut wants memory first. */
		if (write_limits(dir, m, set_swap, false, NULL) < 0 &&
		    write_limits(dir, m, set_swap, true, e) < 0)
			return -1;
	}
	if (m->has_reservation &&
	    cg_writef(dir, "memory.soft_limit_in_bytes", e, "%" PRId64, m->reservation) < 0)
		return -1;
	if (m->has_swappiness &&
	    cg_writef(dir, "memory.swappiness", e, "%" PRIu64, m->swappiness) < 0)
		return -1;
	if (m->has_disable_oom &&
	    cg_write(dir, "memory.oom_control", m->disable_oom_killer ? "1" : "0", e) < 0)
		return -1;
	if (m->has_kernel_tcp &&
	    cg_writef(dir, "memory.kmem.tcp.limit_in_bytes", e, "%" PRId64, m->kernel_tcp) < 0)
		return -1;
	/* Kernel memory limits are gone from recent kernels (5.16 and later
	 * refuse them): deprecated in the spec, a warning here. */
	if (m->has_kernel && cg_writef(dir, "memory.kmem.limit_in_bytes", NULL, "%" PRId64,
				       m->kernel) < 0)
		log_warn("linux.resources.memory.kernel: not supported by this kernel; ignored");
	return 0;
}

static int cpu(const struct cgroup_host *h, const char *path, const struct oci_resources *r,
	       struct err *e)
{
	const struct oci_cpu *c = &r->cpu;
	if (c->has_shares || c->has_quota || c->has_period || c->has_idle || c->has_rt_runtime ||
	    c->has_rt_period) {
		_cleanup_free_ char *dir = cgroup_ctrl_dir(h, "cpu", path);
		if (!dir)
			return err_set(e, ERR_UNSUPPORTED,
				       "linux.resources.cpu: no cpu cgroup hierarchy is mounted");
		if (c->has_shares && c->shares &&
		    cg_writef(dir, "cpu.shares", e, "%" PRIu64, c->shares) < 0)
			return -1;
		if (c->has_period && c->period &&
		    cg_writef(dir, "cpu.cfs_period_us", e, "%" PRIu64, c->period) < 0)
			return -1;
		if (c->has_quota && cg_writef(dir, "cpu.cfs_quota_us", e, "%" PRId64,
					      c->quota == 0 ? -1 : c->quota) < 0)
			return -1;
		if (c->has_rt_period && c->rt_period &&
		    cg_writef(dir, "cpu.rt_period_us", e, "%" PRIu64, c->rt_period) < 0)
			return -1;
		if (c->has_rt_runtime && cg_writef(dir, "cpu.rt_runtime_us", e, "%" PRId64,
						   c->rt_runtime) < 0)
			return -1;
		if (c->has_idle && cg_writef(dir, "cpu.idle", e, "%" PRId64, c->idle) < 0)
			return -1;
	}
	if ((c->cpus && *c->cpus) || (c->mems && *c->mems)) {
		_cleanup_free_ char *dir = cgroup_ctrl_dir(h, "cpuset", path);
		if (!dir)
			return err_set(e, ERR_UNSUPPORTED,
				       "linux.resources.cpu: no cpuset cgroup hierarchy is mounted");
		if (c->cpus && *c->cpus && cg_write(dir, "cpuset.cpus", c->cpus, e) < 0)
			return -1;
		if (c->mems && *c->mems && cg_write(dir, "cpuset.mems", c->mems, e) < 0)
			return -1;
	}
	return 0;
}

static int blkio(const struct cgroup_host *h, const char *path, const struct oci_resources *r,
		 struct err *e)
{
	const struct oci_blkio *b = &r->blkio;
	bool any = b->has_weight || b->has_leaf_weight || b->n_weight_devices;
	for (int k = 0; k < 4; k++)
		any |= b->n_rate[k] > 0;
	if (!any)
		return 0;
	_cleanup_free_ char *dir = cgroup_ctrl_dir(h, "blkio", path);
	if (!dir)
		return err_set(e, ERR_UNSUPPORTED,
			       "linux.resources.blockIO: no blkio cgroup hierarchy is mounted");
	/* Proportional weights exist only with a weight-aware I/O scheduler:
	 * CFQ's blkio.weight, or BFQ's blkio.bfq.weight. */
	const char *wfile = cg_exists(dir, "blkio.weight")	   ? "blkio.weight"
			    : cg_exists(dir, "blkio.bfq.weight") ? "blkio.bfq.weight"
								 : NULL;
	if ((b->has_weight && b->weight) || b->n_weight_devices) {
		if (!wfile)
			return err_set(e, ERR_UNSUPPORTED,
				       "linux.resources.blockIO.weight: this kernel has no "
				       "proportional I/O weights (no CFQ or BFQ scheduler)");
		if (b->has_weight && b->weight && cg_writef(dir, wfile, e, "%u", b->weight) < 0)
			return -1;
		for (size_t i = 0; i < b->n_weight_devices; i++) {
			const struct oci_dev_weight *d = &b->weight_devices[i];
			if (d->has_weight &&
			    cg_writef(dir, streq(wfile, "blkio.weight") ? "blkio.weight_device" : wfile,
				      e, "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
				      d->weight) < 0)
				return -1;
		}
	}
	static const char *const files[] = {
		"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < b->n_rate[k]; i++) {
			const struct oci_dev_rate *d = &b->rate[k][i];
			if (cg_writef(dir, files[k], e, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
				      d->minor, d->rate) < 0)
				return -1;
		}
	return 0;
}

static int hugetlb(const struct cgroup_host *h, const char *path, const struct oci_resources *r,
		   struct err *e)
{
	if (!r->n_hugepages)
		return 0;
	_cleanup_free_ char *dir = cgroup_ctrl_dir(h, "hugetlb", path);
	if (!dir)
		return err_set(e, ERR_UNSUPPORTED,
			       "linux.resources.hugepageLimits: no hugetlb cgroup hierarchy is mounted");
	for (size_t i = 0; i < r->n_hugepages; i++) {
		_cleanup_free_ char *file =
			xasprintf("hugetlb.%s.limit_in_bytes", r->hugepages[i].pagesize);
		if (!cg_exists(dir, file))
			return err_set(e, ERR_UNSUPPORTED,
				       "linux.resources.hugepageLimits[%zu]: page size %s is not "
				       "supported here",
				       i, r->hugepages[i].pagesize);
		if (cg_writef(dir, file, e, "%" PRIu64, r->hugepages[i].limit) < 0)
			return -1;
	}
	return 0;
}

static int network(const struct cgroup_host *h, const char *path, const struct oci_resources *r,
		   struct err *e)
{
	if (r->network.has_class_id) {
		_cleanup_free_ char *dir = cgroup_ctrl_dir(h, "net_cls", path);
		if (!dir)
			return err_set(e, ERR_UNSUPPORTED, "linux.resources.network.classID: no "
				       "net_cls cgroup hierarchy is mounted");
		if (cg_writef(dir, "net_cls.classid", e, "%u", r->network.class_id) < 0)
			return -1;
	}
	if (r->network.priorities) {
		_cleanup_free_ char *dir = cgroup_ctrl_dir(h, "net_prio", path);
		if (!dir)
			return err_set(e, ERR_UNSUPPORTED, "linux.resources.network.priorities: no "
				       "net_prio cgroup hierarchy is mounted");
		for (char **p = r->network.priorities; p[0] && p[1]; p += 2)
			if (cg_writef(dir, "net_prio.ifpriomap", e, "%s %s", p[0], p[1]) < 0)
				return -1;
	}
	return 0;
}

int cgroup_v1_apply(const struct cgroup_host *h, const char *path, const struct oci_resources *r,
		    const struct oci_linux *lx, struct err *e)
{
	if (r->unified && r->unified[0])
		return err_set(e, ERR_UNSUPPORTED,
			       "linux.resources.unified: needs a cgroup v2 host; this one is %s",
			       cgroup_mode_name(h->mode));
	if (devices(h, path, r, lx, e) < 0 || memory(h, path, r, e) < 0 || cpu(h, path, r, e) < 0 ||
	    blkio(h, path, r, e) < 0 || hugetlb(h, path, r, e) < 0 || network(h, path, r, e) < 0)
		return -1;
	if (r->pids.has_limit) {
		_cleanup_free_ char *dir = cgroup_ctrl_dir(h, "pids", path);
		if (!dir)
			return err_set(e, ERR_UNSUPPORTED,
				       "linux.resources.pids: no pids cgroup hierarchy is mounted");
		if (r->pids.limit > 0 ? cg_writef(dir, "pids.max", e, "%" PRId64, r->pids.limit) < 0
				      : cg_write(dir, "pids.max", "max", e) < 0)
			return -1;
	}
	return 0;
}

/* "key value" lines of a v1/v2 stat file into a JSON object of numbers. */
static json_t *kv_file(const char *dir, const char *file)
{
	_cleanup_free_ char *s = NULL;
	json_t *o = json_object();
	if (!dir || cg_read(dir, file, &s, NULL) < 0)
		return o;
	char *save = NULL;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		uint64_t v;
		if (!sp)
			continue;
		*sp = '\0';
		if (parse_u64(sp + 1, &v) == 0)
			json_object_set_new(o, l, json_integer((json_int_t)v));
	}
	return o;
}

static json_int_t num_file(const char *dir, const char *file)
{
	_cleanup_free_ char *s = NULL;
	uint64_t v = 0;
	if (dir && cg_read(dir, file, &s, NULL) == 0)
		(void)parse_u64(s, &v);
	return (json_int_t)v;
}

void cgroup_v1_stats(const struct cgroup_host *h, const char *path, json_t *data)
{
	_cleanup_free_ char *cpuacct = cgroup_ctrl_dir(h, "cpuacct", path);
	_cleanup_free_ char *cpu = cgroup_ctrl_dir(h, "cpu", path);
	_cleanup_free_ char *mem = cgroup_ctrl_dir(h, "memory", path);
	_cleanup_free_ char *pids = cgroup_ctrl_dir(h, "pids", path);

	json_t *usage = json_object();
	json_object_set_new(usage, "total", json_integer(num_file(cpuacct, "cpuacct.usage")));
	json_t *percpu = json_array();
	_cleanup_free_ char *pc = NULL;
	if (cpuacct && cg_read(cpuacct, "cpuacct.usage_percpu", &pc, NULL) == 0) {
		char *save = NULL;
		for (char *t = strtok_r(pc, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			uint64_t v;
			if (parse_u64(t, &v) == 0)
				json_array_append_new(percpu, json_integer((json_int_t)v));
		}
	}
	json_object_set_new(usage, "percpu", percpu);
	json_t *st = kv_file(cpuacct, "cpuacct.stat");
	/* USER_HZ ticks to nanoseconds. */
	json_object_set_new(usage, "kernel",
			    json_integer(json_integer_value(json_object_get(st, "system")) * 10000000));
	json_object_set_new(usage, "user",
			    json_integer(json_integer_value(json_object_get(st, "user")) * 10000000));
	json_decref(st);
	json_t *cs = kv_file(cpu, "cpu.stat");
	json_t *thr = json_object();
	json_object_set_new(thr, "periods", json_integer(json_integer_value(json_object_get(cs, "nr_periods"))));
	json_object_set_new(thr, "throttledPeriods",
			    json_integer(json_integer_value(json_object_get(cs, "nr_throttled"))));
	json_object_set_new(thr, "throttledTime",
			    json_integer(json_integer_value(json_object_get(cs, "throttled_time"))));
	json_decref(cs);
	json_t *cpuo = json_object();
	json_object_set_new(cpuo, "usage", usage);
	json_object_set_new(cpuo, "throttling", thr);
	json_object_set_new(data, "cpu", cpuo);

	json_t *mo = json_object();
	json_t *mu = json_object();
	json_object_set_new(mu, "limit", json_integer(num_file(mem, "memory.limit_in_bytes")));
	json_object_set_new(mu, "usage", json_integer(num_file(mem, "memory.usage_in_bytes")));
	json_object_set_new(mu, "max", json_integer(num_file(mem, "memory.max_usage_in_bytes")));
	json_object_set_new(mu, "failcnt", json_integer(num_file(mem, "memory.failcnt")));
	json_object_set_new(mo, "usage", mu);
	json_t *sw = json_object();
	json_object_set_new(sw, "limit", json_integer(num_file(mem, "memory.memsw.limit_in_bytes")));
	json_object_set_new(sw, "usage", json_integer(num_file(mem, "memory.memsw.usage_in_bytes")));
	json_object_set_new(sw, "max", json_integer(num_file(mem, "memory.memsw.max_usage_in_bytes")));
	json_object_set_new(sw, "failcnt", json_integer(num_file(mem, "memory.memsw.failcnt")));
	json_object_set_new(mo, "swap", sw);
	json_t *oom = kv_file(mem, "memory.oom_control");
	json_object_set_new(mo, "oomKill", json_integer(json_integer_value(json_object_get(oom, "oom_kill"))));
	json_decref(oom);
	json_object_set_new(mo, "raw", kv_file(mem, "memory.stat"));
	json_object_set_new(data, "memory", mo);

	json_t *po = json_object();
	json_object_set_new(po, "current", json_integer(num_file(pids, "pids.current")));
	json_object_set_new(po, "limit", json_integer(num_file(pids, "pids.max")));
	json_object_set_new(data, "pids", po);
}
