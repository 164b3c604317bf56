/*
 * A calendar queue (R. Brown, CACM 1988) of due times: the virtual
 * engine's service-node wake-ups, one for each busy node. It holds what a
 * binary heap of struct cs_due holds and gives it back in the same order
 * (by time, and at one time by id: heap.h's cs_due_before), so a run is
 * the same to the last bit; but where a pop from a heap of n walks down
 * log2(n) levels, each waiting for the load before it (an eighth of a
 * 1,000-node run's time: docs/reference.md, the virtual engine), the
 * calendar finds the first entry in a bucket or two.
 *
 * Time is cut into buckets of 2^shift ns, `buckets` of them to a "year"
 * that wraps round: an entry lies in bucket (at_ns >> shift) mod buckets,
 * in a list in cs_due order. The first entry is the first of the bucket
 * at hand whose time falls in this year's span of it; if that bucket has
 * none, the next bucket, and so on. Every entry is at or after the start
 * of the span at hand (an entry pushed before it moves the span back).
 *
 * It keeps itself tuned, looking every few thousand operations: a bucket
 * about the mean gap between the entries popped (rounded up to a power
 * of two of nanoseconds; rebuilt when that gap moves by a factor of four),
 * from half a bucket to four buckets an entry (rebuilt when the count
 * passes twice the buckets or falls to a quarter of them). It counts its
 * work: list steps (entries passed to place one) and buckets passed.
 * Long lists right after a rebuild (many entries at one instant, pushed
 * in no order) make it give up its calendar for a binary heap for good:
 * an input it does not suit costs a heap's time, after the few thousand
 * operations that find that out. Many buckets passed only retune it.
 *
 * Pushes must come at or after the time of the last entry popped (an
 * event list: virtual time does not go back); cs_calq_push does not check.
 */
#ifndef CS_CALQ_H
#define CS_CALQ_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/common.h"
#include "cs/heap.h"

struct cs_calq_entry {
    int64_t at_ns; /* INT64_MAX: a bucket with none */
    int32_t id;
    int32_t next; /* the next of its bucket's list (in `more`), or of the spare ones; -1: none */
};

struct cs_calq {
    /* [buckets]: each bucket's first entry, held in the array itself, so
     * that looking through the buckets reads memory in order (a list
     * head's index, then the entry, would be two loads a look, each a
     * cache miss at 100,000 nodes); the rest of its list in `more`. */
    struct cs_calq_entry *bucket;
    struct cs_calq_entry *more; /* [cap] */
    int n, cap;
    int32_t spare;    /* the first entry of `more` not in use; -1: none */
    uint32_t buckets; /* a power of two */
    int shift;        /* a bucket spans 2^shift ns */
    uint32_t cur;     /* the bucket at hand */
    int64_t start;    /* where its span starts this year: no entry is before it */
    bool found;       /* the first entry is bucket[cur]'s (false: not looked for since it changed) */
    /* Since the last look (after CS_CALQ_LOOK operations, or sooner when
     * the work runs up): operations, list steps, buckets passed, and the
     * pops with the times of the first and the last. */
    uint32_t ops, pops;
    uint64_t steps, passed;
    int64_t first_pop_ns, last_pop_ns;
    bool rebuilt; /* the last look rebuilt the calendar */
    /* Non-NULL: the calendar given up, the entries in a binary heap (heap.h). */
    struct cs_due *heap;
    int heap_cap;
};

/* Operations between looks at the work they took. */
#define CS_CALQ_LOOK 4096
/* The list steps, or the buckets passed, an operation may take on
 * average before the calendar is rebuilt, and for list steps, if a
 * rebuild did not help, given up: about what a pop from a heap of a
 * thousand costs. */
#define CS_CALQ_WORK_MAX 12

int cs_calq_init(struct cs_calq *q);
void cs_calq_free(struct cs_calq *q);

/* The slow paths of the inline operations below (calq.c). */
int cs_calq_room(struct cs_calq *q);
void cs_calq_search(struct cs_calq *q);
void cs_calq_look(struct cs_calq *q);

static inline bool cs_calq_before(const struct cs_calq_entry *a, int64_t at_ns, int32_t id)
{
    return a->at_ns != at_ns ? a->at_ns < at_ns : a->id < id;
}

/* Where the span of a bucket that holds t >= 0 starts. */
static inline int64_t cs_calq_span(int64_t t, int shift)
{
    return (int64_t)(((uint64_t)t >> shift) << shift);
}

/* Add (0 <= at_ns < INT64_MAX, id): CS_OK, or CS_E_NOMEM. */
static inline int cs_calq_push(struct cs_calq *q, int64_t at_ns, int32_t id)
{
    if (__builtin_expect(q->spare < 0 || q->n >= 2 * (int64_t)q->buckets || q->heap, 0)) {
        int rc = cs_calq_room(q);
        if (rc != CS_OK)
            return rc;
        if (q->heap) {
            cs_heap_push(q->heap, &q->n, at_ns, id);
            return CS_OK;
        }
    }
    uint32_t b = (uint32_t)(at_ns >> q->shift) & (q->buckets - 1);
    struct cs_calq_entry *h = &q->bucket[b], *more = q->more;
    if (h->at_ns == INT64_MAX) {
        *h = (struct cs_calq_entry){at_ns, id, -1};
    } else {
        int32_t k = q->spare;
        q->spare = more[k].next;
        if (cs_calq_before(h, at_ns, id)) { /* after the bucket's first: into its list */
            int32_t *link = &h->next;
            uint32_t steps = 0;
            while (*link >= 0 && cs_calq_before(&more[*link], at_ns, id)) {
                link = &more[*link].next;
                steps++;
            }
            more[k] = (struct cs_calq_entry){at_ns, id, *link};
            *link = k;
            q->steps += steps;
        } else { /* the bucket's first now: the one that was goes to its list */
            more[k] = *h;
            *h = (struct cs_calq_entry){at_ns, id, k};
        }
    }
    if (q->n == 0 || at_ns < q->start) { /* the first, before the span at hand: the span moves back */
        q->cur = b;
        q->start = cs_calq_span(at_ns, q->shift);
        q->found = true;
    } /* (else one before the first found is in the span at hand: bucket[cur]'s first) */
    q->n++;
    q->ops++;
    return CS_OK;
}

/* The bucket at hand, holding the first entry, in a calendar of n > 0
 * entries. */
static inline struct cs_calq_entry *cs_calq_first(struct cs_calq *q)
{
    if (!q->found) {
        const uint32_t mask = q->buckets - 1;
        const int64_t width = (int64_t)1 << q->shift;
        uint32_t passed = 0;
        /* (An empty bucket's INT64_MAX is never taken for an entry in the
         * span: a span that holds INT64_MAX is the last one, and every
         * entry, at or after its start and below INT64_MAX, lies in it, in
         * bucket cur, which is then not empty. For the same reason start
         * does not overflow.) */
        while (q->bucket[q->cur].at_ns - q->start >= width && passed <= mask) {
            q->cur = (q->cur + 1) & mask;
            q->start += width;
            passed++;
        }
        q->passed += passed;
        if (passed > mask)
            cs_calq_search(q); /* a year without one: the first of every bucket's */
        q->found = true;
    }
    return &q->bucket[q->cur];
}

/* The first entry, into *out: false when there is none. */
static inline bool cs_calq_peek(struct cs_calq *q, struct cs_due *out)
{
    if (q->n == 0)
        return false;
    if (q->heap) {
        *out = q->heap[0];
        return true;
    }
    const struct cs_calq_entry *f = cs_calq_first(q);
    *out = (struct cs_due){f->at_ns, f->id};
    return true;
}

/* Remove and return the first of the n > 0 entries. */
static inline struct cs_due cs_calq_pop(struct cs_calq *q)
{
    if (q->heap)
        return cs_heap_pop(q->heap, &q->n);
    struct cs_calq_entry *h = cs_calq_first(q);
    struct cs_due d = {h->at_ns, h->id};
    int32_t k = h->next;
    if (k >= 0) { /* its list's next is the bucket's first now */
        *h = q->more[k];
        q->more[k].next = q->spare;
        q->spare = k;
    } else {
        h->at_ns = INT64_MAX;
    }
    q->found = false;
    q->n--;
    if (q->pops++ == 0)
        q->first_pop_ns = d.at_ns;
    q->last_pop_ns = d.at_ns;
    if (__builtin_expect(++q->ops >= CS_CALQ_LOOK || q->steps + q->passed > (uint64_t)CS_CALQ_WORK_MAX * CS_CALQ_LOOK,
                         0))
        cs_calq_look(q);
    return d;
}

#endif
