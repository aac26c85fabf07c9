/* alloc.h: allocation that cannot fail.
 *
 * Running out of memory is not a condition Berth recovers from: every
 * wrapper here aborts the process with a message instead of returning NULL,
 * so callers never test for allocation failure. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array to hold at least `need` elements of `size` bytes. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#define xnew(type, n) ((type *)xcalloc((n), sizeof(type)))
