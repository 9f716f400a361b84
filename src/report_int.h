/* report_int.h - between report.c, report_json.c and report_text.c. */
#ifndef SR_REPORT_INT_H
#define SR_REPORT_INT_H

#include "result.h"

/* Where the peak memory figure came from: the mechanism's name, or
 * "rusage". */
const char *sr_report_memory_source(enum sr_mech m);

#endif
