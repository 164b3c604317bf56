/*
 * Roles by rank and the collectives around them. cs_mpi_run gives each
 * rank the role the topology plan names (cs_plan_place) and drives it with
 * the one wait loop (wait_loop, through struct role): a dispatcher (ranks
 * 0..k-1, k = dispatch.dispatchers; rank 0 is the coordinator, which
 * merges the results), a relay (the next dispatch.relays ranks, only with
 * k = 1) or a service node (the ranks from cs_first_node() on); ranks
 * past the plan (a sweep step with fewer nodes) sit the step out. The loop
 * waits in a way that does not steal the CPU from the other ranks: they
 * sleep on doorbells (bell.h) or to deadlines (compensating for timer
 * overshoot), poll only where a peer is on another host, and spin only
 * for a moment when their dry spells are short or a message is due
 * (SPIN_NS, CHASE_NS) or, a node, while it serves in "spin" mode. After
 * the run, every rank's placement, node counters and node histograms are
 * gathered to rank 0, which merges them with the other dispatchers' and
 * the relays' reports.
 */
#include <dlfcn.h>
#include <math.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cs/clock.h"
#include "cs/common.h"
#include "cs/coordinator.h"
#include "cs/fileio.h"
#include "cs/relay.h"
#include "cs/role.h"
#include "cs/scenario.h"
#include "cs/service_node.h"

#include "mpi_edge.h"

/* Without a doorbell, a dispatcher sleeps rather than polls only when
 * nothing is outstanding and its next event is more than this far away. */
#define COORD_SLEEP_MIN_NS (200 * CS_NS_PER_US)
/* Idle polling never waits longer than this, however oversubscribed. */
#define IDLE_POLL_MAX_NS (1 * CS_NS_PER_MS)
#define COORD_RECVS 64
#define QUIET_BARRIER_NAP_NS (100 * CS_NS_PER_US)

/*
 * Spin, then sleep. A rank that runs dry and sleeps on its doorbell costs
 * a futex wake for the sender and two context switches, several
 * microseconds, for every message that comes a moment later: under load
 * that, not MPI, was most of a request's cost (perf: half of both ranks'
 * time in the scheduler at 2 ranks). So a rank whose recent dry spells
 * were short looks for work for up to SPIN_NS before it arms its
 * doorbell, yielding the core whenever ranks outnumber cores. A rank whose
 * dry spells are long (light load, an idle node) sleeps at once, so idle
 * ranks stay idle.
 */
#define SPIN_NS (30 * CS_NS_PER_US)
/* A message announced on this rank's doorbell but not yet visible to MPI
 * at the last look before sleeping (cs_mpi_due): the rank chases it,
 * looking for up to CHASE_NS at a time instead of sleeping on it, until
 * it comes or the count is forgotten (CS_MPI_DUE_MAX_NS). */
#define CHASE_NS (100 * CS_NS_PER_US)
struct dry {
    double mean_ns; /* running mean of this rank's dry spells */
};
static bool dry_spin(const struct dry *d)
{
    return d->mean_ns < SPIN_NS;
}
static void dry_note(struct dry *d, int64_t ns)
{
    d->mean_ns += 0.25 * ((double)(ns < 4 * SPIN_NS ? ns : 4 * SPIN_NS) - d->mean_ns);
}

/* Collectives that nap instead of spinning while they wait: Open MPI's
 * blocking collectives busy-poll, and ranks that spin while others are
 * still working take the cores those need when ranks outnumber cores. */
void cs_mpi_wait_quietly(MPI_Request *req)
{
    int done = 0;
    for (;;) {
        CS_MPI_CHECK(MPI_Test(req, &done, MPI_STATUS_IGNORE));
        if (done)
            return;
        cs_nap(QUIET_BARRIER_NAP_NS);
    }
}

/* Open MPI's blocking calls poll its transports in a loop, yielding the
 * CPU after each empty poll only if mpi_yield_when_idle says so, read at
 * MPI_Init; clustersim sets it off (start_mpi), so that a run's looks for
 * messages cost no system call. But with ranks beyond the cores, a set-up
 * call that spins without yielding holds a core for a whole time slice
 * while the rank it waits for cannot run: 8 ranks on this project's 2-core
 * VM took 150 ms in MPI_Comm_split_type and 250 ms in
 * MPI_Win_allocate_shared, both cores busy. So the switch is turned at
 * run time, through the library's own setter where the library has one
 * (Open MPI's libopen-pal; looked up, never linked). */
typedef bool (*yield_setter)(bool);
static yield_setter find_yield_setter(void)
{
    static bool looked;
    static yield_setter set;
    if (!looked) {
        looked = true;
        *(void **)&set = dlsym(RTLD_DEFAULT, "opal_progress_set_yield_when_idle");
    }
    return set;
}

bool cs_mpi_has_yield_switch(void)
{
    return find_yield_setter() != NULL;
}

void cs_mpi_yield_idle(bool on)
{
    yield_setter set = find_yield_setter();
    if (set)
        (void)set(on);
}

int cs_mpi_share_int(MPI_Comm comm, int value)
{
    MPI_Request req;
    CS_MPI_CHECK(MPI_Ibcast(&value, 1, MPI_INT, 0, comm, &req));
    cs_mpi_wait_quietly(&req);
    return value;
}

uint64_t cs_mpi_share_mask(MPI_Comm comm, uint64_t value)
{
    MPI_Request req;
    CS_MPI_CHECK(MPI_Ibcast(&value, 1, MPI_UINT64_T, 0, comm, &req));
    cs_mpi_wait_quietly(&req);
    return value;
}

int cs_mpi_share_text(MPI_Comm comm, int status, char **text)
{
    int rank;
    CS_MPI_CHECK(MPI_Comm_rank(comm, &rank));
    long long head[2] = {status, status == CS_OK && rank == 0 ? (long long)strlen(*text) + 1 : 0};
    MPI_Request req;
    CS_MPI_CHECK(MPI_Ibcast(head, 2, MPI_LONG_LONG, 0, comm, &req));
    cs_mpi_wait_quietly(&req);
    if (head[0] != CS_OK)
        return (int)head[0];
    if (rank != 0 && !(*text = malloc((size_t)head[1])))
        MPI_Abort(comm, 1);
    CS_MPI_CHECK(MPI_Ibcast(*text, (int)head[1], MPI_CHAR, 0, comm, &req));
    cs_mpi_wait_quietly(&req);
    return CS_OK;
}

static void quiet_barrier(MPI_Comm comm)
{
    MPI_Request req;
    CS_MPI_CHECK(MPI_Ibarrier(comm, &req));
    cs_mpi_wait_quietly(&req);
}

/* The cores this host's ranks may run on (h->cores): the union of their
 * affinity masks over local, the host's ranks (a launcher may bind each
 * rank to one core). */
static void host_cores(MPI_Comm local, struct cs_host *h)
{
    cpu_set_t mine, all;
    CPU_ZERO(&mine);
    if (sched_getaffinity(0, sizeof(mine), &mine) != 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        for (long i = 0; i < n && i < CPU_SETSIZE; i++)
            CPU_SET((int)i, &mine);
    }
    MPI_Request req;
    CS_MPI_CHECK(MPI_Iallreduce(&mine, &all, (int)sizeof(cpu_set_t), MPI_BYTE, MPI_BOR, local, &req));
    cs_mpi_wait_quietly(&req);
    h->cores = CPU_COUNT(&all) > 0 ? CPU_COUNT(&all) : 1;
    h->oversubscribed = h->ranks > h->cores;
}

/* One doorbell per rank, in memory the host's ranks (local) share:
 * h->bell is this rank's, h->bells[r] rank r's where it shares the host. */
static void host_bells(MPI_Comm comm, MPI_Comm local, struct cs_host *h)
{
    MPI_Info info;
    CS_MPI_CHECK(MPI_Info_create(&info));
    CS_MPI_CHECK(MPI_Info_set(info, "alloc_shared_noncontig", "true"));
    CS_MPI_CHECK(MPI_Win_allocate_shared((MPI_Aint)sizeof(struct cs_bell), 1, info, local, &h->bell, &h->win));
    CS_MPI_CHECK(MPI_Info_free(&info));
    cs_bell_init(h->bell);
    quiet_barrier(local);

    int local_size = h->ranks;
    h->bells = calloc((size_t)h->size, sizeof(*h->bells));
    int *locals = malloc((size_t)local_size * sizeof(int)), *worlds = malloc((size_t)local_size * sizeof(int));
    if (!h->bells || !locals || !worlds)
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
        CS_MPI_CHECK(MPI_Win_shared_query(h->win, i, &bytes, &disp, &ptr));
        h->bells[worlds[i]] = ptr;
    }
    MPI_Group_free(&lg);
    MPI_Group_free(&wg);
    free(locals);
    free(worlds);
}

/* Rank 0 knows every rank's placement and process from the start: its
 * checkpoints need them, and it names a rank that died. */
static void host_placement(MPI_Comm comm, struct cs_host *h)
{
    struct placed {
        struct cs_rank_info info;
        int pid;
    } me = {.info = {.host_ranks = h->ranks, .host_cores = h->cores, .cpu_ns = -1}, .pid = (int)getpid()},
      *placed = NULL;
    snprintf(me.info.host, sizeof(me.info.host), "%s", h->name);
    int rank, size = h->size;
    CS_MPI_CHECK(MPI_Comm_rank(comm, &rank));
    if (rank == 0 &&
        (!(placed = calloc((size_t)size, sizeof(*placed))) || !(h->info = calloc((size_t)size, sizeof(*h->info))) ||
         !(h->pids = calloc((size_t)size, sizeof(*h->pids))) ||
         !(h->pid_starts = calloc((size_t)size, sizeof(*h->pid_starts)))))
        MPI_Abort(comm, 1);
    MPI_Request req;
    CS_MPI_CHECK(MPI_Igather(&me, (int)sizeof(me), MPI_BYTE, placed, (int)sizeof(me), MPI_BYTE, 0, comm, &req));
    cs_mpi_wait_quietly(&req);
    for (int i = 0; rank == 0 && i < size; i++) {
        h->info[i] = placed[i].info;
        h->pids[i] = placed[i].pid;
        /* A rank of this host that rank 0 cannot see (a container's own
         * PID namespace) is never taken for dead. */
        h->pid_starts[i] = h->bells[i] ? cs_process_start(placed[i].pid) : -1;
        if (h->pid_starts[i] < 0)
            h->pids[i] = 0;
    }
    free(placed);
}

void cs_mpi_host_open(MPI_Comm comm, struct cs_host *h)
{
    memset(h, 0, sizeof(*h));
    int size, len = 0;
    CS_MPI_CHECK(MPI_Comm_size(comm, &size));
    h->size = size;
    char name[MPI_MAX_PROCESSOR_NAME];
    CS_MPI_CHECK(MPI_Get_processor_name(name, &len));
    snprintf(h->name, sizeof(h->name), "%.63s", name);

    /* Every rank arrives before each blocking collective, so none spins
     * long while the others it waits for are off the CPU. */
    quiet_barrier(comm);
    MPI_Comm local;
    CS_MPI_CHECK(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local));
    int local_size;
    CS_MPI_CHECK(MPI_Comm_size(local, &local_size));
    h->ranks = local_size;
    host_cores(local, h);
    host_bells(comm, local, h);
    CS_MPI_CHECK(MPI_Comm_free(&local));
    host_placement(comm, h);
}

void cs_mpi_host_close(MPI_Comm comm, struct cs_host *h)
{
    quiet_barrier(comm);
    CS_MPI_CHECK(MPI_Win_free(&h->win));
    free(h->bells);
    free(h->info);
    free(h->pids);
    free(h->pid_starts);
    *h = (struct cs_host){0};
}

/* Rank 0: its measures so far to the checkpoint writer (unless that is
 * still busy with the last), why saying what they cover, and the time
 * series to disk. */
static void checkpoint(const struct cs_run_options *opt, const struct cs_coord *c, const struct cs_host *h,
                       const char *why)
{
    if (opt->timeseries)
        fflush(opt->timeseries);
    struct cs_results *snap = cs_checkpoint_take(opt->checkpoint);
    if (!snap)
        return;
    struct cs_coord_measures m;
    cs_coord_measures(c, &m);
    cs_results_partial(snap, c->sc, &m, h->info, cs_coord_covered_s(c, cs_now_ns()), why);
    cs_checkpoint_post(opt->checkpoint);
}

/* When the run under way started (cs_now_ns), for cs_mpi_rank_died. */
static _Atomic int64_t run_t0;

bool cs_mpi_rank_died(const void *host, char *why, size_t len)
{
    const struct cs_host *h = host;
    for (int r = 1; h->pids && r < h->size; r++) {
        int status;
        if (!h->bells[r] || !h->pids[r] || cs_process_ended(h->pids[r], h->pid_starts[r], &status) != 1)
            continue;
        char how[40] = "";
        if (status >= 0 && WIFSIGNALED(status))
            snprintf(how, sizeof(how), " (signal %d)", WTERMSIG(status));
        else if (status >= 0 && WIFEXITED(status))
            snprintf(how, sizeof(how), " (exit status %d)", WEXITSTATUS(status));
        snprintf(why, len, "rank %d on host %s died%s by %.1f s", r, h->info[r].host, how,
                 (double)(cs_now_ns() - run_t0) / 1e9);
        return true;
    }
    return false;
}

/* Rank 0, at the first stop signal: what it measured so far to the
 * results files, marked as stopped, in case the drain is cut short (a
 * rank that died is the checkpoint writer's to tell), then the drain. */
static void on_stop(const struct cs_run_options *opt, struct cs_coord *c, const struct cs_host *h)
{
    int64_t now = cs_now_ns();
    enum cs_stop_phase phase = cs_coord_stop_phase(c, now);
    bool window_over = phase == CS_STOP_DRAIN;
    if (window_over)
        fprintf(stderr,
                "\nclustersim: stopping on signal %d: the measured window is over; the drain may go on for "
                "%g s more, and the results are whole if it ends by then\n",
                (int)cs_stop_signal, c->sc->run.stop_grace_s);
    else
        fprintf(stderr,
                "\nclustersim: stopping on signal %d%s: draining for %g s; the results will be marked incomplete\n",
                (int)cs_stop_signal, phase == CS_STOP_WARMUP ? " in the warm-up, before anything was measured" : "",
                c->sc->run.stop_grace_s);
    if (opt->checkpoint) {
        char why[96];
        snprintf(why, sizeof(why), "stopped by signal %d at %.1f s, %s the drain", (int)cs_stop_signal,
                 (double)(now - c->t0) / 1e9, window_over ? "in" : "before");
        cs_checkpoint_wait(opt->checkpoint);
        checkpoint(opt, c, h, why);
    }
    cs_coord_stop(c, now, (int64_t)llround(c->sc->run.stop_grace_s * 1e9));
}

/*
 * One role (role.h: a dispatcher, a relay or a service node) as the wait
 * loop drives it on a rank. The loop takes a turn (every message waiting
 * and the work that is due), and when a turn finds nothing to do waits to
 * the role's next event in one of four ways, as the rank's side of the
 * role plans it (struct wait_plan):
 *  - it burns the CPU (a node serving in spin mode);
 *  - it sleeps to the next event when no message could give it work (a
 *    node with every server busy);
 *  (these two look for messages at least every CS_BELL_MAX_WAIT_NS: a
 *  shutdown comes as one;)
 *  - with a doorbell (every rank that sends to it shares its host), it
 *    spins a moment when its dry spells are short or a message is
 *    announced but not yet visible (chase), then arms the bell, takes a
 *    last look, and sleeps until rung or until the next event;
 *  - without one (a peer on another host) messages can only be found by
 *    polling: it naps at most poll_ns, or, when that is 0, looks again at
 *    once, yielding the core when ranks outnumber cores.
 * A timed wait that ends is told to the role (woke: the host's pauses).
 */
/* How a role waits after a turn that found nothing to do. */
struct wait_plan {
    int64_t until;   /* its next event; no later than when its clockwork is next due */
    int64_t poll_ns; /* without a doorbell: how long it may go without looking for messages (0:
                        it looks again at once) */
    bool deaf;       /* no message could give it work now: it sleeps to until (looking every
                        CS_BELL_MAX_WAIT_NS) */
    bool burn;       /* it waits by burning the CPU */
    /* Without a doorbell, it sleeps to an event allowing for the timer's
     * overshoot (its turn then takes work due within it, or it looks
     * again, yielding, until the event); false: a plain nap. */
    bool exact;
};
/* What a rank adds to its role. */
struct rank_ops {
    /* Its wait at now: p->until comes holding its next event (the
     * role's, or its clockwork's if earlier; INT64_MAX: none), the rest
     * zeroed. */
    void (*wait)(const void *self, int64_t now, struct wait_plan *p);
    /* Optional: before each turn (a dispatcher: a stop signal). */
    void (*before_turn)(void *self);
    /* Optional: a dispatcher's clockwork (progress, checkpoints,
     * intervals): done at now, returns when it is next due. */
    int64_t (*tick)(void *self, int64_t now);
};
struct role {
    const struct cs_role_ops *ops; /* the state machine's (role.h) */
    void *machine;
    const struct rank_ops *rank;
    void *self;         /* the rank's side of it */
    int64_t first_tick; /* with tick: when it is first due */
};

/* What a rank's wait loop keeps between turns. */
struct waiter {
    const struct cs_host *h;
    struct cs_mpi_transport tp;
    bool doorbell; /* every rank that sends to this one shares its host */
    struct cs_sleeper sleeper;
    struct dry dry;
    bool chase; /* a message is announced that MPI did not show yet */
};

/* The tag of the run under way (cs_mpi_run: every rank runs every run,
 * in one order, so they agree on it). */
static int run_tag = CS_MPI_TAG_FIRST;

/* The transport (nrecv receives kept posted) and the wait's state. */
static int waiter_open(struct waiter *w, MPI_Comm comm, int nrecv, const struct cs_host *h)
{
    *w = (struct waiter){.h = h, .doorbell = true, .dry = {4 * SPIN_NS}};
    cs_sleeper_init(&w->sleeper);
    return cs_mpi_transport_open(&w->tp, comm, run_tag, nrecv, h->bells);
}

/* Does rank r ring this rank's doorbell (does it share the host)? */
static void waiter_hears(struct waiter *w, int r)
{
    w->doorbell &= w->h->bells[r] != NULL;
}

/* How often a rank without a doorbell looks for messages:
 * run.idle_poll_us, scaled up when ranks outnumber cores if `scaled`, at
 * most IDLE_POLL_MAX_NS. */
static int64_t idle_poll(const struct cs_scenario *sc, const struct cs_host *h, bool scaled)
{
    int64_t ns = (int64_t)(sc->run.idle_poll_us * 1e3);
    if (scaled && h->oversubscribed)
        ns = ns * h->ranks / h->cores;
    return ns < IDLE_POLL_MAX_NS ? ns : IDLE_POLL_MAX_NS;
}

static void woke(const struct role *r, int64_t due, int64_t now)
{
    if (r->ops->woke)
        r->ops->woke(r->machine, due, now);
}

static int turn(const struct role *r, int64_t early_ns)
{
    if (r->rank->before_turn)
        r->rank->before_turn(r->self);
    return r->ops->turn(r->machine, early_ns);
}

/* Spin for up to SPIN_NS (CHASE_NS when chasing), but not past until. On
 * the CPU there is no timer to allow for: no work is taken early. */
static int spin(struct waiter *w, const struct role *r, int64_t now, int64_t until)
{
    int64_t look = w->chase ? CHASE_NS : SPIN_NS, end = now + look < until ? now + look : until;
    int work;
    while ((work = turn(r, 0)) == 0 && cs_now_ns() < end)
        if (w->h->oversubscribed)
            sched_yield();
    return work;
}

/* On the doorbell: spin a moment, then arm the bell, look once more and
 * sleep until rung or until. */
static int wait_on_bell(struct waiter *w, const struct role *r, int64_t now, int64_t until)
{
    struct cs_bell *bell = w->h->bell;
    int work = 0;
    if (dry_spin(&w->dry) || w->chase) {
        if ((work = spin(w, r, now, until)) != 0) {
            dry_note(&w->dry, cs_now_ns() - now);
            w->chase = false;
            return work;
        }
    }
    cs_bell_arm(bell);
    if ((work = turn(r, 0)) != 0) { /* the last look before sleeping */
        cs_bell_disarm(bell);
        dry_note(&w->dry, cs_now_ns() - now);
    } else if ((w->chase = cs_mpi_due(&w->tp, cs_now_ns()))) {
        cs_bell_disarm(bell);
    } else {
        int64_t cap = cs_now_ns() + CS_BELL_MAX_WAIT_NS, due = cap < until ? cap : until;
        if (cs_bell_wait(bell, &w->sleeper, until))
            dry_note(&w->dry, cs_now_ns() - now); /* rung: a message ended the dry spell */
        else
            woke(r, due, cs_now_ns());
    }
    return work;
}

/* The one wait loop of every role; returns 0 or a CS_E code. */
static int wait_loop(struct waiter *w, const struct role *r)
{
    const struct cs_host *h = w->h;
    int64_t next_tick = r->rank->tick ? r->first_tick : INT64_MAX;
    while (!r->ops->done(r->machine)) {
        int work = turn(r, cs_sleeper_early_ns(&w->sleeper));
        int64_t now = cs_now_ns();
        if (now >= next_tick)
            next_tick = r->rank->tick(r->self, now);
        if (work == 0) {
            int64_t next = r->ops->next_event(r->machine);
            struct wait_plan p = {.until = next < next_tick ? next : next_tick};
            r->rank->wait(r->self, now, &p);
            int64_t until = p.until, due = p.poll_ns < until - now ? now + p.poll_ns : until;
            /* A node that serves with every server busy (or burns the CPU
             * serving) reads no message until its next service ends, but
             * looks at least every CS_BELL_MAX_WAIT_NS: a shutdown comes
             * as one, and a service may last seconds (a stop's grace and
             * the drain's deadline would wait for it). */
            int64_t deaf_until = until - now > CS_BELL_MAX_WAIT_NS ? now + CS_BELL_MAX_WAIT_NS : until;
            if (p.burn) {
                int64_t stop = due < deaf_until ? due : deaf_until;
                while (cs_now_ns() < stop)
                    if (h->oversubscribed)
                        sched_yield();
            } else if (p.deaf) {
                cs_sleep_until(&w->sleeper, deaf_until);
                woke(r, deaf_until, cs_now_ns());
            } else if (w->doorbell) {
                work = wait_on_bell(w, r, now, until);
            } else if (p.poll_ns > 0) {
                /* To an event, a sleep that allows for the timer's overshoot;
                 * between looks for messages, or for a role whose turn
                 * cannot take work early, a plain nap, which the allowance
                 * would otherwise turn into polling without a pause. */
                if (due == until && p.exact)
                    cs_sleep_until(&w->sleeper, due);
                else
                    cs_nap(due - now);
                woke(r, due, cs_now_ns());
            } else if (h->oversubscribed) {
                sched_yield();
            }
        }
        if (work < 0)
            return work;
    }
    return 0;
}

/* A dispatcher (rank 0, the coordinator, or another) as a role. */
struct dispatcher {
    struct cs_coord *c;
    const struct cs_host *h;
    const struct cs_run_options *opt;
    int64_t t0, tick_ns, interval_ns, checkpoint_ns;
    int64_t next_tick, next_progress, next_row, next_checkpoint, next_flush;
    struct cs_interval_row row;
};

static void dispatcher_before_turn(void *self)
{
    struct dispatcher *d = self;
    if (cs_stop_signal && !cs_coord_stop_asked(d->c))
        on_stop(d->opt, d->c, d->h);
}
/* Polling for replies: it sleeps only when none is outstanding and its
 * next event is over COORD_SLEEP_MIN_NS away. */
static void dispatcher_wait(const void *self, int64_t now, struct wait_plan *p)
{
    const struct cs_coord *c = ((const struct dispatcher *)self)->c;
    p->poll_ns = cs_coord_outstanding(c) == 0 && p->until - now > COORD_SLEEP_MIN_NS ? p->until - now : 0;
    p->exact = true;
}
/* The clock also wakes a dispatcher for the progress line, the
 * checkpoints and the intervals (time series and overload), at fixed
 * ticks of at most a second; the first checkpoint comes at the first tick,
 * so that a results file exists from the start. After a pause the ticks
 * come one after another until they have caught up. */
static int64_t dispatcher_tick(void *self, int64_t now)
{
    struct dispatcher *d = self;
    struct cs_coord *c = d->c;
    const struct cs_run_options *opt = d->opt;
    if (opt->checkpoint && d->checkpoint_ns > 0 && now >= d->next_checkpoint && !cs_coord_stop_asked(c)) {
        char why[64];
        snprintf(why, sizeof(why), "running: %.1f of %g s measured at %.1f s", cs_coord_covered_s(c, now),
                 c->sc->load.duration_s, (double)(now - d->t0) / 1e9);
        checkpoint(opt, c, d->h, why);
        d->next_checkpoint += d->checkpoint_ns;
        if (d->next_checkpoint <= now) /* behind (a pause): the next one period from now */
            d->next_checkpoint = now + d->checkpoint_ns;
    }
    if (opt->progress && now >= d->next_progress) {
        cs_coord_progress_draw(opt->progress, c, now, false);
        d->next_progress += CS_NS_PER_S;
    }
    if (now >= d->next_row) { /* always: the overload analysis reads the intervals */
        cs_coord_interval(c, now, &d->row);
        /* The rows reach the disk within a second, checkpoints or none:
         * a run killed outright keeps its series up to then. */
        if (opt->timeseries) {
            cs_timeseries_row(opt->timeseries, opt->timeseries_json, &d->row);
            if (now >= d->next_flush) {
                fflush(opt->timeseries);
                d->next_flush = now + CS_NS_PER_S;
            }
        }
        d->next_row += d->interval_ns;
    }
    return d->next_tick += d->tick_ns;
}
static const struct rank_ops dispatcher_ops = {
    .wait = dispatcher_wait,
    .before_turn = dispatcher_before_turn,
    .tick = dispatcher_tick,
};

static int run_coordinator(MPI_Comm comm, const struct cs_scenario *sc, const struct cs_trace *trace,
                           const struct cs_host *h, const struct cs_run_options *opt, const struct cs_coord_part *part,
                           int nodes, int64_t t0, struct cs_coord *c)
{
    struct waiter w;
    int rc = waiter_open(&w, comm, COORD_RECVS, h);
    if (rc)
        return rc;
    rc = cs_coord_init_part(c, sc, part, nodes, trace, &w.tp.ops, &cs_real_clock, t0);
    if (rc == 0) {
        for (int i = 0; i < nodes; i++)
            waiter_hears(&w, part->first_rank + i);
        int64_t interval_ns = (int64_t)(sc->run.interval_ms * 1e6);
        struct dispatcher d = {.c = c,
                               .h = h,
                               .opt = opt,
                               .t0 = t0,
                               .tick_ns = interval_ns < CS_NS_PER_S ? interval_ns : CS_NS_PER_S,
                               .interval_ns = interval_ns,
                               .checkpoint_ns = (int64_t)llround(sc->run.checkpoint_s * 1e9),
                               .next_progress = t0 + CS_NS_PER_S,
                               .next_row = t0 + interval_ns,
                               .next_checkpoint = t0};
        d.next_tick = t0 + d.tick_ns;
        const struct role r = {&cs_coord_role, c, &dispatcher_ops, &d, d.next_tick};
        if (opt->timeseries)
            cs_timeseries_header(opt->timeseries, opt->timeseries_json);
        run_t0 = t0;
        rc = wait_loop(&w, &r);
        cs_coord_interval(c, cs_now_ns(), &d.row); /* the last, partial interval */
        if (opt->timeseries)
            cs_timeseries_row(opt->timeseries, opt->timeseries_json, &d.row);
        if (opt->progress)
            cs_coord_progress_draw(opt->progress, c, cs_now_ns(), true);
    }
    cs_mpi_transport_close(&w.tp);
    return rc;
}

/* A relay as a role: with a peer on another host it polls every
 * run.idle_poll_us (at most IDLE_POLL_MAX_NS). */
struct relay_role {
    int64_t idle_ns;
};
static void relay_wait(const void *self, int64_t now, struct wait_plan *p)
{
    (void)now;
    p->poll_ns = ((const struct relay_role *)self)->idle_ns;
}
static const struct rank_ops relay_ops = {.wait = relay_wait};

/* A service node as a role (below). */
struct node_role {
    struct cs_node *n;
    int64_t idle_ns;
};

/* What a relay or a node on this rank starts from. */
struct role_run {
    const struct cs_scenario *sc;
    int nodes; /* the run's service nodes */
    const struct cs_host *h;
    int64_t t0;
    void *machine; /* its state machine: struct cs_relay or struct cs_node */
    union {
        struct relay_role relay;
        struct node_role node;
    } role;
};

/* One role's run on this rank: the waiter, the role started on its
 * transport by start (which names the peers it hears and fills *r), the
 * one wait loop, and the waiter closed. */
static int run_role(MPI_Comm comm, int nrecv, struct role_run *x,
                    int (*start)(struct role_run *x, struct waiter *w, int rank, struct role *r))
{
    struct waiter w;
    int rank, rc = waiter_open(&w, comm, nrecv, x->h);
    if (rc)
        return rc;
    CS_MPI_CHECK(MPI_Comm_rank(comm, &rank));
    struct role r;
    if ((rc = start(x, &w, rank, &r)) == CS_OK)
        rc = wait_loop(&w, &r);
    cs_mpi_transport_close(&w.tp);
    return rc;
}

/* A relay hears rank 0 and its nodes. */
static int relay_start(struct role_run *x, struct waiter *w, int rank, struct role *r)
{
    struct cs_relay *rl = x->machine;
    int rc = cs_relay_start(rl, x->sc, rank, x->nodes, &w->tp.ops, &cs_real_clock, x->t0);
    if (rc)
        return rc;
    waiter_hears(w, 0);
    for (int i = 0; i < rl->nodes; i++)
        waiter_hears(w, rl->first_rank + i);
    x->role.relay = (struct relay_role){idle_poll(x->sc, x->h, false)};
    *r = (struct role){&cs_relay_role, rl, &relay_ops, &x->role.relay, 0};
    return CS_OK;
}

static int run_relay(MPI_Comm comm, const struct cs_scenario *sc, int nodes, const struct cs_host *h, int64_t t0,
                     struct cs_relay *rl)
{
    struct role_run x = {sc, nodes, h, t0, rl, {{0}}};
    return run_role(comm, COORD_RECVS, &x, relay_start);
}

/* A service node as a role. With a free server it waits for a request;
 * with every server busy new requests could only queue, so it sleeps to
 * the next deadline; in spin mode it burns the CPU while it serves (both
 * looking for messages every CS_BELL_MAX_WAIT_NS: a shutdown, or what
 * queues, in services of seconds).
 * Without a doorbell (a feeder, a dispatcher or a relay, on another host)
 * it polls every run.idle_poll_us, scaled up when ranks outnumber cores
 * (at most IDLE_POLL_MAX_NS). */
static void node_wait(const void *self, int64_t now, struct wait_plan *p)
{
    const struct node_role *nr = self;
    p->deaf = !cs_node_has_free_server(nr->n);
    p->poll_ns = p->deaf ? p->until - now : nr->idle_ns;
    p->burn = !nr->n->catch_up && nr->n->busy > 0; /* spin-emulated service */
    p->exact = true;
}
static const struct rank_ops node_ops = {.wait = node_wait};

/* A node hears its feeders (the dispatchers, or the relays). */
static int node_start(struct role_run *x, struct waiter *w, int rank, struct role *r)
{
    struct cs_node *n = x->machine;
    int rc = cs_node_start(n, x->sc, rank, x->nodes, &w->tp.ops, &cs_real_clock, x->t0, NULL);
    if (rc)
        return rc;
    for (int f = cs_feeder_first(x->sc); f < cs_feeder_first(x->sc) + cs_feeders(x->sc); f++)
        waiter_hears(w, f);
    x->role.node = (struct node_role){n, idle_poll(x->sc, x->h, true)};
    *r = (struct role){&cs_node_role, n, &node_ops, &x->role.node, 0};
    return CS_OK;
}

static int run_node(MPI_Comm comm, const struct cs_scenario *sc, int nodes, const struct cs_host *h, int64_t t0,
                    struct cs_node *n)
{
    struct role_run x = {sc, nodes, h, t0, n, {{0}}};
    return run_role(comm, 1, &x, node_start);
}

/* The ping-pong's own tag (its end is a message of kind shutdown): no
 * message of a run can be taken for one of it. */
#define TAG_PING 100

double cs_mpi_pingpong(MPI_Comm comm, double seconds)
{
    int rank;
    CS_MPI_CHECK(MPI_Comm_rank(comm, &rank));
    quiet_barrier(comm);
    cs_mpi_yield_idle(false); /* timed, as a run's looks are */
    struct cs_msg m = {.kind = CS_MSG_REQUEST};
    double rate = 0;
    if (rank == 0) {
        int64_t start = cs_now_ns(), end = start + (int64_t)(seconds * 1e9), now = start;
        uint64_t trips = 0;
        while (now < end) {
            for (int k = 0; k < 256; k++, trips++) {
                CS_MPI_CHECK(MPI_Send(&m, (int)sizeof(m), MPI_BYTE, 1, TAG_PING, comm));
                CS_MPI_CHECK(MPI_Recv(&m, (int)sizeof(m), MPI_BYTE, 1, TAG_PING, comm, MPI_STATUS_IGNORE));
            }
            now = cs_now_ns();
        }
        rate = (double)trips / ((double)(now - start) / 1e9);
        m.kind = CS_MSG_SHUTDOWN;
        CS_MPI_CHECK(MPI_Send(&m, (int)sizeof(m), MPI_BYTE, 1, TAG_PING, comm));
    } else if (rank == 1) {
        for (;;) {
            CS_MPI_CHECK(MPI_Recv(&m, (int)sizeof(m), MPI_BYTE, 0, TAG_PING, comm, MPI_STATUS_IGNORE));
            if (m.kind == CS_MSG_SHUTDOWN)
                break;
            CS_MPI_CHECK(MPI_Send(&m, (int)sizeof(m), MPI_BYTE, 0, TAG_PING, comm));
        }
    }
    cs_mpi_yield_idle(true);
    quiet_barrier(comm);
    return rate;
}

/* Another dispatcher's report to rank 0 travels as two messages, waited
 * for quietly: the fixed part, then its nodes' completions and waits (a
 * relay's is the fixed part alone). */
#define TAG_REPORT 101
#define TAG_REPORT_NODES 102

static void send_report(MPI_Comm comm, const void *head, int head_bytes, const uint64_t *completed,
                        const uint64_t *waits, int nodes)
{
    uint64_t *both = malloc(2 * (size_t)(nodes > 0 ? nodes : 1) * sizeof(uint64_t));
    if (!both)
        MPI_Abort(comm, 1);
    memcpy(both, completed, (size_t)nodes * sizeof(uint64_t));
    memcpy(both + nodes, waits, (size_t)nodes * sizeof(uint64_t));
    MPI_Request req[2];
    CS_MPI_CHECK(MPI_Isend(head, head_bytes, MPI_BYTE, 0, TAG_REPORT, comm, &req[0]));
    CS_MPI_CHECK(MPI_Isend(both, 2 * nodes, MPI_UINT64_T, 0, TAG_REPORT_NODES, comm, &req[1]));
    cs_mpi_wait_quietly(&req[0]);
    cs_mpi_wait_quietly(&req[1]);
    free(both);
}

/* The report from rank `from` into head, and its nodes' two arrays into
 * a buffer it returns (room for every node of the run). */
static uint64_t *take_report(MPI_Comm comm, int from, void *head, int head_bytes, int service_nodes)
{
    uint64_t *both = malloc(2 * (size_t)(service_nodes > 0 ? service_nodes : 1) * sizeof(uint64_t));
    if (!both)
        MPI_Abort(comm, 1);
    MPI_Request req;
    CS_MPI_CHECK(MPI_Irecv(head, head_bytes, MPI_BYTE, from, TAG_REPORT, comm, &req));
    cs_mpi_wait_quietly(&req);
    CS_MPI_CHECK(MPI_Irecv(both, 2 * service_nodes, MPI_UINT64_T, from, TAG_REPORT_NODES, comm, &req));
    cs_mpi_wait_quietly(&req);
    return both;
}

static void send_dispatch_report(MPI_Comm comm, int rank, const struct cs_coord_measures *m)
{
    struct cs_dispatch_report *d = malloc(sizeof(*d));
    if (!d)
        MPI_Abort(comm, 1);
    cs_dispatch_report_fill(d, rank, m);
    send_report(comm, d, (int)sizeof(*d), m->node_completed, m->node_wait_ns, m->nodes);
    free(d);
}

static void take_dispatch_report(MPI_Comm comm, int from, struct cs_results *r)
{
    struct cs_dispatch_report *d = malloc(sizeof(*d));
    if (!d)
        MPI_Abort(comm, 1);
    uint64_t *nodes = take_report(comm, from, d, (int)sizeof(*d), r->service_nodes);
    cs_results_add_dispatcher(r, d, nodes, nodes + d->nodes);
    free(d);
    free(nodes);
}

static void send_relay_report(MPI_Comm comm, int rank, const struct cs_relay *rl)
{
    struct cs_relay_report d = {.rank = rank, .first_node = rl->first_node, .nodes = rl->nodes};
    memcpy(d.counters, rl->counters, sizeof(d.counters));
    MPI_Request req;
    CS_MPI_CHECK(MPI_Isend(&d, (int)sizeof(d), MPI_BYTE, 0, TAG_REPORT, comm, &req));
    cs_mpi_wait_quietly(&req);
}

static void take_relay_report(MPI_Comm comm, int from, struct cs_results *r)
{
    struct cs_relay_report d;
    MPI_Request req;
    CS_MPI_CHECK(MPI_Irecv(&d, (int)sizeof(d), MPI_BYTE, from, TAG_REPORT, comm, &req));
    cs_mpi_wait_quietly(&req);
    cs_results_add_relay(r, &d);
}

void cs_mpi_run(MPI_Comm comm, const struct cs_scenario *sc, int nodes, const struct cs_trace *trace,
                const struct cs_host *h, const struct cs_run_options *opt, struct cs_results *r)
{
    int rank, size;
    CS_MPI_CHECK(MPI_Comm_rank(comm, &rank));
    CS_MPI_CHECK(MPI_Comm_size(comm, &size));
    cs_clock_tune();
    static unsigned runs; /* this process's, one a call: a sweep's steps, --calibrate's two */
    run_tag = CS_MPI_TAG_FIRST + (int)(runs++ % CS_MPI_TAG_RUNS);

    struct cs_coord coord;
    struct cs_node node;
    struct cs_relay relay;
    memset(&relay, 0, sizeof(relay));
    memset(&coord, 0, sizeof(coord));
    memset(&node, 0, sizeof(node));

    /* Everybody starts the clock together; each rank keeps its own. */
    quiet_barrier(comm);
    CS_MPI_CHECK(MPI_Barrier(comm));
    cs_mpi_yield_idle(false); /* the run's looks: no system call each */
    int64_t t0 = cs_now_ns(), cpu0 = cs_cpu_ns();
    int rc = CS_OK, k = sc->dispatch.dispatchers, first = cs_first_node(sc);
    if (rank < cs_plan_ranks(sc, nodes)) {
        struct cs_place p = cs_plan_place(sc, nodes, rank);
        struct cs_coord_part part = {rank, k, p.first_rank, nodes};
        if (p.role == CS_ROLE_DISPATCHER)
            rc = run_coordinator(comm, sc, rank == 0 ? trace : NULL, h, opt, &part, p.count, t0, &coord);
        else if (p.role == CS_ROLE_RELAY)
            rc = run_relay(comm, sc, nodes, h, t0, &relay);
        else
            rc = run_node(comm, sc, nodes, h, t0, &node);
    }
    /* Ranks past the active nodes sit this step out, napping below. */
    if (rc) {
        fprintf(stderr, "clustersim: rank %d failed (error %d)\n", rank, rc);
        fflush(stderr);
        MPI_Abort(comm, 1);
    }
    cs_mpi_yield_idle(true);

    /* Placement and node counters to rank 0, then the nodes' histograms,
     * merged there: two gathers that wait quietly. */
    struct cs_rank_report *mine = calloc(1, sizeof(*mine)), *all = NULL;
    struct cs_histogram *served = malloc(sizeof(*served)), *hists = NULL;
    if (rank == 0) {
        all = calloc((size_t)size, sizeof(*all));
        hists = malloc((size_t)size * sizeof(*hists));
    }
    if (!mine || !served || (rank == 0 && (!all || !hists)))
        MPI_Abort(comm, 1);
    snprintf(mine->info.host, sizeof(mine->info.host), "%s", h->name);
    mine->info.host_ranks = h->ranks;
    mine->info.host_cores = h->cores;
    mine->info.cpu_ns = cpu0 < 0 ? -1 : cs_cpu_ns() - cpu0;
    memcpy(mine->counters, node.counters, sizeof(mine->counters));
    if (node.service)
        *served = *node.service;
    else
        cs_hist_init(served);
    MPI_Request req;
    CS_MPI_CHECK(MPI_Igather(mine, (int)sizeof(*mine), MPI_BYTE, all, (int)sizeof(*mine), MPI_BYTE, 0, comm, &req));
    cs_mpi_wait_quietly(&req);
    CS_MPI_CHECK(
        MPI_Igather(served, (int)sizeof(*served), MPI_BYTE, hists, (int)sizeof(*served), MPI_BYTE, 0, comm, &req));
    cs_mpi_wait_quietly(&req);
    free(mine);
    if (rank == 0) {
        cs_hist_init(served);
        for (int i = first; i < size; i++)
            cs_hist_add(served, &hists[i]);
        free(hists);
    }

    /* The other dispatchers' measures and the relays' to rank 0, merged there. */
    struct cs_coord_measures m;
    if (rank > 0 && rank < k) {
        cs_coord_measures(&coord, &m);
        send_dispatch_report(comm, rank, &m);
        cs_coord_free(&coord);
    } else if (rank >= k && rank < first) {
        send_relay_report(comm, rank, &relay);
        cs_relay_free(&relay);
    }
    if (rank == 0) {
        cs_coord_measures(&coord, &m);
        cs_results_collect(r, sc, &m, all, served);
        for (int d = 1; d < k; d++)
            take_dispatch_report(comm, d, r);
        for (int d = k; d < first; d++)
            take_relay_report(comm, d, r);
        struct rusage ru;
        r->max_rss_kb = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
        cs_mpi_library(r->library, sizeof(r->library));
        free(all);
        cs_results_analyze(r);
        cs_coord_free(&coord);
    } else if (rank >= first) {
        cs_node_free(&node);
    }
    free(served);
}
