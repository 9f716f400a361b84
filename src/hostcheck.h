/* hostcheck.h - what this host offers a sandbox, and how to fix what is
 * missing (sandrun --check-host, --version, and the one-line diagnosis a
 * run prints when user namespaces are unavailable). */
#ifndef SR_HOSTCHECK_H
#define SR_HOSTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct sr_host {
	bool userns;		/* an unprivileged user namespace can be created */
	char userns_why[384];	/* when not: why, and the fix */
	bool seccomp;
	bool seccomp_notify;
	int landlock_abi;	/* 0 = unavailable */
	bool cgroup2, cgroup2_delegated, cgroup1;
	char cgroup_why[512];
	bool pidfd;
	bool own_uid;		/* the sandbox runs as a uid other than ours */
	char uid_why[512];	/* which, or what is missing (quota.h) */
};

/* Probe the host (forks a short-lived child for the userns test). */
void sr_host_probe(struct sr_host *h);

/* Unit tests only (tests/unit link libsandrun.a; sandrun never calls
 * it, and no environment variable reaches it): behave as if the kernel
 * refused user namespaces, in the probe and in sr_sandbox_create. */
void sr_host_deny_userns_for_test(bool deny);
bool sr_host_userns_denied_for_test(void);

/* Why creating a user namespace failed with errno err, and the fix, in
 * one line (no trailing newline) written to buf.  Reads sysctls only. */
void sr_host_userns_why(int err, char *buf, size_t len);

/* Print the report; returns 0 when a sandbox can be built here. */
int sr_host_print(FILE *f, const struct sr_host *h);

/* Short feature list for --version ("userns seccomp landlock=3 cgroup1"). */
void sr_host_features(const struct sr_host *h, char *buf, size_t len);

#endif
