/* fuzz_mcp.c - libFuzzer target for the MCP message parser, the run_code
 * argument checks and the result rendering (src/mcp_proto.c,
 * src/mcp_tools.c, src/mcp_result.c).
 *
 * Built with -fsanitize=fuzzer (--enable-fuzzing) it is a libFuzzer target.
 * Built with -DSR_FUZZ_REPLAY it has a main() that replays every file in
 * $SANDRUN_SRCDIR/tests/fuzz/corpus_mcp and prints TAP, so `make check`
 * runs the corpus without libFuzzer.
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
		sr_mcp_tools_end_args(args, why, sizeof(why));
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

#ifdef SR_FUZZ_REPLAY
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "util.h"

static int
count(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

int
main(void)
{
	const char *src = getenv("SANDRUN_SRCDIR");
	char dir[PATH_MAX], path[PATH_MAX * 2];
	struct dirent *de;
	DIR *dp;
	int n = 0, plan;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus_mcp",
	    src != NULL && *src != '\0' ? src : ".");
	if ((plan = count(dir)) < 0 || (dp = opendir(dir)) == NULL) {
		printf("1..0 # SKIP no corpus at %s\n", dir);
		return 0;
	}
	printf("1..%d\n", plan);
	while ((de = readdir(dp)) != NULL && n < plan) {
		char *buf = NULL;
		size_t len = 0;
		int fd, ok = 0;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0 && sr_read_fd(fd, 16 << 20, &buf, &len) == 0) {
			LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
			free(buf);
			ok = 1;
		}
		if (fd >= 0)
			close(fd);
		printf("%sok %d - %s\n", ok ? "" : "not ", ++n, de->d_name);
	}
	closedir(dp);
	while (n < plan)
		printf("not ok %d - corpus changed while replaying\n", ++n);
	return 0;
}
#endif
