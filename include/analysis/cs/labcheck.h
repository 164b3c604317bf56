/*
 * Soundness checks on a results document, for the labs (docs/labs/,
 * scripts/lab-check.sh). They ask whether a measurement can be trusted,
 * never what its answer should be: requests add up, throughput stays under
 * the offered load and the model's capacity, Little's law holds in a
 * steady run, the warm-up and the window were long enough for the load,
 * the host's CPU did not distort the timings. With a lab number they also
 * check that the results come from that lab's scenarios and setup.
 */
#ifndef CS_LABCHECK_H
#define CS_LABCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* Labs 1..CS_LAB_COUNT have setup checks. */
#define CS_LAB_COUNT 4

/* Receives one problem, a line of plain text without a newline. */
typedef void (*cs_labcheck_say)(void *ctx, const char *problem);

/* The scenarios a lab runs, as a comma-separated list ("" for an unknown
 * lab): for messages and lab-check's --help. */
const char *cs_labcheck_scenarios(int lab);

/* Check one results document; lab is 0 for the general checks alone, or
 * 1..CS_LAB_COUNT. Returns the number of problems, each passed to say, or
 * CS_E_INVALID when the document is not clustersim results or not from
 * that lab's scenarios (one line in err). */
int cs_labcheck(const cJSON *doc, int lab, cs_labcheck_say say, void *ctx, char *err, size_t errlen);

/* Why a single run's document has no steady state for Little's law and
 * the settling checks, which cs_labcheck then skips ("throughput fell
 * short of the offered load", ...); NULL when it has one, or for a sweep. */
const char *cs_labcheck_unsteady(const cJSON *doc);

#endif
