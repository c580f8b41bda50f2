#include "buf.h"

#include <stdlib.h>

/* An empty buffer points here rather than at NULL, so a zero-length write is well defined. */
static char no_bytes[1];

static int malloc_grow(nd_buf *b, size_t extra)
{
    size_t need = b->len + extra;
    if (need < b->len) return -1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) return -1;
        cap *= 2;
    }
    char *p = realloc(b->data == no_bytes ? NULL : b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

void nd_buf_init_malloc(nd_buf *b)
{
    b->data = no_bytes;
    b->len = 0;
    b->cap = 0;
    b->grow = malloc_grow;
    b->owner = NULL;
}

void nd_buf_free_malloc(nd_buf *b)
{
    if (b->data != no_bytes) free(b->data);
    b->data = no_bytes;
    b->len = b->cap = 0;
}
