/*
 * The transport over MPI point-to-point: MPI_Send for the small messages
 * (a batch of at most CS_BATCH_MAX fixed-size items, 1.5 KiB, below the
 * eager limits, so it returns at once), and receives kept posted with
 * MPI_Irecv, each with room for a whole batch, harvested with
 * MPI_Testsome. One MPI tag for the run's messages (mpi_edge.h). A send
 * rings the receiver's doorbell when it shares this host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cs/common.h"

#include "mpi_edge.h"

void cs_mpi_library(char *out, size_t len)
{
    /* Open MPI: "Open MPI v4.1.4, package: ..."; MPICH: "MPICH Version:\t4.0.2\n
     * MPICH Release date: ...": the first line, to its first comma, with
     * "Version:" and its blanks as one space. */
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int n = 0;
    MPI_Get_library_version(lib, &n);
    lib[strcspn(lib, ",\n")] = '\0';
    size_t used = 0;
    for (const char *p = lib; *p && used + 1 < len; p++) {
        if (strncmp(p, " Version:", 9) == 0)
            p += 8;
        else if ((*p == ' ' || *p == '\t') && (used == 0 || out[used - 1] == ' '))
            continue;
        out[used++] = *p == '\t' || *p == ':' ? ' ' : *p;
    }
    while (used > 0 && out[used - 1] == ' ')
        used--;
    out[used] = '\0';
}

void cs_mpi_fail(int rc, const char *what, const char *file, int line)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    fprintf(stderr, "clustersim: MPI failure in %s at %s:%d: %s\n", what, file, line, msg);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

static int mpi_send(void *ctx, int dest, const struct cs_msg *m, int n)
{
    struct cs_mpi_transport *t = ctx;
    if (n < 1 || n > CS_BATCH_MAX)
        return CS_E_TRANSPORT;
    CS_MPI_CHECK(MPI_Send(m, n * (int)sizeof(*m), MPI_BYTE, dest, t->tag, t->comm));
    if (t->bells && t->bells[dest])
        cs_bell_ring(t->bells[dest]);
    return CS_OK;
}

static void post(struct cs_mpi_transport *t, int i)
{
    CS_MPI_CHECK(MPI_Irecv(&t->bufs[(size_t)i * CS_BATCH_MAX], CS_BATCH_MAX * (int)sizeof(struct cs_msg), MPI_BYTE,
                           MPI_ANY_SOURCE, t->tag, t->comm, &t->reqs[i]));
}

static int mpi_poll(void *ctx, struct cs_msg *m, int *src)
{
    struct cs_mpi_transport *t = ctx;
    if (t->ready_pos == t->ready_count) {
        int outcount = 0;
        CS_MPI_CHECK(MPI_Testsome(t->nrecv, t->reqs, &outcount, t->ready, t->status));
        if (outcount == MPI_UNDEFINED || outcount == 0)
            return 0;
        t->ready_count = outcount;
        t->ready_pos = 0;
    }
    const MPI_Status *st = &t->status[t->ready_pos];
    int i = t->ready[t->ready_pos++], bytes = 0;
    CS_MPI_CHECK(MPI_Get_count(st, MPI_BYTE, &bytes));
    int n = bytes / (int)sizeof(struct cs_msg);
    if (n < 1 || n > CS_BATCH_MAX || bytes % (int)sizeof(struct cs_msg) != 0)
        return CS_E_TRANSPORT;
    memcpy(m, &t->bufs[(size_t)i * CS_BATCH_MAX], (size_t)n * sizeof(*m));
    *src = st->MPI_SOURCE;
    if (t->bells && t->bells[*src]) {
        t->taken++;
        t->due_since = -1;
    }
    post(t, i);
    return n;
}

int cs_mpi_transport_open(struct cs_mpi_transport *t, MPI_Comm comm, int tag, int nrecv, struct cs_bell **bells)
{
    t->ops = (struct cs_transport){t, mpi_send, mpi_poll};
    t->comm = comm;
    t->tag = tag;
    t->bells = bells;
    t->nrecv = nrecv;
    t->reqs = calloc((size_t)nrecv, sizeof(*t->reqs));
    t->bufs = calloc((size_t)nrecv * CS_BATCH_MAX, sizeof(*t->bufs));
    t->ready = calloc((size_t)nrecv, sizeof(*t->ready));
    t->status = calloc((size_t)nrecv, sizeof(*t->status));
    t->ready_count = t->ready_pos = 0;
    int me;
    CS_MPI_CHECK(MPI_Comm_rank(comm, &me));
    t->mine = bells ? bells[me] : NULL;
    /* Messages already announced belong to this run step: a peer may
     * have sent before this rank opened. Counting from here and clamping
     * in cs_mpi_due errs towards sleeping, as before the count existed. */
    t->taken = t->mine ? atomic_load(&t->mine->announced) : 0;
    t->due_since = -1;
    for (int i = 0; t->reqs && i < nrecv; i++)
        t->reqs[i] = MPI_REQUEST_NULL; /* (not 0: close cancels what is posted) */
    if (!t->reqs || !t->bufs || !t->ready || !t->status) {
        cs_mpi_transport_close(t);
        return CS_E_NOMEM;
    }
    for (int i = 0; i < nrecv; i++)
        post(t, i);
    return CS_OK;
}

bool cs_mpi_due(struct cs_mpi_transport *t, int64_t now)
{
    if (!t->mine)
        return false;
    uint32_t announced = atomic_load_explicit(&t->mine->announced, memory_order_acquire);
    int32_t ahead = (int32_t)(announced - t->taken);
    if (ahead < 0)
        t->taken = announced; /* taken before it was counted */
    if (ahead <= 0)
        return false;
    if (t->due_since < 0)
        t->due_since = now;
    if (now - t->due_since <= CS_MPI_DUE_MAX_NS)
        return true;
    t->taken = announced;
    t->due_since = -1;
    return false;
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
    free(t->status);
    *t = (struct cs_mpi_transport){0};
}
