/* test_pyerror.c - the Python error extraction from stderr (pyerror.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pyerror.h"
#include "tap.h"

static void
pyerr(const char *text, const char *name, const char *value, const char *what)
{
	struct sr_pyerror *e = sr_pyerror_parse(text, strlen(text));
	char n[128];

	if (name == NULL) {
		ok(e == NULL, "%s: no error", what);
	} else {
		snprintf(n, sizeof(n), "%s: name", what);
		is_str(e ? e->name : NULL, name, n);
		snprintf(n, sizeof(n), "%s: value", what);
		is_str(e ? e->value : NULL, value, n);
	}
	sr_pyerror_free(e);
}

static void
test_pyerror(void)
{
	struct sr_pyerror *e;
	const char *chain =
	    "Traceback (most recent call last):\n"
	    "  File \"/sandbox/main.py\", line 2, in <module>\n"
	    "KeyError: 'x'\n"
	    "\n"
	    "During handling of the above exception, another exception occurred:\n"
	    "\n"
	    "Traceback (most recent call last):\n"
	    "  File \"/sandbox/main.py\", line 4, in <module>\n"
	    "ZeroDivisionError: division by zero\n";

	pyerr("Traceback (most recent call last):\n"
	    "  File \"/sandbox/main.py\", line 1, in <module>\n"
	    "    open(\"/code/x\")\n"
	    "FileNotFoundError: [Errno 2] No such file or directory: '/code/x'\n",
	    "FileNotFoundError", "[Errno 2] No such file or directory: '/code/x'",
	    "simple");
	pyerr(chain, "ZeroDivisionError", "division by zero", "chained");
	e = sr_pyerror_parse(chain, strlen(chain));
	ok(e && strncmp(e->traceback, "Traceback", 9) == 0 &&
	    strstr(e->traceback, "KeyError"), "chained: traceback covers the chain");
	sr_pyerror_free(e);
	pyerr("some output\nTraceback (most recent call last):\n"
	    "  File \"x.py\", line 9, in f\n"
	    "pandas.errors.ParserError: Error tokenizing data. C error: Expected 2 fields\n",
	    "pandas.errors.ParserError",
	    "Error tokenizing data. C error: Expected 2 fields", "dotted");
	pyerr("  File \"/sandbox/main.py\", line 1\n    print(\"a\"\n         ^\n"
	    "SyntaxError: '(' was never closed\n", "SyntaxError",
	    "'(' was never closed", "syntax error");
	pyerr("Traceback (most recent call last):\n  File \"m.py\", line 1\n"
	    "KeyboardInterrupt\n", "KeyboardInterrupt", "", "KeyboardInterrupt");
	pyerr("Traceback (most recent call last):\r\n  File \"m.py\", line 1\r\n"
	    "ValueError: crlf\r\n", "ValueError", "crlf", "CRLF lines");
	pyerr("giving up\n", NULL, NULL, "sys.exit(msg)");
	pyerr("", NULL, NULL, "empty stderr");
	pyerr("SyntaxError: not after a File line\n", NULL, NULL,
	    "bare SyntaxError line");
	pyerr("Traceback (most recent call last):\n  File \"m.py\"\n", NULL, NULL,
	    "traceback cut before the exception line");
}

int
main(void)
{
	TAP_PLAN(17);
	test_pyerror();
	return tap_done();
}
