/* format.c: see format.h. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/json-util.h"
#include "base/strv.h"
#include "base/time-util.h"
#include "cmd/common/format.h"

/* The key without its JSON mark. */
static const char *key_name(const char *k)
{
	return k[0] == FORMAT_JSON_MARK ? k + 1 : k;
}

static const char *row_get(char *const *row, const char *key, bool *is_json)
{
	for (char *const *p = row; p && p[0]; p += 2)
		if (!strcmp(key_name(p[0]), key)) {
			*is_json = p[0][0] == FORMAT_JSON_MARK;
			return p[1];
		}
	return NULL;
}

/* Expand the "\t" and "\n" escapes docker expands. */
static char *unescape(const char *s)
{
	struct strbuf b = STRBUF_INIT;
	for (; *s; s++) {
		if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n')) {
			strbuf_addch(&b, s[1] == 't' ? '\t' : '\n');
			s++;
		} else {
			strbuf_addch(&b, *s);
		}
	}
	return strbuf_detach(&b, NULL);
}

int format_init(struct format *f, const char *spec, const char *def, struct err *e)
{
	memset(f, 0, sizeof(*f));
	if (!spec || !*spec || !strcmp(spec, "table"))
		spec = def;
	if (!strcmp(spec, "json")) {
		f->json = true;
		return 0;
	}
	if (!strncmp(spec, "table ", 6)) {
		f->table = true;
		spec += 6;
	}
	f->tmpl = unescape(spec);
	/* Check the actions now, so a bad template fails before any output. */
	for (const char *p = f->tmpl; (p = strstr(p, "{{"));) {
		const char *end = strstr(p, "}}");
		if (!end) {
			format_clear(f);
			return err_set(e, ERR_INVALID, "--format: unclosed action in \"%s\"", spec);
		}
		p = end + 2;
	}
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A value as Go's templates print it: "[a b]", "map[k:v]", "<no value>". */
static void go_print(struct strbuf *out, json_t *v)
{
	if (json_is_string(v)) {
		strbuf_addstr(out, json_string_value(v));
	} else if (json_is_null(v)) {
		strbuf_addstr(out, "<no value>");
	} else if (json_is_array(v)) {
		size_t i;
		json_t *it;
		strbuf_addch(out, '[');
		json_array_foreach(v, i, it)
		{
			if (i)
				strbuf_addch(out, ' ');
			go_print(out, it);
		}
		strbuf_addch(out, ']');
	} else if (json_is_object(v)) {
		/* Go prints maps in key order. */
		_cleanup_strv_ char **keys = NULL;
		const char *k;
		json_t *it;
		json_object_foreach(v, k, it)
			strv_push(&keys, k);
		size_t n = 0;
		while (keys && keys[n])
			n++;
		if (n > 1)
			qsort(keys, n, sizeof(*keys), str_cmp);
		strbuf_addstr(out, "map[");
		for (size_t i = 0; i < n; i++) {
			strbuf_addf(out, "%s%s:", i ? " " : "", keys[i]);
			go_print(out, json_object_get(v, keys[i]));
		}
		strbuf_addch(out, ']');
	} else {
		_cleanup_free_ char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		strbuf_addstr(out, text);
	}
}

/* A value inside a JSON field: ".State.Pid" (top "State", then "Pid"):
 * strings as they are, numbers and booleans as text, the rest as JSON
 * (and everything as JSON with "json"). */
static int render_path(struct strbuf *out, const char *field, const char *dot, bool json,
		       char *const *row, struct err *e)
{
	_cleanup_free_ char *top = xstrndup(field, (size_t)(dot - field));
	bool is_json = false;
	const char *v = row_get(row, top, &is_json);
	if (!v || !is_json)
		return err_set(e, ERR_INVALID, "--format: unknown field \"%s\"", field);
	_cleanup_json_ json_t *root = json_loads(v, JSON_DECODE_ANY, NULL);
	json_t *cur = root;
	_cleanup_free_ char *rest = xstrdup(dot + 1);
	char *save = NULL;
	for (char *k = strtok_r(rest, ".", &save); k && cur; k = strtok_r(NULL, ".", &save))
		cur = json_is_object(cur) ? json_object_get(cur, k) : NULL;
	if (!cur)
		return err_set(e, ERR_INVALID, "--format: unknown field \"%s\"", field);
	if (json) {
		_cleanup_free_ char *text = json_dumps(cur, JSON_ENCODE_ANY | JSON_COMPACT);
		strbuf_addstr(out, text);
	} else {
		go_print(out, cur);
	}
	return 0;
}

/* One action's text, trimmed: ".Repository", "json .", "json .Labels". */
static int render_action(struct strbuf *out, const char *act, size_t len, char *const *row,
			 struct err *e)
{
	while (len && (*act == ' ' || *act == '-'))
		act++, len--;
	while (len && (act[len - 1] == ' ' || act[len - 1] == '-'))
		len--;
	_cleanup_free_ char *a = xstrndup(act, len);
	bool json = false;
	const char *field = a;
	if (!strncmp(a, "json ", 5)) {
		json = true;
		field = a + 5;
		while (*field == ' ')
			field++;
	}
	if (!strcmp(field, ".")) {
		_cleanup_json_ json_t *o = json_object();
		for (char *const *p = row; p && p[0]; p += 2) {
			json_t *v = p[0][0] == FORMAT_JSON_MARK
					    ? json_loads(p[1], JSON_DECODE_ANY, NULL)
					    : NULL;
			json_object_set_new(o, key_name(p[0]), v ? v : json_string(p[1]));
		}
		_cleanup_free_ char *text = json_dump_string(o, false);
		strbuf_addstr(out, text);
		return 0;
	}
	if (field[0] != '.')
		return err_set(e, ERR_INVALID, "--format: unsupported action \"{{%s}}\"", a);
	const char *dot = strchr(field + 1, '.');
	if (dot)
		return render_path(out, field + 1, dot, json, row, e);
	bool is_json = false;
	const char *v = row_get(row, field + 1, &is_json);
	if (!v)
		return err_set(e, ERR_INVALID, "--format: unknown field \"%s\"", field + 1);
	if (is_json) {
		/* A value that is JSON already (an object, a list). */
		strbuf_addstr(out, v);
		return 0;
	}
	if (json) {
		_cleanup_json_ json_t *s = json_string(v);
		_cleanup_free_ char *text = json_dumps(s, JSON_ENCODE_ANY);
		strbuf_addstr(out, text);
	} else {
		strbuf_addstr(out, v);
	}
	return 0;
}

static int render(const char *tmpl, char *const *row, struct strbuf *out, struct err *e)
{
	const char *p = tmpl;
	for (;;) {
		const char *open = strstr(p, "{{");
		if (!open) {
			strbuf_addstr(out, p);
			return 0;
		}
		strbuf_add(out, p, (size_t)(open - p));
		const char *close = strstr(open, "}}");
		if (render_action(out, open + 2, (size_t)(close - open - 2), row, e) < 0)
			return -1;
		p = close + 2;
	}
}

int format_row(struct format *f, char *const *row, struct err *e)
{
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	if (f->json) {
		if (render("{{json .}}", row, &out, e) < 0)
			return -1;
	} else if (render(f->tmpl, row, &out, e) < 0) {
		return -1;
	}
	if (f->table) {
		strv_push(&f->rows, out.buf);
	} else {
		fputs(out.buf, stdout);
		fputc('\n', stdout);
	}
	return 0;
}

/* Align tab-separated cells as docker's tabwriter does (padding 3). */
static void print_aligned(char **lines)
{
	size_t ncols = 0;
	size_t *w = NULL;
	for (char **l = lines; *l; l++) {
		size_t col = 0, cell = 0;
		for (const char *c = *l;; c++) {
			if (*c == '\t' || !*c) {
				if (*c == '\t') {
					if (col + 1 > ncols) {
						w = xrealloc(w, (col + 1) * sizeof(*w));
						for (size_t k = ncols; k <= col; k++)
							w[k] = 0;
						ncols = col + 1;
					}
					if (cell > w[col])
						w[col] = cell;
				}
				if (!*c)
					break;
				col++;
				cell = 0;
			} else if (((unsigned char)*c & 0xc0) != 0x80) {
				cell++;
			}
		}
	}
	for (char **l = lines; *l; l++) {
		size_t col = 0, cell = 0;
		for (const char *c = *l; *c; c++) {
			if (*c == '\t') {
				for (size_t k = cell; k < w[col] + 3; k++)
					fputc(' ', stdout);
				col++;
				cell = 0;
			} else {
				fputc(*c, stdout);
				if (((unsigned char)*c & 0xc0) != 0x80)
					cell++;
			}
		}
		fputc('\n', stdout);
	}
	free(w);
}

void format_finish(struct format *f, char *const *headers)
{
	if (f->table) {
		_cleanup_strv_ char **lines = NULL;
		_cleanup_strbuf_ struct strbuf h = STRBUF_INIT;
		/* The header row: the template with each field's header. */
		_cleanup_strv_ char **hrow = strv_dup(headers);
		if (render(f->tmpl, hrow, &h, NULL) == 0)
			strv_push(&lines, h.buf);
		for (char **r = f->rows; r && *r; r++)
			strv_push(&lines, *r);
		if (lines)
			print_aligned(lines);
	}
	fflush(stdout);
	format_clear(f);
}

void format_clear(struct format *f)
{
	free(f->tmpl);
	strv_free(f->rows);
	memset(f, 0, sizeof(*f));
}

char *format_size(uint64_t bytes)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000;
		u++;
	}
	return xasprintf("%.3g%s", v, units[u]);
}

char *format_ago(const char *rfc3339)
{
	struct timespec t;
	if (!rfc3339 || time_parse_rfc3339(rfc3339, &t) < 0)
		return xstrdup("N/A");
	double s = difftime(time(NULL), t.tv_sec);
	if (s < 1)
		return xstrdup("Less than a second ago");
	if ((int)s == 1)
		return xstrdup("1 second ago");
	if (s < 60)
		return xasprintf("%d seconds ago", (int)s);
	double m = s / 60, h = m / 60, d = h / 24;
	if ((int)m == 1)
		return xstrdup("About a minute ago");
	if (m < 60)
		return xasprintf("%d minutes ago", (int)m);
	if ((int)(h + 0.5) == 1)
		return xstrdup("About an hour ago");
	if (h < 48)
		return xasprintf("%d hours ago", (int)(h + 0.5));
	if (d < 14)
		return xasprintf("%d days ago", (int)d);
	if (d < 60)
		return xasprintf("%d weeks ago", (int)(d / 7));
	if (d < 365 * 2)
		return xasprintf("%d months ago", (int)(d / 30));
	return xasprintf("%d years ago", (int)(d / 365));
}
