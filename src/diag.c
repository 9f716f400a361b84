#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

static void
vfill(struct sr_diag *d, int kind, int err, const char *fmt, va_list ap)
{
	int n;

	d->kind = kind;
	d->err = err;
	n = vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	if (n < 0)
		n = 0;
	if (err != 0 && (size_t)n < sizeof(d->msg))
		snprintf(d->msg + n, sizeof(d->msg) - n, ": %s", strerror(err));
}

int
sr_diag_set(struct sr_diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfill(d, SR_DIAG_SETUP, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int
sr_diag_errno(struct sr_diag *d, const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	vfill(d, SR_DIAG_SETUP, err, fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

int
sr_diag_kind(struct sr_diag *d, int kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfill(d, kind, 0, fmt, ap);
	va_end(ap);
	return -1;
}
