/* The token stream both decoders produce: the JSON and MessagePack readers each turn bytes into
 * these, and one assembler (decode_impl.h) turns tokens into a connector. */
#ifndef NDES_TOKEN_H
#define NDES_TOKEN_H

#include "datetime_offset.h"

typedef enum nd_tok_type {
    ND_T_NULL,
    ND_T_BOOL,
    ND_T_INT,
    ND_T_UINT,
    ND_T_BIGINT,     /* JSON integer beyond 64 bits: text in s */
    ND_T_FLOAT,      /* MessagePack float */
    ND_T_FLOAT_TEXT, /* JSON number with a fraction or exponent: text in s */
    ND_T_STR,
    ND_T_ARRAY, /* items follow, then ND_T_END */
    ND_T_MAP,   /* key and value tokens follow, then ND_T_END */
    ND_T_END,
    ND_T_TIMESTAMP, /* MessagePack timestamp extension, as UTC */
    ND_T_BINARY,    /* MessagePack bin or another extension type: never valid here */
} nd_tok_type;

typedef struct nd_token {
    nd_tok_type type;
    size_t offset; /* where the token starts in the input */
    union {
        bool b;
        int64_t i;
        uint64_t u;
        double f;
        nd_datetime ts;
        size_t count; /* ND_T_ARRAY / ND_T_MAP: announced items (MessagePack), else 0 */
    } v;
    /* Strings and number texts: a view valid until the next token. */
    const char *s;
    size_t n;
    bool ascii;
    /* Where the string's bytes start in the input, or (size_t)-1 when it was unescaped. */
    size_t content_offset;
} nd_token;

static inline const char *nd_tok_name(nd_tok_type t)
{
    switch (t) {
    case ND_T_NULL:
        return "null";
    case ND_T_BOOL:
        return "a boolean";
    case ND_T_INT:
    case ND_T_UINT:
    case ND_T_BIGINT:
        return "an integer";
    case ND_T_FLOAT:
    case ND_T_FLOAT_TEXT:
        return "a number";
    case ND_T_STR:
        return "a string";
    case ND_T_ARRAY:
        return "an array";
    case ND_T_MAP:
        return "an object";
    case ND_T_END:
        return "the end of a container";
    case ND_T_TIMESTAMP:
        return "a timestamp";
    case ND_T_BINARY:
        return "binary data";
    }
    return "?";
}

#endif
