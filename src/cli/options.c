/*
 * The command line: flags into struct cs_options, the help, and what the
 * launcher says about this process before MPI starts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cs/common.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: mpirun -np N clustersim [options]\n"
                 "       clustersim --virtual --nodes N [options]\n"
                 "\n"
                 "Rank 0 is the coordinator: it generates requests on an open-loop schedule and\n"
                 "dispatches them. With dispatch.dispatchers k, ranks 0..k-1 each generate and\n"
                 "dispatch a share of the load, and rank 0 merges their results. With\n"
                 "dispatch.relays r (and one dispatcher), ranks 1..r are relays: rank 0 sends\n"
                 "each request to one, which picks a node of its own block. The ranks after\n"
                 "them are service nodes that queue, serve and answer: at least one, one per\n"
                 "relay, and one per dispatcher when they are sharded (N is at least 2 by\n"
                 "default). --virtual runs the same ranks in virtual time in this one process:\n"
                 "--nodes N service nodes, with the dispatchers and relays on top.\n"
                 "\n");
    fprintf(out, "options:\n"
                 "  -c, --config FILE     read the scenario from a JSON file (default: the\n"
                 "                        embedded scenario, about 10 s)\n"
                 "  -s, --set KEY=VALUE   override one scenario key, e.g. --set load.rate_rps=5000\n"
                 "                        or --set service.time='{\"dist\":\"constant\",\"mean_us\":500}';\n"
                 "                        VALUE is JSON when it parses as JSON, else a string;\n"
                 "                        repeatable, applied in order\n"
                 "  -j, --json FILE       write the results as JSON to FILE (atomically)\n"
                 "  -t, --timeseries FILE write one row per run.interval_ms to FILE as the run\n"
                 "                        goes (in virtual time, at its end): CSV, or JSON\n"
                 "                        lines when FILE ends in .jsonl\n"
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
                 "                        what more nodes than you have would do; under\n"
                 "                        mpirun the ranks share a sweep's steps\n"
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
                 "                        per-node lists and run.nodes fix it), or \"any (at\n"
                 "                        least N)\" when it does not (its sweep, dispatchers,\n"
                 "                        relays, and the ranks its faults and per-node\n"
                 "                        overrides name set N); 1 in virtual time; exit\n"
                 "      --compare A.json B.json...\n"
                 "                        results files side by side: what differs in their\n"
                 "                        scenarios, throughput, latency, utilization, verdicts,\n"
                 "                        and each change from the first (no MPI needed)\n"
                 "  -q, --quiet           no progress line and no report table\n"
                 "      --all-nodes       list every service node in the report, the JSON and\n"
                 "                        the HTML; beyond 32 nodes they show a summary instead\n"
                 "                        (spreads, the hottest and the coldest)\n"
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

int cs_cli_rank_by_env(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"};
    return launcher_env(vars, CS_ARRAY_LEN(vars), -1);
}

int cs_cli_size_by_env(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"};
    return launcher_env(vars, CS_ARRAY_LEN(vars), 0);
}

int cs_cli_local_size_by_env(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"};
    int n = launcher_env(vars, CS_ARRAY_LEN(vars), 0);
    /* srun: tasks per node as "4", "4,2" or "8(x2),4", the first node's
     * first (rank 0's) */
    const char *v = getenv("SLURM_STEP_TASKS_PER_NODE");
    if (n == 0 && v)
        n = atoi(v);
    return n > 0 ? n : 1;
}

/* The option getopt_long stopped at, as the user wrote it. A short one
 * inside a bundle ("-Zq": getopt has not moved past it, so argv[optind]
 * is the bundle) or ending one ("-qZ", argv[optind - 1]) is named by
 * optopt, opt. A long one is argv[optind - 1]: known (by its name or a
 * prefix of it, which getopt takes; opt is its val) and given a value it
 * does not take (*takes_none), or missing its value; or unknown (opt 0),
 * named without its value. */
static const char *option_named(int argc, char **argv, int opt, const struct option *longopts, bool *takes_none)
{
    static char name[64];
    const char *here = optind < argc ? argv[optind] : "", *arg = argv[optind - 1];
    bool in_bundle = opt > 0 && here[0] == '-' && here[1] != '-' && strchr(here + 1, opt);
    if (!in_bundle && strncmp(arg, "--", 2) == 0) {
        size_t n = strcspn(arg + 2, "=");
        for (const struct option *l = longopts; opt && l->name; l++)
            if (l->val == opt && strncmp(l->name, arg + 2, n) == 0) {
                if (takes_none)
                    *takes_none = arg[2 + n] == '=' && l->has_arg == no_argument;
                snprintf(name, sizeof(name), "--%s", l->name);
                return name;
            }
        snprintf(name, sizeof(name), "%.*s", (int)(n + 2 < sizeof(name) - 1 ? n + 2 : sizeof(name) - 1), arg);
        return name;
    }
    if (opt > ' ' && opt < 127) {
        snprintf(name, sizeof(name), "-%c", opt);
        return name;
    }
    return arg;
}

/* Does the long option `name` ("--cal") begin two or more options'
 * names? Then they are listed in out ("--calibrate, --calibration"). */
static bool ambiguous(const char *name, const struct option *longopts, char *out, size_t outlen)
{
    int n = 0;
    size_t len = strlen(name), used = 0;
    if (strncmp(name, "--", 2) != 0 || len <= 2)
        return false;
    for (const struct option *l = longopts; l->name; l++)
        if (strncmp(l->name, name + 2, len - 2) == 0 && used < outlen) {
            used += (size_t)snprintf(out + used, outlen - used, "%s--%s", n++ ? ", " : "", l->name);
        }
    return n > 1;
}

/* An option's value that cannot be what was meant: empty (a shell
 * variable not set: --json "$OUT" would lose the run's results after it),
 * or one that reads as an option and not a number (--json --sweep: the
 * value is missing, and the next flag would be taken as a file name). */
static bool value_refused(int opt, const char *value, const struct option *longopts, bool speak)
{
    const struct option *l = longopts;
    while (l->name && l->val != opt)
        l++;
    if (!l->name || l->has_arg != required_argument)
        return false;
    char *end;
    bool number = (strtod(value, &end), end != value && *end == '\0');
    if (value[0] != '\0' && (value[0] != '-' || value[1] == '\0' || number))
        return false;
    const char *name = l->name;
    if (speak && value[0] == '\0')
        fprintf(stderr, "clustersim: option '--%s' was given an empty value (is the variable that names it set?)\n",
                name);
    else if (speak && strchr("cjtCHRLA", opt))
        fprintf(stderr,
                "clustersim: option '--%s' needs a value, and '%s' after it is an option (a file of that name: "
                "./%s)\n",
                name, value, value);
    else if (speak)
        fprintf(stderr, "clustersim: option '--%s' needs a value, and '%s' after it is an option\n", name, value);
    return true;
}

int cs_cli_parse(int argc, char **argv, struct cs_options *o, bool speak)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},      {"set", required_argument, NULL, 's'},
        {"json", required_argument, NULL, 'j'},        {"print-config", no_argument, NULL, 'p'},
        {"timeseries", required_argument, NULL, 't'},  {"sweep", no_argument, NULL, 'w'},
        {"csv", required_argument, NULL, 'C'},         {"calibrate", no_argument, NULL, 'K'},
        {"calibration", required_argument, NULL, 'A'}, {"quiet", no_argument, NULL, 'q'},
        {"progress", no_argument, NULL, 'P'},          {"compare", no_argument, NULL, 'D'},
        {"html", required_argument, NULL, 'H'},        {"percentiles", required_argument, NULL, 'L'},
        {"resume", required_argument, NULL, 'R'},      {"virtual", no_argument, NULL, 'v'},
        {"nodes", required_argument, NULL, 'N'},       {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},           {"ranks", no_argument, NULL, 'r'},
        {"all-nodes", no_argument, NULL, 'a'},         {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":c:s:j:t:wC:pqPhV", longopts, NULL)) != -1) {
        if (optarg && value_refused(ch, optarg, longopts, speak))
            return EXIT_USAGE;
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
            if ((size_t)snprintf(o->nodes_set, sizeof(o->nodes_set), "run.nodes=%s", optarg) >=
                sizeof(o->nodes_set)) { /* (cut short, it could read as a count) */
                if (speak)
                    fprintf(stderr, "clustersim: --nodes '%.24s...': not a node count ('run.nodes': 1 to 1000000)\n",
                            optarg);
                return EXIT_USAGE;
            }
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
        case 'a':
            o->all_nodes = true;
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
            if (speak) {
                char built[256];
                cs_ranks_describe(built, sizeof(built));
                printf("clustersim %s (%s)\n", CS_VERSION, built);
            }
            return 0;
        case ':':
            if (speak)
                fprintf(stderr, "clustersim: option '%s' needs a value (see --help)\n",
                        option_named(argc, argv, optopt, longopts, NULL));
            return EXIT_USAGE;
        default:
            if (speak) {
                bool takes_none = false;
                const char *name = option_named(argc, argv, optopt, longopts, &takes_none);
                char matches[256] = "";
                if (takes_none)
                    fprintf(stderr, "clustersim: option '%s' takes no value (see --help)\n", name);
                else if (ambiguous(name, longopts, matches, sizeof(matches)))
                    fprintf(stderr, "clustersim: option '%s' is ambiguous: %s (see --help)\n", name, matches);
                else
                    fprintf(stderr, "clustersim: unknown option '%s' (see --help)\n", name);
            }
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
    /* One command at a time: the one tried first would drop the other
     * without a word. (--ranks answers for any command line.) */
    const char *asked[3] = {NULL, NULL, NULL};
    int commands = 0;
    if (o->print_config)
        asked[commands++] = "--print-config";
    if (o->compare)
        asked[commands++] = "--compare";
    if (o->calibrate)
        asked[commands++] = "--calibrate";
    if (commands > 1) {
        if (speak)
            fprintf(stderr, "clustersim: %s and %s are two commands: give one (see --help)\n", asked[0], asked[1]);
        return EXIT_USAGE;
    }
    /* --print-config prints the scenario and runs nothing: a results file
     * asked for beside it would not be written, without a word. (--ranks
     * takes a run's whole command line, files and all: scripts/run.sh asks
     * it how many ranks that run needs.) */
    const char *beside_json = o->csv           ? "--csv"
                              : o->html        ? "--html"
                              : o->percentiles ? "--percentiles"
                              : o->timeseries  ? "--timeseries"
                              : o->resume      ? "--resume"
                                               : NULL;
    const char *output = o->json ? "--json" : beside_json;
    if (o->print_config && output) {
        if (speak)
            fprintf(stderr,
                    "clustersim: --print-config prints the scenario and runs nothing: %s is for a run (see "
                    "--help)\n",
                    output);
        return EXIT_USAGE;
    }
    /* --calibrate writes its calibration (--json) and prints its table:
     * the files of a run, a sweep or a resumption would be dropped. */
    const char *not_calibration = beside_json ? beside_json : o->sweep ? "--sweep" : NULL;
    if (o->calibrate && not_calibration) {
        if (speak)
            fprintf(stderr,
                    "clustersim: --calibrate measures this machine and writes its calibration (--json FILE): %s is "
                    "for a run (see --help)\n",
                    not_calibration);
        return EXIT_USAGE;
    }
    if (o->compare) {
        /* It reads results files and prints a table: a flag for a run
         * would be dropped without a word (no file written). */
        const char *flag = output                               ? output
                           : o->nsets > (o->engine_set != NULL) ? "--set (or --nodes, --calibration)"
                           : o->config                          ? "--config"
                           : o->sweep                           ? "--sweep"
                                                                : NULL;
        if (flag) {
            if (speak)
                fprintf(stderr,
                        "clustersim: --compare reads results files and prints their table: %s is for a run (see "
                        "--help)\n",
                        flag);
            return EXIT_USAGE;
        }
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
