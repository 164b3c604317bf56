/* Test helpers; see sim.h. */
#include "sim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "cs/common.h"

void sim_scenario(struct cs_scenario *sc, const char *json)
{
    char err[CS_ERRBUF] = "";
    int rc = cs_scenario_parse(sc, json, strlen(json), err, sizeof(err));
    if (rc != CS_OK)
        fail_msg("scenario did not parse: %s", err);
}
