/*
 * Arrival traces: replay recorded arrival times (and, optionally, service
 * times) from a CSV file. One request per line: "offset_s[,service_us]",
 * the offset in seconds from the start of the run (warm-up included),
 * non-decreasing. Blank lines and lines starting with '#' are skipped, and
 * so is a first line that is a header (it does not start with a number).
 */
#ifndef CS_TRACE_H
#define CS_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define CS_TRACE_MAX_LINES 50000000

struct cs_trace {
    size_t n;
    int64_t *offset_ns;  /* [n] */
    int64_t *service_ns; /* [n], or NULL when the trace has no service column */
};

/* Parse CSV text. On error: CS_E_INVALID, with "<what>:<line>: ..." in err. */
int cs_trace_parse(struct cs_trace *t, const char *what, const char *text, size_t len, char *err, size_t errlen);
/* Read and parse a file (at most CS_SCENARIO_FILE_MAX x 16 bytes). */
int cs_trace_load(struct cs_trace *t, const char *path, char *err, size_t errlen);
void cs_trace_free(struct cs_trace *t);

#endif
