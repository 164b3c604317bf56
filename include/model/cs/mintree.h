/*
 * A min segment tree over n integer keys (src/model/mintree.c): the least
 * key in a range, and the first index in a range whose key is at most a
 * value, each in O(log n). The dispatch book keeps one of the nodes'
 * in-flight counts (a full node's key CS_MINTREE_NONE) so that
 * least_outstanding and pull pick among 1,000,000 nodes without a scan.
 */
#ifndef CS_MINTREE_H
#define CS_MINTREE_H

#include <limits.h>

#define CS_MINTREE_NONE INT_MAX /* a key that is never the least: no such index */

struct cs_mintree {
    int n, size; /* keys, and the leaves (a power of two >= n) */
    int *v;      /* [2 * size]: v[size + i] is key i, v[k] the least of v[2k] and v[2k + 1] */
};

/* n keys, all CS_MINTREE_NONE. CS_OK or CS_E_NOMEM. */
int cs_mintree_init(struct cs_mintree *t, int n);
void cs_mintree_free(struct cs_mintree *t);
void cs_mintree_set(struct cs_mintree *t, int i, int key);
/* The least key of indexes lo..hi-1 (CS_MINTREE_NONE when empty). */
int cs_mintree_min(const struct cs_mintree *t, int lo, int hi);
/* The first index of lo..hi-1 whose key is <= key, or -1. */
int cs_mintree_first(const struct cs_mintree *t, int lo, int hi, int key);

#endif
