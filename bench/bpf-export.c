/* bpf-export.c - benchmark helper, not installed: write the raw seccomp
 * BPF program (struct sock_filter[]) that sandrun builds for a policy to
 * stdout, so bench/run.sh can hand bubblewrap the same filter
 * (bwrap --seccomp FD).  Built by bench/run.sh against src/libsandrun.a.
 *
 *   bpf-export POLICY > filter.bpf
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>

#include "filter.h"
#include "policy.h"

int
main(int argc, char **argv)
{
	struct sr_policy *p = NULL;
	struct sr_filter f;
	struct sr_diag d;
	size_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: bpf-export POLICY\n");
		return 2;
	}
	memset(&f, 0, sizeof(f));
	memset(&d, 0, sizeof(d));
	if (sr_policy_load(argv[1], &p, &d) < 0 ||
	    sr_filter_build(&p->syscalls, &f, &d) < 0) {
		fprintf(stderr, "bpf-export: %s\n", d.msg);
		return 1;
	}
	n = (size_t)f.len * sizeof(struct sock_filter);
	if (fwrite(f.insns, 1, n, stdout) != n || fflush(stdout) != 0)
		return 1;
	sr_filter_free(&f);
	sr_policy_free(p);
	return 0;
}
