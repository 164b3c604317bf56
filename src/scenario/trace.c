/*
 * Trace reader: CSV text to arrays of offsets and service times. It
 * validates every line and reports the first bad one with its number; it
 * does not know what a run does with the arrivals.
 */
#include "cs/trace.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cs/common.h"
#include "cs/config.h"
#include "cs/fileio.h"

#define TRACE_FILE_MAX ((size_t)CS_SCENARIO_FILE_MAX * 16)

void cs_trace_free(struct cs_trace *t)
{
    free(t->offset_ns);
    free(t->service_ns);
    memset(t, 0, sizeof(*t));
}

static int grow(struct cs_trace *t, size_t *cap, bool with_service)
{
    size_t n = *cap ? *cap * 2 : 1024;
    int64_t *o = realloc(t->offset_ns, n * sizeof(*o));
    if (!o)
        return CS_E_NOMEM;
    t->offset_ns = o;
    if (with_service) {
        int64_t *s = realloc(t->service_ns, n * sizeof(*s));
        if (!s)
            return CS_E_NOMEM;
        t->service_ns = s;
    }
    *cap = n;
    return CS_OK;
}

/* A finite number filling [p, end) exactly (surrounding blanks allowed). */
static bool number(const char *p, const char *end, double *out)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    if (p == end || end - p > 63)
        return false;
    char buf[64];
    memcpy(buf, p, (size_t)(end - p));
    buf[end - p] = '\0';
    if (strpbrk(buf, "xX")) /* strtod reads hexadecimal ("0x10" is 16): a typo here, not seconds */
        return false;
    char *stop;
    errno = 0;
    double v = strtod(buf, &stop);
    if (*stop != '\0' || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* Is [p, end), blanks aside, a number spelled out: nan, inf or infinity
 * (any case)? Not a header's name ("nanos", "info"). */
static bool spelled_number(const char *p, const char *end)
{
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    size_t n = (size_t)(end - p);
    return (n == 3 && (strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0)) ||
           (n == 8 && strncasecmp(p, "infinity", 8) == 0);
}

int cs_trace_parse(struct cs_trace *t, const char *what, const char *text, size_t len, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    /* A NUL is no text: a UTF-16 file (every other byte one) read as 0s,
     * and "0.25<NUL>junk" as 0.25. */
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        long at = 1;
        for (const char *c = text; c < nul; c++)
            at += *c == '\n';
        snprintf(err, errlen, "%s:%ld: a NUL byte: this is not text (a UTF-16 file? save it as UTF-8 or ASCII CSV)",
                 what, at);
        return CS_E_INVALID;
    }
    size_t cap = 0;
    int columns = 0; /* decided by the first data line: 1 or 2 */
    /* (past a byte-order mark: a spreadsheet's CSV may start with one) */
    const char *p = text + cs_text_bom(text, len), *end = text + len;
    int64_t last = 0;
    for (long line = 1; p < end; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *q = p;
        while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        const char *next = eol < end ? eol + 1 : end;
        if (q == eol || *q == '#') {
            p = next;
            continue;
        }
        const char *comma = memchr(q, ',', (size_t)(eol - q));
        double off, svc = 0;
        bool ok_off = number(q, comma ? comma : eol, &off);
        /* A header: a first line that is not a number, nor one spelled out
         * ("nan", "inf": numbers out of range, said so below), and whose
         * second field is no number either (",5" or "O.01,500" is a data
         * line mistyped, said so below, not a header dropped). */
        double second;
        if (!ok_off && t->n == 0 && columns == 0 &&
            !(*q == '-' || *q == '+' || *q == '.' || (*q >= '0' && *q <= '9')) &&
            !spelled_number(q, comma ? comma : eol) && !(comma && number(comma + 1, eol, &second))) {
            p = next; /* a header */
            columns = -1;
            continue;
        }
        int cols = comma ? 2 : 1;
        if (comma && memchr(comma + 1, ',', (size_t)(eol - comma - 1))) {
            snprintf(err, errlen, "%s:%ld: expected offset_s[,service_us], got more than two fields", what, line);
            goto fail;
        }
        if (!ok_off || off < 0 || off > 604800) {
            snprintf(err, errlen, "%s:%ld: offset_s must be a number of seconds from 0 to 604800, got '%.*s'", what,
                     line, (int)((comma ? comma : eol) - q > 40 ? 40 : (comma ? comma : eol) - q), q);
            goto fail;
        }
        if (comma && (!number(comma + 1, eol, &svc) || svc < 0 || svc > 1e9)) {
            snprintf(err, errlen, "%s:%ld: service_us must be a number of microseconds from 0 to 1e9, got '%.*s'", what,
                     line, (int)(eol - comma - 1 > 40 ? 40 : eol - comma - 1), comma + 1);
            goto fail;
        }
        if (columns <= 0)
            columns = cols;
        else if (cols != columns) {
            snprintf(err, errlen, "%s:%ld: %d field%s here but %d on the first line", what, line, cols,
                     cols == 1 ? "" : "s", columns);
            goto fail;
        }
        int64_t off_ns = (int64_t)llround(off * 1e9);
        if (off_ns < last) {
            snprintf(err, errlen, "%s:%ld: offset %.9g s is before the previous line's; offsets must not decrease",
                     what, line, off);
            goto fail;
        }
        if (t->n == CS_TRACE_MAX_LINES) {
            snprintf(err, errlen, "%s:%ld: more than %d requests", what, line, CS_TRACE_MAX_LINES);
            goto fail;
        }
        if (t->n == cap && grow(t, &cap, columns == 2) != CS_OK) {
            snprintf(err, errlen, "%s: out of memory", what);
            goto fail;
        }
        t->offset_ns[t->n] = off_ns;
        if (columns == 2)
            t->service_ns[t->n] = (int64_t)llround(svc * 1e3);
        t->n++;
        last = off_ns;
        p = next;
    }
    if (t->n == 0) {
        snprintf(err, errlen, "%s: no requests in the trace", what);
        goto fail;
    }
    return CS_OK;
fail:
    cs_trace_free(t);
    return CS_E_INVALID;
}

int cs_trace_load(struct cs_trace *t, const char *path, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    char *buf = NULL, inner[CS_ERRBUF];
    size_t n = 0;
    if (cs_read_file(path, TRACE_FILE_MAX, "trace file", &buf, &n, inner, sizeof(inner)) != CS_OK) {
        snprintf(err, errlen, "scenario key 'load.trace': %s", inner);
        return CS_E_INVALID;
    }
    int rc = cs_trace_parse(t, path, buf, n, err, errlen);
    free(buf);
    return rc;
}
