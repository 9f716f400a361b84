/* fdexec.c - benchmark helper, not installed: open FILE on descriptor FD
 * and exec COMMAND.  hyperfine runs commands without a shell (-N), so
 * this is how bubblewrap gets its --seccomp FD; its own cost is measured
 * by bench/run.sh as the "fdexec /bin/true" baseline.
 *
 *   fdexec FILE FD COMMAND [ARG]...
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int fd, want;

	if (argc < 4) {
		fprintf(stderr, "usage: fdexec FILE FD COMMAND [ARG]...\n");
		return 2;
	}
	want = atoi(argv[2]);
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || (fd != want && (dup2(fd, want) < 0 || close(fd) < 0))) {
		perror("fdexec");
		return 126;
	}
	execvp(argv[3], argv + 3);
	perror(argv[3]);
	return 127;
}
