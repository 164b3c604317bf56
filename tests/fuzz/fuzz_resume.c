/* libFuzzer harness: a --resume file, on any bytes. Parsed as JSON, a
 * results file is checked against two sweeps: the one its own
 * "sweep_scenario" describes (where that parses as a scenario; on 4 and 9
 * service nodes), so that inputs reach the rows and the plan, and the
 * default scenario's. Whatever the input, the check must accept it with
 * 0..CS_SWEEP_MAX kept steps, as many as its mask says, each a row of the
 * plan's nodes, or refuse it with a message; never crash or leak. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/jsonpath.h"
#include "cs/resume.h"
#include "cs/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const cJSON *doc, const struct cs_scenario *sc, int nodes)
{
    static struct cs_resume rs;
    char err[CS_ERRBUF] = "";
    int rc = cs_resume_check(&rs, doc, "fuzz.json", sc, nodes, err, sizeof(err));
    if (rc == CS_OK) {
        if (rs.kept < 0 || rs.kept > CS_SWEEP_MAX || rs.kept != __builtin_popcountll(rs.steps)) {
            fprintf(stderr, "fuzz_resume: accepted with %d kept steps (mask %llx)\n", rs.kept,
                    (unsigned long long)rs.steps);
            abort();
        }
        for (int i = 0; i < CS_SWEEP_MAX; i++)
            if ((rs.steps >> i & 1) && (rs.rows[i].nodes < 1 || rs.rows[i].nodes > nodes)) {
                fprintf(stderr, "fuzz_resume: kept step %d has %d nodes of %d\n", i + 1, rs.rows[i].nodes, nodes);
                abort();
            }
    } else if (!err[0] || strncmp(err, "--resume", 8) != 0) {
        fprintf(stderr, "fuzz_resume: refused (%d) without a message: '%s'\n", rc, err);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
    if (!doc || !cs_json_is_results(doc)) {
        cJSON_Delete(doc);
        return 0;
    }
    static struct cs_scenario sc;
    char err[CS_ERRBUF];
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(doc, "sweep_scenario"));
    if (text && cs_scenario_parse(&sc, text, strlen(text), err, sizeof(err)) == CS_OK) {
        check(doc, &sc, 4);
        check(doc, &sc, 9);
    }
    free(text);
    if (cs_scenario_parse(&sc, "{}", 2, err, sizeof(err)) == CS_OK)
        check(doc, &sc, 4);
    cJSON_Delete(doc);
    return 0;
}
