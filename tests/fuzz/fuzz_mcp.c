/* fuzz_mcp.c - libFuzzer target for the MCP message parser, the run_code
 * argument checks and the result rendering (src/mcp_proto.c,
 * src/mcp_tools.c, src/mcp_result.c).
 *
 * Built with -fsanitize=fuzzer (--enable-fuzzing) it is a libFuzzer target.
 * Linked with replay.c it replays tests/fuzz/corpus_mcp for `make check`.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mcp_proto.h"
#include "mcp_tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char n1[] = "python", p1[] = "/p/python.json", d1[] = "Py";
	static char n2[] = "sh", p2[] = "/p/sh.json";
	static struct sr_mcp_offer offers[] = {
		{ n1, p1, d1, 10000 },
		{ n2, p2, NULL, 5000 },
	};
	struct sr_mcp_msg m;
	struct sr_mcp_call c;
	char why[512], *s;
	cJSON *r;

	if (sr_mcp_parse((const char *)data, size, &m) == 0 &&
	    m.kind == SR_MCP_REQUEST) {
		const cJSON *args = cJSON_GetObjectItemCaseSensitive(m.params,
		    "arguments");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m.params,
		    "protocolVersion");

		if (sr_mcp_tools_run_args(args, offers, 2, &c, why,
		    sizeof(why)) == 0)
			sr_mcp_call_free(&c);
		if (sr_mcp_tools_end_args(args, &c, why, sizeof(why)) == 0)
			sr_mcp_call_free(&c);
		free(sr_mcp_id_key(m.id));
		sr_mcp_version(cJSON_IsString(v) ? v->valuestring : NULL);
		free(sr_mcp_result(m.id, cJSON_CreateObject()));
	}
	free(sr_mcp_error(m.id, m.code ? m.code : SR_MCP_INTERNAL_ERROR,
	    m.why));
	sr_mcp_msg_free(&m);
	/* The same bytes as a result object coming back from a run. */
	if ((r = sr_mcp_tools_result((const char *)data, size, 4096)) != NULL) {
		s = cJSON_PrintUnformatted(r);
		cJSON_free(s);
		cJSON_Delete(r);
	}
	return 0;
}
