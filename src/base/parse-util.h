/* parse-util.h: strict parsers for numbers, signals and sizes.
 *
 * Every parser rejects empty input, trailing garbage, signs where none are
 * allowed and overflow.  They return 0 or -EINVAL / -ERANGE. */
#pragma once

#include "util.h"

int parse_u64(const char *s, uint64_t *ret);
int parse_i64(const char *s, int64_t *ret);
int parse_u32(const char *s, uint32_t *ret);
int parse_int(const char *s, int *ret);
/* Bytes with an optional binary unit, docker-style: "1024", "512k",
 * "100m", "1.5g", "2GiB", "1t" (k = 1024). */
int parse_size(const char *s, uint64_t *ret);
/* A duration like Go's: "5s", "100ms", "1m30s", "2h", "750us"; a bare
 * number is seconds.  Returns nanoseconds. */
int parse_duration(const char *s, uint64_t *ret);
/* "KILL", "SIGKILL", "kill", "9", "RTMIN+3", "SIGRTMAX-1". */
int parse_signal(const char *s, int *ret);
/* "SIGKILL" for 9; NULL when unknown. */
const char *signal_name(int sig);
/* A CPU list as cpuset and taskset write it: "0-3,7"; "" is empty.  Calls
 * each(cpu) for every CPU named (each may be NULL: validate only); returns
 * -EINVAL when malformed or a CPU is above 65535. */
int cpu_list_parse(const char *s, void (*each)(unsigned cpu, void *data), void *data);
