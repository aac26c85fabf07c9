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
/* "KILL", "SIGKILL", "kill", "9", "RTMIN+3", "SIGRTMAX-1". */
int parse_signal(const char *s, int *ret);
/* "SIGKILL" for 9; NULL when unknown. */
const char *signal_name(int sig);
