/* pyerror.h - the program's uncaught Python exception, read from stderr.
 *
 * Rule (policy "errors": "python", SR_ERROR_RULE_PYTHON), applied when the
 * program exited non-zero or was killed by a signal that is not a limit:
 *   - the last "Traceback (most recent call last):" line starts the last
 *     exception; its first non-indented line is "Name: value" or "Name"
 *     (dotted names such as pandas.errors.ParserError kept whole); the
 *     value runs to the end of stderr (multi-line messages, notes);
 *   - chained exceptions ("The above exception was the direct cause...",
 *     "During handling of the above exception...") give the last one, and
 *     the traceback text covers the whole chain;
 *   - a SyntaxError/IndentationError/TabError of the main script has no
 *     Traceback line: '  File "...", line N' + indented lines + the error;
 *   - an exception group ("  + Exception Group Traceback") gives the
 *     group's own line ("ExceptionGroup: msg (2 sub-exceptions)");
 *   - anything else (sys.exit("msg"), no traceback) gives no error.
 * The text used is the sanitized capture (valid UTF-8), so the result is
 * too.
 */
#ifndef SR_PYERROR_H
#define SR_PYERROR_H

#include <stddef.h>

#include "policy.h"
#include "result.h"

/* The exception in len bytes of text, or NULL.  Caller frees with
 * sr_pyerror_free. */
struct sr_pyerror *sr_pyerror_parse(const char *text, size_t len);
void sr_pyerror_free(struct sr_pyerror *e);

/* Set r->pyerror from r->err when the rule and the outcome call for it. */
void sr_pyerror_apply(struct sr_result *r, enum sr_error_rule rule);

#endif
