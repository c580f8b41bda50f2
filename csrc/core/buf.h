/* The output buffer every encoder writes into. Its owner supplies `grow`: the Python binding
 * resizes a bytes object in place, the C tests and fuzzers use malloc. Encoders reserve once per
 * token and then write without further checks. */
#ifndef NDES_BUF_H
#define NDES_BUF_H

#include <string.h>

#include "common.h"

typedef struct nd_buf nd_buf;
struct nd_buf {
    char *data;
    size_t len;
    size_t cap;
    /* Make room for at least `extra` more bytes; updates data and cap; 0 or -1. */
    int (*grow)(nd_buf *b, size_t extra);
    void *owner;
};

static inline int nd_buf_reserve(nd_buf *b, size_t extra)
{
    if (ND_LIKELY(b->cap - b->len >= extra)) return 0;
    return b->grow(b, extra);
}

/* Write after a reserve that covered it. */
static inline void nd_buf_put(nd_buf *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void nd_buf_putc(nd_buf *b, char c)
{
    b->data[b->len++] = c;
}

static inline int nd_buf_append(nd_buf *b, const void *p, size_t n)
{
    if (ND_UNLIKELY(nd_buf_reserve(b, n) < 0)) return -1;
    nd_buf_put(b, p, n);
    return 0;
}

/* A malloc-backed buffer, for callers without an interpreter. */
void nd_buf_init_malloc(nd_buf *b);
void nd_buf_free_malloc(nd_buf *b);

#endif
