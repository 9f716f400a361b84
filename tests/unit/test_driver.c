/* test_driver.c - init's side of the warm driver's control socket
 * (driver.h): the call it builds, the records it accepts. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "driver.h"
#include "tap.h"

static int
bad_done(const char *rec, const char *want)
{
	struct sr_driver_done dn;
	struct sr_diag d;
	int rc;

	memset(&d, 0, sizeof(d));
	rc = sr_driver_parse_done(rec, strlen(rec), &dn, &d);
	if (rc == 0)
		sr_driver_done_free(&dn);
	return ok(rc < 0 && strstr(d.msg, want) != NULL,
	    "done record refused: %s (%s)", rec, d.msg);
}

static void
test_request(void)
{
	char *argv[] = { (char *)"/usr/bin/python3", (char *)"-B",
		(char *)"/sandbox/main.py", (char *)"a b", (char *)"\"q\"",
		NULL };
	char *envp[] = { (char *)"PATH=/usr/bin", (char *)"X=1=2",
		(char *)"X=second", (char *)"E=", NULL };
	char *s = sr_driver_request(argv, envp, "/sandbox", "/sandbox/main.py",
	    false);
	cJSON *r = cJSON_Parse(s), *a, *e;

	a = cJSON_GetObjectItem(r, "argv");
	e = cJSON_GetObjectItem(r, "env");
	ok(cJSON_GetArraySize(a) == 5 &&
	    strcmp(cJSON_GetArrayItem(a, 3)->valuestring, "a b") == 0 &&
	    strcmp(cJSON_GetArrayItem(a, 4)->valuestring, "\"q\"") == 0,
	    "request: argv as given, quoted");
	ok(cJSON_GetArraySize(e) == 3 &&
	    strcmp(cJSON_GetObjectItem(e, "X")->valuestring, "1=2") == 0 &&
	    strcmp(cJSON_GetObjectItem(e, "E")->valuestring, "") == 0,
	    "request: env by name, the first of a name as getenv sees it");
	ok(strcmp(cJSON_GetObjectItem(r, "cwd")->valuestring, "/sandbox") == 0 &&
	    strcmp(cJSON_GetObjectItem(r, "code")->valuestring,
	    "/sandbox/main.py") == 0 &&
	    cJSON_IsFalse(cJSON_GetObjectItem(r, "loop")),
	    "request: cwd, code, loop");
	cJSON_Delete(r);
	free(s);
	s = sr_driver_request(argv, envp, "/w", "/w/m.py", true);
	r = cJSON_Parse(s);
	ok(cJSON_IsTrue(cJSON_GetObjectItem(r, "loop")), "request: loop mode");
	cJSON_Delete(r);
	free(s);
}

static void
test_call(void)
{
	union {
		char b[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} cb;
	struct iovec iov;
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	struct sr_diag d;
	char buf[256];
	int sv[2], p[2], stdio[3], got[3];
	ssize_t n;

	memset(&d, 0, sizeof(d));
	ok(sr_driver_pair(sv, &d) == 0 &&
	    (fcntl(sv[0], F_GETFD) & FD_CLOEXEC) &&
	    (fcntl(sv[1], F_GETFD) & FD_CLOEXEC), "pair: both close-on-exec");
	if (pipe(p) < 0)
		return;
	stdio[0] = open("/dev/null", O_RDONLY);
	stdio[1] = stdio[2] = p[1];
	ok(sr_driver_call(sv[0], stdio, "{\"x\": 1}", &d) == 0, "call sent");
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cb.b;
	mh.msg_controllen = sizeof(cb.b);
	n = recvmsg(sv[1], &mh, 0);
	cm = CMSG_FIRSTHDR(&mh);
	ok(n == 8 && memcmp(buf, "{\"x\": 1}", 8) == 0 && cm != NULL &&
	    cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(3 * sizeof(int)),
	    "call: one record, the JSON and three descriptors");
	if (cm != NULL) {
		memcpy(got, CMSG_DATA(cm), sizeof(got));
		ok(write(got[1], "o", 1) == 1 && read(p[0], buf, 1) == 1 &&
		    buf[0] == 'o', "call: stdout is the caller's pipe");
		close(got[0]);
		close(got[1]);
		close(got[2]);
	} else {
		ok(0, "call: stdout is the caller's pipe");
	}
	close(stdio[0]);
	close(p[0]);
	close(p[1]);

	/* ready: exactly {"ready": true} */
	ok(send(sv[1], "{\"ready\": true}", 15, 0) == 15 &&
	    sr_driver_wait_ready(sv[0], 1000, &d) == 0, "ready record");
	ok(send(sv[1], "{\"ready\": 1}", 12, 0) == 12 &&
	    sr_driver_wait_ready(sv[0], 1000, &d) < 0 &&
	    strstr(d.msg, "want {\"ready\": true}") != NULL,
	    "ready record: anything else refused (%s)", d.msg);
	ok(sr_driver_wait_ready(sv[0], 50, &d) < 0 &&
	    strstr(d.msg, "no ready record within 50 ms") != NULL,
	    "ready: timeout (%s)", d.msg);

	/* done: a round trip, then EOF */
	{
		struct sr_driver_done dn;
		const char *rec = "{\"done\": 3, \"value\": \"42\", \"value_png\": null}";
		char *big;

		ok(send(sv[1], rec, strlen(rec), 0) > 0 &&
		    sr_driver_wait_done(sv[0], 1000, &dn, &d) == 0 &&
		    dn.status == 3 && strcmp(dn.value, "42") == 0 &&
		    dn.value_png == NULL, "done record read");
		sr_driver_done_free(&dn);
		big = malloc(70000);
		memset(big, ' ', 70000);
		ok(send(sv[1], big, 70000, 0) == 70000 &&
		    sr_driver_wait_ready(sv[0], 1000, &d) < 0 &&
		    strstr(d.msg, "ready record of 70000 bytes") != NULL,
		    "an oversized record is refused and dropped (%s)", d.msg);
		free(big);
		close(sv[1]);
		ok(sr_driver_wait_done(sv[0], 1000, &dn, &d) < 0 &&
		    strstr(d.msg, "ended before its done record") != NULL,
		    "EOF: the driver ended (%s)", d.msg);
	}
	close(sv[0]);
}

/* The python policy's file entry ending in NAME, written into dir. */
static int
extract(const char *dir, const char *name)
{
	char path[PATH_MAX + 64], *buf;
	cJSON *root, *e;
	FILE *f;
	long n;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/python.json", SR_SRC_POLICYDIR);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	fclose(f);
	root = cJSON_Parse(buf);
	free(buf);
	e = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "filesystem"),
	    "append");
	for (e = e ? e->child : NULL; e != NULL; e = e->next) {
		cJSON *dst = cJSON_GetObjectItem(e, "dst");

		if (!cJSON_IsString(dst) ||
		    strcmp(strrchr(dst->valuestring, '/') + 1, name) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if ((f = fopen(path, "w")) != NULL) {
			fputs(cJSON_GetObjectItem(e, "content")->valuestring, f);
			rc = fclose(f);
		}
	}
	cJSON_Delete(root);
	return rc;
}

/* Init's side against the real python driver in loop mode (sessions):
 * the request sr_driver_request builds is what the driver parses, and
 * its done records are what sr_driver_wait_done accepts. */
static void
test_python_loop(void)
{
	char dir[] = "/tmp/sr-test-driver.XXXXXX", env_pp[PATH_MAX + 16],
	    script[PATH_MAX + 32], code[PATH_MAX + 32], out[256];
	char *envp[] = { env_pp, (char *)"MPLBACKEND=Agg",
		(char *)"PYTHONUNBUFFERED=1", NULL };
	char env_mpl[PATH_MAX + 32], rm[PATH_MAX + 16];
	char *cenv[] = { env_pp, (char *)"MPLBACKEND=Agg", env_mpl,
		(char *)SR_DRIVER_ENV, NULL };
	char *argv[] = { (char *)"/usr/bin/python3", (char *)"-B", script,
		NULL };
	struct sr_driver_done dn;
	struct sr_diag d;
	int sv[2], p[2], stdio[3], st = -1;
	ssize_t n;
	pid_t pid;
	char *req;
	FILE *f;

	memset(&d, 0, sizeof(d));
	if (access("/usr/bin/python3", X_OK) != 0 || mkdtemp(dir) == NULL ||
	    extract(dir, "sandrun_driver.py") < 0) {
		skip(6, "no python3 or no driver in the python policy");
		return;
	}
	snprintf(env_pp, sizeof(env_pp), "PYTHONPATH=%s", dir);
	snprintf(env_mpl, sizeof(env_mpl), "MPLCONFIGDIR=%s/mpl", dir);
	snprintf(script, sizeof(script), "%s/sandrun_driver.py", dir);
	snprintf(code, sizeof(code), "%s/main.py", dir);
	if (sr_driver_pair(sv, &d) < 0 || (pid = fork()) < 0)
		return;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		dup2(sv[1], SR_DRIVER_FD);	/* without close-on-exec */
		execve(argv[0], argv, cenv);
		_exit(127);
	}
	close(sv[1]);
	ok(sr_driver_wait_ready(sv[0], 60000, &d) == 0,
	    "python driver: ready (%s)", d.msg);
	stdio[0] = open("/dev/null", O_RDONLY);
	if (pipe(p) < 0)
		return;
	stdio[1] = stdio[2] = p[1];
	f = fopen(code, "w");
	fputs("import sys\nn = 6\nprint(sys.argv[1:], flush=True)\nn * 7\n", f);
	fclose(f);
	argv[2] = code;
	{
		char *cargv[] = { argv[0], argv[1], code, (char *)"x y", NULL };

		req = sr_driver_request(cargv, envp, dir, code, true);
	}
	ok(sr_driver_call(sv[0], stdio, req, &d) == 0 &&
	    sr_driver_wait_done(sv[0], 60000, &dn, &d) == 0 &&
	    dn.status == 0 && dn.value != NULL && strcmp(dn.value, "42") == 0,
	    "python driver: loop call 1 is done, its value 42 (%s)", d.msg);
	sr_driver_done_free(&dn);
	free(req);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	is_str(out, "['x y']\n", "python driver: stdout through the call's pipe");
	close(p[0]);
	f = fopen(code, "w");
	fputs("n += 1\nraise SystemExit(n)\n", f);
	fclose(f);
	if (pipe(p) < 0)
		return;
	stdio[1] = stdio[2] = p[1];
	{
		char *cargv[] = { argv[0], argv[1], code, NULL };

		req = sr_driver_request(cargv, envp, dir, code, true);
	}
	ok(sr_driver_call(sv[0], stdio, req, &d) == 0 &&
	    sr_driver_wait_done(sv[0], 60000, &dn, &d) == 0 &&
	    dn.status == 7 && dn.value == NULL,
	    "python driver: call 2 sees call 1's globals, SystemExit(7)");
	sr_driver_done_free(&dn);
	free(req);
	close(p[1]);
	close(p[0]);
	close(stdio[0]);
	close(sv[0]);
	ok(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "python driver: exits 0 at EOF");
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	ok(system(rm) == 0 && access(dir, F_OK) < 0,
	    "python driver: its directory removed");
}

int
main(void)
{
	struct sr_driver_done dn;
	struct sr_diag d;
	unsigned long long u = 0, s = 0;
	volatile unsigned long x = 0;
	unsigned long i;
	const char *rec;

	TAP_PLAN(34);
	test_request();
	test_call();
	test_python_loop();

	memset(&d, 0, sizeof(d));
	ok(sr_driver_parse_done("{\"done\":0,\"value\":null,\"value_png\":null}",
	    40, &dn, &d) == 0 && dn.status == 0 && dn.value == NULL,
	    "done: status 0, no value");
	sr_driver_done_free(&dn);
	rec = "{\"value_png\":\"iVBO\",\"done\":1,\"value\":\"<Figure>\"}";
	ok(sr_driver_parse_done(rec, strlen(rec), &dn, &d) == 0 && dn.status == 1 &&
	    strcmp(dn.value_png, "iVBO") == 0, "done: any key order, a figure");
	sr_driver_done_free(&dn);
	bad_done("{\"done\":0}", "want \"done\"");
	bad_done("{\"done\":0,\"value\":null,\"value_png\":null,\"x\":1}",
	    "want \"done\"");
	bad_done("{\"done\":0.5,\"value\":null,\"value_png\":null}",
	    "want \"done\"");
	bad_done("{\"done\":1e9,\"value\":null,\"value_png\":null}",
	    "want \"done\"");
	bad_done("{\"done\":\"0\",\"value\":null,\"value_png\":null}",
	    "want \"done\"");
	bad_done("{\"done\":0,\"value\":1,\"value_png\":null}",
	    "value must be a string or null");
	bad_done("{\"done\":0,\"value\":null,\"value_png\":[]}",
	    "value_png must be a string or null");
	bad_done("[1]", "not a JSON object");
	bad_done("{\"done\":0,", "done record: byte");
	bad_done("{\"done\":0,\"value\":\"\xff\",\"value_png\":null}",
	    "not UTF-8");

	for (i = 0; i < 400000000ul; i++)
		x += i;
	ok(sr_driver_cpu_used(getpid(), &u, &s) == 0 && u + s >= 10000,
	    "cpu used: read from /proc (%llu us user)", u);
	ok(sr_driver_cpu_used(0x7ffffff0, &u, &s) < 0 && errno == ENOENT,
	    "cpu used: no such process");
	return tap_done();
}
