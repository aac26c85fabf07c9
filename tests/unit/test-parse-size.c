/* test-parse-size: parse_size (bytes with binary units) and parse_duration
 * (Go-style durations, in nanoseconds).  Every failure must leave the
 * output untouched and return -EINVAL or -ERANGE. */
#include <errno.h>
#include <stdint.h>

#include "base/parse-util.h"
#include "sanitizer-options.h"
#include "tap.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)
#define TiB (1024ull * GiB)

#define NS 1ull
#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define MIN (60ull * SEC)
#define HOUR (60ull * MIN)

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 12345;
	int r = parse_size(s, &v);
	ok(r == 0 && v == want, "parse_size(\"%s\") = %llu (r=%d, got %llu)", s,
	   (unsigned long long)want, r, (unsigned long long)v);
}

static void size_bad(const char *s, int want)
{
	uint64_t v = 12345;
	int r = parse_size(s, &v);
	ok(r == want && v == 12345, "parse_size(\"%s\") fails with %d, output untouched (r=%d, v=%llu)",
	   s ? s : "(null)", want, r, (unsigned long long)v);
}

static void dur_ok(const char *s, uint64_t want)
{
	uint64_t v = 12345;
	int r = parse_duration(s, &v);
	ok(r == 0 && v == want, "parse_duration(\"%s\") = %llu ns (r=%d, got %llu)", s,
	   (unsigned long long)want, r, (unsigned long long)v);
}

static void dur_bad(const char *s, int want)
{
	uint64_t v = 12345;
	int r = parse_duration(s, &v);
	ok(r == want && v == 12345,
	   "parse_duration(\"%s\") fails with %d, output untouched (r=%d, v=%llu)",
	   s ? s : "(null)", want, r, (unsigned long long)v);
}

/* Fails with either error code (which one is an implementation choice). */
static void dur_refused(const char *s)
{
	uint64_t v = 12345;
	int r = parse_duration(s, &v);
	ok((r == -EINVAL || r == -ERANGE) && v == 12345,
	   "parse_duration(\"%s\") is refused, output untouched (r=%d, v=%llu)", s, r,
	   (unsigned long long)v);
}

int main(void)
{
	/* parse_size: plain bytes */
	size_ok("0", 0);
	size_ok("1", 1);
	size_ok("1024", 1024);
	size_ok("4096b", 4096);
	size_ok("4096B", 4096);
	/* binary units, any case, with or without "b" / "ib" */
	size_ok("512k", 512 * KiB);
	size_ok("512K", 512 * KiB);
	size_ok("512kb", 512 * KiB);
	size_ok("512KiB", 512 * KiB);
	size_ok("100m", 100 * MiB);
	size_ok("100M", 100 * MiB);
	size_ok("100MB", 100 * MiB);
	size_ok("100mib", 100 * MiB);
	size_ok("1g", GiB);
	size_ok("2GiB", 2 * GiB);
	size_ok("2gb", 2 * GiB);
	size_ok("1t", TiB);
	size_ok("3TB", 3 * TiB);
	size_ok("1tib", TiB);
	/* fractions with a unit */
	size_ok("1.5g", GiB + GiB / 2);
	size_ok("0.5k", 512);
	size_ok("0.5m", 512 * KiB);
	size_ok("2.25g", 2 * GiB + GiB / 4);
	size_ok("0k", 0);
	size_ok("1.0", 1); /* a whole number of bytes, written with a point */
	/* the largest values */
	size_ok("16777215t", 16777215ull * TiB);
	size_ok("17179869183g", 17179869183ull * GiB);

	/* parse_size: errors */
	size_bad(NULL, -EINVAL);
	size_bad("", -EINVAL);
	size_bad("12q", -EINVAL);
	size_bad("12 k", -EINVAL);
	size_bad("12k ", -EINVAL);
	size_bad(" 12", -EINVAL);
	size_bad("k", -EINVAL);
	size_bad("b", -EINVAL);
	size_bad("-1", -EINVAL);
	size_bad("-1k", -EINVAL);
	size_bad("+1", -EINVAL);
	size_bad(".5k", -EINVAL);
	size_bad("1.5", -EINVAL);  /* a fraction of a byte */
	size_bad("1.5b", -EINVAL); /* likewise */
	size_bad("0.1", -EINVAL);
	size_bad("1kk", -EINVAL);
	size_bad("1p", -EINVAL); /* no peta */
	size_bad("1ki", -EINVAL);
	size_bad("1.5.5k", -EINVAL);
	/* overflow */
	size_bad("16777216t", -ERANGE); /* 2^64 */
	size_bad("17179869184g", -ERANGE);
	size_bad("18446744073709551616", -ERANGE);
	size_bad("99999999999999999999999", -ERANGE);
	size_bad("100000000000000000000t", -ERANGE);

	/* parse_duration */
	dur_ok("5s", 5 * SEC);
	dur_ok("100ms", 100 * MS);
	dur_ok("1m30s", MIN + 30 * SEC);
	dur_ok("2h", 2 * HOUR);
	dur_ok("750us", 750 * US);
	dur_ok("10ns", 10 * NS);
	dur_ok("3", 3 * SEC); /* a bare number is seconds */
	dur_ok("0", 0);
	dur_ok("0s", 0);
	dur_ok("1.5s", 1500 * MS);
	dur_ok("0.5h", 30 * MIN);
	dur_ok("2.5", 2500 * MS);
	dur_ok("1h2m3s4ms5us6ns", HOUR + 2 * MIN + 3 * SEC + 4 * MS + 5 * US + 6 * NS);
	dur_ok("1m1m", 2 * MIN); /* units may repeat, as in Go */
	dur_ok("90m", 90 * MIN);
	dur_ok("10000000000s", 10000000000ull * SEC);
	/* Decimal fractions are exact, as in Go (not truncated binary doubles). */
	dur_ok("2.3s", 2300 * MS);
	dur_ok("0.7s", 700 * MS);
	dur_ok("1.15ms", 1150 * US);
	dur_ok("0.009h", 32400 * MS);
	dur_ok("0.145h", 522 * SEC);

	/* parse_duration: errors */
	dur_bad(NULL, -EINVAL);
	dur_bad("", -EINVAL);
	dur_bad("5x", -EINVAL);
	dur_bad("-1s", -EINVAL);
	dur_bad("s", -EINVAL);
	dur_bad("ms", -EINVAL);
	dur_bad("1m30", -EINVAL); /* a bare number only on its own */
	dur_bad("5s ", -EINVAL);
	dur_bad("5 s", -EINVAL);
	dur_bad("5S", -EINVAL);
	dur_bad("1d", -EINVAL);
	dur_bad("5sec", -EINVAL);
	dur_bad("1.2.3", -EINVAL);
	dur_bad("1s-1s", -EINVAL);
	/* parse-util.h: no sign where none is allowed, no garbage: "-1s" is
	 * refused, so must "+1s" be; blanks are garbage at any place. */
	dur_bad("+5s", -EINVAL);
	dur_bad(" 5s", -EINVAL);
	dur_bad("1m 30s", -EINVAL);
	/* overflow: one term, and a sum */
	dur_bad("18446744074s", -ERANGE); /* just above UINT64_MAX nanoseconds */
	dur_bad("5000000000h", -ERANGE);
	dur_bad("17999999999s17999999999s", -ERANGE);
	/* Not numbers: strtod() reads "nan" and "inf", which must not pass
	 * (NaN times a unit compares false with every bound). */
	dur_refused("nans");
	dur_refused("nanms");
	dur_refused("infs");

	return tap_done();
}
