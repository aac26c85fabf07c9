/* cmd-update.c: `berth-runtime update`: new cgroup limits for a container. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/log.h"
#include "base/parse-util.h"
#include "cmd/berth-runtime/commands.h"
#include "oci/resources.h"

static int size_flag(const char *name, const char *v, bool *has, int64_t *dst)
{
	uint64_t b;
	if (streq(v, "-1")) {
		*dst = -1;
	} else if (parse_size(v, &b) < 0 || b > INT64_MAX) {
		log_error("update: invalid value \"%s\" for --%s: expected a size such as 512m", v,
			  name);
		return -1;
	} else {
		*dst = (int64_t)b;
	}
	*has = true;
	return 0;
}

static int int_flag(const char *name, const char *v, bool *has, int64_t *dst)
{
	if (parse_i64(v, dst) < 0) {
		log_error("update: invalid value \"%s\" for --%s: expected an integer", v, name);
		return -1;
	}
	*has = true;
	return 0;
}

int cmd_update(struct global *g, int argc, char **argv)
{
	const char *resources = NULL, *memory = NULL, *reservation = NULL, *swap = NULL,
		   *quota = NULL, *period = NULL, *shares = NULL, *share = NULL, *cpus = NULL,
		   *mems = NULL, *pids = NULL, *blkio = NULL;
	const struct opt opts[] = {
		{"resources", 'r', OPT_STRING, &resources, "FILE",
		 "linux.resources JSON from FILE (\"-\": stdin)"},
		{"memory", 0, OPT_STRING, &memory, "SIZE", "memory limit (-1: none)"},
		{"memory-reservation", 0, OPT_STRING, &reservation, "SIZE", "memory soft limit"},
		{"memory-swap", 0, OPT_STRING, &swap, "SIZE", "memory plus swap limit (-1: none)"},
		{"cpu-quota", 0, OPT_STRING, &quota, "US", "CPU time per period (-1: none)"},
		{"cpu-period", 0, OPT_STRING, &period, "US", "CPU period"},
		{"cpu-shares", 0, OPT_STRING, &shares, "N", "CPU weight (shares)"},
		{"cpu-share", 0, OPT_STRING, &share, "N", "the same (runc's spelling)"},
		{"cpuset-cpus", 0, OPT_STRING, &cpus, "LIST", "CPUs allowed, e.g. 0-1"},
		{"cpuset-mems", 0, OPT_STRING, &mems, "LIST", "memory nodes allowed"},
		{"pids-limit", 0, OPT_STRING, &pids, "N", "maximum processes (0 or -1: none)"},
		{"blkio-weight", 0, OPT_STRING, &blkio, "N", "I/O weight, 10..1000"},
	};
	const struct opt_spec spec = {
		.usage = "update [options] <container-id>",
		.summary = "Change the cgroup limits of a container.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ret))
		return ret;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_(oci_resources_freep) struct oci_resources *r = NULL;
	if (resources) {
		_cleanup_close_ int fd = streq(resources, "-") ? dup(STDIN_FILENO)
							      : open(resources, O_RDONLY | O_CLOEXEC);
		_cleanup_free_ char *buf = NULL;
		size_t len;
		if (fd < 0) {
			log_error("update: open \"%s\": %s", resources, strerror(errno));
			return 1;
		}
		int rr = read_all_fd(fd, 1u << 20, &buf, &len);
		if (rr < 0) {
			log_error("update: read \"%s\": %s", resources, strerror(-rr));
			return 1;
		}
		r = oci_resources_parse(buf, len, "--resources", &e);
		if (!r)
			return report(&e);
	} else {
		r = xnew(struct oci_resources, 1);
	}
	int64_t v;
	bool has;
	if ((memory && size_flag("memory", memory, &r->memory.has_limit, &r->memory.limit) < 0) ||
	    (reservation && size_flag("memory-reservation", reservation,
				      &r->memory.has_reservation, &r->memory.reservation) < 0) ||
	    (swap && size_flag("memory-swap", swap, &r->memory.has_swap, &r->memory.swap) < 0) ||
	    (quota && int_flag("cpu-quota", quota, &r->cpu.has_quota, &r->cpu.quota) < 0) ||
	    (pids && int_flag("pids-limit", pids, &r->pids.has_limit, &r->pids.limit) < 0))
		return 1;
	if (period) {
		if (int_flag("cpu-period", period, &has, &v) < 0 || v < 0)
			return 1;
		r->cpu.has_period = true, r->cpu.period = (uint64_t)v;
	}
	if (shares || share) {
		if (int_flag("cpu-shares", shares ? shares : share, &has, &v) < 0 || v < 0)
			return 1;
		r->cpu.has_shares = true, r->cpu.shares = (uint64_t)v;
	}
	if (blkio) {
		if (int_flag("blkio-weight", blkio, &has, &v) < 0 || v < 10 || v > 1000) {
			log_error("update: --blkio-weight: expected 10..1000");
			return 1;
		}
		r->blkio.has_weight = true, r->blkio.weight = (uint16_t)v;
	}
	if (cpus) {
		free(r->cpu.cpus);
		r->cpu.cpus = xstrdup(cpus);
	}
	if (mems) {
		free(r->cpu.mems);
		r->cpu.mems = xstrdup(mems);
	}
	if (runtime_update(&g->rt, args[0], r, &e) < 0)
		return report(&e);
	return 0;
}
