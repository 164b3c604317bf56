/*
 * Dispatch policy table. A policy chooses among nodes below their limit;
 * it never queues or sends anything itself (the coordinator does).
 */
#include "cs/policy.h"

#include <stdlib.h>
#include <string.h>

#include "cs/common.h"

static int has_room(const struct cs_policy_view *v, int i)
{
    return v->in_flight[i] < v->limit[i] && i + 1 != v->skip;
}

/* Next node in cyclic order, skipping nodes that are full. */
static int pick_round_robin(struct cs_policy_state *st, const struct cs_policy_view *v)
{
    for (int k = 0; k < v->nodes; k++) {
        int i = (int)((st->cursor + (uint32_t)k) % (uint32_t)v->nodes);
        if (has_room(v, i)) {
            st->cursor = (uint32_t)(i + 1) % (uint32_t)v->nodes;
            return i;
        }
    }
    return -1;
}

/* Uniformly random among the nodes with room (so below capacity it is
 * exactly uniform). */
static int pick_random(struct cs_policy_state *st, const struct cs_policy_view *v)
{
    int i = (int)cs_rng_below(&st->rng, (uint32_t)v->nodes);
    if (has_room(v, i))
        return i;
    int open = 0;
    for (int k = 0; k < v->nodes; k++)
        open += has_room(v, k);
    if (open == 0)
        return -1;
    int nth = (int)cs_rng_below(&st->rng, (uint32_t)open);
    for (int k = 0; k < v->nodes; k++)
        if (has_room(v, k) && nth-- == 0)
            return k;
    return -1;
}

/* In the tree, over lo..hi-1 leaving out node skip (-1: none): the least
 * key, and the first node whose key is at most m (-1: none). */
static int least_but(const struct cs_mintree *t, int lo, int hi, int skip)
{
    if (skip < lo || skip >= hi)
        return cs_mintree_min(t, lo, hi);
    int a = cs_mintree_min(t, lo, skip), b = cs_mintree_min(t, skip + 1, hi);
    return a < b ? a : b;
}

static int first_but(const struct cs_mintree *t, int lo, int hi, int m, int skip)
{
    if (skip < lo || skip >= hi)
        return cs_mintree_first(t, lo, hi, m);
    int i = cs_mintree_first(t, lo, skip, m);
    return i >= 0 ? i : cs_mintree_first(t, skip + 1, hi, m);
}

/* Fewest requests in flight; ties go to the first found from a rotating
 * start, so equal nodes share the work. With the book's tree, the same
 * node in O(log nodes): the least key, then its first node from the
 * start, wrapping around. */
static int pick_least_outstanding(struct cs_policy_state *st, const struct cs_policy_view *v)
{
    if (v->least) {
        int n = v->nodes, skip = v->skip - 1, from = (int)(st->cursor % (uint32_t)n);
        int m = least_but(v->least, 0, n, skip);
        if (m == CS_MINTREE_NONE)
            return -1;
        int best = first_but(v->least, from, n, m, skip);
        if (best < 0)
            best = first_but(v->least, 0, from, m, skip);
        st->cursor = (uint32_t)(best + 1) % (uint32_t)n;
        return best;
    }
    int best = -1;
    for (int k = 0; k < v->nodes; k++) {
        int i = (int)((st->cursor + (uint32_t)k) % (uint32_t)v->nodes);
        if (has_room(v, i) && (best < 0 || v->in_flight[i] < v->in_flight[best]))
            best = i;
    }
    if (best >= 0)
        st->cursor = (uint32_t)(best + 1) % (uint32_t)v->nodes;
    return best;
}

/* The least loaded of d nodes drawn at random (Mitzenmacher's power of d
 * choices); when none of them has room, any node with room. */
static int pick_power_of_d(struct cs_policy_state *st, const struct cs_policy_view *v)
{
    int best = -1;
    for (int k = 0; k < st->d; k++) {
        int i = (int)cs_rng_below(&st->rng, (uint32_t)v->nodes);
        if (has_room(v, i) && (best < 0 || v->in_flight[i] < v->in_flight[best]))
            best = i;
    }
    return best >= 0 ? best : pick_random(st, v);
}

/* Join-Idle-Queue (Lu et al., 2011): the oldest node on this dispatcher's
 * idle list that still has room (a node another dispatcher has fed since
 * it said it was idle is dropped); with none, a node at random. Nothing
 * is asked on the arrival's path: the nodes said it beforehand. */
static int pick_jiq(struct cs_policy_state *st, const struct cs_policy_view *v)
{
    while (st->idle.count > 0) {
        int i = *(const int *)cs_ring_front(&st->idle);
        cs_ring_pop(&st->idle);
        st->listed[i]--;
        if (i < v->nodes && has_room(v, i))
            return i;
    }
    return pick_random(st, v);
}

int cs_policy_state_init(struct cs_policy_state *st, int nodes, int listed_max)
{
    st->listed_max = listed_max > 0 ? listed_max : 1;
    st->listed = calloc((size_t)(nodes > 0 ? nodes : 1), sizeof(int));
    cs_ring_init(&st->idle, sizeof(int), 64, nodes * st->listed_max);
    return st->listed ? CS_OK : CS_E_NOMEM;
}

void cs_policy_state_free(struct cs_policy_state *st)
{
    cs_ring_free(&st->idle);
    free(st->listed);
    st->listed = NULL;
}

bool cs_policy_idle(struct cs_policy_state *st, int node)
{
    if (st->listed[node] >= st->listed_max || cs_ring_push(&st->idle, &node) != CS_OK)
        return false;
    st->listed[node]++;
    return true;
}

const struct cs_policy cs_policies[] = {
    {"round_robin", "each node in turn", false, false, pick_round_robin},
    {"random", "a node chosen uniformly at random", false, false, pick_random},
    {"least_outstanding", "the node with the fewest requests in flight (join the shortest queue)", false, true,
     pick_least_outstanding},
    {"power_of_d", "the least loaded of dispatch.d nodes drawn at random", false, false, pick_power_of_d},
    {"pull", "one central queue; a node gets a request only when a server is free (M/M/c)", true, true,
     pick_least_outstanding},
    {"jiq", "Join-Idle-Queue: a node idle since it last told this dispatcher so, else one at random", false, false,
     pick_jiq},
};
const int cs_policy_count = (int)(sizeof(cs_policies) / sizeof(cs_policies[0]));

int cs_policy_find(const char *name)
{
    for (int i = 0; i < cs_policy_count; i++)
        if (strcmp(cs_policies[i].name, name) == 0)
            return i;
    return -1;
}
