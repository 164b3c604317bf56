/* The growable FIFO: order kept across wrap-around and growth, the cap,
 * and compaction in place. The record pool: records keep their index and
 * contents as it grows, a record given back is the next one taken, new
 * ones start blank. The min-heap of wake-ups: it pops by time, and at
 * one time by id (the virtual engine's order at one instant). */
#include "test_common.h"

#include "cs/common.h"
#include "cs/heap.h"
#include "cs/pool.h"
#include "cs/ring.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_survives_wrapping_and_growing), cmocka_unit_test(the_ring_stops_at_its_max),
        cmocka_unit_test(compaction_keeps_order_in_place),     cmocka_unit_test(the_pool_keeps_records_by_index),
        cmocka_unit_test(the_heap_pops_by_time_then_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
