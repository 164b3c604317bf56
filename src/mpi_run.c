/*
 * Roles by rank and the collectives around them. Rank 0 drives the
 * coordinator state machine, every other rank a service node, each with a
 * wait strategy that does not steal the CPU from the others: ranks sleep
 * on doorbells (bell.h) or to deadlines (compensating for timer
 * overshoot), poll only where a peer is on another host, and spin only in
 * "spin" mode. After the run, node counters are gathered and node
 * histograms merged on rank 0.
 */
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs/clock.h"
#include "cs/common.h"
#include "cs/coordinator.h"
#include "cs/mpi_edge.h"
#include "cs/service_node.h"

/* Without a doorbell, the coordinator sleeps rather than polls only when
 * nothing is outstanding and the next arrival is at least this far away. */
#define COORD_SLEEP_MIN_NS (200 * CS_NS_PER_US)
/* Idle polling never waits longer than this, however oversubscribed. */
#define IDLE_POLL_MAX_NS (1 * CS_NS_PER_MS)
#define COORD_RECVS 64

void cs_mpi_placement(MPI_Comm comm, struct cs_placement *p)
{
    memset(p, 0, sizeof(*p));
    int len = 0;
    char name[MPI_MAX_PROCESSOR_NAME];
    CS_MPI_CHECK(MPI_Get_processor_name(name, &len));
    snprintf(p->host, sizeof(p->host), "%.63s", name);

    MPI_Comm local;
    CS_MPI_CHECK(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local));
    CS_MPI_CHECK(MPI_Comm_size(local, &p->host_ranks));
    /* The cores this host's ranks may run on: the union of their affinity
     * masks (a launcher may bind each rank to one core). */
    cpu_set_t mine, all;
    CPU_ZERO(&mine);
    if (sched_getaffinity(0, sizeof(mine), &mine) != 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        for (long i = 0; i < n && i < CPU_SETSIZE; i++)
            CPU_SET((int)i, &mine);
    }
    CS_MPI_CHECK(MPI_Allreduce(&mine, &all, (int)sizeof(cpu_set_t), MPI_BYTE, MPI_BOR, local));
    p->host_cores = CPU_COUNT(&all);
    if (p->host_cores < 1)
        p->host_cores = 1;
    p->oversubscribed = p->host_ranks > p->host_cores;
    CS_MPI_CHECK(MPI_Comm_free(&local));
}

void cs_mpi_bells_open(MPI_Comm comm, struct cs_bells *b)
{
    int size;
    CS_MPI_CHECK(MPI_Comm_size(comm, &size));
    MPI_Comm local;
    CS_MPI_CHECK(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local));
    int local_size;
    CS_MPI_CHECK(MPI_Comm_size(local, &local_size));
    MPI_Info info;
    CS_MPI_CHECK(MPI_Info_create(&info));
    CS_MPI_CHECK(MPI_Info_set(info, "alloc_shared_noncontig", "true"));
    CS_MPI_CHECK(MPI_Win_allocate_shared((MPI_Aint)sizeof(struct cs_bell), 1, info, local, &b->mine, &b->win));
    CS_MPI_CHECK(MPI_Info_free(&info));
    cs_bell_init(b->mine);
    CS_MPI_CHECK(MPI_Barrier(local));

    b->by_rank = calloc((size_t)size, sizeof(*b->by_rank));
    int *locals = malloc((size_t)local_size * sizeof(int)), *worlds = malloc((size_t)local_size * sizeof(int));
    if (!b->by_rank || !locals || !worlds)
        MPI_Abort(comm, 1);
    MPI_Group lg, wg;
    CS_MPI_CHECK(MPI_Comm_group(local, &lg));
    CS_MPI_CHECK(MPI_Comm_group(comm, &wg));
    for (int i = 0; i < local_size; i++)
        locals[i] = i;
    CS_MPI_CHECK(MPI_Group_translate_ranks(lg, local_size, locals, wg, worlds));
    for (int i = 0; i < local_size; i++) {
        MPI_Aint bytes;
        int disp;
        void *ptr;
        CS_MPI_CHECK(MPI_Win_shared_query(b->win, i, &bytes, &disp, &ptr));
        b->by_rank[worlds[i]] = ptr;
    }
    MPI_Group_free(&lg);
    MPI_Group_free(&wg);
    free(locals);
    free(worlds);
    CS_MPI_CHECK(MPI_Comm_free(&local));
}

void cs_mpi_bells_close(struct cs_bells *b)
{
    CS_MPI_CHECK(MPI_Win_free(&b->win));
    free(b->by_rank);
    b->by_rank = NULL;
    b->mine = NULL;
}

static void progress_line(const struct cs_coord *c, int64_t now, bool final)
{
    double t = (double)(now - c->t0) / 1e9;
    double total = (double)(c->window_end - c->t0) / 1e9;
    uint64_t gen = c->counters[CS_C_GENERATED] + c->counters[CS_C_WARMUP_GENERATED];
    uint64_t done = c->counters[CS_C_COMPLETED] + c->counters[CS_C_WARMUP_COMPLETED];
    fprintf(stderr, "\r  %5.1f / %.1f s  %s  generated %llu  completed %llu  outstanding %d      ", t, total,
            c->state == CS_COORD_RUNNING ? (t < c->sc->load.warmup_s ? "warm-up" : "running") : "draining",
            (unsigned long long)gen, (unsigned long long)done, cs_coord_outstanding(c));
    if (final)
        fprintf(stderr, "\r%*s\r", 100, "");
    fflush(stderr);
}

/*
 * The coordinator between turns. When every service node shares its host
 * it sleeps on its doorbell until the next arrival or a reply; otherwise
 * replies can only be found by polling, so it polls, yielding the core
 * when ranks outnumber cores.
 */
static int run_coordinator(MPI_Comm comm, const struct cs_scenario *sc, const struct cs_placement *pl,
                           const struct cs_bells *bells, const struct cs_run_options *opt, int nodes, int64_t t0,
                           struct cs_coord *c)
{
    struct cs_mpi_transport tp;
    int rc = cs_mpi_transport_open(&tp, comm, COORD_RECVS, bells->by_rank);
    if (rc)
        return rc;
    rc = cs_coord_init(c, sc, nodes, cs_scenario_rate(sc, nodes), &tp.ops, &cs_real_clock, t0);
    if (rc) {
        cs_mpi_transport_close(&tp);
        return rc;
    }
    bool all_local = true;
    for (int i = 1; i <= nodes; i++)
        all_local &= bells->by_rank[i] != NULL;
    struct cs_sleeper sleeper;
    cs_sleeper_init(&sleeper);
    int64_t next_progress = t0 + CS_NS_PER_S;
    while (!cs_coord_done(c)) {
        int work = cs_coord_turn(c);
        int64_t now = cs_now_ns();
        if (now >= next_progress) {
            if (opt->progress)
                progress_line(c, now, false);
            next_progress += CS_NS_PER_S;
        }
        if (work != 0)
            goto next_turn;
        int64_t until = cs_coord_next_event(c);
        if (until > next_progress)
            until = next_progress;
        if (all_local) {
            cs_bell_arm(bells->mine);
            work = cs_coord_turn(c); /* the last look before sleeping */
            if (work == 0)
                cs_bell_wait(bells->mine, &sleeper, until);
            else
                cs_bell_disarm(bells->mine);
        } else if (cs_coord_outstanding(c) == 0 && until - now > COORD_SLEEP_MIN_NS) {
            cs_sleep_until(&sleeper, until);
        } else if (pl->oversubscribed) {
            sched_yield();
        }
    next_turn:
        if (work < 0) {
            rc = work;
            break;
        }
    }
    if (opt->progress)
        progress_line(c, cs_now_ns(), true);
    cs_mpi_transport_close(&tp);
    return rc;
}

/*
 * A service node between events. With every server busy, new requests
 * could only queue, so it sleeps to the next deadline. With a free server
 * it waits for a request: on its doorbell when the coordinator shares its
 * host, else by polling every run.idle_poll_us (scaled up when ranks
 * outnumber cores). In spin mode it burns the CPU while serving.
 */
static int run_node(MPI_Comm comm, const struct cs_scenario *sc, const struct cs_placement *pl,
                    const struct cs_bells *bells, int64_t t0, struct cs_node *n)
{
    struct cs_mpi_transport tp;
    int rc = cs_mpi_transport_open(&tp, comm, 1, bells->by_rank);
    if (rc)
        return rc;
    int64_t ws = t0 + (int64_t)llround(sc->load.warmup_s * 1e9);
    int64_t we = ws + (int64_t)llround(sc->load.duration_s * 1e9);
    rc = cs_node_init(n, sc->service.servers, 1.0, &tp.ops, ws, we);
    if (rc) {
        cs_mpi_transport_close(&tp);
        return rc;
    }
    int64_t idle_ns = (int64_t)(sc->run.idle_poll_us * 1e3);
    if (pl->oversubscribed)
        idle_ns = idle_ns * pl->host_ranks / pl->host_cores;
    if (idle_ns > IDLE_POLL_MAX_NS)
        idle_ns = IDLE_POLL_MAX_NS;
    bool doorbell = bells->by_rank[0] != NULL;
    bool spin = sc->service.mode == CS_MODE_SPIN;
    struct cs_sleeper sleeper;
    cs_sleeper_init(&sleeper);

    while (!n->shutdown) {
        struct cs_msg m;
        int src, got = 0, r;
        while ((r = tp.ops.poll(tp.ops.ctx, &m, &src)) > 0) {
            rc = cs_node_on_message(n, &m, cs_now_ns());
            if (rc)
                goto out;
            got++;
        }
        if (n->shutdown)
            break;
        int sent = 0;
        int64_t early = spin ? 0 : cs_sleeper_early_ns(&sleeper);
        while ((r = cs_node_advance(n, cs_now_ns(), early)) > 0)
            sent += r;
        if (r < 0) {
            rc = r;
            goto out;
        }
        if (got || sent)
            continue;
        int64_t next = cs_node_next_deadline(n);
        if (spin && n->busy > 0) {
            /* Burn the CPU until the next deadline (or the next look for
             * messages), letting other ranks on the core run if they must. */
            int64_t until = cs_node_has_free_server(n) ? cs_now_ns() + idle_ns : next;
            if (until > next)
                until = next;
            while (cs_now_ns() < until) {
                if (pl->oversubscribed)
                    sched_yield();
            }
        } else if (!cs_node_has_free_server(n)) {
            cs_sleep_until(&sleeper, next);
        } else if (doorbell) {
            cs_bell_arm(bells->mine);
            if (tp.ops.poll(tp.ops.ctx, &m, &src) > 0) {
                cs_bell_disarm(bells->mine);
                rc = cs_node_on_message(n, &m, cs_now_ns());
                if (rc)
                    goto out;
            } else {
                cs_bell_wait(bells->mine, &sleeper, next);
            }
        } else {
            cs_nap(next - cs_now_ns() < idle_ns ? next - cs_now_ns() : idle_ns);
        }
    }
out:
    cs_mpi_transport_close(&tp);
    return rc;
}

/* Merge each rank's histogram into root's: one reduction of the counts. */
static void reduce_histogram(MPI_Comm comm, struct cs_histogram *h, struct cs_histogram *out, int rank)
{
    uint64_t sums[2] = {h->total, h->clamped}, sums_out[2] = {0, 0};
    CS_MPI_CHECK(MPI_Reduce(h->counts, rank == 0 ? out->counts : NULL, CS_HIST_BUCKETS, MPI_UINT64_T, MPI_SUM, 0,
                            comm));
    CS_MPI_CHECK(MPI_Reduce(sums, sums_out, 2, MPI_UINT64_T, MPI_SUM, 0, comm));
    double sum_out = 0;
    uint64_t min_out = 0, max_out = 0;
    CS_MPI_CHECK(MPI_Reduce(&h->sum, &sum_out, 1, MPI_DOUBLE, MPI_SUM, 0, comm));
    CS_MPI_CHECK(MPI_Reduce(&h->min, &min_out, 1, MPI_UINT64_T, MPI_MIN, 0, comm));
    CS_MPI_CHECK(MPI_Reduce(&h->max, &max_out, 1, MPI_UINT64_T, MPI_MAX, 0, comm));
    if (rank == 0) {
        out->total = sums_out[0];
        out->clamped = sums_out[1];
        out->sum = sum_out;
        out->min = min_out;
        out->max = max_out;
    }
}

int cs_mpi_run(MPI_Comm comm, const struct cs_scenario *sc, const struct cs_placement *pl,
               const struct cs_run_options *opt, struct cs_results *r)
{
    int rank, size;
    CS_MPI_CHECK(MPI_Comm_rank(comm, &rank));
    CS_MPI_CHECK(MPI_Comm_size(comm, &size));
    int nodes = size - 1;
    cs_clock_tune();

    struct cs_coord coord;
    struct cs_node node;
    memset(&coord, 0, sizeof(coord));
    memset(&node, 0, sizeof(node));
    cs_hist_init(&node.service);

    struct cs_bells bells;
    cs_mpi_bells_open(comm, &bells);

    /* Everybody starts the clock together; each rank keeps its own. */
    CS_MPI_CHECK(MPI_Barrier(comm));
    int64_t t0 = cs_now_ns();
    int rc = rank == 0 ? run_coordinator(comm, sc, pl, &bells, opt, nodes, t0, &coord)
                       : run_node(comm, sc, pl, &bells, t0, &node);
    if (rc) {
        fprintf(stderr, "clustersim: rank %d failed (error %d)\n", rank, rc);
        fflush(stderr);
        MPI_Abort(comm, 1);
    }

    cs_mpi_bells_close(&bells);

    /* Placement and node counters to rank 0, histograms merged there. */
    struct cs_rank_info mine = {.host_ranks = pl->host_ranks, .host_cores = pl->host_cores};
    snprintf(mine.host, sizeof(mine.host), "%s", pl->host);
    CS_MPI_CHECK(MPI_Gather(&mine, (int)sizeof(mine), MPI_BYTE, rank == 0 ? r->rank_info : NULL, (int)sizeof(mine),
                            MPI_BYTE, 0, comm));
    uint64_t *all = NULL;
    if (rank == 0) {
        all = calloc((size_t)size * CS_N__COUNT, sizeof(uint64_t));
        if (!all)
            MPI_Abort(comm, 1);
    }
    CS_MPI_CHECK(MPI_Gather(node.counters, CS_N__COUNT, MPI_UINT64_T, all, CS_N__COUNT, MPI_UINT64_T, 0, comm));
    reduce_histogram(comm, &node.service, rank == 0 ? &r->service : NULL, rank);

    if (rank == 0) {
        r->complete = true;
        cs_results_collect(r, sc, &coord, all + CS_N__COUNT);
        int len = 0;
        char lib[MPI_MAX_LIBRARY_VERSION_STRING];
        MPI_Get_library_version(lib, &len);
        lib[strcspn(lib, ",\n")] = '\0';
        snprintf(r->library, sizeof(r->library), "%.127s", lib);
        free(all);
        cs_results_analyze(r);
        cs_coord_free(&coord);
    } else {
        cs_node_free(&node);
    }
    return CS_OK;
}
