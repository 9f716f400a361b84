/* test_policy_files.c - a policy loaded ahead is the one loading it again
 * would give only while the files read, the candidates found absent and
 * the search path are the same (policy_files.h). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "policy_files.h"
#include "tap.h"

static char top[PATH_MAX], front[PATH_MAX + 16], dir[PATH_MAX + 16];
static char path_env[3 * PATH_MAX];
static const char ROOT[] = "{ \"extends\": \"%s/policies/base.json\", "
    "\"limits\": { \"wall_time\": \"11s\" } }\n";

static void
put(const char *d, const char *name, const char *text)
{
	char p[2 * PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", d, name);
	/* in place: the same inode */
	if ((f = fopen(p, "w")) == NULL) {
		perror(p);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void
put_root(const char *wall)
{
	const char *src = getenv("SANDRUN_SRCDIR");
	char text[2 * PATH_MAX];

	snprintf(text, sizeof(text), ROOT, src != NULL ? src : ".");
	memcpy(strstr(text, "11s"), wall, 3);
	put(dir, "p.json", text);
}

/* Record a load of t, then run check; 1 when still the same. */
static struct sr_policy *pol;
static struct sr_policy_files files;

static int
record(void)
{
	struct sr_diag d;

	sr_policy_files_free(&files);
	if (pol != NULL)
		sr_policy_free(pol);
	pol = NULL;
	if (sr_policy_load_recorded("t", &pol, &files, &d) < 0) {
		printf("# %s\n", d.msg);
		return 0;
	}
	return 1;
}

static int
same(void)
{
	return sr_policy_files_same(&files, "t", pol);
}

int
main(void)
{
	char rel[PATH_MAX + 16], cwd[PATH_MAX], p[2 * PATH_MAX + 40];
	char real[PATH_MAX + 8];

	TAP_PLAN(19);
	snprintf(top, sizeof(top), "/tmp/sr-policy-files-XXXXXX");
	if (mkdtemp(top) == NULL || getcwd(cwd, sizeof(cwd)) == NULL)
		return 1;
	snprintf(front, sizeof(front), "%s/front", top);
	snprintf(dir, sizeof(dir), "%s/pol", top);
	mkdir(front, 0700);
	mkdir(dir, 0700);
	snprintf(path_env, sizeof(path_env), "%s:%s", front, dir);
	setenv("SANDRUN_POLICY_PATH", path_env, 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent-sandrun-test", 1);
	put(dir, "t.json", "{ \"extends\": \"p\" }\n");
	put_root("11s");

	ok(record() && pol->limits.wall_ms == 11000, "t loads, recorded");
	ok(same(), "unchanged: the same");
	ok(!sr_policy_files_same(&files, "u", pol), "another name: not");

	put_root("12s");
	ok(!same(), "the parent rewritten in place, same size: not the same");
	put_root("11s");
	ok(same(), "its bytes back: the same again");

	put(front, "t.json", "{ \"extends\": \"p\" }\n");
	ok(!same(), "a candidate earlier on the search path appears: not");
	snprintf(p, sizeof(p), "%s/t.json", front);
	unlink(p);
	ok(same(), "gone again: the same");

	setenv("SANDRUN_POLICY_PATH", dir, 1);
	ok(!same(), "another search path in the environment: not");
	setenv("SANDRUN_POLICY_PATH", path_env, 1);
	ok(same(), "the recorded one back: the same");

	/* a new file (which may reuse the inode) of other bytes */
	snprintf(p, sizeof(p), "%s/t.json", dir);
	unlink(p);
	put(dir, "t.json", "{ \"extends\": \"p\"  }\n");
	ok(!same(), "replaced by a new file of other bytes: not");
	ok(record() && same(), "recorded again: the same");
	unlink(p);
	(void)!symlink("p.json", p);
	ok(!same(), "a symbolic link in its place: not");
	unlink(p);
	put(dir, "t.json", "{ \"extends\": \"p\" }\n");

	/* The policy's path is where its file is, links resolved
	 * (realpath): the same files reached by another path are not the
	 * same policy. */
	snprintf(real, sizeof(real), "%s/real", top);
	if (rename(dir, real) == 0 && symlink(real, dir) == 0) {
		ok(record() && same(), "a search directory that is a link: the same");
		unlink(dir);
		(void)!rename(real, dir);
		ok(!same(), "the link replaced by its directory: not");
		ok(record() && same(), "recorded again: the same");
		(void)!rename(dir, real);
		(void)!symlink(real, dir);
		ok(!same(), "the directory moved, a link in its place: not");
		unlink(dir);
		(void)!rename(real, dir);
	} else {
		skip(4, "rename, symlink");
	}

	/* a relative search path depends on the working directory */
	if (chdir(top) == 0) {
		snprintf(rel, sizeof(rel), "front:pol");
		setenv("SANDRUN_POLICY_PATH", rel, 1);
		ok(record(), "loads from a relative search path");
		ok(!same(), "... and is never the same");
		(void)!chdir(cwd);
	} else {
		skip(2, "chdir");
	}
	ok(!sr_policy_files_same(NULL, "t", pol), "no record: not");

	sr_policy_files_free(&files);
	sr_policy_free(pol);
	snprintf(p, sizeof(p), "rm -rf '%s'", top);
	(void)!system(p);
	return tap_done();
}
