/*
 * A FIFO of fixed-size elements that starts at `initial` elements and
 * doubles as it fills, up to `max` (src/model/ring.c). The coordinator's queues,
 * a service node's queue and the test harness's inboxes are all rings.
 */
#ifndef CS_RING_H
#define CS_RING_H

#include <stdbool.h>
#include <stddef.h>

struct cs_ring {
    char *buf;
    size_t size; /* bytes per element */
    int cap, head, count, initial, max;
};

/* An empty ring; it allocates on the first push. */
void cs_ring_init(struct cs_ring *r, size_t size, int initial, int max);
void cs_ring_free(struct cs_ring *r);

/* Append a copy of e: CS_OK, CS_E_FULL at max elements, CS_E_NOMEM. */
int cs_ring_push(struct cs_ring *r, const void *e);
/* The i-th element from the front (0 <= i < count), and the front. */
void *cs_ring_at(const struct cs_ring *r, int i);
void *cs_ring_front(const struct cs_ring *r);
/* Drop the front element (count > 0). */
void cs_ring_pop(struct cs_ring *r);
/* Drop the elements keep(ctx, e) rejects, in place and in order. */
void cs_ring_compact(struct cs_ring *r, const void *ctx, bool (*keep)(const void *ctx, const void *e));

#endif
