/*
 * Batching of outgoing messages (dispatch.batch, dispatch.batch_wait_us):
 * what a rank sends to one destination collects in that destination's
 * box until the box holds `batch` items, or its oldest item has waited
 * wait_ns; then the box goes as one transport message. With batch 1 every
 * item goes at once, as its own message. The coordinator batches its
 * requests per service node; a node batches its replies per dispatcher.
 * A caller flushes what is due (cs_batcher_flush) at the end of each of
 * its turns and wakes for cs_batcher_due().
 */
#ifndef CS_BATCHER_H
#define CS_BATCHER_H

#include <stdint.h>

#include "cs/ring.h"
#include "cs/transport.h"

struct cs_box {
    int n;             /* items waiting */
    int64_t opened_ns; /* when the first of them came */
    uint32_t gen;      /* bumped at every send */
};

struct cs_batcher {
    /* What every message touches first: a node's look reads the first 32
     * bytes, and open's count when it batches. */
    const struct cs_transport *tp;
    int batch;           /* most items per message, 1..CS_BATCH_MAX */
    int boxes;           /* destinations: ranks dest_base .. dest_base + boxes - 1 */
    uint64_t messages;   /* sent, any kind */
    uint64_t items_sent; /* items in them */
    struct cs_ring open; /* (box, gen) of boxes in the order they opened */
    int64_t wait_ns;     /* longest an item waits for its batch to fill */
    int dest_base;
    struct cs_box *box;   /* [boxes], with batch > 1 */
    struct cs_msg *items; /* [boxes * batch], with batch > 1 */
};

int cs_batcher_init(struct cs_batcher *b, const struct cs_transport *tp, int boxes, int dest_base, int batch,
                    int64_t wait_ns);
void cs_batcher_free(struct cs_batcher *b);

/* Send m[0..n-1] to dest at once as one message, bypassing the boxes
 * (control messages). Counted like the rest. 1, or a negative CS_E code. */
static inline int cs_batcher_send_now(struct cs_batcher *b, int dest, const struct cs_msg *m, int n)
{
    int rc = b->tp->send(b->tp->ctx, dest, m, n);
    if (rc < 0)
        return rc;
    b->messages++;
    b->items_sent += (uint64_t)n;
    return 1;
}

int cs_batcher_put_boxed(struct cs_batcher *b, int dest, const struct cs_msg *m, int64_t now);

/* Queue m for rank dest at time now; the box goes when it is full (with
 * batch 1, at once: every request and reply of an unbatched run, inline).
 * Returns the messages sent (0 or 1) or a negative CS_E code. */
static inline int cs_batcher_put(struct cs_batcher *b, int dest, const struct cs_msg *m, int64_t now)
{
    return b->batch == 1 ? cs_batcher_send_now(b, dest, m, 1) : cs_batcher_put_boxed(b, dest, m, now);
}

/* Send every box whose oldest item has waited wait_ns by now (with
 * wait_ns 0: every box). Returns the messages sent or a negative CS_E code.
 * Inline where no box is open (always with batch 1): it runs at every turn. */
int cs_batcher_flush_open(struct cs_batcher *b, int64_t now);
static inline int cs_batcher_flush(struct cs_batcher *b, int64_t now)
{
    return b->open.count > 0 ? cs_batcher_flush_open(b, now) : 0;
}

/* When the next box falls due, INT64_MAX when none waits. */
int64_t cs_batcher_due_open(const struct cs_batcher *b);
static inline int64_t cs_batcher_due(const struct cs_batcher *b)
{
    return b->open.count > 0 ? cs_batcher_due_open(b) : INT64_MAX;
}

/* Items waiting in boxes. */
int cs_batcher_waiting(const struct cs_batcher *b);

#endif
