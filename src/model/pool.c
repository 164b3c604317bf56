/*
 * The record pool of pool.h: one array, doubled by realloc, with the free
 * records chained through their link field.
 */
#include "cs/pool.h"

#include <stdlib.h>

#include "cs/common.h"

void cs_pool_init(struct cs_pool *p, size_t size, size_t link, int initial, const void *blank)
{
    *p = (struct cs_pool){.size = size, .link = link, .blank = blank, .free = -1, .initial = initial > 0 ? initial : 1};
}

void cs_pool_free(struct cs_pool *p)
{
    free(p->items);
    p->items = NULL;
    p->cap = 0;
    p->free = -1;
}

int cs_pool_grow(struct cs_pool *p)
{
    if (p->cap > INT32_MAX / 2)
        return CS_E_NOMEM;
    int32_t cap = p->cap ? p->cap * 2 : p->initial;
    char *n = realloc(p->items, (size_t)cap * p->size);
    if (!n)
        return CS_E_NOMEM;
    p->items = n;
    for (int32_t i = p->cap; i < cap; i++) { /* chained in index order, the first new one first */
        void *rec = cs_pool_at(p, i);
        if (p->blank)
            memcpy(rec, p->blank, p->size);
        else
            memset(rec, 0, p->size);
        int32_t next = i + 1 < cap ? i + 1 : p->free;
        memcpy((char *)rec + p->link, &next, sizeof(next));
    }
    p->free = p->cap;
    p->cap = cap;
    return CS_OK;
}
