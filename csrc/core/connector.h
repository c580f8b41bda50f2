/* The ndesConnector resource as the codecs see it: its properties, their wire names and kinds,
 * the view an encoder reads, and the sink a decoder fills. */
#ifndef NDES_CONNECTOR_H
#define NDES_CONNECTOR_H

#include <string.h>

#include "buf.h"
#include "datetime_offset.h"
#include "state.h"

/* The properties in wire order (a request body lists them in this order, after @odata.type):
 * X(enum suffix, wire name, kind). Every table of names, kinds or encoded keys is made from this
 * one list. */
#define ND_FIELD_LIST(X)                                                                           \
    X(ID, "id", STR)                                                                               \
    X(LAST_CONNECTION, "lastConnectionDateTime", DATETIME)                                         \
    X(STATE, "state", STATE)                                                                       \
    X(DISPLAY_NAME, "displayName", STR)                                                            \
    X(ENROLLED, "enrolledDateTime", DATETIME)                                                      \
    X(MACHINE_NAME, "machineName", STR)                                                            \
    X(CONNECTOR_VERSION, "connectorVersion", STR)                                                  \
    X(ROLE_SCOPE_TAG_IDS, "roleScopeTagIds", STR_LIST)

#define ND_FIELD_ENUM_(e, name, kind) ND_F_##e,
typedef enum nd_field { ND_FIELD_LIST(ND_FIELD_ENUM_) ND_F_COUNT } nd_field;
#undef ND_FIELD_ENUM_

typedef enum nd_kind { ND_K_STR, ND_K_DATETIME, ND_K_STATE, ND_K_STR_LIST } nd_kind;

extern const nd_strv nd_field_wire[ND_F_COUNT];
extern const nd_kind nd_field_kind[ND_F_COUNT];

#define ND_ODATA_TYPE_KEY "@odata.type"
#define ND_ODATA_TYPE "#microsoft.graph.ndesConnector"
#define ND_ODATA_CONTEXT_KEY "@odata.context"

/* Nesting limit for decoded documents, the connector object itself counting as 1. */
#define ND_MAX_DEPTH 64

/* What a key of a decoded connector object means. */
typedef enum nd_key_class {
    ND_KEY_FIELD,      /* a known property; *field says which */
    ND_KEY_ODATA_TYPE, /* must name the ndesConnector type */
    ND_KEY_ANNOTATION, /* response-only (@odata.context, @odata.etag, ...): read and dropped */
    ND_KEY_EXTRA,      /* a property this model does not know: kept in additional data */
} nd_key_class;

nd_key_class nd_classify_key(const char *key, size_t n, nd_field *field);

/* True when s names the connector's type, with or without the leading '#'. */
bool nd_is_connector_type(const char *s, size_t n);

/* ---- encoding ---------------------------------------------------------------------------- */

/* A connector to encode: views into its owner's memory, valid for the call. */
typedef struct nd_connector_view {
    nd_strv id, state, display_name, machine_name, connector_version; /* ptr NULL: unset */
    nd_datetime last_connection, enrolled;                            /* .present */
    const nd_strv *role_tags;
    size_t n_role_tags;
    bool has_role_tags;
    /* Additional properties, written after the known ones by their owner's callback: for JSON
     * each as `,"key":value`; for MessagePack n_extra key/value pairs. */
    size_t n_extra;
    int (*write_extra)(void *ctx, nd_buf *b);
    void *extra_ctx;
} nd_connector_view;

/* Both return ND_OK, ND_ERR_NOMEM or ND_ERR_CALLBACK. */
int nd_json_write_connector(nd_buf *b, const nd_connector_view *c);
int nd_mp_write_connector(nd_buf *b, const nd_connector_view *c);

/* ---- decoding ---------------------------------------------------------------------------- */

/* A sink callback returns 0 to go on, -1 when it failed (its error is the caller's to report),
 * ND_SINK_DUPLICATE when a key repeats one already seen in the same object, or
 * ND_SINK_OUT_OF_RANGE when a number has no finite value. The decoder turns the last two into a
 * decode error at the token's offset. */
#define ND_SINK_DUPLICATE 1
#define ND_SINK_OUT_OF_RANGE 2

typedef struct nd_sink nd_sink;
typedef struct nd_sink_vt {
    /* Known properties. `ascii` tells that every byte is below 0x80. */
    int (*str)(nd_sink *s, nd_field f, const char *p, size_t n, bool ascii);
    int (*null)(nd_sink *s, nd_field f);
    int (*datetime)(nd_sink *s, nd_field f, const nd_datetime *dt);
    int (*state)(nd_sink *s, nd_state st, const char *raw, size_t n, bool ascii);
    int (*list_begin)(nd_sink *s, nd_field f, size_t hint); /* items then come through str() */
    /* An additional property: its key, then exactly one value through the v_ calls. */
    int (*extra_key)(nd_sink *s, const char *p, size_t n, bool ascii);
    int (*v_null)(nd_sink *s);
    int (*v_bool)(nd_sink *s, bool v);
    int (*v_int)(nd_sink *s, int64_t v);
    int (*v_uint)(nd_sink *s, uint64_t v);
    int (*v_bigint)(nd_sink *s, const char *digits, size_t n); /* JSON integer beyond 64 bits */
    int (*v_float)(nd_sink *s, double v);                      /* MessagePack float */
    int (*v_float_text)(nd_sink *s, const char *p, size_t n);  /* JSON number with . or e */
    int (*v_str)(nd_sink *s, const char *p, size_t n, bool ascii);
    int (*v_array_begin)(nd_sink *s, size_t hint);
    int (*v_array_end)(nd_sink *s);
    int (*v_map_begin)(nd_sink *s, size_t hint);
    int (*v_map_key)(nd_sink *s, const char *p, size_t n, bool ascii);
    int (*v_map_end)(nd_sink *s);
    /* Arrays of connectors: each item's fields come between these two. */
    int (*item_begin)(nd_sink *s, size_t index);
    int (*item_end)(nd_sink *s, size_t index);
    /* Pages of a collection: the @odata.nextLink, when it is a string. */
    int (*next_link)(nd_sink *s, const char *p, size_t n, bool ascii);
} nd_sink_vt;

struct nd_sink {
    const nd_sink_vt *vt;
};

/* Both return ND_OK, ND_ERR_DECODE (err filled), ND_ERR_NOMEM or ND_ERR_CALLBACK. */
int nd_json_read_connector(const char *data, size_t n, nd_sink *sink, nd_error *err);
int nd_mp_read_connector(const char *data, size_t n, nd_sink *sink, nd_error *err);

/* The same for an array of connectors; an error inside an item names its index. */
int nd_json_read_connectors(const char *data, size_t n, nd_sink *sink, nd_error *err);
int nd_mp_read_connectors(const char *data, size_t n, nd_sink *sink, nd_error *err);

/* A page of a collection: {"value": [connectors...], "@odata.nextLink": link or null}, members
 * in any order, other members (@odata.context, @odata.count...) read and dropped. The items
 * come as in the array readers, the link through next_link. */
int nd_json_read_page(const char *data, size_t n, nd_sink *sink, nd_error *err);
int nd_mp_read_page(const char *data, size_t n, nd_sink *sink, nd_error *err);

#endif
