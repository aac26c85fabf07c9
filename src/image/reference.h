/* reference.h: docker image references ("busybox", "quay.io/a/b:1.0@sha256:...").
 *
 * Parsing follows docker (distribution/reference ParseNormalizedNamed then
 * TagNameOnly): the first '/'-separated component is a registry domain when
 * it is "localhost", contains '.' or ':', or has an uppercase letter;
 * otherwise the domain is docker.io.  "index.docker.io" becomes docker.io
 * and a one-component docker.io path gets "library/" in front.  A reference
 * with neither tag nor digest gets the tag "latest"; one with both keeps
 * both.
 *
 * Grammar (ASCII only):
 *   domain    component ('.' component)* | '[' [0-9a-fA-F:]+ ']', then an
 *             optional ':' port of digits; component is
 *             [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   path      [a-z0-9]+ (([._] | __ | -+) [a-z0-9]+)*, '/'-separated;
 *             at most 255 characters (the path only, as docker since 2024)
 *   tag       [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest    algorithm ':' hex; sha256 / sha384 / sha512 only, with
 *             exactly 64 / 96 / 128 lowercase hex digits
 *
 * One deliberate difference: where the chosen domain is not a valid one
 * but the whole name reads as a path ("a_b.c/x"), docker goes on with an
 * empty domain; this refuses it as an invalid reference format.
 *
 * Input is untrusted: strings over IMAGE_REF_MAX_INPUT bytes are refused
 * before any work, and the input is escaped where a message quotes it.
 * Error messages start with docker's phrase (all ERR_INVALID):
 *   invalid reference format "<input>"
 *   invalid reference format: repository name (library/Foo) must be lowercase
 *     (the name up to the first ':', as docker: "Foo::bar" gets this one)
 *   repository name must be lowercase "<input>"  (an uppercase domain that
 *     is no valid domain but a valid path lowercased: "Foo_x/bar")
 *   repository name must not be more than 255 characters
 *   invalid repository name (<64 hex>), cannot specify 64-byte hexadecimal strings
 *   invalid checksum digest length "<input>"
 *   invalid checksum digest format "<input>"
 *   unsupported digest algorithm "<input>" */
#pragma once

#include "base/err.h"

#define IMAGE_REF_MAX_INPUT 4096
#define IMAGE_REF_NAME_MAX 255
#define IMAGE_REF_TAG_MAX 128
#define IMAGE_DEFAULT_DOMAIN "docker.io"
#define IMAGE_DEFAULT_TAG "latest"

struct image_ref {
	char *domain; /* "docker.io", "localhost:5000", "quay.io", "[::1]:5000" */
	char *path;   /* "library/busybox", "team/app": the repository, no domain */
	char *tag;    /* "latest" when neither tag nor digest was given; NULL when
			 only a digest was */
	char *digest; /* "sha256:<64 hex>" or NULL */
};

/* Parse and normalise s.  On success *ret is overwritten (it need not be
 * initialised; clear a previous value first) and 0 returned; on failure
 * *ret is untouched. */
int image_ref_parse(const char *s, struct image_ref *ret, struct err *e);
void image_ref_clear(struct image_ref *r);

/* Full form: "docker.io/library/busybox:latest",
 * "host:5000/a/b@sha256:...", "host/a:t@sha256:...". */
char *image_ref_string(const struct image_ref *r);
/* Familiar form as docker prints it: docker.io and a "library/" prefix
 * (of a one-level name) dropped: "busybox:latest", "user/app:1.0",
 * "localhost:5000/a:1", "busybox@sha256:...". */
char *image_ref_familiar(const struct image_ref *r);
/* Repository without tag or digest: "docker.io/library/busybox". */
char *image_ref_repo(const struct image_ref *r);
/* Familiar repository: "busybox", "user/app", "quay.io/a/b". */
char *image_ref_familiar_repo(const struct image_ref *r);

/* s is a well-formed digest: algorithm [a-z0-9]+([+._-][a-z0-9]+)* ':'
 * encoded [a-zA-Z0-9=_-]{32,}; for sha256 / sha384 / sha512 exactly
 * 64 / 96 / 128 lowercase hex digits.  (image_ref_parse is stricter: it
 * accepts only those three algorithms, as docker does.) */
bool image_digest_valid(const char *s);
/* s is a valid tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
bool image_tag_valid(const char *s);
/* s looks like an image id: 12 to 64 lowercase hex digits, optionally
 * after "sha256:".  Note a 12-hex string is also a valid name: callers
 * decide which to try first. */
bool image_id_like(const char *s);

/* Whether the full name `full` ("localhost/app:1") is what the short name
 * `name` ("app:1", "team/app") means in another registry: the part after
 * the domain equals the name, with ":latest" when it has no tag. */
bool image_name_is_short_for(const char *full, const char *name);
