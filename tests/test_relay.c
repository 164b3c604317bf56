/* The relay's state machine against a scripted transport: requests from
 * rank 0 go to its nodes as the policy and their windows allow, the rest
 * wait in order, replies go back with rank 0's ids, and at the shutdown
 * every node is told and what was left is counted. */
#include "test_common.h"

#include "cs/common.h"
#include "cs/config.h"
#include "cs/book.h"
#include "cs/relay.h"
#include "cs/scenario.h"
#include "cs/sweep.h"

#define SCRIPT_MAX 64
#define SENT_MAX 256

struct wire {
    struct cs_msg in[SCRIPT_MAX];
    int in_src[SCRIPT_MAX];
    int in_n, in_next;
    struct cs_msg out[SENT_MAX];
    int out_dest[SENT_MAX];
    int out_n, messages;
};

static int wire_send(void *ctx, int dest, const struct cs_msg *m, int n)
{
    struct wire *w = ctx;
    w->messages++;
    for (int i = 0; i < n && w->out_n < SENT_MAX; i++, w->out_n++) {
        w->out[w->out_n] = m[i];
        w->out_dest[w->out_n] = dest;
    }
    return CS_OK;
}

/* One item per message, in the order scripted. */
static int wire_poll(void *ctx, struct cs_msg *m, int *src)
{
    struct wire *w = ctx;
    if (w->in_next == w->in_n)
        return 0;
    *src = w->in_src[w->in_next];
    m[0] = w->in[w->in_next++];
    return 1;
}

static void wire_put(struct wire *w, int src, uint32_t kind, uint64_t id, uint32_t flags)
{
    w->in[w->in_n] = (struct cs_msg){.kind = kind, .flags = flags, .id = id, .service_ns = 1000, .node = src};
    w->in_src[w->in_n++] = src;
}

static int64_t fake_now;
static int64_t fake_clock_now(void *ctx)
{
    (void)ctx;
    return fake_now;
}
static void fake_clock_pass(void *ctx, int64_t ns)
{
    (void)ctx;
    fake_now += ns;
}
static const struct cs_clock fake_clock = {fake_clock_now, fake_clock_pass, fake_clock_pass, NULL, NULL};

/* One relay (rank 1) over 3 nodes (ranks 2-4) of window 2. */
static void start(struct cs_relay *rl, struct cs_scenario *sc, struct wire *w, struct cs_transport *tp,
                  const char *json)
{
    char err[256];
    assert_int_equal(cs_scenario_parse(sc, json, strlen(json), err, sizeof(err)), CS_OK);
    memset(w, 0, sizeof(*w));
    *tp = (struct cs_transport){w, wire_send, wire_poll};
    fake_now = 0;
    assert_int_equal(cs_relay_start(rl, sc, 1, 3, tp, &fake_clock, 0), CS_OK);
    assert_int_equal(rl->first_rank, 2);
    assert_int_equal(rl->nodes, 3);
}

static void requests_go_down_and_replies_come_back_with_rank_0s_ids(void **state)
{
    (void)state;
    struct cs_scenario sc;
    struct wire w;
    struct cs_transport tp;
    struct cs_relay rl;
    start(&rl, &sc, &w, &tp,
          "{\"dispatch\":{\"relays\":1,\"window\":2,\"policy\":\"round_robin\",\"cost_us\":5},"
          "\"load\":{\"warmup_s\":0,\"duration_s\":1}}");
    for (uint64_t id = 100; id < 107; id++)
        wire_put(&w, 0, CS_MSG_REQUEST, id, CS_REQ_MEASURED);
    assert_true(cs_relay_turn(&rl) > 0);
    /* Six fit the three windows of two, round robin; the seventh waits. */
    assert_int_equal(w.out_n, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(w.out[i].kind, CS_MSG_REQUEST);
        assert_int_equal(w.out_dest[i], 2 + i % 3);
    }
    assert_int_equal(rl.waiting.count, 1);
    assert_int_equal(rl.counters[CS_R_QUEUED], 1);
    /* Its dispatch work: cost_us a request sent, held on its clock. */
    assert_int_equal(fake_now, 6 * 5000);

    /* Node rank 3 answers the second request: rank 0 gets id 101 back,
     * and the one that waited goes to rank 3, which has room again. */
    uint64_t down_id = w.out[1].id;
    wire_put(&w, 3, CS_MSG_REPLY, down_id, CS_REQ_MEASURED);
    wire_put(&w, 3, CS_MSG_REPLY, down_id, CS_REQ_MEASURED); /* again: no longer in flight */
    assert_true(cs_relay_turn(&rl) > 0);
    assert_int_equal(w.out_n, 8);
    assert_int_equal(w.out[6].kind, CS_MSG_REPLY);
    assert_int_equal(w.out_dest[6], 0);
    assert_int_equal(w.out[6].id, 101);
    assert_int_equal(w.out[7].kind, CS_MSG_REQUEST);
    assert_int_equal(w.out_dest[7], 3);
    assert_true(w.out[7].flags & CS_REQ_HANDOFF); /* it waited while the node answered */
    assert_int_equal(rl.counters[CS_R_FORWARDED], 1);
    assert_int_equal(rl.counters[CS_R_UNEXPECTED], 1);
    assert_int_equal(w.out[6].node, 3); /* the reply names the node that served it */

    /* The shutdown: six still in flight are abandoned, each node told. */
    wire_put(&w, 0, CS_MSG_SHUTDOWN, 0, 0);
    cs_relay_turn(&rl);
    assert_true(rl.shutdown);
    assert_int_equal(rl.counters[CS_R_ABANDONED], 6);
    int shutdowns = 0;
    for (int i = 8; i < w.out_n; i++)
        shutdowns += w.out[i].kind == CS_MSG_SHUTDOWN && w.out_dest[i] >= 2 && w.out_dest[i] <= 4;
    assert_int_equal(shutdowns, 3);
    assert_int_equal(rl.counters[CS_R_RECEIVED], 7);
    assert_int_equal(rl.counters[CS_R_MESSAGES_SENT], (uint64_t)w.messages);
    cs_relay_free(&rl);
}

static void replies_travel_up_in_batches(void **state)
{
    (void)state;
    struct cs_scenario sc;
    struct wire w;
    struct cs_transport tp;
    struct cs_relay rl;
    start(&rl, &sc, &w, &tp,
          "{\"dispatch\":{\"relays\":1,\"batch\":4,\"batch_wait_us\":100,\"policy\":\"least_outstanding\"},"
          "\"load\":{\"warmup_s\":0,\"duration_s\":1}}");
    for (uint64_t id = 0; id < 8; id++)
        wire_put(&w, 0, CS_MSG_REQUEST, id, 0);
    cs_relay_turn(&rl);
    assert_int_equal(w.out_n, 0); /* 8 over 3 nodes: no box of 4 yet */
    fake_now += 100000;
    cs_relay_turn(&rl); /* the wait is over: three boxes go */
    assert_int_equal(w.out_n, 8);
    assert_int_equal(w.messages, 3);
    int before = w.messages;
    for (int i = 0; i < 4; i++)
        wire_put(&w, w.out_dest[i], CS_MSG_REPLY, w.out[i].id, 0);
    cs_relay_turn(&rl);
    assert_int_equal(w.messages, before + 1); /* four replies, one message up */
    assert_int_equal(w.out_dest[w.out_n - 1], 0);
    assert_int_equal(rl.counters[CS_R_UNEXPECTED], 0);
    cs_relay_free(&rl);
}

static void the_scenario_checks_the_relays(void **state)
{
    (void)state;
    struct cs_scenario sc;
    char err[256];
    const char *two = "{\"dispatch\":{\"relays\":2,\"dispatchers\":2}}";
    assert_int_equal(cs_scenario_parse(&sc, two, strlen(two), err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "'dispatch.relays' (2)"));
    const char *ok = "{\"dispatch\":{\"relays\":2}}";
    assert_int_equal(cs_scenario_parse(&sc, ok, strlen(ok), err, sizeof(err)), CS_OK);
    assert_int_equal(cs_first_node(&sc), 3);
    assert_int_equal(cs_feeder_first(&sc), 1);
    assert_int_equal(cs_feeders(&sc), 2);
    int first, count;
    cs_dispatcher_nodes(&sc, 1, 5, &first, &count); /* the second relay's block of 5 */
    assert_int_equal(first, 2);
    assert_int_equal(count, 3);
    assert_int_equal(cs_scenario_check_nodes(&sc, 1, err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "each relay needs a service node"));
    /* The relays as a lever: the node sweep again at 0, 1 and 2 relays,
     * each setting with the nodes its ranks leave. */
    const char *lever = "{\"sweep\":{\"relays\":[0,1,2],\"nodes\":[1,2]}}";
    assert_int_equal(cs_scenario_parse(&sc, lever, strlen(lever), err, sizeof(err)), CS_OK);
    assert_int_equal(cs_lever_count(&sc), 3);
    static struct cs_scenario setting;
    cs_lever_scenario(&sc, 2, &setting);
    assert_int_equal(setting.dispatch.relays, 2);
    assert_int_equal(cs_sweep_check(&sc, 4, err, sizeof(err)), CS_E_INVALID); /* 2 relays, first step 1 node */
    assert_non_null(strstr(err, "2 relays"));
    const char *fits = "{\"sweep\":{\"relays\":[0,1,2],\"nodes\":[2]}}";
    assert_int_equal(cs_scenario_parse(&sc, fits, strlen(fits), err, sizeof(err)), CS_OK);
    assert_int_equal(cs_sweep_check(&sc, 5, err, sizeof(err)), CS_OK);
    assert_int_equal(cs_sweep_check(&sc, 3, err, sizeof(err)), CS_E_INVALID); /* 2 relays leave 1 node */
    assert_non_null(strstr(err, "'sweep.relays[2]'"));
    const char *both = "{\"sweep\":{\"relays\":[0,1],\"batch\":[1,8]}}";
    assert_int_equal(cs_scenario_parse(&sc, both, strlen(both), err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "one lever at a time"));
    const char *neg = "{\"dispatch\":{\"relays\":-1}}";
    assert_int_equal(cs_scenario_parse(&sc, neg, strlen(neg), err, sizeof(err)), CS_E_INVALID);
    assert_non_null(strstr(err, "dispatch.relays"));
}

/* The dispatch book a dispatcher and a relay keep: a node is open below
 * its limit; a node marked down (limit 0) with requests out stays shut
 * as they end, until a probe gives it room for one more; a wait below 0
 * counts as 0. */
static void the_dispatch_book_counts_open_nodes(void **state)
{
    (void)state;
    struct cs_book b;
    assert_int_equal(cs_book_init(&b, 2, &cs_policies[cs_policy_find("least_outstanding")], 2, 1), CS_OK);
    assert_int_equal(b.open, 0);
    assert_int_equal(cs_book_pick(&b, 0), -1); /* none open */
    cs_book_set_limit(&b, 0, 2);
    cs_book_set_limit(&b, 1, 1);
    assert_int_equal(b.open, 2);
    cs_book_sent(&b, 1);
    assert_int_equal(b.open, 1);
    assert_int_equal(cs_book_pick(&b, 0), 0); /* the only one open */
    cs_book_sent(&b, 0);
    assert_int_equal(cs_book_pick(&b, 1), -1); /* node 0 open but left out */
    cs_book_sent(&b, 0);
    assert_int_equal(b.open, 0);
    assert_int_equal(cs_book_pick(&b, 0), -1);
    cs_book_set_limit(&b, 0, 0); /* down */
    cs_book_ended(&b, 0);
    assert_int_equal(b.in_flight[0], 1);
    assert_int_equal(b.open, 0);
    cs_book_set_limit(&b, 0, b.in_flight[0] + 1); /* a probe */
    assert_int_equal(b.open, 1);
    cs_book_ended(&b, 1);
    assert_int_equal(b.open, 2);
    assert_true(b.replied_ns[1] == INT64_MIN);
    cs_book_replied(&b, 1, 5);
    assert_int_equal(b.replied_ns[1], 5);
    struct cs_policy_view v = cs_book_view(&b, 2);
    assert_int_equal(v.nodes, 2);
    assert_int_equal(v.skip, 2);
    assert_ptr_equal(v.limit, b.limit);
    cs_book_free(&b);
}

/* Beyond CS_BOOK_TREE_MIN nodes the book keeps least_outstanding's tree
 * as requests come and go and limits change: its view picks what a scan
 * of the same counts picks. At the bound and below it keeps none. */
static void the_book_keeps_the_least_tree_in_step(void **state)
{
    (void)state;
    const struct cs_policy *p = &cs_policies[cs_policy_find("least_outstanding")];
    struct cs_book b, small;
    int n = CS_BOOK_TREE_MIN + 36;
    assert_int_equal(cs_book_init(&b, n, p, 2, 1), CS_OK);
    assert_int_equal(cs_book_init(&small, CS_BOOK_TREE_MIN, p, 2, 1), CS_OK);
    assert_null(cs_book_view(&small, 0).least);
    cs_book_free(&small);
    for (int i = 0; i < n; i++)
        cs_book_set_limit(&b, i, 3);
    struct cs_rng rng;
    cs_rng_seed(&rng, 7, 0);
    struct cs_policy_state a = {0}, s = {0};
    for (int k = 0; k < 5000; k++) {
        int node = (int)cs_rng_below(&rng, (uint32_t)n);
        uint32_t what = cs_rng_below(&rng, 10);
        if (what < 5 && b.in_flight[node] < 5)
            cs_book_sent(&b, node);
        else if (what < 9 && b.in_flight[node] > 0)
            cs_book_ended(&b, node);
        else
            cs_book_set_limit(&b, node, (int)cs_rng_below(&rng, 4));
        int skip = (int)cs_rng_below(&rng, (uint32_t)n + 1);
        struct cs_policy_view tree = cs_book_view(&b, skip), scan = tree;
        assert_non_null(tree.least);
        scan.least = NULL;
        assert_int_equal(p->pick(&a, &tree), p->pick(&s, &scan));
    }
    cs_book_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_dispatch_book_counts_open_nodes),
        cmocka_unit_test(requests_go_down_and_replies_come_back_with_rank_0s_ids),
        cmocka_unit_test(replies_travel_up_in_batches),
        cmocka_unit_test(the_scenario_checks_the_relays),
        cmocka_unit_test(the_book_keeps_the_least_tree_in_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
