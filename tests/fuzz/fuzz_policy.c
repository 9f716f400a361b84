/* fuzz_policy.c - libFuzzer target for sr_policy_parse.
 *
 * Built with -fsanitize=fuzzer (--enable-fuzzing) it is a libFuzzer target.
 * Linked with replay.c it replays tests/fuzz/corpus for `make check`.
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
