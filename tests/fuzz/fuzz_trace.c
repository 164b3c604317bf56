/* libFuzzer harness: the trace reader, on any bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "cs/common.h"
#include "cs/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_trace t;
    char err[CS_ERRBUF];
    if (cs_trace_parse(&t, "fuzz", (const char *)data, size, err, sizeof(err)) == CS_OK) {
        for (size_t i = 1; i < t.n; i++)
            if (t.offset_ns[i] < t.offset_ns[i - 1])
                abort();
        cs_trace_free(&t);
    } else if (err[0] == '\0' || t.offset_ns) {
        abort();
    }
    return 0;
}
