/* ndesConnectorState: the values Graph documents for the connector's state. */
#ifndef NDES_STATE_H
#define NDES_STATE_H

#include "common.h"

typedef enum nd_state {
    ND_STATE_UNKNOWN = -1, /* a value the server sent that this table does not know */
    ND_STATE_NONE = 0,
    ND_STATE_ACTIVE,
    ND_STATE_INACTIVE,
    ND_STATE_COUNT
} nd_state;

extern const nd_strv nd_state_names[ND_STATE_COUNT];

/* The state whose wire name is exactly s[0:n], or ND_STATE_UNKNOWN. */
nd_state nd_state_lookup(const char *s, size_t n);

#endif
