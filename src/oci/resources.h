/* resources.h: linux.resources of config.json (and `update --resources`).
 *
 * Owns struct oci_resources.  Parsing checks types and ranges and names
 * the JSON path in errors; nothing here knows cgroup files: the runtime's
 * cgroup backends translate these values for v1 and v2.  A field absent
 * from the document has its has_* flag false and is left untouched. */
#pragma once

#include "base/err.h"

struct oci_dev_rule {
	bool allow;
	char type;	      /* 'a', 'c', 'b' */
	int64_t major, minor; /* -1: any */
	char access[4];	      /* subset of "rwm" */
};

struct oci_dev_rate {
	int64_t major, minor;
	uint64_t rate;
};

struct oci_dev_weight {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct oci_hugepage {
	char *pagesize; /* "2MB", "1GB" */
	uint64_t limit;
};

struct oci_memory {
	bool has_limit, has_reservation, has_swap, has_swappiness, has_disable_oom;
	bool has_kernel, has_kernel_tcp; /* cgroup v1 only, deprecated by the spec */
	int64_t limit, reservation, swap; /* bytes; -1: unlimited; swap is memory + swap */
	int64_t kernel, kernel_tcp;
	uint64_t swappiness;
	bool disable_oom_killer;
};

struct oci_cpu {
	bool has_shares, has_quota, has_period, has_idle, has_rt_runtime, has_rt_period;
	uint64_t shares, period, rt_period;
	int64_t quota, idle, rt_runtime; /* quota -1: unlimited */
	char *cpus, *mems;
};

struct oci_blkio {
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
	struct oci_dev_weight *weight_devices;
	size_t n_weight_devices;
	struct oci_dev_rate *rate[4]; /* enum oci_blkio_rate */
	size_t n_rate[4];
};

struct oci_resources {
	struct oci_dev_rule *devices;
	size_t n_devices;
	struct oci_memory memory;
	struct oci_cpu cpu;
	struct {
		bool has_limit;
		int64_t limit; /* <= 0: unlimited */
	} pids;
	struct oci_blkio blkio;
	struct oci_hugepage *hugepages;
	size_t n_hugepages;
	struct {
		bool has_class_id;
		uint32_t class_id;
		char **priorities; /* "ifname", "prio" pairs */
	} network;
	char **unified; /* "key", "value" pairs (cgroup v2 files) */
};

enum oci_blkio_rate { BLKIO_READ_BPS, BLKIO_WRITE_BPS, BLKIO_READ_IOPS, BLKIO_WRITE_IOPS };

/* Parse a linux.resources object; `what` names it in errors. */
struct oci_resources *oci_resources_parse(const char *json, size_t len, const char *what,
					  struct err *e);
void oci_resources_free(struct oci_resources *r);
DEFINE_CLEANUP_FUNC(struct oci_resources *, oci_resources_free)
