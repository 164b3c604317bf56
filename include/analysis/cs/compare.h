/*
 * clustersim --compare: results files side by side, for the thing
 * students do after every change. Pure: reads parsed results documents,
 * writes a table. No MPI.
 */
#ifndef CS_COMPARE_H
#define CS_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#define CS_COMPARE_MAX 8

/* Print docs[0..n-1] (labelled names[i]) side by side: what differs in
 * their scenarios, then throughput, latency percentiles, utilization,
 * outcomes and verdicts, each later column with its change from the
 * first. CS_E_INVALID with a message when a document is not results. */
int cs_compare(const cJSON *const *docs, const char *const *names, int n, FILE *out, char *err, size_t errlen);

#endif
