#include "test_common.h"

#include <stdlib.h>

#include "cs/histogram.h"
#include "cs/rng.h"

static struct cs_histogram *new_hist(void)
{
    struct cs_histogram *h = malloc(sizeof(*h));
    assert_non_null(h);
    cs_hist_init(h);
    return h;
}

static void small_values_are_recorded_exactly(void **state)
{
    (void)state;
    for (uint64_t v = 0; v < 256; v++) {
        assert_int_equal(cs_hist_bucket_low(cs_hist_index(v)), v);
        assert_int_equal(cs_hist_bucket_width(cs_hist_index(v)), 1);
    }
}

static void buckets_tile_the_range_without_gaps(void **state)
{
    (void)state;
    for (int i = 0; i + 1 < CS_HIST_BUCKETS; i++)
        assert_int_equal(cs_hist_bucket_low(i) + cs_hist_bucket_width(i), cs_hist_bucket_low(i + 1));
    assert_int_equal(cs_hist_index(CS_HIST_MAX_VALUE), CS_HIST_BUCKETS - 1);
}

static void every_value_lands_in_a_bucket_within_the_error_bound(void **state)
{
    (void)state;
    struct cs_rng r;
    cs_rng_seed(&r, 7, 0);
    for (int k = 0; k < 200000; k++) {
        uint64_t v = cs_rng_next(&r) >> (22 + cs_rng_below(&r, 40));
        int i = cs_hist_index(v);
        uint64_t lo = cs_hist_bucket_low(i), w = cs_hist_bucket_width(i);
        assert_true(v >= lo && v < lo + w);
        double mid = (double)lo + (double)(w / 2);
        if (v > 0)
            assert_true(fabs(mid - (double)v) / (double)v <= 1.0 / 128);
    }
}

static void percentiles_match_exact_values_within_one_percent(void **state)
{
    (void)state;
    struct cs_histogram *h = new_hist();
    /* 1..1,000,000: the exact p-th percentile is p * 10,000. */
    for (uint64_t v = 1; v <= 1000000; v++)
        assert_true(cs_hist_record(h, v));
    const double ps[] = {1, 10, 50, 90, 99, 99.9};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
        assert_close(cs_hist_percentile(h, ps[i]), ps[i] * 10000, 0.01);
    assert_int_equal(cs_hist_percentile(h, 100), 1000000);
    assert_close(cs_hist_mean(h), 500000.5, 1e-9);
    assert_int_equal(h->min, 1);
    assert_int_equal(h->max, 1000000);
    free(h);
}

static void percentiles_of_an_exponential_sample_are_right(void **state)
{
    (void)state;
    struct cs_histogram *h = new_hist();
    struct cs_rng r;
    cs_rng_seed(&r, 11, 0);
    for (int k = 0; k < 1000000; k++)
        cs_hist_record(h, (uint64_t)(-1e6 * log(cs_rng_uniform_pos(&r))));
    /* Exponential with mean 1e6: the p-quantile is -1e6 ln(1 - p). The
     * sample quantile of 10^6 draws is within about 0.5% at p99.9. */
    assert_close(cs_hist_percentile(h, 50), 1e6 * log(2.0), 0.01);
    assert_close(cs_hist_percentile(h, 99), 1e6 * log(100.0), 0.01);
    assert_close(cs_hist_percentile(h, 99.9), 1e6 * log(1000.0), 0.02);
    free(h);
}

static void merging_equals_recording_everything_in_one(void **state)
{
    (void)state;
    struct cs_histogram *a = new_hist(), *b = new_hist(), *all = new_hist();
    for (uint64_t v = 0; v < 50000; v++) {
        uint64_t x = v * v % 9999991;
        cs_hist_record(v % 3 ? a : b, x);
        cs_hist_record(all, x);
    }
    cs_hist_add(a, b);
    assert_memory_equal(a->counts, all->counts, sizeof(a->counts));
    assert_int_equal(a->total, all->total);
    assert_int_equal(a->min, all->min);
    assert_int_equal(a->max, all->max);
    assert_close(a->sum, all->sum, 1e-12);
    free(a);
    free(b);
    free(all);
}

static void values_above_the_range_are_clamped_and_counted(void **state)
{
    (void)state;
    struct cs_histogram *h = new_hist();
    assert_false(cs_hist_record(h, UINT64_MAX));
    assert_true(cs_hist_record(h, 5));
    assert_int_equal(h->clamped, 1);
    assert_int_equal(h->total, 2);
    assert_int_equal(h->max, CS_HIST_MAX_VALUE);
    free(h);
}

static void an_empty_histogram_reports_zero(void **state)
{
    (void)state;
    struct cs_histogram *h = new_hist();
    assert_int_equal(cs_hist_percentile(h, 99), 0);
    assert_true(cs_hist_mean(h) == 0.0);
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_values_are_recorded_exactly),
        cmocka_unit_test(buckets_tile_the_range_without_gaps),
        cmocka_unit_test(every_value_lands_in_a_bucket_within_the_error_bound),
        cmocka_unit_test(percentiles_match_exact_values_within_one_percent),
        cmocka_unit_test(percentiles_of_an_exponential_sample_are_right),
        cmocka_unit_test(merging_equals_recording_everything_in_one),
        cmocka_unit_test(values_above_the_range_are_clamped_and_counted),
        cmocka_unit_test(an_empty_histogram_reports_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
