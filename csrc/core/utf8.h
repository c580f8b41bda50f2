/* UTF-8 validation per Unicode 15, table 3-7: no overlong forms, no surrogates, nothing past
 * U+10FFFF. */
#ifndef NDES_UTF8_H
#define NDES_UTF8_H

#include <string.h>

#include "common.h"

/* Length (2..4) of the valid multi-byte sequence at p, or 0 when it is invalid or truncated.
 * p[0] must be >= 0x80. */
static inline size_t nd_utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned c = p[0];
    unsigned lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (avail < len || p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return len;
}

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Index of the first byte >= 0x80 in p[0:n], or n; p[0:avail] may be read, avail >= n. */
ND_INLINE size_t nd_ascii_prefix(const unsigned char *p, size_t n, size_t avail)
{
    size_t i = 0;
#if defined(__SSE2__)
    if (n < 16 && avail >= 16) { /* a short string inside a longer input: one load */
        unsigned m =
            (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)p)) & ((1u << n) - 1);
        return m ? (size_t)__builtin_ctz(m) : n;
    }
    if (n >= 16) {
        /* All ASCII, the usual case, shown by OR-ing the blocks (the last one overlapping the
         * one before) and testing once; only a string with a high byte is searched for it. */
        __m128i acc = _mm_loadu_si128((const __m128i *)(p + n - 16));
        for (size_t k = 0; k + 16 < n; k += 16)
            acc = _mm_or_si128(acc, _mm_loadu_si128((const __m128i *)(p + k)));
        if (!_mm_movemask_epi8(acc)) return n;
        for (; n - i >= 16; i += 16) {
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(p + i)));
            if (m) return i + (size_t)__builtin_ctz(m);
        }
    }
#endif
    for (; n - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL) break;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

/* Offset of the first invalid byte of s[0:n], or n when all of it is valid; *ascii tells
 * whether every byte is below 0x80. s[0:avail] may be read, avail >= n. */
static inline size_t nd_utf8_check_in(const char *s, size_t n, size_t avail, bool *ascii)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = nd_ascii_prefix(p, n, avail);
    *ascii = i == n;
    while (i < n) {
        if (p[i] < 0x80) {
            i += nd_ascii_prefix(p + i, n - i, avail - i);
            continue;
        }
        size_t len = nd_utf8_seq(p + i, n - i);
        if (!len) return i;
        i += len;
    }
    return n;
}

static inline size_t nd_utf8_check(const char *s, size_t n, bool *ascii)
{
    return nd_utf8_check_in(s, n, n, ascii);
}

/* Writes code point cp (valid, not a surrogate) as UTF-8; returns the length. */
static inline size_t nd_utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

#endif
