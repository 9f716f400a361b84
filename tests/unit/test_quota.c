/* test_quota.c - the caller's subordinate uid (quota.h). */
#include "config.h"

#include <string.h>

#include "quota.h"
#include "tap.h"

static int
parse(const char *text, const char *name, unsigned uid, unsigned *out)
{
	*out = 0;
	return sr_quota_subuid_parse(text, strlen(text), name, uid, out);
}

int
main(void)
{
	unsigned id;

	TAP_PLAN(10);
	ok(parse("ci:100000:65536\n", "ci", 1001, &id) == 1 && id == 165535,
	    "the last id of the user's range");
	ok(parse("other:100000:65536\nci:165536:65536\n", "ci", 1001, &id) ==
	    1 && id == 231071, "the user's line, not another's");
	ok(parse("1001:200000:10", "ci", 1001, &id) == 1 && id == 200009,
	    "a line by uid, without a final newline");
	ok(parse("ci:100000:65536\nci:300000:5\n", "ci", 1001, &id) == 1 &&
	    id == 165535, "the first range of several");
	ok(parse("ci:100000:0\nci:1:x\nci::5\nci:5\n#ci:7:1\nci:8:2\n", "ci",
	    1001, &id) == 1 && id == 9, "empty, malformed and commented "
	    "lines are skipped");
	ok(parse("ci:4294967290:10\n", "ci", 1001, &id) == 0,
	    "a range past 2^32 - 2 is refused");
	ok(parse("ci:99999999999:1\n", "ci", 1001, &id) == 0,
	    "an id past 32 bits is refused");
	ok(parse("ci:1000:10\n", "ci", 1001, &id) == 0,
	    "a range holding the user's own uid is refused");
	ok(parse("cix:100000:65536\nc:100000:65536\n1001x:5:5\n", "ci", 1001,
	    &id) == 0, "names are matched whole");
	ok(parse("", NULL, 1001, &id) == 0 && parse("\n\n", "ci", 1001,
	    &id) == 0, "an empty file has no range");
	return tap_done();
}
