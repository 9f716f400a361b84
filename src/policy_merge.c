/* policy_merge.c - one parsed policy file as an opaque document, and the
 * merge of an "extends" chain on the validated cJSON trees (rules in
 * sandrun-policy(5), EXTENDS); the merged tree is converted once, in
 * complete mode.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "policy.h"
#include "policy_int.h"
#include "util.h"

struct sr_policy_doc {
	cJSON *tree;
	struct sr_policy *pol;	/* converted alone; complete when no extends;
				 * NULL for a parent (sr_policy_doc_parse) */
};

static bool
appendable(const char *key)
{
	return strcmp(key, "filesystem") == 0 || strcmp(key, "allow") == 0 ||
	    strcmp(key, "deny") == 0;
}

/* Merge child over acc (both validated):
 *  - objects merge key by key, recursively;
 *  - null (only valid in env) removes the key;
 *  - {"append": [...]} on a list key appends to the parent's list;
 *  - anything else replaces. */
static int
cmp_item(const void *a, const void *b)
{
	return strcmp((*(cJSON *const *)a)->string,
	    (*(cJSON *const *)b)->string);
}

/* The children of obj sorted by key, for lookups in O(log n): merging a
 * child of 70,000 env keys must not compare every key with every other. */
static cJSON **
index_object(cJSON *obj, size_t *n)
{
	cJSON **v, *it;
	size_t i = 0;

	for (it = obj->child, *n = 0; it != NULL; it = it->next)
		(*n)++;
	v = sr_xcalloc(*n + 1, sizeof(*v));
	for (it = obj->child; it != NULL; it = it->next)
		v[i++] = it;
	qsort(v, *n, sizeof(*v), cmp_item);
	return v;
}

static cJSON **
lookup(cJSON **v, size_t n, const char *key)
{
	cJSON k = { .string = (char *)key }, *kp = &k;

	return bsearch(&kp, v, n, sizeof(*v), cmp_item);
}

/* The parent's list (old, when a list) with app's elements moved to its
 * end, in acc under it's key; returns the list now in acc. */
static cJSON *
append_list(cJSON *acc, cJSON *old, const cJSON *it, cJSON *app)
{
	cJSON *list, *e;

	if (cJSON_IsArray(old))
		list = old;
	else {
		list = cJSON_CreateArray();
		if (old != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(acc, it->string,
			    list);
		else
			cJSON_AddItemToObject(acc, it->string, list);
	}
	while ((e = app->child) != NULL)
		cJSON_AddItemToArray(list, cJSON_DetachItemViaPointer(app, e));
	return list;
}

/* Merge child over acc (both validated):
 *  - objects merge key by key, recursively;
 *  - null (only valid in env) removes the key;
 *  - {"append": [...]} on a list key appends to the parent's list;
 *  - anything else replaces.
 * acc's keys are looked up in a sorted index whose slots follow each
 * replacement; removed items are kept alive in `gone` until the end, so
 * the binary search never reads freed memory.  Items are moved out of
 * child (which the caller deletes), not copied. */
static void
merge(cJSON *acc, cJSON *child, bool top)
{
	cJSON *gone = cJSON_CreateArray(), **idx, *it, *next;
	size_t n;

	idx = index_object(acc, &n);
	for (it = child->child; it != NULL; it = next) {
		cJSON **slot = lookup(idx, n, it->string);
		cJSON *old = slot != NULL ? *slot : NULL, *app, *rep;

		next = it->next;

		if (top && strcmp(it->string, "extends") == 0)
			continue;
		if (cJSON_IsNull(it)) {
			if (old != NULL)
				cJSON_AddItemToArray(gone,
				    cJSON_DetachItemViaPointer(acc, old));
			continue;
		}
		if (appendable(it->string) && cJSON_IsObject(it) &&
		    (app = cJSON_GetObjectItemCaseSensitive(it, "append")) !=
		    NULL) {
			rep = append_list(acc, old, it, app);
			if (slot != NULL)
				*slot = rep;
		} else if (cJSON_IsObject(it) && cJSON_IsObject(old)) {
			merge(old, it, false);
		} else if (old != NULL) {
			/* the moved item keeps its key (it->string) */
			rep = cJSON_DetachItemViaPointer(child, it);
			cJSON_ReplaceItemViaPointer(acc, old, rep);
			*slot = rep;
		} else {
			cJSON_AddItemToObject(acc, it->string,
			    cJSON_DetachItemViaPointer(child, it));
		}
	}
	free(idx);
	cJSON_Delete(gone);
}

int
sr_policy_doc_parse(const char *buf, size_t len, const char *file,
    bool keep, struct sr_policy_doc **out, struct sr_diag *d)
{
	struct sr_policy_doc *doc = sr_xcalloc(1, sizeof(*doc));

	if (sr_policy_parse_tree(buf, len, file, true, &doc->tree,
	    keep ? &doc->pol : NULL, d) < 0) {
		free(doc);
		return -1;
	}
	*out = doc;
	return 0;
}

const char *
sr_policy_doc_extends(const struct sr_policy_doc *doc)
{
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(doc->tree,
	    "extends");

	return cJSON_IsString(ext) ? ext->valuestring : NULL;
}

int
sr_policy_doc_resolve(struct sr_policy_doc **docs, size_t n, const char *file,
    struct sr_policy **out, struct sr_diag *d)
{
	cJSON *acc;
	int r;

	/* A policy without "extends" was converted, complete, when it was
	 * parsed: do not do it twice. */
	if (n == 1 && docs[0]->pol != NULL && docs[0]->pol->extends == NULL) {
		*out = sr_steal_ptr(&docs[0]->pol);
		return 0;
	}
	/* Root first, then each child over it; the documents' trees are
	 * used up (moved, not copied) */
	acc = sr_steal_ptr(&docs[n - 1]->tree);
	for (size_t i = n - 1; i-- > 0;)
		merge(acc, docs[i]->tree, true);
	cJSON_DeleteItemFromObjectCaseSensitive(acc, "extends");
	r = sr_policy_from_tree(acc, file, true, out, d);
	cJSON_Delete(acc);
	return r;
}

void
sr_policy_doc_free(struct sr_policy_doc *doc)
{
	if (doc == NULL)
		return;
	cJSON_Delete(doc->tree);
	sr_policy_free(doc->pol);
	free(doc);
}
