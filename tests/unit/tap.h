/* tap.h: a tiny TAP producer for the unit tests.
 *
 * Each check prints "ok N - what" or "not ok N - what" with the place and
 * the values that differed; tap_done() prints the plan and returns the
 * exit status (non-zero when anything failed). */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failures;

__attribute__((format(printf, 4, 5))) static inline bool tap_ok(bool cond, const char *file,
								  int line, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failures++;
		printf("#   at %s:%d\n", file, line);
	}
	return cond;
}

#define ok(cond, ...) tap_ok((cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_str(got, want, ...)                                                            \
	do {                                                                              \
		const char *g_ = (got), *w_ = (want);                                     \
		if (!ok(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_, __VA_ARGS__))          \
			printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)",           \
			       w_ ? w_ : "(null)");                                       \
	} while (0)

#define is_int(got, want, ...)                                                            \
	do {                                                                              \
		long long g_ = (long long)(got), w_ = (long long)(want);                  \
		if (!ok(g_ == w_, __VA_ARGS__))                                           \
			printf("#   got %lld, want %lld\n", g_, w_);                          \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}
