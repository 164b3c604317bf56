/*
 * clustersim-lab-check: are these results sound? The labs' self-check
 * (scripts/lab-check.sh runs it). No MPI: it reads results files only.
 * Exit status: 0 every file sound, 1 problems (one line each), 2 bad input.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cs/common.h"
#include "cs/jsonpath.h"
#include "cs/labcheck.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lab-check.sh [--lab N] RESULTS.json...\n"
            "\n"
            "Checks that clustersim results are sound: every request accounted for, throughput\n"
            "under the offered load and the capacity, Little's law in a steady run, a warm-up\n"
            "and a window long enough for the load, timings not distorted by a short CPU.\n"
            "It never tells you what the answer should be.\n"
            "\n"
            "  -l, --lab N   also check that the results come from lab N's setup (1-%d)\n"
            "  -h, --help    this help\n"
            "\n"
            "Exit status: 0 all sound, 1 problems (one line each), 2 bad input.\n"
            "\n"
            "The labs' scenarios:\n",
            CS_LAB_COUNT);
    for (int lab = 1; lab <= CS_LAB_COUNT; lab++)
        fprintf(out, "  lab %d  %s\n", lab, cs_labcheck_scenarios(lab));
}

static void say(void *ctx, const char *problem)
{
    printf("%s: %s\n", *(const char **)ctx, problem);
}

/* The number of problems in one file, or -1 after printing why it could
 * not be checked. */
static int check_file(const char *path, int lab)
{
    char err[CS_ERRBUF];
    cJSON *doc = NULL;
    if (cs_results_load(path, &doc, err, sizeof(err)) != CS_OK) {
        fprintf(stderr, "lab-check: %s\n", err);
        return -1;
    }
    int n = cs_labcheck(doc, lab, say, &path, err, sizeof(err));
    const char *unsteady = cs_labcheck_unsteady(doc);
    if (n < 0)
        fprintf(stderr, "lab-check: %s: %s\n", path, err);
    else if (n == 0 && unsteady)
        printf("%s: sound (Little's law and the settling time not checked: %s)\n", path, unsteady);
    else if (n == 0)
        printf("%s: sound\n", path);
    cJSON_Delete(doc);
    return n < 0 ? -1 : n;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"lab", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int lab = 0, ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":l:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'l': {
            char *e;
            long v = strtol(optarg, &e, 10);
            if (*optarg == '\0' || *e != '\0' || v < 1 || v > CS_LAB_COUNT) {
                fprintf(stderr, "lab-check: --lab '%s': no such lab (the labs with checks are 1 to %d)\n", optarg,
                        CS_LAB_COUNT);
                return 2;
            }
            lab = (int)v;
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        case ':':
            fprintf(stderr, "lab-check: %s needs a value\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "lab-check: unknown option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind == argc) {
        fprintf(stderr, "lab-check: no results file given (see --help)\n");
        return 2;
    }
    int problems = 0;
    bool unread = false; /* a file it could not check: said, and the others still checked */
    for (int i = optind; i < argc; i++) {
        int n = check_file(argv[i], lab);
        unread |= n < 0;
        problems += n > 0 ? n : 0;
    }
    return unread ? 2 : problems > 0;
}
