/* json-util.h: typed access to jansson values with JSON-path errors.
 *
 * Used only at module edges (x_parse / x_to_json); no json_t crosses a
 * module boundary.  Every getter names the failing path in its error,
 * e.g. `process.user.uid: expected an unsigned integer, got string`.
 * A key that is absent or null counts as absent; `required` turns that
 * into an error.  Unknown keys are ignored by design (tolerant readers).
 * Integers too big for jansson (above INT64_MAX, such as
 * 18446744073709551615 for "unlimited") are kept exactly: json_parse_buffer
 * rewrites them into marked strings, which only json_value_u64 accepts.
 */
#pragma once

#include <jansson.h>

#include "err.h"

/* jansson itself provides json_decrefp(). */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* Parse a document of at most max bytes.  `what` names it in errors. */
int json_parse_buffer(const char *buf, size_t len, const char *what, json_t **ret,
		      struct err *e);
/* "a.b" / "a[3]" path building; path may be "" for the top level. */
char *json_path_key(const char *path, const char *key);
char *json_path_index(const char *path, size_t i);
const char *json_type_name(const json_t *v);

/* Each getter: returns 1 when the value was present and stored, 0 when
 * absent (and not required; *ret untouched), -1 on error. */
int json_get_object(json_t *obj, const char *path, const char *key, bool required, json_t **ret,
		    struct err *e);
int json_get_array(json_t *obj, const char *path, const char *key, bool required, json_t **ret,
		   struct err *e);
int json_get_string(json_t *obj, const char *path, const char *key, bool required, char **ret,
		    struct err *e);
int json_get_bool(json_t *obj, const char *path, const char *key, bool required, bool *ret,
		  struct err *e);
int json_get_i64(json_t *obj, const char *path, const char *key, bool required, int64_t *ret,
		 struct err *e);
int json_get_u64(json_t *obj, const char *path, const char *key, bool required, uint64_t *ret,
		 struct err *e);
int json_get_u32(json_t *obj, const char *path, const char *key, bool required, uint32_t *ret,
		 struct err *e);
/* An array of strings. */
int json_get_strv(json_t *obj, const char *path, const char *key, bool required, char ***ret,
		  struct err *e);
/* An object whose values are all strings, as a strv of "k", "v" pairs. */
int json_get_string_map(json_t *obj, const char *path, const char *key, char ***ret,
			struct err *e);
/* Value conversions for array elements. */
int json_value_u64(json_t *v, const char *path, uint64_t *ret, struct err *e);
int json_value_i64(json_t *v, const char *path, int64_t *ret, struct err *e);
/* A JSON array of the strings of a strv (NULL: an empty array). */
json_t *json_string_array(char *const *v);
/* Serialise with key order kept; aborts on allocation failure. */
char *json_dump_string(const json_t *v, bool pretty);
