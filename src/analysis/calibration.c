/* Calibration files (calibration.h). */
#include "cs/calibration.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cs/common.h"
#include "cs/jsonpath.h"
#include "cs/jsontext.h"

#define CALIBRATION_MAX_BYTES (1024 * 1024)

/* The modelled costs, by their scenario keys. */
static const struct {
    const char *key;
    size_t offset;
} costs[CS_CALIBRATION_KEYS] = {
    {"network.latency_us", offsetof(struct cs_calibration, latency_us)},
    {"model.coordinator_request_us", offsetof(struct cs_calibration, coordinator_request_us)},
    {"model.coordinator_message_us", offsetof(struct cs_calibration, coordinator_message_us)},
    {"model.node_overhead_us", offsetof(struct cs_calibration, node_overhead_us)},
};

static double cost(const struct cs_calibration *k, int i)
{
    return *(const double *)((const char *)k + costs[i].offset);
}

char *cs_calibration_json(const struct cs_calibration *k)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "clustersim_calibration", CS_CALIBRATION_FORMAT);
    cJSON_AddStringToObject(o, "version", CS_VERSION);
    cJSON_AddStringToObject(o, "measured_utc", k->measured_utc);
    cJSON_AddStringToObject(o, "host", k->host);
    cJSON_AddNumberToObject(o, "ranks", k->ranks);
    cJSON_AddNumberToObject(o, "cores", k->cores);
    cJSON_AddStringToObject(o, "library", k->library);
    cJSON_AddNumberToObject(o, "round_trips_per_s", round(k->round_trips_per_s));
    cJSON *sections[2] = {cJSON_AddObjectToObject(o, "network"), cJSON_AddObjectToObject(o, "model")};
    for (int i = 0; i < CS_CALIBRATION_KEYS; i++)
        cJSON_AddNumberToObject(sections[costs[i].key[0] == 'm'], strchr(costs[i].key, '.') + 1,
                                round(cost(k, i) * 1e3) / 1e3);
    char *text = cJSON_Print(o); /* as cs_results_json: freed with free() */
    cJSON_Delete(o);
    return text;
}

int cs_calibration_load(const char *path, struct cs_calibration *k, char *err, size_t errlen)
{
    memset(k, 0, sizeof(*k));
    char what[600];
    snprintf(what, sizeof(what), "calibration file '%s'", path);
    cJSON *doc;
    int rc = cs_json_load(path, CALIBRATION_MAX_BYTES, "calibration file", what, &doc, err, errlen);
    if (rc != CS_OK)
        return rc;
    double format = cs_json_num(doc, "clustersim_calibration");
    const char *twice = cs_json_repeated(doc), *in = "";
    for (const cJSON *c = doc->child; !twice && c; c = c->next)
        if (cJSON_IsObject(c) && (twice = cs_json_repeated(c)))
            in = c->string;
    if (twice) {
        snprintf(err, errlen, "%s: '%s%s%s' given twice", what, in, in[0] ? "." : "", twice);
        rc = CS_E_INVALID;
    } else if (isnan(format) && cs_json_at(doc, "clustersim_calibration")) {
        char got[80];
        snprintf(err, errlen, "%s: 'clustersim_calibration' must be its format number (%d), got %s", what,
                 CS_CALIBRATION_FORMAT, cs_json_got(cs_json_at(doc, "clustersim_calibration"), got, sizeof(got)));
        rc = CS_E_INVALID;
    } else if (isnan(format)) {
        snprintf(err, errlen,
                 "%s: not a clustersim calibration file (no 'clustersim_calibration'; write one with --calibrate "
                 "--json FILE)",
                 what);
        rc = CS_E_INVALID;
    } else if (format != CS_CALIBRATION_FORMAT) {
        const char *v = cs_json_str(doc, "version");
        snprintf(err, errlen, "%s: calibration format %g (from clustersim %s); this clustersim (%s) reads format %d",
                 what, format, v ? v : "unknown", CS_VERSION, CS_CALIBRATION_FORMAT);
        rc = CS_E_INVALID;
    }
    for (int i = 0; i < CS_CALIBRATION_KEYS && rc == CS_OK; i++) {
        const cJSON *v = cs_json_at(doc, costs[i].key);
        char got[80];
        /* (a cost below a nanosecond, as the scenario's keys, is none the
         * clock can hold) */
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 1e6 ||
            (v->valuedouble > 0 && v->valuedouble < 1e-3)) {
            snprintf(err, errlen,
                     "%s: '%s' must be a number of microseconds, 0 or from 0.001 (a nanosecond) to 1e6, got %s", what,
                     costs[i].key, v ? cs_json_got(v, got, sizeof(got)) : "nothing");
            rc = CS_E_INVALID;
        } else {
            *(double *)((char *)k + costs[i].offset) = v->valuedouble;
        }
    }
    const char *host = cs_json_str(doc, "host"), *utc = cs_json_str(doc, "measured_utc");
    snprintf(k->host, sizeof(k->host), "%s", host ? host : "");
    snprintf(k->measured_utc, sizeof(k->measured_utc), "%s", utc ? utc : "");
    k->round_trips_per_s = cs_json_num(doc, "round_trips_per_s");
    cJSON_Delete(doc);
    return rc;
}

void cs_calibration_sets(const struct cs_calibration *k, char sets[CS_CALIBRATION_KEYS][96])
{
    for (int i = 0; i < CS_CALIBRATION_KEYS; i++)
        snprintf(sets[i], 96, "%s=%.17g", costs[i].key, cost(k, i));
}
