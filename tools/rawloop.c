/*
 * The yardstick for scripts/bench.sh: the least a coordinator can do per
 * request over MPI. Rank 0 keeps `window` requests in flight to every
 * other rank with the same primitives clustersim uses (MPI_Send, receives
 * kept posted, MPI_Testsome); the other ranks answer each at once. Prints
 * request/reply pairs per second.
 *
 * usage: mpirun -np N rawloop [seconds] [window]
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NRECV 64
#define TAG_REQ 1
#define TAG_REP 2
#define TAG_STOP 3

struct msg {
    uint32_t kind, flags;
    uint64_t id;
    int64_t a;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    int window = argc > 2 ? atoi(argv[2]) : 128;
    struct msg m = {0};
    if (rank == 0) {
        MPI_Request reqs[NRECV];
        struct msg bufs[NRECV];
        int idx[NRECV];
        for (int i = 0; i < NRECV; i++)
            MPI_Irecv(&bufs[i], sizeof(struct msg), MPI_BYTE, MPI_ANY_SOURCE, TAG_REP, MPI_COMM_WORLD, &reqs[i]);
        for (int node = 1; node < size; node++)
            for (int k = 0; k < window; k++) {
                m.kind = TAG_REQ;
                m.id = (uint64_t)node;
                MPI_Send(&m, sizeof(m), MPI_BYTE, node, TAG_REQ, MPI_COMM_WORLD);
            }
        uint64_t done = 0;
        double t0 = now_s(), end = t0 + seconds;
        while (now_s() < end) {
            int n = 0;
            MPI_Testsome(NRECV, reqs, &n, idx, MPI_STATUSES_IGNORE);
            for (int j = 0; j < n && n != MPI_UNDEFINED; j++) {
                int node = (int)bufs[idx[j]].id;
                done++;
                MPI_Irecv(&bufs[idx[j]], sizeof(struct msg), MPI_BYTE, MPI_ANY_SOURCE, TAG_REP, MPI_COMM_WORLD,
                          &reqs[idx[j]]);
                m.id = (uint64_t)node;
                MPI_Send(&m, sizeof(m), MPI_BYTE, node, TAG_REQ, MPI_COMM_WORLD);
            }
        }
        double rate = (double)done / (now_s() - t0);
        for (int node = 1; node < size; node++)
            MPI_Send(&m, sizeof(m), MPI_BYTE, node, TAG_STOP, MPI_COMM_WORLD);
        /* Take the replies still in flight so every send is matched. */
        uint64_t left = (uint64_t)(size - 1) * (uint64_t)window;
        while (left > 0) {
            int n = 0;
            MPI_Testsome(NRECV, reqs, &n, idx, MPI_STATUSES_IGNORE);
            for (int j = 0; j < n && n != MPI_UNDEFINED; j++, left--)
                if (left > NRECV)
                    MPI_Irecv(&bufs[idx[j]], sizeof(struct msg), MPI_BYTE, MPI_ANY_SOURCE, TAG_REP, MPI_COMM_WORLD,
                              &reqs[idx[j]]);
        }
        for (int i = 0; i < NRECV; i++)
            if (reqs[i] != MPI_REQUEST_NULL) {
                MPI_Cancel(&reqs[i]);
                MPI_Request_free(&reqs[i]);
            }
        printf("%.0f\n", rate);
    } else {
        MPI_Status st;
        for (;;) {
            MPI_Recv(&m, sizeof(m), MPI_BYTE, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
            if (st.MPI_TAG == TAG_STOP)
                break;
            MPI_Send(&m, sizeof(m), MPI_BYTE, 0, TAG_REP, MPI_COMM_WORLD);
        }
    }
    MPI_Finalize();
    return 0;
}
