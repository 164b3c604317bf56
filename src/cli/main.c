/*
 * clustersim: what to do, from the command line. The commands in the
 * table below; all but the last need no MPI (the scenario, its rank
 * count, results side by side, runs in virtual time) and run in this
 * process alone, in any build (under a launcher, a mistake meets the
 * other ranks before it exits, in a build with MPI). The last, a run, sweep or calibration on
 * ranks, starts MPI (src/mpi/ranks.c); a build without MPI says there
 * that it cannot (src/cli/no_mpi.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* How this process was started. */
struct launch {
    int argc;
    char **argv;
    int env_rank; /* the launcher's rank for it, -1 without a launcher */
    bool speak;   /* only one rank of a launch talks */
};

/* The end of a command that every rank of a launch runs alike. A
 * launcher kills the other ranks as soon as one exits with an error:
 * meet first, so that rank 0 has had its say. */
static int settled(int status, const struct launch *l)
{
    if (status != 0 && l->env_rank >= 0)
        cs_ranks_meet(l->argc, l->argv);
    return status;
}

static bool asked_print_config(const struct cs_options *o)
{
    return o->print_config;
}

static int print_config(const struct cs_options *o, const struct launch *l)
{
    return settled(cs_cli_print_config(o, l->speak), l);
}

static bool asked_ranks(const struct cs_options *o)
{
    return o->ranks;
}

static int print_ranks(const struct cs_options *o, const struct launch *l)
{
    return settled(cs_cli_print_ranks(o, l->speak), l);
}

static bool asked_compare(const struct cs_options *o)
{
    return o->compare;
}

static int compare(const struct cs_options *o, const struct launch *l)
{
    return settled(cs_cli_compare(o, l->speak), l);
}

/* Under a launcher, rank 0 runs a single run and the others have nothing
 * to do; the ranks share a sweep's steps (cs_ranks_share). */
static int run_virtual(const struct cs_options *o, const struct launch *l)
{
    return cs_cli_run_virtual(o, l->argc, l->argv, l->env_rank, cs_cli_size_by_env());
}

static bool asked_always(const struct cs_options *o)
{
    (void)o;
    return true;
}

static int run_on_ranks(const struct cs_options *o, const struct launch *l)
{
    return cs_ranks_main(o, l->argc, l->argv);
}

/* In the order they are tried: the first asked for runs. */
static const struct command {
    bool (*asked)(const struct cs_options *o);
    int (*run)(const struct cs_options *o, const struct launch *l);
} commands[] = {
    {asked_ranks, print_ranks},          /* --ranks (of any other command line) */
    {asked_print_config, print_config},  /* --print-config */
    {asked_compare, compare},            /* --compare */
    {cs_cli_wants_virtual, run_virtual}, /* --virtual, or run.engine "virtual" */
    {asked_always, run_on_ranks},        /* a run, --sweep, --calibrate: MPI */
};

/* What went to standard output (the report, the scenario, a table) got
 * there, or the command fails saying so: a full disk or a lost device
 * (--print-config >/dev/full exited 0 with nothing written). A reader that
 * went away (a pipe: `| head`, or Ctrl-C reaching `| tee`) is not worth
 * a word. */
static int stdout_written(int status)
{
    cs_cli_flush_stdout();
    if (!ferror(stdout))
        return status;
    struct stat st;
    int err = cs_cli_stdout_errno();
    if (err == EPIPE || (err == 0 && fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))))
        return status;
    fprintf(stderr, "clustersim: standard output could not be written%s%s\n", err ? ": " : "",
            err ? strerror(err) : "");
    return status ? status : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    /* A reader that went away (Ctrl-C reaches `| tee` too) makes a write to
     * it fail with EPIPE, not end the process: a run stopped by a signal
     * still writes its results files after the report it could not print. */
    signal(SIGPIPE, SIG_IGN);
    /* Into a file or a pipe, what goes to stdout before a flush, up to
     * 256 KiB (all but a report that lists thousands of nodes), goes in
     * one write, whose failure then says why (a full disk): a write stdio
     * made on its own, when its buffer filled, leaves only a flag. */
    static char out_buffer[1 << 18];
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
    struct cs_options o;
    struct launch l = {argc, argv, cs_cli_rank_by_env(), false};
    l.speak = l.env_rank <= 0;
    int status = cs_cli_parse(argc, argv, &o, l.speak);
    if (status >= 0) /* --help, --version, or a bad flag */
        return stdout_written(settled(status, &l));
    const struct command *c = commands;
    while (!c->asked(&o))
        c++;
    return stdout_written(c->run(&o, &l));
}
