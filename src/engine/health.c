/* health.c: health checks (docker's HEALTHCHECK and --health-*).
 *
 * The container's check is in its record (from create: the run flags over
 * the image's Healthcheck).  Its monitor runs `berth healthcheck run
 * --from-monitor ID` every interval; that runs the test in the container
 * (as exec does), with its timeout, and keeps the result in the run's
 * state directory (<runroot>/containers/<id>/health.json: Status,
 * FailingStreak, the last five probes), which ps and inspect read.  A
 * failure during the start period does not count, unless a probe has
 * succeeded already; `retries` failures in a row make it unhealthy, and
 * then --health-on-failure (podman's) kills or restarts it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/parse-util.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "engine/internal.h"

#define NS_PER_S 1000000000ull
#define HEALTH_LOG_MAX 5
#define HEALTH_OUTPUT_MAX 4096

static int duration(const char *flag, const char *v, uint64_t *ret, struct err *e)
{
	if (!v)
		return 0;
	if (parse_duration(v, ret) < 0)
		return err_set(e, ERR_INVALID, "invalid duration \"%s\" for %s", v, flag);
	return 0;
}

char *engine_health_config(const char *image_config, const struct engine_health_opts *o,
			   struct err *e)
{
	if (o->on_failure && !streq(o->on_failure, "none") && !streq(o->on_failure, "kill") &&
	    !streq(o->on_failure, "restart")) {
		err_set(e, ERR_INVALID, "invalid --health-on-failure \"%s\" (none, kill, restart)",
			o->on_failure);
		return NULL;
	}
	if (o->none) {
		if (o->cmd) {
			err_set(e, ERR_INVALID, "--no-healthcheck conflicts with --health-* options");
			return NULL;
		}
		return NULL;
	}
	_cleanup_json_ json_t *cfg = image_config ? json_loads(image_config, 0, NULL) : NULL;
	json_t *img = json_object_get(json_object_get(cfg, "config"), "Healthcheck");
	_cleanup_json_ json_t *h = json_object();
	json_t *test = NULL;
	if (o->cmd) {
		test = json_pack("[s, s]", "CMD-SHELL", o->cmd);
	} else if (json_is_array(json_object_get(img, "Test"))) {
		test = json_deep_copy(json_object_get(img, "Test"));
	}
	const char *kind = json_string_value(json_array_get(test, 0));
	if (!test || !kind || streq(kind, "NONE") || json_array_size(test) < 2) {
		json_decref(test);
		return NULL;
	}
	json_object_set_new(h, "test", test);
	static const char *const keys[][3] = {{"interval", "Interval", "--health-interval"},
					      {"timeout", "Timeout", "--health-timeout"},
					      {"startPeriod", "StartPeriod", "--health-start-period"},
					      {"startInterval", "StartInterval",
					       "--health-start-interval"}};
	const char *flags[] = {o->interval, o->timeout, o->start_period, o->start_interval};
	const uint64_t defaults[] = {30 * NS_PER_S, 30 * NS_PER_S, 0, 5 * NS_PER_S};
	for (size_t i = 0; i < 4; i++) {
		uint64_t v = 0;
		json_t *iv = json_object_get(img, keys[i][1]);
		if (json_is_integer(iv) && json_integer_value(iv) > 0)
			v = (uint64_t)json_integer_value(iv);
		if (flags[i] && duration(keys[i][2], flags[i], &v, e) < 0)
			return NULL;
		if (!v)
			v = defaults[i];
		if ((i == 0 || i == 1) && v < NS_PER_S / 1000) {
			err_set(e, ERR_INVALID, "%s: at least 1ms", keys[i][2]);
			return NULL;
		}
		json_object_set_new(h, keys[i][0], json_integer((json_int_t)v));
	}
	int retries = o->retries;
	json_t *ir = json_object_get(img, "Retries");
	if (!retries && json_is_integer(ir) && json_integer_value(ir) > 0)
		retries = (int)json_integer_value(ir);
	if (retries < 0) {
		err_set(e, ERR_INVALID, "--health-retries: a positive number");
		return NULL;
	}
	json_object_set_new(h, "retries", json_integer(retries ? retries : 3));
	json_object_set_new(h, "onFailure", json_string(o->on_failure ? o->on_failure : "none"));
	return json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

uint64_t engine_health_interval_ms(const struct container *c)
{
	_cleanup_json_ json_t *h = c->health ? json_loads(c->health, 0, NULL) : NULL;
	json_int_t ns = json_integer_value(json_object_get(h, "interval"));
	return ns > 0 ? (uint64_t)ns / 1000000 : 0;
}

char *engine_health_status(const struct engine *en, const struct container *c)
{
	_cleanup_json_ json_t *st = engine_health_state(en, c);
	const char *s = json_string_value(json_object_get(st, "Status"));
	return s ? xstrdup(s) : NULL;
}

static char *health_path(const struct engine *en, const char *id)
{
	return xasprintf("%s/containers/%s/health.json", en->runroot, id);
}

json_t *engine_health_state(const struct engine *en, const struct container *c)
{
	if (!c->health || (c->state != CONTAINER_RUNNING && c->state != CONTAINER_PAUSED))
		return NULL;
	_cleanup_free_ char *p = health_path(en, c->id);
	_cleanup_free_ char *text = NULL;
	size_t len;
	json_t *st = NULL;
	if (read_file_at(AT_FDCWD, p, 1 << 20, &text, &len, NULL) == 0)
		st = json_loadb(text, len, 0, NULL);
	if (!json_is_object(st)) {
		json_decref(st);
		st = json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
	}
	return st;
}

/* Run the test in the container: its exit code (-1: timed out), its
 * output (bounded). */
static int probe(const struct engine *en, const struct container *c, json_t *test,
		 uint64_t timeout_ns, int *ret_code, char **ret_out, struct err *e)
{
	_cleanup_strv_ char **args = NULL;
	const char *kind = json_string_value(json_array_get(test, 0));
	if (streq(kind, "CMD-SHELL")) {
		strv_push(&args, "/bin/sh");
		strv_push(&args, "-c");
		strv_push(&args, json_string_value(json_array_get(test, 1)));
	} else {
		for (size_t i = 1; i < json_array_size(test); i++)
			if (json_is_string(json_array_get(test, i)))
				strv_push(&args, json_string_value(json_array_get(test, i)));
	}
	if (!args)
		return err_set(e, ERR_INVALID, "health check: no command");
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(e, errno, "pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(e, errno, "fork");
	}
	if (pid == 0) {
		(void)setpgid(0, 0);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(126);
		struct engine_exec_opts xo = {.args = args};
		_cleanup_err_ struct err xe = ERR_INIT;
		(void)engine_exec(en, c->id, &xo, &xe);
		dprintf(2, "%s\n", xe.msg ? xe.msg : "cannot run the health check");
		_exit(126);
	}
	close(p[1]);
	uint64_t deadline = time_mono_ns() + timeout_ns;
	char out[HEALTH_OUTPUT_MAX + 1];
	size_t n = 0;
	bool timed_out = false;
	for (;;) {
		uint64_t now = time_mono_ns();
		if (now >= deadline) {
			timed_out = true;
			break;
		}
		struct pollfd pf = {.fd = p[0], .events = POLLIN};
		int r = poll(&pf, 1, (int)((deadline - now) / 1000000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		char buf[4096];
		ssize_t got = read(p[0], buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		size_t k = (size_t)got < HEALTH_OUTPUT_MAX - n ? (size_t)got : HEALTH_OUTPUT_MAX - n;
		memcpy(out + n, buf, k);
		n += k;
	}
	close(p[0]);
	if (timed_out)
		(void)kill(-pid, SIGKILL), (void)kill(pid, SIGKILL);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	out[n] = '\0';
	*ret_out = xstrdup(out);
	*ret_code = timed_out ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

int engine_healthcheck_run(const struct engine *en, const char *what, bool from_monitor,
			   char **ret_status, struct err *e)
{
	struct container c;
	if (engine_load(en, what, &c, e) < 0)
		return -1;
	int r = 0;
	_cleanup_json_ json_t *h = c.health ? json_loads(c.health, 0, NULL) : NULL;
	if (!h)
		r = err_set(e, ERR_INVALID, "container %s has no health check", what);
	else if (c.state != CONTAINER_RUNNING)
		r = err_set(e, ERR_CONFLICT, "container %s is not running", what);
	if (r < 0) {
		container_clear(&c);
		return -1;
	}
	char started[RFC3339_MAX];
	time_now_rfc3339(started);
	int code = 0;
	_cleanup_free_ char *out = NULL;
	uint64_t timeout = (uint64_t)json_integer_value(json_object_get(h, "timeout"));
	if (probe(en, &c, json_object_get(h, "test"), timeout ? timeout : 30 * NS_PER_S, &code,
		  &out, e) < 0) {
		container_clear(&c);
		return -1;
	}
	char ended[RFC3339_MAX];
	time_now_rfc3339(ended);
	/* The state: read, changed, written under the container's lock. */
	int lk = engine_lock(en, c.id, e);
	if (lk < 0) {
		container_clear(&c);
		return -1;
	}
	json_t *st = engine_health_state(en, &c);
	const char *was = json_string_value(json_object_get(st, "Status"));
	bool was_healthy_once = json_is_true(json_object_get(st, "Passed"));
	int streak = (int)json_integer_value(json_object_get(st, "FailingStreak"));
	const char *now_status = was ? was : "starting";
	if (code == 0) {
		now_status = "healthy";
		streak = 0;
		json_object_set_new(st, "Passed", json_true());
	} else {
		struct timespec ts;
		uint64_t period = (uint64_t)json_integer_value(json_object_get(h, "startPeriod"));
		bool in_start = false;
		if (!was_healthy_once && period && c.started && time_parse_rfc3339(c.started, &ts) == 0) {
			struct timespec nowts;
			clock_gettime(CLOCK_REALTIME, &nowts);
			uint64_t since = (uint64_t)(nowts.tv_sec - ts.tv_sec) * NS_PER_S +
					 (uint64_t)(nowts.tv_nsec - ts.tv_nsec);
			in_start = since < period;
		}
		if (!in_start) {
			streak++;
			if (streak >= (int)json_integer_value(json_object_get(h, "retries")))
				now_status = "unhealthy";
		}
	}
	bool became_unhealthy = streq(now_status, "unhealthy") && !streq_ptr(was, "unhealthy");
	json_object_set_new(st, "Status", json_string(now_status));
	json_object_set_new(st, "FailingStreak", json_integer(streak));
	json_t *log = json_object_get(st, "Log");
	if (!json_is_array(log)) {
		log = json_array();
		json_object_set_new(st, "Log", log);
	}
	json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:s}", "Start", started, "End",
					     ended, "ExitCode", code, "Output",
					     code == -1 ? "timed out" : out));
	while (json_array_size(log) > HEALTH_LOG_MAX)
		json_array_remove(log, 0);
	_cleanup_free_ char *text = json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(st);
	_cleanup_free_ char *dir = engine_state_dir(en, c.id);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)write_file_atomic_at(dfd, "health.json", text, strlen(text), 0600, 0, NULL);
	close(lk);
	*ret_status = xstrdup(now_status);
	const char *on_failure = json_string_value(json_object_get(h, "onFailure"));
	if (became_unhealthy && from_monitor && on_failure && !streq(on_failure, "none")) {
		_cleanup_err_ struct err ae = ERR_INIT;
		if (streq(on_failure, "kill")) {
			(void)engine_kill(en, c.id, SIGKILL, &ae);
		} else if (streq(on_failure, "restart")) {
			struct engine_start_opts so = {0};
			struct engine_started sd;
			if (engine_stop(en, c.id, 0, &ae) == 0 &&
			    engine_start(en, c.id, &so, &sd, &ae) == 0)
				engine_started_clear(&sd);
		}
	}
	container_clear(&c);
	return 0;
}
