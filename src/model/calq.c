/*
 * The calendar queue's slow paths: growing, retuning, the search past a
 * year without an entry, and giving the calendar up for a heap. See
 * calq.h.
 */
#include "cs/calq.h"

#include <stdlib.h>
#include <string.h>

#include "cs/pool.h"

#define FEWEST_BUCKETS 16u
#define FIRST_SHIFT 10 /* a microsecond, until the entries say better */
#define WIDEST_SHIFT 40

static void empty_buckets(struct cs_calq_entry *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        b[i] = (struct cs_calq_entry){INT64_MAX, 0, -1};
}

int cs_calq_init(struct cs_calq *q)
{
    *q = (struct cs_calq){.spare = -1, .buckets = FEWEST_BUCKETS, .shift = FIRST_SHIFT};
    q->bucket = malloc(FEWEST_BUCKETS * sizeof(*q->bucket));
    if (!q->bucket)
        return CS_E_NOMEM;
    empty_buckets(q->bucket, FEWEST_BUCKETS);
    return CS_OK;
}

void cs_calq_free(struct cs_calq *q)
{
    free(q->bucket);
    free(q->more);
    free(q->heap);
    *q = (struct cs_calq){0};
}

/* Every entry into v (room for n): how many. */
static int collect(const struct cs_calq *q, struct cs_calq_entry *v)
{
    int k = 0;
    for (uint32_t b = 0; b < q->buckets; b++) {
        if (q->bucket[b].at_ns == INT64_MAX)
            continue;
        v[k++] = q->bucket[b];
        for (int32_t i = q->bucket[b].next; i >= 0; i = q->more[i].next)
            v[k++] = q->more[i];
    }
    return k;
}

static int by_due(const void *a, const void *b)
{
    const struct cs_calq_entry *x = a, *y = b;
    if (x->at_ns != y->at_ns)
        return x->at_ns < y->at_ns ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* The shift of a bucket as wide as a gap of gap_ns, rounded up to a
 * power of two. Brown's rule is three gaps: fewer empty buckets to pass,
 * but lists three long to walk, and at 100,000 nodes each step of a list
 * is a cache miss (the run of docs/reference.md's virtual engine, the
 * two binaries alternating: medians of 5 and 4 rounds 3% slower at 1,000
 * nodes, 7% at 100,000). */
static int shift_for(double gap_ns)
{
    int shift = 0;
    while (shift < WIDEST_SHIFT && (double)((int64_t)1 << shift) < gap_ns)
        shift++;
    return shift;
}

/* The mean gap between the entries popped since the last look; 0: too
 * few pops to tell. */
static double popped_gap(const struct cs_calq *q)
{
    return q->pops >= 16 ? (double)(q->last_pop_ns - q->first_pop_ns) / (q->pops - 1) : 0;
}

/* The shift for n entries in order in v: from the gaps of the entries
 * popped since the last look, or with too few of them, from the first 64
 * entries' (or as many as it takes to find a gap at all). */
static int tuned_shift(const struct cs_calq *q, const struct cs_calq_entry *v, int n)
{
    double gap = popped_gap(q);
    if (gap > 0 || n < 2)
        return gap > 0 ? shift_for(gap) : FIRST_SHIFT;
    int m = n - 1 < 64 ? n - 1 : 64;
    while (m < n - 1 && v[m].at_ns == v[0].at_ns)
        m = 2 * m < n - 1 ? 2 * m : n - 1;
    return shift_for((double)(v[m].at_ns - v[0].at_ns) / m);
}

/* The calendar again, with `buckets` buckets and its bucket width tuned
 * to the entries: CS_OK, or CS_E_NOMEM (and the queue as it was). */
static int rebuild(struct cs_calq *q, uint32_t buckets)
{
    struct cs_calq_entry *v = malloc((size_t)(q->n ? q->n : 1) * sizeof(*v));
    struct cs_calq_entry *bucket = malloc(buckets * sizeof(*bucket));
    /* (`more` may have to hold every entry but one: a wider bucket puts
     * more of them in one) */
    struct cs_calq_entry *more = q->cap < q->n ? realloc(q->more, (size_t)q->n * sizeof(*more)) : q->more;
    if (more) {
        q->more = more;
        q->cap = q->cap < q->n ? q->n : q->cap;
    }
    if (!v || !bucket || !more) {
        free(v);
        free(bucket);
        return CS_E_NOMEM;
    }
    qsort(v, (size_t)collect(q, v), sizeof(*v), by_due);
    empty_buckets(bucket, buckets);
    free(q->bucket);
    q->bucket = bucket;
    q->buckets = buckets;
    q->shift = tuned_shift(q, v, q->n);
    q->spare = -1;
    for (int i = q->cap - 1; i >= 0; i--) {
        q->more[i].next = q->spare;
        q->spare = i;
    }
    /* The entries back in, the last first, each its bucket's first: every
     * list comes out in order. */
    for (int i = q->n - 1; i >= 0; i--) {
        struct cs_calq_entry *h = &bucket[(uint32_t)(v[i].at_ns >> q->shift) & (buckets - 1)];
        int32_t next = -1;
        if (h->at_ns != INT64_MAX) {
            next = q->spare;
            q->spare = q->more[next].next;
            q->more[next] = *h;
        }
        *h = (struct cs_calq_entry){v[i].at_ns, v[i].id, next};
    }
    q->found = q->n > 0;
    if (q->found) {
        q->cur = (uint32_t)(v[0].at_ns >> q->shift) & (buckets - 1);
        q->start = cs_calq_span(v[0].at_ns, q->shift);
    }
    free(v);
    return CS_OK;
}

/* The calendar given up: its entries in a binary heap from now on. */
static int to_heap(struct cs_calq *q)
{
    int cap = q->n > 32 ? q->n + q->n / 2 : 64, n = 0;
    struct cs_due *h = malloc((size_t)cap * sizeof(*h));
    struct cs_calq_entry *v = malloc((size_t)(q->n ? q->n : 1) * sizeof(*v));
    if (!h || !v) {
        free(h);
        free(v);
        return CS_E_NOMEM;
    }
    for (int i = 0, k = collect(q, v); i < k; i++)
        cs_heap_push(h, &n, v[i].at_ns, v[i].id);
    free(v);
    free(q->bucket);
    free(q->more);
    q->bucket = q->more = NULL;
    q->cap = 0;
    q->heap = h;
    q->heap_cap = cap;
    return CS_OK;
}

static uint32_t buckets_for(int64_t n)
{
    uint32_t b = FEWEST_BUCKETS;
    while (b < n && b < (1u << 30))
        b <<= 1;
    return b;
}

int cs_calq_room(struct cs_calq *q)
{
    if (q->heap) {
        if (q->n < q->heap_cap)
            return CS_OK;
        struct cs_due *h = cs_grow(q->heap, &q->heap_cap, sizeof(*h), 64);
        if (!h)
            return CS_E_NOMEM;
        q->heap = h;
        return CS_OK;
    }
    if (q->spare < 0) {
        int old = q->cap;
        struct cs_calq_entry *more = cs_grow(q->more, &q->cap, sizeof(*more), 64);
        if (!more)
            return CS_E_NOMEM;
        q->more = more;
        for (int i = q->cap - 1; i >= old; i--) {
            more[i].next = q->spare;
            q->spare = i;
        }
    }
    /* (out of memory for the buckets the entries need: the push fails, and
     * the run ends saying so) */
    if (q->n >= 2 * (int64_t)q->buckets)
        return rebuild(q, buckets_for(2 * (int64_t)q->n));
    return CS_OK;
}

void cs_calq_search(struct cs_calq *q)
{
    uint32_t f = 0;
    for (uint32_t b = 1; b < q->buckets; b++)
        if (cs_calq_before(&q->bucket[b], q->bucket[f].at_ns, q->bucket[f].id))
            f = b;
    q->passed += q->buckets;
    q->cur = f;
    q->start = cs_calq_span(q->bucket[f].at_ns, q->shift);
}

void cs_calq_look(struct cs_calq *q)
{
    bool long_lists = q->steps > (uint64_t)CS_CALQ_WORK_MAX * q->ops;
    bool passing = q->passed > (uint64_t)CS_CALQ_WORK_MAX * q->ops;
    double gap = popped_gap(q);
    bool off = gap > 0 && abs(shift_for(gap) - q->shift) >= 2;
    bool shrink = q->n < (int64_t)q->buckets / 4 && q->buckets > FEWEST_BUCKETS;
    /* (a rebuild or a switch that finds no memory leaves the queue as it
     * was: it works, only slower) */
    if (long_lists && q->rebuilt)
        (void)to_heap(q);
    else
        q->rebuilt = (long_lists || passing || off || shrink) && rebuild(q, buckets_for(q->n)) == CS_OK;
    q->ops = q->pops = 0;
    q->steps = q->passed = 0;
}
