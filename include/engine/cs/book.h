/*
 * The dispatch book (src/engine/book.c): what a rank that sends requests
 * to a block of service nodes keeps about each of them, one and the same
 * for a dispatcher (coordinator.c) and a relay (relay.c): the requests in
 * flight and the limit on them, how many nodes are open (below their
 * limit) and when each last answered. The policies pick from its view (cs_book_view).
 */
#ifndef CS_BOOK_H
#define CS_BOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/policy.h"

struct cs_book {
    int nodes;
    int *in_flight;          /* [nodes]: requests sent and not yet ended */
    int *limit;              /* [nodes]: a node with in_flight >= limit takes nothing */
    int64_t *replied_ns;     /* [nodes]: when each last answered (INT64_MIN: never) */
    int open;                /* nodes below their limit */
    struct cs_mintree least; /* with `least` at init: the view's tree (policy.h) */
};

/* A book of `nodes` nodes, every limit 0 (none open) until set; least:
 * keep the tree least_outstanding and pull pick from, where it pays: for
 * more than CS_BOOK_TREE_MIN nodes (fewer are scanned, as fast, and the
 * tree's upkeep would cost every request on ranks). */
#define CS_BOOK_TREE_MIN 64
int cs_book_init(struct cs_book *b, int nodes, bool least);
void cs_book_free(struct cs_book *b);

/* Change a node's limit, keeping the open count right. */
void cs_book_set_limit(struct cs_book *b, int node, int limit);

/* A request sent to node; one that ended there (answered, or given up). */
void cs_book_sent(struct cs_book *b, int node);
void cs_book_ended(struct cs_book *b, int node);

/* Node answered at now. */
void cs_book_replied(struct cs_book *b, int node, int64_t now);

/* What a policy sees: the nodes' in-flight counts and limits, leaving
 * out node skip - 1 (skip 0: none). */
static inline struct cs_policy_view cs_book_view(const struct cs_book *b, int skip)
{
    return (struct cs_policy_view){b->nodes, b->in_flight, b->limit, skip, b->least.v ? &b->least : NULL};
}

#endif
