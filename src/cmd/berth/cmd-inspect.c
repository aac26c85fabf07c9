/* cmd-inspect.c: berth inspect / image inspect (docker's JSON) and
 * history. */
#include <stdio.h>
#include <stdlib.h>

#include "base/digest.h"
#include "base/json-util.h"
#include "base/strv.h"
#include "cmd/berth/commands.h"
#include "cmd/common/format.h"
#include "image/image.h"
#include "image/store.h"
#include "engine/engine.h"

/* --format on inspect: each top-level field of the object as a string. */
int print_formatted(const char *fmt, const char *json_text, struct err *e)
{
	_cleanup_json_ json_t *o = NULL;
	if (json_parse_buffer(json_text, strlen(json_text), "inspect", &o, e) < 0)
		return -1;
	_cleanup_strv_ char **row = NULL;
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (json_is_string(v)) {
			strv_push(&row, k);
			strv_push(&row, json_string_value(v));
		} else {
			_cleanup_free_ char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			_cleanup_free_ char *marked = xasprintf("%c%s", FORMAT_JSON_MARK, k);
			strv_push(&row, marked);
			strv_push(&row, t);
		}
	}
	struct format f;
	if (format_init(&f, fmt, fmt, e) < 0)
		return -1;
	int r = format_row(&f, row, e);
	format_finish(&f, NULL);
	return r;
}

/* Each object in a JSON array, indented as docker does. */
void print_in_array(const char *text, bool *first)
{
	printf("%s\n    ", *first ? "[" : ",");
	for (const char *c = text; *c; c++) {
		putchar(*c);
		if (*c == '\n')
			fputs("    ", stdout);
	}
	*first = false;
}

/* Images, in an array that *first says is open or not. */
static int inspect_images_in(struct global *g, char **names, const char *fmt, bool *first,
			     const char *what)
{
	_cleanup_err_ struct err e = ERR_INIT;
	struct store s;
	if (store_open(g->root, STORE_READ, &s, &e) < 0)
		return report(&e);
	struct store_index idx;
	if (store_index_load(&s, &idx, &e) < 0) {
		store_close(&s);
		return report(&e);
	}
	int rc = 0;
	for (char **n = names; *n; n++) {
		long i = store_find(&idx, *n, &e);
		if (i < 0) {
			err_clear(&e);
			err_set(&e, ERR_NOT_FOUND, "no such %s: %s", what, *n);
			rc = report(&e);
			continue;
		}
		_cleanup_free_ char *text = image_inspect_json(&s, &idx.images[i], &e);
		if (!text) {
			rc = report(&e);
			continue;
		}
		if (fmt) {
			if (print_formatted(fmt, text, &e) < 0)
				rc = report(&e);
			continue;
		}
		print_in_array(text, first);
	}
	if (!fmt)
		printf("%s]\n", *first ? "[" : "\n");
	store_index_clear(&idx);
	store_close(&s);
	return rc;
}

static int inspect_images(struct global *g, char **names, const char *fmt)
{
	bool first = true;
	return inspect_images_in(g, names, fmt, &first, "image");
}

int cmd_image_inspect(struct global *g, int argc, char **argv)
{
	const char *fmt = NULL;
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &fmt, "FORMAT", "a Go template"},
	};
	const struct opt_spec spec = {
		.usage = "image inspect [options] IMAGE [IMAGE...]",
		.summary = "Display detailed information on one or more images.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	return inspect_images(g, args, fmt);
}

int cmd_inspect(struct global *g, int argc, char **argv)
{
	const char *fmt = NULL, *type = NULL;
	const struct opt opts[] = {
		{"format", 'f', OPT_STRING, &fmt, "FORMAT", "a Go template"},
		{"type", 0, OPT_STRING, &type, "TYPE", "image (containers come with the engine)"},
	};
	const struct opt_spec spec = {
		.usage = "inspect [options] NAME|ID [NAME|ID...]",
		.summary = "Return low-level information on objects.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, SIZE_MAX, &args, &ex))
		return ex;
	if (type && !streq(type, "image") && !streq(type, "container")) {
		_cleanup_err_ struct err e = ERR_INIT;
		err_set(&e, ERR_INVALID, "--type \"%s\": image or container", type);
		return report(&e);
	}
	if (type && streq(type, "image"))
		return inspect_images(g, args, fmt);
	/* Containers first, as docker: a name is a container's when one has
	 * it, else an image's. */
	int rc = 0;
	bool first = true;
	_cleanup_free_ char **images = NULL;
	size_t n_images = 0, n = 0;
	while (args[n])
		n++;
	images = xcalloc(n + 1, sizeof(*images));
	for (char **a = args; *a; a++) {
		_cleanup_err_ struct err e = ERR_INIT;
		struct container c;
		if (engine_load(&g->en, *a, &c, &e) < 0) {
			if (type || e.kind != ERR_NOT_FOUND)
				rc = report(&e);
			else
				images[n_images++] = *a;
			continue;
		}
		_cleanup_free_ char *text = engine_inspect_json(&g->en, &c, &e);
		container_clear(&c);
		if (!text) {
			rc = report(&e);
			continue;
		}
		if (fmt) {
			if (print_formatted(fmt, text, &e) < 0)
				rc = report(&e);
			continue;
		}
		print_in_array(text, &first);
	}
	if (!fmt && !first) {
		if (n_images == 0) {
			printf("\n]\n");
			return rc;
		}
	}
	if (n_images) {
		int r = inspect_images_in(g, images, fmt, &first, "object");
		rc = rc ? rc : r;
	} else if (!fmt) {
		printf("%s]\n", first ? "[" : "\n");
	}
	return rc;
}

static int print_history(struct image_history_entry *h, size_t n, bool quiet, bool no_trunc,
			 const char *fmt, struct err *e)
{
	const char *def = quiet ? "{{.ID}}"
				: "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{"
				  ".Comment}}";
	struct format f;
	if (format_init(&f, quiet && !fmt ? def : fmt, def, e) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (quiet && !fmt && streq(h[k].id, "<missing>"))
			continue;
		_cleanup_free_ char *id = streq(h[k].id, "<missing>") || no_trunc
						  ? xstrdup(h[k].id)
						  : xstrndup(digest_hex(h[k].id), 12);
		_cleanup_free_ char *ago = format_ago(h[k].created);
		_cleanup_free_ char *size = format_size(h[k].size);
		_cleanup_free_ char *by = no_trunc || strlen(h[k].created_by) <= 45
						  ? xstrdup(h[k].created_by)
						  : xasprintf("%.42s...", h[k].created_by);
		char *row[] = {"ID", id, "CreatedSince", ago, "CreatedAt", h[k].created,
			       "CreatedBy", by, "Size", size, "Comment", h[k].comment, NULL};
		if (format_row(&f, row, e) < 0) {
			format_clear(&f);
			return -1;
		}
	}
	char *headers[] = {"ID", "IMAGE", "CreatedSince", "CREATED", "CreatedAt", "CREATED AT",
			   "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT", NULL};
	format_finish(&f, headers);
	return 0;
}

int cmd_history(struct global *g, int argc, char **argv)
{
	bool quiet = false, no_trunc = false, human = true;
	const char *fmt = NULL;
	const struct opt opts[] = {
		{"quiet", 'q', OPT_BOOL, &quiet, NULL, "only show image ids"},
		{"no-trunc", 0, OPT_BOOL, &no_trunc, NULL, "do not truncate output"},
		{"human", 'H', OPT_BOOL, &human, NULL, "human-readable sizes and dates (default)"},
		{"format", 0, OPT_STRING, &fmt, "FORMAT", "table, json or a Go template"},
	};
	const struct opt_spec spec = {
		.usage = "history [options] IMAGE",
		.summary = "Show the history of an image.",
		.opts = opts,
		.n_opts = ARRAY_SIZE(opts),
		.stop_after = -1,
	};
	_cleanup_free_ char **args = NULL;
	int ex;
	if (parse_or_exit(&spec, argc, argv, 1, 1, &args, &ex))
		return ex;
	_cleanup_err_ struct err e = ERR_INIT;
	struct store s;
	if (store_open(g->root, STORE_READ, &s, &e) < 0)
		return report(&e);
	struct store_index idx;
	if (store_index_load(&s, &idx, &e) < 0) {
		store_close(&s);
		return report(&e);
	}
	struct image_history_entry *h = NULL;
	size_t n = 0;
	long i = store_find(&idx, args[0], &e);
	int rc = i < 0 || image_history(&s, &idx.images[i], &h, &n, &e) < 0 ||
			 print_history(h, n, quiet, no_trunc, fmt, &e) < 0
		 ? report(&e)
		 : 0;
	image_history_free(h, n);
	store_index_clear(&idx);
	store_close(&s);
	return rc;
}
