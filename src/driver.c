/* driver.c - init's side of the warm driver's control socket (driver.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "driver.h"
#include "fdpass.h"
#include "json_scan.h"
#include "utf8.h"
#include "util.h"

int
sr_driver_pair(int sv[2], struct sr_diag *d)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return sr_diag_errno(d, "warm driver: socketpair");
	return 0;
}

/* Wait for a record; 1 when one is there, 0 at timeout, -1 with d. */
static int
wait_readable(int ctl, int timeout_ms, const char *what, struct sr_diag *d)
{
	struct pollfd p = { .fd = ctl, .events = POLLIN };
	int k;

	do
		k = poll(&p, 1, timeout_ms);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return sr_diag_errno(d, "warm driver: poll");
	if (k == 0)
		return sr_diag_set(d, "warm driver: no %s within %d ms", what,
		    timeout_ms);
	return 1;
}

/* One record into a fresh NUL-terminated buffer of at most max bytes.
 * Returns its length, or -1 with d (EOF: the driver ended). */
static ssize_t
read_record(int ctl, size_t max, char **out, const char *what,
    struct sr_diag *d)
{
	char *buf;
	ssize_t n;

	do
		n = recv(ctl, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sr_diag_errno(d, "warm driver: read the %s", what);
	if (n == 0) {
		/* EOF, or an empty record: either way no message */
		(void)recv(ctl, NULL, 0, 0);
		return sr_diag_set(d, "warm driver: ended before its %s",
		    what);
	}
	if ((size_t)n > max) {
		(void)recv(ctl, NULL, 0, MSG_TRUNC);
		return sr_diag_set(d, "warm driver: %s of %zd bytes (at most %zu)",
		    what, n, max);
	}
	buf = sr_xmalloc((size_t)n + 1);
	do
		n = recv(ctl, buf, (size_t)n, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		free(buf);
		return sr_diag_set(d, "warm driver: read the %s", what);
	}
	buf[n] = '\0';
	*out = buf;
	return n;
}

/* cJSON of exactly len bytes of strict JSON, or NULL with d. */
static cJSON *
parse_strict(const char *buf, size_t len, const char *what,
    struct sr_diag *d)
{
	const char *why;
	size_t off;
	cJSON *root;

	if (sr_utf8_valid_prefix(buf, len) != len || memchr(buf, 0, len)) {
		sr_diag_set(d, "warm driver: %s: not UTF-8 text", what);
		return NULL;
	}
	if (sr_json_scan(buf, len, 8, &off, &why) < 0) {
		sr_diag_set(d, "warm driver: %s: byte %zu: %s", what, off, why);
		return NULL;
	}
	root = cJSON_ParseWithLength(buf, len);
	if (root == NULL || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		sr_diag_set(d, "warm driver: %s: not a JSON object", what);
		return NULL;
	}
	return root;
}

int
sr_driver_wait_ready(int ctl, int timeout_ms, struct sr_diag *d)
{
	cJSON *root, *v;
	char *buf = NULL;
	ssize_t n;
	int rc = -1;

	if (wait_readable(ctl, timeout_ms, "ready record", d) < 0)
		return -1;
	if ((n = read_record(ctl, 64, &buf, "ready record", d)) < 0)
		return -1;
	if ((root = parse_strict(buf, (size_t)n, "ready record", d)) != NULL) {
		v = cJSON_GetObjectItemCaseSensitive(root, "ready");
		if (cJSON_GetArraySize(root) == 1 && cJSON_IsTrue(v))
			rc = 0;
		else
			sr_diag_set(d, "warm driver: ready record: want {\"ready\": true}");
		cJSON_Delete(root);
	}
	free(buf);
	return rc;
}

char *
sr_driver_request(char *const *argv, char *const *envp, const char *cwd,
    const char *code, bool loop)
{
	cJSON *root = cJSON_CreateObject(), *a, *e;
	char *s;
	size_t i;

	a = cJSON_AddArrayToObject(root, "argv");
	for (i = 0; argv[i] != NULL; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
	e = cJSON_AddObjectToObject(root, "env");
	for (i = 0; envp[i] != NULL; i++) {
		const char *eq = strchr(envp[i], '=');
		char *name;

		if (eq == NULL)
			continue;
		name = sr_xstrndup(envp[i], (size_t)(eq - envp[i]));
		/* the last one wins, as getenv's first would not: keep the
		 * first, as the program's environment would give it */
		if (!cJSON_HasObjectItem(e, name))
			cJSON_AddStringToObject(e, name, eq + 1);
		free(name);
	}
	cJSON_AddStringToObject(root, "cwd", cwd);
	cJSON_AddStringToObject(root, "code", code);
	cJSON_AddBoolToObject(root, "loop", loop);
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

int
sr_driver_call(int ctl, const int stdio[3], const char *request,
    struct sr_diag *d)
{
	size_t len = strlen(request);

	if (len > SR_DRIVER_CALL_MAX)
		return sr_diag_set(d, "warm driver: call of %zu bytes (at most %u)",
		    len, SR_DRIVER_CALL_MAX);
	if (sr_fdpass_send(ctl, request, len, 0, stdio, 3) < 0)
		return sr_diag_errno(d, "warm driver: send the call");
	return 0;
}

/* "value" and "value_png": a string (copied) or null. */
static int
opt_string(const cJSON *root, const char *key, char **out, struct sr_diag *d)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);

	*out = NULL;
	if (cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return sr_diag_set(d, "warm driver: done record: %s must be a string or null",
		    key);
	*out = sr_xstrdup(v->valuestring);
	return 0;
}

int
sr_driver_parse_done(const char *buf, size_t len, struct sr_driver_done *out,
    struct sr_diag *d)
{
	struct sr_driver_done dn = { 0 };
	const cJSON *st;
	cJSON *root;
	int rc = -1;

	if (len > SR_DRIVER_DONE_MAX)
		return sr_diag_set(d, "warm driver: done record of %zu bytes",
		    len);
	if ((root = parse_strict(buf, len, "done record", d)) == NULL)
		return -1;
	st = cJSON_GetObjectItemCaseSensitive(root, "done");
	if (cJSON_GetArraySize(root) != 3 || !cJSON_IsNumber(st) ||
	    st->valuedouble != (double)(int)st->valuedouble ||
	    st->valuedouble < -255 || st->valuedouble > 255)
		sr_diag_set(d, "warm driver: done record: want \"done\" (an exit status), \"value\" and \"value_png\"");
	else if (opt_string(root, "value", &dn.value, d) == 0 &&
	    opt_string(root, "value_png", &dn.value_png, d) == 0) {
		dn.status = (int)st->valuedouble;
		*out = dn;
		dn.value = dn.value_png = NULL;
		rc = 0;
	}
	sr_driver_done_free(&dn);
	cJSON_Delete(root);
	return rc;
}

int
sr_driver_wait_done(int ctl, int timeout_ms, struct sr_driver_done *out,
    struct sr_diag *d)
{
	char *buf = NULL;
	ssize_t n;
	int rc;

	if (wait_readable(ctl, timeout_ms, "done record", d) < 0)
		return -1;
	if ((n = read_record(ctl, SR_DRIVER_DONE_MAX, &buf, "done record",
	    d)) < 0)
		return -1;
	rc = sr_driver_parse_done(buf, (size_t)n, out, d);
	free(buf);
	return rc;
}

void
sr_driver_done_free(struct sr_driver_done *dn)
{
	if (dn == NULL)
		return;
	free(dn->value);
	free(dn->value_png);
	dn->value = dn->value_png = NULL;
}

int
sr_driver_cpu_used(pid_t pid, unsigned long long *user_us,
    unsigned long long *sys_us)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	long hz = sysconf(_SC_CLK_TCK);

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (sr_read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	/* after the command name, which may hold anything but ends at
	 * the last ')': state is field 3, utime 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL || hz <= 0 ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st) != 2) {
		errno = EPROTO;
		return -1;
	}
	*user_us = ut * 1000000ull / (unsigned long long)hz;
	*sys_us = st * 1000000ull / (unsigned long long)hz;
	return 0;
}

int
sr_driver_peak_rss(pid_t pid, unsigned long long *kib)
{
	long long v = sr_proc_status((long)pid, "\nVmHWM:");

	if (v < 0) {
		errno = EPROTO;
		return -1;
	}
	*kib = (unsigned long long)v;
	return 0;
}
