/* Shared vocabulary of the ndes core: string views, status codes, the error record. */
#ifndef NDES_COMMON_H
#define NDES_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define ND_LIKELY(x) __builtin_expect(!!(x), 1)
#define ND_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define ND_LIKELY(x) (x)
#define ND_UNLIKELY(x) (x)
#endif

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
