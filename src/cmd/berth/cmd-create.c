/* cmd-create.c: berth create (container create): a container from an
 * image, not started. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse-util.h"
#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "engine/engine.h"

/* docker's sizes: "512m", "1g", a plain number of bytes. */
static int size_opt(const char *flag, const char *v, int64_t *ret, struct err *e)
{
	if (!v)
		return 0;
	if (streq(v, "-1")) {
		*ret = -1;
		return 0;
	}
	uint64_t n;
	if (parse_size(v, &n) < 0 || n > INT64_MAX)
		return err_set(e, ERR_INVALID, "invalid argument \"%s\" for \"%s\" flag: invalid size",
			       v, flag);
	*ret = (int64_t)n;
	return 0;
}

int cmd_create(struct global *g, int argc, char **argv)
{
	struct engine_create_opts o = {0};
	struct spec_run_opts *r = &o.run;
	_cleanup_strv_ char **env = NULL, **labels = NULL, **cap_add = NULL, **cap_drop = NULL,
			    **group_add = NULL, **security = NULL;
	const char *entrypoint = NULL, *memory = NULL, *memory_swap = NULL, *cpus = NULL,
		   *cpu_shares = NULL, *pids = NULL, *shm = NULL, *name = NULL;
	bool interactive = false, rm = false;
	const struct opt opts[] = {
		{"name", 0, OPT_STRING, &name, "NAME", "the container's name"},
		{"env", 'e', OPT_STRV, &env, "KEY=VALUE", "set an environment variable"},
		{"workdir", 'w', OPT_STRING, &r->workdir, "DIR", "the working directory"},
		{"user", 'u', OPT_STRING, &r->user, "USER[:GROUP]", "the user to run as"},
		{"group-add", 0, OPT_STRV, &group_add, "GROUP", "an additional group"},
		{"entrypoint", 0, OPT_STRING, &entrypoint, "CMD", "replace the image's entrypoint"},
		{"hostname", 'h', OPT_STRING, &r->hostname, "NAME", "the container's hostname"},
		{"label", 'l', OPT_STRV, &labels, "KEY=VALUE", "a label"},
		{"tty", 't', OPT_BOOL, &r->tty, NULL, "allocate a terminal"},
		{"interactive", 'i', OPT_BOOL, &interactive, NULL, "keep stdin open"},
		{"read-only", 0, OPT_BOOL, &r->read_only, NULL, "a read-only root filesystem"},
		{"privileged", 0, OPT_BOOL, &r->privileged, NULL, "every capability and device"},
		{"cap-add", 0, OPT_STRV, &cap_add, "CAP", "add a capability"},
		{"cap-drop", 0, OPT_STRV, &cap_drop, "CAP", "drop a capability"},
		{"security-opt", 0, OPT_STRV, &security, "OPT", "no-new-privileges"},
		{"network", 0, OPT_STRING, &r->network, "NET", "none (default) or host"},
		{"memory", 'm', OPT_STRING, &memory, "BYTES", "memory limit"},
		{"memory-swap", 0, OPT_STRING, &memory_swap, "BYTES", "memory + swap limit (-1: none)"},
		{"cpus", 0, OPT_STRING, &cpus, "N", "number of CPUs"},
		{"cpu-shares", 'c', OPT_STRING, &cpu_shares, "N", "CPU shares (relative weight)"},
		{"cpuset-cpus", 0, OPT_STRING, &r->cpuset_cpus, "LIST", "CPUs to run on (0-3,5)"},
		{"pids-limit", 0, OPT_STRING, &pids, "N", "process limit (-1: none)"},
		{"shm-size", 0, OPT_STRING, &shm, "BYTES", "size of /dev/shm"},
		{"rm", 0, OPT_BOOL, &rm, NULL, "remove the container when it exits"},
	};
	const struct opt_spec spec = {
		.usage = "create [options] IMAGE [COMMAND] [ARG...]",
		.summary = "Create a new container.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = 1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	int64_t shm_size = 0, pl = 0;
	if (size_opt("--memory", memory, &r->memory, &e) < 0 ||
	    size_opt("--memory-swap", memory_swap, &r->memory_swap, &e) < 0 ||
	    size_opt("--shm-size", shm, &shm_size, &e) < 0)
		return report(&e);
	r->shm_size = shm_size > 0 ? (uint64_t)shm_size : 0;
	if (cpus) {
		char *end;
		r->cpus = strtod(cpus, &end);
		if (end == cpus || *end || r->cpus <= 0)
			return err_set(&e, ERR_INVALID, "invalid argument \"%s\" for \"--cpus\" flag",
				       cpus),
			       report(&e);
	}
	if (cpu_shares && parse_u64(cpu_shares, &r->cpu_shares) < 0)
		return err_set(&e, ERR_INVALID, "invalid argument \"%s\" for \"--cpu-shares\" flag",
			       cpu_shares),
		       report(&e);
	if (pids && (parse_i64(pids, &pl) < 0 || pl < -1))
		return err_set(&e, ERR_INVALID, "invalid argument \"%s\" for \"--pids-limit\" flag",
			       pids),
		       report(&e);
	r->pids_limit = pl;
	for (char **so = security; so && *so; so++) {
		if (streq(*so, "no-new-privileges") || streq(*so, "no-new-privileges:true") ||
		    streq(*so, "no-new-privileges=true"))
			r->no_new_privileges = true;
		else
			return err_set(&e, ERR_UNSUPPORTED, "--security-opt \"%s\" is not supported yet",
				       *so),
			       report(&e);
	}
	o.image = args[0];
	o.name = name;
	r->args = args[1] ? args + 1 : NULL;
	r->entrypoint_set = entrypoint != NULL;
	r->entrypoint = entrypoint;
	r->env = env;
	r->labels = labels;
	r->cap_add = cap_add;
	r->cap_drop = cap_drop;
	r->group_add = group_add;
	struct engine en = {.root = g->root, .runroot = g->runroot};
	_cleanup_free_ char *id = NULL;
	if (engine_create(&en, &o, &id, &e) < 0)
		return report(&e);
	printf("%s\n", id);
	return 0;
}
