#include "common.h"

#include <stdarg.h>
#include <stdio.h>

void nd_error_set(nd_error *err, size_t offset, const char *fmt, ...)
{
    va_list ap;
    err->offset = offset;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}
