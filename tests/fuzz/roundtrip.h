/* The round trip the scenario harnesses check: a scenario that parsed
 * prints, and the printed text parses back to the same values, key by key
 * (cs_scenario_diff), and prints again to the same text. A mismatch says
 * which key on stderr and aborts, so that libFuzzer and replay report it. */
#ifndef CS_FUZZ_ROUNDTRIP_H
#define CS_FUZZ_ROUNDTRIP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/config.h"

static void roundtrip_fail(const char *harness, const char *what, const char *text, const char *err)
{
    fprintf(stderr, "%s: %s\n", harness, what);
    if (err && err[0])
        fprintf(stderr, "  the parser said: %s\n", err);
    if (text)
        fprintf(stderr, "  printed scenario:\n%s\n", text);
    abort();
}

static void roundtrip_scenario(const char *harness, const struct cs_scenario *a)
{
    static struct cs_scenario b; /* large: not on the stack */
    char err[CS_ERRBUF] = "";
    char *text = cs_scenario_to_json(a);
    if (!text)
        roundtrip_fail(harness, "the scenario does not print", NULL, NULL);
    if (cs_scenario_parse(&b, text, strlen(text), err, sizeof(err)) != CS_OK)
        roundtrip_fail(harness, "the printed scenario does not parse", text, err);
    const char *key = cs_scenario_diff(a, &b);
    if (key) {
        char what[200];
        snprintf(what, sizeof(what), "the printed scenario parses back to a different %s", key);
        roundtrip_fail(harness, what, text, NULL);
    }
    char *again = cs_scenario_to_json(&b);
    if (!again || strcmp(text, again) != 0)
        roundtrip_fail(harness, "the scenario parsed back from its printed text prints differently", again, NULL);
    free(again);
    free(text);
}

#endif
