/* cgroup-v2.c: linux.resources on the unified hierarchy (and stats). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/parse-util.h"
#include "base/path-util.h"
#include "base/strbuf.h"
#include "runtime/cgroup-internal.h"

/* The controllers a container may use, in the order the kernel lists them. */
static const char *const wanted[] = {"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma",
				     "misc"};

int cgroup_v2_delegate(const struct cgroup_host *h, const char *path, struct err *e)
{
	/* Enable each available controller in every ancestor of the
	 * container's cgroup, from the root down to its parent. */
	_cleanup_free_ char *rel = xstrdup(path);
	_cleanup_free_ char *dir = xstrdup(h->h[0].mountpoint);
	char *save = NULL;
	char *comp = strtok_r(rel, "/", &save);
	while (comp) {
		_cleanup_free_ char *avail = NULL;
		if (cg_read(dir, "cgroup.controllers", &avail, e) < 0)
			return -1;
		_cleanup_strbuf_ struct strbuf want = STRBUF_INIT;
		for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
			size_t l = strlen(wanted[i]);
			for (const char *p = avail; (p = strstr(p, wanted[i])); p += l)
				if ((p == avail || p[-1] == ' ') && (p[l] == ' ' || p[l] == '\0')) {
					strbuf_addf(&want, "%s+%s", want.len ? " " : "", wanted[i]);
					break;
				}
		}
		if (want.len && cg_write(dir, "cgroup.subtree_control", want.buf, NULL) < 0) {
			/* One at a time, so one refused controller (cpu with a
			 * realtime task, say) does not cost the others. */
			char *s2 = NULL;
			for (char *c = strtok_r(want.buf, " ", &s2); c; c = strtok_r(NULL, " ", &s2))
				if (cg_write(dir, "cgroup.subtree_control", c, NULL) < 0)
					log_debug("cgroup %s: cannot enable %s", dir, c);
		}
		char *next = path_join(dir, comp);
		free(dir);
		dir = next;
		comp = strtok_r(NULL, "/", &save);
	}
	return 0;
}

static int need(const char *dir, const char *file, const char *what, struct err *e)
{
	if (cg_exists(dir, file))
		return 0;
	return err_set(e, ERR_UNSUPPORTED,
		       "linux.resources.%s: the cgroup v2 controller for it is not available "
		       "here (no %s)",
		       what, file);
}

static int memory(const char *dir, const struct oci_memory *m, struct err *e)
{
	if (!m->has_limit && !m->has_reservation && !m->has_swap)
		goto extras;
	if (need(dir, "memory.max", "memory", e) < 0)
		return -1;
	if (m->has_limit && (m->limit == -1 ? cg_write(dir, "memory.max", "max", e)
					    : cg_writef(dir, "memory.max", e, "%" PRId64, m->limit)) < 0)
		return -1;
	if (m->has_reservation && cg_writef(dir, "memory.low", e, "%" PRId64,
					    m->reservation < 0 ? 0 : m->reservation) < 0)
		return -1;
	if (m->has_swap && m->swap != 0) {
		if (!cg_exists(dir, "memory.swap.max")) {
			log_warn("linux.resources.memory.swap: swap accounting is off on this host; "
				 "ignored");
		} else if (m->swap == -1) {
			if (cg_write(dir, "memory.swap.max", "max", e) < 0)
				return -1;
		} else {
			/* OCI's swap is memory plus swap; v2 limits swap alone. */
			int64_t limit = m->has_limit ? m->limit : 0;
			if (limit <= 0)
				return err_set(e, ERR_INVALID,
					       "linux.resources.memory.swap: needs memory.limit on "
					       "cgroup v2");
			if (cg_writef(dir, "memory.swap.max", e, "%" PRId64, m->swap - limit) < 0)
				return -1;
		}
	}
extras:
	if (m->has_kernel || m->has_kernel_tcp)
		log_warn("linux.resources.memory.kernel/kernelTCP: cgroup v1 only; ignored");
	if (m->has_swappiness && m->swappiness != 60)
		log_warn("linux.resources.memory.swappiness: cgroup v2 has no per-cgroup "
			 "swappiness; ignored");
	if (m->has_disable_oom && m->disable_oom_killer)
		log_warn("linux.resources.memory.disableOOMKiller: not possible on cgroup v2; "
			 "ignored");
	return 0;
}

static int cpu(const char *dir, const struct oci_cpu *c, struct err *e)
{
	if (c->has_shares && c->shares) {
		if (need(dir, "cpu.weight", "cpu.shares", e) < 0)
			return -1;
		/* shares 2..262144 onto weight 1..10000, as runc and crun do. */
		uint64_t s = c->shares < 2 ? 2 : c->shares > 262144 ? 262144 : c->shares;
		if (cg_writef(dir, "cpu.weight", e, "%" PRIu64, 1 + ((s - 2) * 9999) / 262142) < 0)
			return -1;
	}
	if (c->has_quota || (c->has_period && c->period)) {
		if (need(dir, "cpu.max", "cpu.quota", e) < 0)
			return -1;
		_cleanup_free_ char *cur = NULL;
		char quota[32] = "max";
		uint64_t period = 100000;
		if (cg_read(dir, "cpu.max", &cur, NULL) == 0) {
			char *sp = strchr(cur, ' ');
			if (sp) {
				*sp = '\0';
				(void)parse_u64(sp + 1, &period);
				snprintf(quota, sizeof(quota), "%s", cur);
			}
		}
		if (c->has_quota) {
			if (c->quota <= 0)
				snprintf(quota, sizeof(quota), "max");
			else
				snprintf(quota, sizeof(quota), "%" PRId64, c->quota);
		}
		if (c->has_period && c->period)
			period = c->period;
		if (cg_writef(dir, "cpu.max", e, "%s %" PRIu64, quota, period) < 0)
			return -1;
	}
	if (c->has_idle && (need(dir, "cpu.idle", "cpu.idle", e) < 0 ||
			    cg_writef(dir, "cpu.idle", e, "%" PRId64, c->idle) < 0))
		return -1;
	if ((c->has_rt_runtime && c->rt_runtime) || (c->has_rt_period && c->rt_period))
		return err_set(e, ERR_UNSUPPORTED,
			       "linux.resources.cpu.realtimeRuntime: not available on cgroup v2");
	if (c->cpus && *c->cpus &&
	    (need(dir, "cpuset.cpus", "cpu.cpus", e) < 0 || cg_write(dir, "cpuset.cpus", c->cpus, e) < 0))
		return -1;
	if (c->mems && *c->mems &&
	    (need(dir, "cpuset.mems", "cpu.mems", e) < 0 || cg_write(dir, "cpuset.mems", c->mems, e) < 0))
		return -1;
	return 0;
}

static int io(const char *dir, const struct oci_blkio *b, struct err *e)
{
	const char *wfile = cg_exists(dir, "io.bfq.weight") ? "io.bfq.weight" : "io.weight";
	bool bfq = streq(wfile, "io.bfq.weight");
	if ((b->has_weight && b->weight) || b->n_weight_devices) {
		if (need(dir, wfile, "blockIO.weight", e) < 0)
			return -1;
		/* blkio weight 10..1000; io.weight 1..10000 (io.bfq.weight 1..1000). */
		if (b->has_weight && b->weight) {
			uint64_t w = bfq ? b->weight : 1 + ((uint64_t)(b->weight - 10) * 9999) / 990;
			if (cg_writef(dir, wfile, e, "default %" PRIu64, w) < 0)
				return -1;
		}
		for (size_t i = 0; i < b->n_weight_devices; i++) {
			const struct oci_dev_weight *d = &b->weight_devices[i];
			if (!d->has_weight)
				continue;
			uint64_t w = bfq ? d->weight : 1 + ((uint64_t)(d->weight - 10) * 9999) / 990;
			if (cg_writef(dir, wfile, e, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
				      d->minor, w) < 0)
				return -1;
		}
	}
	static const char *const keys[] = {"rbps", "wbps", "riops", "wiops"};
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < b->n_rate[k]; i++) {
			const struct oci_dev_rate *d = &b->rate[k][i];
			if (need(dir, "io.max", "blockIO.throttle", e) < 0 ||
			    cg_writef(dir, "io.max", e, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d->major,
				      d->minor, keys[k], d->rate) < 0)
				return -1;
		}
	return 0;
}

int cgroup_v2_apply(const struct cgroup_host *h, const char *path, const struct oci_resources *r,
		    const struct oci_linux *lx, struct err *e)
{
	_cleanup_free_ char *dir = cgroup_ctrl_dir(h, NULL, path);
	if (!dir)
		return err_set(e, ERR_UNSUPPORTED, "cgroup v2 is not mounted");
	if (r->n_devices || lx->n_devices) {
		size_t n;
		_cleanup_free_ struct oci_dev_rule *rules = cgroup_device_rules(r, lx, &n);
		if (cgroup_bpf_devices(dir, rules, n, e) < 0)
			return -1;
	}
	if (memory(dir, &r->memory, e) < 0 || cpu(dir, &r->cpu, e) < 0 || io(dir, &r->blkio, e) < 0)
		return -1;
	if (r->pids.has_limit &&
	    (need(dir, "pids.max", "pids", e) < 0 ||
	     (r->pids.limit > 0 ? cg_writef(dir, "pids.max", e, "%" PRId64, r->pids.limit)
				: cg_write(dir, "pids.max", "max", e)) < 0))
		return -1;
	for (size_t i = 0; i < r->n_hugepages; i++) {
		_cleanup_free_ char *file = xasprintf("hugetlb.%s.max", r->hugepages[i].pagesize);
		if (need(dir, file, "hugepageLimits", e) < 0 ||
		    cg_writef(dir, file, e, "%" PRIu64, r->hugepages[i].limit) < 0)
			return -1;
	}
	if (r->network.has_class_id || r->network.priorities)
		return err_set(e, ERR_UNSUPPORTED,
			       "linux.resources.network: net_cls and net_prio do not exist on "
			       "cgroup v2");
	for (char **u = r->unified; u && u[0] && u[1]; u += 2) {
		if (!cg_exists(dir, u[0]))
			return err_set(e, ERR_UNSUPPORTED,
				       "linux.resources.unified: \"%s\" is not a file of this cgroup",
				       u[0]);
		if (cg_write(dir, u[0], u[1], e) < 0)
			return err_wrap(e, "linux.resources.unified");
	}
	return 0;
}

static json_t *kv(const char *dir, const char *file)
{
	_cleanup_free_ char *s = NULL;
	json_t *o = json_object();
	if (cg_read(dir, file, &s, NULL) < 0)
		return o;
	char *save = NULL;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		uint64_t v;
		if (sp && (*sp = '\0', parse_u64(sp + 1, &v) == 0))
			json_object_set_new(o, l, json_integer((json_int_t)v));
	}
	return o;
}

static json_int_t num(const char *dir, const char *file)
{
	_cleanup_free_ char *s = NULL;
	uint64_t v = 0;
	if (cg_read(dir, file, &s, NULL) == 0)
		(void)parse_u64(s, &v); /* "max" stays 0 */
	return (json_int_t)v;
}

static json_int_t field(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

void cgroup_v2_stats(const struct cgroup_host *h, const char *path, json_t *data)
{
	_cleanup_free_ char *dir = cgroup_ctrl_dir(h, NULL, path);
	if (!dir)
		return;
	json_t *cs = kv(dir, "cpu.stat");
	json_t *usage = json_object();
	json_object_set_new(usage, "total", json_integer(field(cs, "usage_usec") * 1000));
	json_object_set_new(usage, "kernel", json_integer(field(cs, "system_usec") * 1000));
	json_object_set_new(usage, "user", json_integer(field(cs, "user_usec") * 1000));
	json_t *thr = json_object();
	json_object_set_new(thr, "periods", json_integer(field(cs, "nr_periods")));
	json_object_set_new(thr, "throttledPeriods", json_integer(field(cs, "nr_throttled")));
	json_object_set_new(thr, "throttledTime", json_integer(field(cs, "throttled_usec") * 1000));
	json_decref(cs);
	json_t *cpuo = json_object();
	json_object_set_new(cpuo, "usage", usage);
	json_object_set_new(cpuo, "throttling", thr);
	json_object_set_new(data, "cpu", cpuo);

	json_t *ev = kv(dir, "memory.events");
	json_t *mo = json_object(), *mu = json_object(), *sw = json_object();
	json_object_set_new(mu, "limit", json_integer(num(dir, "memory.max")));
	json_object_set_new(mu, "usage", json_integer(num(dir, "memory.current")));
	json_object_set_new(mu, "max", json_integer(num(dir, "memory.peak")));
	json_object_set_new(mu, "failcnt", json_integer(field(ev, "max")));
	json_object_set_new(sw, "limit", json_integer(num(dir, "memory.swap.max")));
	json_object_set_new(sw, "usage", json_integer(num(dir, "memory.swap.current")));
	json_object_set_new(mo, "usage", mu);
	json_object_set_new(mo, "swap", sw);
	json_object_set_new(mo, "oomKill", json_integer(field(ev, "oom_kill")));
	json_decref(ev);
	json_object_set_new(mo, "raw", kv(dir, "memory.stat"));
	json_object_set_new(data, "memory", mo);

	json_t *po = json_object();
	json_object_set_new(po, "current", json_integer(num(dir, "pids.current")));
	json_object_set_new(po, "limit", json_integer(num(dir, "pids.max")));
	json_object_set_new(data, "pids", po);
}
