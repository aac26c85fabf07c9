/* json-util.c: see json-util.h. */
#include <stdio.h>
#include <stdlib.h>

#include "json-util.h"
#include "parse-util.h"
#include "strbuf.h"
#include "strv.h"

/* jansson stores integers as int64 and refuses bigger ones, but Go engines
 * write uint64 values such as 18446744073709551615 ("unlimited").  Such a
 * number is rewritten, before parsing, into a string holding a marker and
 * its digits; json_value_u64 reads it back exactly and every other getter
 * sees a number it cannot take.  Everything else is parsed unchanged. */
#define BIG_MARK "\x01u64:"

static bool is_big(const json_t *v)
{
	return json_is_string(v) && startswith(json_string_value(v), BIG_MARK);
}

static bool fits_i64(const char *tok, size_t n)
{
	bool neg = tok[0] == '-';
	const char *d = tok + neg;
	size_t dl = n - neg;
	while (dl > 1 && *d == '0')
		d++, dl--;
	const char *lim = neg ? "9223372036854775808" : "9223372036854775807";
	if (dl != 19)
		return dl < 19;
	return strncmp(d, lim, 19) <= 0;
}

static char *quote_big_integers(const char *buf, size_t len, size_t *ret_len)
{
	struct strbuf sb = STRBUF_INIT;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (in_str) {
			strbuf_addch(&sb, c);
			if (c == '\\' && i + 1 < len)
				strbuf_addch(&sb, buf[++i]);
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
			strbuf_addch(&sb, c);
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			size_t j = i + (c == '-');
			bool integer = true;
			while (j < len && strchr("0123456789.eE+-", buf[j])) {
				if (!(buf[j] >= '0' && buf[j] <= '9'))
					integer = false;
				j++;
			}
			if (integer && j > i + (c == '-') && !fits_i64(buf + i, j - i)) {
				strbuf_addstr(&sb, "\"\\u0001u64:");
				strbuf_add(&sb, buf + i, j - i);
				strbuf_addch(&sb, '"');
			} else {
				strbuf_add(&sb, buf + i, j - i);
			}
			i = j - 1;
			continue;
		}
		strbuf_addch(&sb, c);
	}
	return strbuf_detach(&sb, ret_len);
}

int json_parse_buffer(const char *buf, size_t len, const char *what, json_t **ret,
		      struct err *e)
{
	json_error_t je;
	json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!v && strstr(je.text, "too big integer")) {
		size_t qlen;
		_cleanup_free_ char *q = quote_big_integers(buf, len, &qlen);
		v = json_loadb(q, qlen, JSON_REJECT_DUPLICATES, &je);
	}
	if (!v)
		return err_set(e, ERR_INVALID, "%s: invalid JSON at line %d column %d: %s", what,
			       je.line, je.column, je.text);
	*ret = v;
	return 0;
}

char *json_path_key(const char *path, const char *key)
{
	if (!path || !*path)
		return xstrdup(key);
	return xasprintf("%s.%s", path, key);
}

char *json_path_index(const char *path, size_t i) { return xasprintf("%s[%zu]", path, i); }

const char *json_type_name(const json_t *v)
{
	if (is_big(v))
		return "number";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

/* Fetch key; 0 if absent/null (error if required), 1 if present. */
static int lookup(json_t *obj, const char *path, const char *key, bool required, json_t **ret,
		  struct err *e)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	if (!v || json_is_null(v)) {
		if (required) {
			_cleanup_free_ char *p = json_path_key(path, key);
			return err_set(e, ERR_INVALID, "%s: required field missing", p);
		}
		return 0;
	}
	*ret = v;
	return 1;
}

static int type_error(const char *path, const char *key, const char *want, json_t *v,
		      struct err *e)
{
	_cleanup_free_ char *p = key ? json_path_key(path, key) : xstrdup(path);
	return err_set(e, ERR_INVALID, "%s: expected %s, got %s", p, want, json_type_name(v));
}

#define GET_PROLOGUE                                                         \
	json_t *v = NULL;                                                    \
	int r = lookup(obj, path, key, required, &v, e);                     \
	if (r <= 0)                                                          \
		return r;

int json_get_object(json_t *obj, const char *path, const char *key, bool required, json_t **ret,
		    struct err *e)
{
	GET_PROLOGUE
	if (!json_is_object(v))
		return type_error(path, key, "an object", v, e);
	*ret = v;
	return 1;
}

int json_get_array(json_t *obj, const char *path, const char *key, bool required, json_t **ret,
		   struct err *e)
{
	GET_PROLOGUE
	if (!json_is_array(v))
		return type_error(path, key, "an array", v, e);
	*ret = v;
	return 1;
}

int json_get_string(json_t *obj, const char *path, const char *key, bool required, char **ret,
		    struct err *e)
{
	GET_PROLOGUE
	if (!json_is_string(v) || is_big(v))
		return type_error(path, key, "a string", v, e);
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		_cleanup_free_ char *p = json_path_key(path, key);
		return err_set(e, ERR_INVALID, "%s: string contains a NUL byte", p);
	}
	free(*ret);
	*ret = xstrdup(json_string_value(v));
	return 1;
}

int json_get_bool(json_t *obj, const char *path, const char *key, bool required, bool *ret,
		  struct err *e)
{
	GET_PROLOGUE
	if (!json_is_boolean(v))
		return type_error(path, key, "a boolean", v, e);
	*ret = json_is_true(v);
	return 1;
}

int json_value_i64(json_t *v, const char *path, int64_t *ret, struct err *e)
{
	if (json_is_integer(v)) {
		*ret = json_integer_value(v);
		return 1;
	}
	if (is_big(v))
		return err_set(e, ERR_INVALID, "%s: %s is out of range", path,
			       json_string_value(v) + strlen(BIG_MARK));
	return type_error(path, NULL, "an integer", v, e);
}

int json_value_u64(json_t *v, const char *path, uint64_t *ret, struct err *e)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*ret = (uint64_t)json_integer_value(v);
		return 1;
	}
	if (is_big(v)) {
		if (parse_u64(json_string_value(v) + strlen(BIG_MARK), ret) < 0)
			return err_set(e, ERR_INVALID, "%s: %s is out of range", path,
				       json_string_value(v) + strlen(BIG_MARK));
		return 1;
	}
	return type_error(path, NULL, "an unsigned integer", v, e);
}

int json_get_i64(json_t *obj, const char *path, const char *key, bool required, int64_t *ret,
		 struct err *e)
{
	GET_PROLOGUE
	_cleanup_free_ char *p = json_path_key(path, key);
	return json_value_i64(v, p, ret, e);
}

int json_get_u64(json_t *obj, const char *path, const char *key, bool required, uint64_t *ret,
		 struct err *e)
{
	GET_PROLOGUE
	_cleanup_free_ char *p = json_path_key(path, key);
	return json_value_u64(v, p, ret, e);
}

int json_get_u32(json_t *obj, const char *path, const char *key, bool required, uint32_t *ret,
		 struct err *e)
{
	uint64_t x;
	int r = json_get_u64(obj, path, key, required, &x, e);
	if (r <= 0)
		return r;
	if (x > UINT32_MAX) {
		_cleanup_free_ char *p = json_path_key(path, key);
		return err_set(e, ERR_INVALID, "%s: %llu is out of range (at most %u)", p,
			       (unsigned long long)x, UINT32_MAX);
	}
	*ret = (uint32_t)x;
	return 1;
}

int json_get_strv(json_t *obj, const char *path, const char *key, bool required, char ***ret,
		  struct err *e)
{
	json_t *a;
	int r = json_get_array(obj, path, key, required, &a, e);
	if (r <= 0)
		return r;
	_cleanup_strv_ char **l = xnew(char *, json_array_size(a) + 1);
	size_t i;
	json_t *it;
	json_array_foreach(a, i, it)
	{
		if (!json_is_string(it) || is_big(it) ||
		    strlen(json_string_value(it)) != json_string_length(it)) {
			_cleanup_free_ char *p = json_path_key(path, key);
			_cleanup_free_ char *pi = json_path_index(p, i);
			return type_error(pi, NULL, "a string", it, e);
		}
		l[i] = xstrdup(json_string_value(it));
	}
	strv_free(*ret);
	*ret = TAKE_PTR(l);
	return 1;
}

int json_get_string_map(json_t *obj, const char *path, const char *key, char ***ret,
			struct err *e)
{
	json_t *o;
	int r = json_get_object(obj, path, key, false, &o, e);
	if (r <= 0)
		return r;
	_cleanup_strv_ char **l = NULL;
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (!json_is_string(v) || is_big(v) ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			_cleanup_free_ char *p = json_path_key(path, key);
			_cleanup_free_ char *pk = json_path_key(p, k);
			return type_error(pk, NULL, "a string", v, e);
		}
		strv_push(&l, k);
		strv_push(&l, json_string_value(v));
	}
	strv_free(*ret);
	*ret = l ? TAKE_PTR(l) : xnew(char *, 1);
	return 1;
}

json_t *json_string_array(char *const *v)
{
	json_t *a = json_array();
	for (char *const *p = v; p && *p; p++)
		json_array_append_new(a, json_string(*p));
	return a;
}

char *json_dump_string(const json_t *v, bool pretty)
{
	char *s = json_dumps(v, JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
	if (!s)
		abort();
	return s;
}
