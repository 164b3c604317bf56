/*
 * Runs on MPI ranks: from MPI_Init to MPI_Finalize. Rank 0 composes and
 * checks the scenario and broadcasts it, every rank plays its role (a
 * run, each step of a sweep, or --calibrate's measurements), and rank 0
 * writes the results. User mistakes end every rank with one message and
 * exit status 2; nothing here aborts the job for them.
 */
#include <math.h>
#include <mpi.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/cli.h"
#include "cs/calibration.h"
#include "cs/common.h"
#include "mpi_edge.h"

/* What the launcher said of the launch: how many processes it started,
 * and which one this is (-1: none said). */
struct launch {
    int size, rank;
};

/* Rank 0 composes the scenario and checks the run's inputs; every rank
 * learns the verdict and the text from one broadcast. */
static int share_scenario(const struct cs_options *o, int rank, int size, struct launch launch, struct cs_scenario *sc,
                          struct cs_rank0 *z)
{
    char err[CS_ERRBUF] = "";
    char *text = NULL;
    int status = CS_OK;
    if (rank == 0) {
        if (size < 2 && launch.size > 1) {
            /* Each of the launch's processes is a world of its own: the
             * launcher did not tell this MPI who the others are. One line,
             * from the launch's first process; every one exits 2. */
            char lib[128];
            cs_mpi_library(lib, sizeof(lib));
            snprintf(err, sizeof(err),
                     "the launcher started %d processes, and this MPI (%s) sees each one alone, a world of 1 "
                     "rank: the launcher does not fit this MPI (start it with the launcher of the MPI it was "
                     "built with; under srun, with a --mpi plugin that MPI speaks: pmix for Open MPI, pmi2 for "
                     "the MPICH family; srun --mpi=list shows them)",
                     launch.size, lib);
            status = CS_E_INVALID;
            if (launch.rank > 0) { /* silent, and last: a launcher ends the launch at the first exit */
                err[0] = '\0';
                sleep(1);
            }
        } else {
            /* The scenario's own mistakes first (a file not found, a key
             * mistyped), on one rank too: they need mending whatever the
             * launch. */
            status = cs_scenario_compose(o->config, o->sets, o->nsets, &text, err, sizeof(err));
            if (status == CS_OK && size < 2) {
                snprintf(err, sizeof(err),
                         "needs at least 2 MPI ranks (1 coordinator + service nodes), got %d; run it as "
                         "'mpirun -np 4 clustersim' (add --oversubscribe for more ranks than cores)",
                         size);
                status = CS_E_INVALID;
            } else if (status == CS_OK)
                status = cs_cli_prepare_run(o, text, size, z, err, sizeof(err));
        }
        if (status != CS_OK && err[0])
            fprintf(stderr, "clustersim: %s\n", err);
    }
    if (cs_mpi_share_text(MPI_COMM_WORLD, status, &text) != CS_OK) {
        free(text);
        cs_trace_free(&z->trace);
        return EXIT_USAGE;
    }
    int rc = cs_scenario_parse(sc, text, strlen(text), err, sizeof(err));
    free(text);
    if (rc) {
        /* Cannot happen: rank 0 validated the same text. */
        fprintf(stderr, "clustersim: rank %d: %s\n", rank, err);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return -1;
}

static void out_of_memory(void)
{
    fprintf(stderr, "clustersim: out of memory\n");
    MPI_Abort(MPI_COMM_WORLD, 1);
}

/* A calibration a stop signal cut short (rank 0): nothing written. */
static int calibration_stopped(struct cs_results *r, struct cs_results *served)
{
    fprintf(stderr, "clustersim: --calibrate was stopped by a signal: no calibration written\n");
    cs_results_free(r);
    cs_results_free(served);
    return 1;
}

/* --calibrate: what one request costs here, and where the knee will be;
 * with --json, the calibration file a virtual run can load. */
static int calibrate(const struct cs_options *o, const struct cs_scenario *sc, const struct cs_host *host,
                     const struct cs_run_options *ro, int rank, int size)
{
    /* Nodes of no service time have no capacity to load at half: every
     * rank finds it, before any of them meets another. */
    if (!isfinite(cs_scenario_capacity_rps(sc, size - cs_first_node(sc)))) {
        if (rank == 0)
            fprintf(stderr, "clustersim: --calibrate measures a node's overhead at half its capacity, and nodes of "
                            "no service time (service.time.mean_us 0) have none: give them a service time\n");
        return EXIT_USAGE;
    }
    double trips = cs_mpi_pingpong(MPI_COMM_WORLD, 1.0);
    /* The coordinator flat out: every node, a closed loop with no think
     * and no service time, so the coordinator never waits. */
    static struct cs_scenario cal;
    cal = *sc;
    int nodes = size - cs_first_node(sc);
    struct cs_sweep_step st = {.nodes = nodes, .closed = true, .clients = 8 * nodes};
    cs_sweep_step_scenario(sc, &st, &cal);
    cal.service.time = (struct cs_dist){cs_dist_find("constant"), 0.0, 0.0};
    cal.dispatch.cost_us = 0;
    cal.load.duration_s = 2;
    cal.load.warmup_s = 0.5;
    struct cs_results r, served;
    if (rank == 0 && (cs_results_init(&r, size) != CS_OK || cs_results_init(&served, size) != CS_OK))
        out_of_memory();
    cs_mpi_run(MPI_COMM_WORLD, &cal, nodes, NULL, host, ro, rank == 0 ? &r : NULL);
    /* A run a stop signal cut short measured nothing to keep: no file,
     * and no second run (every rank learns it from rank 0). */
    if (cs_mpi_share_int(MPI_COMM_WORLD, rank == 0 && !r.complete))
        return rank == 0 ? calibration_stopped(&r, &served) : 1;
    /* A node's overhead: what it takes beyond the service asked for, with
     * the scenario's service at half load (timer, wake-up, reply). */
    struct cs_sweep_step half = {.nodes = nodes, .rate_rps = 0.5 * cs_scenario_capacity_rps(sc, nodes)};
    cs_sweep_step_scenario(sc, &half, &cal);
    cal.dispatch.cost_us = 0;
    cal.load.duration_s = 1;
    cal.load.warmup_s = 0.25;
    cs_mpi_run(MPI_COMM_WORLD, &cal, nodes, NULL, host, ro, rank == 0 ? &served : NULL);
    if (rank != 0)
        return 0;
    if (!served.complete)
        return calibration_stopped(&r, &served);
    double extra = 0, measured = 0;
    for (int i = 0; i < served.service_nodes; i++) {
        const uint64_t *n = served.nodes[i].counters;
        extra += (double)n[CS_N_SERVICE_NS] - (double)n[CS_N_REQUESTED_NS];
        measured += (double)n[CS_N_MEASURED];
    }
    struct cs_calibration k = {
        .ranks = size,
        .cores = r.rank_info[0].host_cores,
        .round_trips_per_s = trips,
        .latency_us = 0.5e6 / trips,
        /* One message each way per request: the coordinator's cost per
         * request is all of it, its messages included. */
        .coordinator_request_us = r.coordinator_per_request_us,
        .node_overhead_us = measured > 0 && extra > 0 ? extra / measured / 1e3 : 0,
    };
    cs_cli_utc_now(k.measured_utc, sizeof(k.measured_utc));
    snprintf(k.host, sizeof(k.host), "%s", r.rank_info[0].host);
    snprintf(k.library, sizeof(k.library), "%s", r.library);
    cs_calibration_table(sc, &k, &r, stdout);
    int status = cs_cli_write_output("--json", o->json, cs_calibration_json(&k));
    if (o->json && status == 0)
        printf("calibration file: %s (a virtual run takes it with --calibration %s)\n", o->json, o->json);
    cs_results_free(&r);
    cs_results_free(&served);
    return status;
}

/* Does this MPI allow a thread that calls no MPI (MPI_THREAD_FUNNELED)? */
static bool threads_ok;

/* One run; rank 0 writes checkpoints of it to the results files
 * (--json, --csv) as it goes. */
static void run_once(const struct cs_options *o, const struct cs_scenario *sc, struct cs_rank0 *z,
                     const struct cs_host *host, const struct cs_run_options *ro, int rank, int size,
                     struct cs_results *res, struct cs_sweep_row *row, int *nrows, const char *started,
                     const char *command)
{
    if (rank == 0 && cs_results_init(res, size) != CS_OK)
        out_of_memory();
    static struct cs_checkpoint cp;
    struct cs_run_options with = *ro;
    /* Without results files too: the writer also tells a rank's death. An
     * MPI that offers no threads at all gets no checkpoints. */
    if (rank == 0 && threads_ok) {
        cp = (struct cs_checkpoint){.json = o->json,
                                    .csv = o->csv,
                                    .started = started,
                                    .command = command,
                                    .all_nodes = o->all_nodes,
                                    .stop = &cs_stop_signal,
                                    .died = cs_mpi_rank_died,
                                    .died_arg = host};
        if (cs_checkpoint_start(&cp, size) != CS_OK)
            out_of_memory();
        with.checkpoint = &cp;
    } else if (rank == 0) {
        fprintf(stderr, "clustersim: note: this MPI offers no threads (MPI_THREAD_FUNNELED): no checkpoints of the "
                        "results while the run goes, and a rank that dies ends it with nothing written\n");
    }
    cs_mpi_run(MPI_COMM_WORLD, sc, size - cs_first_node(sc), rank == 0 ? &z->trace : NULL, host, &with,
               rank == 0 ? res : NULL);
    cs_checkpoint_stop(with.checkpoint);
    if (rank == 0) {
        cs_sweep_row_from(res, row);
        *nrows = 1;
    }
}

/* One step on every rank; rank 0 keeps its row and its full results (the
 * last step's stay for the report). A signal stops the sweep after this
 * step, whether it cut the step short or came after its window (in its
 * drain, or after it: the step is then whole): everybody learns it from
 * rank 0, which owns the verdict. */
static int sweep_step(void *arg, int i, int n, const struct cs_scenario *step, int nodes, struct cs_sweep_row *row)
{
    struct cs_sweep_ctx *x = arg;
    if (x->kept >> i & 1) {
        if (x->rank == 0)
            cs_cli_step_kept(x, i, n, row);
        return 0;
    }
    if (x->rank == 0 && cs_cli_step_results(x, nodes + cs_first_node(step)) != CS_OK)
        out_of_memory();
    cs_mpi_run(MPI_COMM_WORLD, step, nodes, NULL, x->host, x->ro, x->rank == 0 ? x->res : NULL);
    int stop = cs_mpi_share_int(MPI_COMM_WORLD, x->rank == 0 ? cs_cli_step_stops(x, i, n) : 0);
    if (x->rank == 0)
        cs_cli_step_done(x, i, n, stop, row);
    return stop;
}

/* A sweep on ranks: every step, rank 0 keeping the rows, each step's
 * latency and the last step's results (x). Returns the rows. */
static int run_sweep(struct cs_sweep_ctx *x, int size, struct cs_sweep_analysis *an)
{
    int nrows = cs_cli_run_sweep(x, size - cs_first_node(x->sweep), an, sweep_step);
    if (nrows < 0) { /* cannot happen: rank 0 checked the plan, and a step on ranks does not fail */
        fprintf(stderr, "clustersim: the sweep failed (error %d)\n", nrows);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return nrows;
}

void cs_ranks_describe(char *out, size_t len)
{
    char lib[128];
    cs_mpi_library(lib, sizeof(lib));
    snprintf(out, len, "%s, %s doorbell%s", lib, cs_bell_kind,
             cs_mpi_has_yield_switch() ? ", yields in MPI's own waits" : "");
}

/* The first collective of a launch that ends before its run
 * (cs_ranks_meet) or shares jobs (cs_ranks_share): the most of every
 * rank's {exit status, nothing to do}, so that ranks that disagree (one
 * could not read a file the others could) still meet, and all stop. */
static void verdicts(const int mine[2], int all[2])
{
    MPI_Allreduce(mine, all, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
}

/* Ranks that meet or share jobs pass a few messages a job. Open MPI's
 * default transport on a machine with UCX (pml ucx) takes 0.2 s to start
 * on this project's VM, the plain one (ob1, over shared memory or TCP)
 * 0.02 s: a tenth of a lever sweep's time on two ranks. Every rank of a
 * launch that meets or shares asks for the same one (Open MPI stops ranks
 * that pick different ones); OMPI_MCA_pml, set by the user, stands. */
static void plain_transport(void)
{
    setenv("OMPI_MCA_pml", "ob1", 0);
}

/* MPI for a run on ranks (or ranks sharing jobs, or meeting to stop):
 * this rank and their count. */
static void start_mpi(int *argc, char ***argv, int *rank, int *size)
{
    /* clustersim waits its own way (doorbells, naps) and never blocks in
     * MPI while a run is going; Open MPI's sched_yield() on every empty
     * poll, which mpirun turns on when ranks outnumber cores, would only
     * cost the coordinator a system call per look for replies. So it is
     * off at MPI_Init (an option read there), and cs_mpi_yield_idle turns
     * it on outside the runs, where MPI's own blocking calls wait. */
    setenv("OMPI_MCA_mpi_yield_when_idle", "0", 1);
    /* FUNNELED: rank 0's checkpoint writer is a thread of its own; it
     * never calls MPI. */
    int provided = MPI_THREAD_SINGLE;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    cs_mpi_yield_idle(true); /* until a run starts (cs_mpi_run) */
    threads_ok = provided >= MPI_THREAD_FUNNELED;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
}

void cs_ranks_meet(int argc, char **argv)
{
    int rank, size, all[2];
    plain_transport();
    start_mpi(&argc, &argv, &rank, &size);
    verdicts((const int[2]){EXIT_USAGE, 0}, all);
    MPI_Finalize();
}

/* ---- jobs shared by a launch's ranks, each handed out as a rank comes
 * free: a rank slower than the others (a busy core, an older node, a
 * step that costs more than its weight said) takes fewer, and none waits
 * for another's plan ---- */

enum { TAG_JOB = 1, TAG_DONE, TAG_VERDICT };

/* The jobs not yet handed out, in the order they are taken
 * (cs_sweep_order); rank 0's thread and its hand-outs take from it. */
struct job_queue {
    const int *order;
    int n;
    _Atomic int next;
    _Atomic bool stopped; /* a job failed, or a stop cut it short (on any rank): none is handed out after it */
};

/* The next job, -1 when none is left, once a job failed, or once a stop
 * signal came (here, or to the rank whose job it cut short). */
static int take_job(struct job_queue *q)
{
    if (atomic_load(&q->stopped) || cs_stop_signal)
        return -1;
    int k = atomic_fetch_add(&q->next, 1);
    return k < q->n && !atomic_load(&q->stopped) ? q->order[k] : -1; /* (one heard meanwhile) */
}

/* A rank waits for a message without spinning a core (MPI's blocking
 * calls poll): with ranks beyond the cores, a waiting rank would take the
 * CPU from one that works. A millisecond at most is lost per job. */
static void wait_napping(MPI_Request *req)
{
    int done = 0;
    while (MPI_Test(req, &done, MPI_STATUS_IGNORE), !done)
        cs_nap(1000000);
}

/* Rank 0's own jobs: the one it keeps (the last step, which stays in its
 * results for the report), then, in its thread, more from the queue. */
struct own_jobs {
    struct cs_share *s;
    struct job_queue *q;
    int first; /* the job it keeps, -1 none */
    bool more;
    int failed;
    _Atomic uint64_t done; /* bit j: job j's output is in place */
    uint64_t landed;       /* the main thread's: those it has told s->landed of */
};

/* What a rank sends back with a job's output: which job, and whether it
 * failed, or a stop cut it short. */
struct job_done {
    int job, failed, stopped;
};
/* The output follows it in one message, on the alignment malloc gives. */
#define DONE_HEAD ((sizeof(struct job_done) + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t))

/* Job j on this rank, its output into out: how it went. */
static struct job_done run_job(const struct cs_share *s, int j, int rank, void *out)
{
    int rc = s->job(s->ctx, j, rank, out);
    return (struct job_done){j, rc<0, rc> 0};
}

static void *run_own(void *arg)
{
    struct own_jobs *w = arg;
    for (int j = w->first; j >= 0; j = w->more ? take_job(w->q) : -1) {
        struct job_done d = run_job(w->s, j, 0, (char *)w->s->out + (size_t)j * w->s->size);
        w->failed |= d.failed;
        if (d.failed || d.stopped)
            atomic_store(&w->q->stopped, true);
        atomic_fetch_or(&w->done, UINT64_C(1) << j);
    }
    return NULL;
}

/* The main thread: tell s->landed of rank 0's jobs done since it last
 * looked. */
static void own_landed(struct own_jobs *w)
{
    uint64_t fresh = atomic_load(&w->done) & ~w->landed;
    w->landed |= fresh;
    for (int j = 0; fresh; j++, fresh >>= 1)
        if (fresh & 1)
            w->s->landed(w->s->ctx, j);
}

/* Rank 0: hand one job to each other rank, run its own (in a thread of
 * its own, which calls no MPI, where the MPI allows one: FUNNELED), and
 * hand the next job to each rank that sends an output back, until none
 * is left (or a job failed, or a stop came): whether any job failed.
 * The other ranks then wait for rank 0's exit status
 * (cs_ranks_share_end). */
static int share_from_rank0(struct cs_share *s, struct job_queue *q, int size)
{
    struct own_jobs own = {.s = s, .q = q, .first = take_job(q), .more = true};
    int busy = 0;
    for (int r = 1; r < size; r++) {
        int j = take_job(q);
        MPI_Send(&j, 1, MPI_INT, r, TAG_JOB, MPI_COMM_WORLD);
        busy += j >= 0;
    }
    pthread_t thread;
    bool threaded = threads_ok && pthread_create(&thread, NULL, run_own, &own) == 0;
    if (!threaded) { /* its kept job here, the rest to the others (if there are others) */
        own.more = size == 1;
        run_own(&own);
    }
    size_t len = DONE_HEAD + s->size;
    char *in = busy > 0 ? malloc(len) : NULL;
    if (busy > 0 && !in) {
        fprintf(stderr, "clustersim: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int failed = 0;
    while (busy > 0) {
        own_landed(&own); /* at every look, not only when no output waits: others' may keep coming */
        int there = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_DONE, MPI_COMM_WORLD, &there, &st);
        if (!there) {
            cs_nap(1000000);
            continue;
        }
        MPI_Recv(in, (int)len, MPI_BYTE, st.MPI_SOURCE, TAG_DONE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        struct job_done d;
        memcpy(&d, in, sizeof(d));
        memcpy((char *)s->out + (size_t)d.job * s->size, in + DONE_HEAD, s->size);
        failed |= d.failed;
        if (d.failed || d.stopped)
            atomic_store(&q->stopped, true);
        int j = take_job(q);
        MPI_Send(&j, 1, MPI_INT, st.MPI_SOURCE, TAG_JOB, MPI_COMM_WORLD);
        busy -= j < 0;
        /* (after the rank has its next job: a checkpoint may take a while on a shared disk) */
        s->landed(s->ctx, d.job);
    }
    free(in);
    if (threaded)
        pthread_join(thread, NULL);
    own_landed(&own);
    return failed | own.failed;
}

/* Every other rank: run the jobs rank 0 hands out, sending each output
 * back, until it says there are none left; then wait for rank 0's exit
 * status (cs_ranks_share_end). */
static int share_to_rank0(struct cs_share *s, int rank)
{
    size_t len = DONE_HEAD + s->size;
    char *out = malloc(len);
    if (!out) {
        fprintf(stderr, "clustersim: rank %d: out of memory\n", rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Request req;
    for (;;) {
        int j;
        MPI_Irecv(&j, 1, MPI_INT, 0, TAG_JOB, MPI_COMM_WORLD, &req);
        wait_napping(&req);
        if (j < 0)
            break;
        struct job_done d = run_job(s, j, rank, out + DONE_HEAD);
        memcpy(out, &d, sizeof(d));
        /* (an output of tens of KB goes when rank 0 takes it: a blocking
         * send would spin until then) */
        MPI_Isend(out, (int)len, MPI_BYTE, 0, TAG_DONE, MPI_COMM_WORLD, &req);
        wait_napping(&req);
    }
    free(out);
    int status;
    MPI_Irecv(&status, 1, MPI_INT, 0, TAG_VERDICT, MPI_COMM_WORLD, &req);
    wait_napping(&req);
    return status;
}

/* Rank 0, between the jobs and cs_ranks_share_end: the launch's size (0:
 * nothing to end). */
static int share_open;

int cs_ranks_share(int argc, char **argv, int status, struct cs_share *s)
{
    int rank, size;
    plain_transport();
    start_mpi(&argc, &argv, &rank, &size);
    int all[2];
    verdicts((const int[2]){status > 0 ? status : 0, status < 0}, all);
    if (all[0] != 0 || all[1] != 0) {
        MPI_Finalize();
        return all[0];
    }
    if (rank == 0) {
        int order[CS_SWEEP_MAX];
        struct job_queue q = {.order = order, .n = cs_sweep_order(s->cost, s->n, s->skip, order)};
        int failed = share_from_rank0(s, &q, size);
        share_open = size; /* the others wait until rank 0 has written (cs_ranks_share_end) */
        return failed ? 1 : 0;
    }
    int rank0s = share_to_rank0(s, rank);
    MPI_Finalize();
    return rank0s;
}

void cs_ranks_share_end(int status)
{
    if (share_open == 0)
        return;
    for (int r = 1; r < share_open; r++)
        MPI_Send(&status, 1, MPI_INT, r, TAG_VERDICT, MPI_COMM_WORLD);
    share_open = 0;
    MPI_Finalize();
}

int cs_ranks_main(const struct cs_options *o, int argc, char **argv)
{
    /* Read before MPI_Init: a singleton's Open MPI sets OMPI_ variables
     * of its own. */
    struct launch launch = {cs_cli_size_by_env(), cs_cli_rank_by_env()};
    int rank, size;
    start_mpi(&argc, &argv, &rank, &size);

    struct cs_scenario sc;
    struct cs_rank0 z = {0};
    int status = share_scenario(o, rank, size, launch, &sc, &z);
    if (status < 0 && cs_mpi_share_int(MPI_COMM_WORLD, rank == 0 && z.resume.complete))
        status = cs_mpi_share_int(MPI_COMM_WORLD, rank == 0 ? cs_cli_resumed_complete(o) : 0);
    if (status >= 0) {
        MPI_Finalize();
        return status;
    }
    uint64_t kept = cs_mpi_share_mask(MPI_COMM_WORLD, z.resume.steps);

    cs_catch_stop_signals(false); /* mpirun relays a signal to the ranks, and kills a drain that takes too long */
    struct cs_host host;
    cs_mpi_host_open(MPI_COMM_WORLD, &host);
    struct cs_run_options ro = {
        .progress = rank == 0 ? cs_cli_progress_stream(o) : NULL,
        .timeseries = z.timeseries,
        .timeseries_json = cs_cli_timeseries_json(o),
    };
    struct cs_results res;
    struct cs_sweep_row rows[CS_SWEEP_MAX];
    static struct cs_sweep_analysis an; /* zeroed: no lever until a sweep says */
    int nrows = 0;
    if (o->calibrate) {
        status = calibrate(o, &sc, &host, &ro, rank, size);
        cs_mpi_host_close(MPI_COMM_WORLD, &host);
        status = cs_mpi_share_int(MPI_COMM_WORLD, status);
        MPI_Finalize();
        return status;
    }
    char started[32];
    static char command[sizeof(res.command)];
    cs_cli_utc_now(started, sizeof(started));
    cs_cli_join_args(argc, argv, command, sizeof(command));
    struct cs_histogram *step_latency = NULL; /* rank 0: each step's latency */
    if (cs_cli_is_sweep(o, &sc) && rank == 0 && !(step_latency = calloc(CS_SWEEP_MAX, sizeof(*step_latency))))
        out_of_memory();
    if (cs_cli_is_sweep(o, &sc)) {
        struct cs_sweep_ctx x = {
            .o = o,
            .sweep = &sc,
            .host = &host,
            .ro = &ro,
            .rank = rank,
            .kept = kept,
            .resume = &z.resume,
            .res = &res,
            .latency = step_latency,
            .rows = rows,
            .checkpoint = {
                .json = o->json, .csv = o->csv, .started = started, .command = command, .all_nodes = o->all_nodes}};
        nrows = run_sweep(&x, size, &an);
    } else {
        run_once(o, &sc, &z, &host, &ro, rank, size, &res, rows, &nrows, started, command);
    }
    if (rank == 0) {
        snprintf(res.started_utc, sizeof(res.started_utc), "%s", started);
        snprintf(res.command, sizeof(res.command), "%s", command);
    }
    /* The results to their files before the ranks' closing barrier: a
     * rank that dies or hangs there (or a launcher's kill) does not take
     * them with it. */
    status = rank == 0 ? cs_cli_finish(o, &z, &res, rows, nrows, step_latency) : 0;
    cs_mpi_host_close(MPI_COMM_WORLD, &host);
    status = cs_mpi_share_int(MPI_COMM_WORLD, status);
    MPI_Finalize();
    return status;
}
