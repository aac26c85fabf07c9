/* test-parse-util: strict number parsers, signal names and numbers. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>

#include "base/parse-util.h"
#include "sanitizer-options.h"
#include "tap.h"

static void u64_ok(const char *s, uint64_t want)
{
	uint64_t v = 12345;
	int r = parse_u64(s, &v);
	ok(r == 0 && v == want, "parse_u64(\"%s\") = %llu (r=%d, got %llu)", s,
	   (unsigned long long)want, r, (unsigned long long)v);
}

static void u64_bad(const char *s, int want)
{
	uint64_t v = 12345;
	int r = parse_u64(s, &v);
	ok(r == want && v == 12345, "parse_u64(\"%s\") fails with %d, output untouched (r=%d)",
	   s ? s : "(null)", want, r);
}

static void i64_ok(const char *s, int64_t want)
{
	int64_t v = 12345;
	int r = parse_i64(s, &v);
	ok(r == 0 && v == want, "parse_i64(\"%s\") = %lld (r=%d, got %lld)", s, (long long)want,
	   r, (long long)v);
}

static void i64_bad(const char *s, int want)
{
	int64_t v = 12345;
	int r = parse_i64(s, &v);
	ok(r == want && v == 12345, "parse_i64(\"%s\") fails with %d, output untouched (r=%d)",
	   s ? s : "(null)", want, r);
}

static void u32_check(const char *s, int want_r, uint32_t want)
{
	uint32_t v = 7;
	int r = parse_u32(s, &v);
	ok(r == want_r && v == (want_r == 0 ? want : 7), "parse_u32(\"%s\") -> %d/%u (got %d/%u)",
	   s, want_r, want, r, v);
}

static void int_check(const char *s, int want_r, int want)
{
	int v = 7;
	int r = parse_int(s, &v);
	ok(r == want_r && v == (want_r == 0 ? want : 7), "parse_int(\"%s\") -> %d/%d (got %d/%d)",
	   s, want_r, want, r, v);
}

static void sig_ok(const char *s, int want)
{
	int v = -1;
	int r = parse_signal(s, &v);
	ok(r == 0 && v == want, "parse_signal(\"%s\") = %d (r=%d, got %d)", s, want, r, v);
}

static void sig_bad(const char *s)
{
	int v = -12345;
	int r = parse_signal(s, &v);
	ok(r == -EINVAL && v == -12345, "parse_signal(\"%s\") is rejected (r=%d, got %d)",
	   s ? s : "(null)", r, v);
}

int main(void)
{
	/* parse_u64 */
	u64_ok("0", 0);
	u64_ok("42", 42);
	u64_ok("007", 7);
	u64_ok("18446744073709551615", UINT64_MAX);
	u64_bad("18446744073709551616", -ERANGE);
	u64_bad("99999999999999999999999", -ERANGE);
	u64_bad("", -EINVAL);
	u64_bad(NULL, -EINVAL);
	u64_bad("-1", -EINVAL);
	u64_bad("+1", -EINVAL);
	u64_bad(" 1", -EINVAL);
	u64_bad("1 ", -EINVAL);
	u64_bad("12abc", -EINVAL);
	u64_bad("0x10", -EINVAL);
	u64_bad("1.5", -EINVAL);
	u64_bad("abc", -EINVAL);

	/* parse_i64 */
	i64_ok("0", 0);
	i64_ok("-0", 0);
	i64_ok("-42", -42);
	i64_ok("9223372036854775807", INT64_MAX);
	i64_ok("-9223372036854775808", INT64_MIN);
	i64_bad("9223372036854775808", -ERANGE);
	i64_bad("-9223372036854775809", -ERANGE);
	i64_bad("", -EINVAL);
	i64_bad(NULL, -EINVAL);
	i64_bad("-", -EINVAL);
	i64_bad("--1", -EINVAL);
	i64_bad("+5", -EINVAL);
	i64_bad(" -5", -EINVAL);
	i64_bad("-5x", -EINVAL);
	i64_bad("5-", -EINVAL);

	/* parse_u32 */
	u32_check("0", 0, 0);
	u32_check("4294967295", 0, UINT32_MAX);
	u32_check("4294967296", -ERANGE, 0);
	u32_check("18446744073709551616", -ERANGE, 0);
	u32_check("-1", -EINVAL, 0);
	u32_check("1k", -EINVAL, 0);
	u32_check("", -EINVAL, 0);

	/* parse_int */
	int_check("2147483647", 0, INT_MAX);
	int_check("-2147483648", 0, INT_MIN);
	int_check("2147483648", -ERANGE, 0);
	int_check("-2147483649", -ERANGE, 0);
	int_check("99999999999999999999", -ERANGE, 0);
	int_check("-17", 0, -17);
	int_check("17 ", -EINVAL, 0);
	int_check("+17", -EINVAL, 0);

	/* parse_signal: names in every spelling, numbers, real-time signals */
	sig_ok("KILL", SIGKILL);
	sig_ok("SIGKILL", SIGKILL);
	sig_ok("kill", SIGKILL);
	sig_ok("sigkill", SIGKILL);
	sig_ok("SigTerm", SIGTERM);
	sig_ok("9", 9);
	sig_ok("15", SIGTERM);
	sig_ok("1", 1);
	sig_ok("HUP", SIGHUP);
	sig_ok("SIGUSR1", SIGUSR1);
	sig_ok("USR2", SIGUSR2);
	sig_ok("WINCH", SIGWINCH);
	sig_ok("SIGCHLD", SIGCHLD);
	sig_ok("CLD", SIGCHLD);
	sig_ok("IOT", SIGABRT);
	sig_ok("POLL", SIGIO);
	sig_ok("SYS", SIGSYS);
	sig_ok("STKFLT", SIGSTKFLT);
	sig_ok("RTMIN", SIGRTMIN);
	sig_ok("SIGRTMIN", SIGRTMIN);
	sig_ok("RTMIN+3", SIGRTMIN + 3);
	sig_ok("SIGRTMIN+3", SIGRTMIN + 3);
	sig_ok("rtmin+0", SIGRTMIN);
	sig_ok("RTMAX", SIGRTMAX);
	sig_ok("SIGRTMAX-1", SIGRTMAX - 1);
	sig_ok("sigrtmax-1", SIGRTMAX - 1);
	{
		char buf[32];
		snprintf(buf, sizeof(buf), "RTMIN+%d", SIGRTMAX - SIGRTMIN);
		sig_ok(buf, SIGRTMAX);
		snprintf(buf, sizeof(buf), "RTMAX-%d", SIGRTMAX - SIGRTMIN);
		sig_ok(buf, SIGRTMIN);
		snprintf(buf, sizeof(buf), "RTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
		sig_bad(buf);
		snprintf(buf, sizeof(buf), "RTMAX-%d", SIGRTMAX - SIGRTMIN + 1);
		sig_bad(buf);
		snprintf(buf, sizeof(buf), "%d", SIGRTMAX);
		sig_ok(buf, SIGRTMAX);
		snprintf(buf, sizeof(buf), "%d", SIGRTMAX + 1);
		sig_bad(buf);
	}
	sig_bad(NULL);
	sig_bad("");
	sig_bad("0");
	sig_bad("-9");
	sig_bad("+9");
	sig_bad("9x");
	sig_bad(" 9");
	sig_bad("SIG");
	sig_bad("SIGSIGKILL");
	sig_bad("KILLX");
	sig_bad("FOO");
	sig_bad("SIGFOO");
	sig_bad("RTMIN-1");
	sig_bad("RTMAX+1");
	sig_bad("RTMIN+");
	sig_bad("RTMAX-");
	sig_bad("RTMIN+-1");
	sig_bad("RTMIN+ 1");
	sig_bad("RTMIN3");
	sig_bad("RTMINFOO");
	sig_bad("RTMIN+3x");
	sig_bad("99999999999");

	/* signal_name */
	is_str(signal_name(SIGKILL), "SIGKILL", "signal_name(SIGKILL)");
	is_str(signal_name(9), "SIGKILL", "signal_name(9)");
	is_str(signal_name(SIGHUP), "SIGHUP", "signal_name(SIGHUP)");
	is_str(signal_name(SIGTERM), "SIGTERM", "signal_name(SIGTERM)");
	is_str(signal_name(SIGCHLD), "SIGCHLD", "signal_name(SIGCHLD)");
	is_str(signal_name(SIGSYS), "SIGSYS", "signal_name(SIGSYS)");
	is_str(signal_name(SIGWINCH), "SIGWINCH", "signal_name(SIGWINCH)");
	is_str(signal_name(SIGABRT), "SIGABRT", "signal_name(SIGABRT)");
	is_str(signal_name(0), NULL, "signal_name(0) is NULL");
	is_str(signal_name(-1), NULL, "signal_name(-1) is NULL");
	is_str(signal_name(INT_MIN), NULL, "signal_name(INT_MIN) is NULL");
	is_str(signal_name(INT_MAX), NULL, "signal_name(INT_MAX) is NULL");
	is_str(signal_name(SIGRTMIN + 1), NULL, "signal_name of a real-time signal is NULL");
	/* Every named classic signal round-trips through parse_signal. */
	bool all = true;
	for (int s = 1; s < 32; s++) {
		const char *n = signal_name(s);
		int back = -1;
		if (n && (parse_signal(n, &back) < 0 || back != s)) {
			all = false;
			printf("# %d: %s -> %d\n", s, n, back);
		}
	}
	ok(all, "signal_name() output parses back to the same number");

	/* Offsets so large that SIGRTMIN + off overflows an int must be
	 * rejected without undefined behaviour (run under UBSan). */
	sig_bad("RTMIN+2147483647");
	sig_bad("RTMIN+2147483600");
	sig_bad("RTMAX-2147483647");
	return tap_done();
}
