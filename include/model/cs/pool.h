/*
 * Records of one fixed size, each named by its index, taken and given back
 * in any order (src/model/pool.c): the coordinator's requests and attempt
 * slots, a relay's requests. It starts at `initial` records and doubles when
 * none is free; a free record keeps the index of the next free one in an
 * int32_t at `link` bytes into it. An index stays valid as the pool grows,
 * a pointer from cs_pool_at only until the next take. And cs_grow, the
 * doubling every growable array here uses.
 */
#ifndef CS_POOL_H
#define CS_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cs_pool {
    char *items;
    size_t size, link;
    const void *blank; /* what a record starts as (NULL: zeroes) */
    int cap;
    int32_t free;
    int initial;
};

/* Room for one more element in an array of *cap elements of size bytes
 * that doubles as it fills (`initial` at first): the array, moved perhaps,
 * with *cap raised; NULL when out of memory (items and *cap as they were). */
void *cs_grow(void *items, int *cap, size_t size, int initial);

/* An empty pool; it allocates on the first take. */
void cs_pool_init(struct cs_pool *p, size_t size, size_t link, int initial, const void *blank);
void cs_pool_free(struct cs_pool *p);
/* Double the records (CS_OK, or CS_E_NOMEM); for cs_pool_take. */
int cs_pool_grow(struct cs_pool *p);

static inline void *cs_pool_at(const struct cs_pool *p, int i)
{
    return p->items + (size_t)i * p->size;
}

/* A free record's index (it holds what it held when given back, or blank
 * when new), or CS_E_NOMEM. */
static inline int cs_pool_take(struct cs_pool *p)
{
    if (p->free < 0) {
        int rc = cs_pool_grow(p);
        if (rc < 0)
            return rc;
    }
    int i = p->free;
    memcpy(&p->free, (char *)cs_pool_at(p, i) + p->link, sizeof(p->free));
    return i;
}

/* Give record i back. */
static inline void cs_pool_put(struct cs_pool *p, int i)
{
    memcpy((char *)cs_pool_at(p, i) + p->link, &p->free, sizeof(p->free));
    p->free = i;
}

#endif
