/* The growable FIFO: order kept across wrap-around and growth, the cap,
 * and compaction in place. */
#include "test_common.h"

#include "cs/common.h"
#include "cs/ring.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_survives_wrapping_and_growing),
        cmocka_unit_test(the_ring_stops_at_its_max),
        cmocka_unit_test(compaction_keeps_order_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
