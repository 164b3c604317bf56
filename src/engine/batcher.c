/*
 * Outgoing batches (batcher.h). A box that opens goes on the `open` ring
 * with its generation; since every box waits the same wait_ns, the ring
 * is in due order, and an entry whose box was sent full meanwhile (its
 * generation moved on) is dropped when it reaches the head.
 */
#include "cs/batcher.h"

#include <stdlib.h>
#include <string.h>

#include "cs/common.h"

struct opened {
    int box;
    uint32_t gen;
};

int cs_batcher_init(struct cs_batcher *b, const struct cs_transport *tp, int boxes, int dest_base, int batch,
                    int64_t wait_ns)
{
    memset(b, 0, sizeof(*b));
    b->tp = tp;
    b->boxes = boxes;
    b->dest_base = dest_base;
    b->batch = batch < 1 ? 1 : batch > CS_BATCH_MAX ? CS_BATCH_MAX : batch;
    b->wait_ns = wait_ns > 0 ? wait_ns : 0;
    cs_ring_init(&b->open, sizeof(struct opened), 64, INT32_MAX);
    if (b->batch == 1)
        return CS_OK;
    b->box = calloc((size_t)boxes, sizeof(*b->box));
    b->items = malloc((size_t)boxes * (size_t)b->batch * sizeof(*b->items));
    if (!b->box || !b->items) {
        cs_batcher_free(b);
        return CS_E_NOMEM;
    }
    return CS_OK;
}

void cs_batcher_free(struct cs_batcher *b)
{
    cs_ring_free(&b->open);
    free(b->box);
    free(b->items);
    b->box = NULL;
    b->items = NULL;
}

static int send_box(struct cs_batcher *b, int i)
{
    struct cs_box *x = &b->box[i];
    int rc = cs_batcher_send_now(b, b->dest_base + i, &b->items[(size_t)i * (size_t)b->batch], x->n);
    x->n = 0;
    x->gen++;
    return rc;
}

int cs_batcher_put_boxed(struct cs_batcher *b, int dest, const struct cs_msg *m, int64_t now)
{
    int i = dest - b->dest_base;
    if (i < 0 || i >= b->boxes)
        return CS_E_TRANSPORT;
    struct cs_box *x = &b->box[i];
    if (x->n == 0) {
        int rc = cs_ring_push(&b->open, &(struct opened){i, x->gen});
        if (rc < 0)
            return rc;
        x->opened_ns = now;
    }
    b->items[(size_t)i * (size_t)b->batch + (size_t)x->n++] = *m;
    return x->n == b->batch ? send_box(b, i) : 0;
}

/* Drop stale entries at the head: boxes that went full meanwhile. */
static void skip_stale(struct cs_batcher *b)
{
    while (b->open.count > 0) {
        const struct opened *o = cs_ring_front(&b->open);
        if (b->box[o->box].n > 0 && b->box[o->box].gen == o->gen)
            return;
        cs_ring_pop(&b->open);
    }
}

int cs_batcher_flush_open(struct cs_batcher *b, int64_t now)
{
    int sent = 0;
    for (skip_stale(b); b->open.count > 0; skip_stale(b)) {
        const struct opened *o = cs_ring_front(&b->open);
        if (b->box[o->box].opened_ns + b->wait_ns > now)
            break;
        int box = o->box;
        cs_ring_pop(&b->open);
        int rc = send_box(b, box);
        if (rc < 0)
            return rc;
        sent += rc;
    }
    return sent;
}

int64_t cs_batcher_due_open(const struct cs_batcher *b)
{
    for (int k = 0; k < b->open.count; k++) {
        const struct opened *o = cs_ring_at(&b->open, k);
        if (b->box[o->box].n > 0 && b->box[o->box].gen == o->gen)
            return b->box[o->box].opened_ns + b->wait_ns;
    }
    return INT64_MAX;
}

int cs_batcher_waiting(const struct cs_batcher *b)
{
    int n = 0;
    for (int i = 0; b->batch > 1 && i < b->boxes; i++)
        n += b->box[i].n;
    return n;
}
