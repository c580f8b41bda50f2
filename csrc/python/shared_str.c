/* Decoded values that repeat from one connector to the next share one str. A tenant's connectors
 * mostly run the same connector version and carry the same few role scope tags, so a page of
 * them, or a stream of single decodes, would otherwise make the same short str again for each.
 * The last str made for each of SHARED_STRS_SIZE buckets of short ASCII values is kept, keyed by
 * its bytes; a value found there is the same str, which is immutable, so sharing it is as good as
 * a copy (the interpreter shares its one-character strs the same way), and saves both the
 * allocation and, when the connector goes, the free. A value not found costs its key and one
 * store. */
#include "ndes_py.h"

/* The bytes of a value of 1 to 8 bytes as one word; with its length, a key no other value of
 * that length has. */
static inline uint64_t word_of(const char *p, size_t n)
{
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4); /* overlaps lo when n < 8: together they cover every byte */
        return lo | (uint64_t)hi << 32;
    }
    return (uint8_t)p[0] | (uint64_t)(uint8_t)p[n / 2] << 8 | (uint64_t)(uint8_t)p[n - 1] << 16;
}

PyObject *shared_ascii_str(ModState *st, const char *p, size_t n)
{
#ifdef Py_GIL_DISABLED
    (void)st; /* the buckets would need a lock, which costs what they save */
    return ascii_to_str(p, n);
#else
    if (n < 2 || n > SHARED_STR_MAX) return ascii_to_str(p, n); /* 1: the interpreter's own */
    uint64_t a, b = 0;
    if (n > 8) {
        memcpy(&a, p, 8);
        memcpy(&b, p + n - 8, 8);
    } else {
        a = word_of(p, n);
    }
    const uint64_t k = 0x9E3779B97F4A7C15u; /* 2^64 / golden ratio: spreads every input bit */
    uint64_t h = ((a ^ (b + n) * k) * k) >> (64 - SHARED_STRS_BITS);
    SharedStr *e = &st->shared_strs[h];
    if (e->s && e->a == a && e->b == b && e->n == n) return Py_NewRef(e->s);
    PyObject *s = ascii_to_str(p, n);
    if (!s) return NULL;
    PyObject *old = e->s;
    *e = (SharedStr){a, b, n, Py_NewRef(s)};
    Py_XDECREF(old); /* a str: freeing it runs no Python code */
    return s;
#endif
}

void clear_shared_strs(ModState *st)
{
    for (size_t i = 0; i < SHARED_STRS_SIZE; i++)
        Py_CLEAR(st->shared_strs[i].s);
}
