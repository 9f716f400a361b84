/* fuzz_policy.c - libFuzzer target for sr_policy_parse.
 *
 * Built with -fsanitize=fuzzer (--enable-fuzzing) it is a libFuzzer target.
 * Built with -DSR_FUZZ_REPLAY it has a main() that replays every file in
 * $SANDRUN_SRCDIR/tests/fuzz/corpus (or the corpus next to this source
 * file) and prints TAP, so `make check` runs the corpus without libFuzzer.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sr_policy *p = NULL;
	struct sr_diag d;

	if (sr_policy_parse((const char *)data, size, "fuzz.json", &p, &d) == 0) {
		char *j = sr_policy_to_json(p);

		sr_policy_hash(p);
		free(j);
		sr_policy_free(p);
	}
	return 0;
}

#ifdef SR_FUZZ_REPLAY
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int
main(void)
{
	const char *src = getenv("SANDRUN_SRCDIR");
	char dir[PATH_MAX], path[PATH_MAX * 2];
	struct dirent *de;
	DIR *dp;
	int n = 0, total = 0, failed = 0;

	if (src != NULL && *src != '\0')
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus", src);
	else {
		char *s;

		snprintf(dir, sizeof(dir), "%s", __FILE__);
		if ((s = strrchr(dir, '/')) != NULL)
			strcpy(s, "/corpus");
		else
			snprintf(dir, sizeof(dir), "corpus");
	}
	/* Count first: the plan comes up front, so a file that is not
	 * replayed is noticed. */
	if ((dp = opendir(dir)) == NULL) {
		printf("1..1\nnot ok 1 - no corpus at %s\n", dir);
		return 1;
	}
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.')
			total++;
	printf("1..%d\n", total);
	rewinddir(dp);
	while ((de = readdir(dp)) != NULL) {
		char *buf = NULL;
		size_t len = 0;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0 && sr_read_fd(fd, 8 << 20, &buf, &len) == 0) {
			LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
			free(buf);
			printf("ok %d - %s\n", ++n, de->d_name);
		} else {
			printf("not ok %d - %s: unreadable\n", ++n, de->d_name);
			failed = 1;
		}
		if (fd >= 0)
			close(fd);
	}
	closedir(dp);
	return failed || n != total;
}
#endif
