/* test-json-util: typed getters, JSON-path errors, the big-integer fallback. */
#include <stdlib.h>

#include "base/json-util.h"
#include "base/strv.h"
#include "sanitizer-options.h"
#include "tap.h"

static json_t *parse(const char *text)
{
	json_t *v = NULL;
	struct err e = ERR_INIT;
	if (json_parse_buffer(text, strlen(text), "test.json", &v, &e) < 0) {
		printf("# parse failed: %s\n", err_msg(&e));
		v = NULL;
	}
	err_clear(&e);
	return v;
}

/* The error is set and its message contains want. */
static void err_has(struct err *e, const char *want, const char *what)
{
	bool good = err_isset(e) && e->msg && strstr(e->msg, want);
	if (!ok(good, "%s: error mentions \"%s\"", what, want))
		printf("#   got \"%s\"\n", err_msg(e));
	err_clear(e);
}

static void test_parse(void)
{
	struct err e = ERR_INIT;
	json_t *v = NULL;

	ok(json_parse_buffer("{\"a\": 1}", 8, "x.json", &v, &e) == 0 && json_is_object(v),
	   "a small object parses");
	json_decref(v);
	v = NULL;

	const char *bad = "{\n  \"a\": 1,\n  \"b\": }";
	ok(json_parse_buffer(bad, strlen(bad), "x.json", &v, &e) < 0 && !v, "malformed JSON fails");
	err_has(&e, "x.json: invalid JSON at line 3 column", "malformed JSON");

	const char *dup = "{\"a\": 1, \"a\": 2}";
	ok(json_parse_buffer(dup, strlen(dup), "x.json", &v, &e) < 0, "duplicate keys rejected");
	err_has(&e, "duplicate", "duplicate keys");

	const char *dupdeep = "{\"o\": {\"k\": \"x\", \"k\": \"y\"}}";
	ok(json_parse_buffer(dupdeep, strlen(dupdeep), "x.json", &v, &e) < 0,
	   "nested duplicate keys rejected");
	err_clear(&e);

	const char *nul = "{\"s\": \"a\\u0000b\"}";
	ok(json_parse_buffer(nul, strlen(nul), "x.json", &v, &e) < 0,
	   "a NUL escape inside a string is rejected at parse time");
	err_has(&e, "x.json: invalid JSON", "NUL in string");

	const char *nulkey = "{\"a\\u0000b\": \"x\"}";
	ok(json_parse_buffer(nulkey, strlen(nulkey), "x.json", &v, &e) < 0,
	   "a NUL escape inside a key is rejected");
	err_clear(&e);

	/* len bounds the document: trailing bytes beyond len are not read. */
	const char *trail = "{\"a\": 1}garbage";
	ok(json_parse_buffer(trail, 8, "x.json", &v, &e) == 0, "len bounds the input");
	json_decref(v);
	v = NULL;
	ok(json_parse_buffer(trail, strlen(trail), "x.json", &v, &e) < 0,
	   "trailing garbage is an error");
	err_clear(&e);

	ok(json_parse_buffer("", 0, "x.json", &v, &e) < 0, "empty input is an error");
	err_has(&e, "x.json: invalid JSON", "empty input");

	/* A negative number below INT64_MIN has no fallback. */
	const char *neg = "{\"n\": -9223372036854775809}";
	ok(json_parse_buffer(neg, strlen(neg), "x.json", &v, &e) < 0,
	   "an integer below INT64_MIN is an error");
	err_clear(&e);
}

static void test_paths(void)
{
	char *p = json_path_key("", "root");
	is_str(p, "root", "json_path_key at the top level");
	free(p);
	p = json_path_key(NULL, "root");
	is_str(p, "root", "json_path_key with a NULL path");
	free(p);
	p = json_path_key("process.user", "uid");
	is_str(p, "process.user.uid", "json_path_key nests");
	free(p);
	p = json_path_index("mounts", 3);
	is_str(p, "mounts[3]", "json_path_index");
	free(p);
	p = json_path_index("a.b[1]", 0);
	is_str(p, "a.b[1][0]", "json_path_index nests");
	free(p);

	json_t *doc = parse("[{}, [], \"s\", 1, 1.5, true, false, null]");
	const char *want[] = {"object", "array", "string", "number", "number",
			      "boolean", "boolean", "null"};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		is_str(json_type_name(json_array_get(doc, i)), want[i], "json_type_name [%zu]", i);
	json_decref(doc);
}

static void test_getters(void)
{
	struct err e = ERR_INIT;
	json_t *doc = parse("{\"s\": \"str\", \"n\": null, \"i\": -5, \"u\": 7, \"b\": true,"
			    " \"f\": false, \"o\": {\"k\": 1}, \"a\": [1, 2], \"r\": 1.5,"
			    " \"ri\": 3.0, \"big32\": 4294967296, \"max32\": 4294967295,"
			    " \"sv\": [\"x\", \"y\"], \"svbad\": [\"x\", 2],"
			    " \"svnull\": [\"x\", null], \"empty\": [], \"m\": {\"k1\": \"v1\","
			    " \"k2\": \"v2\"}, \"mbad\": {\"k\": 1}, \"mempty\": {}}");
	ok(doc != NULL, "the getter document parses");

	/* strings */
	char *s = NULL;
	is_int(json_get_string(doc, "", "s", true, &s, &e), 1, "get_string present -> 1");
	is_str(s, "str", "get_string value");
	is_int(json_get_string(doc, "", "s", false, &s, &e), 1, "get_string again replaces");
	is_str(s, "str", "get_string value again (old one freed)");
	is_int(json_get_string(doc, "", "missing", false, &s, &e), 0, "get_string absent -> 0");
	is_str(s, "str", "absent leaves the output untouched");
	ok(!err_isset(&e), "absent sets no error");
	is_int(json_get_string(doc, "", "n", false, &s, &e), 0, "null counts as absent");
	is_str(s, "str", "null leaves the output untouched");
	is_int(json_get_string(doc, "", "missing", true, &s, &e), -1, "required absent -> -1");
	err_has(&e, "missing: required field missing", "required absent");
	is_int(json_get_string(doc, "top", "n", true, &s, &e), -1, "required null -> -1");
	err_has(&e, "top.n: required field missing", "required null");
	is_int(json_get_string(doc, "doc", "i", false, &s, &e), -1, "a number is not a string");
	err_has(&e, "doc.i: expected a string, got number", "string type error");
	is_int(json_get_string(NULL, "", "s", false, &s, &e), 0, "a NULL object has nothing");
	is_int(json_get_string(NULL, "p", "s", true, &s, &e), -1, "required in a NULL object");
	err_has(&e, "p.s: required field missing", "NULL object");
	free(s);

	/* A string holding a NUL (only constructible programmatically) is refused. */
	json_t *withnul = json_object();
	json_object_set_new(withnul, "s", json_stringn("a\0b", 3));
	json_t *nl = json_array();
	json_array_append_new(nl, json_string("ok"));
	json_array_append_new(nl, json_stringn("a\0b", 3));
	json_object_set_new(withnul, "l", nl);
	s = NULL;
	is_int(json_get_string(withnul, "x", "s", false, &s, &e), -1, "NUL in a string value");
	err_has(&e, "x.s: string contains a NUL byte", "NUL string");
	ok(s == NULL, "nothing stored on error");
	char **l = NULL;
	is_int(json_get_strv(withnul, "x", "l", false, &l, &e), -1, "NUL in a strv element");
	err_has(&e, "x.l[1]", "NUL strv element");
	ok(l == NULL, "nothing stored on error");
	json_decref(withnul);

	/* booleans */
	bool b = false;
	is_int(json_get_bool(doc, "", "b", false, &b, &e), 1, "get_bool present");
	ok(b == true, "true");
	is_int(json_get_bool(doc, "", "f", false, &b, &e), 1, "get_bool false present");
	ok(b == false, "false");
	b = true;
	is_int(json_get_bool(doc, "", "n", false, &b, &e), 0, "get_bool null -> absent");
	ok(b == true, "untouched");
	is_int(json_get_bool(doc, "", "s", false, &b, &e), -1, "get_bool on a string");
	err_has(&e, "s: expected a boolean, got string", "bool type error");
	is_int(json_get_bool(doc, "", "u", false, &b, &e), -1, "a number is not a boolean");
	err_clear(&e);

	/* objects and arrays */
	json_t *o = NULL;
	is_int(json_get_object(doc, "", "o", true, &o, &e), 1, "get_object");
	ok(json_is_object(o), "an object came back");
	is_int(json_get_object(doc, "", "a", true, &o, &e), -1, "an array is not an object");
	err_has(&e, "a: expected an object, got array", "object type error");
	is_int(json_get_object(doc, "", "n", false, &o, &e), 0, "null object -> absent");
	is_int(json_get_array(doc, "", "a", true, &o, &e), 1, "get_array");
	ok(json_is_array(o) && json_array_size(o) == 2, "an array came back");
	is_int(json_get_array(doc, "linux", "o", true, &o, &e), -1, "an object is not an array");
	err_has(&e, "linux.o: expected an array, got object", "array type error");

	/* integers */
	int64_t i64 = 0;
	is_int(json_get_i64(doc, "", "i", true, &i64, &e), 1, "get_i64");
	is_int(i64, -5, "-5");
	i64 = 7;
	is_int(json_get_i64(doc, "", "ri", true, &i64, &e), -1, "3.0 is not an integer (as in Go)");
	is_int(i64, 7, "untouched by a refused value");
	i64 = 99;
	is_int(json_get_i64(doc, "", "n", false, &i64, &e), 0, "get_i64 null");
	is_int(i64, 99, "untouched");
	is_int(json_get_i64(doc, "q", "r", false, &i64, &e), -1, "1.5 is not an integer");
	err_has(&e, "q.r: expected an integer, got number", "i64 fraction");
	is_int(json_get_i64(doc, "", "s", false, &i64, &e), -1, "a string is not an integer");
	err_has(&e, "s: expected an integer, got string", "i64 type error");
	is_int(json_get_i64(doc, "", "missing", true, &i64, &e), -1, "required i64");
	err_has(&e, "missing: required field missing", "required i64");

	uint64_t u64 = 0;
	is_int(json_get_u64(doc, "", "u", true, &u64, &e), 1, "get_u64");
	is_int(u64, 7, "7");
	is_int(json_get_u64(doc, "p", "i", true, &u64, &e), -1, "negative is not unsigned");
	err_has(&e, "p.i: expected an unsigned integer, got number", "u64 negative");
	is_int(json_get_u64(doc, "", "r", true, &u64, &e), -1, "1.5 is not unsigned");
	err_clear(&e);
	is_int(json_get_u64(doc, "", "b", true, &u64, &e), -1, "boolean is not unsigned");
	err_has(&e, "b: expected an unsigned integer, got boolean", "u64 type error");

	uint32_t u32 = 0;
	is_int(json_get_u32(doc, "", "max32", true, &u32, &e), 1, "get_u32 4294967295");
	ok(u32 == UINT32_MAX, "UINT32_MAX");
	u32 = 5;
	is_int(json_get_u32(doc, "user", "big32", true, &u32, &e), -1, "4294967296 is out of range");
	err_has(&e, "user.big32: 4294967296 is out of range", "u32 range");
	is_int(u32, 5, "untouched on range error");
	is_int(json_get_u32(doc, "user", "i", true, &u32, &e), -1, "negative u32");
	err_has(&e, "user.i: expected an unsigned integer", "u32 negative");
	is_int(json_get_u32(doc, "", "n", false, &u32, &e), 0, "u32 null");
	ok(!err_isset(&e), "no error for an absent u32");

	json_t *arr = json_object_get(doc, "a");
	is_int(json_value_u64(json_array_get(arr, 1), "a[1]", &u64, &e), 1, "json_value_u64");
	is_int(u64, 2, "2");
	is_int(json_value_i64(json_object_get(doc, "s"), "x[0]", &i64, &e), -1,
	       "json_value_i64 on a string");
	err_has(&e, "x[0]: expected an integer, got string", "value_i64 path");

	/* strv */
	l = NULL;
	is_int(json_get_strv(doc, "", "sv", true, &l, &e), 1, "get_strv");
	ok(strv_length(l) == 2 && streq(l[0], "x") && streq(l[1], "y"), "[x, y]");
	is_int(json_get_strv(doc, "", "empty", true, &l, &e), 1, "get_strv of []");
	ok(l && l[0] == NULL, "an empty list, not NULL (old one freed)");
	is_int(json_get_strv(doc, "process", "svbad", true, &l, &e), -1, "non-string element");
	err_has(&e, "process.svbad[1]: expected a string, got number", "strv element path");
	ok(l && l[0] == NULL, "the old list is kept on error");
	is_int(json_get_strv(doc, "", "svnull", true, &l, &e), -1, "null element");
	err_has(&e, "svnull[1]: expected a string, got null", "strv null element");
	is_int(json_get_strv(doc, "", "s", true, &l, &e), -1, "a string is not a strv");
	err_has(&e, "s: expected an array, got string", "strv type error");
	is_int(json_get_strv(doc, "", "n", false, &l, &e), 0, "strv null");
	strv_free(l);

	/* string map */
	char **m = NULL;
	is_int(json_get_string_map(doc, "", "m", &m, &e), 1, "get_string_map");
	ok(strv_length(m) == 4 && streq(m[0], "k1") && streq(m[1], "v1") && streq(m[2], "k2") &&
		   streq(m[3], "v2"),
	   "pairs in document order");
	is_int(json_get_string_map(doc, "", "mempty", &m, &e), 1, "empty map");
	ok(m && m[0] == NULL, "an empty, non-NULL list");
	is_int(json_get_string_map(doc, "", "mbad", &m, &e), -1, "non-string value");
	err_has(&e, "mbad.k: expected a string, got number", "map value path");
	is_int(json_get_string_map(doc, "", "missing", &m, &e), 0, "absent map");
	is_int(json_get_string_map(doc, "", "n", &m, &e), 0, "null map");
	is_int(json_get_string_map(doc, "linux", "a", &m, &e), -1, "array is not a map");
	err_has(&e, "linux.a: expected an object, got array", "map type error");
	strv_free(m);

	json_decref(doc);
}

static void test_big_integers(void)
{
	struct err e = ERR_INIT;
	json_t *doc = parse("{\"max\": 18446744073709551615, \"small\": 1024, \"neg\": -3,"
			    " \"i64max\": 9223372036854775807, \"big\": 10000000000000000000,"
			    " \"huge\": 36893488147419103232, \"half\": 0.5}");
	ok(doc != NULL, "a document with an integer above INT64_MAX parses");
	if (!doc)
		return;
	ok(json_is_integer(json_object_get(doc, "small")), "the other numbers stay integers");

	uint64_t u = 0;
	is_int(json_get_u64(doc, "", "max", true, &u, &e), 1, "get_u64 of 18446744073709551615");
	ok(u == UINT64_MAX, "comes back as UINT64_MAX (got %llu)", (unsigned long long)u);
	is_int(json_get_u64(doc, "", "small", true, &u, &e), 1, "other integers still read");
	is_int(u, 1024, "1024");
	is_int(json_get_u64(doc, "", "big", true, &u, &e), 1, "10^19 reads");
	ok(u == 10000000000000000000ull, "10^19 exactly");
	is_int(json_get_u64(doc, "", "neg", true, &u, &e), -1, "negative still refused");
	err_has(&e, "neg: expected an unsigned integer", "negative real");
	is_int(json_get_u64(doc, "", "huge", true, &u, &e), -1, "2^65 is refused");
	err_has(&e, "huge: 36893488147419103232 is out of range", "2^65");
	is_int(json_get_u64(doc, "", "half", true, &u, &e), -1, "0.5 is refused");
	err_clear(&e);

	int64_t i = 0;
	is_int(json_get_i64(doc, "", "neg", true, &i, &e), 1, "get_i64 of -3 in a real document");
	is_int(i, -3, "-3");
	is_int(json_get_i64(doc, "", "max", true, &i, &e), -1, "UINT64_MAX is not an int64");
	err_has(&e, "max: 18446744073709551615 is out of range", "i64 of UINT64_MAX");
	uint32_t u32 = 0;
	is_int(json_get_u32(doc, "r", "max", true, &u32, &e), -1, "UINT64_MAX is not a u32");
	err_has(&e, "r.max: 18446744073709551615 is out of range", "u32 of UINT64_MAX");

	/* INT64_MAX is a valid int64 wherever it appears; the real fallback
	 * must not make it unreadable (or change its value). */
	i = 0;
	int r = json_get_i64(doc, "", "i64max", true, &i, &e);
	ok(r == 1 && i == INT64_MAX,
	   "INT64_MAX beside a fallback number reads as INT64_MAX (r=%d, got %lld, %s)", r,
	   (long long)i, err_isset(&e) ? err_msg(&e) : "no error");
	err_clear(&e);
	json_decref(doc);

	/* Inside arrays too (rlimit-style). */
	doc = parse("[18446744073709551615, 1]");
	ok(doc && json_value_u64(json_array_get(doc, 0), "[0]", &u, &e) == 1 && u == UINT64_MAX,
	   "an array element above INT64_MAX");
	json_decref(doc);

	/* A number above UINT64_MAX by far. */
	doc = parse("{\"x\": 99999999999999999999999}");
	ok(doc && json_get_u64(doc, "", "x", true, &u, &e) == -1, "1e23 is out of u64 range");
	err_has(&e, "x: 99999999999999999999999 is out of range", "1e23");
	json_decref(doc);
}

static void test_dump(void)
{
	json_t *o = json_object();
	json_object_set_new(o, "z", json_integer(1));
	json_object_set_new(o, "a", json_string("x"));
	json_object_set_new(o, "m", json_true());
	char *s = json_dump_string(o, false);
	is_str(s, "{\"z\":1,\"a\":\"x\",\"m\":true}", "compact dump keeps insertion order");
	free(s);
	s = json_dump_string(o, true);
	is_str(s, "{\n  \"z\": 1,\n  \"a\": \"x\",\n  \"m\": true\n}", "pretty dump");
	free(s);
	json_decref(o);
}

int main(void)
{
	test_parse();
	test_paths();
	test_getters();
	test_dump();
	test_big_integers();
	return tap_done();
}
