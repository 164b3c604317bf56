/*
 * The real clock and compensated sleeping. No MPI, no scheduling policy:
 * callers decide when to sleep and for how long.
 */
#include "cs/clock.h"

#include <time.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cs/common.h"

int64_t cs_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * CS_NS_PER_S + t.tv_nsec;
}

int64_t cs_cpu_ns(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0)
        return -1;
    return (int64_t)t.tv_sec * CS_NS_PER_S + t.tv_nsec;
}

void cs_spin_ns(int64_t ns)
{
    int64_t end = cs_now_ns() + ns;
    while (cs_now_ns() < end) {
    }
}

static int64_t real_now(void *ctx)
{
    (void)ctx;
    return cs_now_ns();
}

static void real_spin(void *ctx, int64_t ns)
{
    (void)ctx;
    cs_spin_ns(ns);
}

/* A hold sleeps to its end less the expected overshoot, but never less
 * than HOLD_SPIN_MAX_NS before it, and spins the rest. The cap matters on
 * a crowded host: there the overshoot (a wake-up that waits for a core)
 * runs into hundreds of microseconds, and spinning that long on every
 * hold took the cores the wake-ups waited for (4 dispatchers and 10
 * nodes on 2 cores: 1.75 cores busy at 13,000 req/s). Past the cap a
 * late wake-up costs the dispatcher time, not the host CPU. */
#define HOLD_SPIN_MAX_NS (20 * CS_NS_PER_US)
static _Thread_local struct cs_sleeper hold_sleeper = {-1}; /* each rank's thread learns its own */

static void real_hold(void *ctx, int64_t ns)
{
    (void)ctx;
    int64_t end = cs_now_ns() + ns;
    if (hold_sleeper.overshoot_ns < 0)
        cs_sleeper_init(&hold_sleeper);
    double early = hold_sleeper.overshoot_ns < HOLD_SPIN_MAX_NS ? hold_sleeper.overshoot_ns : HOLD_SPIN_MAX_NS;
    int64_t target = end - (int64_t)early;
    if (target > cs_now_ns()) {
        struct timespec ts = {(time_t)(target / CS_NS_PER_S), (long)(target % CS_NS_PER_S)};
        if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == 0)
            cs_sleeper_observe(&hold_sleeper, cs_now_ns() - target);
    }
    while (cs_now_ns() < end) {
    }
}

const struct cs_clock cs_real_clock = {real_now, real_spin, real_hold, NULL, NULL};

void cs_clock_tune(void)
{
#ifdef PR_SET_TIMERSLACK
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
#endif
}

/* Overshoot estimates are clamped: a single huge stall (the VM was
 * descheduled) must not make the next sleeps return far too early. */
#define OVERSHOOT_MAX_NS (500 * CS_NS_PER_US)
#define OVERSHOOT_INIT_NS (30 * CS_NS_PER_US)
#define OVERSHOOT_WEIGHT 0.05

void cs_sleeper_init(struct cs_sleeper *s)
{
    s->overshoot_ns = OVERSHOOT_INIT_NS;
}

void cs_nap(int64_t ns)
{
    struct timespec ts = {(time_t)(ns / CS_NS_PER_S), (long)(ns % CS_NS_PER_S)};
    nanosleep(&ts, NULL);
}

int64_t cs_sleeper_early_ns(const struct cs_sleeper *s)
{
    return (int64_t)s->overshoot_ns;
}

void cs_sleep_until(struct cs_sleeper *s, int64_t deadline_ns)
{
    int64_t target = deadline_ns - (int64_t)s->overshoot_ns;
    if (target <= cs_now_ns())
        return;
    struct timespec ts = {(time_t)(target / CS_NS_PER_S), (long)(target % CS_NS_PER_S)};
    /* A signal cuts the sleep short; the caller looks around and decides. */
    if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == 0)
        cs_sleeper_observe(s, cs_now_ns() - target);
}

void cs_sleeper_observe(struct cs_sleeper *s, int64_t overshoot_ns)
{
    double over = (double)overshoot_ns;
    if (over < 0)
        over = 0;
    if (over > OVERSHOOT_MAX_NS)
        over = OVERSHOOT_MAX_NS;
    s->overshoot_ns += OVERSHOOT_WEIGHT * (over - s->overshoot_ns);
}
