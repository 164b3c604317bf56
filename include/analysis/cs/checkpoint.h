/*
 * Checkpoints: rank 0 writes the results it has so far, whole (an atomic
 * rename), while a run or a sweep goes on, so that a process that dies
 * later (a rank killed, the machine lost, a time limit without warning)
 * leaves a valid, incomplete results file behind instead of nothing.
 *
 * A sweep writes one after each step, from the driver's thread, between
 * steps. A single run hands rank 0's measures to a writer thread that
 * renders and writes them, so that the coordinator's request path only
 * pays for a copy: cs_checkpoint_take gives the thread's results to fill
 * (cs_results_partial) when it is idle, cs_checkpoint_post has it analyse
 * and write them. The thread calls no MPI.
 */
#ifndef CS_CHECKPOINT_H
#define CS_CHECKPOINT_H

#include <pthread.h>
#include <stdbool.h>

#include "cs/results.h"

struct cs_sweep_row;

struct cs_checkpoint {
    const char *json, *csv;        /* where (NULL: not written) */
    const char *started, *command; /* the run's metadata, into every file */
    bool all_nodes;                /* --all-nodes: list every node (cs_results.all_nodes) */
    bool failed;                   /* a write failed: said once on stderr */
    /* the writer thread, after cs_checkpoint_start */
    /* Watched by the writer thread: once *stop is set (a stop signal),
     * it asks died(died_arg) whether a process of the run died; if one
     * did, it rewrites the last checkpoint saying why, says it on stderr
     * and ends this process with exit status 1, whatever the caller's
     * thread is doing (it may be stuck sending to the dead rank). */
    const _Atomic int *stop;
    bool (*died)(const void *arg, char *why, size_t len);
    const void *died_arg;
    bool threaded;
    bool have_snap; /* snap holds a checkpoint */
    int state;      /* idle, filling, pending, writing */
    bool quit;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct cs_results snap;
};

/* Write r as JSON and its rows (none: r's own) as CSV, each whole, with
 * the run's metadata: CS_OK, or an error, said on stderr the first time
 * only ("... could not be written ...; the run goes on"). */
int cs_checkpoint_write(struct cs_checkpoint *cp, struct cs_results *r, const struct cs_sweep_row *rows, int nrows);

/* Start the writer thread, its results sized for ranks: CS_OK, or an
 * error (then there are no threaded checkpoints). Signals stay with the
 * caller's thread. */
int cs_checkpoint_start(struct cs_checkpoint *cp, int ranks);
/* The writer's results to fill, or NULL when it is still busy with the
 * last ones, not started, or has no file to write: then this checkpoint
 * is skipped. */
struct cs_results *cs_checkpoint_take(struct cs_checkpoint *cp);
/* Analyse (cs_results_analyze) and write what cs_checkpoint_take gave,
 * on the writer thread. */
void cs_checkpoint_post(struct cs_checkpoint *cp);
/* Until nothing handed over is still to be written. */
void cs_checkpoint_wait(struct cs_checkpoint *cp);
/* Wait, end the thread and free its results. */
void cs_checkpoint_stop(struct cs_checkpoint *cp);

#endif
