/* bindrules.c - which host paths may be bound into the sandbox. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bindrules.h"

static bool
under(const char *p, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(p, prefix, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

bool
sr_bind_allowed(const char *src, bool writable, char *why, size_t len)
{
	static const char *const never[] = { "/proc", "/sys", "/dev", "/run",
		"/var/run", NULL };
	static const char *const not_rw[] = { "/usr", "/etc", "/bin", "/sbin",
		"/lib", "/lib64", "/boot", "/var", NULL };
	size_t i;

	if (strcmp(src, "/") == 0 || src[0] == '\0') {
		snprintf(why, len, "must not bind the host's /");
		return false;
	}
	for (i = 0; never[i] != NULL; i++)
		if (under(src, never[i])) {
			snprintf(why, len, "must not bind the host's %s",
			    never[i]);
			return false;
		}
	if (writable)
		for (i = 0; not_rw[i] != NULL; i++)
			if (under(src, not_rw[i])) {
				snprintf(why, len,
				    "must not bind the host's %s writable",
				    not_rw[i]);
				return false;
			}
	return true;
}
