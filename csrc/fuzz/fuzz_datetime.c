/* RFC 3339 parsing: what it accepts is a real instant, formats to text that parses back to the
 * same fields, and every refusal points inside the input. */
#include <stdlib.h>
#include <string.h>

#include "datetime_offset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nd_datetime a, b;
    size_t at = 0;
    const char *why = nd_datetime_parse((const char *)data, size, &a, &at);
    if (why) {
        if (at > size) abort();
        return 0;
    }
    if (nd_datetime_check(&a)) abort();
    char text[ND_DATETIME_MAX];
    size_t n = nd_datetime_format(&a, text);
    if (n > ND_DATETIME_MAX || nd_datetime_parse(text, n, &b, &at) ||
        memcmp(&a, &b, sizeof a) != 0 || nd_datetime_instant(&a) != nd_datetime_instant(&b))
        abort();
    return 0;
}
