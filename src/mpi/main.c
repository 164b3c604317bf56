/*
 * clustersim: the driver. Parses flags, sets up MPI, has rank 0 compose
 * and validate the scenario and broadcast it, runs the roles, and writes
 * the results. User mistakes end every rank with one message and exit
 * status 2; nothing here aborts the job for them.
 */
#include <errno.h>
#include <getopt.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cs/arrival.h"
#include "cs/calibration.h"
#include "cs/checkpoint.h"
#include "cs/common.h"
#include "cs/compare.h"
#include "cs/config.h"
#include "cs/fileio.h"
#include "cs/html.h"
#include "cs/jsonpath.h"
#include "cs/results.h"
#include "cs/resume.h"
#include "cs/scenario.h"
#include "cs/sweep.h"
#include "cs/virtual.h"

#include "mpi_edge.h"

#define EXIT_USAGE 2
#define MAX_SETS 256

struct options {
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
    bool progress;
    bool compare;
    char **files; /* --compare's results files */
    int nfiles;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: mpirun -np N clustersim [options]\n"
                 "\n"
                 "Rank 0 is the coordinator: it generates requests on an open-loop schedule and\n"
                 "dispatches them. Ranks 1..N-1 are service nodes that queue, serve and answer.\n"
                 "N must be at least 2.\n"
                 "\n"
                 "options:\n"
                 "  -c, --config FILE     read the scenario from a JSON file (default: the\n"
                 "                        embedded scenario, about 10 s)\n"
                 "  -s, --set KEY=VALUE   override one scenario key, e.g. --set load.rate_rps=5000\n"
                 "                        or --set service.time='{\"dist\":\"constant\",\"mean_us\":500}';\n"
                 "                        VALUE is JSON when it parses as JSON, else a string;\n"
                 "                        repeatable, applied in order\n"
                 "  -j, --json FILE       write the results as JSON to FILE (atomically)\n"
                 "  -t, --timeseries FILE write one row per run.interval_ms to FILE as the run\n"
                 "                        goes: CSV, or JSON lines when FILE ends in .jsonl\n"
                 "  -w, --sweep           run the scenario's sweep (sweep.nodes, sweep.mode,\n"
                 "                        sweep.rates_rps; default: powers of two up to all\n"
                 "                        nodes, saturated) in this one job; a scenario with\n"
                 "                        sweep.enabled runs it without this flag\n"
                 "  -C, --csv FILE        write one row per step (or for the run) as CSV\n"
                 "      --html FILE       write one self-contained HTML report: the table, the\n"
                 "                        verdict, and plots (throughput, latency and queues\n"
                 "                        over time, the latency spectrum; a sweep's curves)\n"
                 "      --percentiles FILE\n"
                 "                        write the latency percentile distribution in\n"
                 "                        HdrHistogram's text form (microseconds; a sweep\n"
                 "                        writes one block per step)\n"
                 "      --resume FILE     continue a sweep from FILE, the partial results of the\n"
                 "                        same sweep (a checkpoint its killed run left): its\n"
                 "                        finished steps are kept as they are, the rest run\n"
                 "      --virtual         run in virtual time in this one process, no MPI (the same\n"
                 "                        state machines, deterministic by seed): predict\n"
                 "                        what more nodes than you have would do\n"
                 "      --nodes N         service nodes of a virtual run (run.nodes)\n"
                 "      --calibrate       measure this machine: raw MPI round trips, the\n"
                 "                        coordinator's own cost per request, a node's overhead,\n"
                 "                        and where the scenario's knee will be; with --json FILE\n"
                 "                        also write them as a calibration file; then exit\n"
                 "      --calibration FILE\n"
                 "                        a virtual run models the costs in FILE (written by\n"
                 "                        --calibrate --json, or by hand): network.latency_us and\n"
                 "                        model.*, applied before any --set\n"
                 "  -p, --print-config    print the effective scenario and exit\n"
                 "      --ranks           print the MPI rank count the scenario runs on (its\n"
                 "                        per-node lists, sweep, run.nodes and dispatchers\n"
                 "                        fix it), or \"any (at least N)\" when it does not;\n"
                 "                        1 for a run in virtual time; then exit\n"
                 "      --compare A.json B.json...\n"
                 "                        results files side by side: what differs in their\n"
                 "                        scenarios, throughput, latency, utilization, verdicts,\n"
                 "                        and each change from the first (no MPI needed)\n"
                 "  -q, --quiet           no progress line and no report table\n"
                 "  -P, --progress        the live progress line on stderr even when it is not a\n"
                 "                        terminal (by default it shows only at a terminal)\n"
                 "  -h, --help            this help\n"
                 "  -V, --version         the version\n"
                 "\n"
                 "Exit status: 0 success, 1 run-time failure, 2 bad input (flag, scenario, rank count).\n");
}

/* The first of the launchers' variables that is set, as a number, or
 * missing when none is. */
static int launcher_env(const char *const *vars, size_t n, int missing)
{
    for (size_t i = 0; i < n; i++) {
        const char *v = getenv(vars[i]);
        if (v)
            return atoi(v);
    }
    return missing;
}

/* This process's rank as its launcher announced it, or -1 when it was
 * not launched by MPI at all. Used before MPI_Init so that only one rank
 * prints help, versions and flag errors. */
static int rank_by_env(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"};
    return launcher_env(vars, CS_ARRAY_LEN(vars), -1);
}

/* The number of ranks the launcher started, or 0 when not under MPI. */
static int size_by_env(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"};
    return launcher_env(vars, CS_ARRAY_LEN(vars), 0);
}

/* Returns -1 to go on, or an exit status. */
static int parse_flags(int argc, char **argv, struct options *o, bool speak)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 's'},
        {"json", required_argument, NULL, 'j'},
        {"print-config", no_argument, NULL, 'p'},
        {"timeseries", required_argument, NULL, 't'},
        {"sweep", no_argument, NULL, 'w'},
        {"csv", required_argument, NULL, 'C'},
        {"calibrate", no_argument, NULL, 'K'},
        {"calibration", required_argument, NULL, 'A'},
        {"quiet", no_argument, NULL, 'q'},
        {"progress", no_argument, NULL, 'P'},
        {"compare", no_argument, NULL, 'D'},
        {"html", required_argument, NULL, 'H'},
        {"percentiles", required_argument, NULL, 'L'},
        {"resume", required_argument, NULL, 'R'},
        {"virtual", no_argument, NULL, 'v'},
        {"nodes", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"ranks", no_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":c:s:j:t:wC:pqPhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            o->config = optarg;
            break;
        case 's':
            if (o->nsets == MAX_SETS) {
                if (speak)
                    fprintf(stderr, "clustersim: too many --set options (at most %d)\n", MAX_SETS);
                return EXIT_USAGE;
            }
            o->sets[o->nsets++] = optarg;
            break;
        case 'j':
            o->json = optarg;
            break;
        case 't':
            o->timeseries = optarg;
            break;
        case 'w':
            o->sweep = true;
            break;
        case 'C':
            o->csv = optarg;
            break;
        case 'H':
            o->html = optarg;
            break;
        case 'v':
            o->engine_set = "run.engine=virtual";
            break;
        case 'N':
            snprintf(o->nodes_set, sizeof(o->nodes_set), "run.nodes=%s", optarg);
            break;
        case 'R':
            o->resume = optarg;
            break;
        case 'L':
            o->percentiles = optarg;
            break;
        case 'K':
            o->calibrate = true;
            break;
        case 'A':
            o->calibration = optarg;
            break;
        case 'p':
            o->print_config = true;
            break;
        case 'r':
            o->ranks = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'P':
            o->progress = true;
            break;
        case 'D':
            o->compare = true;
            break;
        case 'h':
            if (speak)
                usage(stdout);
            return 0;
        case 'V':
            if (speak)
                printf("clustersim %s\n", CS_VERSION);
            return 0;
        case ':':
            if (speak)
                fprintf(stderr, "clustersim: option '%s' needs a value (see --help)\n", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            if (speak)
                fprintf(stderr, "clustersim: unknown option '%s' (see --help)\n", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (o->calibration) {
        struct cs_calibration k;
        char err[CS_ERRBUF];
        if (cs_calibration_load(o->calibration, &k, err, sizeof(err)) != CS_OK) {
            if (speak)
                fprintf(stderr, "clustersim: --calibration: %s\n", err);
            return EXIT_USAGE;
        }
        if (o->nsets + CS_CALIBRATION_KEYS > MAX_SETS) {
            if (speak)
                fprintf(stderr, "clustersim: too many --set options (at most %d)\n", MAX_SETS - CS_CALIBRATION_KEYS);
            return EXIT_USAGE;
        }
        cs_calibration_sets(&k, o->calibration_sets);
        memmove(o->sets + CS_CALIBRATION_KEYS, o->sets, (size_t)o->nsets * sizeof(o->sets[0]));
        for (int i = 0; i < CS_CALIBRATION_KEYS; i++)
            o->sets[i] = o->calibration_sets[i];
        o->nsets += CS_CALIBRATION_KEYS;
    }
    if (o->engine_set || o->nodes_set[0]) {
        if (o->nsets + 2 > MAX_SETS) {
            if (speak)
                fprintf(stderr, "clustersim: too many --set options (at most %d)\n", MAX_SETS - 2);
            return EXIT_USAGE;
        }
        if (o->engine_set)
            o->sets[o->nsets++] = o->engine_set;
        if (o->nodes_set[0])
            o->sets[o->nsets++] = o->nodes_set;
    }
    if (o->compare) {
        o->files = argv + optind;
        o->nfiles = argc - optind;
        if (o->nfiles < 1) {
            if (speak)
                fprintf(stderr, "clustersim: --compare needs results files, e.g. --compare a.json b.json\n");
            return EXIT_USAGE;
        }
        return -1;
    }
    if (optind < argc) {
        if (speak)
            fprintf(stderr, "clustersim: unexpected argument '%s' (see --help)\n", argv[optind]);
        return EXIT_USAGE;
    }
    return -1;
}

/* Can the results file be created where asked? Checked before the run,
 * so a typo in a path does not cost the user the run. */
static int check_writable(const char *flag, const char *path, char *err, size_t errlen)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp)) {
        snprintf(err, errlen, "%s '%s': path is too long", flag, path);
        return CS_E_INVALID;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s '%s': cannot create a file there: %s", flag, path, strerror(errno));
        return CS_E_INVALID;
    }
    close(fd);
    unlink(tmp);
    return CS_OK;
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
static FILE *progress_stream(const struct options *o)
{
    if (o->quiet)
        return NULL;
    if (o->progress || isatty(STDERR_FILENO))
        return stderr;
    if (stdout_is_users_terminal())
        return stdout;
    return NULL;
}

/* Now, as ISO 8601 UTC. */
static void utc_now(char *out, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        out[0] = '\0';
}

/* The command line, words separated by spaces (cut at len). */
static void join_args(int argc, char **argv, char *out, size_t len)
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

static bool is_sweep(const struct options *o, const struct cs_scenario *sc)
{
    return o->sweep || sc->sweep.enabled;
}

/* What only rank 0 holds for a run. */
struct rank0 {
    struct cs_trace trace;
    FILE *timeseries;
    struct cs_resume resume; /* --resume: the steps kept */
};

/* Checks of a valid scenario that need the run's rank count: node lists,
 * the trace file (loaded into trace), the sweep. */
static int check_for_ranks(const struct options *o, const struct cs_scenario *sc, int size, struct cs_trace *trace,
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
    }
    if (rc == CS_OK && is_sweep(o, sc))
        rc = cs_sweep_check(sc, size - first, err, errlen);
    return rc;
}

/* Checks of a valid scenario that need the run: the above, and the
 * output files. Rank 0 only. */
static int prepare_run(const struct options *o, const char *text, int size, struct rank0 *z, char *err, size_t errlen)
{
    struct cs_scenario sc;
    int rc = cs_scenario_parse(&sc, text, strlen(text), err, errlen);
    if (rc == CS_OK)
        rc = check_for_ranks(o, &sc, size, &z->trace, err, errlen);
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
    if (rc == CS_OK && o->resume && !is_sweep(o, &sc)) {
        snprintf(err, errlen, "--resume '%s': it continues a sweep, and this run is not one (add --sweep)", o->resume);
        rc = CS_E_INVALID;
    }
    if (rc == CS_OK && o->resume)
        rc = cs_resume_load(&z->resume, o->resume, &sc, size - first, err, errlen);
    if (rc == CS_OK && is_sweep(o, &sc) && o->timeseries) {
        snprintf(err, errlen, "--timeseries '%s': a time series is for single runs, not sweeps", o->timeseries);
        rc = CS_E_INVALID;
    }
    if (rc == CS_OK && o->json)
        rc = check_writable("--json", o->json, err, errlen);
    if (rc == CS_OK && o->csv)
        rc = check_writable("--csv", o->csv, err, errlen);
    if (rc == CS_OK && o->html)
        rc = check_writable("--html", o->html, err, errlen);
    if (rc == CS_OK && o->percentiles)
        rc = check_writable("--percentiles", o->percentiles, err, errlen);
    if (rc == CS_OK && o->timeseries) {
        z->timeseries = fopen(o->timeseries, "w");
        if (!z->timeseries) {
            snprintf(err, errlen, "--timeseries '%s': cannot create it: %s", o->timeseries, strerror(errno));
            rc = CS_E_INVALID;
        }
    }
    return rc;
}

/* --compare: results files side by side. Reads files only. */
static int compare(const struct options *o, bool speak)
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

/* --print-config: the effective scenario, validated as a run would be
 * (node lists, the trace, the sweep) on the ranks the launcher started;
 * outside a launcher, the checks that need a rank count wait for the run. */
static int print_config(const struct options *o, bool speak)
{
    char err[CS_ERRBUF], *text = NULL;
    struct cs_scenario sc;
    struct cs_trace trace = {0};
    int rc = cs_scenario_compose(o->config, o->sets, o->nsets, &text, err, sizeof(err));
    if (rc == CS_OK)
        rc = cs_scenario_parse(&sc, text, strlen(text), err, sizeof(err));
    free(text);
    int size = size_by_env();
    if (rc == CS_OK && size >= 2)
        rc = check_for_ranks(o, &sc, size, &trace, err, sizeof(err));
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
 * none of 1..RANKS_PROBE fits no machine it will meet. */
#define RANKS_PROBE 1024

/* --ranks: the rank count the scenario runs on, by the same checks a run
 * makes (check_for_ranks): "any (at least N)" when every count from N on
 * passes them (a fault that names rank 3 needs 4 ranks or more), else the
 * smallest count that does (per-node lists fix one; a sweep's largest
 * step needs its ranks); 1 in virtual time. Scripts use it to fit their
 * launch to the scenario (scripts/run.sh). */
static int print_ranks(const struct options *o, bool speak)
{
    char err[CS_ERRBUF], *text = NULL;
    static struct cs_scenario sc;
    int rc = cs_scenario_compose(o->config, o->sets, o->nsets, &text, err, sizeof(err));
    if (rc == CS_OK)
        rc = cs_scenario_parse(&sc, text, strlen(text), err, sizeof(err));
    free(text);
    int first = rc == CS_OK ? cs_first_node(&sc) : 0, fits = 0, smallest = 0;
    bool differs = false;
    bool virtual_time = rc == CS_OK && (o->engine_set || sc.run.engine == CS_ENGINE_VIRTUAL);
    for (int n = 1; rc == CS_OK && !virtual_time && n <= RANKS_PROBE; n++) {
        char why[CS_ERRBUF] = "";
        bool ok = cs_scenario_check_nodes(&sc, n, why, sizeof(why)) == CS_OK &&
                  (!is_sweep(o, &sc) || cs_sweep_check(&sc, n, why, sizeof(why)) == CS_OK);
        if (ok && sc.run.nodes > 0 && sc.run.nodes != n) { /* on ranks, run.nodes must be the ranks' */
            snprintf(why, sizeof(why),
                     "scenario key 'run.nodes': %d service nodes asked for, but the rest of the "
                     "scenario fits %d",
                     sc.run.nodes, n);
            ok = false;
        }
        fits += ok;
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
    if (rc != CS_OK) {
        if (speak)
            fprintf(stderr, "clustersim: %s\n", err);
        return EXIT_USAGE;
    }
    if (!speak)
        return 0;
    if (virtual_time)
        printf("1\n");
    else if (fits == RANKS_PROBE - smallest + 1) /* every count from the smallest on */
        printf("any (at least %d)\n", first + smallest);
    else
        printf("%d\n", first + smallest);
    return 0;
}

/* Rank 0 composes the scenario and checks the run's inputs; every rank
 * learns the verdict and the text from one broadcast. */
static int share_scenario(const struct options *o, int rank, int size, struct cs_scenario *sc, struct rank0 *z)
{
    char err[CS_ERRBUF] = "";
    char *text = NULL;
    int status = CS_OK;
    if (rank == 0) {
        if (size < 2) {
            snprintf(err, sizeof(err),
                     "needs at least 2 MPI ranks (1 coordinator + service nodes), got %d; run it as "
                     "'mpirun -np 4 clustersim' (add --oversubscribe for more ranks than cores)",
                     size);
            status = CS_E_INVALID;
        } else {
            status = cs_scenario_compose(o->config, o->sets, o->nsets, &text, err, sizeof(err));
            if (status == CS_OK)
                status = prepare_run(o, text, size, z, err, sizeof(err));
        }
        if (status != CS_OK)
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

/* cs_write_whole, saying why it could not: 0 or 1. */
static int write_output(const char *flag, const char *path, char *text)
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

/* --percentiles: the latency distribution of the run, or of each step of
 * a sweep as a block of its own (gnuplot's "index"). */
static void write_percentiles(const struct cs_results *r, FILE *out)
{
    if (r->sweep_n == 0) {
        cs_hist_write_percentiles(out, &r->latency, 1e3, 5);
        return;
    }
    for (int i = 0; i < r->sweep_n; i++) {
        fprintf(out, "%s# step %d of %d: %d service node%s, %.1f req/s offered (latency in us)\n", i ? "\n\n" : "",
                i + 1, r->sweep_n, r->sweep[i].nodes, r->sweep[i].nodes == 1 ? "" : "s", r->sweep[i].offered_rps);
        if (i < r->resumed_steps)
            fprintf(out, "# kept from %s (--resume): its distribution was not kept\n", r->resumed_from);
        else
            cs_hist_write_percentiles(out, &r->sweep_latency[i], 1e3, 5);
    }
}

/* --calibrate: what one request costs here, and where the knee will be;
 * with --json, the calibration file a virtual run can load. */
static int calibrate(const struct options *o, const struct cs_scenario *sc, const struct cs_host *host,
                     const struct cs_run_options *ro, int rank, int size)
{
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
    utc_now(k.measured_utc, sizeof(k.measured_utc));
    snprintf(k.host, sizeof(k.host), "%s", r.rank_info[0].host);
    snprintf(k.library, sizeof(k.library), "%s", r.library);
    cs_calibration_table(sc, &k, &r, stdout);
    int status = write_output("--json", o->json, cs_calibration_json(&k));
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
static void run_once(const struct options *o, const struct cs_scenario *sc, struct rank0 *z, const struct cs_host *host,
                     const struct cs_run_options *ro, int rank, int size, struct cs_results *res,
                     struct cs_sweep_row *row, int *nrows, const char *started, const char *command)
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
                                    .stop = &cs_stop_signal,
                                    .died = cs_mpi_rank_died,
                                    .died_arg = host};
        if (cs_checkpoint_start(&cp, size) != CS_OK)
            out_of_memory();
        with.checkpoint = &cp;
    }
    cs_mpi_run(MPI_COMM_WORLD, sc, size - cs_first_node(sc), rank == 0 ? &z->trace : NULL, host, &with,
               rank == 0 ? res : NULL);
    cs_checkpoint_stop(with.checkpoint);
    if (rank == 0) {
        cs_sweep_row_from(res, row);
        *nrows = 1;
    }
}

/* What each sweep step needs on this rank (ranks or virtual time). */
struct sweep_ctx {
    const struct options *o;
    const struct cs_scenario *sweep; /* the sweep as asked */
    const struct cs_host *host;      /* NULL: virtual time */
    const struct cs_run_options *ro;
    int rank;
    int kept;                        /* --resume: the first steps, kept from the file */
    const struct cs_resume *resume;  /* rank 0: their rows */
    struct cs_results *res;          /* rank 0: the results of the last step run */
    bool res_ready;                  /* res holds a step's results */
    struct cs_histogram *latency;    /* rank 0: each step's latency */
    struct cs_sweep_row *rows;       /* rank 0: the rows of the steps done */
    struct cs_checkpoint checkpoint; /* rank 0: where, and a failure said once */
};

/* A sweep's analysis: of its node counts, and of each setting of a lever. */
struct sweep_analysis {
    struct cs_scaling scaling;
    struct cs_levers levers;
    struct cs_scaling lever_scaling[CS_LEVER_MAX];
};

/* res describes the sweep: its n rows and their analysis (an, NULL while
 * it runs), beside the last step's full results. */
static void sweep_results(const struct sweep_ctx *x, int n, const struct sweep_analysis *an)
{
    struct cs_results *res = x->res;
    res->sweep = x->rows;
    res->sweep_n = n;
    res->sweep_latency = x->latency;
    res->sweep_scenario = x->sweep;
    /* The last step a signal cut short is in the rows, but not finished:
     * a resumed sweep runs it again. */
    res->sweep_finished = n - (x->res_ready && !res->complete ? 1 : 0);
    res->resumed_from = x->kept > 0 ? x->o->resume : NULL;
    res->resumed_steps = x->kept;
    res->scaling = an && an->scaling.n > 0 ? &an->scaling : NULL;
    res->levers = an && an->levers.n > 0 ? &an->levers : NULL;
}

/*
 * Rank 0, after a sweep step that is not the last: the results files
 * (--json, --csv) written again, whole, with every step done so far,
 * marked incomplete ("ended": "running: 3 of 7 steps done"), so that a
 * process that dies later (a node's rank killed, the job's time limit
 * passed without a warning) loses only the step under way, and the sweep
 * can be resumed from it (--resume). The fits wait for the end. Writing
 * fails at most with one warning: the sweep goes on.
 */
static void sweep_checkpoint(struct sweep_ctx *x, int done, int n)
{
    struct cs_results *r = x->res;
    bool complete = r->complete;
    sweep_results(x, done, NULL);
    r->complete = false;
    snprintf(r->ended, sizeof(r->ended), "running: %d of %d steps done", done, n);
    cs_checkpoint_write(&x->checkpoint, r, x->rows, done);
    r->complete = complete;
    r->ended[0] = '\0';
    r->sweep = NULL;
    r->sweep_n = 0;
    r->sweep_latency = NULL;
}

/* Rank 0: a step's line on stderr (unless --quiet); kept says whence. */
static void step_line(const struct sweep_ctx *x, int i, int n, const struct cs_sweep_row *row, bool kept)
{
    if (!x->o->quiet)
        fprintf(stderr, "  step %d/%d: %d node%s, %.0f req/s, p99 %.0f us, %s%s%s%s\n", i + 1, n, row->nodes,
                row->nodes == 1 ? "" : "s", row->throughput_rps, row->p99_us, cs_bottleneck_names[row->bottleneck],
                kept ? " (kept from " : "", kept ? x->o->resume : "", kept ? ")" : "");
}

/* Rank 0, a step run: its row and latency kept, its line, a checkpoint. */
static void step_done(struct sweep_ctx *x, int i, int n, bool stop, struct cs_sweep_row *row)
{
    cs_sweep_row_from(x->res, row);
    x->latency[i] = x->res->latency;
    step_line(x, i, n, row, false);
    if (!stop && i + 1 < n)
        sweep_checkpoint(x, i + 1, n);
}

/* Rank 0, a step a resumed sweep keeps: its row as the file has it (its
 * latency distribution was not kept). */
static void step_kept(struct sweep_ctx *x, int i, int n, struct cs_sweep_row *row)
{
    *row = x->resume->rows[i];
    cs_hist_init(&x->latency[i]);
    step_line(x, i, n, row, true);
}

/* Rank 0: res, ready for a step's results. */
static int step_results(struct sweep_ctx *x, int ranks)
{
    if (x->res_ready)
        cs_results_free(x->res);
    x->res_ready = cs_results_init(x->res, ranks) == CS_OK;
    return x->res_ready ? CS_OK : CS_E_NOMEM;
}

/* One step on every rank; rank 0 keeps its row and its full results (the
 * last step's stay for the report). A signal stops the sweep after this
 * step: everybody learns it from rank 0, which owns the verdict. */
static int sweep_step(void *arg, int i, int n, const struct cs_scenario *step, int nodes, struct cs_sweep_row *row)
{
    struct sweep_ctx *x = arg;
    if (i < x->kept) {
        if (x->rank == 0)
            step_kept(x, i, n, row);
        return 0;
    }
    if (x->rank == 0 && step_results(x, nodes + cs_first_node(step)) != CS_OK)
        out_of_memory();
    cs_mpi_run(MPI_COMM_WORLD, step, nodes, NULL, x->host, x->ro, x->rank == 0 ? x->res : NULL);
    int stop = cs_mpi_share_int(MPI_COMM_WORLD, x->rank == 0 && !x->res->complete);
    if (x->rank == 0)
        step_done(x, i, n, stop, row);
    return stop;
}

/* The same in virtual time, in this one process. */
static int virtual_step(void *arg, int i, int n, const struct cs_scenario *step, int nodes, struct cs_sweep_row *row)
{
    struct sweep_ctx *x = arg;
    if (i < x->kept) {
        step_kept(x, i, n, row);
        return 0;
    }
    int rc = step_results(x, nodes + 1);
    if (rc == CS_OK)
        rc = cs_virtual_run(step, nodes, NULL, x->res, NULL);
    if (rc == CS_OK)
        step_done(x, i, n, false, row);
    return rc;
}

/* Every step of the sweep in turn (rank 0 checked that the plan fits, and
 * the file a resumed sweep keeps steps from); rank 0 keeps a row per
 * step, the full results of the last, and the analysis. Returns the
 * number of steps, or a negative CS_E code. */
static int run_sweep(struct sweep_ctx *x, int max_nodes, struct sweep_analysis *an)
{
    char err[CS_ERRBUF];
    an->levers.scaling = an->lever_scaling;
    int n = cs_sweep_run(x->sweep, max_nodes, x->host ? sweep_step : virtual_step, x, x->rows,
                         x->rank == 0 ? &an->scaling : NULL, x->rank == 0 ? &an->levers : NULL, err, sizeof(err));
    if (x->rank == 0 && n >= 0)
        sweep_results(x, n, an);
    return n;
}

/* The report, the results files, and the end of rank 0's run: 0, or 1
 * when a file could not be written. Frees res, the step latencies and
 * what z holds. */
static int finish(const struct options *o, struct rank0 *z, struct cs_results *res, const struct cs_sweep_row *rows,
                  int nrows, struct cs_histogram *step_latency)
{
    int status = 0;
    if (!o->quiet)
        cs_results_table(res, stdout);
    fflush(stdout);
    status |= write_output("--json", o->json, cs_results_json(res));
    if (o->csv)
        status |= write_output("--csv", o->csv, cs_sweep_csv(res, rows, nrows));
    if (o->html)
        status |= write_output("--html", o->html, render(cs_results_html, res));
    if (o->percentiles)
        status |= write_output("--percentiles", o->percentiles, render(write_percentiles, res));
    free(step_latency);
    cs_results_free(res);
    cs_trace_free(&z->trace);
    if (z->timeseries && fclose(z->timeseries) != 0) {
        fprintf(stderr, "clustersim: --timeseries '%s': %s\n", o->timeseries, strerror(errno));
        status = 1;
    }
    return status;
}

static bool timeseries_json(const struct options *o)
{
    size_t n = o->timeseries ? strlen(o->timeseries) : 0;
    return n > 6 && strcmp(o->timeseries + n - 6, ".jsonl") == 0;
}

/* ---- the virtual-time engine: one process, no MPI ---- */

/* Does the run ask for the virtual engine (--virtual, or run.engine in
 * the scenario)? A scenario that does not parse is left to the run that
 * reports it. */
static bool wants_virtual(const struct options *o)
{
    if (o->engine_set)
        return true;
    char err[CS_ERRBUF], *text = NULL;
    static struct cs_scenario sc;
    bool v = cs_scenario_compose(o->config, o->sets, o->nsets, &text, err, sizeof(err)) == CS_OK &&
             cs_scenario_parse(&sc, text, strlen(text), err, sizeof(err)) == CS_OK &&
             sc.run.engine == CS_ENGINE_VIRTUAL;
    free(text);
    return v;
}

/* --resume of a sweep that is complete already: nothing to run, and
 * nothing overwritten. */
static int resumed_complete(const struct options *o)
{
    fprintf(stderr, "clustersim: --resume '%s': the sweep in it is complete already: nothing to run\n", o->resume);
    return 0;
}

/* A whole run (or sweep) in virtual time, with the same checks, report
 * and files as a run on ranks. Under a launcher, rank 0 runs it and the
 * others have nothing to do. */
static int run_virtual(const struct options *o, int argc, char **argv, int env_rank, int env_size)
{
    if (env_rank > 0)
        return 0;
    char err[CS_ERRBUF], *text = NULL;
    static struct cs_scenario sc;
    struct rank0 z = {0};
    int rc = cs_scenario_compose(o->config, o->sets, o->nsets, &text, err, sizeof(err));
    if (rc == CS_OK)
        rc = cs_scenario_parse(&sc, text, strlen(text), err, sizeof(err));
    if (rc == CS_OK && sc.run.nodes < 1) {
        snprintf(err, sizeof(err),
                 "the virtual engine needs the number of service nodes: give --nodes N (or the scenario key "
                 "'run.nodes')");
        rc = CS_E_INVALID;
    }
    if (rc == CS_OK && o->calibrate) {
        snprintf(err, sizeof(err), "--calibrate measures this machine's MPI: it does not run in virtual time");
        rc = CS_E_INVALID;
    }
    if (rc == CS_OK)
        rc = prepare_run(o, text, sc.run.nodes + 1, &z, err, sizeof(err));
    free(text);
    if (rc != CS_OK) {
        fprintf(stderr, "clustersim: %s\n", err);
        cs_trace_free(&z.trace);
        if (z.timeseries)
            fclose(z.timeseries);
        return EXIT_USAGE;
    }
    if (z.resume.complete)
        return resumed_complete(o);
    if (env_size > 1)
        fprintf(stderr,
                "clustersim: the virtual engine runs in this one process; the other %d rank%s of this "
                "launch have nothing to do\n",
                env_size - 1, env_size == 2 ? "" : "s");
    char started[32];
    static char command[1024];
    utc_now(started, sizeof(started));
    join_args(argc, argv, command, sizeof(command));
    struct cs_results res;
    struct cs_sweep_row rows[CS_SWEEP_MAX];
    static struct sweep_analysis an; /* zeroed: no lever until a sweep says */
    struct cs_histogram *step_latency = NULL;
    int nrows = 1;
    if (is_sweep(o, &sc)) {
        if (!(step_latency = calloc(CS_SWEEP_MAX, sizeof(*step_latency)))) {
            fprintf(stderr, "clustersim: out of memory\n");
            return 1;
        }
        struct sweep_ctx x = {.o = o,
                              .sweep = &sc,
                              .kept = z.resume.kept,
                              .resume = &z.resume,
                              .res = &res,
                              .latency = step_latency,
                              .rows = rows,
                              .checkpoint = {.json = o->json, .csv = o->csv, .started = started, .command = command}};
        nrows = run_sweep(&x, sc.run.nodes, &an);
        rc = nrows < 0 ? nrows : CS_OK;
    } else {
        rc = cs_results_init(&res, sc.run.nodes + 1);
        if (rc == CS_OK)
            rc = cs_virtual_run(&sc, sc.run.nodes, &z.trace, &res, NULL);
        if (rc == CS_OK) {
            cs_sweep_row_from(&res, rows);
            if (z.timeseries) {
                cs_timeseries_header(z.timeseries, timeseries_json(o));
                for (int i = 0; i < res.series_n; i++)
                    cs_timeseries_row(z.timeseries, timeseries_json(o), &res.series[i]);
            }
        }
    }
    if (rc != CS_OK) {
        fprintf(stderr, "clustersim: the virtual run failed (error %d)\n", rc);
        return 1;
    }
    snprintf(res.started_utc, sizeof(res.started_utc), "%s", started);
    snprintf(res.command, sizeof(res.command), "%s", command);
    return finish(o, &z, &res, rows, nrows, step_latency);
}

int main(int argc, char **argv)
{
    struct options o;
    int env_rank = rank_by_env();
    bool speak = env_rank <= 0;
    int status = parse_flags(argc, argv, &o, speak);
    if (status < 0 && o.print_config)
        status = print_config(&o, speak);
    if (status < 0 && o.ranks)
        status = print_ranks(&o, speak);
    if (status < 0 && o.compare)
        status = compare(&o, speak);
    if (status < 0 && wants_virtual(&o))
        return run_virtual(&o, argc, argv, env_rank, size_by_env());
    if (status >= 0) {
        /* A launcher kills the other ranks as soon as one exits with an
         * error: meet first, so that rank 0 has had its say. */
        if (status != 0 && env_rank >= 0) {
            MPI_Init(&argc, &argv);
            MPI_Barrier(MPI_COMM_WORLD);
            MPI_Finalize();
        }
        return status;
    }

    /* clustersim waits its own way (doorbells, naps) and never blocks in
     * MPI while a run is going; Open MPI's sched_yield() on every empty
     * poll, which mpirun turns on when ranks outnumber cores, would only
     * cost the coordinator a system call per look for replies. */
    setenv("OMPI_MCA_mpi_yield_when_idle", "0", 1);
    /* FUNNELED: rank 0's checkpoint writer is a thread of its own; it
     * never calls MPI. */
    int provided = MPI_THREAD_SINGLE;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    threads_ok = provided >= MPI_THREAD_FUNNELED;
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    struct cs_scenario sc;
    struct rank0 z = {0};
    status = share_scenario(&o, rank, size, &sc, &z);
    if (status < 0 && cs_mpi_share_int(MPI_COMM_WORLD, rank == 0 && z.resume.complete))
        status = rank == 0 ? resumed_complete(&o) : 0;
    if (status >= 0) {
        MPI_Finalize();
        return status;
    }
    int kept = cs_mpi_share_int(MPI_COMM_WORLD, z.resume.kept);

    cs_mpi_catch_signals();
    struct cs_host host;
    cs_mpi_host_open(MPI_COMM_WORLD, &host);
    struct cs_run_options ro = {
        .progress = rank == 0 ? progress_stream(&o) : NULL,
        .timeseries = z.timeseries,
        .timeseries_json = timeseries_json(&o),
    };
    struct cs_results res;
    struct cs_sweep_row rows[CS_SWEEP_MAX];
    static struct sweep_analysis an; /* zeroed: no lever until a sweep says */
    int nrows = 0;
    if (o.calibrate) {
        status = calibrate(&o, &sc, &host, &ro, rank, size);
        cs_mpi_host_close(MPI_COMM_WORLD, &host);
        status = cs_mpi_share_int(MPI_COMM_WORLD, status);
        MPI_Finalize();
        return status;
    }
    char started[32];
    static char command[sizeof(res.command)];
    utc_now(started, sizeof(started));
    join_args(argc, argv, command, sizeof(command));
    struct cs_histogram *step_latency = NULL; /* rank 0: each step's latency */
    if (is_sweep(&o, &sc) && rank == 0 && !(step_latency = calloc(CS_SWEEP_MAX, sizeof(*step_latency))))
        out_of_memory();
    if (is_sweep(&o, &sc)) {
        struct sweep_ctx x = {.o = &o,
                              .sweep = &sc,
                              .host = &host,
                              .ro = &ro,
                              .rank = rank,
                              .kept = kept,
                              .resume = &z.resume,
                              .res = &res,
                              .latency = step_latency,
                              .rows = rows,
                              .checkpoint = {.json = o.json, .csv = o.csv, .started = started, .command = command}};
        nrows = run_sweep(&x, size - cs_first_node(&sc), &an);
        if (nrows < 0) { /* cannot happen: rank 0 checked the plan, and a step on ranks does not fail */
            fprintf(stderr, "clustersim: the sweep failed (error %d)\n", nrows);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    } else
        run_once(&o, &sc, &z, &host, &ro, rank, size, &res, rows, &nrows, started, command);
    cs_mpi_host_close(MPI_COMM_WORLD, &host);
    if (rank == 0) {
        snprintf(res.started_utc, sizeof(res.started_utc), "%s", started);
        snprintf(res.command, sizeof(res.command), "%s", command);
    }

    status = rank == 0 ? finish(&o, &z, &res, rows, nrows, step_latency) : 0;
    status = cs_mpi_share_int(MPI_COMM_WORLD, status);
    MPI_Finalize();
    return status;
}
