#include "connector.h"

#include <string.h>

#define WIRE_(e, name, kind) {name, sizeof(name) - 1},
const nd_strv nd_field_wire[ND_F_COUNT] = {ND_FIELD_LIST(WIRE_)};

#define KIND_(e, name, kind) ND_K_##kind,
const nd_kind nd_field_kind[ND_F_COUNT] = {ND_FIELD_LIST(KIND_)};

nd_key_class nd_classify_key(const char *key, size_t n, nd_field *field)
{
    for (int f = 0; f < ND_F_COUNT; f++) {
        if (n == nd_field_wire[f].len && memcmp(key, nd_field_wire[f].ptr, n) == 0) {
            *field = (nd_field)f;
            return ND_KEY_FIELD;
        }
    }
    if (n >= 7 && memcmp(key, "@odata.", 7) == 0) {
        if (n == sizeof(ND_ODATA_TYPE_KEY) - 1 && memcmp(key, ND_ODATA_TYPE_KEY, n) == 0)
            return ND_KEY_ODATA_TYPE;
        return ND_KEY_ANNOTATION;
    }
    return ND_KEY_EXTRA;
}

bool nd_is_connector_type(const char *s, size_t n)
{
    static const char t[] = ND_ODATA_TYPE;
    if (n == sizeof t - 1 && memcmp(s, t, n) == 0) return true;
    return n == sizeof t - 2 && memcmp(s, t + 1, n) == 0;
}
