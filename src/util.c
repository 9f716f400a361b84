#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* libbsd in overlay mode (pkg-config libbsd-overlay): strtonum comes
 * through <stdlib.h>; <bsd/stdlib.h> would break its #include_next. */
#include <stdlib.h>

#include "util.h"

static void (*oom_handler)(void);

void
sr_util_on_oom(void (*fn)(void))
{
	oom_handler = fn;
}

/* Out of memory: main's handler reports it the normal way (one line, the
 * JSON object in JSON mode) and picks the exit status.  Without one (unit
 * tests), or should it return, there is nothing sane left to do. */
static void
oom(void)
{
	static const char m[] = "sandrun: out of memory\n";

	if (oom_handler != NULL)
		oom_handler();
	(void)!write(STDERR_FILENO, m, sizeof(m) - 1);
	abort();
}

void *
sr_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
sr_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
sr_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom();
	return q;
}

void *
sr_xreallocarray(void *p, size_t n, size_t m)
{
	void *q;

	if (n == 0)
		n = 1;
	if (m == 0)
		m = 1;
	if (n > SIZE_MAX / m)
		oom();		/* before the call: no allocator sees it */
	if ((q = reallocarray(p, n, m)) == NULL)
		oom();
	return q;
}

char *
sr_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

char *
sr_xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		oom();
	return p;
}

int
sr_xasprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return n;
}

/* Split s into a digit run and a suffix; refuses signs, spaces and empties. */
static int
split_number(const char *s, char *digits, size_t len, const char **suffix,
    const char **why)
{
	size_t n = 0;

	if (s == NULL || *s == '\0') {
		*why = "empty value";
		return -1;
	}
	while (isdigit((unsigned char)s[n]))
		n++;
	if (n == 0) {
		*why = "must start with a non-negative integer";
		return -1;
	}
	if (n >= len) {
		*why = "number too large";
		return -1;
	}
	memcpy(digits, s, n);
	digits[n] = '\0';
	*suffix = s + n;
	return 0;
}

int
sr_parse_duration(const char *s, uint64_t *ms, const char **why)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {
		{ "", 1000 }, { "s", 1000 }, { "ms", 1 },
		{ "m", 60000 }, { "min", 60000 }, { "h", 3600000 },
	};
	char digits[32];
	const char *suffix, *errstr;
	long long v;
	size_t i;

	if (split_number(s, digits, sizeof(digits), &suffix, why) < 0)
		return -1;
	v = strtonum(digits, 0, LLONG_MAX, &errstr);
	if (errstr != NULL) {
		*why = "number out of range";
		return -1;
	}
	for (i = 0; i < SR_ARRAY_SIZE(units); i++) {
		if (strcmp(suffix, units[i].name) != 0)
			continue;
		if ((uint64_t)v > UINT64_MAX / 1000 / units[i].mult) {
			*why = "duration too large";
			return -1;
		}
		*ms = (uint64_t)v * units[i].mult;
		return 0;
	}
	*why = "unknown unit (use ms, s, m or h, e.g. 500ms, 10s, 2m)";
	return -1;
}

/* Decimal only: expand_number(3) reads "010" as octal 8 and "0x10" as 16,
 * and saturates to UINT64_MAX (== SR_UNLIMITED) on overflow while
 * returning success, so it is not used here. */
int
sr_parse_size(const char *s, uint64_t *bytes, const char **why)
{
	static const char *const tails[] = { "", "B", "iB" };
	const char *suffix, *errstr;
	char digits[32];
	uint64_t mult = 1;
	long long v;
	size_t i;
	int shift;

	if (split_number(s, digits, sizeof(digits), &suffix, why) < 0)
		return -1;
	v = strtonum(digits, 0, LLONG_MAX, &errstr);
	if (errstr != NULL) {
		*why = "size too large";
		return -1;
	}
	if (strcmp(suffix, "") == 0 || strcmp(suffix, "B") == 0)
		goto done;
	switch (suffix[0]) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default: shift = 0; break;
	}
	for (i = 0; shift != 0 && i < SR_ARRAY_SIZE(tails); i++)
		if (strcmp(suffix + 1, tails[i]) == 0)
			break;
	if (shift == 0 || i == SR_ARRAY_SIZE(tails)) {
		*why = "unknown unit (use K, M, G or T, e.g. 64K, 512M, 1G)";
		return -1;
	}
	mult = (uint64_t)1 << shift;
done:
	/* UINT64_MAX itself is SR_UNLIMITED: never produce it from a number. */
	if ((uint64_t)v > (UINT64_MAX - 1) / mult) {
		*why = "size too large";
		return -1;
	}
	*bytes = (uint64_t)v * mult;
	return 0;
}

int
sr_parse_cpus(const char *s, uint64_t *milli, const char **why)
{
	uint64_t v = 0;
	int frac = -1;

	if (s == NULL || !isdigit((unsigned char)*s)) {
		*why = "must be a number of CPUs (0.5, 2)";
		return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s == '.' && frac < 0 && isdigit((unsigned char)s[1])) {
			frac = 0;
			continue;
		}
		if (!isdigit((unsigned char)*s) || frac >= 3 ||
		    v > (uint64_t)SR_CPUS_MAX * 1000) {
			*why = frac >= 3 ? "at most 3 decimals" :
			    "must be a number of CPUs (0.5, 2)";
			return -1;
		}
		v = v * 10 + (uint64_t)(*s - '0');
		if (frac >= 0)
			frac++;
	}
	for (frac = frac < 0 ? 0 : frac; frac < 3; frac++)
		v *= 10;
	if (v < 10 || v > (uint64_t)SR_CPUS_MAX * 1000) {
		*why = "must be between 0.01 and 1024";
		return -1;
	}
	*milli = v;
	return 0;
}

int
sr_parse_count(const char *s, uint64_t max, uint64_t *out, const char **why)
{
	const char *errstr;
	long long v;

	if (s == NULL || *s == '\0' || !isdigit((unsigned char)*s)) {
		*why = "must be a non-negative integer";
		return -1;
	}
	v = strtonum(s, 0, max > LLONG_MAX ? LLONG_MAX : (long long)max,
	    &errstr);
	if (errstr != NULL) {
		*why = errno == ERANGE ? "number out of range" :
		    "must be a non-negative integer";
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

char *
sr_fmt_size(uint64_t b, char *buf, size_t len)
{
	static const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	size_t i = 0;
	double v = (double)b;

	if (b == SR_UNLIMITED) {
		snprintf(buf, len, "unlimited");
		return buf;
	}
	/* Go up a unit also when one decimal would round to 1024.0. */
	while ((v >= 1024 || (i > 0 && v >= 1023.95)) &&
	    i + 1 < SR_ARRAY_SIZE(u)) {
		v /= 1024;
		i++;
	}
	if (i == 0 || v == (double)(uint64_t)v)
		snprintf(buf, len, "%" PRIu64 " %s", (uint64_t)v, u[i]);
	else
		snprintf(buf, len, "%.1f %s", v, u[i]);
	return buf;
}

char *
sr_fmt_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms == SR_UNLIMITED)
		snprintf(buf, len, "unlimited");
	else if (ms < 1000)
		snprintf(buf, len, "%" PRIu64 " ms", ms);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 " s", ms / 1000);
	else {
		/* "1.5 s", "1.25 s": two decimals at most, no trailing 0. */
		uint64_t cs = ms / 10 + (ms % 10 >= 5);	/* centiseconds */

		if (cs % 100 == 0)
			snprintf(buf, len, "%" PRIu64 " s", cs / 100);
		else if (cs % 10 == 0)
			snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " s", cs / 100,
			    cs / 10 % 10);
		else
			snprintf(buf, len, "%" PRIu64 ".%02" PRIu64 " s",
			    cs / 100, cs % 100);
	}
	return buf;
}

int
sr_read_fd(int fd, size_t max, char **out, size_t *outlen)
{
	size_t cap = 4096, len = 0;
	char *buf = sr_xmalloc(cap + 1);
	ssize_t n;

	for (;;) {
		if (len == cap) {
			if (cap >= max + 1) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = sr_xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			errno = EFBIG;
			return -1;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

int
sr_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

const char *
sr_printable(const char *s, size_t max, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s != '\0' && o + 5 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (o >= max) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", ch);
	}
	buf[o] = '\0';
	return buf;
}

bool
sr_path_has_dotdot(const char *p)
{
	const char *c = p;

	while ((c = strstr(c, "..")) != NULL) {
		if ((c == p || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
			return true;
		c += 2;
	}
	return false;
}

uint64_t
sr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
sr_now_ms(void)
{
	return sr_now_ns() / 1000000u;
}

int
sr_stdio_detach(void)
{
	int nul, i;

	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		for (i = 0; i < 3; i++)
			(void)dup2(nul, i);
		if (nul > 2)
			close(nul);
	}
	return chdir("/");
}

ssize_t
sr_read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (len == 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0) {
		if (n == 0)
			errno = ENODATA;
		return -1;
	}
	buf[n] = '\0';
	return n;
}

long long
sr_proc_status(long pid, const char *key)
{
	char path[64], buf[4096], *p;
	long long v;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (sr_read_text(path, buf, sizeof(buf)) < 0 ||
	    (p = strstr(buf, key)) == NULL ||
	    sscanf(p + strlen(key), "%lld", &v) != 1)
		return -1;
	return v;
}
