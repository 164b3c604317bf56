/* The growable FIFO: order kept across wrap-around and growth, the cap,
 * and compaction in place. The record pool: records keep their index and
 * contents as it grows, a record given back is the next one taken, new
 * ones start blank. The min-heap of wake-ups: it pops by time, and at
 * one time by id (the virtual engine's order at one instant). The
 * calendar queue of the nodes' wake-ups: the heap's order, whatever
 * comes, as it grows, shrinks, retunes and gives up for a heap. */
#include "test_common.h"

#include "cs/calq.h"
#include "cs/common.h"
#include "cs/heap.h"
#include "cs/pool.h"
#include "cs/ring.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

static void order_survives_wrapping_and_growing(void **state)
{
    (void)state;
    struct cs_ring r;
    cs_ring_init(&r, sizeof(int), 4, 1000);
    int next_in = 0, next_out = 0;
    /* Push 3, pop 2, repeatedly: the ring wraps and grows as it goes. */
    for (int round = 0; round < 200; round++) {
        for (int k = 0; k < 3; k++, next_in++)
            assert_int_equal(cs_ring_push(&r, &next_in), CS_OK);
        for (int k = 0; k < 2; k++) {
            assert_int_equal(*(int *)cs_ring_front(&r), next_out++);
            cs_ring_pop(&r);
        }
    }
    assert_int_equal(r.count, 200);
    for (int i = 0; i < r.count; i++)
        assert_int_equal(*(int *)cs_ring_at(&r, i), next_out + i);
    cs_ring_free(&r);
}

static void the_ring_stops_at_its_max(void **state)
{
    (void)state;
    struct cs_ring r;
    cs_ring_init(&r, sizeof(int), 2, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(cs_ring_push(&r, &i), CS_OK);
    int x = 9;
    assert_int_equal(cs_ring_push(&r, &x), CS_E_FULL);
    assert_int_equal(r.count, 5);
    cs_ring_free(&r);
}

static bool even(const void *ctx, const void *e)
{
    (void)ctx;
    return *(const int *)e % 2 == 0;
}

static void compaction_keeps_order_in_place(void **state)
{
    (void)state;
    struct cs_ring r;
    cs_ring_init(&r, sizeof(int), 4, 100);
    for (int i = 0; i < 10; i++)
        cs_ring_push(&r, &i);
    cs_ring_pop(&r); /* 0 leaves: the head is off the buffer's start */
    cs_ring_compact(&r, NULL, even);
    assert_int_equal(r.count, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(*(int *)cs_ring_at(&r, i), 2 * (i + 1));
    cs_ring_free(&r);
}

struct rec {
    int64_t value;
    int32_t node;
    int32_t next_free;
};

static void the_pool_keeps_records_by_index(void **state)
{
    (void)state;
    static const struct rec blank = {.node = -1};
    struct cs_pool p;
    cs_pool_init(&p, sizeof(struct rec), offsetof(struct rec, next_free), 2, &blank);
    int taken[100];
    for (int i = 0; i < 100; i++) { /* grows 2, 4, ..., 128 */
        taken[i] = cs_pool_take(&p);
        assert_true(taken[i] >= 0 && taken[i] < p.cap);
        struct rec *r = cs_pool_at(&p, taken[i]);
        assert_int_equal(r->node, -1); /* new: blank */
        r->value = 1000 + i;
        r->node = i;
    }
    assert_int_equal(p.cap, 128);
    for (int i = 0; i < 100; i++) { /* every index distinct, every record as written */
        const struct rec *r = cs_pool_at(&p, taken[i]);
        assert_int_equal(r->value, 1000 + i);
        assert_int_equal(r->node, i);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(taken[i], taken[j]);
    }
    cs_pool_put(&p, taken[17]);
    cs_pool_put(&p, taken[42]);
    assert_int_equal(cs_pool_take(&p), taken[42]); /* the last given back first */
    int again = cs_pool_take(&p);
    assert_int_equal(again, taken[17]);
    assert_int_equal(((struct rec *)cs_pool_at(&p, again))->value, 1017); /* as it was given back */
    assert_int_equal(p.cap, 128);
    cs_pool_free(&p);

    int cap = 0;
    int *v = cs_grow(NULL, &cap, sizeof(int), 3);
    assert_non_null(v);
    assert_int_equal(cap, 3);
    v = cs_grow(v, &cap, sizeof(int), 3);
    assert_int_equal(cap, 6);
    free(v);
}

/* The heap against a plain list searched in full: every pop gives the
 * entry of the earliest time and, among those, of the lowest id. */
static void the_heap_pops_by_time_then_id(void **state)
{
    (void)state;
    enum { N = 2000 };
    struct cs_due *a = malloc(N * sizeof(*a)), *b = malloc(N * sizeof(*b));
    assert_non_null(a);
    assert_non_null(b);
    int na = 0, nb = 0, pops = 0, ties = 0;
    uint64_t x = 12345;
    int64_t last = 0;
    /* Pushes and pops mixed, times from a few values (many ties), ids
     * pushed in no order (a rank's wake-up kind), every pushed time at or
     * after the last popped, as in an event list. */
    for (int step = 0; step < 40000 || na > 0; step++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        if (step < 40000 && na < N && (na == 0 || (x >> 33) % 3 != 0)) {
            int64_t at = last + (int64_t)((x >> 40) % 8);
            int32_t id = (int32_t)((x >> 20) % 512);
            cs_heap_push(a, &na, at, id);
            b[nb++] = (struct cs_due){at, id};
            continue;
        }
        int first = 0;
        for (int i = 1; i < nb; i++)
            if (b[i].at_ns < b[first].at_ns || (b[i].at_ns == b[first].at_ns && b[i].id < b[first].id))
                first = i;
        struct cs_due p = cs_heap_pop(a, &na), q = b[first];
        b[first] = b[--nb];
        assert_int_equal(p.at_ns, q.at_ns);
        assert_int_equal(p.id, q.id);
        ties += p.at_ns == last && pops > 0;
        last = p.at_ns;
        pops++;
    }
    assert_int_equal(nb, 0);
    assert_true(pops > 20000);
    assert_true(ties > 1000); /* the order at one time was put to the test */
    free(a);
    free(b);
}

/* ---- the calendar queue (calq.h): the heap's order, whatever comes ---- */

struct model {
    struct cs_calq q;
    struct cs_due *ref; /* the same entries in a heap, tested above */
    int nref, cap;
    int64_t last; /* the time of the last pop */
    uint64_t x;   /* a generator's state */
    long pops, ties;
};

static uint64_t next_random(struct model *m)
{
    m->x = m->x * 6364136223846793005ULL + 1442695040888963407ULL;
    return m->x >> 11;
}

static void model_open(struct model *m, int cap, uint64_t seed)
{
    *m = (struct model){.cap = cap, .x = seed};
    assert_int_equal(cs_calq_init(&m->q), CS_OK);
    m->ref = malloc((size_t)cap * sizeof(*m->ref));
    assert_non_null(m->ref);
}

static void model_close(struct model *m)
{
    cs_calq_free(&m->q);
    free(m->ref);
}

static void model_push(struct model *m, int64_t at, int32_t id)
{
    assert_true(m->nref < m->cap);
    assert_int_equal(cs_calq_push(&m->q, at, id), CS_OK);
    cs_heap_push(m->ref, &m->nref, at, id);
    assert_int_equal(m->q.n, m->nref);
}

/* Peek, then pop: both the heap's first. */
static struct cs_due model_pop(struct model *m)
{
    struct cs_due seen, want = cs_heap_pop(m->ref, &m->nref);
    assert_true(cs_calq_peek(&m->q, &seen));
    struct cs_due got = cs_calq_pop(&m->q);
    assert_int_equal(seen.at_ns, want.at_ns);
    assert_int_equal(seen.id, want.id);
    assert_int_equal(got.at_ns, want.at_ns);
    assert_int_equal(got.id, want.id);
    m->ties += m->pops > 0 && got.at_ns == m->last;
    m->last = got.at_ns;
    m->pops++;
    return got;
}

static void model_drain(struct model *m)
{
    while (m->nref > 0)
        model_pop(m);
    struct cs_due none;
    assert_false(cs_calq_peek(&m->q, &none));
}

/* A hold model: n entries, each popped one pushed again a draw later,
 * as a busy node's next service end is; between the pop and the push a
 * look at the next (as the virtual engine's look ahead takes one), so
 * that a push may come before the entry found. */
static void hold(struct model *m, int n, long rounds, int64_t (*draw)(struct model *))
{
    for (int i = 0; i < n; i++)
        model_push(m, m->last + draw(m), i);
    for (long r = 0; r < rounds; r++) {
        struct cs_due d = model_pop(m), next;
        (void)cs_calq_peek(&m->q, &next);
        model_push(m, d.at_ns + draw(m), d.id);
    }
}

static int64_t exponential_1ms(struct model *m)
{
    double u = ((double)next_random(m) + 1) / 9007199254740993.0;
    return (int64_t)(-log(u) * 1e6);
}

static int64_t exponential_8ms(struct model *m)
{
    return exponential_1ms(m) * 8;
}

/* Whole nanoseconds within a microsecond: now and then two at one time. */
static int64_t within_1us(struct model *m)
{
    return (int64_t)(next_random(m) % 1000);
}

static int64_t constant_1ms(struct model *m)
{
    (void)m;
    return 1000000;
}

/* Mostly near, now and then years of buckets away, or at once. */
static int64_t spread(struct model *m)
{
    uint64_t r = next_random(m);
    if (r % 50 == 0)
        return (int64_t)(r % 1000) * 1000000000; /* up to 1,000 s */
    if (r % 7 == 0)
        return 0;
    return (int64_t)(r % 5000);
}

static void the_calendar_pops_as_the_heap_does(void **state)
{
    (void)state;
    struct model m;
    /* The load it is made for: it grows, stays tuned, and stays a
     * calendar (a heap would pass the order checks too: these check it is
     * not one). A bucket about the mean gap at the head: 5000 entries over
     * 1 ms, 200 ns, so 256 (128 or 512 as the draws fall). */
    model_open(&m, 20000, 1);
    hold(&m, 5000, 200000, exponential_1ms);
    assert_null(m.q.heap);
    assert_true(m.q.buckets >= 2048); /* grown with the entries */
    assert_in_range(m.q.shift, 7, 9);
    /* The services turn eight times longer: the buckets follow (each
     * entry popped once comes back 8 ms on: 5000 over 8 ms, 1.6 us, so
     * 2048 ns, or 1024 or 4096), though a pop passes only some 8 empty
     * buckets, not enough work to call for a rebuild. */
    hold(&m, 0, 50000, exponential_8ms);
    assert_null(m.q.heap);
    assert_in_range(m.q.shift, 10, 12);
    /* Fewer entries: it shrinks (and stays right). */
    for (int i = 0; i < 4900; i++)
        model_pop(&m);
    hold(&m, 0, 50000, exponential_1ms);
    assert_null(m.q.heap);
    assert_true(m.q.buckets <= 512);
    model_drain(&m);
    model_close(&m);

    /* Ties now and then (whole nanoseconds): in the calendar's lists. */
    model_open(&m, 5000, 3);
    hold(&m, 300, 100000, within_1us);
    assert_null(m.q.heap);
    assert_true(m.ties > 1000);
    model_drain(&m);
    model_close(&m);

    /* Times years of buckets apart among near ones, pushes at the instant
     * popped: right, in whatever form it ends. */
    model_open(&m, 5000, 2);
    hold(&m, 1000, 100000, spread);
    model_drain(&m);
    model_close(&m);
}

/* Many buckets, then a lull: a few entries far apart, each found past a
 * year of empty buckets. That retunes the calendar; it is no reason to
 * give it up (only long lists are). */
static void the_calendar_retunes_for_a_lull(void **state)
{
    (void)state;
    struct model m;
    model_open(&m, 40000, 6);
    hold(&m, 30000, 30000, exponential_1ms);
    while (m.nref > 3)
        model_pop(&m);
    for (long r = 0; r < 20000; r++) {
        struct cs_due d = model_pop(&m);
        model_push(&m, d.at_ns + 1000000000 + (int64_t)(next_random(&m) % 1000), d.id); /* a second on */
    }
    assert_null(m.q.heap);
    assert_true(m.q.buckets <= 64);
    model_drain(&m);
    model_close(&m);
}

static void the_calendar_takes_an_entry_before_the_one_it_found(void **state)
{
    (void)state;
    struct model m;
    model_open(&m, 100, 4);
    model_push(&m, 1000000, 1);
    model_push(&m, 5000000, 2);
    struct cs_due d;
    assert_true(cs_calq_peek(&m.q, &d)); /* found: 1 */
    model_push(&m, 1000000, 0);          /* the same time, a smaller id */
    model_push(&m, 999999, 7);           /* before it */
    assert_int_equal(model_pop(&m).id, 7);
    assert_int_equal(model_pop(&m).id, 0);
    assert_int_equal(model_pop(&m).id, 1);
    /* Found past the empty buckets up to 5 ms: one comes before it. */
    assert_true(cs_calq_peek(&m.q, &d));
    assert_int_equal(d.id, 2);
    model_push(&m, 1000001, 3);
    assert_int_equal(model_pop(&m).id, 3);
    model_drain(&m);
    /* Empty, then entries far apart: those near the end of time are found
     * past a year of buckets (the search of every bucket's first). */
    model_push(&m, m.last + ((int64_t)1 << 45), 9);
    model_push(&m, INT64_MAX - 1, 8); /* a deadline that is never reached */
    model_push(&m, INT64_MAX - 2, 8);
    model_drain(&m);
    model_close(&m);
}

static void the_calendar_gives_up_on_ties_in_no_order(void **state)
{
    (void)state;
    /* Every entry at one instant, pushed in no order of id (a closed loop
     * of constant services under random dispatch): one bucket's list
     * would take a step per entry; the calendar turns into a heap. */
    struct model m;
    model_open(&m, 4000, 5);
    for (int i = 0; i < 3000; i++)
        model_push(&m, 0, (int32_t)(next_random(&m) % 100000));
    for (long r = 0; r < 30000; r++) {
        struct cs_due d = model_pop(&m);
        model_push(&m, d.at_ns + constant_1ms(&m), (int32_t)(next_random(&m) % 100000));
    }
    assert_non_null(m.q.heap);
    model_drain(&m);
    model_close(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_survives_wrapping_and_growing),
        cmocka_unit_test(the_ring_stops_at_its_max),
        cmocka_unit_test(compaction_keeps_order_in_place),
        cmocka_unit_test(the_pool_keeps_records_by_index),
        cmocka_unit_test(the_heap_pops_by_time_then_id),
        cmocka_unit_test(the_calendar_pops_as_the_heap_does),
        cmocka_unit_test(the_calendar_retunes_for_a_lull),
        cmocka_unit_test(the_calendar_takes_an_entry_before_the_one_it_found),
        cmocka_unit_test(the_calendar_gives_up_on_ties_in_no_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
