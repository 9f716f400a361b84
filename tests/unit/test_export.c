/* test_export.c - the exporter without a sandbox: names, MIME guesses,
 * base64, the record stream end to end over a real directory (symlinks,
 * FIFOs, sparse files, bad names, inputs, --out with planted symlinks),
 * damaged and truncated streams.  (Python errors: test_pyerror.c.) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "report.h"
#include "tap.h"
#include "util.h"

static void
mime(const char *path, const char *data, size_t len, const char *want)
{
	char name[96];

	snprintf(name, sizeof(name), "mime %s -> %s", path, want);
	is_str(sr_export_mime(path, (const unsigned char *)data, len), want, name);
}

static void
test_mime(void)
{
	static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	static const char jpg[] = "\xff\xd8\xff\xe0\0\x10JFIF";
	static const char bin[] = "\x7f" "ELF\2\1\1\0\0\0";

	mime("a.png", png, sizeof(png) - 1, "image/png");
	mime("a.dat", png, sizeof(png) - 1, "image/png");
	mime("a.jpg", jpg, sizeof(jpg) - 1, "image/jpeg");
	mime("a.gif", "GIF89a\1\0", 8, "image/gif");
	mime("a.pdf", "%PDF-1.7\n", 9, "application/pdf");
	mime("a.svg", "<?xml version=\"1.0\"?>\n<svg xmlns=\"x\"></svg>", 43,
	    "image/svg+xml");
	mime("a.svg", "<svg width=\"1\"/>", 16, "image/svg+xml");
	mime("a.html", "<html><body>svg</body></html>", 29, "text/plain");
	mime("a.json", "{\"a\": [1, 2]}\n", 14, "application/json");
	mime("a.json", "[1, 2", 5, "text/plain");
	mime("a.csv", "a,b\n1,2\n3,4\n", 12, "text/csv");
	mime("x", "a,b\r\n1,2\r\n", 10, "text/csv");
	mime("x", "a,\"b,c\"\n1,2\n", 12, "text/csv");
	mime("x", "one, two\n", 9, "text/plain");
	mime("x.csv", "one,two\n", 8, "text/csv");
	mime("x", "a,b\n1,2,3\n", 10, "text/plain");
	mime("x.txt", "h\xc3\xa9llo\n", 7, "text/plain");
	mime("x", "", 0, "text/plain");
	mime("x", bin, sizeof(bin) - 1, "application/octet-stream");
	mime("x", "bad \xff utf8", 10, "application/octet-stream");
	mime("x", "nul\0inside", 10, "application/octet-stream");
}

static void
test_names(void)
{
	ok(sr_export_bad_name("chart.png", 9) == NULL, "name chart.png ok");
	ok(sr_export_bad_name("h\xc3\xa9 \xe6\x97\xa5.txt", 10) == NULL,
	    "name with UTF-8 ok");
	ok(sr_export_bad_name("..", 2) != NULL, "name .. refused");
	ok(sr_export_bad_name(".", 1) != NULL, "name . refused");
	ok(sr_export_bad_name("", 0) != NULL, "empty name refused");
	ok(sr_export_bad_name("a/b", 3) != NULL, "name with / refused");
	ok(sr_export_bad_name("a\nb", 3) != NULL, "name with newline refused");
	ok(sr_export_bad_name("\x1b[31m", 5) != NULL, "name with ESC refused");
	ok(sr_export_bad_name("a\x7f", 2) != NULL, "name with DEL refused");
	ok(sr_export_bad_name("a\xc2\x9b", 3) != NULL, "name with C1 CSI refused");
	ok(sr_export_bad_name("a\xe2\x80\xaetxt", 6) != NULL,
	    "name with U+202E refused");
	ok(sr_export_bad_name("a\xff", 2) != NULL, "invalid UTF-8 refused");
	ok(sr_export_bad_name("\xc0\xaf", 2) != NULL, "overlong refused");
	ok(sr_export_bad_name("\xed\xa0\x80", 3) != NULL, "surrogate refused");
}

static void
test_base64(void)
{
	static const char *const v[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	size_t i, n;
	char *s;

	for (i = 0; i < SR_ARRAY_SIZE(v); i++) {
		s = sr_export_base64((const unsigned char *)v[i][0],
		    strlen(v[i][0]), &n);
		is_str(s, v[i][1], "base64 RFC 4648 vector");
		free(s);
	}
	s = sr_export_base64((const unsigned char *)"\xff\xfe\0", 3, &n);
	is_str(s, "//4A", "base64 of high bytes and NUL");
	free(s);
}

/* ---- the stream, end to end ------------------------------------------- */

static char dir[64];

static void
put(const char *rel, const char *content)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	if (f != NULL) {
		fputs(content, f);
		fclose(f);
	}
}

static const struct sr_file *
find_file(const struct sr_result *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->n_files; i++)
		if (strcmp(r->files[i].path, path) == 0)
			return &r->files[i];
	return NULL;
}

static const char *
find_skip(const struct sr_result *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->n_skipped; i++)
		if (strcmp(r->skipped[i].path, path) == 0)
			return r->skipped[i].reason ? r->skipped[i].reason : "";
	return NULL;
}

static void
test_stream(void)
{
	struct sr_export_opts o = { .out_fd = -1, .inline_max = 1024 };
	struct sr_result r;
	const struct sr_file *f;
	const char *why;
	char p[256], out[128], buf[64];
	int fd, sfd;
	ssize_t n;

	snprintf(dir, sizeof(dir), "/tmp/sr-test-export.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	put("input.csv", "a,b\n1,2\n");
	put("main.py", "print(1)\n");
	sr_export_snapshot(dir);

	put("main.py", "print(2)\n");		/* a changed input */
	put("made.txt", "made\n");
	snprintf(p, sizeof(p), "%s/sub", dir);
	mkdir(p, 0755);
	put("sub/deep.json", "{\"k\": 1}");
	snprintf(p, sizeof(p), "%s/passwd", dir);
	ok(symlink("/etc/passwd", p) == 0, "plant a symlink");
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ok(mkfifo(p, 0644) == 0, "plant a FIFO");
	snprintf(p, sizeof(p), "%s/sparse", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	ok(fd >= 0 && ftruncate(fd, 1ll << 40) == 0, "plant a 1 TiB sparse file");
	if (fd >= 0)
		close(fd);
	put("bad\nname", "x");

	snprintf(out, sizeof(out), "%s.out", dir);
	mkdir(out, 0755);
	snprintf(p, sizeof(p), "%s/made.txt", out);
	ok(symlink("/tmp/sr-test-export-victim", p) == 0,
	    "plant a symlink in the --out dir");

	sfd = memfd_create("test", MFD_CLOEXEC);
	sr_export_walk(sfd, dir, 1 << 20);
	memset(&r, 0, sizeof(r));
	o.out_fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	o.out_dir = out;
	sr_export_collect(sfd, &o, &r);

	ok(r.n_files == 3, "three files exported (got %zu)", r.n_files);
	ok(find_file(&r, "input.csv") == NULL, "unchanged input not listed");
	f = find_file(&r, "main.py");
	ok(f != NULL && f->size == 9, "changed input listed");
	f = find_file(&r, "made.txt");
	ok(f != NULL && f->content != NULL && !f->base64 &&
	    strcmp(f->content, "made\n") == 0, "made.txt inlined as text");
	is_str(f ? f->sha256 : NULL,
	    "9ccbd3f1b19a1cdfd8d7c6ae48e9e822e2345f5be1a6187b19e41486c6941004",
	    "made.txt sha256");
	f = find_file(&r, "sub/deep.json");
	ok(f != NULL && strcmp(f->mime, "application/json") == 0,
	    "sub/deep.json found as JSON");
	why = find_skip(&r, "passwd");
	ok(why && strstr(why, "symbolic link"), "symlink skipped: %s", why);
	why = find_skip(&r, "fifo");
	ok(why && strstr(why, "FIFO"), "FIFO skipped: %s", why);
	why = find_skip(&r, "sparse");
	ok(why && strstr(why, "sparse file of 1099511627776"),
	    "sparse skipped: %s", why);
	why = find_skip(&r, "bad\nname");
	ok(why && strstr(why, "control"), "bad name skipped: %s", why);
	why = find_skip(&r, "made.txt");
	ok(why && strstr(why, "symbolic link; not replaced"),
	    "--out symlink not replaced: %s", why);
	ok(access("/tmp/sr-test-export-victim", F_OK) < 0,
	    "the symlink's target was not created");
	snprintf(p, sizeof(p), "%s/sub/deep.json", out);
	fd = open(p, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "{\"k\": 1}", "--out copy of sub/deep.json");
	sr_result_free(&r);
	close(o.out_fd);

	/* Damaged stream: garbage after the first record. */
	if (ftruncate(sfd, 40) == 0 && pwrite(sfd, "garbage!", 8, 24) == 8) {
		memset(&r, 0, sizeof(r));
		o.out_fd = -1;
		sr_export_collect(sfd, &o, &r);
		why = find_skip(&r, ".");
		ok(why && (strstr(why, "damaged") || strstr(why, "incomplete")),
		    "damaged stream reported: %s", why);
		sr_result_free(&r);
	}
	/* Empty stream: init never got to the export. */
	memset(&r, 0, sizeof(r));
	if (ftruncate(sfd, 0) == 0)
		sr_export_collect(sfd, &o, &r);
	why = find_skip(&r, ".");
	ok(r.n_files == 0 && why && strstr(why, "not exported"),
	    "empty stream reported: %s", why);
	sr_result_free(&r);
	close(sfd);
	snprintf(p, sizeof(p), "rm -rf '%s' '%s'", dir, out);
	if (system(p) != 0)
		printf("# could not remove %s and %s\n", dir, out);
}

int
main(void)
{
	TAP_PLAN(62);
	test_mime();
	test_names();
	test_base64();
	test_stream();
	return tap_done();
}
