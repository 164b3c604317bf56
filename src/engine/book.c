/* The dispatch book of book.h. */
#include "cs/book.h"

#include <stdbool.h>
#include <stdlib.h>

#include "cs/common.h"

int cs_book_init(struct cs_book *b, int nodes, const struct cs_policy *policy, int d, int servers_max)
{
    size_t n = (size_t)(nodes > 0 ? nodes : 1);
    bool least = policy && policy->least;
    *b = (struct cs_book){.nodes = nodes, .policy = policy, .state = {.d = d}};
    b->in_flight = calloc(n, sizeof(*b->in_flight));
    b->limit = calloc(n, sizeof(*b->limit));
    b->replied_ns = malloc(n * sizeof(*b->replied_ns));
    if (!b->in_flight || !b->limit || !b->replied_ns || cs_policy_state_init(&b->state, nodes, servers_max) != CS_OK ||
        (least && nodes > CS_BOOK_TREE_MIN && cs_mintree_init(&b->least, nodes) != CS_OK)) {
        cs_book_free(b);
        return CS_E_NOMEM;
    }
    for (int i = 0; i < nodes; i++)
        b->replied_ns[i] = INT64_MIN;
    return CS_OK;
}

void cs_book_free(struct cs_book *b)
{
    cs_policy_state_free(&b->state);
    free(b->in_flight);
    free(b->limit);
    free(b->replied_ns);
    cs_mintree_free(&b->least);
    *b = (struct cs_book){0};
}

void cs_book_set_limit(struct cs_book *b, int node, int limit)
{
    bool was_open = b->in_flight[node] < b->limit[node];
    b->limit[node] = limit;
    b->open += (int)(b->in_flight[node] < limit) - (int)was_open;
    cs_book_index(b, node);
}
