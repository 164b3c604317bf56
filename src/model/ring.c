/*
 * The growable FIFO of ring.h: a circular buffer, straightened out into a
 * buffer twice the size when it fills.
 */
#include "cs/ring.h"

#include <stdlib.h>
#include <string.h>

#include "cs/common.h"

void cs_ring_init(struct cs_ring *r, size_t size, int initial, int max)
{
    *r = (struct cs_ring){.size = size, .initial = initial, .max = max};
}

void cs_ring_free(struct cs_ring *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = r->head = r->count = 0;
}

int cs_ring_push_grown(struct cs_ring *r, const void *e)
{
    if (r->count >= r->max)
        return CS_E_FULL;
    int ncap = r->cap ? r->cap * 2 : r->initial;
    if (ncap > r->max)
        ncap = r->max;
    char *n = malloc((size_t)ncap * r->size);
    if (!n)
        return CS_E_NOMEM;
    for (int i = 0; i < r->count; i++)
        memcpy(n + (size_t)i * r->size, cs_ring_at(r, i), r->size);
    free(r->buf);
    r->buf = n;
    r->cap = ncap;
    r->head = 0;
    memcpy(cs_ring_at(r, r->count), e, r->size);
    r->count++;
    return CS_OK;
}

void cs_ring_compact(struct cs_ring *r, const void *ctx, bool (*keep)(const void *ctx, const void *e))
{
    int kept = 0;
    for (int i = 0; i < r->count; i++) {
        void *e = cs_ring_at(r, i);
        if (keep(ctx, e)) {
            if (kept != i)
                memcpy(cs_ring_at(r, kept), e, r->size);
            kept++;
        }
    }
    r->count = kept;
}
