/*
 * The transport over MPI point-to-point: MPI_Send for the small fixed-size
 * messages (eager, so it returns at once), and receives kept posted with
 * MPI_Irecv and harvested with MPI_Testsome. One MPI tag per message kind.
 * A send rings the receiver's doorbell when it shares this host.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cs/common.h"

#include "mpi_edge.h"

void cs_mpi_fail(int rc, const char *what, const char *file, int line)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    fprintf(stderr, "clustersim: MPI failure in %s at %s:%d: %s\n", what, file, line, msg);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

static int mpi_send(void *ctx, int dest, const struct cs_msg *m)
{
    struct cs_mpi_transport *t = ctx;
    CS_MPI_CHECK(MPI_Send(m, (int)sizeof(*m), MPI_BYTE, dest, (int)m->kind, t->comm));
    if (t->bells && t->bells[dest])
        cs_bell_ring(t->bells[dest]);
    return CS_OK;
}

static void post(struct cs_mpi_transport *t, int i)
{
    CS_MPI_CHECK(MPI_Irecv(&t->bufs[i], (int)sizeof(struct cs_msg), MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG, t->comm,
                           &t->reqs[i]));
}

static int mpi_poll(void *ctx, struct cs_msg *m, int *src)
{
    struct cs_mpi_transport *t = ctx;
    if (t->ready_pos == t->ready_count) {
        int outcount = 0;
        CS_MPI_CHECK(MPI_Testsome(t->nrecv, t->reqs, &outcount, t->ready, MPI_STATUSES_IGNORE));
        if (outcount == MPI_UNDEFINED || outcount == 0)
            return 0;
        t->ready_count = outcount;
        t->ready_pos = 0;
    }
    int i = t->ready[t->ready_pos++];
    *m = t->bufs[i];
    /* The source is not needed by the protocol: replies carry their id. */
    *src = -1;
    post(t, i);
    return 1;
}

int cs_mpi_transport_open(struct cs_mpi_transport *t, MPI_Comm comm, int nrecv, struct cs_bell **bells)
{
    t->ops = (struct cs_transport){t, mpi_send, mpi_poll};
    t->comm = comm;
    t->bells = bells;
    t->nrecv = nrecv;
    t->reqs = calloc((size_t)nrecv, sizeof(*t->reqs));
    t->bufs = calloc((size_t)nrecv, sizeof(*t->bufs));
    t->ready = calloc((size_t)nrecv, sizeof(*t->ready));
    t->ready_count = t->ready_pos = 0;
    if (!t->reqs || !t->bufs || !t->ready) {
        cs_mpi_transport_close(t);
        return CS_E_NOMEM;
    }
    for (int i = 0; i < nrecv; i++)
        post(t, i);
    return CS_OK;
}

void cs_mpi_transport_close(struct cs_mpi_transport *t)
{
    if (t->reqs) {
        for (int i = 0; i < t->nrecv; i++) {
            if (t->reqs[i] != MPI_REQUEST_NULL) {
                MPI_Cancel(&t->reqs[i]);
                MPI_Request_free(&t->reqs[i]);
            }
        }
    }
    free(t->reqs);
    free(t->bufs);
    free(t->ready);
    t->reqs = NULL;
    t->bufs = NULL;
    t->ready = NULL;
}
