/*
 * Runs on ranks in a build without MPI (CMake found none, or was told
 * -DCS_WITH_MPI=OFF): one line that says so, and what works without it.
 */
#include <stdio.h>

#include "cli.h"

void cs_ranks_describe(char *out, size_t len)
{
    snprintf(out, len, "built without MPI: virtual time only");
}

int cs_ranks_main(const struct cs_options *o, int argc, char **argv)
{
    (void)argc;
    (void)argv;
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
