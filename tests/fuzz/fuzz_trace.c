/* libFuzzer harness: the trace reader, on any bytes. Whatever the input, it
 * must accept it with non-decreasing offsets or refuse it with a message,
 * never crash or leak; a trace it accepts, printed as CSV to the
 * nanosecond (offsets in seconds, service times in microseconds, as the
 * reader rounds them), must parse back to the same requests. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "offset_s[,service_us]" lines, exact: both are whole nanoseconds >= 0. */
static char *print_trace(const struct cs_trace *t)
{
    size_t cap = t->n * 48 + 64, used = 0;
    char *text = malloc(cap);
    if (!text)
        abort();
    used += (size_t)snprintf(text, cap, "offset_s%s\n", t->service_ns ? ",service_us" : "");
    for (size_t i = 0; i < t->n; i++) {
        int64_t o = t->offset_ns[i];
        used += (size_t)snprintf(text + used, cap - used, "%" PRId64 ".%09" PRId64, o / 1000000000, o % 1000000000);
        if (t->service_ns) {
            int64_t s = t->service_ns[i];
            used += (size_t)snprintf(text + used, cap - used, ",%" PRId64 ".%03" PRId64, s / 1000, s % 1000);
        }
        used += (size_t)snprintf(text + used, cap - used, "\n");
    }
    return text;
}

static void mismatch(const char *what, size_t i, int64_t was, int64_t now)
{
    fprintf(stderr,
            "fuzz_trace: the printed trace parses back to a different %s at request %zu: %" PRId64 " ns, was %" PRId64
            " ns\n",
            what, i + 1, now, was);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_trace t, u;
    char err[CS_ERRBUF] = "";
    if (cs_trace_parse(&t, "fuzz", (const char *)data, size, err, sizeof(err)) == CS_OK) {
        for (size_t i = 1; i < t.n; i++)
            if (t.offset_ns[i] < t.offset_ns[i - 1])
                abort();
        char *text = print_trace(&t);
        if (cs_trace_parse(&u, "printed", text, strlen(text), err, sizeof(err)) != CS_OK) {
            fprintf(stderr, "fuzz_trace: the printed trace does not parse: %s\n", err);
            abort();
        }
        if (u.n != t.n) {
            fprintf(stderr, "fuzz_trace: the printed trace parses back to %zu requests, not %zu\n", u.n, t.n);
            abort();
        }
        if (!u.service_ns != !t.service_ns) {
            fprintf(stderr, "fuzz_trace: the printed trace parses back %s service times\n",
                    t.service_ns ? "without" : "with");
            abort();
        }
        for (size_t i = 0; i < t.n; i++) {
            if (u.offset_ns[i] != t.offset_ns[i])
                mismatch("offset", i, t.offset_ns[i], u.offset_ns[i]);
            if (t.service_ns && u.service_ns[i] != t.service_ns[i])
                mismatch("service time", i, t.service_ns[i], u.service_ns[i]);
        }
        free(text);
        cs_trace_free(&u);
        cs_trace_free(&t);
    } else if (err[0] == '\0' || t.offset_ns) {
        abort();
    }
    return 0;
}
