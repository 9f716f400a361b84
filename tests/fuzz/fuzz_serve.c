/* fuzz_serve.c - libFuzzer target for the serve request parser
 * (sr_serve_request_parse: RUN, STATUS, SIGNAL and SESSION requests)
 * and, for a RUN request that parses, the
 * command-line parse the server does on it (sr_serve_exec_check).
 *
 * The first byte of an input is the number of descriptors attached
 * (mod 6); the rest is the message.  Linked with replay.c it replays
 * tests/fuzz/serve_corpus for `make check`.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve_exec.h"
#include "serve_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sr_serve_request r;
	struct sr_diag d;
	char name[256];
	bool fit;
	void *copy;

	if (size < 1)
		return 0;
	/* An exact-size copy so reads past the message are caught. */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	if (sr_serve_request_parse(copy, size - 1, data[0] % 6, &r, &d) == 0) {
		if (r.type == SR_SERVE_REQ_RUN ||
		    r.type == SR_SERVE_REQ_RUN_EARLY)
			sr_serve_exec_check(&r, name, sizeof(name), &fit, &d);
		sr_serve_request_free(&r);
	}
	free(copy);
	return 0;
}
