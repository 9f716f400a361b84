/* test_util.c - the duration, size and count parsers and formatters. */
#include "config.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "util.h"

static void
dur_ok(const char *s, uint64_t want)
{
	uint64_t v = 0;
	const char *why = NULL;
	int r = sr_parse_duration(s, &v, &why);

	ok(r == 0 && v == want, "duration '%s' = %" PRIu64 " ms (got %d, %"
	    PRIu64 ", %s)", s, want, r, v, why ? why : "-");
}

static void
dur_bad(const char *s)
{
	uint64_t v = 12345;
	const char *why = NULL;
	int r = sr_parse_duration(s, &v, &why);

	ok(r == -1 && why != NULL && v == 12345,
	    "duration '%s' refused (%s)", s ? s : "(null)", why ? why : "-");
}

static void
size_ok(const char *s, uint64_t want)
{
	uint64_t v = 0;
	const char *why = NULL;
	int r = sr_parse_size(s, &v, &why);

	ok(r == 0 && v == want, "size '%s' = %" PRIu64 " (got %d, %" PRIu64
	    ", %s)", s, want, r, v, why ? why : "-");
}

static void
size_bad(const char *s)
{
	uint64_t v = 12345;
	const char *why = NULL;
	int r = sr_parse_size(s, &v, &why);

	ok(r == -1 && why != NULL && v == 12345, "size '%s' refused (%s)",
	    s ? s : "(null)", why ? why : "-");
}

static void
count_ok(const char *s, uint64_t max, uint64_t want)
{
	uint64_t v = 0;
	const char *why = NULL;
	int r = sr_parse_count(s, max, &v, &why);

	ok(r == 0 && v == want, "count '%s' (max %" PRIu64 ") = %" PRIu64,
	    s, max, want);
}

static void
count_bad(const char *s, uint64_t max)
{
	uint64_t v = 12345;
	const char *why = NULL;
	int r = sr_parse_count(s, max, &v, &why);

	ok(r == -1 && why != NULL && v == 12345,
	    "count '%s' (max %" PRIu64 ") refused (%s)", s ? s : "(null)",
	    max, why ? why : "-");
}

static void
fsize(uint64_t b, const char *want)
{
	char buf[32], name[64];

	snprintf(name, sizeof(name), "fmt_size %" PRIu64, b);
	is_str(sr_fmt_size(b, buf, sizeof(buf)), want, name);
}

static void
fdur(uint64_t ms, const char *want)
{
	char buf[32], name[64];

	snprintf(name, sizeof(name), "fmt_duration %" PRIu64, ms);
	is_str(sr_fmt_duration(ms, buf, sizeof(buf)), want, name);
}

static jmp_buf oom_jmp;
static int oom_calls;

static void
oom_handler(void)
{
	oom_calls++;
	longjmp(oom_jmp, 1);
}

/* Out of memory goes to the handler main installs, never to a NULL
 * return (an overflowing size is out of memory too). */
static void
test_oom(void)
{
	void *volatile p = NULL;

	sr_util_on_oom(oom_handler);
	if (setjmp(oom_jmp) == 0)
		p = sr_xreallocarray(NULL, SIZE_MAX, 2);
	ok(oom_calls == 1 && p == NULL, "reallocarray overflow calls the "
	    "OOM handler (%d)", oom_calls);
	if (setjmp(oom_jmp) == 0)
		p = sr_xreallocarray(NULL, 16, 2);
	ok(oom_calls == 1 && p != NULL, "a small reallocarray does not");
	free(p);
	sr_util_on_oom(NULL);
}

int
main(void)
{
	char buf[6];

	TAP_PLAN(102);
	dur_ok("0", 0);
	dur_ok("10", 10000);
	dur_ok("10s", 10000);
	dur_ok("500ms", 500);
	dur_ok("2m", 120000);
	dur_ok("2min", 120000);
	dur_ok("1h", 3600000);
	dur_ok("007s", 7000);
	dur_ok("0ms", 0);
	dur_ok("18446744073709ms", 18446744073709ull);
	dur_bad(NULL);
	dur_bad("");
	dur_bad("-1");
	dur_bad("+1");
	dur_bad(" 1");
	dur_bad("1 s");
	dur_bad("1s ");
	dur_bad("1.5s");
	dur_bad("s");
	dur_bad("10S");
	dur_bad("10x");
	dur_bad("1d");
	dur_bad("9223372036854775808");
	dur_bad("99999999999999999999999999999999999");
	dur_bad("18446744073709552s");	/* overflows ms */
	dur_bad("5124095576030432h");

	size_ok("0", 0);
	size_ok("1", 1);
	size_ok("100B", 100);
	size_ok("64K", 65536);
	size_ok("64k", 65536);
	size_ok("64KB", 65536);
	size_ok("64KiB", 65536);
	size_ok("512M", 512ull << 20);
	size_ok("512MiB", 512ull << 20);
	size_ok("1G", 1ull << 30);
	size_ok("1g", 1ull << 30);
	size_ok("1T", 1ull << 40);
	size_ok("010", 10);		/* decimal, not octal */
	size_ok("08M", 8ull << 20);
	size_ok("8388607T", 8388607ull << 40);
	size_ok("9223372036854775807", 9223372036854775807ull);
	size_bad(NULL);
	size_bad("");
	size_bad("-1");
	size_bad("+1");
	size_bad(" 1");
	size_bad("1 M");
	size_bad("0x10");		/* no hex */
	size_bad("1.5G");
	size_bad("1P");
	size_bad("1E");
	size_bad("1KK");
	size_bad("1iB");
	size_bad("1BB");
	size_bad("1Kb");
	size_bad("1KIB");
	size_bad("M");
	size_bad("16777216T");		/* 2^64: must not become unlimited */
	size_bad("17179869184G");
	size_bad("18446744073709551615");	/* == SR_UNLIMITED */
	size_bad("18446744073709551616");
	size_bad("99999999999999999999999999999999999");

	count_ok("0", 10, 0);
	count_ok("10", 10, 10);
	count_ok("64", UINT64_MAX, 64);
	count_ok("007", 10, 7);
	count_bad(NULL, 10);
	count_bad("", 10);
	count_bad("11", 10);
	count_bad("-1", 10);
	count_bad("+1", 10);
	count_bad(" 1", 10);
	count_bad("1 ", 10);
	count_bad("1k", 10);
	count_bad("0x1", 10);
	count_bad("9223372036854775808", UINT64_MAX);

	fsize(0, "0 B");
	fsize(1023, "1023 B");
	fsize(1024, "1 KiB");
	fsize(1536, "1.5 KiB");
	fsize(20 * 1024, "20 KiB");
	fsize(1048575, "1.0 MiB");
	fsize(58ull << 20, "58 MiB");
	fsize(512ull << 20, "512 MiB");
	fsize(1ull << 30, "1 GiB");
	fsize(3ull << 40, "3 TiB");
	fsize(5ull << 50, "5 PiB");
	fsize(UINT64_MAX, "unlimited");
	fdur(0, "0 ms");
	fdur(999, "999 ms");
	fdur(1000, "1 s");
	fdur(1500, "1.5 s");
	fdur(1250, "1.25 s");
	fdur(1234, "1.23 s");
	fdur(59999, "60 s");
	fdur(3600000, "3600 s");
	fdur(UINT64_MAX, "unlimited");
	fdur(UINT64_MAX - 1, "18446744073709551.61 s");
	ok(strcmp(sr_fmt_size(512ull << 20, buf, sizeof(buf)), "512 M") == 0,
	    "fmt_size truncates to the buffer");

	test_oom();
	return tap_done();
}
