/* The min-heap of heap.h. */
#include "cs/heap.h"

void cs_heap_push(struct cs_due *v, int *n, int64_t at_ns, int32_t id)
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

struct cs_due cs_heap_pop(struct cs_due *v, int *n)
{
    struct cs_due top = v[0], last = v[--*n];
    int i = 0;
    for (;;) {
        int child = 2 * i + 1;
        if (child >= *n)
            break;
        if (child + 1 < *n && v[child + 1].at_ns < v[child].at_ns)
            child++;
        if (v[child].at_ns >= last.at_ns)
            break;
        v[i] = v[child];
        i = child;
    }
    if (*n > 0)
        v[i] = last;
    return top;
}
