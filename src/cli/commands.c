/*
 * The commands that need no MPI: the effective scenario (--print-config),
 * the rank count it runs on (--ranks), results side by side (--compare),
 * and whole runs and sweeps in virtual time, in this one process.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "cli.h"
#include "cs/common.h"
#include "cs/compare.h"
#include "cs/jsonpath.h"
#include "cs/stop.h"
#include "cs/virtual.h"

/* --compare: results files side by side. Reads files only. */
int cs_cli_compare(const struct cs_options *o, bool speak)
{
    char err[CS_ERRBUF];
    cJSON *docs[CS_COMPARE_MAX] = {0};
    int status = 0;
    if (o->nfiles > CS_COMPARE_MAX) {
        snprintf(err, sizeof(err), "--compare takes at most %d results files, got %d", CS_COMPARE_MAX, o->nfiles);
        status = EXIT_USAGE;
    }
    for (int i = 0; status == 0 && i < o->nfiles; i++)
        if (cs_results_load(o->files[i], &docs[i], err, sizeof(err)) != CS_OK)
            status = EXIT_USAGE;
    if (status == 0 && speak &&
        cs_compare((const cJSON *const *)docs, (const char *const *)o->files, o->nfiles, stdout, err, sizeof(err)) !=
            CS_OK)
        status = EXIT_USAGE;
    if (status != 0 && speak)
        fprintf(stderr, "clustersim: --compare: %s\n", err);
    for (int i = 0; i < o->nfiles && i < CS_COMPARE_MAX; i++)
        cJSON_Delete(docs[i]);
    return status;
}

/* A virtual run's service nodes: run.nodes, or as many as a per-node
 * list names; none is an error (err said). */
static int virtual_nodes(struct cs_scenario *sc, char *err, size_t errlen)
{
    if (sc->run.nodes < 1) /* a per-node list names every node */
        sc->run.nodes = cs_scenario_listed_nodes(sc);
    if (sc->run.nodes >= 1)
        return CS_OK;
    snprintf(err, errlen,
             "scenario key 'run.nodes': 0: the virtual engine needs at least 1 service node: give --nodes N (or "
             "'run.nodes' in the scenario, or 'nodes.speed' as a list with one entry per node)");
    return CS_E_INVALID;
}

/* The checks a run makes before it starts, on the ranks it runs on: in
 * virtual time those its nodes fix. */
static int virtual_checks(const struct cs_options *o, struct cs_scenario *sc, char *err, size_t errlen)
{
    struct cs_trace trace = {0};
    int rc = virtual_nodes(sc, err, errlen);
    if (rc == CS_OK)
        rc = cs_cli_check_for_ranks(o, sc, cs_plan_ranks(sc, sc->run.nodes), &trace, err, errlen);
    cs_trace_free(&trace);
    return rc;
}

/* --print-config: the effective scenario, validated as a run would be
 * (node lists, the trace, the sweep) on the ranks the launcher started,
 * or in virtual time on its nodes; outside a launcher, the checks that
 * need a rank count wait for the run. */
int cs_cli_print_config(const struct cs_options *o, bool speak)
{
    char err[CS_ERRBUF];
    struct cs_scenario sc;
    struct cs_trace trace = {0};
    int rc = cs_cli_scenario(o, &sc, NULL, err, sizeof(err));
    int size = cs_cli_size_by_env();
    if (rc == CS_OK && sc.run.engine == CS_ENGINE_VIRTUAL)
        rc = virtual_checks(o, &sc, err, sizeof(err));
    else if (rc == CS_OK && size >= 2)
        rc = cs_cli_check_for_ranks(o, &sc, size, &trace, err, sizeof(err));
    cs_trace_free(&trace);
    if (rc != CS_OK) {
        if (speak)
            fprintf(stderr, "clustersim: %s\n", err);
        return EXIT_USAGE;
    }
    char *out = cs_scenario_to_json(&sc);
    if (speak && out)
        printf("%s\n", out);
    free(out);
    return out ? 0 : 1;
}

/* The most service nodes --ranks tries a scenario with: one that fits
 * none of 1..RANKS_PROBE fits no machine it will meet (but one that asks
 * for more by name: run.nodes, a sweep's steps). */
#define RANKS_PROBE 1024

static int by_count(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* --ranks: the rank count the scenario runs on, by the same checks a run
 * makes (cs_cli_check_for_ranks): "any (at least N)" when every count from N on
 * passes them (a fault that names rank 3 needs 4 ranks or more), else the
 * smallest count that does (per-node lists fix one; a sweep's largest
 * step needs its ranks); 1 in virtual time. Scripts use it to fit their
 * launch to the scenario (scripts/run.sh). */
int cs_cli_print_ranks(const struct cs_options *o, bool speak)
{
    char err[CS_ERRBUF];
    static struct cs_scenario sc;
    int rc = cs_cli_scenario(o, &sc, NULL, err, sizeof(err));
    int first = rc == CS_OK ? cs_first_node(&sc) : 0, smallest = 0;
    bool differs = false;
    bool virtual_time = rc == CS_OK && (o->engine_set || sc.run.engine == CS_ENGINE_VIRTUAL);
    /* The counts tried: 1 to RANKS_PROBE, and each the scenario names past
     * it with the one after (does the next fit too?), in order: run.nodes,
     * sweep.nodes, and the nodes up to a fault's rank or a per-node
     * override's. */
    int tried[RANKS_PROBE + 2 * (CS_SWEEP_MAX + 1 + CS_FAULTS_MAX + 2)], tried_n = 0;
    for (int n = 1; n <= RANKS_PROBE; n++)
        tried[tried_n++] = n;
    int named[CS_SWEEP_MAX + 1 + CS_FAULTS_MAX + 2], named_n = 0;
    named[named_n++] = sc.run.nodes;
    for (int i = 0; rc == CS_OK && i < sc.sweep.nodes_n; i++)
        named[named_n++] = sc.sweep.nodes[i];
    for (int i = 0; rc == CS_OK && i < sc.faults_n; i++)
        named[named_n++] = sc.faults[i].rank - first + 1;
    const struct cs_per_node *lists[] = {&sc.nodes.speed, &sc.nodes.servers};
    for (size_t l = 0; rc == CS_OK && l < CS_ARRAY_LEN(lists); l++) {
        int top = 0; /* (overrides by rank; a list's length is a count below RANKS_PROBE) */
        for (int j = 0; !lists[l]->is_list && j < lists[l]->n; j++)
            top = lists[l]->at[j].rank > top ? lists[l]->at[j].rank : top;
        named[named_n++] = top - first + 1;
    }
    for (int i = 0; i < named_n; i++)
        if (named[i] > RANKS_PROBE) {
            tried[tried_n++] = named[i];
            tried[tried_n++] = named[i] + 1;
        }
    qsort(tried, (size_t)tried_n, sizeof(tried[0]), by_count);
    bool gap = false; /* a count past the smallest that fits, that does not */
    for (int t = 0; rc == CS_OK && !virtual_time && t < tried_n; t++) {
        int n = tried[t];
        if (t > 0 && n == tried[t - 1])
            continue;
        char why[CS_ERRBUF] = "";
        bool ok = cs_scenario_check_nodes(&sc, n, why, sizeof(why)) == CS_OK &&
                  (!cs_cli_is_sweep(o, &sc) || cs_sweep_check(&sc, n, why, sizeof(why)) == CS_OK);
        if (ok && sc.run.nodes > 0 && sc.run.nodes != n) { /* on ranks, run.nodes must be the ranks' */
            snprintf(why, sizeof(why),
                     "scenario key 'run.nodes': %d service nodes asked for, but the rest of the "
                     "scenario fits %d",
                     sc.run.nodes, n);
            ok = false;
        }
        gap |= smallest && !ok;
        if (ok && !smallest)
            smallest = n;
        /* Should nothing fit, the reason: one node's, or the first other
         * one (a list's length fits, and then a fault does not). */
        if (!ok && (n == 1 || (!differs && strcmp(why, err) != 0))) {
            differs = n > 1;
            snprintf(err, sizeof(err), "%s", why);
        }
    }
    if (rc == CS_OK && !virtual_time && !smallest)
        rc = CS_E_INVALID;
    /* At the smallest count, every check the run itself makes before it
     * starts (its trace file read, its load's capacity): a command line
     * the run would refuse gets its message here, not a launch of ranks
     * that each refuse it. */
    if (rc == CS_OK && !virtual_time) {
        struct cs_trace trace = {0};
        rc = cs_cli_check_for_ranks(o, &sc, first + smallest, &trace, err, sizeof(err));
        cs_trace_free(&trace);
    } else if (rc == CS_OK) {
        rc = virtual_checks(o, &sc, err, sizeof(err));
    }
    if (rc != CS_OK) {
        if (speak)
            fprintf(stderr, "clustersim: %s\n", err);
        return EXIT_USAGE;
    }
    if (!speak)
        return 0;
    if (virtual_time)
        printf("1\n");
    else if (!gap) /* every count from the smallest on */
        printf("any (at least %d)\n", first + smallest);
    else
        printf("%d\n", first + smallest);
    return 0;
}

/* ---- the virtual-time engine: one process, no MPI ---- */

/* Why a virtual run failed, in words. */
static const char *failure(int rc)
{
    if (rc == CS_E_STUCK)
        return "virtual time stood still: turn after turn at one instant, with no end (a closed loop, as a "
               "saturated sweep's steps are, whose clients ask again at once when a request is turned away "
               "(nodes.queue_capacity, dispatch.max_pending) or served in no time: give load.think_us a mean "
               "above 0, the nodes room, or the service or the network some time)";
    return rc == CS_E_NOMEM ? "out of memory (give fewer nodes or less load)" : "an internal error";
}

/* A sweep's step in virtual time: run here, or (spread) run already by
 * the rank the launch gave it. */
static int virtual_step(void *arg, int i, int n, const struct cs_scenario *step, int nodes, struct cs_sweep_row *row)
{
    struct cs_sweep_ctx *x = arg;
    if (x->kept >> i & 1) {
        cs_cli_step_kept(x, i, n, row);
        return 0;
    }
    if (x->spread) { /* (its latency is in place: step_landed) */
        *row = x->spread[i].row;
        return 0;
    }
    int rc = cs_cli_step_results(x, cs_plan_ranks(step, nodes));
    if (rc == CS_OK)
        rc = cs_virtual_run(step, nodes, NULL, x->res, NULL);
    if (rc != CS_OK)
        return rc;
    int stop = cs_cli_step_stops(x, i, n);
    cs_cli_step_done(x, i, n, stop, row);
    return stop;
}

/* ---- a virtual sweep whose steps the launch's ranks share ---- */

struct spread {
    struct cs_sweep_ctx *x; /* rank 0's: the last step's results are its */
    int steps;
    double cost[CS_SWEEP_MAX]; /* the requests each step simulates, and its nodes */
    int target;                /* the step to run in this pass of the plan */
    int rank;
    struct cs_spread_out *out;
    struct cs_sweep_row scratch[CS_SWEEP_MAX]; /* the rows of a pass that weighs or picks steps: unused */
    /* rank 0's main thread: */
    struct cs_spread_out *outs; /* [steps]: what each step gave */
    uint64_t landed;            /* bit i: step i's output is in outs */
    struct cs_results frame;    /* the checkpoints' results but for their rows (none: no step of its own) */
    bool framed;
};

/* A pass of the plan that only weighs the steps. */
static int weigh_step(void *arg, int i, int n, const struct cs_scenario *step, int nodes, struct cs_sweep_row *row)
{
    struct spread *sp = arg;
    double requests = cs_scenario_handled_rps(step, nodes) * (step->load.warmup_s + step->load.duration_s);
    /* A node's set-up and report cost about as much as 25 requests. */
    sp->cost[i] = requests + 25.0 * nodes;
    sp->steps = n;
    memset(row, 0, sizeof(*row));
    return 0;
}

/* A pass of the plan that runs one step (sp->target) and skips the rest. */
static int one_step(void *arg, int i, int n, const struct cs_scenario *step, int nodes, struct cs_sweep_row *row)
{
    struct spread *sp = arg;
    memset(row, 0, sizeof(*row));
    if (i != sp->target)
        return 0;
    /* The last step on rank 0 stays in its results, for the report. */
    struct cs_results own, *res = &own;
    int rc;
    if (sp->rank == 0 && i == n - 1) {
        res = sp->x->res;
        rc = cs_cli_step_results(sp->x, cs_plan_ranks(step, nodes));
    } else {
        rc = cs_results_init(res, cs_plan_ranks(step, nodes));
    }
    if (rc == CS_OK)
        rc = cs_virtual_run(step, nodes, NULL, res, NULL);
    sp->out->rc = rc;
    if (rc == CS_OK) {
        cs_sweep_row_from(res, &sp->out->row);
        sp->out->latency = res->latency;
        sp->out->whole = res->complete;
        sp->out->cut = !res->complete;
        cs_cli_step_line(sp->x, i, n, &sp->out->row, sp->rank, res->complete ? NULL : res->ended);
    }
    if (res == &own)
        cs_results_free(res);
    return rc;
}

static int spread_job(void *ctx, int j, int rank, void *out)
{
    struct spread *sp = ctx;
    char err[CS_ERRBUF];
    sp->target = j;
    sp->rank = rank;
    sp->out = out;
    sp->out->rc = CS_OK;
    sp->out->rank = rank;
    sp->out->whole = sp->out->cut = false;
    if (cs_stop_signal) /* (it came after the job was handed out): not begun */
        return 1;
    int n =
        cs_sweep_run(sp->x->sweep, sp->x->sweep->run.nodes, one_step, sp, sp->scratch, NULL, NULL, err, sizeof(err));
    if (n < 0 && sp->out->rc == CS_OK) { /* the plan itself: weigh_step found it fine on every rank */
        fprintf(stderr, "clustersim: rank %d: %s\n", rank, err);
        sp->out->rc = n;
    }
    if (n < 0 || sp->out->rc != CS_OK)
        return n < 0 ? n : sp->out->rc;
    return sp->out->cut ? 1 : CS_OK; /* cut short by a stop: no step is handed out after it */
}

/* Rank 0: results that hold no step's own fields (a checkpoint's, or a
 * stopped sweep's), for the rows of a virtual sweep whose ranks shared
 * its steps. */
static int frame_results(struct cs_results *r, const struct cs_scenario *sc)
{
    int rc = cs_results_init(r, cs_first_node(sc) + 1);
    if (rc == CS_OK) {
        r->scenario = *sc;
        cs_virtual_label(r);
    }
    return rc;
}

/* Rank 0's main thread, once step j's output is in: the results files
 * written again with every step finished so far, as a sweep on one rank
 * writes them after each step, so that a rank or a job that dies (a time
 * limit, a node lost) loses only the steps under way. Their other fields
 * are those of no step (all zero: the ranks keep their steps' full
 * results to themselves); "ended" says it is running. */
static void step_landed(void *ctx, int j)
{
    struct spread *sp = ctx;
    struct cs_sweep_ctx *x = sp->x;
    if (sp->outs[j].rc != CS_OK || !sp->outs[j].whole)
        return;
    x->rows[j] = sp->outs[j].row;
    x->latency[j] = sp->outs[j].latency;
    sp->landed |= UINT64_C(1) << j;
    if (!x->o->json && !x->o->csv)
        return;
    if (!sp->framed) {
        if (frame_results(&sp->frame, x->sweep) != CS_OK)
            return; /* out of memory: no checkpoint, the sweep goes on */
        sp->framed = true;
    }
    cs_cli_sweep_checkpoint(x, &sp->frame, sp->landed, sp->steps);
}

/* Every rank: the sweep's steps shared by the launch's ranks (status:
 * rank 0's verdict on the input, as cs_ranks_share takes it; the others
 * pass 0). On rank 0, x->spread then holds what every step gave (but
 * those --resume kept, and those a stop signal cut short or left not
 * run: cs_cli_spread_stopped). Returns 0, or an exit status. */
static int spread_sweep(struct cs_sweep_ctx *x, int argc, char **argv, int status)
{
    static struct spread sp;
    char err[CS_ERRBUF];
    sp = (struct spread){.x = x};
    if (status == 0 &&
        cs_sweep_run(x->sweep, x->sweep->run.nodes, weigh_step, &sp, sp.scratch, NULL, NULL, err, sizeof(err)) < 0) {
        if (x->rank == 0) /* every rank finds it: one says it */
            fprintf(stderr, "clustersim: %s\n", err);
        status = EXIT_USAGE;
    }
    struct cs_spread_out *out = x->rank == 0 ? calloc((size_t)(sp.steps > 0 ? sp.steps : 1), sizeof(*out)) : NULL;
    if (x->rank == 0 && !out && status == 0) {
        fprintf(stderr, "clustersim: out of memory\n");
        status = 1;
    }
    sp.outs = out;
    x->steps = sp.steps;
    /* A stop signal (Ctrl-C, a time limit), which the launcher relays to
     * every rank, cuts the steps under way short in virtual time, and no
     * step starts after it: rank 0 writes the steps finished. */
    cs_catch_stop_signals(false);
    struct cs_share share = {sp.steps, x->kept, sp.cost, sizeof(*out), out, spread_job, step_landed, &sp};
    status = cs_ranks_share(argc, argv, status, &share);
    /* One line for the steps that failed (those under way when rank 0
     * heard of the first; none is handed out after), as a sweep in one
     * process says it: the first in the plan's order, and how many more. */
    int failed = 0, first = -1;
    for (int j = 0; status == 1 && out && j < sp.steps; j++)
        if (out[j].rc < 0) {
            first = first < 0 ? j : first;
            failed++;
        }
    if (first >= 0) {
        fprintf(stderr, "clustersim: step %d of the sweep failed (on rank %d", first + 1, out[first].rank);
        if (failed > 1)
            fprintf(stderr, "; %d more under way beside it failed too", failed - 1);
        fprintf(stderr, "): %s\n", failure(out[first].rc));
        if (out[first].rc == CS_E_STUCK) /* the scenario's loop, as in one process */
            status = EXIT_USAGE;
    }
    if (sp.framed)
        cs_results_free(&sp.frame);
    if (status == 0 && x->rank == 0) {
        x->spread = out;
        x->spread_whole = sp.landed;
    } else {
        free(out);
    }
    return status;
}

/* Does the run ask for the virtual engine (--virtual, or run.engine in
 * the scenario)? A scenario that does not parse is left to the run that
 * reports it. */
bool cs_cli_wants_virtual(const struct cs_options *o)
{
    if (o->engine_set)
        return true;
    char err[CS_ERRBUF];
    static struct cs_scenario sc;
    return cs_cli_scenario(o, &sc, NULL, err, sizeof(err)) == CS_OK && sc.run.engine == CS_ENGINE_VIRTUAL;
}

/* A number from the first line of a file that starts with key ("" for
 * the first line), times scale; NAN when there is none (or "max"). */
static double number_in(const char *path, const char *key, double scale)
{
    FILE *f = fopen(path, "r");
    char line[256];
    double v = NAN;
    size_t k = strlen(key);
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, key, k) == 0) {
            char *end;
            double x = strtod(line + k, &end);
            v = end > line + k ? x * scale : NAN;
            break;
        }
    if (f)
        fclose(f);
    return v;
}

/* How much memory the ranks of this host may take together: the least of
 * what the system has available and their cgroup's limit (a SLURM job's
 * --mem); NAN when neither says. *which names the one. */
static double memory_of_host(const char **which)
{
    double best = number_in("/proc/meminfo", "MemAvailable:", 1024);
    *which = "the memory this machine has available";
    /* cgroup v2: the least memory.max of this process's cgroup and those
     * above it (SLURM sets a job's on the job's, above its steps'). */
    double cg = NAN;
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[400], path[512];
    if (f && fgets(line, sizeof(line), f) && strncmp(line, "0::", 3) == 0) {
        line[strcspn(line, "\n")] = '\0';
        for (char *cut = line + strlen(line); cut > line + 3; cut = strrchr(line + 3, '/')) {
            *cut = '\0';
            snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max", line + 3);
            double v = number_in(path, "", 1);
            cg = !isnan(v) && (isnan(cg) || v < cg) ? v : cg;
        }
    }
    if (f)
        fclose(f);
    if (!isnan(cg) && (isnan(best) || cg < best)) {
        best = cg;
        *which = "this job's memory limit (its cgroup's memory.max)";
    }
    return best;
}

/* How much memory one process may take: its address-space and data
 * limits (ulimit -v, -d); NAN when neither is set. */
static double memory_of_process(const char **which)
{
    double best = NAN;
    const struct {
        int resource;
        const char *name;
    } limits[] = {{RLIMIT_AS, "the address-space limit (ulimit -v)"}, {RLIMIT_DATA, "the data limit (ulimit -d)"}};
    for (size_t i = 0; i < CS_ARRAY_LEN(limits); i++) {
        struct rlimit rl;
        if (getrlimit(limits[i].resource, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            (isnan(best) || (double)rl.rlim_cur < best)) {
            best = (double)rl.rlim_cur;
            *which = limits[i].name;
        }
    }
    return best;
}

/* A virtual run too large for this process's memory is refused before it
 * allocates: CS_OK, or CS_E_INVALID with err said. A sweep that `local`
 * ranks of this host share (1: none) holds a step on each at once. */
static int check_memory(const struct cs_options *o, const struct cs_scenario *sc, int local, char *err, size_t errlen)
{
    /* Each rank's own limits hold its step; the host holds them all. */
    struct cs_virtual_step one;
    double together = cs_virtual_sweep_bytes(sc, cs_cli_is_sweep(o, sc), local, &one);
    const char *proc_which = "", *host_which = "";
    double proc = memory_of_process(&proc_which), host = memory_of_host(&host_which);
    bool proc_short = !isnan(proc) && one.bytes > proc, host_short = !isnan(host) && together > host;
    if (!proc_short && !host_short)
        return CS_OK;
    bool by_host = host_short && (!proc_short || host <= proc); /* the tighter limit it breaks */
    if (by_host && local > 1 && one.bytes <= host)              /* each step fits; not all at once */
        snprintf(err, errlen,
                 "the %d ranks on this host that share this virtual sweep run a step each at once, the largest first: "
                 "they need about %.1f GiB together, and %s is %.1f GiB: start fewer ranks on this host, or give "
                 "the sweep fewer nodes or less load",
                 local, together / 1073741824.0, host_which, host / 1073741824.0);
    else
        snprintf(err, errlen,
                 "a virtual run of %d service nodes at %.3g req/s needs about %.1f GiB, and %s is %.1f GiB: give "
                 "fewer nodes ('run.nodes', 'sweep.nodes'), servers a node ('service.servers') or dispatchers "
                 "('dispatch.dispatchers'), less load, or less room for requests ('dispatch.window', "
                 "'dispatch.max_pending')",
                 one.nodes, one.rate_rps, one.bytes / 1073741824.0, by_host ? host_which : proc_which,
                 (by_host ? host : proc) / 1073741824.0);
    return CS_E_INVALID;
}

/* A whole run (or sweep) in virtual time, with the same checks, report
 * and files as a run on ranks. Under a launcher, the ranks share a
 * sweep's steps (each is deterministic by seed: the rows are the ones a
 * single process makes); a single run is rank 0's, and the other ranks
 * have nothing to do. */
static int run_virtual(const struct cs_options *o, int argc, char **argv, int env_rank, int env_size)
{
    char err[CS_ERRBUF], *text = NULL;
    static struct cs_scenario sc;
    struct cs_rank0 z = {0};
    int rc = cs_cli_scenario(o, &sc, &text, err, sizeof(err));
    if (rc == CS_OK && sc.run.nodes < 1) /* (before the ranks share it: virtual_nodes says why none) */
        sc.run.nodes = cs_scenario_listed_nodes(&sc);
    bool parsed = rc == CS_OK;
    bool spread = rc == CS_OK && env_size > 1 && cs_cli_is_sweep(o, &sc);
    struct cs_results res = {0};
    struct cs_sweep_row rows[CS_SWEEP_MAX];
    static struct cs_sweep_analysis an; /* zeroed: no lever until a sweep says */
    struct cs_sweep_ctx x = {.o = o, .sweep = &sc, .rank = env_rank > 0 ? env_rank : 0, .res = &res, .rows = rows};
    if (env_rank > 0) { /* rank 0 checks the input and says what is wrong */
        free(text);
        if (spread)
            return spread_sweep(&x, argc, argv, 0);
        if (rc != CS_OK) /* as rank 0 found too: meet it once it has said so */
            cs_ranks_meet(argc, argv);
        return rc == CS_OK ? 0 : EXIT_USAGE;
    }
    if (rc == CS_OK)
        rc = virtual_nodes(&sc, err, sizeof(err));
    if (rc == CS_OK && o->calibrate) {
        snprintf(err, sizeof(err), "--calibrate measures this machine's MPI: it does not run in virtual time");
        rc = CS_E_INVALID;
    }
    if (rc == CS_OK)
        rc = check_memory(o, &sc, spread ? cs_cli_local_size_by_env() : 1, err, sizeof(err));
    if (rc == CS_OK)
        rc = cs_cli_prepare_run(o, text, cs_plan_ranks(&sc, sc.run.nodes), &z, err, sizeof(err));
    free(text);
    if (rc != CS_OK) {
        fprintf(stderr, "clustersim: %s\n", err);
        cs_trace_free(&z.trace);
        if (spread)
            return spread_sweep(&x, argc, argv, EXIT_USAGE);
        if (!parsed && env_size > 1) /* every rank found it: they meet */
            cs_ranks_meet(argc, argv);
        return EXIT_USAGE;
    }
    if (z.resume.complete) {
        int done = cs_cli_resumed_complete(o);
        return spread ? spread_sweep(&x, argc, argv, done ? done : -1) : done;
    }
    if (env_size > 1 && !spread)
        fprintf(stderr,
                "clustersim: the virtual engine runs a single run in this one process; the other %d rank%s of "
                "this launch have nothing to do (a sweep's steps would share them)\n",
                env_size - 1, env_size == 2 ? "" : "s");
    /* A stop signal (Ctrl-C, a time limit) ends the run (a sweep: after
     * the step under way) in virtual time, with its results written,
     * marked incomplete; a second Ctrl-C ends the process. (When the
     * launch's ranks share a sweep, spread_sweep catches them.) */
    if (!spread)
        cs_catch_stop_signals(env_rank < 0); /* a launcher relays a second, and kills a drain that takes too long */
    char started[32];
    static char command[1024];
    cs_cli_utc_now(started, sizeof(started));
    cs_cli_join_args(argc, argv, command, sizeof(command));
    struct cs_histogram *step_latency = NULL;
    int nrows = 1;
    if (cs_cli_is_sweep(o, &sc)) {
        step_latency = calloc(CS_SWEEP_MAX, sizeof(*step_latency));
        x.kept = z.resume.steps;
        x.resume = &z.resume;
        x.latency = step_latency;
        x.checkpoint = (struct cs_checkpoint){
            .json = o->json, .csv = o->csv, .started = started, .command = command, .all_nodes = o->all_nodes};
        if (!step_latency)
            fprintf(stderr, "clustersim: out of memory\n");
        int shared = spread ? spread_sweep(&x, argc, argv, step_latency ? 0 : 1) : 0;
        if (shared != 0) {
            if (x.res_ready) /* rank 0's last step's, failed */
                cs_results_free(&res);
            free(step_latency);
            return shared;
        }
        if (!step_latency)
            return 1;
        if (x.spread && cs_cli_spread_stopped(&x)) {
            if (x.res_ready) /* the last step's, whole or not: a stopped shared sweep's results hold no step's own */
                cs_results_free(&res);
            x.res_ready = false;
            rc = frame_results(&res, &sc);
            nrows = rc == CS_OK ? cs_cli_sweep_stopped(&x, &res) : rc;
        } else {
            nrows = cs_cli_run_sweep(&x, sc.run.nodes, &an, virtual_step);
        }
        free(x.spread);
        rc = nrows < 0 ? nrows : CS_OK;
    } else {
        rc = cs_results_init(&res, cs_plan_ranks(&sc, sc.run.nodes));
        if (rc == CS_OK)
            rc = cs_virtual_run(&sc, sc.run.nodes, &z.trace, &res,
                                &(struct cs_virtual_stats){.progress = cs_cli_progress_stream(o)});
        if (rc == CS_OK)
            cs_sweep_row_from(&res, rows);
    }
    if (rc != CS_OK) {
        fprintf(stderr, "clustersim: the virtual run failed: %s\n", failure(rc));
        cs_trace_free(&z.trace);
        cs_results_free(&res);
        free(step_latency);
        return rc == CS_E_STUCK ? EXIT_USAGE : 1; /* (the scenario's loop) */
    }
    /* (a sweep the ranks shared may have stopped at another rank's signal) */
    char sig[32] = "a signal to another rank";
    if (cs_stop_signal)
        snprintf(sig, sizeof(sig), "signal %d", (int)cs_stop_signal);
    if (cs_stop_signal && res.complete)
        fprintf(stderr,
                "\nclustersim: signal %d came after the measured window, and the drain ended in time: the "
                "results are whole\n",
                (int)cs_stop_signal);
    else if ((cs_stop_signal || !res.complete) && res.sweep_steps > 0)
        fprintf(stderr,
                "\nclustersim: %s stopped the sweep in virtual time, %d of its %d steps finished: the results are "
                "marked incomplete, and --resume goes on from them\n",
                sig, res.sweep_finished, res.sweep_steps);
    else if (cs_stop_signal)
        fprintf(stderr,
                "\nclustersim: signal %d stopped the run in virtual time: the results are marked incomplete (%s)\n",
                (int)cs_stop_signal, res.ended);
    snprintf(res.started_utc, sizeof(res.started_utc), "%s", started);
    snprintf(res.command, sizeof(res.command), "%s", command);
    return cs_cli_finish(o, &z, &res, rows, nrows, step_latency);
}

int cs_cli_run_virtual(const struct cs_options *o, int argc, char **argv, int env_rank, int env_size)
{
    int status = run_virtual(o, argc, argv, env_rank, env_size);
    cs_ranks_share_end(status); /* rank 0 has written: the ranks that shared a sweep may end */
    return status;
}
