/*
 * A binary min-heap of due times, kept in an array the caller owns: the
 * coordinator's idle closed-loop clients and the virtual engine's
 * wake-ups. Inline: the virtual engine pushes and pops one or two a
 * request.
 */
#ifndef CS_HEAP_H
#define CS_HEAP_H

#include <stdbool.h>
#include <stdint.h>

struct cs_due {
    int64_t at_ns;
    int32_t id;
};

/* The order of the heap: by time, and at one time by id. A total order,
 * so that what comes out first never depends on how the entries happen to
 * lie in the array (a tie went either way before, as the heap's shape
 * had it: an entry more or fewer anywhere could turn a virtual run's
 * order at one instant). */
static inline bool cs_due_before(struct cs_due a, struct cs_due b)
{
    return a.at_ns != b.at_ns ? a.at_ns < b.at_ns : a.id < b.id;
}

/* Add (at_ns, id) to the n entries in v; v has room for one more. */
static inline void cs_heap_push(struct cs_due *v, int *n, int64_t at_ns, int32_t id)
{
    struct cs_due d = {at_ns, id};
    int i = (*n)++;
    while (i > 0 && cs_due_before(d, v[(i - 1) / 2])) {
        v[i] = v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    v[i] = d;
}

/* Remove and return the first of the n > 0 entries in v. Floyd's pop: the
 * hole left at the top goes down the path of the first children to a leaf
 * (one comparison a level), then the last entry comes up that path past
 * every entry after it: about half the comparisons of the plain sift-down,
 * as the last entry belongs near the bottom. */
static inline struct cs_due cs_heap_pop(struct cs_due *v, int *n)
{
    struct cs_due top = v[0];
    int len = --*n;
    if (len == 0)
        return top;
    struct cs_due last = v[len];
    int i = 0;
    for (int child = 1; child < len; child = 2 * i + 1) {
        if (child + 1 < len && cs_due_before(v[child + 1], v[child]))
            child++;
        v[i] = v[child];
        i = child;
    }
    while (i > 0 && cs_due_before(last, v[(i - 1) / 2])) {
        v[i] = v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    v[i] = last;
    return top;
}

#endif
