/* Shared vocabulary of the ndes core: string views, status codes, the error record. */
#ifndef NDES_COMMON_H
#define NDES_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ND_LIKELY(x) __builtin_expect(!!(x), 1)
#define ND_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define ND_LIKELY(x) (x)
#define ND_UNLIKELY(x) (x)
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ND_INLINE static inline __attribute__((always_inline))
#else
#define ND_INLINE static inline
#endif

/* a[0:n] == b[0:n] without a call into the C library: whole blocks, the last one overlapping.
 * Member names, its usual inputs, are 2 to 32 bytes long. */
ND_INLINE bool nd_same_bytes(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
#if defined(__SSE2__)
    if (n >= 16 && n <= 32) {
        __m128i d = _mm_or_si128(
            _mm_xor_si128(_mm_loadu_si128((const __m128i *)x), _mm_loadu_si128((const __m128i *)y)),
            _mm_xor_si128(_mm_loadu_si128((const __m128i *)(x + n - 16)),
                          _mm_loadu_si128((const __m128i *)(y + n - 16))));
        return _mm_movemask_epi8(_mm_cmpeq_epi8(d, _mm_setzero_si128())) == 0xFFFF;
    }
#endif
    uint64_t u, v;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&u, x + i, 8);
            memcpy(&v, y + i, 8);
            if (u != v) return false;
        }
        memcpy(&u, x + n - 8, 8);
        memcpy(&v, y + n - 8, 8);
        return u == v;
    }
    if (n >= 4) {
        uint32_t p, q, r, t;
        memcpy(&p, x, 4);
        memcpy(&q, y, 4);
        memcpy(&r, x + n - 4, 4);
        memcpy(&t, y + n - 4, 4);
        return p == q && r == t;
    }
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return false;
    return true;
}

/* A UTF-8 view; ptr == NULL means "absent", which is not the same as empty. */
typedef struct nd_strv {
    const char *ptr;
    size_t len;
} nd_strv;

typedef enum nd_status {
    ND_OK = 0,
    ND_ERR_NOMEM = -1,    /* an allocation failed */
    ND_ERR_CALLBACK = -2, /* a sink or writer callback failed; its own error is pending */
    ND_ERR_DECODE = -3,   /* malformed input; see nd_error */
} nd_status;

/* Why a decode failed and where: offset is a byte offset into the input. */
typedef struct nd_error {
    size_t offset;
    char msg[200];
} nd_error;

/* Room for an excerpt of at most `max` bytes of input, its "..." and its NUL. */
#define ND_EXCERPT_SIZE(max) ((max) + 4)

/* A short excerpt of UTF-8 text for an error message: at most `max` bytes, cut between
 * characters (never inside one), control characters shown as '?', "..." when shortened. */
const char *nd_excerpt(const char *s, size_t n, size_t max, char *out);

void nd_error_set(nd_error *err, size_t offset, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
