/* Reading results files and documents. See jsonpath.h. */
#include "cs/jsonpath.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"
#include "cs/fileio.h"
#include "cs/jsontext.h"

#define RESULTS_MAX_BYTES (64u << 20)

const cJSON *cs_json_at(const cJSON *o, const char *path)
{
    char key[64];
    while (o && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        path += n + (path[n] == '.');
    }
    return o;
}

double cs_json_num(const cJSON *o, const char *path)
{
    const cJSON *v = cs_json_at(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *cs_json_str(const cJSON *o, const char *path)
{
    const cJSON *v = cs_json_at(o, path);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int cs_json_is_results(const cJSON *doc)
{
    return cJSON_IsObject(doc) && cJSON_IsObject(cs_json_at(doc, "requests")) &&
           cJSON_IsObject(cs_json_at(doc, "scenario")) && cJSON_IsNumber(cs_json_at(doc, "throughput_rps"));
}

int cs_json_load(const char *path, size_t max_bytes, const char *kind, const char *what, cJSON **out, char *err,
                 size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = cs_read_file(path, max_bytes, kind, &text, &len, err, errlen);
    if (rc != CS_OK)
        return rc;
    *out = cs_json_parse_text(text, len, what, err, errlen);
    free(text);
    return *out ? CS_OK : CS_E_INVALID;
}

int cs_results_load(const char *path, cJSON **out, char *err, size_t errlen)
{
    char what[1024];
    snprintf(what, sizeof(what), "'%s'", path);
    cJSON *doc;
    int rc = cs_json_load(path, RESULTS_MAX_BYTES, "results file", what, &doc, err, errlen);
    *out = NULL;
    if (rc != CS_OK)
        return rc;
    if (!cs_json_is_results(doc)) {
        snprintf(err, errlen, "'%s': not a clustersim results file (no requests, scenario or throughput_rps)", path);
        cJSON_Delete(doc);
        return CS_E_INVALID;
    }
    *out = doc;
    return CS_OK;
}
