/* resources.c: linux.resources -> struct oci_resources (see resources.h). */
#include <ctype.h>
#include <stdlib.h>

#include "base/json-util.h"
#include "base/parse-util.h"
#include "base/strv.h"
#include "oci/resources.h"

#define P "linux.resources"

static int get_i64_opt(json_t *o, const char *path, const char *key, bool *has, int64_t *v,
		       struct err *e)
{
	int r = json_get_i64(o, path, key, false, v, e);
	if (r > 0)
		*has = true;
	return r < 0 ? -1 : 0;
}

static int get_u64_opt(json_t *o, const char *path, const char *key, bool *has, uint64_t *v,
		       struct err *e)
{
	int r = json_get_u64(o, path, key, false, v, e);
	if (r > 0)
		*has = true;
	return r < 0 ? -1 : 0;
}

static int get_u16_opt(json_t *o, const char *path, const char *key, bool *has, uint16_t *v,
		       struct err *e)
{
	uint32_t x;
	int r = json_get_u32(o, path, key, false, &x, e);
	if (r < 0)
		return -1;
	if (r > 0) {
		if (x > 65535) {
			_cleanup_free_ char *p = json_path_key(path, key);
			return err_set(e, ERR_INVALID, "%s: %u is out of range", p, x);
		}
		*v = (uint16_t)x;
		*has = true;
	}
	return 0;
}

static int parse_devices(struct oci_resources *r, json_t *o, struct err *e)
{
	json_t *a;
	int rc = json_get_array(o, P, "devices", false, &a, e);
	if (rc <= 0)
		return rc;
	size_t n = json_array_size(a);
	if (n > 4096)
		return err_set(e, ERR_INVALID, P ".devices: too many rules");
	r->devices = xnew(struct oci_dev_rule, n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *pi = json_path_index(P ".devices", i);
		json_t *it = json_array_get(a, i);
		struct oci_dev_rule *d = &r->devices[r->n_devices];
		_cleanup_free_ char *type = NULL, *access = NULL;
		bool has_major = false, has_minor = false;
		if (!json_is_object(it))
			return err_set(e, ERR_INVALID, "%s: expected an object, got %s", pi,
				       json_type_name(it));
		d->major = d->minor = -1;
		if (json_get_bool(it, pi, "allow", true, &d->allow, e) < 0 ||
		    json_get_string(it, pi, "type", false, &type, e) < 0 ||
		    json_get_string(it, pi, "access", false, &access, e) < 0 ||
		    get_i64_opt(it, pi, "major", &has_major, &d->major, e) < 0 ||
		    get_i64_opt(it, pi, "minor", &has_minor, &d->minor, e) < 0)
			return -1;
		if (!type || !*type)
			d->type = 'a';
		else if (strlen(type) == 1 && strchr("acb", type[0]))
			d->type = type[0];
		else
			return err_set(e, ERR_INVALID, "%s.type: unknown device type \"%s\"", pi, type);
		if ((has_major && d->major < -1) || (has_minor && d->minor < -1))
			return err_set(e, ERR_INVALID, "%s: negative device number", pi);
		const char *acc = access && *access ? access : "rwm";
		size_t k = 0;
		for (const char *c = acc; *c; c++) {
			if (!strchr("rwm", *c) || strchr(d->access, *c) || k >= 3)
				return err_set(e, ERR_INVALID, "%s.access: invalid access \"%s\"", pi,
					       acc);
			d->access[k++] = *c;
		}
		r->n_devices++;
	}
	return 0;
}

static int parse_memory(struct oci_resources *r, json_t *o, struct err *e)
{
	json_t *m;
	int rc = json_get_object(o, P, "memory", false, &m, e);
	if (rc <= 0)
		return rc;
	const char *p = P ".memory";
	if (get_i64_opt(m, p, "limit", &r->memory.has_limit, &r->memory.limit, e) < 0 ||
	    get_i64_opt(m, p, "reservation", &r->memory.has_reservation, &r->memory.reservation,
			e) < 0 ||
	    get_i64_opt(m, p, "swap", &r->memory.has_swap, &r->memory.swap, e) < 0 ||
	    get_u64_opt(m, p, "swappiness", &r->memory.has_swappiness, &r->memory.swappiness,
			e) < 0 ||
	    get_i64_opt(m, p, "kernel", &r->memory.has_kernel, &r->memory.kernel, e) < 0 ||
	    get_i64_opt(m, p, "kernelTCP", &r->memory.has_kernel_tcp, &r->memory.kernel_tcp, e) < 0)
		return -1;
	rc = json_get_bool(m, p, "disableOOMKiller", false, &r->memory.disable_oom_killer, e);
	if (rc < 0)
		return -1;
	r->memory.has_disable_oom = rc > 0;
	if (r->memory.has_swappiness && r->memory.swappiness > 100)
		return err_set(e, ERR_INVALID, "%s.swappiness: %llu is above 100", p,
			       (unsigned long long)r->memory.swappiness);
	struct {
		const char *key;
		bool has;
		int64_t v;
	} checks[] = {{"limit", r->memory.has_limit, r->memory.limit},
		      {"reservation", r->memory.has_reservation, r->memory.reservation},
		      {"swap", r->memory.has_swap, r->memory.swap}};
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		if (checks[i].has && checks[i].v < -1)
			return err_set(e, ERR_INVALID, "%s.%s: %lld is not a size (-1: unlimited)",
				       p, checks[i].key, (long long)checks[i].v);
	if (r->memory.has_limit && r->memory.has_swap && r->memory.limit > 0 &&
	    r->memory.swap > 0 && r->memory.swap < r->memory.limit)
		return err_set(e, ERR_INVALID,
			       "%s.swap: %lld is below memory.limit %lld (swap is memory plus swap)",
			       p, (long long)r->memory.swap, (long long)r->memory.limit);
	return 0;
}

/* "0-3,5,7-8": numbers and ascending ranges, separated by commas. */
static int parse_cpu(struct oci_resources *r, json_t *o, struct err *e)
{
	json_t *c;
	int rc = json_get_object(o, P, "cpu", false, &c, e);
	if (rc <= 0)
		return rc;
	const char *p = P ".cpu";
	if (get_u64_opt(c, p, "shares", &r->cpu.has_shares, &r->cpu.shares, e) < 0 ||
	    get_i64_opt(c, p, "quota", &r->cpu.has_quota, &r->cpu.quota, e) < 0 ||
	    get_u64_opt(c, p, "period", &r->cpu.has_period, &r->cpu.period, e) < 0 ||
	    get_i64_opt(c, p, "realtimeRuntime", &r->cpu.has_rt_runtime, &r->cpu.rt_runtime, e) <
		    0 ||
	    get_u64_opt(c, p, "realtimePeriod", &r->cpu.has_rt_period, &r->cpu.rt_period, e) < 0 ||
	    get_i64_opt(c, p, "idle", &r->cpu.has_idle, &r->cpu.idle, e) < 0 ||
	    json_get_string(c, p, "cpus", false, &r->cpu.cpus, e) < 0 ||
	    json_get_string(c, p, "mems", false, &r->cpu.mems, e) < 0)
		return -1;
	if (r->cpu.cpus && cpu_list_parse(r->cpu.cpus, NULL, NULL) < 0)
		return err_set(e, ERR_INVALID, "%s.cpus: \"%s\" is not a list of cpus", p,
			       r->cpu.cpus);
	if (r->cpu.mems && cpu_list_parse(r->cpu.mems, NULL, NULL) < 0)
		return err_set(e, ERR_INVALID, "%s.mems: \"%s\" is not a list of nodes", p,
			       r->cpu.mems);
	if (r->cpu.has_period && r->cpu.period && (r->cpu.period < 1000 || r->cpu.period > 1000000))
		return err_set(e, ERR_INVALID, "%s.period: %llu is not in 1000..1000000 us", p,
			       (unsigned long long)r->cpu.period);
	if (r->cpu.has_quota && r->cpu.quota != -1 && r->cpu.quota != 0 && r->cpu.quota < 1000)
		return err_set(e, ERR_INVALID, "%s.quota: %lld is below 1000 us (-1: unlimited)",
			       p, (long long)r->cpu.quota);
	if (r->cpu.has_idle && r->cpu.idle != 0 && r->cpu.idle != 1)
		return err_set(e, ERR_INVALID, "%s.idle: must be 0 or 1", p);
	return 0;
}

static int parse_rates(struct oci_resources *r, json_t *b, enum oci_blkio_rate k, const char *key,
		       struct err *e)
{
	json_t *a;
	int rc = json_get_array(b, P ".blockIO", key, false, &a, e);
	if (rc <= 0)
		return rc;
	_cleanup_free_ char *p = json_path_key(P ".blockIO", key);
	size_t n = json_array_size(a);
	if (n > 1024)
		return err_set(e, ERR_INVALID, "%s: too many entries", p);
	r->blkio.rate[k] = xnew(struct oci_dev_rate, n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *pi = json_path_index(p, i);
		json_t *it = json_array_get(a, i);
		struct oci_dev_rate *d = &r->blkio.rate[k][i];
		if (!json_is_object(it))
			return err_set(e, ERR_INVALID, "%s: expected an object", pi);
		if (json_get_i64(it, pi, "major", true, &d->major, e) < 0 ||
		    json_get_i64(it, pi, "minor", true, &d->minor, e) < 0 ||
		    json_get_u64(it, pi, "rate", true, &d->rate, e) < 0)
			return -1;
		if (d->major < 0 || d->minor < 0)
			return err_set(e, ERR_INVALID, "%s: negative device number", pi);
		r->blkio.n_rate[k]++;
	}
	return 0;
}

static int parse_blkio(struct oci_resources *r, json_t *o, struct err *e)
{
	json_t *b, *a;
	int rc = json_get_object(o, P, "blockIO", false, &b, e);
	if (rc <= 0)
		return rc;
	const char *p = P ".blockIO";
	if (get_u16_opt(b, p, "weight", &r->blkio.has_weight, &r->blkio.weight, e) < 0 ||
	    get_u16_opt(b, p, "leafWeight", &r->blkio.has_leaf_weight, &r->blkio.leaf_weight, e) <
		    0)
		return -1;
	if (r->blkio.has_weight && r->blkio.weight && (r->blkio.weight < 10 || r->blkio.weight > 1000))
		return err_set(e, ERR_INVALID, "%s.weight: %u is not in 10..1000", p, r->blkio.weight);
	rc = json_get_array(b, p, "weightDevice", false, &a, e);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		size_t n = json_array_size(a);
		if (n > 1024)
			return err_set(e, ERR_INVALID, "%s.weightDevice: too many entries", p);
		r->blkio.weight_devices = xnew(struct oci_dev_weight, n);
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *pi = json_path_index(P ".blockIO.weightDevice", i);
			json_t *it = json_array_get(a, i);
			struct oci_dev_weight *d = &r->blkio.weight_devices[i];
			if (!json_is_object(it))
				return err_set(e, ERR_INVALID, "%s: expected an object", pi);
			if (json_get_i64(it, pi, "major", true, &d->major, e) < 0 ||
			    json_get_i64(it, pi, "minor", true, &d->minor, e) < 0 ||
			    get_u16_opt(it, pi, "weight", &d->has_weight, &d->weight, e) < 0 ||
			    get_u16_opt(it, pi, "leafWeight", &d->has_leaf_weight, &d->leaf_weight,
					e) < 0)
				return -1;
			r->blkio.n_weight_devices++;
		}
	}
	static const char *const keys[] = {"throttleReadBpsDevice", "throttleWriteBpsDevice",
					   "throttleReadIOPSDevice", "throttleWriteIOPSDevice"};
	for (int k = 0; k < 4; k++)
		if (parse_rates(r, b, (enum oci_blkio_rate)k, keys[k], e) < 0)
			return -1;
	return 0;
}

static int parse_hugepages(struct oci_resources *r, json_t *o, struct err *e)
{
	json_t *a;
	int rc = json_get_array(o, P, "hugepageLimits", false, &a, e);
	if (rc <= 0)
		return rc;
	size_t n = json_array_size(a);
	if (n > 16)
		return err_set(e, ERR_INVALID, P ".hugepageLimits: too many entries");
	r->hugepages = xnew(struct oci_hugepage, n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *pi = json_path_index(P ".hugepageLimits", i);
		json_t *it = json_array_get(a, i);
		struct oci_hugepage *h = &r->hugepages[i];
		if (!json_is_object(it))
			return err_set(e, ERR_INVALID, "%s: expected an object", pi);
		r->n_hugepages++;
		if (json_get_string(it, pi, "pageSize", true, &h->pagesize, e) < 0 ||
		    json_get_u64(it, pi, "limit", true, &h->limit, e) < 0)
			return -1;
		size_t d = strspn(h->pagesize, "0123456789");
		if (d == 0 || (strcmp(h->pagesize + d, "KB") && strcmp(h->pagesize + d, "MB") &&
			       strcmp(h->pagesize + d, "GB")))
			return err_set(e, ERR_INVALID, "%s.pageSize: \"%s\" is not like 2MB or 1GB",
				       pi, h->pagesize);
	}
	return 0;
}

static int parse_network(struct oci_resources *r, json_t *o, struct err *e)
{
	json_t *n, *a;
	int rc = json_get_object(o, P, "network", false, &n, e);
	if (rc <= 0)
		return rc;
	rc = json_get_u32(n, P ".network", "classID", false, &r->network.class_id, e);
	if (rc < 0)
		return -1;
	r->network.has_class_id = rc > 0;
	rc = json_get_array(n, P ".network", "priorities", false, &a, e);
	if (rc < 0)
		return -1;
	for (size_t i = 0; rc > 0 && i < json_array_size(a); i++) {
		_cleanup_free_ char *pi = json_path_index(P ".network.priorities", i);
		json_t *it = json_array_get(a, i);
		_cleanup_free_ char *name = NULL;
		uint32_t prio;
		if (!json_is_object(it))
			return err_set(e, ERR_INVALID, "%s: expected an object", pi);
		if (json_get_string(it, pi, "name", true, &name, e) < 0 ||
		    json_get_u32(it, pi, "priority", true, &prio, e) < 0)
			return -1;
		strv_push(&r->network.priorities, name);
		strv_consume(&r->network.priorities, xasprintf("%u", prio));
	}
	return 0;
}

struct oci_resources *oci_resources_parse(const char *json, size_t len, const char *what,
					  struct err *e)
{
	_cleanup_json_ json_t *o = NULL;
	if (json_parse_buffer(json, len, what, &o, e) < 0)
		return NULL;
	if (!json_is_object(o)) {
		err_set(e, ERR_INVALID, "%s: expected an object, got %s", what, json_type_name(o));
		return NULL;
	}
	_cleanup_(oci_resources_freep) struct oci_resources *r = xnew(struct oci_resources, 1);
	json_t *pids;
	int rc;
	if (parse_devices(r, o, e) < 0 || parse_memory(r, o, e) < 0 || parse_cpu(r, o, e) < 0 ||
	    parse_blkio(r, o, e) < 0 || parse_hugepages(r, o, e) < 0 ||
	    parse_network(r, o, e) < 0 || json_get_string_map(o, P, "unified", &r->unified, e) < 0)
		return NULL;
	rc = json_get_object(o, P, "pids", false, &pids, e);
	if (rc < 0)
		return NULL;
	if (rc > 0 && get_i64_opt(pids, P ".pids", "limit", &r->pids.has_limit, &r->pids.limit, e) < 0)
		return NULL;
	for (char **u = r->unified; u && u[0] && u[1]; u += 2)
		if (!*u[0] || strchr(u[0], '/') || u[0][0] == '.' || strchr(u[1], '\n'))
			return (void)err_set(e, ERR_INVALID, P ".unified: invalid entry \"%s\"", u[0]),
			       NULL;
	return TAKE_PTR(r);
}

void oci_resources_free(struct oci_resources *r)
{
	if (!r)
		return;
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->blkio.weight_devices);
	for (int k = 0; k < 4; k++)
		free(r->blkio.rate[k]);
	for (size_t i = 0; i < r->n_hugepages; i++)
		free(r->hugepages[i].pagesize);
	free(r->hugepages);
	strv_free(r->network.priorities);
	strv_free(r->unified);
	free(r);
}
