/* cmd-create.c: berth create and berth run: a container from an image;
 * run starts it and, in the foreground, stays attached until it exits. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"

#include "base/parse-util.h"
#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "engine/engine.h"
#include "image/registry.h"
#include "image/store.h"

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

struct create_cli {
	struct engine_create_opts o;
	char **env, **labels, **cap_add, **cap_drop, **group_add, **security, **args;
	char **volumes, **mounts, **tmpfs, **ulimits, **devices, **sysctls, **env_files, **ports;
	char **dns, **add_hosts, **aliases, **networks;
	char *init_path, *seccomp;
	bool init;
	const char *entrypoint, *memory, *memory_swap, *cpus, *cpu_shares, *pids, *shm, *name;
	const char *stop_timeout, *cidfile, *pull, *runtime, *health_retries;
	bool detach, sig_proxy;
};

static void create_cli_clear(struct create_cli *c)
{
	strv_free(c->env);
	strv_free(c->labels);
	strv_free(c->cap_add);
	strv_free(c->cap_drop);
	strv_free(c->group_add);
	strv_free(c->security);
	strv_free(c->volumes);
	strv_free(c->mounts);
	strv_free(c->tmpfs);
	strv_free(c->ulimits);
	strv_free(c->devices);
	strv_free(c->sysctls);
	strv_free(c->env_files);
	strv_free(c->ports);
	strv_free(c->dns);
	strv_free(c->add_hosts);
	strv_free(c->aliases);
	strv_free(c->networks);
	free(c->init_path);
	free(c->seccomp);
	free(c->args);
}

/* --env-file: KEY=VALUE lines (KEY alone: from our environment), blank
 * lines and # comments skipped, as docker reads them. */
static int read_env_file(const char *path, char ***env, struct err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (read_file_at(AT_FDCWD, path, 1u << 20, &text, &len, e) < 0)
		return err_wrap(e, "--env-file");
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		while (*l == ' ' || *l == '\t')
			l++;
		size_t n = strlen(l);
		if (n && l[n - 1] == '\r')
			l[--n] = '\0';
		if (!*l || *l == '#')
			continue;
		if (*l == '=')
			return err_set(e, ERR_INVALID, "--env-file %s: variable without a name: %s",
				       path, l);
		strv_push(env, l);
	}
	return 0;
}

/* The options of create and run (run has -d and --sig-proxy more). */
static int create_parse(bool is_run, int argc, char **argv, struct create_cli *c, int *ret_exit)
{
	struct engine_create_opts *o = &c->o;
	struct spec_run_opts *r = &o->run;
	c->sig_proxy = true;
	const struct opt opts[] = {
		{"name", 0, OPT_STRING, &c->name, "NAME", "the container's name"},
		{"env", 'e', OPT_STRV, &c->env, "KEY=VALUE", "set an environment variable"},
		{"workdir", 'w', OPT_STRING, &r->workdir, "DIR", "the working directory"},
		{"user", 'u', OPT_STRING, &r->user, "USER[:GROUP]", "the user to run as"},
		{"group-add", 0, OPT_STRV, &c->group_add, "GROUP", "an additional group"},
		{"entrypoint", 0, OPT_STRING, &c->entrypoint, "CMD", "replace the image's entrypoint"},
		{"hostname", 'h', OPT_STRING, &r->hostname, "NAME", "the container's hostname"},
		{"label", 'l', OPT_STRV, &c->labels, "KEY=VALUE", "a label"},
		{"tty", 't', OPT_BOOL, &r->tty, NULL, "allocate a terminal"},
		{"interactive", 'i', OPT_BOOL, &o->interactive, NULL, "keep stdin open"},
		{"read-only", 0, OPT_BOOL, &r->read_only, NULL, "a read-only root filesystem"},
		{"privileged", 0, OPT_BOOL, &r->privileged, NULL, "every capability and device"},
		{"cap-add", 0, OPT_STRV, &c->cap_add, "CAP", "add a capability"},
		{"cap-drop", 0, OPT_STRV, &c->cap_drop, "CAP", "drop a capability"},
		{"security-opt", 0, OPT_STRV, &c->security, "OPT", "no-new-privileges"},
		{"network", 0, OPT_STRV, &c->networks, "NET",
		 "bridge (default), none, host, container:ID or a network's name (several)"},
		{"publish", 'p', OPT_STRV, &c->ports, "[IP:][HOSTPORT:]PORT[/PROTO]",
		 "publish a container's port on the host"},
		{"publish-all", 'P', OPT_BOOL, &c->o.publish_all, NULL,
		 "publish every port the image exposes"},
		{"ip", 0, OPT_STRING, &c->o.ip, "ADDRESS", "the container's address on its network"},
		{"dns", 0, OPT_STRV, &c->dns, "ADDRESS", "a name server"},
		{"network-alias", 0, OPT_STRV, &c->aliases, "NAME", "another name on the network"},
		{"add-host", 0, OPT_STRV, &c->add_hosts, "NAME:IP", "a line of /etc/hosts"},
		{"memory", 'm', OPT_STRING, &c->memory, "BYTES", "memory limit"},
		{"memory-swap", 0, OPT_STRING, &c->memory_swap, "BYTES",
		 "memory + swap limit (-1: none)"},
		{"cpus", 0, OPT_STRING, &c->cpus, "N", "number of CPUs"},
		{"cpu-shares", 'c', OPT_STRING, &c->cpu_shares, "N", "CPU shares (relative weight)"},
		{"cpuset-cpus", 0, OPT_STRING, &r->cpuset_cpus, "LIST", "CPUs to run on (0-3,5)"},
		{"pids-limit", 0, OPT_STRING, &c->pids, "N", "process limit (-1: none)"},
		{"shm-size", 0, OPT_STRING, &c->shm, "BYTES", "size of /dev/shm"},
		{"rm", 0, OPT_BOOL, &o->auto_remove, NULL, "remove the container when it exits"},
		{"restart", 0, OPT_STRING, &o->restart, "POLICY",
		 "no, on-failure[:N], always or unless-stopped"},
		{"health-cmd", 0, OPT_STRING, &o->health.cmd, "COMMAND", "a health check (shell)"},
		{"health-interval", 0, OPT_STRING, &o->health.interval, "DURATION",
		 "between checks (30s)"},
		{"health-timeout", 0, OPT_STRING, &o->health.timeout, "DURATION",
		 "a check that takes longer fails (30s)"},
		{"health-retries", 0, OPT_STRING, &c->health_retries, "N",
		 "failures in a row that make it unhealthy (3)"},
		{"health-start-period", 0, OPT_STRING, &o->health.start_period, "DURATION",
		 "failures in this time after the start do not count"},
		{"health-start-interval", 0, OPT_STRING, &o->health.start_interval, "DURATION",
		 "(accepted; checks run every interval)"},
		{"no-healthcheck", 0, OPT_BOOL, &o->health.none, NULL, "no health check (not the "
		 "image's)"},
		{"health-on-failure", 0, OPT_STRING, &o->health.on_failure, "ACTION",
		 "none, kill or restart when it becomes unhealthy"},
		{"volume", 'v', OPT_STRV, &c->volumes, "[HOST-PATH|VOLUME:]CTR[:ro]",
		 "a volume or a host path"},
		{"mount", 0, OPT_STRV, &c->mounts, "type=bind|volume|tmpfs,...", "a mount"},
		{"tmpfs", 0, OPT_STRV, &c->tmpfs, "PATH[:OPTS]", "a tmpfs at PATH"},
		{"ulimit", 0, OPT_STRV, &c->ulimits, "NAME=SOFT[:HARD]", "a resource limit"},
		{"device", 0, OPT_STRV, &c->devices, "DEV[:PATH[:rwm]]", "a host device"},
		{"sysctl", 0, OPT_STRV, &c->sysctls, "KEY=VALUE", "a namespaced sysctl"},
		{"env-file", 0, OPT_STRV, &c->env_files, "FILE", "variables from a file"},
		{"init", 0, OPT_BOOL, &c->init, NULL, "a tiny init that reaps and passes signals"},
		{"log-driver", 0, OPT_STRING, &o->log_driver, "DRIVER",
		 "json-file (default), k8s-file or none"},
		{"stop-signal", 0, OPT_STRING, &o->stop_signal, "SIGNAL", "signal to stop it"},
		{"stop-timeout", 0, OPT_STRING, &c->stop_timeout, "SECONDS",
		 "time to stop before SIGKILL (default 10)"},
		{"cidfile", 0, OPT_STRING, &c->cidfile, "FILE", "write the container's id to FILE"},
		{"pull", 0, OPT_STRING, &c->pull, "POLICY", "missing (default), always or never"},
		{"runtime", 0, OPT_STRING, &c->runtime, "PATH", "a runc-compatible runtime"},
		{"detach", 'd', OPT_BOOL, &c->detach, NULL, "run in the background, print its id"},
		{"sig-proxy", 0, OPT_BOOL, &c->sig_proxy, NULL,
		 "pass signals to the container (default true)"},
	};
	const struct opt_spec spec = {
		.usage = is_run ? "run [options] IMAGE [COMMAND] [ARG...]"
				: "create [options] IMAGE [COMMAND] [ARG...]",
		.summary = is_run ? "Create and start a new container from an image."
				  : "Create a new container.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts) - (is_run ? 0 : 2),
		.stop_after = 1,
	};
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &c->args, ret_exit))
		return -1;
	_cleanup_err_ struct err e = ERR_INIT;
	int64_t shm_size = 0, pl = 0, st = -1;
	int hr = 0;
	o->stop_timeout = -1;
	if (size_opt("--memory", c->memory, &r->memory, &e) < 0 ||
	    size_opt("--memory-swap", c->memory_swap, &r->memory_swap, &e) < 0 ||
	    size_opt("--shm-size", c->shm, &shm_size, &e) < 0)
		goto bad;
	r->shm_size = shm_size > 0 ? (uint64_t)shm_size : 0;
	if (c->cpus) {
		char *end;
		r->cpus = strtod(c->cpus, &end);
		if (end == c->cpus || *end || r->cpus <= 0) {
			err_set(&e, ERR_INVALID, "invalid argument \"%s\" for \"--cpus\" flag", c->cpus);
			goto bad;
		}
	}
	if (c->cpu_shares && parse_u64(c->cpu_shares, &r->cpu_shares) < 0) {
		err_set(&e, ERR_INVALID, "invalid argument \"%s\" for \"--cpu-shares\" flag",
			c->cpu_shares);
		goto bad;
	}
	hr = 0;
	if (c->health_retries && (parse_int(c->health_retries, &hr) < 0 || hr < 1)) {
		err_set(&e, ERR_INVALID, "invalid --health-retries \"%s\": a number of at least 1",
			c->health_retries);
		goto bad;
	}
	o->health.retries = hr;
	if (c->pids && (parse_i64(c->pids, &pl) < 0 || pl < -1)) {
		err_set(&e, ERR_INVALID, "invalid argument \"%s\" for \"--pids-limit\" flag",
			c->pids);
		goto bad;
	}
	if (c->stop_timeout && (parse_i64(c->stop_timeout, &st) < 0 || st < -1 || st > INT32_MAX)) {
		err_set(&e, ERR_INVALID, "invalid argument \"%s\" for \"--stop-timeout\" flag",
			c->stop_timeout);
		goto bad;
	}
	o->stop_timeout = (int)st;
	if (c->pull && !streq(c->pull, "missing") && !streq(c->pull, "always") &&
	    !streq(c->pull, "never")) {
		err_set(&e, ERR_INVALID, "invalid pull policy \"%s\" (missing, always or never)",
			c->pull);
		goto bad;
	}
	r->pids_limit = pl;
	for (char **so = c->security; so && *so; so++) {
		if (streq(*so, "no-new-privileges") || streq(*so, "no-new-privileges:true") ||
		    streq(*so, "no-new-privileges=true")) {
			r->no_new_privileges = true;
		} else if (!strncmp(*so, "seccomp=", 8) || !strncmp(*so, "seccomp:", 8)) {
			const char *v = *so + 8;
			if (streq(v, "unconfined")) {
				r->seccomp_unconfined = true;
			} else {
				size_t len;
				free(c->seccomp);
				c->seccomp = NULL;
				if (read_file_at(AT_FDCWD, v, 4u << 20, &c->seccomp, &len, &e) < 0) {
					err_wrap(&e, "--security-opt seccomp");
					goto bad;
				}
				r->seccomp_profile = c->seccomp;
			}
		} else {
			err_set(&e, ERR_UNSUPPORTED, "--security-opt \"%s\" is not supported yet", *so);
			goto bad;
		}
	}
	o->image = c->args[0];
	o->name = c->name;
	r->args = c->args[1] ? c->args + 1 : NULL;
	r->entrypoint_set = c->entrypoint != NULL;
	r->entrypoint = c->entrypoint;
	for (char **f = c->env_files; f && *f; f++)
		if (read_env_file(*f, &c->env, &e) < 0)
			goto bad;
	r->env = c->env;
	r->volumes = c->volumes;
	o->ports = c->ports;
	r->dns = c->dns;
	r->add_hosts = c->add_hosts;
	o->aliases = c->aliases;
	if (c->networks) {
		r->network = c->networks[0];
		o->extra_networks = c->networks[1] ? c->networks + 1 : NULL;
	}
	r->mounts = c->mounts;
	r->tmpfs = c->tmpfs;
	r->ulimits = c->ulimits;
	r->devices = c->devices;
	r->sysctls = c->sysctls;
	r->labels = c->labels;
	r->cap_add = c->cap_add;
	r->cap_drop = c->cap_drop;
	r->group_add = c->group_add;
	return 0;
bad:
	*ret_exit = report(&e);
	return -1;
}

static int write_cidfile(const char *path, const char *id, struct err *e)
{
	/* docker refuses an existing file: two containers, one file. */
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return err_set(e, ERR_EXISTS, "container ID file found, make sure the other "
					      "container isn't running or delete %s", path);
	if (fd < 0)
		return err_sys(e, errno, "--cidfile \"%s\"", path);
	if (write_all(fd, id, strlen(id)) < 0)
		return err_sys(e, errno, "--cidfile \"%s\"", path);
	return 0;
}

/* --pull missing or always: the image from its registry, as
 * `berth pull -q`. */
static int pull_image(struct global *g, const char *image, struct err *e)
{
	struct registry_opts ro = {0};
	struct store s;
	if (store_open(g->en.root, STORE_ADD, &s, e) < 0)
		return -1;
	struct registry_pull_result res;
	int r = registry_pull(&s, image, &ro, NULL, &res, e);
	store_close(&s);
	if (r < 0)
		return err_wrap(e, "pull %s", image);
	registry_pull_result_clear(&res);
	return 0;
}

static int create_container(struct global *g, struct create_cli *c, char **ret_id, struct err *e)
{
	if (c->cidfile && access(c->cidfile, F_OK) == 0)
		return write_cidfile(c->cidfile, "", e);
	if (c->init) {
		c->init_path = engine_helper_path(&g->en, "berth-init");
		c->o.run.init_path = c->init_path;
	}
	if (c->pull && streq(c->pull, "always")) {
		/* A newer image where the registry has one (berth-full pulls). */
		if (cli_need_full() < 0)
			return err_set(e, ERR_INTERNAL, "cannot pull %s", c->o.image);
		if (pull_image(g, c->o.image, e) < 0)
			return -1;
	}
	int r = engine_create(&g->en, &c->o, ret_id, e);
	if (r < 0 && e->kind == ERR_NOT_FOUND && strstr(err_msg(e), "Unable to find image") &&
	    !(c->pull && streq(c->pull, "never"))) {
		/* docker says so, then pulls (berth-full does: it all again). */
		if (cli_need_full() < 0)
			return err_set(e, ERR_INTERNAL, "cannot pull %s", c->o.image);
		fprintf(stderr, "%s\n", err_msg(e));
		err_clear(e);
		if (pull_image(g, c->o.image, e) < 0)
			return -1;
		r = engine_create(&g->en, &c->o, ret_id, e);
	}
	if (r < 0)
		return -1;
	if (c->cidfile && write_cidfile(c->cidfile, *ret_id, e) < 0) {
		(void)engine_remove(&g->en, *ret_id, true, true, NULL, NULL);
		free(*ret_id);
		*ret_id = NULL;
		return -1;
	}
	return 0;
}

int cmd_create(struct global *g, int argc, char **argv)
{
	struct create_cli c = {0};
	int ex;
	if (create_parse(false, argc, argv, &c, &ex) < 0) {
		create_cli_clear(&c);
		return ex;
	}
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_free_ char *id = NULL;
	int r = create_container(g, &c, &id, &e);
	create_cli_clear(&c);
	if (r < 0)
		return report(&e);
	engine_event_for(&g->en, id, "create");
	printf("%s\n", id);
	return 0;
}

int cmd_run(struct global *g, int argc, char **argv)
{
	struct create_cli c = {0};
	int ex;
	if (create_parse(true, argc, argv, &c, &ex) < 0) {
		create_cli_clear(&c);
		return ex;
	}
	if (c.runtime)
		g->en.runtime = c.runtime;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_free_ char *id = NULL;
	bool tty = c.o.run.tty, detach = c.detach, sig_proxy = c.sig_proxy;
	bool rm = c.o.auto_remove, in = c.o.interactive;
	int r = create_container(g, &c, &id, &e);
	create_cli_clear(&c);
	if (r < 0)
		return report(&e);
	engine_event_for(&g->en, id, "create");
	if (tty && in && !detach && !isatty(0)) {
		(void)engine_remove(&g->en, id, true, true, NULL, NULL);
		err_set(&e, ERR_INVALID, "the input device is not a TTY");
		return report(&e);
	}
	struct engine_start_opts so = {.attach = !detach};
	if (tty)
		terminal_size(&so.rows, &so.cols);
	struct engine_started st;
	if (engine_start(&g->en, id, &so, &st, &e) < 0) {
		/* Not started: an --rm container goes, another stays created. */
		if (rm)
			(void)engine_remove(&g->en, id, true, true, NULL, NULL);
		return report_start(&e);
	}
	engine_event_for(&g->en, id, "start");
	if (detach) {
		printf("%s\n", id);
		engine_started_clear(&st);
		return 0;
	}
	int code = attach_run(&g->en, id, st.conn, st.pid, st.monitor, tty, in, sig_proxy, &e);
	st.conn = -1;
	engine_started_clear(&st);
	return code < 0 ? report(&e) : code;
}
