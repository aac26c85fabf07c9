/* cmd-list.c: `berth-runtime list`. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/json-util.h"
#include "base/log.h"
#include "cmd/berth-runtime/commands.h"

int cmd_list(struct global *g, int argc, char **argv)
{
	bool quiet = false;
	const char *format = "table";
	const struct opt opts[] = {
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "print ids only"},
		{"format", 'f', OPT_STRING, &format, "FORMAT", "table or json"},
	};
	const struct opt_spec spec = {
		.usage = "list [options]",
		.summary = "List the containers under the state root.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ret;
	if (parse_or_exit(&spec, argc, argv, 0, 0, &args, &ret))
		return ret;
	if (!streq(format, "table") && !streq(format, "json")) {
		log_error("list: unknown format \"%s\" (table or json)", format);
		return 1;
	}
	_cleanup_err_ struct err e = ERR_INIT;
	struct runtime_list_entry *l;
	size_t n;
	if (runtime_list(&g->rt, &l, &n, &e) < 0)
		return report(&e);
	if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", l[i].id);
	} else if (streq(format, "json")) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *o = json_object();
			json_object_set_new(o, "ociVersion", json_string(""));
			json_object_set_new(o, "id", json_string(l[i].id));
			json_object_set_new(o, "pid", json_integer(l[i].pid));
			json_object_set_new(o, "status", json_string(l[i].status));
			json_object_set_new(o, "bundle", json_string(l[i].bundle));
			json_object_set_new(o, "created", json_string(l[i].created));
			json_object_set_new(o, "owner", json_string(l[i].owner));
			json_array_append_new(a, o);
		}
		char *s = json_dump_string(a, false);
		printf("%s\n", s);
		free(s);
		json_decref(a);
	} else {
		printf("%-20s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
		for (size_t i = 0; i < n; i++)
			printf("%-20s %-8d %-10s %-40s %-31s %s\n", l[i].id, (int)l[i].pid,
			       l[i].status, l[i].bundle, l[i].created, l[i].owner);
	}
	runtime_list_free(l, n);
	return 0;
}
