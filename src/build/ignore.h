/* ignore.h: .dockerignore, docker's rules.
 *
 * One pattern a line; blank lines and lines starting with # are skipped;
 * blanks around a pattern are trimmed, a leading / is dropped and the path
 * is cleaned ("a//b/../c" is "a/c").  Patterns are Go's filepath.Match
 * (`*` and `?` within one path element, `[a-z]` and `[^a]` classes, `\`
 * quoting) plus `**`, any number of directories (none too).  A line
 * starting with ! re-includes what it matches.  The last pattern that
 * matches a path decides; a path whose directory is excluded is excluded
 * with it (unless a later exception matches it). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct ignore {
	char **pats; /* cleaned, without the ! */
	bool *neg;   /* an exception */
	size_t n;
};

int ignore_parse(const char *text, size_t len, struct ignore *ret, struct err *e);
void ignore_clear(struct ignore *ig);
/* Whether path (relative to the context, '/'-separated) is left out. */
bool ignore_match(const struct ignore *ig, const char *path);
/* Go's filepath.Match with "**"; -1: a malformed pattern. */
int ignore_glob(const char *pat, const char *name);
