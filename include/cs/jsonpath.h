/*
 * Reading results files, and their documents by dotted path
 * ("latency_us.p99"), for the tools that read them (lab-check, --compare).
 */
#ifndef CS_JSONPATH_H
#define CS_JSONPATH_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The item at a dotted path, or NULL. */
const cJSON *cs_json_at(const cJSON *o, const char *path);
/* The number at path, or NAN when it is missing or not a number. */
double cs_json_num(const cJSON *o, const char *path);
/* The string at path, or NULL. */
const char *cs_json_str(const cJSON *o, const char *path);
/* Is doc a clustersim results document? (requests, scenario, throughput) */
int cs_json_is_results(const cJSON *doc);
/* Read, parse and recognise the results file at path (*out: caller
 * deletes). CS_E_IO, CS_E_INVALID or CS_E_NOMEM with one line in err
 * naming the file. */
int cs_results_load(const char *path, cJSON **out, char *err, size_t errlen);

#endif
