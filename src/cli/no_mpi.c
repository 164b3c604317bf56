/*
 * Runs on ranks in a build without MPI (CMake found none, or was told
 * -DCS_WITH_MPI=OFF): one line that says so, and what works without it.
 */
#include <stdio.h>

#include "cli.h"
#include "cs/common.h"
#include "cs/sweep.h"

void cs_ranks_describe(char *out, size_t len)
{
    snprintf(out, len, "built without MPI: virtual time only");
}

int cs_ranks_main(const struct cs_options *o, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (cs_cli_rank_by_env() > 0) /* one line for a launch, from its first rank */
        return EXIT_USAGE;
    /* A mistake in the scenario first, as a build with MPI would say it. */
    char err[CS_ERRBUF];
    static struct cs_scenario sc;
    if (cs_cli_scenario(o, &sc, NULL, err, sizeof(err)) != CS_OK) {
        fprintf(stderr, "clustersim: %s\n", err);
        return EXIT_USAGE;
    }
    fprintf(stderr,
            "clustersim: %s runs on MPI ranks, and this clustersim was built without MPI: install one (Debian: "
            "apt-get install libopenmpi-dev openmpi-bin) and build again; without it, --virtual runs in this one "
            "process, and --compare, --print-config and --ranks work\n",
            o->calibrate ? "--calibrate"
            : o->sweep   ? "a sweep without --virtual"
                         : "a run without --virtual");
    return EXIT_USAGE;
}

void cs_ranks_meet(int argc, char **argv)
{
    (void)argc;
    (void)argv;
}

void cs_ranks_share_end(int status)
{
    (void)status;
}

int cs_ranks_share(int argc, char **argv, int status, struct cs_share *s)
{
    (void)argc;
    (void)argv;
    if (status != 0 || cs_cli_rank_by_env() > 0) /* no MPI: the first rank runs them all */
        return status < 0 ? 0 : status;
    /* In the order rank 0 hands them out with MPI, the heaviest first: a
     * stop leaves the same steps finished. */
    int order[CS_SWEEP_MAX], failed = 0;
    int n = cs_sweep_order(s->cost, s->n, s->skip, order);
    for (int k = 0; k < n; k++) {
        int j = order[k];
        int rc = s->job(s->ctx, j, 0, (char *)s->out + (size_t)j * s->size);
        failed |= rc < 0;
        s->landed(s->ctx, j);
        if (rc != 0) /* a failure or a stop: no job after it */
            break;
    }
    return failed ? 1 : 0;
}
