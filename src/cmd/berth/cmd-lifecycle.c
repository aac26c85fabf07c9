/* cmd-lifecycle.c: berth start, stop, restart, kill, wait, attach, and the
 * monitor's `container cleanup`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse-util.h"
#include "cmd/berth/commands.h"

/* A container started and, with attach, followed to its end. */
static int start_one(struct global *g, const char *what, bool attach, bool in, int *code,
		     struct err *e)
{
	struct engine_start_opts so = {.attach = attach};
	terminal_size(&so.rows, &so.cols);
	struct engine_started st;
	if (engine_start(&g->en, what, &so, &st, e) < 0)
		return -1;
	if (!st.already_running)
		engine_event_for(&g->en, st.id, "start");
	if (!attach || st.already_running) {
		engine_started_clear(&st);
		return 0;
	}
	*code = attach_run(&g->en, st.id, st.conn, st.pid, st.monitor, st.tty, in && st.interactive,
			   true, e);
	st.conn = -1;
	engine_started_clear(&st);
	return *code < 0 ? -1 : 0;
}

int cmd_start(struct global *g, int argc, char **argv)
{
	bool attach = false, in = false;
	const struct opt opts[] = {
		{"attach", 'a', OPT_BOOL, &attach, NULL, "attach its output, exit with its code"},
		{"interactive", 'i', OPT_BOOL, &in, NULL, "attach its input"},
	};
	const struct opt_spec spec = {
		.usage = "start [options] CONTAINER [CONTAINER...]",
		.summary = "Start one or more containers.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	if ((attach || in) && args[1]) {
		_cleanup_err_ struct err e = ERR_INIT;
		err_set(&e, ERR_INVALID, "you cannot start and attach multiple containers at once");
		return report(&e);
	}
	int rc = 0;
	for (char **a = args; *a; a++) {
		_cleanup_err_ struct err e = ERR_INIT;
		int code = 0;
		if (start_one(g, *a, attach || in, in, &code, &e) < 0) {
			rc = report_start(&e);
			continue;
		}
		if (attach || in)
			return code;
		printf("%s\n", *a);
	}
	return rc;
}

static int stop_or_restart(struct global *g, int argc, char **argv, bool restart)
{
	const char *t = NULL, *sig = NULL;
	const struct opt opts[] = {
		{"time", 't', OPT_STRING, &t, "SECONDS", "time to stop before SIGKILL"},
		{"timeout", 0, OPT_STRING, &t, "SECONDS", "the same"},
		{"signal", 's', OPT_STRING, &sig, "SIGNAL", "accepted: the container's stop signal"},
	};
	const struct opt_spec spec = {
		.usage = restart ? "restart [options] CONTAINER [CONTAINER...]"
				 : "stop [options] CONTAINER [CONTAINER...]",
		.summary = restart ? "Restart one or more containers." : "Stop one or more running "
									 "containers.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts) - 1,
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	int timeout = -1;
	if (t && (parse_int(t, &timeout) < 0 || timeout < -1)) {
		_cleanup_err_ struct err e = ERR_INIT;
		err_set(&e, ERR_INVALID, "invalid argument \"%s\" for \"--time\" flag", t);
		return report(&e);
	}
	int rc = 0;
	for (char **a = args; *a; a++) {
		_cleanup_err_ struct err e = ERR_INIT;
		if (engine_stop(&g->en, *a, timeout, &e) < 0) {
			rc = report(&e);
			continue;
		}
		engine_event_for(&g->en, *a, "stop");
		if (restart) {
			int code;
			if (start_one(g, *a, false, false, &code, &e) < 0) {
				rc = report_start(&e);
				continue;
			}
		}
		printf("%s\n", *a);
	}
	return rc;
}

int cmd_stop(struct global *g, int argc, char **argv)
{
	return stop_or_restart(g, argc, argv, false);
}

int cmd_restart(struct global *g, int argc, char **argv)
{
	return stop_or_restart(g, argc, argv, true);
}

int cmd_kill(struct global *g, int argc, char **argv)
{
	const char *sig = "KILL";
	const struct opt opts[] = {
		{"signal", 's', OPT_STRING, &sig, "SIGNAL", "the signal (default KILL)"},
	};
	const struct opt_spec spec = {
		.usage = "kill [options] CONTAINER [CONTAINER...]",
		.summary = "Kill one or more running containers.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	int signo;
	if (parse_signal(sig, &signo) < 0) {
		_cleanup_err_ struct err e = ERR_INIT;
		err_set(&e, ERR_INVALID, "invalid signal: %s", sig);
		return report(&e);
	}
	int rc = 0;
	for (char **a = args; *a; a++) {
		_cleanup_err_ struct err e = ERR_INIT;
		if (engine_kill(&g->en, *a, signo, &e) < 0) {
			rc = report(&e);
			continue;
		}
		engine_event_for(&g->en, *a, "kill");
		printf("%s\n", *a);
	}
	return rc;
}

int cmd_wait(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "wait CONTAINER [CONTAINER...]",
		.summary = "Wait until containers stop, then print their exit codes.",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	int rc = 0;
	for (char **a = args; *a; a++) {
		_cleanup_err_ struct err e = ERR_INIT;
		int code;
		if (engine_wait(&g->en, *a, &code, &e) < 0) {
			rc = report(&e);
			continue;
		}
		printf("%d\n", code);
	}
	return rc;
}

int cmd_attach(struct global *g, int argc, char **argv)
{
	bool no_stdin = false, sig_proxy = true;
	const char *detach_keys = NULL;
	const struct opt opts[] = {
		{"detach-keys", 0, OPT_STRING, &detach_keys, "KEYS",
		 "the keys that detach (default ctrl-p,ctrl-q)"},
		{"no-stdin", 0, OPT_BOOL, &no_stdin, NULL, "do not attach stdin"},
		{"sig-proxy", 0, OPT_BOOL, &sig_proxy, NULL, "pass signals on (default true)"},
	};
	const struct opt_spec spec = {
		.usage = "attach [options] CONTAINER",
		.summary = "Attach to a running container's input and output.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	if (detach_keys && attach_set_detach_keys(detach_keys, &e) < 0)
		return report(&e);
	struct container c;
	if (engine_load(&g->en, args[0], &c, &e) < 0)
		return report(&e);
	_cleanup_free_ char *id = xstrdup(c.id);
	bool running = c.state == CONTAINER_RUNNING;
	bool tty = c.tty, in = c.interactive && !no_stdin;
	pid_t pid = c.pid, monitor = c.monitor_pid;
	container_clear(&c);
	if (!running) {
		err_set(&e, ERR_CONFLICT, "you cannot attach to a stopped container, start it first");
		return report(&e);
	}
	int conn = engine_attach(&g->en, id, &e);
	if (conn < 0)
		return report(&e);
	int code = attach_run(&g->en, id, conn, pid, monitor, tty, in, sig_proxy, &e);
	return code < 0 ? report(&e) : code;
}

int cmd_container_cleanup(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "container cleanup ID",
		.summary = "Record a container's exit (the monitor runs this).",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	if (engine_cleanup(&g->en, args[0], &e) < 0)
		return report(&e);
	return 0;
}

int cmd_container_restart_due(struct global *g, int argc, char **argv)
{
	const struct opt_spec spec = {
		.usage = "container restart-due ID MILLISECONDS",
		.summary = "Start a container again after a delay (its restart policy runs this).",
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 2, 2, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	uint64_t ms;
	if (parse_u64(args[1], &ms) < 0 || ms > 3600000)
		return err_set(&e, ERR_INVALID, "invalid delay \"%s\"", args[1]), report(&e);
	if (engine_restart_due(&g->en, args[0], ms, &e) < 0)
		return report(&e);
	return 0;
}

static int healthcheck_run(struct global *g, int argc, char **argv)
{
	bool from_monitor = false;
	const struct opt opts[] = {
		{"from-monitor", 0, OPT_BOOL, &from_monitor, NULL,
		 "(the monitor's periodic run: acts on --health-on-failure)"},
	};
	const struct opt_spec spec = {
		.usage = "healthcheck run CONTAINER",
		.summary = "Run a container's health check now; exit 0 when healthy, 1 when not.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	_cleanup_free_ char *status = NULL;
	if (engine_healthcheck_run(&g->en, args[0], from_monitor, &status, &e) < 0)
		return report(&e);
	if (!from_monitor)
		printf("%s\n", status);
	return streq(status, "unhealthy") ? 1 : 0;
}

int cmd_healthcheck(struct global *g, int argc, char **argv)
{
	static const struct command sub[] = {
		{"run", healthcheck_run, "run a container's health check now"},
	};
	return dispatch_sub(sub, ARRAY_SIZE(sub), "healthcheck", g, argc, argv);
}
