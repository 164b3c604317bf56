/*
 * The command line: what clustersim was asked to do (struct cs_options),
 * the commands that need no MPI (print-config, ranks, compare, runs in
 * virtual time), and what a run needs from rank 0 whichever engine runs
 * it: the checks of its inputs, the sweep's bookkeeping, the report and
 * the results files. Private to the program (src/cli/, src/mpi/ranks.c);
 * nothing here calls MPI. Runs on ranks are cs_ranks_main's (src/mpi/ranks.c,
 * or src/cli/no_mpi.c in a build without MPI).
 */
#ifndef CS_CLI_H
#define CS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "cs/calibration.h"
#include "cs/checkpoint.h"
#include "cs/resume.h"
#include "cs/results.h"
#include "cs/scenario.h"
#include "cs/sweep.h"
#include "cs/trace.h"

#define EXIT_USAGE 2
#define MAX_SETS 256

struct cs_options {
    const char *config;
    const char *json;
    const char *timeseries;
    const char *csv;
    const char *html;
    const char *percentiles;
    const char *resume;     /* --resume FILE */
    const char *engine_set; /* --virtual, as a --set applied after the others */
    char nodes_set[64];     /* --nodes N, likewise */
    bool sweep;
    bool calibrate;
    const char *calibration;                        /* --calibration FILE */
    char calibration_sets[CS_CALIBRATION_KEYS][96]; /* its costs, as --set before the others */
    const char *sets[MAX_SETS];
    int nsets;
    bool print_config;
    bool ranks; /* --ranks */
    bool quiet;
    bool all_nodes; /* --all-nodes */
    bool progress;
    bool compare;
    char **files; /* --compare's results files */
    int nfiles;
};

/* ---- options.c ---- */

/* Returns -1 to go on, or an exit status (help, version, a bad flag:
 * said on stderr when speak). */
int cs_cli_parse(int argc, char **argv, struct cs_options *o, bool speak);
/* This process's rank as its launcher announced it, or -1 when it was
 * not launched by MPI at all. Used before MPI_Init so that only one rank
 * prints help, versions and flag errors. */
int cs_cli_rank_by_env(void);
/* The number of ranks the launcher started, or 0 when not under MPI. */
int cs_cli_size_by_env(void);
/* The ranks the launcher started on this rank's host (1 when it does
 * not say, or not under MPI). */
int cs_cli_local_size_by_env(void);

/* ---- commands.c: the commands that need no MPI ---- */

int cs_cli_print_config(const struct cs_options *o, bool speak);
int cs_cli_print_ranks(const struct cs_options *o, bool speak);
int cs_cli_compare(const struct cs_options *o, bool speak);
/* Does the run ask for the virtual engine (--virtual, or run.engine)? */
bool cs_cli_wants_virtual(const struct cs_options *o);
int cs_cli_run_virtual(const struct cs_options *o, int argc, char **argv, int env_rank, int env_size);

/* ---- ranks: src/mpi/ranks.c, or src/cli/no_mpi.c ---- */

/* A run, sweep or calibration on MPI ranks: MPI_Init to MPI_Finalize. */
int cs_ranks_main(const struct cs_options *o, int argc, char **argv);
/* Under a launcher, before exiting with status (not 0) without a run:
 * meet the other ranks, so that rank 0 has had its say before the
 * launcher kills the rest. */
void cs_ranks_meet(int argc, char **argv);
/* The MPI library this clustersim was built with, and its doorbell (for
 * --version), or that it has none. */
void cs_ranks_describe(char *out, size_t len);

/* Independent jobs spread over a launch's ranks (the steps of a virtual
 * sweep): rank 0 hands them out in cs_sweep_order's order (its own the
 * last job, then the largest first), one to each rank as it comes free;
 * job j writes `size` bytes of output, and every job's output ends on
 * rank 0, at out + j * size (out: rank 0's; the others' is not used). */
struct cs_share {
    int n;
    uint64_t skip;      /* rank 0's: the jobs not run (bit j: job j; a sweep's steps --resume kept) */
    const double *cost; /* rank 0's, [n]: each job's weight (cs_sweep_order hands out the heaviest first) */
    size_t size;
    void *out;
    /* CS_OK, 1 when a stop signal cut it short, or a negative CS_E
     * code when it failed (once rank 0 hears of either, no job is handed
     * out, on any rank; nor after a stop signal here); rank is the one
     * running it. */
    int (*job)(void *ctx, int j, int rank, void *out);
    /* Rank 0's main thread, once job j's output is in out (from any
     * rank): a checkpoint of the jobs done so far. */
    void (*landed)(void *ctx, int j);
    void *ctx;
};
/* Every rank of the launch calls it, with rank 0's verdict on the input
 * (status 0: go on; > 0: every rank returns it at once; < 0: every rank
 * returns 0 at once, there is nothing to do). From MPI_Init to
 * MPI_Finalize; without MPI, every job here in turn. Rank 0 returns 0,
 * the status, or 1 when a job failed (its output says how); once
 * the jobs ran, it then writes what they gave and calls
 * cs_ranks_share_end with its exit status, which the other ranks wait
 * for and return (a launcher that a signal stopped ends the job when a
 * rank exits: none exits before rank 0 has written). */
int cs_ranks_share(int argc, char **argv, int status, struct cs_share *s);
void cs_ranks_share_end(int status);

/* ---- job.c: a run's inputs, sweep and outputs, on rank 0 ---- */

/* What only rank 0 holds for a run. */
struct cs_rank0 {
    struct cs_trace trace;
    FILE *timeseries;
    struct cs_resume resume; /* --resume: the steps kept */
};

struct cs_host;
struct cs_run_options;

struct cs_spread_out;

/* What each sweep step needs on this rank (ranks or virtual time). */
struct cs_sweep_ctx {
    const struct cs_options *o;
    const struct cs_scenario *sweep; /* the sweep as asked */
    const struct cs_host *host;      /* on ranks: this rank's host */
    const struct cs_run_options *ro; /* on ranks: progress, time series */
    int rank;
    uint64_t kept;                   /* --resume: the steps kept from the file (bit i: step i + 1) */
    const struct cs_resume *resume;  /* rank 0: their rows */
    struct cs_results *res;          /* rank 0: the results of the last step run */
    bool res_ready;                  /* res holds a step's results */
    struct cs_histogram *latency;    /* rank 0: each step's latency */
    struct cs_sweep_row *rows;       /* rank 0: the rows of the steps done */
    struct cs_checkpoint checkpoint; /* rank 0: where, and a failure said once */
    struct cs_spread_out *spread;    /* a virtual sweep whose ranks ran its steps: what each gave */
    uint64_t spread_whole;           /* and the steps they finished whole (bit i: step i + 1) */
    cs_sweep_step_fn step;           /* the engine's step (cs_cli_run_sweep) */
    int steps;                       /* the plan's steps */
};

/* A step of a virtual sweep that the launch's ranks share (cs_ranks_share):
 * what the rank that ran it hands rank 0. */
struct cs_spread_out {
    int rc;     /* CS_OK, or the step failed */
    int rank;   /* the rank that ran it */
    bool whole; /* it ran to its end */
    bool cut;   /* a stop signal cut it short (neither: a stop came first, and it did not run) */
    struct cs_sweep_row row;
    struct cs_histogram latency;
};

/* A sweep's analysis: of its node counts, and of each setting of a lever. */
struct cs_sweep_analysis {
    struct cs_scaling scaling;
    struct cs_levers levers;
    struct cs_scaling lever_scaling[CS_LEVER_MAX];
};

/* The scenario the options describe (the config file, then every --set),
 * composed and parsed into sc: CS_OK, or a CS_E code with err said. Its
 * JSON text in *text when text is not NULL (the caller frees it). */
int cs_cli_scenario(const struct cs_options *o, struct cs_scenario *sc, char **text, char *err, size_t errlen);
bool cs_cli_is_sweep(const struct cs_options *o, const struct cs_scenario *sc);
/* Checks of a valid scenario that need the run's rank count: node lists,
 * the trace file (loaded into trace), the sweep. */
int cs_cli_check_for_ranks(const struct cs_options *o, const struct cs_scenario *sc, int size, struct cs_trace *trace,
                           char *err, size_t errlen);
/* Checks of a valid scenario that need the run: the above, and the
 * output files. Rank 0 only. */
int cs_cli_prepare_run(const struct cs_options *o, const char *text, int size, struct cs_rank0 *z, char *err,
                       size_t errlen);
/* Where rank 0 draws the live progress line (NULL: nowhere). */
FILE *cs_cli_progress_stream(const struct cs_options *o);

/* Flush stdout, remembering why the first flush that failed did (stdio
 * keeps only an error flag, and errno is gone by the end of the run). */
void cs_cli_flush_stdout(void);
int cs_cli_stdout_errno(void);
bool cs_cli_timeseries_json(const struct cs_options *o);
/* Now, as ISO 8601 UTC. */
void cs_cli_utc_now(char *out, size_t len);
/* The command line, words separated by spaces (cut at len). */
void cs_cli_join_args(int argc, char **argv, char *out, size_t len);
/* cs_write_whole, saying why it could not: 0 or 1. */
int cs_cli_write_output(const char *flag, const char *path, char *text);
/* --resume of a sweep that is complete already: said; exit status 0. */
int cs_cli_resumed_complete(const struct cs_options *o);

/* The sweep's steps, each run by step (the engine's), rank 0 keeping a
 * row per step, the full results of the last, and the analysis. */
int cs_cli_run_sweep(struct cs_sweep_ctx *x, int max_nodes, struct cs_sweep_analysis *an, cs_sweep_step_fn step);
/* Rank 0: the results files written again with every step finished so
 * far (done, bit i: x->rows[i] holds step i + 1's row; and the steps
 * --resume keeps), marked incomplete, in r's other fields. */
void cs_cli_sweep_checkpoint(struct cs_sweep_ctx *x, struct cs_results *r, uint64_t done, int n);
/* Rank 0, a virtual sweep whose ranks shared its steps: whether a stop
 * signal left some not whole (cut short, or not run); and then r (no
 * step's own fields) describing the steps finished and those --resume
 * keeps, marked incomplete, for the report and the files (returns their
 * count). */
bool cs_cli_spread_stopped(const struct cs_sweep_ctx *x);
int cs_cli_sweep_stopped(struct cs_sweep_ctx *x, struct cs_results *r);
/* Rank 0, in a step function: a step kept from --resume; res made ready
 * for a step on ranks ranks; whether the sweep stops after step i of n,
 * run (2: a stop signal cut it short; 1: one came after its window, and a
 * step is left; as cs_sweep_step_fn returns); a step run (stop: the
 * sweep stops after it). */
void cs_cli_step_kept(struct cs_sweep_ctx *x, int i, int n, struct cs_sweep_row *row);
int cs_cli_step_results(struct cs_sweep_ctx *x, int ranks);
int cs_cli_step_stops(const struct cs_sweep_ctx *x, int i, int n);
void cs_cli_step_done(struct cs_sweep_ctx *x, int i, int n, bool stop, struct cs_sweep_row *row);
/* Any rank of a virtual sweep whose ranks share the steps: the line of a
 * step it ran; cut (NULL: none) says where a stop signal cut it short. */
void cs_cli_step_line(const struct cs_sweep_ctx *x, int i, int n, const struct cs_sweep_row *row, int rank,
                      const char *cut);

/* The report, the results files, and the end of rank 0's run: 0, or 1
 * when a file could not be written. Frees res, the step latencies and
 * what z holds. */
int cs_cli_finish(const struct cs_options *o, struct cs_rank0 *z, struct cs_results *res,
                  const struct cs_sweep_row *rows, int nrows, struct cs_histogram *step_latency);

#endif
