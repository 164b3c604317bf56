/*
 * Doorbells over Linux futexes; see bell.h for the protocol. Elsewhere a
 * wait is a plain compensated sleep bounded to a short interval, which is
 * correct but polls.
 */
#include "cs/bell.h"

#include <time.h>

#include "cs/common.h"

#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

void cs_bell_init(struct cs_bell *b)
{
    atomic_store(&b->state, CS_BELL_IDLE);
    atomic_store(&b->announced, 0);
}

void cs_bell_arm(struct cs_bell *b)
{
    atomic_store(&b->state, CS_BELL_ARMED);
    atomic_thread_fence(memory_order_seq_cst);
}

void cs_bell_disarm(struct cs_bell *b)
{
    atomic_store(&b->state, CS_BELL_IDLE);
}

void cs_bell_ring(struct cs_bell *b)
{
    atomic_fetch_add(&b->announced, 1);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&b->state, memory_order_relaxed) != CS_BELL_ARMED)
        return;
    if (atomic_exchange(&b->state, CS_BELL_IDLE) != CS_BELL_ARMED)
        return;
#ifdef __linux__
    syscall(SYS_futex, (void *)(uintptr_t)&b->state, FUTEX_WAKE, 1, NULL, NULL, 0);
#endif
}

bool cs_bell_wait(struct cs_bell *b, struct cs_sleeper *s, int64_t deadline_ns)
{
    int64_t now = cs_now_ns();
    int64_t limit = now + CS_BELL_MAX_WAIT_NS;
    bool bounded = deadline_ns < limit;
    int64_t target = bounded ? deadline_ns - (int64_t)s->overshoot_ns : limit;
    bool rung = false;
    if (target > now) {
        rung = true;
#ifdef __linux__
        struct timespec ts = {(time_t)(target / CS_NS_PER_S), (long)(target % CS_NS_PER_S)};
        syscall(SYS_futex, (void *)(uintptr_t)&b->state, FUTEX_WAIT_BITSET, CS_BELL_ARMED, &ts, NULL,
                FUTEX_BITSET_MATCH_ANY);
#else
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
#endif
        int64_t woke = cs_now_ns();
        if (woke >= target) {
            rung = false;
            if (bounded)
                cs_sleeper_observe(s, woke - target);
        }
    }
    cs_bell_disarm(b);
    return rung;
}
