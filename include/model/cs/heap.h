/*
 * A binary min-heap of due times (src/model/heap.c), kept in an array the
 * caller owns: the coordinator's idle closed-loop clients and the virtual
 * engine's node wake-ups.
 */
#ifndef CS_HEAP_H
#define CS_HEAP_H

#include <stdint.h>

struct cs_due {
    int64_t at_ns;
    int32_t id;
};

/* Add (at_ns, id) to the n entries in v; v has room for one more. */
void cs_heap_push(struct cs_due *v, int *n, int64_t at_ns, int32_t id);
/* Remove and return the earliest of the n > 0 entries in v. */
struct cs_due cs_heap_pop(struct cs_due *v, int *n);

#endif
