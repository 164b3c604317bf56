#include "test_common.h"

#include "cs/arrival.h"
#include "cs/dist.h"
#include "cs/rng.h"

static void the_same_seed_and_stream_give_the_same_numbers(void **state)
{
    (void)state;
    struct cs_rng a, b, c;
    cs_rng_seed(&a, 42, CS_STREAM_SERVICE);
    cs_rng_seed(&b, 42, CS_STREAM_SERVICE);
    cs_rng_seed(&c, 42, CS_STREAM_ARRIVAL);
    int same_as_other_stream = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = cs_rng_next(&a);
        assert_int_equal(x, cs_rng_next(&b));
        same_as_other_stream += x == cs_rng_next(&c);
    }
    assert_int_equal(same_as_other_stream, 0);
}

static void bounded_integers_are_uniform(void **state)
{
    (void)state;
    struct cs_rng r;
    cs_rng_seed(&r, 3, 0);
    enum { N = 7, DRAWS = 700000 };
    int hits[N] = {0};
    for (int i = 0; i < DRAWS; i++) {
        uint32_t x = cs_rng_below(&r, N);
        assert_true(x < N);
        hits[x]++;
    }
    /* Chi-square with 6 degrees of freedom; 22.5 is the 0.999 quantile. */
    double chi = 0, expect = (double)DRAWS / N;
    for (int i = 0; i < N; i++)
        chi += (hits[i] - expect) * (hits[i] - expect) / expect;
    assert_true(chi < 22.5);
}

/* Every row of the distribution table: sample mean and variance against
 * theory for a fixed seed. With 400,000 draws the standard error of the
 * mean is below 0.2% of the mean for cv <= 1; the tolerances are 1% for
 * the mean and 5% for the variance (heavier for the lognormal tail). */
static void every_distribution_has_its_mean_and_variance(void **state)
{
    (void)state;
    for (int k = 0; k < cs_dist_kind_count; k++) {
        struct cs_dist d = {k, 1000.0, cs_dist_kinds[k].has_cv ? 0.5 : cs_dist_kinds[k].default_cv};
        struct cs_rng r;
        cs_rng_seed(&r, 1234, (uint64_t)k);
        double sum = 0, sum2 = 0;
        const int n = 400000;
        for (int i = 0; i < n; i++) {
            double x = (double)cs_dist_sample_ns(&d, &r) / 1e3;
            sum += x;
            sum2 += x * x;
        }
        double mean = sum / n, var = sum2 / n - mean * mean;
        assert_close(mean, d.mean_us, 0.01);
        double want_var = cs_dist_variance_us2(&d);
        if (want_var == 0)
            assert_true(var < 1e-6);
        else
            assert_close(var, want_var, 0.05);
    }
}

static void the_uniform_distribution_stays_inside_its_bounds(void **state)
{
    (void)state;
    struct cs_dist d = {cs_dist_find("uniform"), 100.0, 0.2};
    struct cs_rng r;
    cs_rng_seed(&r, 5, 0);
    double h = 100.0 * 0.2 * sqrt(3.0);
    for (int i = 0; i < 100000; i++) {
        double x = (double)cs_dist_sample_ns(&d, &r) / 1e3;
        assert_true(x >= 100.0 - h - 0.001 && x <= 100.0 + h + 0.001);
    }
}

static void poisson_gaps_have_mean_one_over_rate_and_cv_one(void **state)
{
    (void)state;
    const struct cs_arrival_kind *p = &cs_arrival_kinds[cs_arrival_find("poisson")];
    struct cs_rng r;
    cs_rng_seed(&r, 9, CS_STREAM_ARRIVAL);
    double sum = 0, sum2 = 0;
    const int n = 400000;
    for (int i = 0; i < n; i++) {
        double g = p->gap_ns(2000.0, &r);
        sum += g;
        sum2 += g * g;
    }
    double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
    assert_close(mean, 5e5, 0.01);
    assert_close(sd / mean, 1.0, 0.01);
}

static void constant_gaps_are_exact(void **state)
{
    (void)state;
    const struct cs_arrival_kind *c = &cs_arrival_kinds[cs_arrival_find("constant")];
    struct cs_rng r;
    cs_rng_seed(&r, 9, 0);
    for (int i = 0; i < 10; i++)
        assert_true(c->gap_ns(4000.0, &r) == 250000.0);
    assert_int_equal(cs_arrival_find("nope"), -1);
    assert_int_equal(cs_dist_find("nope"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_same_seed_and_stream_give_the_same_numbers),
        cmocka_unit_test(bounded_integers_are_uniform),
        cmocka_unit_test(every_distribution_has_its_mean_and_variance),
        cmocka_unit_test(the_uniform_distribution_stays_inside_its_bounds),
        cmocka_unit_test(poisson_gaps_have_mean_one_over_rate_and_cv_one),
        cmocka_unit_test(constant_gaps_are_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
