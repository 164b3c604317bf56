/*
 * A binary min-heap of due times, kept in an array the caller owns: the
 * coordinator's idle closed-loop clients and the virtual engine's
 * wake-ups. Inline: the virtual engine pushes and pops one or two a
 * request.
 */
#ifndef CS_HEAP_H
#define CS_HEAP_H

#include <stdint.h>

struct cs_due {
    int64_t at_ns;
    int32_t id;
};

/* Add (at_ns, id) to the n entries in v; v has room for one more. */
static inline void cs_heap_push(struct cs_due *v, int *n, int64_t at_ns, int32_t id)
{
    int i = (*n)++;
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (v[parent].at_ns <= at_ns)
            break;
        v[i] = v[parent];
        i = parent;
    }
    v[i] = (struct cs_due){at_ns, id};
}

/* Remove and return the earliest of the n > 0 entries in v.
 * Floyd's pop: the hole left at the top goes down the path of smaller
 * children to a leaf (one comparison a level), then the last entry comes
 * up that path past every entry not below it. That places it where the
 * plain sift-down (stop above the first child not below it) would, ties
 * included, at about half the comparisons: the last entry belongs near
 * the bottom. */
static inline struct cs_due cs_heap_pop(struct cs_due *v, int *n)
{
    struct cs_due top = v[0];
    int len = --*n;
    if (len == 0)
        return top;
    struct cs_due last = v[len];
    int i = 0;
    for (int child = 1; child < len; child = 2 * i + 1) {
        if (child + 1 < len && v[child + 1].at_ns < v[child].at_ns)
            child++;
        v[i] = v[child];
        i = child;
    }
    while (i > 0 && v[(i - 1) / 2].at_ns >= last.at_ns) {
        v[i] = v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    v[i] = last;
    return top;
}

#endif
