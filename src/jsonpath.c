/* Reading results documents by dotted path. See jsonpath.h. */
#include "cs/jsonpath.h"

#include <math.h>
#include <string.h>

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
