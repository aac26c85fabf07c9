/* time-util.h: clocks and the timestamp format Berth writes (RFC 3339
 * with nanoseconds, UTC, as runc and docker do). */
#pragma once

#include <time.h>

#include "util.h"

#define RFC3339_MAX 40

/* Format ts as "2006-01-02T15:04:05.999999999Z" into buf (RFC3339_MAX). */
void time_format_rfc3339(const struct timespec *ts, char buf[static RFC3339_MAX]);
void time_now_rfc3339(char buf[static RFC3339_MAX]);
/* Monotonic time in nanoseconds. */
uint64_t time_mono_ns(void);
/* Parse "2006-01-02T15:04:05[.999999999](Z|+07:00)".  Returns 0 or -EINVAL. */
int time_parse_rfc3339(const char *s, struct timespec *ret);
