/*
 * The record pool of pool.h: one array, doubled by realloc, with the free
 * records chained through their link field.
 */
#include "cs/pool.h"

#include <limits.h>
#include <stdlib.h>

#include "cs/common.h"

void cs_pool_init(struct cs_pool *p, size_t size, size_t link, int initial, const void *blank)
{
    *p = (struct cs_pool){.size = size, .link = link, .blank = blank, .free = -1, .initial = initial};
}

void cs_pool_free(struct cs_pool *p)
{
    free(p->items);
    p->items = NULL;
    p->cap = 0;
    p->free = -1;
}

void *cs_grow(void *items, int *cap, size_t size, int initial)
{
    if (*cap > INT_MAX / 2)
        return NULL;
    int more = *cap ? 2 * *cap : (initial > 0 ? initial : 1);
    void *v = realloc(items, (size_t)more * size);
    if (v)
        *cap = more;
    return v;
}

int cs_pool_grow(struct cs_pool *p)
{
    int old = p->cap;
    char *n = cs_grow(p->items, &p->cap, p->size, p->initial);
    if (!n)
        return CS_E_NOMEM;
    p->items = n;
    int cap = p->cap;
    for (int i = old; i < cap; i++) { /* chained in index order, the first new one first */
        void *rec = cs_pool_at(p, i);
        if (p->blank)
            memcpy(rec, p->blank, p->size);
        else
            memset(rec, 0, p->size);
        int32_t next = i + 1 < cap ? i + 1 : p->free;
        memcpy((char *)rec + p->link, &next, sizeof(next));
    }
    p->free = old;
    return CS_OK;
}
