/* libFuzzer harness: --set assignments, as NUL-separated strings applied
 * to the embedded default scenario. Composed text must parse (unless a
 * value was not UTF-8), and the scenario it gives must print and parse
 * back to the same values (roundtrip.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/config.h"
#include "roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *sets[8];
    int n = 0;
    for (char *p = copy; n < 8 && p <= copy + size; p += strlen(p) + 1)
        sets[n++] = p;
    char err[CS_ERRBUF] = "", *text = NULL;
    int rc = cs_scenario_compose(NULL, sets, n, &text, err, sizeof(err));
    if (rc == CS_OK) {
        static struct cs_scenario s;
        if (cs_scenario_parse(&s, text, strlen(text), err, sizeof(err)) == CS_OK)
            roundtrip_scenario("fuzz_set", &s);
        else if (strstr(err, "UTF-8") == NULL)
            abort(); /* composed text parses, unless a value was not UTF-8 */
        free(text);
    } else if (err[0] == '\0') {
        abort();
    }
    free(copy);
    return 0;
}
