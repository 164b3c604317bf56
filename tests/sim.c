/* Test helpers; see sim.h. */
#include "sim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cs/common.h"

void sim_scenario(struct cs_scenario *sc, const char *json)
{
    char err[CS_ERRBUF] = "";
    int rc = cs_scenario_parse(sc, json, strlen(json), err, sizeof(err));
    if (rc != CS_OK)
        fail_msg("scenario did not parse: %s", err);
}

char *sim_render(void (*render)(const struct cs_results *, FILE *), const struct cs_results *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    render(r, out);
    assert_int_equal(fclose(out), 0);
    return text;
}
