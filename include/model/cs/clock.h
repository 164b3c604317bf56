/*
 * Time: a clock interface the core state machines read through (so tests
 * can drive them with virtual time), the real monotonic clock, and
 * compensated sleeping.
 *
 * clock_nanosleep on a VM overshoots by tens to hundreds of microseconds.
 * cs_sleeper keeps a running mean of the observed overshoot and sleeps to
 * the deadline minus that mean, so the mean wake-up lands on the deadline
 * without spinning. Callers then treat a deadline as reached when it is
 * within cs_sleeper_early_ns() of now.
 */
#ifndef CS_CLOCK_H
#define CS_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/common.h"

struct cs_clock {
    int64_t (*now)(void *ctx);           /* ns, monotonic */
    void (*spin)(void *ctx, int64_t ns); /* burn CPU (or advance virtual time) */
    void (*hold)(void *ctx, int64_t ns); /* stay busy without the CPU: sleep, then spin the last of it
                                            (or advance virtual time) */
    void *ctx;
    const int64_t *time; /* a clock that is a variable (virtual time): now reads it in place,
                            without a call; NULL: call now */
};

static inline int64_t cs_clock_now(const struct cs_clock *c)
{
    return c->time ? *c->time : c->now(c->ctx);
}

/* The real monotonic clock; spin busy-waits, hold sleeps with
 * compensation (cs_sleeper) and spins what is left when it wakes early. */
extern const struct cs_clock cs_real_clock;
int64_t cs_now_ns(void);
void cs_spin_ns(int64_t ns);
/* CPU time this process has used, every thread's, in ns; -1 if unknown. */
int64_t cs_cpu_ns(void);

/* Lower this thread's timer slack to 1 ns (Linux); harmless elsewhere. */
void cs_clock_tune(void);

/* A timed wait that the host overran by more than this is a pause of the
 * host (on a VM: a vCPU the hypervisor did not run or wake on time, which
 * /proc/stat's steal does not always show), not of clustersim. On a quiet
 * host waits overrun by well under a millisecond. */
#define CS_PAUSE_NS (5 * CS_NS_PER_MS)

/* A wait that was to end at due_ns ended at woke_ns: keep the longest
 * overrun in *late_max_ns and count pauses in *pauses. True for a pause. */
static inline bool cs_pause_note(uint64_t *late_max_ns, uint64_t *pauses, int64_t due_ns, int64_t woke_ns)
{
    int64_t late = woke_ns - due_ns;
    if (late > 0 && (uint64_t)late > *late_max_ns)
        *late_max_ns = (uint64_t)late;
    if (late <= CS_PAUSE_NS)
        return false;
    (*pauses)++;
    return true;
}

struct cs_sleeper {
    double overshoot_ns; /* running mean of observed overshoot */
};

void cs_sleeper_init(struct cs_sleeper *s);
/* Sleep until about deadline_ns (absolute, cs_now_ns scale). Returns at
 * once if the deadline is within the expected overshoot. */
void cs_sleep_until(struct cs_sleeper *s, int64_t deadline_ns);
/* Feed one observed overshoot (ns past the target) into the estimate. */
void cs_sleeper_observe(struct cs_sleeper *s, int64_t overshoot_ns);
/* Sleep for about ns (relative), however short: for idle polling, where
 * giving the CPU away matters more than waking on time. */
void cs_nap(int64_t ns);
/* How early a caller should accept a deadline as reached. */
int64_t cs_sleeper_early_ns(const struct cs_sleeper *s);

#endif
