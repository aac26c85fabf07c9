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

/* A decimal number at *p: digits, optionally a fraction.  Sets the integer
 * part exactly (u64) and the fraction as a double; advances *p. */
static int decimal(const char **p, uint64_t *ip, double *frac, bool *has_frac)
{
	const char *s = *p;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	uint64_t v = 0;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	double f = 0, scale = 0.1;
	*has_frac = false;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		for (; isdigit((unsigned char)*s); s++, scale /= 10)
			f += (*s - '0') * scale;
		*has_frac = true;
	}
	*ip = v;
	*frac = f;
	*p = s;
	return 0;
}

/* ip.frac * mult, rounded to the nearest integer, without overflow. */
static int scale_u64(uint64_t ip, double frac, uint64_t mult, uint64_t *ret)
{
	if (mult && ip > UINT64_MAX / mult)
		return -ERANGE;
	uint64_t whole = ip * mult;
	double extra = frac * (double)mult + 0.5;
	if (extra >= (double)(UINT64_MAX - whole))
		return -ERANGE;
	*ret = whole + (uint64_t)extra;
	return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
	if (!s)
		return -EINVAL;
	const char *p = s;
	uint64_t ip;
	double frac;
	bool has_frac;
	int r = decimal(&p, &ip, &frac, &has_frac);
	if (r < 0)
		return r;
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{"", 1},	   {"b", 1},	   {"k", 1ull << 10}, {"kb", 1ull << 10}, {"kib", 1ull << 10},
		{"m", 1ull << 20}, {"mb", 1ull << 20}, {"mib", 1ull << 20}, {"g", 1ull << 30},
		{"gb", 1ull << 30}, {"gib", 1ull << 30}, {"t", 1ull << 40}, {"tb", 1ull << 40},
		{"tib", 1ull << 40},
	};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcasecmp(p, units[i].suffix))
			continue;
		/* A fraction of a byte makes no size. */
		if (has_frac && frac != 0 && units[i].mult == 1)
			return -EINVAL;
		return scale_u64(ip, frac, units[i].mult, ret);
	}
	return -EINVAL;
}

int parse_duration(const char *s, uint64_t *ret)
{
	if (!s || !*s)
		return -EINVAL;
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		/* Longest first, so "ms" is not read as "m" then "s". */
		{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000ull},
		{"m", 60000000000ull}, {"h", 3600000000000ull},
	};
	uint64_t total = 0;
	const char *p = s;
	bool first = true;
	while (*p) {
		uint64_t ip, part;
		double frac;
		bool has_frac;
		int r = decimal(&p, &ip, &frac, &has_frac);
		if (r < 0)
			return r;
		uint64_t mult = 0;
		if (first && !*p) {
			mult = 1000000000ull; /* a bare number: seconds */
		} else {
			for (size_t i = 0; i < ARRAY_SIZE(units) && !mult; i++)
				if (startswith(p, units[i].unit)) {
					mult = units[i].ns;
					p += strlen(units[i].unit);
				}
			if (!mult)
				return -EINVAL;
		}
		if (scale_u64(ip, frac, mult, &part) < 0 || part > UINT64_MAX - total)
			return -ERANGE;
		total += part;
		first = false;
	}
	*ret = total;
	return 0;
}

int cpu_list_parse(const char *s, void (*each)(unsigned cpu, void *data), void *data)
{
	if (!*s)
		return 0;
	for (;;) {
		char *end;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || a > 65535 || b > 65535)
			return -EINVAL;
		for (unsigned long c = a; each && c <= b; c++)
			each((unsigned)c, data);
		if (!*end)
			return 0;
		if (*end != ',')
			return -EINVAL;
		s = end + 1;
	}
}
