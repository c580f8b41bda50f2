#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *nd_excerpt(const char *s, size_t n, size_t max, char *out)
{
    size_t len = n;
    if (len > max) {
        len = max;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--; /* s[len] continues a character: cut before that character */
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = c < 0x20 || c == 0x7F ? '?' : (char)c;
    }
    if (len < n) {
        memcpy(out + len, "...", 3);
        len += 3;
    }
    out[len] = '\0';
    return out;
}

void nd_error_set(nd_error *err, size_t offset, const char *fmt, ...)
{
    va_list ap;
    err->offset = offset;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}
