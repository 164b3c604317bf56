/* The min segment tree of mintree.h. */
#include "cs/mintree.h"

#include <stdlib.h>

#include "cs/common.h"

int cs_mintree_init(struct cs_mintree *t, int n)
{
    int size = 1;
    while (size < n)
        size *= 2;
    *t = (struct cs_mintree){.n = n, .size = size, .v = malloc(2 * (size_t)size * sizeof(int))};
    if (!t->v)
        return CS_E_NOMEM;
    for (int k = 0; k < 2 * size; k++)
        t->v[k] = CS_MINTREE_NONE;
    return CS_OK;
}

void cs_mintree_free(struct cs_mintree *t)
{
    free(t->v);
    *t = (struct cs_mintree){0};
}

void cs_mintree_set(struct cs_mintree *t, int i, int key)
{
    int k = t->size + i;
    t->v[k] = key;
    for (k /= 2; k >= 1; k /= 2) {
        int m = t->v[2 * k] < t->v[2 * k + 1] ? t->v[2 * k] : t->v[2 * k + 1];
        if (t->v[k] == m)
            break; /* nothing above changes */
        t->v[k] = m;
    }
}

int cs_mintree_min(const struct cs_mintree *t, int lo, int hi)
{
    int m = CS_MINTREE_NONE;
    for (lo += t->size, hi += t->size; lo < hi; lo /= 2, hi /= 2) {
        if (lo & 1) {
            m = t->v[lo] < m ? t->v[lo] : m;
            lo++;
        }
        if (hi & 1) {
            hi--;
            m = t->v[hi] < m ? t->v[hi] : m;
        }
    }
    return m;
}

/* The first leaf under node k (covering [from, from + width)) within
 * [lo, hi) whose key is <= key, or -1. */
static int first_under(const struct cs_mintree *t, int k, int from, int width, int lo, int hi, int key)
{
    if (from >= hi || from + width <= lo || t->v[k] > key)
        return -1;
    if (width == 1)
        return from;
    int half = width / 2, i = first_under(t, 2 * k, from, half, lo, hi, key);
    return i >= 0 ? i : first_under(t, 2 * k + 1, from + half, half, lo, hi, key);
}

int cs_mintree_first(const struct cs_mintree *t, int lo, int hi, int key)
{
    return lo < hi ? first_under(t, 1, 0, t->size, lo, hi, key) : -1;
}
