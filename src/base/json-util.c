/* json-util.c: see json-util.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json-util.h"
#include "strv.h"

int json_parse_buffer(const char *buf, size_t len, const char *what, json_t **ret,
		      struct err *e)
{
	json_error_t je;
	json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!v && strstr(je.text, "too big integer"))
		v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
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
	if (!json_is_string(v))
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
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
			*ret = (int64_t)d;
			return 1;
		}
	}
	return type_error(path, NULL, "an integer", v, e);
}

int json_value_u64(json_t *v, const char *path, uint64_t *ret, struct err *e)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*ret = (uint64_t)json_integer_value(v);
		return 1;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d == floor(d) && d >= 0 && d <= 18446744073709551616.0) {
			/* 2^64 is how 18446744073709551615 reads as a double. */
			*ret = d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
			return 1;
		}
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
		if (!json_is_string(it) || strlen(json_string_value(it)) != json_string_length(it)) {
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
		if (!json_is_string(v)) {
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

char *json_dump_string(const json_t *v, bool pretty)
{
	char *s = json_dumps(v, JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
	if (!s)
		abort();
	return s;
}
