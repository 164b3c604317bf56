#include "test_common.h"

#include "cs/queueing.h"

static void mm1_is_one_over_mu_minus_lambda(void **state)
{
    (void)state;
    assert_close(cs_mm1_sojourn(500, 1000), 0.002, 1e-12);
    assert_true(isnan(cs_mm1_sojourn(1000, 1000)));
}

static void erlang_c_matches_hand_computed_values(void **state)
{
    (void)state;
    /* c = 1: the waiting probability is the utilization. */
    assert_close(cs_erlang_c(1, 0.7), 0.7, 1e-12);
    /* c = 2, a = 1: (1/2 * 2) / (1 + 1 + 1) = 1/3. */
    assert_close(cs_erlang_c(2, 1.0), 1.0 / 3.0, 1e-12);
    /* c = 3, a = 2: (8/6 * 3) / (1 + 2 + 2 + 4) = 4/9. */
    assert_close(cs_erlang_c(3, 2.0), 4.0 / 9.0, 1e-12);
    assert_true(isnan(cs_erlang_c(2, 2.0)));
}

static void mmc_with_one_server_is_mm1(void **state)
{
    (void)state;
    assert_close(cs_mmc_sojourn(800, 1000, 1), cs_mm1_sojourn(800, 1000), 1e-12);
    /* M/M/2, lambda = 1000, mu = 1000: C = 1/3, W = 1/3 / 1000 + 1/1000. */
    assert_close(cs_mmc_sojourn(1000, 1000, 2), (1.0 / 3.0) / 1000 + 0.001, 1e-12);
}

static void ekm1_spans_mm1_to_dm1(void **state)
{
    (void)state;
    /* k = 1 is M/M/1. */
    assert_close(cs_ekm1_sojourn(500, 1000, 1), 0.002, 1e-9);
    /* Large k tends to D/M/1: at utilization 0.5 sigma = e^(-2 (1 - sigma)),
     * sigma = 0.203188. */
    assert_close(cs_ekm1_sojourn(500, 1000, 5000), 1.0 / (1000 * (1 - 0.203188)), 1e-3);
    /* E4/M/1 at utilization 0.8: sigma = (3200 / (3200 + 1000 (1 - sigma)))^4,
     * 0.6939447 by iterating it by hand; W = 1 / (1000 (1 - sigma)) = 3.267384 ms,
     * less than M/M/1's 5 ms: regular arrivals queue less than Poisson ones. */
    assert_close(cs_ekm1_sojourn(800, 1000, 4), 0.003267384, 1e-6);
    assert_true(cs_ekm1_sojourn(800, 1000, 4) < cs_mm1_sojourn(800, 1000));
}

static void the_response_time_law(void **state)
{
    (void)state;
    assert_close(cs_response_time_law(10, 100, 0.05), 0.05, 1e-12);
}

/* M/D/1 waits half as long as M/M/1 at the same load. */
static void md1_waits_half_of_mm1(void **state)
{
    (void)state;
    double mu = 1000, lambda = 800; /* rho 0.8 */
    double wq_md1 = cs_md1_sojourn(lambda, mu) - 1 / mu, wq_mm1 = cs_mm1_sojourn(lambda, mu) - 1 / mu;
    assert_close(wq_md1, wq_mm1 / 2, 1e-12);
    assert_close(cs_md1_sojourn(lambda, mu), 0.003, 1e-12); /* 1 ms + 0.8 / (2 x 1000 x 0.2) */
    assert_true(isnan(cs_md1_sojourn(1000, 1000)));
}

/* M/G/1 by Pollaczek-Khinchine: M/M/1 at cv 1, M/D/1 at cv 0, and the
 * lognormal of cv 2 at 80%: 1 ms + 0.8 ms (1 + 4) / (2 x 0.2) = 11 ms. */
static void mg1_spans_md1_to_mm1_and_beyond(void **state)
{
    (void)state;
    assert_close(cs_mg1_sojourn(800, 1000, 1), cs_mm1_sojourn(800, 1000), 1e-12);
    assert_close(cs_mg1_sojourn(800, 1000, 0), cs_md1_sojourn(800, 1000), 1e-12);
    assert_close(cs_mg1_sojourn(800, 1000, 2), 0.011, 1e-12);
    assert_true(isnan(cs_mg1_sojourn(1000, 1000, 1)));
}

/* E_k/M/1 at the edges: no arrivals, nobody waits; at rho 0.9999 the
 * E_1/M/1 (M/M/1) answer, 10 s at 1000/s, not short of it. */
static void ekm1_holds_at_its_edges(void **state)
{
    (void)state;
    assert_close(cs_ekm1_sojourn(0, 1000, 4), 0.001, 1e-12);
    assert_close(cs_ekm1_sojourn(999.9, 1000, 1), 10.0, 1e-6);
    for (int k = 2; k <= 8; k *= 2) /* less variable gaps, less wait: below M/M/1, above the service */
        assert_true(cs_ekm1_sojourn(999.9, 1000, k) < 10.0 && cs_ekm1_sojourn(999.9, 1000, k) > 1.0);
}

/* MVA: one client never queues; many clients saturate the stations. */
static void mva_spans_no_queue_to_saturation(void **state)
{
    (void)state;
    double x;
    assert_close(cs_mva_random(1, 0.01, 4, 0.001, &x), 0.001, 1e-12);
    assert_close(x, 1 / 0.011, 1e-12);
    /* Two clients, one station, no think time: they take turns, R = 2 ms. */
    assert_close(cs_mva_random(2, 0, 1, 0.001, &x), 0.002, 1e-12);
    assert_close(x, 1000, 1e-12);
    /* No service: no time at the nodes (not "no steady state"). */
    assert_close(cs_mva_random(4, 0.001, 2, 0, &x), 0, 1e-12);
    assert_close(x, 4000, 1e-9);
    /* 1600 clients on 4 stations of 1000/s: throughput near 4000/s, and
     * the response time near its asymptote past saturation, N D - Z with
     * D the demand on a station (a quarter of the visits, 1 ms each):
     * 1600 * 0.25 ms - 50 ms = 350 ms. */
    double r = cs_mva_random(1600, 0.05, 4, 0.001, &x);
    assert_true(x > 3990 && x < 4000);
    assert_true(r >= 0.35 && r < 0.352);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mm1_is_one_over_mu_minus_lambda),
        cmocka_unit_test(erlang_c_matches_hand_computed_values),
        cmocka_unit_test(mmc_with_one_server_is_mm1),
        cmocka_unit_test(ekm1_spans_mm1_to_dm1),
        cmocka_unit_test(the_response_time_law),
        cmocka_unit_test(md1_waits_half_of_mm1),
        cmocka_unit_test(mva_spans_no_queue_to_saturation),
        cmocka_unit_test(mg1_spans_md1_to_mm1_and_beyond),
        cmocka_unit_test(ekm1_holds_at_its_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
