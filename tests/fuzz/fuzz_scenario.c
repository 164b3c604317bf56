/* libFuzzer harness: the scenario parser, on any bytes. Whatever the input,
 * it must return 0 or CS_E_INVALID with a message, never crash or leak; a
 * scenario it accepts must print and parse back to the same values, key by
 * key, and print again to the same text (roundtrip.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/config.h"
#include "roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cs_scenario a;
    char err[CS_ERRBUF] = "";
    int rc = cs_scenario_parse(&a, (const char *)data, size, err, sizeof(err));
    if (rc == CS_OK)
        roundtrip_scenario("fuzz_scenario", &a);
    else if (rc != CS_E_INVALID || err[0] == '\0')
        abort();
    return 0;
}
