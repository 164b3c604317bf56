/*
 * A FIFO of fixed-size elements that starts at `initial` elements and
 * doubles as it fills, up to `max` (src/model/ring.c). The coordinator's queues,
 * a service node's queue and the test harness's inboxes are all rings.
 */
#ifndef CS_RING_H
#define CS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cs/common.h"

struct cs_ring {
    char *buf;
    size_t size; /* bytes per element */
    int cap, head, count, initial, max;
};

/* An empty ring; it allocates on the first push. */
void cs_ring_init(struct cs_ring *r, size_t size, int initial, int max);
void cs_ring_free(struct cs_ring *r);

/* The i-th element from the front (0 <= i < count), and the front. */
static inline void *cs_ring_at(const struct cs_ring *r, int i)
{
    int k = r->head + i;
    if (k >= r->cap)
        k -= r->cap;
    return r->buf + (size_t)k * r->size;
}

static inline void *cs_ring_front(const struct cs_ring *r)
{
    return r->buf + (size_t)r->head * r->size;
}

/* A full ring's push: it grows (ring.c). */
int cs_ring_push_grown(struct cs_ring *r, const void *e);

/* Append a copy of e, of size bytes (the ring's element size: a constant
 * at the call copies without a call): CS_OK, CS_E_FULL at max elements,
 * CS_E_NOMEM. Inline: a service node queues every request it takes. */
static inline int cs_ring_push_sized(struct cs_ring *r, const void *e, size_t size)
{
    if (r->count == r->cap)
        return cs_ring_push_grown(r, e);
    memcpy(cs_ring_at(r, r->count), e, size);
    r->count++;
    return CS_OK;
}

static inline int cs_ring_push(struct cs_ring *r, const void *e)
{
    return cs_ring_push_sized(r, e, r->size);
}

/* Drop the front element (count > 0). */
static inline void cs_ring_pop(struct cs_ring *r)
{
    if (++r->head == r->cap)
        r->head = 0;
    r->count--;
}
/* Drop the elements keep(ctx, e) rejects, in place and in order. */
void cs_ring_compact(struct cs_ring *r, const void *ctx, bool (*keep)(const void *ctx, const void *e));

#endif
