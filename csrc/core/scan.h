/* Finding the next byte a JSON string cannot hold as it is, eight bytes at a time. */
#ifndef NDES_SCAN_H
#define NDES_SCAN_H

#include <string.h>

#include "common.h"

#define ND_ONES 0x0101010101010101ULL
#define ND_HIGHS 0x8080808080808080ULL

/* The high bit of each byte of w that is zero (exact for the lowest such byte, which is all
 * the callers use). */
static inline uint64_t nd_zero_bytes(uint64_t w)
{
    return (w - ND_ONES) & ~w & ND_HIGHS;
}

/* High bits marking '"', '\\' and control characters in w, and bytes >= 0x80 when `high`. */
static inline uint64_t nd_special_bytes(uint64_t w, bool high)
{
    uint64_t m = nd_zero_bytes(w ^ (ND_ONES * '"')) | nd_zero_bytes(w ^ (ND_ONES * '\\')) |
                 ((w - ND_ONES * 0x20) & ~w & ND_HIGHS);
    return high ? m | (w & ND_HIGHS) : m;
}

static inline bool nd_special_byte(unsigned char c, bool high)
{
    return c == '"' || c == '\\' || c < 0x20 || (high && c >= 0x80);
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* A bit per special byte of v. */
ND_INLINE unsigned nd_special_mask_v(__m128i v, bool high)
{
    __m128i m =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    /* As signed bytes, control characters and bytes >= 0x80 are exactly those below 0x20; as
     * unsigned, control characters are those equal to their minimum with 0x1F. */
    __m128i low = high ? _mm_cmplt_epi8(v, _mm_set1_epi8(0x20))
                       : _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(m, low));
}

/* A bit per special byte of p[0:16]. */
ND_INLINE unsigned nd_special_mask16(const unsigned char *p, bool high)
{
    return nd_special_mask_v(_mm_loadu_si128((const __m128i *)p), high);
}
#endif

/* Index of the first special byte in p[i:n], or n. */
ND_INLINE size_t nd_scan_special(const unsigned char *p, size_t i, size_t n, bool high)
{
#if defined(__SSE2__)
    if (n - i >= 16) {
        unsigned m;
        while (n - i >= 16) {
            if ((m = nd_special_mask16(p + i, high))) return i + (size_t)__builtin_ctz(m);
            i += 16;
        }
        if (i == n) return n;
        /* The last block overlaps bytes already found clean, so its first special byte, if
         * any, lies at or after i. */
        m = nd_special_mask16(p + n - 16, high);
        return m ? n - 16 + (size_t)__builtin_ctz(m) : n;
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&                        \
    (defined(__GNUC__) || defined(__clang__))
    if (n - i >= 8) {
        uint64_t w, m;
        while (n - i >= 8) {
            memcpy(&w, p + i, 8);
            if ((m = nd_special_bytes(w, high))) return i + ((size_t)__builtin_ctzll(m) >> 3);
            i += 8;
        }
        if (i == n) return n;
        memcpy(&w, p + n - 8, 8);
        m = nd_special_bytes(w, high);
        return m ? n - 8 + ((size_t)__builtin_ctzll(m) >> 3) : n;
    }
#endif
    while (i < n && !nd_special_byte(p[i], high))
        i++;
    return i;
}

#endif
