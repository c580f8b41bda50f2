/* The connector assembler: turns a token stream into sink calls, with the rules both formats
 * share (known fields and their kinds, @odata.type, dropped annotations, duplicate keys, state
 * and date parsing, error messages that name the wire field).
 *
 * Compiled into each reader (json_read.c, mp_read.c) so that its token function inlines here.
 * The including file defines `struct reader` and the three functions declared below; an error
 * is a negative code with err filled. */
#ifndef NDES_DECODE_IMPL_H
#define NDES_DECODE_IMPL_H

#include <math.h>
#include <stdio.h>

#include "connector.h"
#include "token.h"

struct reader;
ND_INLINE int reader_next(struct reader *r, nd_token *t, nd_error *err);
static int reader_finish(struct reader *r, nd_error *err);
/* The members the direct path looks for besides the properties: @odata.type, which leads a
 * request body, and @odata.context, which leads Graph's responses. */
#define ND_MEMBER_TYPE ND_F_COUNT
#define ND_MEMBER_CONTEXT (ND_F_COUNT + 1)
#define ND_MEMBER_COUNT (ND_F_COUNT + 2)

/* When the next member of the open object is `which` (a property or ND_MEMBER_*) with
 * its key written plainly (compared as bytes: documents list their fields in wire order, so this
 * is the usual case), reads past the key and reads the value's first token into *value, and
 * returns 1; otherwise consumes nothing and returns 0, for the general path to read the member.
 * Negative: an error, err filled. */
ND_INLINE int reader_member(struct reader *r, int which, nd_token *value, nd_error *err);

#define NEXT(t)                                                                                    \
    do {                                                                                           \
        int rc_ = reader_next(r, (t), err);                                                        \
        if (ND_UNLIKELY(rc_ != ND_OK)) return rc_;                                                 \
    } while (0)

/* Calls the sink unless skipping (sink == NULL); a failing callback stops the decode. */
#define EMIT(call)                                                                                 \
    do {                                                                                           \
        if (sink && ND_UNLIKELY((call) < 0)) return ND_ERR_CALLBACK;                               \
    } while (0)

/* The same for a number, which the sink may find out of range. */
#define EMIT_NUMBER(call)                                                                          \
    do {                                                                                           \
        int rc_ = sink ? (call) : 0;                                                               \
        if (ND_UNLIKELY(rc_ == ND_SINK_OUT_OF_RANGE)) {                                            \
            nd_error_set(err, t->offset, "number out of range");                                   \
            return ND_ERR_DECODE;                                                                  \
        }                                                                                          \
        if (ND_UNLIKELY(rc_ < 0)) return ND_ERR_CALLBACK;                                          \
    } while (0)

static int decode_fail(nd_error *err, size_t offset, const char *what, const nd_token *t)
{
    nd_error_set(err, offset, "%s, got %s", what, nd_tok_name(t->type));
    return ND_ERR_DECODE;
}

static int duplicate_key(nd_error *err, const nd_token *key)
{
    char quoted[ND_EXCERPT_SIZE(60)];
    nd_error_set(err, key->offset, "duplicate key \"%s\"", nd_excerpt(key->s, key->n, 60, quoted));
    return ND_ERR_DECODE;
}

/* A key callback: 0 on, -1 failed, ND_SINK_DUPLICATE. */
static int key_result(int rc, nd_error *err, const nd_token *key)
{
    if (rc == ND_SINK_DUPLICATE) return duplicate_key(err, key);
    return rc < 0 ? ND_ERR_CALLBACK : ND_OK;
}

static int timestamp_text(const nd_datetime *dt, nd_sink *sink)
{
    char text[ND_DATETIME_MAX];
    size_t n = nd_datetime_format(dt, text);
    EMIT(sink->vt->v_str(sink, text, n, true));
    return ND_OK;
}

/* Any JSON-compatible value whose first token is t; sink NULL reads and drops it. */
static int read_value(struct reader *r, nd_token *t, nd_sink *sink, nd_error *err)
{
    switch (t->type) {
    case ND_T_NULL:
        EMIT(sink->vt->v_null(sink));
        return ND_OK;
    case ND_T_BOOL:
        EMIT(sink->vt->v_bool(sink, t->v.b));
        return ND_OK;
    case ND_T_INT:
        EMIT(sink->vt->v_int(sink, t->v.i));
        return ND_OK;
    case ND_T_UINT:
        EMIT(sink->vt->v_uint(sink, t->v.u));
        return ND_OK;
    case ND_T_BIGINT:
        EMIT_NUMBER(sink->vt->v_bigint(sink, t->s, t->n));
        return ND_OK;
    case ND_T_FLOAT:
        if (!isfinite(t->v.f)) { /* NaN and infinities have no JSON form */
            nd_error_set(err, t->offset, "number is not finite");
            return ND_ERR_DECODE;
        }
        EMIT(sink->vt->v_float(sink, t->v.f));
        return ND_OK;
    case ND_T_FLOAT_TEXT:
        EMIT_NUMBER(sink->vt->v_float_text(sink, t->s, t->n));
        return ND_OK;
    case ND_T_STR:
        EMIT(sink->vt->v_str(sink, t->s, t->n, t->ascii));
        return ND_OK;
    case ND_T_TIMESTAMP:
        return sink ? timestamp_text(&t->v.ts, sink) : ND_OK;
    case ND_T_ARRAY:
        EMIT(sink->vt->v_array_begin(sink, t->v.count));
        for (;;) {
            NEXT(t);
            if (t->type == ND_T_END) break;
            int rc = read_value(r, t, sink, err);
            if (rc != ND_OK) return rc;
        }
        EMIT(sink->vt->v_array_end(sink));
        return ND_OK;
    case ND_T_MAP:
        EMIT(sink->vt->v_map_begin(sink, t->v.count));
        for (;;) {
            NEXT(t);
            if (t->type == ND_T_END) break;
            if (t->type != ND_T_STR) return decode_fail(err, t->offset, "expected a string key", t);
            if (sink) {
                int rc = key_result(sink->vt->v_map_key(sink, t->s, t->n, t->ascii), err, t);
                if (rc != ND_OK) return rc;
            }
            NEXT(t);
            int rc = read_value(r, t, sink, err);
            if (rc != ND_OK) return rc;
        }
        EMIT(sink->vt->v_map_end(sink));
        return ND_OK;
    case ND_T_END:
    case ND_T_BINARY:
        break;
    }
    return decode_fail(err, t->offset, "expected a JSON-compatible value", t);
}

static int field_fail(nd_error *err, const nd_token *t, nd_field f, const char *expected)
{
    nd_error_set(err, t->offset, "%s: expected %s, got %s", nd_field_wire[f].ptr, expected,
                 nd_tok_name(t->type));
    return ND_ERR_DECODE;
}

static int read_datetime(const nd_token *t, nd_field f, nd_sink *sink, nd_error *err)
{
    if (t->type == ND_T_TIMESTAMP) {
        EMIT(sink->vt->datetime(sink, f, &t->v.ts));
        return ND_OK;
    }
    if (t->type != ND_T_STR) return field_fail(err, t, f, "an RFC 3339 date-time string or null");
    nd_datetime dt;
    size_t at;
    const char *why = nd_datetime_parse(t->s, t->n, &dt, &at);
    if (why) {
        size_t offset = t->content_offset != (size_t)-1 ? t->content_offset + at : t->offset;
        char quoted[ND_EXCERPT_SIZE(40)];
        nd_error_set(err, offset, "%s: %s in \"%s\"", nd_field_wire[f].ptr, why,
                     nd_excerpt(t->s, t->n, 40, quoted));
        return ND_ERR_DECODE;
    }
    EMIT(sink->vt->datetime(sink, f, &dt));
    return ND_OK;
}

/* The value of known field f, whose first token is t. */
ND_INLINE int read_field(struct reader *r, nd_field f, nd_token *t, nd_sink *sink, nd_error *err)
{
    if (t->type == ND_T_NULL) {
        EMIT(sink->vt->null(sink, f));
        return ND_OK;
    }
    switch (nd_field_kind[f]) {
    case ND_K_STR:
        if (t->type != ND_T_STR) return field_fail(err, t, f, "a string or null");
        EMIT(sink->vt->str(sink, f, t->s, t->n, t->ascii));
        return ND_OK;
    case ND_K_STATE:
        if (t->type != ND_T_STR) return field_fail(err, t, f, "a string or null");
        EMIT(sink->vt->state(sink, nd_state_lookup(t->s, t->n), t->s, t->n, t->ascii));
        return ND_OK;
    case ND_K_DATETIME:
        return read_datetime(t, f, sink, err);
    case ND_K_STR_LIST:
        if (t->type != ND_T_ARRAY) return field_fail(err, t, f, "an array of strings or null");
        EMIT(sink->vt->list_begin(sink, f, t->v.count));
        for (size_t i = 0;; i++) {
            NEXT(t);
            if (t->type == ND_T_END) return ND_OK;
            if (t->type != ND_T_STR) {
                nd_error_set(err, t->offset, "%s[%zu]: expected a string, got %s",
                             nd_field_wire[f].ptr, i, nd_tok_name(t->type));
                return ND_ERR_DECODE;
            }
            EMIT(sink->vt->str(sink, f, t->s, t->n, t->ascii));
        }
    }
    return ND_ERR_DECODE;
}

static int read_odata_type(const nd_token *t, nd_error *err)
{
    if (t->type != ND_T_STR)
        return decode_fail(err, t->offset, ND_ODATA_TYPE_KEY ": expected a string", t);
    if (!nd_is_connector_type(t->s, t->n)) {
        char quoted[ND_EXCERPT_SIZE(60)];
        nd_error_set(err, t->offset, ND_ODATA_TYPE_KEY ": \"%s\" is not " ND_ODATA_TYPE,
                     nd_excerpt(t->s, t->n, 60, quoted));
        return ND_ERR_DECODE;
    }
    return ND_OK;
}

/* One connector object, whose ND_T_MAP token has been read. */
static int assemble_object(struct reader *r, nd_sink *sink, nd_error *err)
{
    uint32_t seen = 0; /* a bit per field, and one for @odata.type */
    nd_field next = 0; /* the field after the last one read: likely the next key */
    nd_token key, value;
    for (;;) {
        /* The member to try first: @odata.type leads a document, then the fields in order. */
        nd_field f = seen ? next : ND_MEMBER_TYPE;
        int rc = (seen >> f) & 1 ? 0 : reader_member(r, (int)f, &value, err);
        if (rc == 0 && !seen) { /* Graph's responses lead with @odata.context: read, dropped */
            rc = reader_member(r, ND_MEMBER_CONTEXT, &value, err);
            if (rc > 0 && (rc = read_value(r, &value, NULL, err)) == ND_OK) continue;
        }
        if (rc < 0) return rc;
        if (rc == 0) {
            NEXT(&key);
            if (key.type == ND_T_END) return ND_OK;
            if (key.type != ND_T_STR)
                return decode_fail(err, key.offset, "expected a string key", &key);
            switch (nd_classify_key(key.s, key.n, &f)) {
            case ND_KEY_ODATA_TYPE:
                /* f still names the field the direct path tried: it would file the type there */
                f = ND_MEMBER_TYPE;
                /* fall through */
            case ND_KEY_FIELD:
                /* before the value is read: an escaped key shares the reader's scratch */
                if (seen & (1u << f)) return duplicate_key(err, &key);
                NEXT(&value);
                break;
            case ND_KEY_ANNOTATION:
                NEXT(&value);
                rc = read_value(r, &value, NULL, err);
                if (rc != ND_OK) return rc;
                continue;
            case ND_KEY_EXTRA:
            default:
                rc = key_result(sink->vt->extra_key(sink, key.s, key.n, key.ascii), err, &key);
                if (rc != ND_OK) return rc;
                NEXT(&value);
                rc = read_value(r, &value, sink, err);
                if (rc != ND_OK) return rc;
                continue;
            }
        }
        seen |= 1u << f;
        if (f == ND_MEMBER_TYPE) {
            rc = read_odata_type(&value, err);
        } else {
            next = f + 1;
            rc = read_field(r, f, &value, sink, err);
        }
        if (rc != ND_OK) return rc;
    }
}

static int assemble(struct reader *r, nd_sink *sink, nd_error *err, const char *format)
{
    nd_token t;
    NEXT(&t);
    if (t.type != ND_T_MAP) {
        nd_error_set(err, t.offset, "expected a %s object at the top level, got %s", format,
                     nd_tok_name(t.type));
        return ND_ERR_DECODE;
    }
    int rc = assemble_object(r, sink, err);
    return rc != ND_OK ? rc : reader_finish(r, err);
}

/* The items of an array of connector objects, whose ND_T_ARRAY token has been read. */
static int read_items(struct reader *r, nd_sink *sink, nd_error *err)
{
    nd_token t;
    for (size_t i = 0;; i++) {
        NEXT(&t);
        if (t.type == ND_T_END) return ND_OK;
        int rc;
        if (t.type != ND_T_MAP) {
            nd_error_set(err, t.offset, "expected an object, got %s", nd_tok_name(t.type));
            rc = ND_ERR_DECODE;
        } else if (sink->vt->item_begin(sink, i) < 0) {
            return ND_ERR_CALLBACK;
        } else {
            rc = assemble_object(r, sink, err);
            if (rc == ND_OK && sink->vt->item_end(sink, i) < 0) return ND_ERR_CALLBACK;
        }
        if (rc == ND_ERR_DECODE) {
            char inner[sizeof err->msg];
            memcpy(inner, err->msg, sizeof inner);
            nd_error_set(err, err->offset, "item %zu: %s", i, inner);
        }
        if (rc != ND_OK) return rc;
    }
}

/* An array of connector objects. */
static int assemble_array(struct reader *r, nd_sink *sink, nd_error *err, const char *format)
{
    nd_token t;
    NEXT(&t);
    if (t.type != ND_T_ARRAY) {
        nd_error_set(err, t.offset, "expected a %s array of connectors at the top level, got %s",
                     format, nd_tok_name(t.type));
        return ND_ERR_DECODE;
    }
    int rc = read_items(r, sink, err);
    return rc != ND_OK ? rc : reader_finish(r, err);
}

#define ND_NEXT_LINK_KEY "@odata.nextLink"

static bool key_is(const nd_token *key, const char *name, size_t n)
{
    return key->n == n && memcmp(key->s, name, n) == 0;
}

/* A page of a collection, as Graph sends it: {"value":[connectors], "@odata.nextLink":...}, its
 * members in any order; annotations (@odata.context, @odata.count) and any other member are
 * read and dropped. */
static int assemble_page(struct reader *r, nd_sink *sink, nd_error *err, const char *format)
{
    nd_token t, key;
    NEXT(&t);
    if (t.type != ND_T_MAP) {
        nd_error_set(err, t.offset, "expected a %s object (a page of a collection), got %s", format,
                     nd_tok_name(t.type));
        return ND_ERR_DECODE;
    }
    bool has_value = false, has_link = false;
    for (;;) {
        NEXT(&key);
        if (key.type == ND_T_END) break;
        if (key.type != ND_T_STR)
            return decode_fail(err, key.offset, "expected a string key", &key);
        bool is_value = key_is(&key, "value", 5);
        bool is_link = key_is(&key, ND_NEXT_LINK_KEY, sizeof ND_NEXT_LINK_KEY - 1);
        /* before the value is read: an escaped key shares the reader's scratch */
        if ((is_value && has_value) || (is_link && has_link)) return duplicate_key(err, &key);
        NEXT(&t);
        int rc;
        if (is_value) {
            has_value = true;
            if (t.type != ND_T_ARRAY)
                return decode_fail(err, t.offset, "value: expected an array of connectors", &t);
            rc = read_items(r, sink, err);
        } else if (is_link) {
            has_link = true;
            if (t.type == ND_T_STR) {
                if (sink->vt->next_link(sink, t.s, t.n, t.ascii) < 0) return ND_ERR_CALLBACK;
            } else if (t.type != ND_T_NULL) {
                return decode_fail(err, t.offset, ND_NEXT_LINK_KEY ": expected a string or null",
                                   &t);
            }
            rc = ND_OK;
        } else {
            rc = read_value(r, &t, NULL, err);
        }
        if (rc != ND_OK) return rc;
    }
    if (!has_value) {
        nd_error_set(err, key.offset, "a page of a collection needs a \"value\" member");
        return ND_ERR_DECODE;
    }
    return reader_finish(r, err);
}

#undef NEXT
#undef EMIT
#undef EMIT_NUMBER

#endif
