/*
 * The dispatch book (src/engine/book.c): what a rank that sends requests
 * to a block of service nodes keeps about each of them, one and the same
 * for a dispatcher (coordinator.c) and a relay (relay.c): the requests in
 * flight and the limit on them, how many nodes are open (below their
 * limit) and when each last answered; and the policy that picks among them,
 * with its state (its random stream, the idle servers it was told of).
 */
#ifndef CS_BOOK_H
#define CS_BOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/policy.h"

struct cs_book {
    int nodes;
    int *in_flight;                 /* [nodes]: requests sent and not yet ended */
    int *limit;                     /* [nodes]: a node with in_flight >= limit takes nothing */
    int64_t *replied_ns;            /* [nodes]: when each last answered (INT64_MIN: never) */
    int open;                       /* nodes below their limit */
    struct cs_mintree least;        /* for a policy that picks the least loaded: the view's tree (policy.h) */
    const struct cs_policy *policy; /* NULL: only the bookkeeping (cs_book_pick not called) */
    struct cs_policy_state state;   /* the policy's; seed state.rng after init */
};

/* A book of `nodes` nodes, every limit 0 (none open) until set, that
 * policy picks from (NULL: none), drawing d nodes a pick where it draws
 * and told of at most servers_max idle servers a node. For a policy that
 * picks the least loaded (least_outstanding, pull) it keeps a tree where
 * that pays: for more than CS_BOOK_TREE_MIN nodes (fewer are scanned, as
 * fast, and the tree's upkeep would cost every request on ranks). */
#define CS_BOOK_TREE_MIN 64
int cs_book_init(struct cs_book *b, int nodes, const struct cs_policy *policy, int d, int servers_max);
void cs_book_free(struct cs_book *b);

/* Change a node's limit, keeping the open count right. */
void cs_book_set_limit(struct cs_book *b, int node, int limit);

/* The node's key in the tree: its count, or none when it is full. */
static inline void cs_book_index(struct cs_book *b, int node)
{
    if (b->least.v)
        cs_mintree_set(&b->least, node, b->in_flight[node] < b->limit[node] ? b->in_flight[node] : CS_MINTREE_NONE);
}

/* A request sent to node; one that ended there (answered, or given up).
 * (Inline: each request's send and end.) */
static inline void cs_book_sent(struct cs_book *b, int node)
{
    if (++b->in_flight[node] == b->limit[node])
        b->open--;
    cs_book_index(b, node);
}
static inline void cs_book_ended(struct cs_book *b, int node)
{
    if (b->in_flight[node]-- == b->limit[node])
        b->open++;
    cs_book_index(b, node);
}

/* Node answered at now. */
static inline void cs_book_replied(struct cs_book *b, int node, int64_t now)
{
    b->replied_ns[node] = now;
}

/* What a policy sees: the nodes' in-flight counts and limits, leaving
 * out node skip - 1 (skip 0: none). */
static inline struct cs_policy_view cs_book_view(const struct cs_book *b, int skip)
{
    return (struct cs_policy_view){b->nodes, b->in_flight, b->limit, skip, b->least.v ? &b->least : NULL};
}

/* The node the policy picks among the open ones, never node skip - 1;
 * -1 when none can take a request now. */
static inline int cs_book_pick(struct cs_book *b, int skip)
{
    if (b->open == 0)
        return -1; /* overload: answer in O(1), not by asking the policy */
    struct cs_policy_view v = cs_book_view(b, skip);
    return b->policy->pick(&b->state, &v);
}

#endif
