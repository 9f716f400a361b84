/* policy_int.h - between the files of the policy layer only (policy_*.c).
 *
 * Only policy_schema.c, policy_merge.c and policy_emit.c include cJSON;
 * policy_load.c works with the opaque struct sr_policy_doc.
 */
#ifndef SR_POLICY_INT_H
#define SR_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "policy.h"

/* Pass 1 (policy_scan.c): the strict syntax check of the raw bytes
 * (RFC 8259, UTF-8, no NUL, no BOM, depth <= SR_POLICY_DEPTH_MAX).
 * Returns 0, or -1 with msg set to one line ("line 3, column 7: ...")
 * without the file name. */
int sr_policy_scan(const char *buf, size_t len, char *msg, size_t msglen);

/* For keys[0..n-1] in document order, set first[i] to the index of the
 * earliest key equal to keys[i] ignoring ASCII case (first[i] == i when no
 * earlier key is).  O(n log n): the duplicate and case-variant key check. */
void sr_policy_key_variants(const char *const *keys, size_t n, size_t *first);

/* "EPERM" for EPERM, ...: the errno names a policy may use. */
const char *sr_policy_errno_name(int v);

/* policy_schema.c.  sr_policy_parse_tree: scan, parse with cJSON, validate
 * every key and type; required keys only when the document has no
 * "extends".  Returns 0, the tree (caller frees with cJSON_Delete) and,
 * when pol is not NULL, the policy converted from it (complete when the
 * document has no "extends"), so a file is converted only once.
 * sr_policy_from_tree: convert a validated (merged) tree; with `complete`,
 * every required key must be present.  `file` names the file in
 * messages. */
struct cJSON;
int sr_policy_parse_tree(const char *buf, size_t len, const char *file,
    struct cJSON **tree, struct sr_policy **pol, struct sr_diag *d);
int sr_policy_from_tree(const struct cJSON *tree, const char *file,
    bool complete, struct sr_policy **out, struct sr_diag *d);

/* policy_merge.c: one parsed, validated policy file, and the merge of an
 * "extends" chain (rules in sandrun-policy(5), EXTENDS). */
struct sr_policy_doc;
int sr_policy_doc_parse(const char *buf, size_t len, const char *file,
    struct sr_policy_doc **out, struct sr_diag *d);
/* The "extends" value, or NULL when the document has none. */
const char *sr_policy_doc_extends(const struct sr_policy_doc *doc);
/* Merge docs[n - 1] (the root) then each child over it down to docs[0]
 * and convert the result, complete; `file` (docs[0]'s) names messages.
 * A single document is not converted again. */
int sr_policy_doc_resolve(struct sr_policy_doc **docs, size_t n,
    const char *file, struct sr_policy **out, struct sr_diag *d);
void sr_policy_doc_free(struct sr_policy_doc *doc);

#endif
