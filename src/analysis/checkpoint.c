/*
 * Checkpoints (checkpoint.h): results written whole while a run goes on,
 * on the caller's thread or on a writer thread of their own.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cs/checkpoint.h"
#include "cs/common.h"
#include "cs/fileio.h"
#include "cs/sweep.h"

enum { IDLE, FILLING, PENDING, WRITING };

/* The file a checkpoint goes to, or NULL: not to a stream (a pipe,
 * /dev/stdout), which gets the final results only. */
static const char *checkpointed(const char *path)
{
    return path && !cs_is_stream(path) ? path : NULL;
}

int cs_checkpoint_write(struct cs_checkpoint *cp, struct cs_results *r, const struct cs_sweep_row *rows, int nrows)
{
    snprintf(r->started_utc, sizeof(r->started_utc), "%s", cp->started ? cp->started : "");
    snprintf(r->command, sizeof(r->command), "%s", cp->command ? cp->command : "");
    r->all_nodes = cp->all_nodes;
    struct cs_sweep_row own;
    if (nrows == 0) {
        cs_sweep_row_from(r, &own);
        rows = &own;
        nrows = 1;
    }
    const char *to_json = checkpointed(cp->json), *to_csv = checkpointed(cp->csv);
    char err[2][CS_ERRBUF];
    /* The CSV first, the JSON (which --resume reads) last, as at the end
     * (cs_cli_finish): a process killed between the two leaves the JSON
     * one checkpoint behind, and --resume runs that step again. */
    int csv = cs_write_whole(to_csv, to_csv ? cs_sweep_csv(r, rows, nrows) : NULL, err[1], sizeof(err[1]));
    int json = cs_write_whole(to_json, to_json ? cs_results_json(r) : NULL, err[0], sizeof(err[0]));
    if (json == CS_OK && csv == CS_OK)
        return CS_OK;
    if (!cp->failed)
        fprintf(stderr, "clustersim: %s: a checkpoint could not be written (%s); the run goes on (said once)\n",
                json != CS_OK ? "--json" : "--csv", json != CS_OK ? err[0] : err[1]);
    cp->failed = true;
    return json != CS_OK ? json : csv;
}

/* A process of the run died: the last checkpoint again, saying so, and
 * the end of this process. Called with the writer's state claimed. */
static void die(struct cs_checkpoint *cp, const char *why)
{
    bool kept = false; /* in a file, not only said (a stream gets none) */
    if (cp->have_snap) {
        char was[sizeof(cp->snap.ended)];
        snprintf(was, sizeof(was), "%s", cp->snap.ended);
        snprintf(cp->snap.ended, sizeof(cp->snap.ended), "%.150s; the results stop at the last checkpoint (%.120s)",
                 why, was);
        cs_results_analyze(&cp->snap); /* its reason quotes ended */
        kept =
            cs_checkpoint_write(cp, &cp->snap, NULL, 0) == CS_OK && (checkpointed(cp->json) || checkpointed(cp->csv));
    }
    fprintf(stderr, "\nclustersim: %s: the run cannot finish%s\n", why,
            kept ? "; what rank 0 had measured is in the results files, marked incomplete" : "");
    fflush(NULL);
    _exit(EXIT_FAILURE);
}

/* How often the writer looks at the stop flag while it waits. */
#define WATCH_NS 50000000L

static void *writer(void *arg)
{
    struct cs_checkpoint *cp = arg;
    pthread_mutex_lock(&cp->mu);
    for (;;) {
        if (cp->state == PENDING) {
            cp->state = WRITING;
            pthread_mutex_unlock(&cp->mu);
            cs_results_analyze(&cp->snap);
            cs_checkpoint_write(cp, &cp->snap, NULL, 0);
            pthread_mutex_lock(&cp->mu);
            cp->have_snap = true;
            cp->state = IDLE;
            pthread_cond_broadcast(&cp->cv);
            continue;
        }
        if (cp->state == IDLE && cp->stop && *cp->stop && cp->died) {
            char why[160];
            if (cp->died(cp->died_arg, why, sizeof(why))) {
                cp->state = WRITING; /* for good: nobody fills snap again */
                pthread_mutex_unlock(&cp->mu);
                die(cp, why);
            }
        }
        if (cp->quit)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += WATCH_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&cp->cv, &cp->mu, &until);
    }
    pthread_mutex_unlock(&cp->mu);
    return NULL;
}

int cs_checkpoint_start(struct cs_checkpoint *cp, int ranks)
{
    if (cs_results_init(&cp->snap, ranks) != CS_OK)
        return CS_E_NOMEM;
    pthread_mutex_init(&cp->mu, NULL);
    pthread_cond_init(&cp->cv, NULL);
    cp->state = IDLE;
    cp->quit = false;
    cp->have_snap = false;
    /* A stop signal must reach the thread that acts on it. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(&cp->thread, NULL, writer, cp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        cs_results_free(&cp->snap);
        pthread_cond_destroy(&cp->cv);
        pthread_mutex_destroy(&cp->mu);
        return CS_E_NOMEM;
    }
    cp->threaded = true;
    return CS_OK;
}

struct cs_results *cs_checkpoint_take(struct cs_checkpoint *cp)
{
    if (!cp || !cp->threaded || (!cp->json && !cp->csv))
        return NULL;
    pthread_mutex_lock(&cp->mu);
    bool idle = cp->state == IDLE;
    if (idle)
        cp->state = FILLING;
    pthread_mutex_unlock(&cp->mu);
    return idle ? &cp->snap : NULL;
}

void cs_checkpoint_post(struct cs_checkpoint *cp)
{
    pthread_mutex_lock(&cp->mu);
    cp->state = PENDING;
    pthread_cond_broadcast(&cp->cv);
    pthread_mutex_unlock(&cp->mu);
}

void cs_checkpoint_wait(struct cs_checkpoint *cp)
{
    if (!cp || !cp->threaded)
        return;
    pthread_mutex_lock(&cp->mu);
    while (cp->state == PENDING || cp->state == WRITING)
        pthread_cond_wait(&cp->cv, &cp->mu);
    pthread_mutex_unlock(&cp->mu);
}

void cs_checkpoint_stop(struct cs_checkpoint *cp)
{
    if (!cp || !cp->threaded)
        return;
    cs_checkpoint_wait(cp);
    pthread_mutex_lock(&cp->mu);
    cp->quit = true;
    pthread_cond_broadcast(&cp->cv);
    pthread_mutex_unlock(&cp->mu);
    pthread_join(cp->thread, NULL);
    pthread_cond_destroy(&cp->cv);
    pthread_mutex_destroy(&cp->mu);
    cs_results_free(&cp->snap);
    cp->threaded = false;
}
