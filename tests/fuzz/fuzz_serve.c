/* fuzz_serve.c - libFuzzer target for the serve request parser
 * (sr_serve_request_parse) and, for a RUN request that parses, the
 * command-line parse the server does on it (sr_serve_exec_policy).
 *
 * The first byte of an input is the number of descriptors attached
 * (mod 6); the rest is the message.  Built with -DSR_FUZZ_REPLAY it has a
 * main() that replays $SANDRUN_SRCDIR/tests/fuzz/serve_corpus and prints
 * TAP, so `make check` runs the corpus without libFuzzer.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve_exec.h"
#include "serve_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sr_serve_request r;
	struct sr_diag d;
	char name[256];
	void *copy;

	if (size < 1)
		return 0;
	/* An exact-size copy so reads past the message are caught. */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	if (sr_serve_request_parse(copy, size - 1, data[0] % 6, &r, &d) == 0) {
		if (r.type == SR_SERVE_REQ_RUN)
			sr_serve_exec_policy(&r, name, sizeof(name), &d);
		sr_serve_request_free(&r);
	}
	free(copy);
	return 0;
}

#ifdef SR_FUZZ_REPLAY
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "util.h"

int
main(void)
{
	const char *src = getenv("SANDRUN_SRCDIR");
	char dir[PATH_MAX], path[PATH_MAX * 2];
	struct dirent *de;
	DIR *dp;
	int n = 0;

	if (src != NULL && *src != '\0')
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/serve_corpus", src);
	else {
		char *s;

		snprintf(dir, sizeof(dir), "%s", __FILE__);
		if ((s = strrchr(dir, '/')) != NULL)
			strcpy(s, "/serve_corpus");
		else
			snprintf(dir, sizeof(dir), "serve_corpus");
	}
	if ((dp = opendir(dir)) == NULL) {
		printf("1..0 # SKIP no corpus at %s\n", dir);
		return 0;
	}
	while ((de = readdir(dp)) != NULL) {
		char *buf = NULL;
		size_t len = 0;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			continue;
		if (sr_read_fd(fd, 1 << 20, &buf, &len) == 0) {
			LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
			free(buf);
			printf("ok %d - %s\n", ++n, de->d_name);
		}
		close(fd);
	}
	closedir(dp);
	printf("1..%d\n", n);
	return 0;
}
#endif
