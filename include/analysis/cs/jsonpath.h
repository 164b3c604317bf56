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
/* Read and parse the JSON file at path (at most max_bytes; kind names it
 * when it cannot be read, what in a syntax error's message); *out: caller
 * deletes. CS_E_IO, CS_E_INVALID or CS_E_NOMEM with one line in err. */
int cs_json_load(const char *path, size_t max_bytes, const char *kind, const char *what, cJSON **out, char *err,
                 size_t errlen);
/* Read, parse and recognise the results file at path (*out: caller
 * deletes). CS_E_IO, CS_E_INVALID or CS_E_NOMEM with one line in err
 * naming the file. */
int cs_results_load(const char *path, cJSON **out, char *err, size_t errlen);

#endif
