/*
 * A run as rank 0 sees it, whichever engine runs it: the checks of its
 * inputs and outputs before it starts, the sweep's bookkeeping (a row
 * per step, checkpoints, resumed steps), and the report and results files
 * at the end. No MPI here: the engines pass in how a step runs.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cs/arrival.h"
#include "cs/common.h"
#include "cs/fileio.h"
#include "cs/html.h"
#include "cs/stop.h"

/* Can the results file be created where asked? Checked before the run,
 * so a typo in a path does not cost the user the run. */
static int check_writable(const char *flag, const char *path, char *err, size_t errlen)
{
    char why[CS_ERRBUF];
    if (cs_check_writable(path, why, sizeof(why)) == CS_OK)
        return CS_OK;
    snprintf(err, errlen, "%s '%s': %s", flag, path, why);
    return CS_E_INVALID;
}

static int stdout_errno; /* why a flush of stdout first failed; 0: none did */

void cs_cli_flush_stdout(void)
{
    errno = 0;
    if (fflush(stdout) != 0 && stdout_errno == 0)
        stdout_errno = errno;
}

int cs_cli_stdout_errno(void)
{
    return stdout_errno;
}

/* Is stdout the user's terminal? Open MPI's mpirun gives its ranks a
 * pseudo terminal on stdout whatever its own stdout is (a terminal, a
 * pipe, a file), so under it ask the launcher: mpirun forks the ranks on
 * its own host, and its stdout is what the user sees. */
static bool stdout_is_users_terminal(void)
{
    if (!isatty(STDOUT_FILENO))
        return false;
    if (!getenv("OMPI_COMM_WORLD_RANK"))
        return true;
    char path[64], target[256];
    snprintf(path, sizeof(path), "/proc/%d/fd/1", (int)getppid());
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n <= 0)
        return false;
    target[n] = '\0';
    return strncmp(target, "/dev/pts/", 9) == 0 || strncmp(target, "/dev/tty", 8) == 0;
}

/* Where rank 0 draws the live progress line: at the user's terminal, and
 * nowhere in pipes, files and job logs unless --progress asks. Under
 * mpirun a rank's stderr is a pipe even at a terminal, and only stdout
 * reaches the terminal. */
FILE *cs_cli_progress_stream(const struct cs_options *o)
{
    if (o->quiet)
        return NULL;
    if (o->progress || isatty(STDERR_FILENO))
        return stderr;
    if (stdout_is_users_terminal())
        return stdout;
    return NULL;
}

void cs_cli_utc_now(char *out, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        out[0] = '\0';
}

void cs_cli_join_args(int argc, char **argv, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < argc && used + 1 < len; i++) {
        int n = snprintf(out + used, len - used, "%s%s", i ? " " : "", argv[i]);
        if (n < 0)
            break;
        used += (size_t)n < len - used ? (size_t)n : len - used - 1;
    }
}

int cs_cli_scenario(const struct cs_options *o, struct cs_scenario *sc, char **text, char *err, size_t errlen)
{
    char *t = NULL;
    int rc = cs_scenario_compose(o->config, o->sets, o->nsets, &t, err, errlen);
    if (rc == CS_OK)
        rc = cs_scenario_parse(sc, t, strlen(t), err, errlen);
    if (text && rc == CS_OK)
        *text = t;
    else
        free(t);
    return rc;
}

bool cs_cli_is_sweep(const struct cs_options *o, const struct cs_scenario *sc)
{
    return o->sweep || sc->sweep.enabled;
}

int cs_cli_check_for_ranks(const struct cs_options *o, const struct cs_scenario *sc, int size, struct cs_trace *trace,
                           char *err, size_t errlen)
{
    int first = cs_first_node(sc);
    if (size - first < 1 && sc->dispatch.relays > 0) {
        snprintf(err, errlen,
                 "scenario keys 'dispatch.dispatchers' and 'dispatch.relays': %d dispatcher%s, %d relay%s and at "
                 "least one service node need %d MPI ranks or more, got %d",
                 sc->dispatch.dispatchers, sc->dispatch.dispatchers == 1 ? "" : "s", sc->dispatch.relays,
                 sc->dispatch.relays == 1 ? "" : "s", first + 1, size);
        return CS_E_INVALID;
    }
    if (size - first < 1) {
        snprintf(err, errlen,
                 "scenario key 'dispatch.dispatchers': %d dispatchers and at least one service node need %d MPI "
                 "ranks or more, got %d",
                 sc->dispatch.dispatchers, first + 1, size);
        return CS_E_INVALID;
    }
    int rc = cs_scenario_check_nodes(sc, size - first, err, errlen);
    if (rc == CS_OK && cs_arrival_kinds[sc->load.arrival].source == CS_SOURCE_TRACE) {
        if (sc->load.trace[0] == '\0') {
            snprintf(err, errlen, "scenario key 'load.trace': trace arrivals need a CSV file here");
            rc = CS_E_INVALID;
        } else {
            rc = cs_trace_load(trace, sc->load.trace, err, errlen);
        }
        /* The window measures the arrivals in it, offsets from the run's
         * start: a trace with none there measured nothing, and said so
         * only as zeros. */
        int64_t from, to;
        cs_scenario_window(sc, 0, &from, &to);
        size_t in = 0;
        for (size_t i = 0; rc == CS_OK && i < trace->n; i++)
            in += trace->offset_ns[i] >= from && trace->offset_ns[i] < to;
        if (rc == CS_OK && trace->n > 0 && in == 0) {
            snprintf(err, errlen,
                     "scenario key 'load.trace': none of the %zu arrivals of '%s' (%g s to %g s from the start) falls "
                     "in the measured window, %g s to %g s (load.warmup_s, load.duration_s)",
                     trace->n, sc->load.trace, (double)trace->offset_ns[0] / 1e9,
                     (double)trace->offset_ns[trace->n - 1] / 1e9, sc->load.warmup_s,
                     sc->load.warmup_s + sc->load.duration_s);
            cs_trace_free(trace);
            rc = CS_E_INVALID;
        }
    }
    if (rc == CS_OK && cs_cli_is_sweep(o, sc))
        rc = cs_sweep_check(sc, size - first, err, errlen);
    /* A load given as a share of the capacity needs one: service in no
     * time has none to share (the rate came out 0, and the run measured
     * nothing). A sweep's steps take theirs so in weak and strong mode,
     * whatever the arrival (they are Poisson); a saturated one runs a
     * closed loop, and sweep.rates_rps give rates. */
    double cap = cs_scenario_capacity_rps(sc, size - first);
    bool shared = cs_cli_is_sweep(o, sc) ? sc->sweep.mode != CS_SWEEP_SATURATE && sc->sweep.rates_n == 0
                                         : cs_arrival_kinds[sc->load.arrival].source == CS_SOURCE_RATE;
    if (rc == CS_OK && shared && isnan(sc->load.rate_rps) && sc->load.schedule_n == 0 && !(isfinite(cap) && cap > 0)) {
        snprintf(err, errlen,
                 "scenario key 'load.utilization': %g of the nodes' capacity, which is %g req/s (service.time.mean_us "
                 "%g): give the load as load.rate_rps",
                 sc->load.utilization, cap, sc->service.time.mean_us);
        rc = CS_E_INVALID;
    }
    return rc;
}

int cs_cli_prepare_run(const struct cs_options *o, const char *text, int size, struct cs_rank0 *z, char *err,
                       size_t errlen)
{
    struct cs_scenario sc;
    int rc = cs_scenario_parse(&sc, text, strlen(text), err, errlen);
    if (rc == CS_OK)
        rc = cs_cli_check_for_ranks(o, &sc, size, &z->trace, err, errlen);
    /* On ranks the node count is the ranks': a different one asked for is
     * a mistake (--nodes is for --virtual). */
    int first = cs_first_node(&sc);
    if (rc == CS_OK && sc.run.engine == CS_ENGINE_MPI && sc.run.nodes > 0 && sc.run.nodes != size - first) {
        snprintf(err, errlen,
                 "scenario key 'run.nodes': %d service nodes asked for, but this MPI run has %d (ranks - %d); start "
                 "it with %d ranks, or run it in virtual time (--virtual)",
                 sc.run.nodes, size - first, first, sc.run.nodes + first);
        rc = CS_E_INVALID;
    }
    double cost;
    const char *modelled = sc.run.engine == CS_ENGINE_MPI ? cs_scenario_modelled_cost(&sc, &cost) : NULL;
    if (rc == CS_OK && modelled) {
        snprintf(err, errlen,
                 "scenario key '%s': %g models a cost in virtual time (from --calibration or the scenario); a run "
                 "on ranks pays its own: add --virtual, or leave it 0",
                 modelled, cost);
        rc = CS_E_INVALID;
    }
    if (rc == CS_OK && o->resume && !cs_cli_is_sweep(o, &sc)) {
        snprintf(err, errlen, "--resume '%s': it continues a sweep, and this run is not one (add --sweep)", o->resume);
        rc = CS_E_INVALID;
    }
    if (rc == CS_OK && o->resume)
        rc = cs_resume_load(&z->resume, o->resume, &sc, size - first, err, errlen);
    if (rc == CS_OK && o->resume && z->resume.kept == 0) /* (a sweep stopped in its first steps) */
        fprintf(stderr, "clustersim: --resume '%s': nothing in it to keep: the sweep runs from its start\n", o->resume);
    if (rc == CS_OK && cs_cli_is_sweep(o, &sc) && o->timeseries) {
        snprintf(err, errlen, "--timeseries '%s': a time series is for single runs, not sweeps", o->timeseries);
        rc = CS_E_INVALID;
    }
    /* The files asked for: each one can be written, and no two are one
     * (the second written would replace the first). */
    const struct {
        const char *flag, *path;
    } outs[] = {{"--json", o->json},
                {"--csv", o->csv},
                {"--html", o->html},
                {"--percentiles", o->percentiles},
                {"--timeseries", o->timeseries}};
    for (size_t i = 0; rc == CS_OK && i < CS_ARRAY_LEN(outs); i++) {
        if (!outs[i].path)
            continue;
        rc = check_writable(outs[i].flag, outs[i].path, err, errlen);
        for (size_t j = 0; rc == CS_OK && j < i; j++)
            if (outs[j].path && cs_same_file(outs[j].path, outs[i].path)) {
                snprintf(err, errlen, "%s '%s' and %s '%s' name one file: the second written would replace the first",
                         outs[j].flag, outs[j].path, outs[i].flag, outs[i].path);
                rc = CS_E_INVALID;
            }
        /* nor one the run reads (--resume's may be --json's: it is read
         * whole first, and the sweep goes on in it) */
        const struct {
            const char *what, *path;
        } ins[] = {{"--config", o->config},
                   {"the scenario key 'load.trace'", sc.load.trace[0] ? sc.load.trace : NULL},
                   {"--calibration", o->calibration},
                   {"--resume", i > 0 ? o->resume : NULL}}; /* (outs[0] is --json) */
        for (size_t j = 0; rc == CS_OK && j < CS_ARRAY_LEN(ins); j++)
            if (ins[j].path && cs_same_file(ins[j].path, outs[i].path)) {
                snprintf(err, errlen, "%s '%s' names the file %s reads ('%s'): the results would replace it",
                         outs[i].flag, outs[i].path, ins[j].what, ins[j].path);
                rc = CS_E_INVALID;
            }
    }
    /* On ranks the rows go to the file as the run makes them (a stopped or
     * killed run keeps those written); a virtual run's series is written
     * whole at its end, as the other files are (cs_cli_finish). */
    if (rc == CS_OK && o->timeseries && sc.run.engine == CS_ENGINE_MPI) {
        z->timeseries = fopen(o->timeseries, "w");
        if (!z->timeseries) {
            snprintf(err, errlen, "--timeseries '%s': cannot create it: %s", o->timeseries, strerror(errno));
            rc = CS_E_INVALID;
        }
    }
    /* A fault past the measured window is no mistake (a scenario run
     * shorter to try it), but it acts at most in the drain, on what its
     * node still holds: said, not left for the report to imply (and not
     * beside a refusal: one line for that). */
    int late = 0, first_late = -1;
    for (int i = 0; rc == CS_OK && i < sc.faults_n; i++)
        if (sc.faults[i].at_s >= sc.load.warmup_s + sc.load.duration_s) {
            late++;
            first_late = first_late < 0 ? i : first_late;
        }
    if (late > 0)
        fprintf(stderr,
                "clustersim: note: 'faults[%d]' at %g s%s after the measured window, which ends at %g s "
                "(load.warmup_s + load.duration_s): at most in the drain, on the requests still open then\n",
                first_late, sc.faults[first_late].at_s, late > 1 ? " and others come" : " comes",
                sc.load.warmup_s + sc.load.duration_s);
    return rc;
}

int cs_cli_write_output(const char *flag, const char *path, char *text)
{
    char err[CS_ERRBUF];
    if (cs_write_whole(path, text, err, sizeof(err)) == CS_OK)
        return 0;
    fprintf(stderr, "clustersim: %s: %s\n", flag, err);
    return 1;
}

/* What fn writes, as a string (caller frees), NULL when out of memory. */
static char *render(void (*fn)(const struct cs_results *, FILE *), const struct cs_results *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return NULL;
    fn(r, mem);
    if (fclose(mem) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* --timeseries of a virtual run: its rows, at its end, as CSV or JSON
 * lines. */
static void series(const struct cs_results *r, FILE *out, bool json)
{
    cs_timeseries_header(out, json);
    for (int i = 0; i < r->series_n; i++)
        cs_timeseries_row(out, json, &r->series[i]);
}

static void series_csv(const struct cs_results *r, FILE *out)
{
    series(r, out, false);
}

static void series_jsonl(const struct cs_results *r, FILE *out)
{
    series(r, out, true);
}

/* --percentiles: the latency distribution of the run, or of each step of
 * a sweep as a block of its own (gnuplot's "index"). */
static void write_percentiles(const struct cs_results *r, FILE *out)
{
    if (!cs_results_is_sweep(r)) {
        cs_hist_write_percentiles(out, &r->latency, 1e3, 5);
        return;
    }
    for (int i = 0; i < r->sweep_n; i++) {
        int step = r->sweep[i].step;
        fprintf(out, "%s# step %d of %d: %d service node%s, %.1f req/s offered (latency in us)\n", i ? "\n\n" : "",
                step, r->sweep_steps, r->sweep[i].nodes, r->sweep[i].nodes == 1 ? "" : "s", r->sweep[i].offered_rps);
        if (r->resumed >> (step - 1) & 1)
            fprintf(out, "# kept from %s (--resume): its distribution was not kept\n", r->resumed_from);
        else
            cs_hist_write_percentiles(out, &r->sweep_latency[i], 1e3, 5);
    }
}

/* The last step a signal cut short is in the rows, but not finished: a
 * resumed sweep runs it again. */
static bool cut_short(const struct cs_sweep_ctx *x)
{
    return x->res_ready && !x->res->complete;
}

/* The rows of the steps finished (done, bit i: x->rows[i] holds step
 * i + 1's) and of those --resume keeps, in the plan's order, each with
 * its step, into out (which may be x->rows: a row only moves down), and
 * their latency into lat where it is given (none for a kept step): how
 * many. */
static int finished_rows(const struct cs_sweep_ctx *x, uint64_t done, struct cs_sweep_row *out,
                         struct cs_histogram *lat)
{
    int k = 0;
    for (int i = 0; i < CS_SWEEP_MAX; i++) {
        if (done >> i & 1) {
            out[k] = x->rows[i];
            if (lat && k != i)
                lat[k] = x->latency[i];
        } else if (x->kept >> i & 1) {
            out[k] = x->resume->rows[i];
            if (lat)
                cs_hist_init(&lat[k]);
        } else {
            continue;
        }
        out[k++].step = i + 1;
    }
    return k;
}

/* r describes the sweep beside its other fields: its n rows (the first
 * `finished` ran whole), each step's latency (lat, or NULL), the plan's
 * step count, what --resume kept, and the analysis (an, or NULL). */
static void describe_sweep(const struct cs_sweep_ctx *x, struct cs_results *r, const struct cs_sweep_row *rows, int n,
                           int finished, const struct cs_histogram *lat, int steps, const struct cs_sweep_analysis *an)
{
    r->sweep = rows;
    r->sweep_n = n;
    r->sweep_finished = finished;
    r->sweep_latency = lat;
    r->sweep_steps = steps;
    r->sweep_scenario = x->sweep;
    r->resumed_from = x->kept ? x->o->resume : NULL;
    r->resumed = x->kept;
    r->scaling = an && an->scaling.n >= 2 ? &an->scaling : NULL; /* (a curve needs two points) */
    r->levers = an && an->levers.n > 0 ? &an->levers : NULL;
}

/* r describes the steps of a sweep of n that finished (done, as in
 * finished_rows, and those --resume keeps) with their rows in rows (and
 * their latency in lat, or NULL), without fits, marked incomplete: how
 * many rows. */
static int describe_finished(const struct cs_sweep_ctx *x, struct cs_results *r, uint64_t done,
                             struct cs_sweep_row *rows, struct cs_histogram *lat, int n)
{
    int k = finished_rows(x, done, rows, lat);
    describe_sweep(x, r, rows, k, k, lat, n, NULL);
    r->complete = false;
    return k;
}

/* Rank 0, the sweep over after n rows: res describes them, beside the
 * last step's full results. A sweep resumed from a file whose finished
 * steps are not the first ones (a shared virtual sweep's checkpoint) and
 * stopped by a signal lists the steps finished, its own and those kept
 * further on, in the plan's order, and not the step the signal cut short
 * (whose results are still the top-level fields), and no fits: nothing
 * finished is lost. */
static int sweep_results(struct cs_sweep_ctx *x, int n, const struct cs_sweep_analysis *an)
{
    bool cut = cut_short(x);
    uint64_t beyond = n < 64 ? x->kept >> n << n : 0;
    int k = n;
    if (!beyond) {
        describe_sweep(x, x->res, x->rows, n, n - cut, x->latency, x->steps, an);
    } else {
        uint64_t run = (UINT64_C(1) << (n - cut)) - 1; /* n < 64 here */
        k = describe_finished(x, x->res, run & ~x->kept, x->rows, x->latency, x->steps);
    }
    /* A signal in a step: the top-level fields are that step's, and say
     * where it came. */
    if (cut && x->res->ended[0]) {
        char why[sizeof(x->res->ended)];
        snprintf(why, sizeof(why), "%s", x->res->ended);
        snprintf(x->res->ended, sizeof(x->res->ended), "step %d of %d %.200s: --resume runs it again", n, x->steps,
                 why);
    }
    /* A signal after a whole step: the sweep stopped there, its last step
     * whole (the top-level fields), the steps after it not run. */
    if (!cut && n < x->steps) {
        x->res->complete = false;
        snprintf(x->res->ended, sizeof(x->res->ended),
                 "stopped by a signal after step %d of %d (that step whole): --resume runs the rest", n, x->steps);
    }
    return k;
}

/*
 * Rank 0, as a sweep goes on: the results files (--json, --csv) written
 * again, whole, into r, with the rows of every step finished so far
 * (done, bit i: x->rows[i] is step i + 1's, and those --resume keeps) in
 * the plan's order, each with its step, marked incomplete ("ended":
 * "running: 3 of 7 steps done"), so that a process that dies later (a
 * node's rank killed, the job's time limit passed without a warning)
 * loses only the steps under way, and the sweep can be resumed from it
 * (--resume). The fits wait for the end. Writing fails at most with one
 * warning: the sweep goes on.
 */
void cs_cli_sweep_checkpoint(struct cs_sweep_ctx *x, struct cs_results *r, uint64_t done, int n)
{
    static struct cs_sweep_row rows[CS_SWEEP_MAX];
    struct cs_results keep = *r;
    int k = describe_finished(x, r, done, rows, NULL, n);
    snprintf(r->ended, sizeof(r->ended), "running: %d of %d steps done", k, n);
    cs_checkpoint_write(&x->checkpoint, r, rows, k);
    *r = keep;
}

bool cs_cli_spread_stopped(const struct cs_sweep_ctx *x)
{
    uint64_t all = x->steps < 64 ? (UINT64_C(1) << x->steps) - 1 : ~UINT64_C(0);
    return ((x->spread_whole | x->kept) & all) != all;
}

int cs_cli_sweep_stopped(struct cs_sweep_ctx *x, struct cs_results *r)
{
    int n = x->steps, cut = 0;
    for (int i = 0; i < n; i++)
        cut += x->spread[i].cut;
    int k = describe_finished(x, r, x->spread_whole, x->rows, x->latency, n);
    char finished[64], also[48] = "";
    if (k == 0)
        snprintf(finished, sizeof(finished), "before any of its %d steps finished", n);
    else
        snprintf(finished, sizeof(finished), "with %d of %d steps finished", k, n);
    if (cut > 0)
        snprintf(also, sizeof(also), " and %d cut short", cut);
    snprintf(r->ended, sizeof(r->ended), "stopped by a signal %s%s: --resume runs %s", finished, also,
             k == 0 ? "them all" : "the rest");
    return k;
}

/* A step's line on stderr (unless --quiet); kept says whence, rank (>=
 * 0) which rank ran it when a virtual sweep's ranks share the steps, and
 * cut (NULL: none) where a stop signal cut it short. */
static void step_line(const struct cs_sweep_ctx *x, int i, int n, const struct cs_sweep_row *row, bool kept, int rank,
                      const char *cut)
{
    char by[32] = "";
    if (rank >= 0)
        snprintf(by, sizeof(by), " (rank %d)", rank);
    if (x->o->quiet)
        return;
    if (cut)
        fprintf(stderr, "  step %d/%d: %d node%s, %s%s: --resume runs it again\n", i + 1, n, row->nodes,
                row->nodes == 1 ? "" : "s", cut, by);
    else
        fprintf(stderr, "  step %d/%d: %d node%s, %.0f req/s, p99 %.0f us, %s%s%s%s%s\n", i + 1, n, row->nodes,
                row->nodes == 1 ? "" : "s", row->throughput_rps, row->p99_us, cs_bottleneck_names[row->bottleneck],
                kept ? " (kept from " : "", kept ? x->o->resume : "", kept ? ")" : "", by);
}

void cs_cli_step_line(const struct cs_sweep_ctx *x, int i, int n, const struct cs_sweep_row *row, int rank,
                      const char *cut)
{
    step_line(x, i, n, row, false, rank, cut);
}

int cs_cli_step_stops(const struct cs_sweep_ctx *x, int i, int n)
{
    return !x->res->complete ? 2 : cs_stop_signal && i + 1 < n ? 1 : 0;
}

/* Rank 0, a step run: its row and latency kept, its line, a checkpoint. */
void cs_cli_step_done(struct cs_sweep_ctx *x, int i, int n, bool stop, struct cs_sweep_row *row)
{
    cs_sweep_row_from(x->res, row);
    x->latency[i] = x->res->latency;
    step_line(x, i, n, row, false, -1, x->res->complete ? NULL : x->res->ended);
    if (!stop && i + 1 < n)
        cs_cli_sweep_checkpoint(x, x->res, i + 1 < 64 ? (UINT64_C(1) << (i + 1)) - 1 : ~UINT64_C(0), n);
}

/* Rank 0, a step a resumed sweep keeps: its row as the file has it (its
 * latency distribution was not kept). */
void cs_cli_step_kept(struct cs_sweep_ctx *x, int i, int n, struct cs_sweep_row *row)
{
    *row = x->resume->rows[i];
    cs_hist_init(&x->latency[i]);
    step_line(x, i, n, row, true, -1, NULL);
}

/* Rank 0: res, ready for a step's results. */
int cs_cli_step_results(struct cs_sweep_ctx *x, int ranks)
{
    if (x->res_ready)
        cs_results_free(x->res);
    x->res_ready = cs_results_init(x->res, ranks) == CS_OK;
    return x->res_ready ? CS_OK : CS_E_NOMEM;
}

/* Every step of the sweep in turn (rank 0 checked that the plan fits, and
 * the file a resumed sweep keeps steps from); rank 0 keeps a row per
 * step, the full results of the last, and the analysis. Returns the
 * number of steps, or a negative CS_E code. */
/* The engine's step, the plan's step count noted. */
static int counted_step(void *arg, int i, int n, const struct cs_scenario *step, int nodes, struct cs_sweep_row *row)
{
    struct cs_sweep_ctx *x = arg;
    x->steps = n;
    return x->step(x, i, n, step, nodes, row);
}

int cs_cli_run_sweep(struct cs_sweep_ctx *x, int max_nodes, struct cs_sweep_analysis *an, cs_sweep_step_fn step)
{
    char err[CS_ERRBUF];
    an->levers.scaling = an->lever_scaling;
    x->step = step;
    int n = cs_sweep_run(x->sweep, max_nodes, counted_step, x, x->rows, x->rank == 0 ? &an->scaling : NULL,
                         x->rank == 0 ? &an->levers : NULL, err, sizeof(err));
    if (x->rank == 0 && n > 0)
        n = sweep_results(x, n, an);
    return n;
}

int cs_cli_finish(const struct cs_options *o, struct cs_rank0 *z, struct cs_results *res,
                  const struct cs_sweep_row *rows, int nrows, struct cs_histogram *step_latency)
{
    int status = 0;
    res->all_nodes = o->all_nodes;
    /* The files before the report (a terminal or a pipe that is slow to
     * take it holds nothing back, and a kill after a stop's drain finds
     * them written), the JSON last: a complete JSON, which --resume
     * trusts, says its companions are whole too. */
    if (o->csv)
        status |= cs_cli_write_output("--csv", o->csv, cs_sweep_csv(res, rows, nrows));
    if (o->html)
        status |= cs_cli_write_output("--html", o->html, render(cs_results_html, res));
    if (o->percentiles)
        status |= cs_cli_write_output("--percentiles", o->percentiles, render(write_percentiles, res));
    /* On ranks, the series went to its file as the run went: closed before
     * the JSON too. (A write that failed during the run, a full disk for
     * a moment, left its flag and a hole in the rows.) A virtual run's is
     * written now, whole. */
    bool streamed = z->timeseries != NULL;
    if (streamed) {
        int lost = fflush(z->timeseries) != 0 ? errno : ferror(z->timeseries) ? -1 : 0;
        if (fclose(z->timeseries) != 0 && lost == 0)
            lost = errno;
        z->timeseries = NULL;
        if (lost) {
            fprintf(stderr, "clustersim: --timeseries '%s': %s\n", o->timeseries,
                    lost > 0 ? strerror(lost) : "a write failed during the run: rows are missing");
            status = 1;
        }
    }
    if (o->timeseries && !streamed && res->series_cut) {
        fprintf(stderr,
                "clustersim: --timeseries '%s': out of memory: rows of the series were lost, and it is not "
                "written\n",
                o->timeseries);
        status = 1;
    } else if (o->timeseries && !streamed) {
        status |= cs_cli_write_output("--timeseries", o->timeseries,
                                      render(cs_cli_timeseries_json(o) ? series_jsonl : series_csv, res));
    }
    if (o->json)
        status |= cs_cli_write_output("--json", o->json, cs_results_json(res));
    if (!o->quiet)
        cs_results_table(res, stdout);
    cs_cli_flush_stdout();
    free(step_latency);
    cs_results_free(res);
    cs_trace_free(&z->trace);
    return status;
}

bool cs_cli_timeseries_json(const struct cs_options *o)
{
    size_t n = o->timeseries ? strlen(o->timeseries) : 0;
    return n > 6 && strcmp(o->timeseries + n - 6, ".jsonl") == 0;
}

/* --resume of a sweep that is complete already: nothing to run, and
 * nothing overwritten. A --json elsewhere gets the complete results (a
 * copy); the other files, made from a run, are not written, and it says
 * so. 0, or 1 when the copy fails. */
int cs_cli_resumed_complete(const struct cs_options *o)
{
    fprintf(stderr, "clustersim: --resume '%s': the sweep in it is complete already: nothing to run\n", o->resume);
    if (o->json && !cs_same_file(o->json, o->resume)) {
        char *text = NULL, err[CS_ERRBUF];
        size_t len = 0;
        if (cs_read_file(o->resume, (size_t)1 << 30, "results file", &text, &len, err, sizeof(err)) != CS_OK) {
            fprintf(stderr, "clustersim: --json: %s\n", err);
            return 1;
        }
        int rc = cs_cli_write_output("--json", o->json, text); /* (it frees text) */
        if (rc != 0)
            return rc;
    }
    const struct {
        const char *flag, *path;
    } others[] = {{"--csv", o->csv}, {"--html", o->html}, {"--percentiles", o->percentiles}};
    for (size_t i = 0; i < CS_ARRAY_LEN(others); i++)
        if (others[i].path)
            fprintf(stderr, "clustersim: %s '%s' not written: nothing ran (the sweep's results are in '%s')\n",
                    others[i].flag, others[i].path, o->resume);
    return 0;
}
