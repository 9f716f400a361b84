/* test_treecpu.c - the /proc/PID/stat CPU fields and a tree's CPU time. */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "treecpu.h"

/* Burn about ms of CPU. */
static void
burn(unsigned ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 +
	    (b.tv_nsec - a.tv_nsec) / 1000000 < (long)ms);
}

int
main(void)
{
	unsigned long long t = 0;
	uint64_t before = 0, after = 0, mine = 0;
	int p[2], st, r;
	pid_t c;
	char x;

	TAP_PLAN(8);
	r = sr_stat_cpu_ticks("1 (sh) S 0 1 1 0 -1 4194560 1 2 3 4 "
	    "5 6 7 8 20 0 1 0 9 10 11", &t);
	ok(r == 0 && t == 26, "utime + stime + cutime + cstime (got %llu)", t);
	r = sr_stat_cpu_ticks("7 (a) b) (c) R 0 1 1 0 -1 0 0 0 0 0 "
	    "100 200 0 3 20", &t);
	ok(r == 0 && t == 303, "a command with ') ' in it (got %llu)", t);
	ok(sr_stat_cpu_ticks("7 (x) R 0 1 1", &t) < 0, "short line refused");
	ok(sr_stat_cpu_ticks("7 x R 0 1 1 0 -1 0 0 0 0 0 1 2 3 4", &t) < 0,
	    "no command refused");
	ok(sr_stat_cpu_ticks("7 (x) R 0 1 1 0 -1 0 0 0 0 0 a b c d", &t) < 0,
	    "non-numbers refused");
	ok(sr_tree_cpu_ms(0x7ffffff0, &mine) < 0, "a pid that is not there");

	/* a child burning CPU counts while it lives, and in its parent's
	 * cutime once reaped: never lost, never twice */
	if (pipe(p) < 0 || sr_tree_cpu_ms(getpid(), &before) < 0)
		return 1;
	if ((c = fork()) == 0) {
		close(p[0]);
		burn(300);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &x, 1) != 1)
		return 1;
	sr_tree_cpu_ms(getpid(), &after);
	ok(after - before >= 250 && after - before < 1000,
	    "a living child's CPU is the tree's (%llu ms)",
	    (unsigned long long)(after - before));
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	sr_tree_cpu_ms(getpid(), &after);
	ok(after - before >= 250 && after - before < 1000,
	    "and still once reaped (%llu ms)",
	    (unsigned long long)(after - before));
	return tap_done();
}
