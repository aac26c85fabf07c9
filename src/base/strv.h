/* strv.h: NULL-terminated arrays of owned strings (char **).
 *
 * A strv owns its strings and the array; strv_free(NULL) is a no-op. */
#pragma once

#include "util.h"

void strv_free(char **l);
size_t strv_length(char *const *l);
char **strv_dup(char *const *l);
/* Append a copy of s; *l may be NULL (an empty list). */
void strv_push(char ***l, const char *s);
/* Append s, taking ownership of it. */
void strv_consume(char ***l, char *s);
bool strv_contains(char *const *l, const char *s);
/* Remove (and free) every entry equal to s; l may be NULL. */
void strv_remove(char **l, const char *s);
/* Look up "KEY=value" entries: returns the value part or NULL. */
const char *strv_env_get(char *const *env, const char *key);

DEFINE_CLEANUP_FUNC(char **, strv_free)
#define _cleanup_strv_ _cleanup_(strv_freep)
