#include "test_common.h"

#include <limits.h>

#include "cs/common.h"
#include "cs/policy.h"

static const int room[8] = {100, 100, 100, 100, 100, 100, 100, 100};

static struct cs_policy_state state(int seed)
{
    struct cs_policy_state st = {.d = 2};
    cs_rng_seed(&st.rng, (uint64_t)seed, 0);
    return st;
}

static void every_policy_returns_no_node_when_all_are_full(void **state_)
{
    (void)state_;
    int in_flight[5] = {3, 3, 3, 3, 3}, limit[5] = {3, 3, 3, 3, 3};
    struct cs_policy_view v = {5, in_flight, limit, 0, NULL};
    for (int p = 0; p < cs_policy_count; p++) {
        struct cs_policy_state st = state(1);
        assert_int_equal(cs_policies[p].pick(&st, &v), -1);
    }
}

static void every_policy_only_picks_nodes_with_room(void **state_)
{
    (void)state_;
    int in_flight[6] = {2, 0, 2, 1, 4, 2}, limit[6] = {2, 2, 2, 2, 5, 2};
    struct cs_policy_view v = {6, in_flight, limit, 0, NULL};
    for (int p = 0; p < cs_policy_count; p++) {
        struct cs_policy_state st = state(2);
        for (int k = 0; k < 1000; k++) {
            int i = cs_policies[p].pick(&st, &v);
            if (i != 1 && i != 3 && i != 4)
                fail_msg("policy %s picked full node %d", cs_policies[p].name, i);
        }
    }
}

/* A retry or hedge goes elsewhere: the skipped node is never picked, even
 * when it is the least loaded, and when only it has room there is none. */
static void every_policy_avoids_the_skipped_node(void **state_)
{
    (void)state_;
    int in_flight[4] = {5, 0, 5, 5}, limit[4] = {9, 9, 9, 9};
    struct cs_policy_view v = {4, in_flight, limit, 2, NULL}; /* skip node 1 */
    for (int p = 0; p < cs_policy_count; p++) {
        struct cs_policy_state st = state(3);
        for (int k = 0; k < 1000; k++) {
            int i = cs_policies[p].pick(&st, &v);
            if (i < 0 || i == 1)
                fail_msg("policy %s picked %d with node 1 skipped", cs_policies[p].name, i);
        }
        int full[4] = {9, 0, 9, 9};
        struct cs_policy_view only = {4, full, limit, 2, NULL};
        assert_int_equal(cs_policies[p].pick(&st, &only), -1);
    }
}

static void every_policy_has_a_unique_name_that_finds_it(void **state_)
{
    (void)state_;
    for (int p = 0; p < cs_policy_count; p++) {
        assert_int_equal(cs_policy_find(cs_policies[p].name), p);
        assert_non_null(cs_policies[p].summary);
    }
    assert_int_equal(cs_policy_find("nope"), -1);
    assert_true(cs_policies[cs_policy_find("pull")].pull);
    assert_false(cs_policies[cs_policy_find("least_outstanding")].pull);
}

static void round_robin_visits_every_node_once_per_cycle(void **state_)
{
    (void)state_;
    int in_flight[4] = {0};
    struct cs_policy_view v = {4, in_flight, room, 0, NULL};
    struct cs_policy_state st = state(0);
    const struct cs_policy *rr = &cs_policies[cs_policy_find("round_robin")];
    for (int cycle = 0; cycle < 3; cycle++) {
        int seen[4] = {0};
        for (int k = 0; k < 4; k++)
            seen[rr->pick(&st, &v)]++;
        for (int i = 0; i < 4; i++)
            assert_int_equal(seen[i], 1);
    }
}

static void round_robin_skips_full_nodes_and_keeps_its_order(void **state_)
{
    (void)state_;
    int in_flight[4] = {0, 5, 0, 0}, limit[4] = {5, 5, 5, 5};
    struct cs_policy_view v = {4, in_flight, limit, 0, NULL};
    struct cs_policy_state st = state(0);
    const struct cs_policy *rr = &cs_policies[cs_policy_find("round_robin")];
    int want[] = {0, 2, 3, 0, 2, 3};
    for (int k = 0; k < 6; k++)
        assert_int_equal(rr->pick(&st, &v), want[k]);
}

static void random_spreads_uniformly_over_nodes(void **state_)
{
    (void)state_;
    enum { N = 8, DRAWS = 80000 };
    int in_flight[N] = {0}, hits[N] = {0};
    struct cs_policy_view v = {N, in_flight, room, 0, NULL};
    struct cs_policy_state st = state(4);
    const struct cs_policy *rnd = &cs_policies[cs_policy_find("random")];
    for (int k = 0; k < DRAWS; k++)
        hits[rnd->pick(&st, &v)]++;
    /* Chi-square, 7 degrees of freedom: 24.3 is the 0.999 quantile. */
    double chi = 0, e = (double)DRAWS / N;
    for (int i = 0; i < N; i++)
        chi += (hits[i] - e) * (hits[i] - e) / e;
    assert_true(chi < 24.3);
}

static void least_outstanding_joins_the_shortest_queue_and_shares_ties(void **state_)
{
    (void)state_;
    int in_flight[4] = {3, 1, 2, 1};
    struct cs_policy_view v = {4, in_flight, room, 0, NULL};
    struct cs_policy_state st = state(0);
    const struct cs_policy *lo = &cs_policies[cs_policy_find("least_outstanding")];
    int first = lo->pick(&st, &v);
    assert_true(first == 1 || first == 3);
    in_flight[first]++;
    int second = lo->pick(&st, &v);
    assert_int_equal(second, first == 1 ? 3 : 1); /* the other of the tied pair */
    in_flight[second]++;
    /* Now 3, 2, 2, 2 after both: the next goes to a node with 2. */
    int third = lo->pick(&st, &v);
    assert_true(in_flight[third] == 2);
}

static void power_of_two_choices_never_picks_the_worse_of_its_sample(void **state_)
{
    (void)state_;
    /* With d equal to a huge number it sees every node: least loaded. */
    int in_flight[5] = {4, 2, 7, 1, 3};
    struct cs_policy_view v = {5, in_flight, room, 0, NULL};
    struct cs_policy_state st = state(9);
    st.d = 64;
    const struct cs_policy *pd = &cs_policies[cs_policy_find("power_of_d")];
    for (int k = 0; k < 100; k++)
        assert_int_equal(pd->pick(&st, &v), 3);
    /* With d = 2, the most loaded node is never chosen over another: it
     * would need both samples to be that node, 1 in 25 draws. */
    st.d = 2;
    int hits[5] = {0};
    for (int k = 0; k < 25000; k++)
        hits[pd->pick(&st, &v)]++;
    assert_close(hits[2], 1000, 0.2);
    assert_true(hits[3] > hits[1] && hits[1] > hits[4] && hits[4] > hits[0] && hits[0] > hits[2]);
}

static void pull_only_feeds_nodes_with_a_free_server(void **state_)
{
    (void)state_;
    /* For pull the limit is the node's servers. */
    int in_flight[3] = {2, 1, 4}, servers[3] = {2, 2, 4};
    struct cs_policy_view v = {3, in_flight, servers, 0, NULL};
    struct cs_policy_state st = state(0);
    const struct cs_policy *pull = &cs_policies[cs_policy_find("pull")];
    assert_int_equal(pull->pick(&st, &v), 1);
    in_flight[1]++;
    assert_int_equal(pull->pick(&st, &v), -1);
}

/* The tree the book keeps gives least_outstanding (and pull) the node a
 * scan gives, at every count, limit, skipped node and cursor. */
static void least_outstanding_from_the_tree_picks_what_the_scan_picks(void **state)
{
    (void)state;
    const struct cs_policy *p = &cs_policies[cs_policy_find("least_outstanding")];
    struct cs_rng rng;
    cs_rng_seed(&rng, 42, 0);
    for (int n = 1; n <= 37; n += 3) {
        int in_flight[37], limit[37];
        struct cs_mintree t;
        assert_int_equal(cs_mintree_init(&t, n), CS_OK);
        for (int round = 0; round < 300; round++) {
            for (int i = 0; i < n; i++) {
                in_flight[i] = (int)cs_rng_below(&rng, 4);
                limit[i] = (int)cs_rng_below(&rng, 5);
                cs_mintree_set(&t, i, in_flight[i] < limit[i] ? in_flight[i] : CS_MINTREE_NONE);
            }
            int skip = (int)cs_rng_below(&rng, (uint32_t)n + 1); /* 0: none */
            uint32_t cursor = cs_rng_below(&rng, (uint32_t)n);
            struct cs_policy_state a = {.cursor = cursor}, b = {.cursor = cursor};
            struct cs_policy_view scan = {n, in_flight, limit, skip, NULL}, tree = {n, in_flight, limit, skip, &t};
            int want = p->pick(&a, &scan);
            assert_int_equal(p->pick(&b, &tree), want);
            assert_int_equal(a.cursor, b.cursor);
            /* and the tree's ranges agree with a look at every key */
            int lo = (int)cs_rng_below(&rng, (uint32_t)n + 1), hi = (int)cs_rng_below(&rng, (uint32_t)n + 1),
                m = INT_MAX, first = -1, key = (int)cs_rng_below(&rng, 4);
            for (int i = lo; i < hi; i++) {
                int k = in_flight[i] < limit[i] ? in_flight[i] : CS_MINTREE_NONE;
                m = k < m ? k : m;
                if (first < 0 && k <= key)
                    first = i;
            }
            assert_int_equal(cs_mintree_min(&t, lo, hi), m);
            assert_int_equal(cs_mintree_first(&t, lo, hi, key), first);
        }
        cs_mintree_free(&t);
    }
}

/* Join-Idle-Queue: the nodes that said they are idle, in the order they
 * said it, once per saying (up to listed_max, then the saying is
 * redundant); a listed node with no room, or the skipped one, is passed
 * over and off the list; with none listed, a node at random. */
static void jiq_takes_the_nodes_that_said_they_are_idle_in_order(void **state_)
{
    (void)state_;
    int jiq = cs_policy_find("jiq");
    assert_true(jiq >= 0);
    struct cs_policy_state st = state(4);
    assert_int_equal(cs_policy_state_init(&st, 6, 2), CS_OK);
    int in_flight[6] = {0, 0, 0, 5, 0, 0}, limit[6] = {5, 5, 5, 5, 5, 5};
    struct cs_policy_view v = {6, in_flight, limit, 0, NULL};
    assert_true(cs_policy_idle(&st, 4));
    assert_true(cs_policy_idle(&st, 3));
    assert_true(cs_policy_idle(&st, 2));
    assert_true(cs_policy_idle(&st, 2));
    assert_false(cs_policy_idle(&st, 2)); /* listed twice already */
    assert_int_equal(cs_policies[jiq].pick(&st, &v), 4);
    assert_int_equal(cs_policies[jiq].pick(&st, &v), 2); /* 3 is full: passed over */
    assert_int_equal(st.listed[3], 0);
    assert_int_equal(st.listed[2], 1);
    struct cs_policy_view skip2 = {6, in_flight, limit, 3, NULL};
    int i = cs_policies[jiq].pick(&st, &skip2); /* 2 listed but skipped: at random, neither 2 nor full 3 */
    assert_true(i >= 0 && i != 2 && i != 3);
    assert_int_equal(st.listed[2], 0);
    assert_int_equal(st.idle.count, 0);
    int seen[6] = {0};
    for (int k = 0; k < 600; k++)
        seen[cs_policies[jiq].pick(&st, &v)]++;
    for (int k = 0; k < 6; k++) /* at random over the nodes with room */
        assert_true(k == 3 ? seen[k] == 0 : seen[k] > 50);
    cs_policy_state_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_policy_returns_no_node_when_all_are_full),
        cmocka_unit_test(every_policy_only_picks_nodes_with_room),
        cmocka_unit_test(every_policy_avoids_the_skipped_node),
        cmocka_unit_test(every_policy_has_a_unique_name_that_finds_it),
        cmocka_unit_test(round_robin_visits_every_node_once_per_cycle),
        cmocka_unit_test(round_robin_skips_full_nodes_and_keeps_its_order),
        cmocka_unit_test(random_spreads_uniformly_over_nodes),
        cmocka_unit_test(least_outstanding_joins_the_shortest_queue_and_shares_ties),
        cmocka_unit_test(power_of_two_choices_never_picks_the_worse_of_its_sample),
        cmocka_unit_test(pull_only_feeds_nodes_with_a_free_server),
        cmocka_unit_test(least_outstanding_from_the_tree_picks_what_the_scan_picks),
        cmocka_unit_test(jiq_takes_the_nodes_that_said_they_are_idle_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
