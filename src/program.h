/* program.h - one program for a sandbox: argv, environment and code,
 * carried to init in a memfd with the RUN message (chan.h).
 *
 * The supervisor writes the memfd (sr_program_pack); init maps it
 * privately, or reads it into a static page when it fits there, and
 * points argv/envp into that copy (sr_program_map), so it allocates
 * nothing and each RUN may bring a different program.
 * Layout: struct sr_program_hdr, then (argc + 1 + envc + 1) pointer
 * slots (zero; init fills its copy), then the argv strings, the
 * environment strings and the code name, each NUL-terminated, then the
 * code bytes.
 */
#ifndef SR_PROGRAM_H
#define SR_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct sr_program {
	char *const *argv;	/* argv[0] searched in the sandbox's PATH */
	char *const *envp;	/* the whole environment */
	const char *code_name;	/* file name in the work dir; NULL: none */
	const char *code;
	size_t code_len;
	int stdin_fd;		/* relayed into the sandbox through a pipe;
				 * -1: /dev/null inside */
};

struct sr_program_hdr {
	uint32_t magic;		/* SR_PROGRAM_MAGIC */
	uint32_t argc, envc;
	uint32_t has_code;
	uint64_t strings_len;	/* argv, env and name strings */
	uint64_t code_len;
};
#define SR_PROGRAM_MAGIC 0x53525047u	/* "SRPG" */

/* Supervisor: a sealed memfd holding p.  Returns the fd or -1 with d. */
int sr_program_pack(const struct sr_program *p, struct sr_diag *d);

/* The same into fd, an empty memfd made with MFD_ALLOW_SEALING ahead
 * (sandbox.h: sr_sandbox_prepare_run), which it takes: fd, or -1 with
 * d and fd closed. */
int sr_program_pack_into(const struct sr_program *p, int fd,
    struct sr_diag *d);

/* What init sees of a mapped program. */
struct sr_program_view {
	void *map;
	size_t map_len;
	char **argv, **envp;
	const char *code_name;	/* NULL: no code file */
	const char *code;
	size_t code_len;
};

/* Init: map fd (read it when under a page: one view at a time) and
 * check it.  No allocation.  Returns 0 or -1 with d. */
int sr_program_map(int fd, struct sr_program_view *v, struct sr_diag *d);
void sr_program_unmap(struct sr_program_view *v);

#endif
