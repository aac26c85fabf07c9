/* parse-util.c: see parse-util.h. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <stdbool.h>
#include <strings.h>

#include "parse-util.h"

int parse_u64(const char *s, uint64_t *ret)
{
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_i64(const char *s, int64_t *ret)
{
	if (!s || !(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))))
		return -EINVAL;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v;
	int r = parse_u64(s, &v);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int parse_int(const char *s, int *ret)
{
	int64_t v;
	int r = parse_i64(s, &v);
	if (r < 0)
		return r;
	if (v < INT_MIN || v > INT_MAX)
		return -ERANGE;
	*ret = (int)v;
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{"HUP", SIGHUP},   {"INT", SIGINT},	      {"QUIT", SIGQUIT},     {"ILL", SIGILL},
	{"TRAP", SIGTRAP}, {"ABRT", SIGABRT},	      {"IOT", SIGIOT},	     {"BUS", SIGBUS},
	{"FPE", SIGFPE},   {"KILL", SIGKILL},	      {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2}, {"PIPE", SIGPIPE},	      {"ALRM", SIGALRM},     {"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},     {"CLD", SIGCHLD},	     {"CONT", SIGCONT},
	{"STOP", SIGSTOP}, {"TSTP", SIGTSTP},	      {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},
	{"URG", SIGURG},   {"XCPU", SIGXCPU},	      {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM},
	{"PROF", SIGPROF}, {"WINCH", SIGWINCH},	      {"IO", SIGIO},	     {"POLL", SIGPOLL},
	{"PWR", SIGPWR},   {"SYS", SIGSYS},
};

int parse_signal(const char *s, int *ret)
{
	if (!s || !*s)
		return -EINVAL;
	if (isdigit((unsigned char)s[0])) {
		int v;
		if (parse_int(s, &v) < 0 || v <= 0 || v > SIGRTMAX)
			return -EINVAL;
		*ret = v;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (strcasecmp(s, signals[i].name) == 0) {
			*ret = signals[i].sig;
			return 0;
		}
	bool min = strncasecmp(s, "RTMIN", 5) == 0, max = strncasecmp(s, "RTMAX", 5) == 0;
	if (min || max) {
		const char *rest = s + 5;
		int off = 0;
		if (*rest) {
			if ((min && rest[0] != '+') || (max && rest[0] != '-'))
				return -EINVAL;
			if (parse_int(rest + 1, &off) < 0 || off < 0 || off > SIGRTMAX - SIGRTMIN)
				return -EINVAL;
		}
		int v = min ? SIGRTMIN + off : SIGRTMAX - off;
		if (v < SIGRTMIN || v > SIGRTMAX)
			return -EINVAL;
		*ret = v;
		return 0;
	}
	return -EINVAL;
}

const char *signal_name(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",	[SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL",   [SIGTRAP] = "SIGTRAP",	[SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",	[SIGKILL] = "SIGKILL",
		[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",	[SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",	[SIGTERM] = "SIGTERM",
		[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
		[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",	[SIGTTIN] = "SIGTTIN",
		[SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",	[SIGXCPU] = "SIGXCPU",
		[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO",	[SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};
	if (sig > 0 && (size_t)sig < ARRAY_SIZE(names))
		return names[sig];
	return NULL;
}

int parse_size(const char *s, uint64_t *ret)
{
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno == ERANGE || end == s)
		return -ERANGE;
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{"", 1},	   {"b", 1},	     {"k", 1024.0},	  {"kb", 1024.0},
		{"kib", 1024.0}, {"m", 1048576.0}, {"mb", 1048576.0}, {"mib", 1048576.0},
		{"g", 1073741824.0}, {"gb", 1073741824.0}, {"gib", 1073741824.0},
		{"t", 1099511627776.0}, {"tb", 1099511627776.0}, {"tib", 1099511627776.0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcasecmp(end, units[i].suffix))
			continue;
		double b = v * units[i].mult;
		if (b >= 18446744073709551615.0)
			return -ERANGE;
		/* A fraction of a byte makes no size. */
		if (units[i].mult == 1 && b != (double)(uint64_t)b)
			return -EINVAL;
		*ret = (uint64_t)b;
		return 0;
	}
	return -EINVAL;
}

int parse_duration(const char *s, uint64_t *ret)
{
	if (!s || !*s)
		return -EINVAL;
	uint64_t total = 0;
	const char *p = s;
	bool bare = true;
	for (const char *q = s; *q; q++)
		if (!isdigit((unsigned char)*q) && *q != '.')
			bare = false;
	while (*p) {
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (end == p || errno == ERANGE || v < 0)
			return -EINVAL;
		double mult;
		if (bare && !*end)
			mult = 1e9;
		else if (startswith(end, "ns"))
			mult = 1, end += 2;
		else if (startswith(end, "us"))
			mult = 1e3, end += 2;
		else if (startswith(end, "ms"))
			mult = 1e6, end += 2;
		else if (*end == 's')
			mult = 1e9, end += 1;
		else if (*end == 'm')
			mult = 60e9, end += 1;
		else if (*end == 'h')
			mult = 3600e9, end += 1;
		else
			return -EINVAL;
		double add = v * mult;
		if (add + (double)total >= 1.8e19)
			return -ERANGE;
		total += (uint64_t)add;
		p = end;
	}
	*ret = total;
	return 0;
}
