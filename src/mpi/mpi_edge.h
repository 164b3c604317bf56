/*
 * The MPI edge: the only header that mentions MPI types. It offers the
 * MPI transport, the per-host placement probe, the run on ranks (each role
 * driven by one wait loop) and the end-of-run collectives. Everything
 * else in clustersim is MPI-free.
 * Private to src/mpi/ (ranks.c, mpi_run.c, mpi_transport.c): the core's public
 * headers are in include/<layer>/cs/.
 */
#ifndef CS_MPI_EDGE_H
#define CS_MPI_EDGE_H

#include <mpi.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "bell.h"
#include "cs/checkpoint.h"
#include "cs/config.h"
#include "cs/results.h"
#include "cs/stop.h" /* cs_stop_signal: each dispatcher then stops generating and drains */
#include "cs/trace.h"
#include "cs/transport.h"

/* Abort the job on an MPI failure (never a user mistake): print the MPI
 * error string with file and line, flush, MPI_Abort. */
#define CS_MPI_CHECK(call)                                      \
    do {                                                        \
        int cs_mpi_rc_ = (call);                                \
        if (cs_mpi_rc_ != MPI_SUCCESS)                          \
            cs_mpi_fail(cs_mpi_rc_, #call, __FILE__, __LINE__); \
    } while (0)
void cs_mpi_fail(int rc, const char *what, const char *file, int line);

/* The MPI library, in a few words ("Open MPI v4.1.4", "MPICH 4.0.2");
 * callable before MPI_Init. */
void cs_mpi_library(char *out, size_t len);

struct cs_mpi_transport {
    struct cs_transport ops;
    MPI_Comm comm;
    struct cs_bell **bells; /* by destination rank; NULL: no doorbell */
    int tag;                /* this run's: its messages, sent and received, carry it */
    int nrecv;              /* receives kept posted */
    MPI_Request *reqs;
    struct cs_msg *bufs; /* [nrecv * CS_BATCH_MAX]: a batch each */
    int *ready;          /* indices completed by the last Testsome */
    MPI_Status *status;  /* and their statuses: sender and size */
    int ready_count, ready_pos;
    struct cs_bell *mine; /* this rank's doorbell, or NULL */
    uint32_t taken;       /* messages taken from ranks that ring it (cs_mpi_due) */
    int64_t due_since;    /* when a message was first seen due and not yet taken; -1: none */
};

/* nrecv receives stay posted from any source with the run's tag, which
 * every message of the run carries: a message left from an earlier run
 * (a sweep's step before: a late reply, an idle token) has another and
 * is never taken, nor is any other message on comm (the reports after a
 * run, a shared sweep's jobs). Use 1 where message order matters (a
 * service node); a dispatcher or a relay, which hears from many ranks,
 * keeps more. Each send rings bells[dest] when there is one (bells may
 * be NULL). */
#define CS_MPI_TAG_FIRST 1000 /* the runs' tags: 1000 to 30999 (MPI_TAG_UB is at least 32767) */
#define CS_MPI_TAG_RUNS 30000
int cs_mpi_transport_open(struct cs_mpi_transport *t, MPI_Comm comm, int tag, int nrecv, struct cs_bell **bells);
void cs_mpi_transport_close(struct cs_mpi_transport *t);
/* Has a rank on this host sent a message that this one has not taken
 * yet? Then it is worth looking again rather than sleeping. A count that
 * has not come true for CS_MPI_DUE_MAX_NS (the message was taken outside
 * the transport) is forgotten, so a stale count cannot keep a rank awake. */
#define CS_MPI_DUE_MAX_NS (2 * CS_NS_PER_MS)
bool cs_mpi_due(struct cs_mpi_transport *t, int64_t now);

/* Complete a nonblocking operation, napping between tests rather than
 * spinning: Open MPI's blocking calls busy-poll, which starves the ranks
 * being waited for when ranks outnumber cores. */
void cs_mpi_wait_quietly(MPI_Request *req);

/* Whether MPI's own blocking calls (communicator and window set-up,
 * barriers, MPI_Finalize) give up the CPU after each empty poll: on from
 * MPI_Init, off during a run and the calibration's ping-pong, whose looks
 * are timed. Nothing changes where the MPI has no such switch (MPICH):
 * cs_mpi_has_yield_switch() says whether it has (Open MPI's libopen-pal). */
void cs_mpi_yield_idle(bool on);
bool cs_mpi_has_yield_switch(void);

/* Rank 0's value of an int, on every rank (a quiet broadcast). */
int cs_mpi_share_int(MPI_Comm comm, int value);
/* The same for a 64-bit mask. */
uint64_t cs_mpi_share_mask(MPI_Comm comm, uint64_t value);

/* Rank 0's text on every rank, or its status: rank 0 passes the status of
 * composing the text (CS_OK, or a CS_E code with text NULL) and keeps its
 * text; the others get a malloc'd copy in *text when the status is CS_OK.
 * Returns the status, on every rank. */
int cs_mpi_share_text(MPI_Comm comm, int status, char **text);

/* This rank's host: where it runs, how crowded the host is, and the
 * doorbells of the ranks on it (in an MPI shared-memory window). */
struct cs_host {
    char name[64];
    int size;            /* ranks of comm */
    int ranks;           /* ranks of comm on this host */
    int cores;           /* cores they may run on */
    bool oversubscribed; /* ranks > cores */
    MPI_Win win;
    struct cs_bell *bell;   /* this rank's own */
    struct cs_bell **bells; /* by rank of comm; NULL for ranks on other hosts */
    /* rank 0: every rank's placement and process id, by rank of comm */
    struct cs_rank_info *info;
    int *pids;             /* 0: a rank of this host whose process rank 0 cannot see */
    long long *pid_starts; /* cs_process_start */
};
/* Collective over comm. */
void cs_mpi_host_open(MPI_Comm comm, struct cs_host *h);
/* Rank 0, its host h (a struct cs_host): has a rank on this host died?
 * Named in why, with its signal or exit status while nobody has reaped
 * it, and the time into the run. Ranks on other hosts cannot be seen from
 * here. For the checkpoint writer (cs_checkpoint.died). */
bool cs_mpi_rank_died(const void *h, char *why, size_t len);
void cs_mpi_host_close(MPI_Comm comm, struct cs_host *h);

struct cs_run_options {
    FILE *progress;       /* rank 0 draws a live progress line here (NULL: none) */
    FILE *timeseries;     /* rank 0 writes a row every run.interval_ms, or NULL */
    bool timeseries_json; /* JSON lines instead of CSV */
    /* rank 0, a single run: the results so far, written every
     * run.checkpoint_s and when a stop signal comes (NULL: none) */
    struct cs_checkpoint *checkpoint;
};

/* Raw MPI round trips between ranks 0 and 1 (blocking send and receive
 * of one message each way) for about `seconds`; the others wait quietly.
 * Returns round trips per second on rank 0 (0 elsewhere). */
double cs_mpi_pingpong(MPI_Comm comm, double seconds);

/* Run one scenario (or one step of a sweep) collectively over comm with
 * `nodes` service nodes: each rank below cs_plan_ranks(sc, nodes) plays
 * the role cs_plan_place gives it (dispatcher, relay or service node,
 * the nodes from rank cs_first_node(sc) on); higher ranks idle until it
 * is over. On rank 0, *r is filled and analyzed (cs_results_init with
 * cs_plan_ranks(sc, nodes) ranks first), and trace holds the arrivals of
 * a trace scenario; other ranks pass NULL for both. A rank that fails
 * aborts the job (MPI_Abort). */
void cs_mpi_run(MPI_Comm comm, const struct cs_scenario *sc, int nodes, const struct cs_trace *trace,
                const struct cs_host *h, const struct cs_run_options *opt, struct cs_results *r);

#endif
