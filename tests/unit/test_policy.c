/* test_policy.c - policy parsing, validation, loading and merging. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sha2.h>

#include "json_scan.h"
#include "policy.h"
#include "policy_int.h"
#include "tap.h"
#include "util.h"

static char srcdir[PATH_MAX];

static void
find_srcdir(void)
{
	const char *e = getenv("SANDRUN_SRCDIR");
	char *s;

	if (e != NULL && *e != '\0') {
		snprintf(srcdir, sizeof(srcdir), "%s", e);
		return;
	}
	snprintf(srcdir, sizeof(srcdir), "%s", __FILE__);
	if ((s = strstr(srcdir, "tests/unit/test_policy.c")) != NULL)
		*(s == srcdir ? s : s - 1) = '\0';
	if (srcdir[0] == '\0')
		snprintf(srcdir, sizeof(srcdir), ".");
}

static char *
slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t l = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (sr_read_fd(fd, 64 << 20, &buf, &l) < 0)
		buf = NULL;
	close(fd);
	if (len != NULL)
		*len = l;
	return buf;
}

static int
parse_str(const char *s, struct sr_policy **p, struct sr_diag *d)
{
	return sr_policy_parse(s, strlen(s), "t.json", p, d);
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted file names in dir ending with suffix; caller frees. */
static char **
list_dir(const char *dir, const char *prefix, const char *suffix, size_t *n)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char **v = NULL;

	*n = 0;
	if (dp == NULL)
		return NULL;
	while ((de = readdir(dp)) != NULL) {
		size_t l = strlen(de->d_name), sl = strlen(suffix);

		if (l < sl || strcmp(de->d_name + l - sl, suffix) != 0 ||
		    strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		v = sr_xrealloc(v, (*n + 2) * sizeof(*v));
		v[(*n)++] = sr_xstrdup(de->d_name);
		v[*n] = NULL;
	}
	closedir(dp);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), cmp);
	return v;
}

/* parse(to_json(p)) gives the same canonical JSON. */
static int
round_trip(const struct sr_policy *p)
{
	char *j1 = sr_policy_to_json(p), *j2 = NULL;
	struct sr_policy *q = NULL;
	struct sr_diag d;
	int r = 0;

	if (sr_policy_parse(j1, strlen(j1), "canonical.json", &q, &d) == 0) {
		j2 = sr_policy_to_json(q);
		r = strcmp(j1, j2) == 0 && q->n_mounts == p->n_mounts &&
		    q->limits.memory == p->limits.memory &&
		    q->syscalls.n_allow == p->syscalls.n_allow &&
		    q->n_env == p->n_env;
	} else
		printf("# round trip: %s\n", d.msg);
	free(j1);
	free(j2);
	sr_policy_free(q);
	return r;
}

/* The lazily computed digest is the sha256 of the canonical JSON, and a
 * change hashed again gives a new one. */
static int
hash_is_of_json(struct sr_policy *p)
{
	char *j = sr_policy_to_json(p), want[65], was[65];
	int r;

	SHA256Data((const uint8_t *)j, strlen(j), want);
	free(j);
	r = strcmp(sr_policy_sha256(p), want) == 0;
	strlcpy(was, sr_policy_sha256(p), sizeof(was));
	p->limits.wall_ms++;
	sr_policy_hash(p);
	r = r && strcmp(sr_policy_sha256(p), was) != 0;
	p->limits.wall_ms--;
	sr_policy_hash(p);
	return r && strcmp(sr_policy_sha256(p), was) == 0;
}

/* A quote, backslash or control byte at every offset of a long string is
 * found where it is (json_scan.c reads plain bytes eight at a time). */
static int
scan_finds_every_offset(void)
{
	static const char bad[] = { '"', '\\', '\x01', '\x1f', '\n' };
	char buf[64];
	const char *why;
	size_t off;
	int r;

	for (size_t k = 0; k < 40; k++)
		for (size_t b = 0; b < sizeof(bad); b++) {
			memset(buf, 'a', sizeof(buf));
			buf[0] = '"';
			buf[1 + k] = bad[b];
			buf[1 + k + 1] = bad[b] == '\\' ? 'q' : 'a';
			buf[sizeof(buf) - 1] = '"';
			r = sr_json_scan(buf, sizeof(buf), 8, &off, &why);
			/* a quote ends the string early (trailing data
			 * after it), "\q" is reported after the q */
			if (r != -1 || off != (bad[b] == '"' ? 2 + k :
			    bad[b] == '\\' ? 3 + k : 1 + k)) {
				printf("# offset %zu byte %#x: r %d off %zu "
				    "%s\n", k, bad[b], r, off, why);
				return 0;
			}
		}
	/* and \x80-\xff bytes are plain */
	memset(buf, '\xc3', sizeof(buf));
	for (size_t i = 2; i < sizeof(buf) - 1; i += 2)
		buf[i] = '\xa9';
	buf[0] = '"';
	buf[sizeof(buf) - 1] = '"';
	return sr_json_scan(buf, sizeof(buf), 8, &off, &why) == 0;
}

/* sr_pjoin gives what snprintf "%s.%s" (or "%s" without a path) gave,
 * at every buffer size. */
static int
pjoin_as_snprintf(void)
{
	char got[32], want[32];

	for (size_t len = 1; len <= sizeof(got); len++) {
		sr_pjoin(got, len, "filesystem[3]", "dst");
		snprintf(want, len, "%s.%s", "filesystem[3]", "dst");
		if (strcmp(got, want) != 0)
			return 0;
		sr_pjoin(got, len, "", "limits\x01");
		snprintf(want, len, "%s", "limits\\x01");
		if (strcmp(got, want) != 0)
			return 0;
	}
	return 1;
}

static size_t
count_fixtures(const char *kind)
{
	char dir[PATH_MAX + 64];
	size_t n;
	char **f;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/policies/%s", srcdir,
	    kind);
	f = list_dir(dir, "", ".json", &n);
	sr_strv_free(f);
	return n;
}

static void
test_valid(void)
{
	char dir[PATH_MAX + 64], path[PATH_MAX * 2];
	size_t n;
	char **f;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/policies/valid", srcdir);
	f = list_dir(dir, "", ".json", &n);
	ok(n >= 5, "valid fixtures found (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		struct sr_policy *p = NULL;
		struct sr_diag d;
		size_t len;
		char *buf;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, f[i]);
		buf = slurp(path, &len);
		r = buf != NULL ? sr_policy_parse(buf, len, f[i], &p, &d) : -1;
		if (!ok(r == 0, "valid/%s parses", f[i]))
			printf("# %s\n", buf ? d.msg : "unreadable");
		if (r == 0 && p->extends == NULL)
			ok(round_trip(p), "valid/%s round trips", f[i]);
		else
			skip(1, "extends another policy: no round trip alone");
		sr_policy_free(p);
		free(buf);
	}
	sr_strv_free(f);
}

static void
test_invalid(void)
{
	char dir[PATH_MAX + 64], path[PATH_MAX * 2];
	size_t n;
	char **f;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/policies/invalid",
	    srcdir);
	f = list_dir(dir, "", ".json", &n);
	ok(n >= 40, "at least 40 invalid fixtures (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		struct sr_policy *p = NULL;
		struct sr_diag d;
		char *buf, *want;
		size_t len, wl;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, f[i]);
		buf = slurp(path, &len);
		strcpy(path + strlen(path) - 5, ".err");
		want = slurp(path, &wl);
		while (want != NULL && wl > 0 && want[wl - 1] == '\n')
			want[--wl] = '\0';
		memset(&d, 0, sizeof(d));
		r = buf != NULL ? sr_policy_parse(buf, len, f[i], &p, &d) : 0;
		if (!ok(r == -1 && p == NULL && d.kind == SR_DIAG_USAGE,
		    "invalid/%s is refused", f[i]))
			sr_policy_free(p);
		else
			is_str(d.msg, want, f[i]);
		free(buf);
		free(want);
	}
	sr_strv_free(f);
}

static void
expect_error(const char *doc, const char *want, const char *name)
{
	struct sr_policy *p = NULL;
	struct sr_diag d;

	memset(&d, 0, sizeof(d));
	if (parse_str(doc, &p, &d) == 0) {
		ok(0, "%s: refused", name);
		sr_policy_free(p);
		return;
	}
	if (!ok(strstr(d.msg, want) != NULL, "%s", name))
		printf("#   got: %s\n#   want substring: %s\n", d.msg, want);
}

static void
test_inline(void)
{
	static const char doc[] = "{\"limits\": {\"memory\": %s}, \"extends\": "
	    "\"base\"}";
	struct sr_policy *p = NULL;
	struct sr_diag d;
	char buf[256], *deep;
	size_t n = 100000;

	snprintf(buf, sizeof(buf), doc, "1e999");
	expect_error(buf, "t.json: limits.memory: number out of range", "1e999");
	snprintf(buf, sizeof(buf), doc, "18446744073709551616");
	expect_error(buf, "t.json: limits.memory: number out of range", "2^64");
	snprintf(buf, sizeof(buf), doc, "9007199254740993");
	expect_error(buf, "number out of range", "2^53+1");
	snprintf(buf, sizeof(buf), doc, "-1");
	expect_error(buf, "limits.memory: must not be negative", "-1");
	snprintf(buf, sizeof(buf), doc, "1.5");
	expect_error(buf, "limits.memory: must be an integer", "1.5");
	snprintf(buf, sizeof(buf), doc, "\"1.5G\"");
	expect_error(buf, "limits.memory: invalid size", "\"1.5G\"");
	expect_error("{\"extends\": \"base\", \"limits\": {\"memroy\": \"1G\"}}",
	    "t.json: limits.memroy: unknown key", "memroy typo");
	expect_error("{\"extends\": \"base\", \"hostname\": \"a\", "
	    "\"hostname\": \"b\"}", "t.json: hostname: duplicate key",
	    "duplicate key");
	expect_error("{\"extends\": \"base\", \"env\": {\"PATH\": \"/bin\", "
	    "\"Path\": \"/x\"}}", "env.Path: key differs only in case",
	    "case-variant key");
	expect_error("{\"extends\": \"base\"} {}", "trailing data",
	    "trailing data");
	expect_error("{\"extends\": \"base\"}\n\x01", "trailing data",
	    "trailing control byte (cJSON skips it)");
	ok(sr_policy_parse("{\"extends\": \"base\"}\0 ", 21, "t.json", &p, &d)
	    == -1 && strstr(d.msg, "NUL byte") != NULL, "NUL before len");
	expect_error("\xef\xbb\xbf{\"extends\": \"base\"}", "byte order mark",
	    "BOM");
	expect_error("{\"extends\": \"base\", \"description\": \"\xff\"}",
	    "invalid UTF-8", "invalid UTF-8");
	expect_error("{\"extends\": \"base\", \"description\": \"\xed\xa0\x80\"}",
	    "invalid UTF-8", "UTF-8 encoded surrogate");
	/* positions past the eight-byte ASCII fast path and inside a long
	 * plain string (policy_scan.c, json_scan.c) */
	expect_error("{\"extends\": \"base\",\n \"description\": \"abc\xc3\xa9"
	    "defghijkl\xff\"}", "line 2, column 31: invalid UTF-8",
	    "invalid UTF-8 after ASCII and a valid sequence: position");
	expect_error("{\"extends\": \"base\", \"description\": \"0123456789"
	    "abcdef\x01\"}", "line 1, column 53: invalid JSON: control "
	    "character in string", "control byte in a long string: position");
	expect_error("{\"extends\": \"base\", \"description\": \"0123456789"
	    "abcdef\\q\"}", "line 1, column 55: invalid JSON: invalid escape",
	    "bad escape in a long string: position");
	expect_error("{\"extends\": \"base\", \"description\": \"0123456789",
	    "line 1, column 47: invalid JSON: unterminated string",
	    "unterminated long string");
	ok(scan_finds_every_offset(), "json scan: every offset of a string");
	ok(pjoin_as_snprintf(), "key paths: as snprintf, truncation included");
	expect_error("", "empty file", "empty");
	expect_error("   \n", "no JSON value", "whitespace only");
	expect_error("null", "top level must be a JSON object, not null", "null");
	expect_error("42", "not a number", "number");
	expect_error("{\"extends\": \"base\", \"limits\": {\"memory\": \"unlimted\"}}",
	    "limits.memory: invalid size 'unlimted'", "unlimited typo is an error");

	/* 10^5 open brackets: refused cleanly, no recursion */
	deep = sr_xmalloc(n + 1);
	memset(deep, '[', n);
	deep[n] = '\0';
	expect_error(deep, "nested too deeply", "10^5 '['");
	for (size_t i = 0; i + 5 <= n; i += 5)
		memcpy(deep + i, "{\"a\":", 5);
	expect_error(deep, "nested too deeply", "10^5 '{\"a\":'");
	free(deep);
	/* nesting just under the limit is fine for the scanner (then refused
	 * by the schema) */
	{
		char b[SR_POLICY_DEPTH_MAX * 2 + 64];
		int k = 0;

		k += sprintf(b + k, "{\"env\":");
		for (int i = 0; i < SR_POLICY_DEPTH_MAX - 1; i++)
			b[k++] = '[';
		for (int i = 0; i < SR_POLICY_DEPTH_MAX - 1; i++)
			b[k++] = ']';
		b[k++] = '}';
		b[k] = '\0';
		expect_error(b, "env: must be an object", "depth at the limit");
	}
}

static void
test_key_variants(void)
{
	static const char *const keys[] = { "PATH", "home", "Path", "HOME",
		"PATH", "x", "path", "X_1", "x" };
	static const size_t want[] = { 0, 1, 0, 1, 0, 5, 0, 7, 5 };
	size_t first[SR_ARRAY_SIZE(keys)], n = 70000, i;
	const char **many;
	char **names;
	bool all = true;

	sr_policy_key_variants(keys, SR_ARRAY_SIZE(keys), first);
	for (i = 0; i < SR_ARRAY_SIZE(keys); i++)
		all = all && first[i] == want[i];
	ok(all, "key variants: each key points at the first of its case class");

	/* 70,000 distinct keys and one case variant of the first at the end:
	 * sorted, so this is instant rather than 2.4e9 comparisons. */
	many = sr_xcalloc(n + 1, sizeof(*many));
	names = sr_xcalloc(n + 1, sizeof(*names));
	for (i = 0; i < n; i++) {
		sr_xasprintf(&names[i], "K%06zu", i);
		many[i] = names[i];
	}
	many[n] = "k000000";
	{
		size_t *f = sr_xcalloc(n + 1, sizeof(*f));

		sr_policy_key_variants(many, n + 1, f);
		all = f[n] == 0;
		for (i = 0; i < n; i++)
			all = all && f[i] == i;
		ok(all, "key variants: 70,000 distinct keys, one late variant");
		free(f);
	}
	sr_strv_free(names);
	free(many);

	expect_error("{\"extends\": \"base\", \"env\": {\"A\": \"1\", "
	    "\"B\": \"2\", \"a\": \"3\", \"A\": \"4\"}}",
	    "t.json: env.a: key differs only in case from 'A'\n"
	    "t.json: env.A: duplicate key", "env: case variant then duplicate");
	expect_error("{\"extends\": \"base\", \"env\": {\"Ab\": \"1\", "
	    "\"aB\": \"2\", \"AB\": \"3\"}}",
	    "env.aB: key differs only in case from 'Ab'\n"
	    "t.json: env.AB: key differs only in case from 'Ab'",
	    "env: variants name the first key");
}

static void
test_jsontestsuite(void)
{
	char dir[PATH_MAX + 64], path[PATH_MAX * 2];
	size_t n, refused = 0, total = 0, other = 0;
	char **f;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/jsontestsuite", srcdir);
	f = list_dir(dir, "", ".json", &n);
	ok(n >= 300, "JSONTestSuite cases found (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		struct sr_policy *p = NULL;
		struct sr_diag d;
		size_t len;
		char *buf;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, f[i]);
		if ((buf = slurp(path, &len)) == NULL)
			continue;
		d.msg[0] = '\0';
		r = sr_policy_parse(buf, len, f[i], &p, &d);
		if (f[i][0] == 'n') {
			total++;
			if (r == -1 && p == NULL && d.msg[0] != '\0')
				refused++;
			else
				printf("# NOT refused: %s\n", f[i]);
		} else
			other++;
		sr_policy_free(p);
		free(buf);
	}
	ok(total > 150 && refused == total,
	    "every n_ case refused with a message (%zu/%zu)", refused, total);
	ok(other > 0, "y_/i_ cases ran without crashing (%zu)", other);
	sr_strv_free(f);
}

static struct sr_policy *
load(const char *name, struct sr_diag *d)
{
	struct sr_policy *p = NULL;

	memset(d, 0, sizeof(*d));
	if (sr_policy_load(name, &p, d) < 0)
		return NULL;
	return p;
}

static bool
has(char **v, const char *s)
{
	for (; v != NULL && *v != NULL; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

static void
test_load(void)
{
	char dir[PATH_MAX + 64];
	struct sr_policy *p;
	struct sr_diag d;

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/policies/load", srcdir);
	setenv("SANDRUN_POLICY_PATH", dir, 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent-sandrun-test", 1);

	p = load("child", &d);
	if (ok(p != NULL, "extends: child loads")) {
		ok(p->limits.memory == 1024ULL << 20, "child overrides memory");
		ok(p->limits.tmpfs_tmp == 8ULL << 20 &&
		    p->limits.tmpfs_work == 64ULL << 20,
		    "nested object merges key by key");
		ok(p->limits.cpu_ms == 10000, "parent limit inherited");
		ok(p->n_mounts == 3 && strcmp(p->mounts[2].src, "/opt/tool") == 0 &&
		    p->mounts[2].optional, "filesystem append");
		ok(has(p->syscalls.allow, "getpid") &&
		    !has(p->syscalls.allow, "openat") &&
		    has(p->syscalls.deny, "openat"),
		    "syscalls.allow append, deny wins");
		ok(!has(p->env, "HOME=/home/sandbox") &&
		    has(p->env, "LANG=C.UTF-8") &&
		    has(p->env, "PATH=/usr/bin:/bin") && p->n_env == 2,
		    "env: null removes, others merge");
		is_str(p->name, "child", "name set");
		is_str(p->extends, "root", "extends kept for printing");
		ok(p->path != NULL && p->path[0] == '/' &&
		    strstr(p->path, "load/child.json") != NULL, "absolute path");
		ok(sr_policy_sha256(p)[0] == '\0', "sha256 left to the caller");
		sr_policy_hash(p);
		ok(strlen(sr_policy_sha256(p)) == 64,
		    "sha256 filled by sr_policy_hash");
		ok(hash_is_of_json(p), "sha256 is that of the canonical JSON");
		ok(round_trip(p), "merged policy round trips");
		sr_policy_free(p);
	} else
		printf("# %s\n", d.msg);

	p = load("grandchild", &d);
	if (ok(p != NULL, "grandchild loads"))
		ok(p->n_mounts == 1 && p->limits.memory == 1024ULL << 20 &&
		    strcmp(p->hostname, "grand") == 0,
		    "list replaced, chain of three merged");
	sr_policy_free(p);

	p = load("relpath", &d);
	ok(p != NULL && strcmp(p->hostname, "rel") == 0,
	    "extends by relative path");
	sr_policy_free(p);

	p = load("cyc-a", &d);
	ok(p == NULL, "cycle refused");
	is_str(d.msg, "cyc-a.json: extends: cycle cyc-a -> cyc-b -> cyc-a",
	    "cycle message");
	p = load("self", &d);
	ok(p == NULL, "self cycle refused");
	is_str(d.msg, "self.json: extends: cycle self -> self", "self cycle message");
	p = load("deep-00", &d);
	ok(p == NULL, "chain deeper than 16 refused");
	is_str(d.msg, "deep-00.json: extends: chain longer than 16 policies",
	    "depth message");
	p = load("ok-deep", &d);
	ok(p != NULL, "chain of 16 accepted");
	sr_policy_free(p);
	p = load("missing-parent", &d);
	ok(p == NULL && strncmp(d.msg, "missing-parent.json: extends: policy "
	    "'nope' not found", 49) == 0, "missing parent");
	p = load("child-bad", &d);
	ok(p == NULL, "bad child refused");
	is_str(d.msg, "child-bad.json: limits.memroy: unknown key",
	    "child error names the child file");
	p = load("parent-bad-name", &d);
	ok(p == NULL && strstr(d.msg, "policy name 'Root' is invalid") != NULL,
	    "parent name validated");
	p = load("child-breaks-workdir", &d);
	ok(p == NULL && strstr(d.msg, "child-breaks-workdir.json: filesystem[2]"
	    ".dst: must not be over or inside the work dir") != NULL,
	    "completeness checked after merge");
	sr_policy_free(p);
}

static void
test_names(void)
{
	static const char *const bad[] = { "A", "%n", "%n%s%s", "", "-x",
		".x", "a b", "a\nb", "Python", "x\x01", NULL };
	char long_name[80];
	struct sr_policy *p;
	struct sr_diag d;

	for (size_t i = 0; bad[i] != NULL; i++) {
		char want[128];

		p = load(bad[i], &d);
		snprintf(want, sizeof(want), "policy name '");
		ok(p == NULL && strncmp(d.msg, want, strlen(want)) == 0 &&
		    strstr(d.msg, "is invalid: use [a-z0-9._-] or a path "
		    "containing '/'") != NULL, "name %zu refused", i);
		sr_policy_free(p);
	}
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	p = load(long_name, &d);
	ok(p == NULL && strstr(d.msg, "is invalid") != NULL, "65 chars refused");
	long_name[64] = '\0';
	p = load(long_name, &d);
	ok(p == NULL && strstr(d.msg, "not found") != NULL,
	    "64 chars is a valid name (not found)");
	p = load("../x", &d);
	ok(p == NULL && d.kind == SR_DIAG_USAGE, "../x is a path: not found");
	p = load("/proc/self/environ", &d);
	ok(p == NULL && strstr(d.msg, "not a regular file") != NULL,
	    "/proc/self/environ via path refused");
}

static void
test_files(void)
{
	char tmpl[] = "/tmp/sr-test-policy.XXXXXX", path[256], target[PATH_MAX + 64];
	struct sr_policy *p;
	struct sr_diag d;
	char *dir = mkdtemp(tmpl), *big;
	FILE *fp;

	if (!ok(dir != NULL, "temp dir"))
		return;
	alarm(20);	/* a hang fails the test instead of blocking make check */
	snprintf(path, sizeof(path), "%s/fifo.json", dir);
	ok(mkfifo(path, 0600) == 0, "mkfifo");
	p = load(path, &d);
	ok(p == NULL && strstr(d.msg, "not a regular file") != NULL,
	    "FIFO refused without hanging");
	setenv("SANDRUN_POLICY_PATH", dir, 1);
	p = load("fifo", &d);
	ok(p == NULL && strstr(d.msg, "not a regular file") != NULL,
	    "FIFO by name refused");
	p = load("/dev/zero", &d);
	ok(p == NULL && strstr(d.msg, "not a regular file") != NULL,
	    "/dev/zero refused");
	snprintf(target, sizeof(target), "%s/tests/fixtures/policies/load/root.json",
	    srcdir);
	snprintf(path, sizeof(path), "%s/link.json", dir);
	ok(symlink(target, path) == 0, "symlink");
	p = load("link", &d);
	ok(p == NULL && strstr(d.msg, "symbolic link") != NULL,
	    "symlink refused");
	snprintf(path, sizeof(path), "%s/big.json", dir);
	fp = fopen(path, "w");
	big = sr_xcalloc(1, SR_POLICY_FILE_MAX + 2);
	memset(big, ' ', SR_POLICY_FILE_MAX + 1);
	fwrite(big, 1, SR_POLICY_FILE_MAX + 1, fp);
	fclose(fp);
	free(big);
	p = load("big", &d);
	ok(p == NULL && strstr(d.msg, "larger than") != NULL, "too large refused");
	snprintf(path, sizeof(path), "%s/secret.json", dir);
	fp = fopen(path, "w");
	fputs("root:$6$supersecret:19000:0:99999:7:::\n", fp);
	fclose(fp);
	p = load("secret", &d);
	ok(p == NULL && strstr(d.msg, "supersecret") == NULL,
	    "messages never echo file contents");
	snprintf(path, sizeof(path), "%s/ghost.json", dir);
	fp = fopen(path, "w");
	fputs("{\"extends\": \"root\", \"description\": \"ghost\", \"run\": "
	    "{\"command\": [\"/nonexistent/bin/ghost\", \"{code}\"]}}\n", fp);
	fclose(fp);
	{
		char pp[PATH_MAX * 2 + 8];
		struct sr_policy_entry *e = NULL;
		size_t n = 0, i;
		bool found = false;

		snprintf(pp, sizeof(pp), "%s:%s/tests/fixtures/policies/load", dir,
		    srcdir);
		setenv("SANDRUN_POLICY_PATH", pp, 1);
		ok(sr_policy_list(&e, &n, &d) == 0 && n > 5, "list (%zu)", n);
		for (i = 0; i < n; i++)
			if (strcmp(e[i].name, "ghost") == 0) {
				found = true;
				is_str(e[i].problem, "ghost not installed "
				    "(/nonexistent/bin/ghost missing)",
				    "list: problem for a missing interpreter");
				is_str(e[i].description, "ghost", "list: description");
			}
		ok(found, "list finds ghost");
		for (i = 0; i < n; i++)
			if (strcmp(e[i].name, "fifo") == 0)
				ok(e[i].problem != NULL, "list: fifo has a problem");
		sr_policy_list_free(e, n);
	}
	alarm(0);
	snprintf(path, sizeof(path), "%s/fifo.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/link.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/big.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/secret.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ghost.json", dir);
	unlink(path);
	rmdir(dir);
}

static void
test_shipped(void)
{
	static const char *const names[] = { "base", "python", "sh", "bash",
		"node", "strict", NULL };
	char dir[PATH_MAX + 64];
	struct sr_policy *p;
	struct sr_diag d;

	snprintf(dir, sizeof(dir), "%s/policies", srcdir);
	setenv("SANDRUN_POLICY_PATH", dir, 1);
	for (size_t i = 0; names[i] != NULL; i++) {
		const struct sr_limits *l;

		p = load(names[i], &d);
		if (!ok(p != NULL, "shipped %s loads", names[i])) {
			printf("# %s\n", d.msg);
			continue;
		}
		l = &p->limits;
		ok(l->memory != SR_UNLIMITED && l->processes != SR_UNLIMITED &&
		    l->output != SR_UNLIMITED && l->wall_ms != SR_UNLIMITED &&
		    l->cpu_ms != SR_UNLIMITED, "shipped %s: bounded limits",
		    names[i]);
		ok(round_trip(p), "shipped %s round trips", names[i]);
		sr_policy_free(p);
	}
	p = load("python", &d);
	if (p != NULL) {
		ok(p->limits.wall_ms == 10000 && p->limits.memory == 512ULL << 20 &&
		    p->limits.processes == 64 && p->limits.output == 1ULL << 20 &&
		    p->error_rule == SR_ERROR_RULE_PYTHON, "python limits");
		sr_policy_free(p);
	}
	p = load("strict", &d);
	if (p != NULL) {
		ok(p->limits.wall_ms == 5000 && p->limits.memory == 128ULL << 20 &&
		    p->limits.processes == 8 && p->limits.output == 256ULL << 10,
		    "strict limits");
		sr_policy_free(p);
	}
}

int
main(void)
{
	signal(SIGALRM, SIG_DFL);
	find_srcdir();
	printf("# srcdir %s\n", srcdir);
	/* 2 results per fixture file, and the fixed ones */
	TAP_PLAN(115 + 2 * (int)count_fixtures("valid") +
	    2 * (int)count_fixtures("invalid"));
	test_valid();
	test_invalid();
	test_inline();
	test_key_variants();
	test_jsontestsuite();
	test_load();
	test_names();
	test_files();
	test_shipped();
	return tap_done();
}
