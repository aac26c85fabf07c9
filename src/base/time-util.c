/* time-util.c: see time-util.h. */
#include <stdio.h>
#include <time.h>

#include "time-util.h"

void time_format_rfc3339(const struct timespec *ts, char buf[static RFC3339_MAX])
{
	struct tm tm;
	time_t t = ts->tv_sec;
	gmtime_r(&t, &tm);
	/* Clamp the fields so the compiler can prove the output fits. */
	unsigned year = (unsigned)(tm.tm_year + 1900) % 10000u;
	unsigned nsec = (unsigned)ts->tv_nsec % 1000000000u;
	snprintf(buf, RFC3339_MAX, "%04u-%02u-%02uT%02u:%02u:%02u.%09uZ", year,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
		 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
		 nsec);
}

void time_now_rfc3339(char buf[static RFC3339_MAX])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	time_format_rfc3339(&ts, buf);
}

uint64_t time_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
