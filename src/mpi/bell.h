/*
 * Doorbells: let a rank sleep until a message arrives or a deadline
 * passes, without polling, when sender and receiver share a host.
 *
 * Open MPI's blocking receive busy-polls, and polling with short sleeps
 * either burns the CPU or delays every message by the polling interval.
 * A doorbell is one word in memory shared by the ranks of a host (an MPI
 * shared-memory window): a waiter arms it, checks for messages once more,
 * then sleeps on it (a futex on Linux; elsewhere short naps that look at
 * the word, bell.c); a sender rings it after each send, which costs a
 * system call only when the receiver is actually asleep. Ranks on other
 * hosts have no doorbell and poll instead.
 *
 * The lost-wake-up race is closed by ordering: the waiter stores ARMED
 * and then checks for messages; the sender makes its message visible and
 * then loads the state. Sequentially consistent fences on both sides mean
 * at least one of them sees the other.
 *
 * "Makes its message visible" is not quite what MPI_Send promises: it
 * returns when the buffer may be reused, and Open MPI's shared-memory
 * path can still hold a small message back, so a woken receiver may look
 * once, find nothing, and sleep on a message that is on its way. A pull
 * node then waited the full CS_BELL_MAX_WAIT_NS (50 ms) for its next
 * request, 14 times in a 2 s run at 5 ranks: the mean delivery of a
 * request was 136 us where its median was 16. So a bell also counts the
 * messages announced to its owner, the owner's transport counts those it
 * took (cs_mpi_due), and while one is announced but not yet taken, the
 * owner looks again instead of sleeping.
 */
#ifndef CS_BELL_H
#define CS_BELL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cs/clock.h"
#include "cs/common.h"

struct cs_bell {
    _Atomic uint32_t state;     /* CS_BELL_IDLE or CS_BELL_ARMED */
    _Atomic uint32_t announced; /* messages rung for since cs_bell_init (wraps) */
    char pad[56];               /* one cache line per bell */
};

enum { CS_BELL_IDLE = 0, CS_BELL_ARMED = 1 };

/* How this build sleeps on a bell: "futex" or "poll" (bell.c). */
extern const char *const cs_bell_kind;

void cs_bell_init(struct cs_bell *b);
/* The waiter is about to check for messages one last time. */
void cs_bell_arm(struct cs_bell *b);
/* The waiter is awake (found a message, was rung, or timed out). */
void cs_bell_disarm(struct cs_bell *b);
/* After a send: count the message, and wake the receiver if it sleeps
 * on this bell. */
void cs_bell_ring(struct cs_bell *b);
/* Even with a doorbell a waiter looks around this often: a bound on the
 * damage if a wake-up were ever missed. */
#define CS_BELL_MAX_WAIT_NS (50 * CS_NS_PER_MS)
/*
 * Sleep on an armed bell until rung or until about deadline_ns (absolute,
 * cs_now_ns scale; INT64_MAX for no deadline) or CS_BELL_MAX_WAIT_NS from
 * now, whichever comes first, compensating for timer overshoot through s
 * like cs_sleep_until. Disarms before returning. Returns true when woken
 * by a ring (or spuriously) before the deadline.
 */
bool cs_bell_wait(struct cs_bell *b, struct cs_sleeper *s, int64_t deadline_ns);

#endif
