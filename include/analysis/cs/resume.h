/*
 * Resuming a sweep (--resume FILE): the steps a partial results file of
 * the same sweep finished are kept as they are, and only the others run.
 * The file must come from this version of clustersim and the same
 * scenario (its "sweep_scenario", exactly), and its rows must be steps
 * of this sweep's plan on this job (node counts, levers), each at its
 * place ("step"): the first steps of a sweep run in order, any of them
 * when ranks shared the steps. The last step of a sweep that is not
 * complete always runs again: its full results make the report.
 */
#ifndef CS_RESUME_H
#define CS_RESUME_H

#include <stdbool.h>
#include <stddef.h>

#include "cs/config.h"
#include "cs/sweep.h"

struct cs_resume {
    const char *path;
    int kept;       /* steps kept: finished in the file (but the last step of a sweep not complete) */
    uint64_t steps; /* which: bit i, the plan's step i + 1 */
    bool complete;  /* the file holds the whole sweep already */
    struct cs_sweep_row rows[CS_SWEEP_MAX]; /* [i]: step i + 1's row, where steps has bit i */
};

/* Read path for the sweep sc with max_nodes service nodes into *rs:
 * CS_OK, or CS_E_INVALID / CS_E_IO with one line in err naming the file
 * and what is wrong (not JSON, another version or scenario, rows that are
 * not this sweep's steps). */
int cs_resume_load(struct cs_resume *rs, const char *path, const struct cs_scenario *sc, int max_nodes, char *err,
                   size_t errlen);

/* The same for a results file already read and parsed (doc), named path
 * in messages. */
struct cJSON;
int cs_resume_check(struct cs_resume *rs, const struct cJSON *doc, const char *path, const struct cs_scenario *sc,
                    int max_nodes, char *err, size_t errlen);

#endif
