#include "test_common.h"

#include "cs/policy.h"

static void every_policy_returns_no_node_when_all_windows_are_full(void **state)
{
    (void)state;
    int in_flight[5] = {3, 3, 3, 3, 3};
    struct cs_policy_view v = {5, in_flight, 3};
    for (int p = 0; p < cs_policy_count; p++) {
        struct cs_policy_state st = {0};
        cs_rng_seed(&st.rng, 1, 0);
        assert_int_equal(cs_policies[p].pick(&st, &v), -1);
    }
}

static void every_policy_only_picks_nodes_with_room(void **state)
{
    (void)state;
    int in_flight[6] = {2, 0, 2, 1, 2, 2};
    struct cs_policy_view v = {6, in_flight, 2};
    for (int p = 0; p < cs_policy_count; p++) {
        struct cs_policy_state st = {0};
        cs_rng_seed(&st.rng, 2, 0);
        for (int k = 0; k < 1000; k++) {
            int i = cs_policies[p].pick(&st, &v);
            if (i != 1 && i != 3)
                fail_msg("policy %s picked full node %d", cs_policies[p].name, i);
        }
    }
}

static void every_policy_has_a_unique_name_that_finds_it(void **state)
{
    (void)state;
    for (int p = 0; p < cs_policy_count; p++) {
        assert_int_equal(cs_policy_find(cs_policies[p].name), p);
        assert_non_null(cs_policies[p].summary);
    }
    assert_int_equal(cs_policy_find("nope"), -1);
}

static void round_robin_visits_every_node_once_per_cycle(void **state)
{
    (void)state;
    int in_flight[4] = {0};
    struct cs_policy_view v = {4, in_flight, 100};
    struct cs_policy_state st = {0};
    const struct cs_policy *rr = &cs_policies[cs_policy_find("round_robin")];
    for (int cycle = 0; cycle < 3; cycle++) {
        int seen[4] = {0};
        for (int k = 0; k < 4; k++)
            seen[rr->pick(&st, &v)]++;
        for (int i = 0; i < 4; i++)
            assert_int_equal(seen[i], 1);
    }
}

static void round_robin_skips_full_nodes_and_keeps_its_order(void **state)
{
    (void)state;
    int in_flight[4] = {0, 5, 0, 0};
    struct cs_policy_view v = {4, in_flight, 5};
    struct cs_policy_state st = {0};
    const struct cs_policy *rr = &cs_policies[cs_policy_find("round_robin")];
    int want[] = {0, 2, 3, 0, 2, 3};
    for (int k = 0; k < 6; k++)
        assert_int_equal(rr->pick(&st, &v), want[k]);
}

static void random_spreads_uniformly_over_nodes(void **state)
{
    (void)state;
    enum { N = 8, DRAWS = 80000 };
    int in_flight[N] = {0}, hits[N] = {0};
    struct cs_policy_view v = {N, in_flight, 1};
    struct cs_policy_state st = {0};
    cs_rng_seed(&st.rng, 4, 0);
    const struct cs_policy *rnd = &cs_policies[cs_policy_find("random")];
    for (int k = 0; k < DRAWS; k++)
        hits[rnd->pick(&st, &v)]++;
    /* Chi-square, 7 degrees of freedom: 24.3 is the 0.999 quantile. */
    double chi = 0, e = (double)DRAWS / N;
    for (int i = 0; i < N; i++)
        chi += (hits[i] - e) * (hits[i] - e) / e;
    assert_true(chi < 24.3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_policy_returns_no_node_when_all_windows_are_full),
        cmocka_unit_test(every_policy_only_picks_nodes_with_room),
        cmocka_unit_test(every_policy_has_a_unique_name_that_finds_it),
        cmocka_unit_test(round_robin_visits_every_node_once_per_cycle),
        cmocka_unit_test(round_robin_skips_full_nodes_and_keeps_its_order),
        cmocka_unit_test(random_spreads_uniformly_over_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
