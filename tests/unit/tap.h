/* tap.h - a tiny TAP producer for the unit tests.
 *
 *	TAP_PLAN(n);  ok(cond, "name %d", x);  is_str(got, want, "name");
 *	skip(n, "why");  return tap_done();
 *
 * The plan comes first, so a test that never ran is noticed: tap_done()
 * fails when the count differs from the plan.  A path that cannot run
 * here calls skip() with the number of results it would have given.
 */
#ifndef SR_TAP_H
#define SR_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed, tap_planned = -1;

static inline void
tap_plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}
#define TAP_PLAN(n) tap_plan(n)

__attribute__((format(printf, 2, 3))) static inline int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline int
is_str(const char *got, const char *want, const char *name)
{
	int r = ok(got != NULL && want != NULL && strcmp(got, want) == 0,
	    "%s", name);

	if (!r)
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		    want ? want : "(null)");
	return r;
}

static inline void
skip(int n, const char *why)
{
	for (int i = 0; i < n; i++)
		printf("ok %d # SKIP %s\n", ++tap_n, why);
	fflush(stdout);
}

static inline int
tap_done(void)
{
	if (tap_planned >= 0 && tap_n != tap_planned) {
		printf("# planned %d tests but ran %d\n", tap_planned, tap_n);
		return 1;
	}
	return tap_failed ? 1 : 0;
}

#endif
