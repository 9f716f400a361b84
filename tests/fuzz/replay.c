/* replay.c - the main() of the fuzz targets' replay builds.
 *
 * Linked with one fuzz_*.c (built without -fsanitize=fuzzer) it feeds
 * every file of the corpus SR_FUZZ_CORPUS (a directory next to this file,
 * or under $SANDRUN_SRCDIR/tests/fuzz) to LLVMFuzzerTestOneInput and
 * prints TAP, so `make check` runs the corpora without libFuzzer.  The
 * plan comes first, so a file that is not replayed is noticed; a missing
 * corpus fails, as the corpora ship with the source.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#ifndef SR_FUZZ_CORPUS
#error "SR_FUZZ_CORPUS names the corpus directory"
#endif

#define REPLAY_MAX (16 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
corpus_dir(char *dir, size_t size)
{
	const char *src = getenv("SANDRUN_SRCDIR");
	char *s;

	if (src != NULL && *src != '\0') {
		snprintf(dir, size, "%s/tests/fuzz/%s", src, SR_FUZZ_CORPUS);
		return;
	}
	snprintf(dir, size, "%s", __FILE__);
	if ((s = strrchr(dir, '/')) != NULL)
		snprintf(s + 1, size - (size_t)(s + 1 - dir), "%s",
		    SR_FUZZ_CORPUS);
	else
		snprintf(dir, size, "%s", SR_FUZZ_CORPUS);
}

static int
count(DIR *dp)
{
	struct dirent *de;
	int n = 0;

	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	rewinddir(dp);
	return n;
}

/* Replay one file; 0 when it could be read. */
static int
replay(const char *dir, const char *name)
{
	char path[PATH_MAX * 2], *buf = NULL;
	size_t len = 0;
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && sr_read_fd(fd, REPLAY_MAX, &buf, &len) == 0) {
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
		free(buf);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int
main(void)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *dp;
	int n = 0, plan, failed = 0;

	corpus_dir(dir, sizeof(dir));
	if ((dp = opendir(dir)) == NULL) {
		printf("1..1\nnot ok 1 - no corpus at %s\n", dir);
		return 1;
	}
	plan = count(dp);
	printf("1..%d\n", plan);
	while ((de = readdir(dp)) != NULL && n < plan) {
		if (de->d_name[0] == '.')
			continue;
		if (replay(dir, de->d_name) == 0) {
			printf("ok %d - %s\n", ++n, de->d_name);
		} else {
			printf("not ok %d - %s: unreadable\n", ++n, de->d_name);
			failed = 1;
		}
	}
	closedir(dp);
	for (; n < plan; failed = 1)
		printf("not ok %d - corpus changed while replaying\n", ++n);
	return failed;
}
