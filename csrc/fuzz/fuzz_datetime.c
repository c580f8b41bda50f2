/* RFC 3339 parsing: the fast path and the careful one give the same answers; what is accepted
 * is a real instant and formats to text that parses back to the same fields; every refusal
 * points inside the input. */
#include <stdlib.h>
#include <string.h>

#include "datetime_offset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nd_datetime a, b, c;
    size_t at = 0, at_careful = 0;
    const char *why = nd_datetime_parse((const char *)data, size, &a, &at);
    const char *why_careful = nd_datetime_parse_careful((const char *)data, size, &c, &at_careful);
    /* The fast path and the careful one agree on every input: the reason, where, the fields. */
    if (!why != !why_careful || (why && (strcmp(why, why_careful) != 0 || at != at_careful)) ||
        (!why && memcmp(&a, &c, sizeof a) != 0))
        abort();
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
