/*
 * Dispatch policy table. A policy chooses among nodes whose window has
 * room; it never queues or sends anything itself (the coordinator does).
 */
#include "cs/policy.h"

#include <string.h>

static int has_room(const struct cs_policy_view *v, int i)
{
    return v->in_flight[i] < v->window;
}

/* Next node in cyclic order, skipping nodes whose window is full. */
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

/* Uniformly random node; when the drawn node is full, uniformly random
 * among those with room (so below capacity it is exactly uniform). */
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

const struct cs_policy cs_policies[] = {
    {"round_robin", "each node in turn", pick_round_robin},
    {"random", "a node chosen uniformly at random", pick_random},
};
const int cs_policy_count = (int)(sizeof(cs_policies) / sizeof(cs_policies[0]));

int cs_policy_find(const char *name)
{
    for (int i = 0; i < cs_policy_count; i++)
        if (strcmp(cs_policies[i].name, name) == 0)
            return i;
    return -1;
}
