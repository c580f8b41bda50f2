#include "state.h"

#include <string.h>

#define SV(s)                                                                                      \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
const nd_strv nd_state_names[ND_STATE_COUNT] = {SV("none"), SV("active"), SV("inactive")};

nd_state nd_state_lookup(const char *s, size_t n)
{
    for (int i = 0; i < ND_STATE_COUNT; i++)
        if (n == nd_state_names[i].len && memcmp(s, nd_state_names[i].ptr, n) == 0)
            return (nd_state)i;
    return ND_STATE_UNKNOWN;
}
