/*
 * The MPI edge: the only header that mentions MPI types. It offers the
 * MPI transport, the per-host placement probe, the roles' run loops and
 * the end-of-run collectives. Everything else in clustersim is MPI-free.
 */
#ifndef CS_MPI_EDGE_H
#define CS_MPI_EDGE_H

#include <mpi.h>
#include <stdbool.h>

#include "cs/bell.h"
#include "cs/config.h"
#include "cs/results.h"
#include "cs/transport.h"

/* Abort the job on an MPI failure (never a user mistake): print the MPI
 * error string with file and line, flush, MPI_Abort. */
#define CS_MPI_CHECK(call)                                                                                    \
    do {                                                                                                      \
        int cs_mpi_rc_ = (call);                                                                              \
        if (cs_mpi_rc_ != MPI_SUCCESS)                                                                        \
            cs_mpi_fail(cs_mpi_rc_, #call, __FILE__, __LINE__);                                               \
    } while (0)
void cs_mpi_fail(int rc, const char *what, const char *file, int line);

struct cs_mpi_transport {
    struct cs_transport ops;
    MPI_Comm comm;
    struct cs_bell **bells; /* by destination rank; NULL: no doorbell */
    int nrecv;            /* receives kept posted */
    MPI_Request *reqs;
    struct cs_msg *bufs;
    int *ready;           /* indices completed by the last Testsome */
    int ready_count, ready_pos;
};

/* nrecv receives stay posted from any source with any tag. Use 1 where
 * message order matters (a service node), more on the coordinator. Each
 * send rings bells[dest] when there is one (bells may be NULL). */
int cs_mpi_transport_open(struct cs_mpi_transport *t, MPI_Comm comm, int nrecv, struct cs_bell **bells);
void cs_mpi_transport_close(struct cs_mpi_transport *t);

struct cs_placement {
    char host[64];
    int host_ranks;
    int host_cores;
    bool oversubscribed; /* more ranks than cores on this rank's host */
};
void cs_mpi_placement(MPI_Comm comm, struct cs_placement *p);

/* Doorbells of the ranks on this host, in an MPI shared-memory window. */
struct cs_bells {
    MPI_Win win;
    struct cs_bell *mine;
    struct cs_bell **by_rank; /* [comm size]; NULL for ranks on other hosts */
};
void cs_mpi_bells_open(MPI_Comm comm, struct cs_bells *b);
void cs_mpi_bells_close(struct cs_bells *b);

struct cs_run_options {
    bool progress; /* rank 0 draws a progress line on stderr */
};

/* Run one scenario on every rank of comm. On rank 0, *r is filled and
 * analyzed (cs_results_init must have been called with the comm size);
 * other ranks pass NULL. Returns 0, or a negative CS_E code. */
int cs_mpi_run(MPI_Comm comm, const struct cs_scenario *sc, const struct cs_placement *pl,
               const struct cs_run_options *opt, struct cs_results *r);

#endif
