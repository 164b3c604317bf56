#include "test_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void percentiles_match_exact_values_within_half_a_bucket(void **state)
{
    (void)state;
    struct cs_histogram *h = new_hist();
    /* 1..1,000,000: the exact p-th percentile is p * 10,000. */
    for (uint64_t v = 1; v <= 1000000; v++)
        assert_true(cs_hist_record(h, v));
    const double ps[] = {1, 10, 50, 90, 99, 99.9};
    /* Within half a bucket (0.4%), and in the very bucket of the exact
     * value: a percentile one bucket off is 0.78% off, inside 1%. */
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        uint64_t exact = (uint64_t)(ps[i] * 10000);
        assert_close(cs_hist_percentile(h, ps[i]), (double)exact, 0.004);
        assert_int_equal(cs_hist_index(cs_hist_percentile(h, ps[i])), cs_hist_index(exact));
    }
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

/* The percentile distribution of 1..1,000,000 ns in microseconds: every
 * line's value is the exact percentile within the histogram's 1%, levels
 * and counts only grow, the tail is sampled ever more finely, and the last
 * line is the maximum at 100%. */
static void the_percentile_distribution_is_hdrhistogram_text(void **state)
{
    (void)state;
    struct cs_histogram *h = new_hist();
    for (uint64_t v = 1; v <= 1000000; v++)
        cs_hist_record(h, v);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    cs_hist_write_percentiles(out, h, 1e3, 5);
    fclose(out);
    const char *header = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n";
    assert_true(strncmp(text, header, strlen(header)) == 0);
    int lines = 0, above_p999 = 0;
    double last_p = -1, last_v = -1, p = 0, v = 0, inv;
    unsigned long long count, last_count = 0;
    for (char *line = strchr(text, '\n') + 2; *line && *line != '#'; line = strchr(line, '\n') + 1) {
        int fields = sscanf(line, "%lf %lf %llu %lf", &v, &p, &count, &inv);
        assert_true(fields == 4 || (fields == 3 && p == 1.0));
        assert_true(p > last_p && v >= last_v && count > last_count);
        if (p > 0 && p < 1) {
            assert_close(v, p * 1000, 0.01);
            assert_true(fabs(inv - 1 / (1 - p)) <= 0.005 + 1e-9); /* printed to 2 decimals */
            assert_close((double)count, p * 1e6, 0.01);
        }
        above_p999 += p > 0.999;
        last_p = p, last_v = v, last_count = count;
        lines++;
    }
    assert_true(p == 1.0 && v == 1000.0 && count == 1000000);
    /* One line per level, at most one per bucket: uniform values fill
     * buckets 0.4% wide, so the levels stop at about 99.6%. */
    assert_true(lines >= 30 && lines < 200);
    assert_int_equal(above_p999, 1); /* the max */
    assert_non_null(strstr(text, "#[Mean    =      500.000, StdDeviation   =      288."));
    assert_non_null(strstr(text, "#[Max     =     1000.000, Total count    =      1000000]"));
    free(text);
    free(h);
}

/* Where values spread over many buckets (an exponential tail), the
 * levels halve the distance to 100% again and again: the tail gets lines
 * of its own, as many per halving as the body. */
static void the_distribution_samples_the_tail_finely(void **state)
{
    (void)state;
    struct cs_histogram *h = new_hist();
    struct cs_rng r;
    cs_rng_seed(&r, 3, 0);
    for (int k = 0; k < 1000000; k++)
        cs_hist_record(h, (uint64_t)(-1e6 * log(cs_rng_uniform_pos(&r))));
    static struct cs_hist_level levels[CS_HIST_LEVELS_MAX];
    int n = cs_hist_levels(h, 5, levels, CS_HIST_LEVELS_MAX);
    int tail = 0;
    for (int i = 0; i < n; i++) {
        tail += levels[i].fraction > 0.999;
        if (i > 0 && levels[i].fraction < 1)
            assert_close((double)levels[i].value, -1e6 * log(1 - levels[i].fraction), 0.05);
    }
    assert_true(tail >= 10);
    assert_true(levels[n - 1].fraction == 1.0 && levels[n - 1].value == h->max);
    /* A short buffer ends with the max all the same. */
    n = cs_hist_levels(h, 5, levels, 4);
    assert_int_equal(n, 4);
    assert_true(levels[3].fraction == 1.0 && levels[3].count == h->total);
    free(h);
}

static void an_empty_distribution_has_its_header_and_footer(void **state)
{
    (void)state;
    struct cs_histogram *h = new_hist();
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cs_hist_write_percentiles(out, h, 1e3, 5);
    fclose(out);
    assert_non_null(strstr(text, "Percentile"));
    assert_non_null(strstr(text, "Total count    =            0]"));
    assert_null(strstr(text, "0.000000000000"));
    free(text);
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_values_are_recorded_exactly),
        cmocka_unit_test(buckets_tile_the_range_without_gaps),
        cmocka_unit_test(every_value_lands_in_a_bucket_within_the_error_bound),
        cmocka_unit_test(percentiles_match_exact_values_within_half_a_bucket),
        cmocka_unit_test(percentiles_of_an_exponential_sample_are_right),
        cmocka_unit_test(merging_equals_recording_everything_in_one),
        cmocka_unit_test(values_above_the_range_are_clamped_and_counted),
        cmocka_unit_test(an_empty_histogram_reports_zero),
        cmocka_unit_test(the_percentile_distribution_is_hdrhistogram_text),
        cmocka_unit_test(the_distribution_samples_the_tail_finely),
        cmocka_unit_test(an_empty_distribution_has_its_header_and_footer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
