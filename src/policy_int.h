/* policy_int.h - between the files of the policy layer only (policy_*.c).
 *
 * Only policy_schema.c, policy_merge.c and policy_emit.c include cJSON;
 * policy_load.c works with the opaque struct sr_policy_doc.
 */
#ifndef SR_POLICY_INT_H
#define SR_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "policy.h"

/* Pass 1 (policy_scan.c): the strict syntax check of the raw bytes
 * (RFC 8259, UTF-8, no NUL, no BOM, depth <= SR_POLICY_DEPTH_MAX).
 * Returns 0, or -1 with msg set to one line ("line 3, column 7: ...")
 * without the file name. */
int sr_policy_scan(const char *buf, size_t len, char *msg, size_t msglen);

/* For keys[0..n-1] in document order, set first[i] to the index of the
 * earliest key equal to keys[i] ignoring ASCII case (first[i] == i when no
 * earlier key is).  O(n log n), pairwise for n <= 16: the duplicate and
 * case-variant key check. */
void sr_policy_key_variants(const char *const *keys, size_t n, size_t *first);

/* "EPERM" for EPERM, ...: the errno names a policy may use. */
const char *sr_policy_errno_name(int v);

/* policy_schema.c.  sr_policy_parse_tree: scan, parse with cJSON, validate
 * every key and type; required keys only when the document has no
 * "extends".  Returns 0, the tree (caller frees with cJSON_Delete) and,
 * when pol is not NULL, the policy converted from it (complete when the
 * document has no "extends"), so a file is converted only once.  With
 * only_complete, a document with "extends" gives *pol = NULL (its
 * conversion would never be the result).  A conversion that is not
 * returned is made in check_only mode: the same checks and messages.
 * sr_policy_from_tree: convert a validated (merged) tree; with `complete`,
 * every required key must be present.  `file` names the file in
 * messages. */
struct cJSON;
int sr_policy_parse_tree(const char *buf, size_t len, const char *file,
    bool only_complete, struct cJSON **tree, struct sr_policy **pol,
    struct sr_diag *d);
int sr_policy_from_tree(const struct cJSON *tree, const char *file,
    bool complete, struct sr_policy **out, struct sr_diag *d);

/* ---- between policy_schema.c and its sections (policy_fs.c,
 * policy_syscalls.c): the error collector and the generic checks. ---- */

#define SR_POLICY_PATH_MAX 4096		/* bytes of a path in a policy */
#define SR_POLICY_CONTENT_MAX (64 * 1024)	/* inline file content */

struct sr_pctx {
	const char *file;
	bool complete;		/* every required key must be there */
	bool check_only;	/* the result is discarded: every check, but
				 * no syscall sets built (policy_syscalls.c) */
	bool workdir_bad;	/* run.workdir already reported */
	char *errs;		/* "file: path: msg\n"... */
	size_t len, cap;
	unsigned n;		/* errors collected */
};

enum sr_lim_kind { SR_LIM_KIND_DURATION, SR_LIM_KIND_SIZE, SR_LIM_KIND_COUNT };

/* Record "file: path: message" (path may be empty). */
void sr_perr(struct sr_pctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "path.key" (printable) into out. */
void sr_pjoin(char *out, size_t len, const char *path, const char *key);
/* The member of obj named key (case-sensitive), or NULL. */
const struct cJSON *sr_pget(const struct cJSON *obj, const char *key);
/* Duplicate, case-variant and unknown keys (allowed == NULL: any), and
 * missing required ones in complete mode; false when obj is not an
 * object (reported). */
bool sr_pcheck_object(struct sr_pctx *c, const struct cJSON *obj,
    const char *path, const char *const *allowed,
    const char *const *required);
/* A copy of the string member key, or NULL (absent, or reported). */
char *sr_pget_str(struct sr_pctx *c, const struct cJSON *obj,
    const char *path, const char *key);
/* A duration, size or count value into *out; -1 when reported. */
int sr_pparse_limit(struct sr_pctx *c, const struct cJSON *v, const char *p,
    enum sr_lim_kind kind, bool may_be_unlimited, uint64_t max,
    uint64_t *out);
/* A list, or {"append": [...]}: the array, or NULL when reported. */
const struct cJSON *sr_plist(struct sr_pctx *c, const struct cJSON *v,
    const char *path);
/* Absolute, normalized, no controls; false when reported. */
bool sr_pcheck_abs_path(struct sr_pctx *c, const char *p, const char *s);
/* True when path is dir or below it. */
bool sr_path_under(const char *path, const char *dir);

/* A growable NULL-terminated list of strings. */
struct sr_strset {
	char **v;
	size_t n, cap;
};
void sr_set_add(struct sr_strset *s, const char *x);	/* a copy of x */
void sr_set_sort_unique(struct sr_strset *s);
char **sr_set_take(struct sr_strset *s, size_t *n);	/* never NULL */

/* The sections. */
void sr_policy_parse_filesystem(struct sr_pctx *c, const struct cJSON *fs,
    struct sr_policy *pol);
void sr_policy_parse_syscalls(struct sr_pctx *c, const struct cJSON *sc,
    struct sr_syscalls *s);
/* policy_session.c: "session" (v may be NULL); in complete mode the
 * missing values are resolved and defaults checked against ceilings. */
void sr_policy_parse_session(struct sr_pctx *c, const struct cJSON *v,
    struct sr_policy *pol);

/* policy_merge.c: one parsed, validated policy file, and the merge of an
 * "extends" chain (rules in sandrun-policy(5), EXTENDS). */
struct sr_policy_doc;
/* keep: the policy converted alone may be the result (the first file of
 * a chain); a parent's is never used, so it is only checked. */
int sr_policy_doc_parse(const char *buf, size_t len, const char *file,
    bool keep, struct sr_policy_doc **out, struct sr_diag *d);
/* The "extends" value, or NULL when the document has none. */
const char *sr_policy_doc_extends(const struct sr_policy_doc *doc);
/* Merge docs[n - 1] (the root) then each child over it down to docs[0]
 * and convert the result, complete; `file` (docs[0]'s) names messages.
 * A single document is not converted again.  The documents' trees are
 * used up (their items are moved into the result): resolve once, then
 * only free them. */
int sr_policy_doc_resolve(struct sr_policy_doc **docs, size_t n,
    const char *file, struct sr_policy **out, struct sr_diag *d);
void sr_policy_doc_free(struct sr_policy_doc *doc);

#endif
