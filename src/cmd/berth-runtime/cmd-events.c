/* cmd-events.c: `berth-runtime events`: stats and OOM notices as JSON lines. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/json-util.h"
#include "base/log.h"
#include "base/parse-util.h"
#include "base/time-util.h"
#include "cmd/berth-runtime/commands.h"

static void emit(const char *type, const char *id, json_t *data)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "id", json_string(id));
	if (data)
		json_object_set(o, "data", data);
	_cleanup_free_ char *s = json_dump_string(o, false);
	json_decref(o);
	printf("%s\n", s);
	fflush(stdout);
}

int cmd_events(struct global *g, int argc, char **argv)
{
	bool stats = false;
	const char *interval = "5s";
	const struct opt opts[] = {
		{"stats", 0, OPT_BOOL, &stats, NULL, "print the stats once and exit"},
		{"interval", 0, OPT_STRING, &interval, "DURATION", "between stats lines (5s)"},
	};
	const struct opt_spec spec = {
		.usage = "events [options] <container-id>",
		.summary = "Print the container's resource usage ({\"type\":\"stats\"}) every "
			   "interval and an {\"type\":\"oom\"} line each time the kernel's OOM "
			   "killer kills in it, until it stops.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ret))
		return ret;
	uint64_t every;
	if (parse_duration(interval, &every) < 0 || every < 1000000) {
		log_error("events: invalid --interval \"%s\" (such as 5s or 500ms)", interval);
		return 1;
	}
	const char *id = args[0];
	_cleanup_err_ struct err e = ERR_INIT;
	json_int_t ooms = -1;
	uint64_t next = 0;
	for (;;) {
		_cleanup_free_ char *js = NULL;
		bool running;
		if (runtime_stats(&g->rt, id, &js, &running, &e) < 0)
			return report(&e);
		_cleanup_json_ json_t *data = NULL;
		if (json_parse_buffer(js, strlen(js), "stats", &data, &e) < 0)
			return report(&e);
		if (stats) {
			emit("stats", id, data);
			return 0;
		}
		json_int_t now_ooms =
			json_integer_value(json_object_get(json_object_get(data, "memory"), "oomKill"));
		if (ooms >= 0 && now_ooms > ooms)
			emit("oom", id, NULL);
		ooms = now_ooms;
		uint64_t now = time_mono_ns();
		if (now >= next) {
			emit("stats", id, data);
			next = now + every;
		}
		if (!running)
			return 0;
		nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
}
