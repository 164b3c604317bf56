/*
 * Dispatch policies: which service node gets the next request. Each policy
 * is a row in cs_policies with a name and a pick function; adding one is a
 * row and a function. A policy sees only a read-only view of the nodes'
 * load and may keep a little state of its own.
 */
#ifndef CS_POLICY_H
#define CS_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "cs/mintree.h"
#include "cs/ring.h"
#include "cs/rng.h"

struct cs_policy_view {
    int nodes;            /* active service nodes, indexed 0..nodes-1 */
    const int *in_flight; /* requests sent and not yet answered, per node */
    const int *limit;     /* a node with in_flight >= limit takes nothing */
    int skip;             /* 1 + a node not to pick (a retry's or hedge's last one); 0: none */
    /* The nodes' in-flight counts, a full node's CS_MINTREE_NONE, in a
     * tree (the book keeps one for least_outstanding and pull): they then
     * pick in O(log nodes), the same node a scan would. NULL: scan. */
    const struct cs_mintree *least;
};

struct cs_policy_state {
    uint32_t cursor;   /* round robin position, and where ties start */
    struct cs_rng rng; /* for randomized policies */
    int d;             /* power_of_d: nodes sampled */
    /* jiq (Join-Idle-Queue): the nodes that told this dispatcher they have
     * an idle server (ints, oldest first), each listed at most listed_max
     * times (listed[node]); cs_policy_state_init allocates them. */
    struct cs_ring idle;
    int *listed;
    int listed_max;
};

/* The idle list for `nodes` nodes of at most listed_max servers each. */
int cs_policy_state_init(struct cs_policy_state *st, int nodes, int listed_max);
void cs_policy_state_free(struct cs_policy_state *st);

/* A node said one of its servers is idle: list it, unless it is listed
 * listed_max times already (then the word is redundant: false). */
bool cs_policy_idle(struct cs_policy_state *st, int node);

struct cs_policy {
    const char *name;
    const char *summary;
    /* A pull policy keeps requests in the coordinator's queue until a node
     * has a free server: its limit per node is the node's servers, not
     * dispatch.window. */
    bool pull;
    /* It picks the node with the fewest in flight: a view may give it
     * the tree of them (least), kept by the dispatch book. */
    bool least;
    /* Index of the node to send to, or -1 when no node can take a request
     * now (every limit reached). */
    int (*pick)(struct cs_policy_state *st, const struct cs_policy_view *v);
};

extern const struct cs_policy cs_policies[];
extern const int cs_policy_count;

int cs_policy_find(const char *name);

#endif
