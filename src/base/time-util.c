/* time-util.c: see time-util.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
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

int time_parse_rfc3339(const char *s, struct timespec *ret)
{
	struct tm tm = {0};
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	const char *p = s + n;
	long nsec = 0;
	if (*p == '.') {
		long scale = 100000000;
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			nsec += (*p - '0') * scale;
			scale /= 10;
		}
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 || strlen(p) != 6)
			return -EINVAL;
		off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	time_t t = timegm(&tm);
	ret->tv_sec = t - off;
	ret->tv_nsec = nsec;
	return 0;
}
