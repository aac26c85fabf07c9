/* opt.c: see opt.h. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "base/parse-util.h"
#include "base/strv.h"
#include "cmd/common/opt.h"

static const struct opt *find_long(const struct opt_spec *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->n_opts; i++)
		if (strlen(s->opts[i].name) == len && strncmp(s->opts[i].name, name, len) == 0)
			return &s->opts[i];
	return NULL;
}

static const struct opt *find_short(const struct opt_spec *s, char c)
{
	for (size_t i = 0; i < s->n_opts; i++)
		if (s->opts[i].short_name == c)
			return &s->opts[i];
	return NULL;
}

static int parse_bool(const char *v, bool *ret)
{
	if (!strcasecmp(v, "true") || streq(v, "1") || !strcasecmp(v, "yes")) {
		*ret = true;
		return 0;
	}
	if (!strcasecmp(v, "false") || streq(v, "0") || !strcasecmp(v, "no")) {
		*ret = false;
		return 0;
	}
	return -1;
}

static int store(const struct opt *o, const char *shown, const char *value, struct err *e)
{
	switch (o->type) {
	case OPT_BOOL:
		if (!value) {
			*(bool *)o->dest = true;
			return 0;
		}
		if (parse_bool(value, (bool *)o->dest) < 0)
			return err_set(e, ERR_INVALID, "invalid value \"%s\" for flag %s: expected true or false",
				       value, shown);
		return 0;
	case OPT_STRING:
		*(const char **)o->dest = value;
		return 0;
	case OPT_INT:
		if (parse_int(value, (int *)o->dest) < 0)
			return err_set(e, ERR_INVALID, "invalid value \"%s\" for flag %s: expected an integer",
				       value, shown);
		return 0;
	case OPT_STRV:
		strv_push((char ***)o->dest, value);
		return 0;
	}
	return 0;
}

int opt_parse(const struct opt_spec *spec, int argc, char **argv, char ***ret_args,
	      size_t *ret_n, struct err *e)
{
	char **args = xnew(char *, (size_t)argc + 1);
	size_t n = 0;
	bool only_args = false;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (only_args || a[0] != '-' || a[1] == '\0') {
			args[n++] = a;
			if (spec->stop_after >= 0 && (int)n > spec->stop_after)
				only_args = true;
			continue;
		}
		if (streq(a, "--")) {
			only_args = true;
			continue;
		}
		/* "-h" is help unless the command has a -h of its own (docker's
		 * run -h HOSTNAME). */
		if (streq(a, "--help") || streq(a, "-help") ||
		    (streq(a, "-h") && !find_short(spec, 'h'))) {
			opt_print_help(NULL, spec);
			free(args);
			return 1;
		}
		const char *body = a + 1 + (a[1] == '-');
		const char *eq = strchr(body, '=');
		size_t len = eq ? (size_t)(eq - body) : strlen(body);
		const struct opt *o = find_long(spec, body, len);
		if (o) {
			const char *value = eq ? eq + 1 : NULL;
			if (o->type != OPT_BOOL && !value) {
				if (i + 1 >= argc) {
					free(args);
					return err_set(e, ERR_INVALID, "flag needs an argument: %.*s",
						       (int)(len + (size_t)(body - a)), a);
				}
				value = argv[++i];
			}
			_cleanup_free_ char *shown = xstrndup(a, (size_t)(body - a) + len);
			if (store(o, shown, value, e) < 0) {
				free(args);
				return -1;
			}
			continue;
		}
		if (a[1] == '-') {
			free(args);
			return err_set(e, ERR_INVALID, "unknown flag: --%.*s", (int)len, body);
		}
		/* Short options, possibly bundled: -dt, -b value, -bvalue. */
		for (const char *c = a + 1; *c; c++) {
			o = find_short(spec, *c);
			if (!o) {
				free(args);
				return err_set(e, ERR_INVALID, "unknown flag: -%c", *c);
			}
			char shown[3] = {'-', *c, '\0'};
			if (o->type == OPT_BOOL) {
				if (store(o, shown, c[1] == '=' ? c + 2 : NULL, e) < 0) {
					free(args);
					return -1;
				}
				if (c[1] == '=')
					break;
				continue;
			}
			const char *value = c[1] ? c + 1 + (c[1] == '=') : NULL;
			if (!value) {
				if (i + 1 >= argc) {
					free(args);
					return err_set(e, ERR_INVALID, "flag needs an argument: -%c", *c);
				}
				value = argv[++i];
			}
			if (store(o, shown, value, e) < 0) {
				free(args);
				return -1;
			}
			break;
		}
	}
	args[n] = NULL;
	*ret_args = args;
	*ret_n = n;
	return 0;
}

void opt_print_help(const char *prog, const struct opt_spec *spec)
{
	printf("Usage: %s%s%s\n", prog ? prog : "", prog ? " " : "", spec->usage);
	if (spec->summary)
		printf("\n%s\n", spec->summary);
	if (spec->n_opts)
		printf("\nOptions:\n");
	for (size_t i = 0; i < spec->n_opts; i++) {
		const struct opt *o = &spec->opts[i];
		char left[64];
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		printf("  %-30s %s\n", left, o->help);
	}
	printf("  %-30s %s\n", "-h, --help", "show this help");
}
