/* MessagePack tokenizer: every length checked against the input before it is trusted, strings
 * validated as UTF-8, the timestamp extension read as UTC, nesting bounded by ND_MAX_DEPTH. */
#include "connector.h"
#include "token.h"
#include "utf8.h"

struct reader {
    const unsigned char *p;
    size_t n, i;
    int depth;
    size_t left[ND_MAX_DEPTH]; /* tokens still to come in each open container */
};

#include "decode_impl.h"

static int fail(nd_error *err, size_t at, const char *msg)
{
    nd_error_set(err, at, "%s", msg);
    return ND_ERR_DECODE;
}

static uint64_t be(const unsigned char *p, int width)
{
    uint64_t v = 0;
    for (int k = 0; k < width; k++)
        v = v << 8 | p[k];
    return v;
}

/* Takes `width` bytes at the cursor as a big-endian unsigned integer. */
static int take(struct reader *r, int width, uint64_t *out, nd_error *err)
{
    if (r->n - r->i < (size_t)width) return fail(err, r->n, "unexpected end of input");
    *out = be(r->p + r->i, width);
    r->i += (size_t)width;
    return ND_OK;
}

ND_INLINE int string_body(struct reader *r, nd_token *t, uint64_t len, nd_error *err)
{
    if (r->n - r->i < len) return fail(err, r->n, "unexpected end of input");
    size_t bad = nd_utf8_check_in((const char *)r->p + r->i, (size_t)len, r->n - r->i, &t->ascii);
    if (bad != len) return fail(err, r->i + bad, "invalid UTF-8 in string");
    t->type = ND_T_STR;
    t->s = (const char *)r->p + r->i;
    t->n = (size_t)len;
    t->content_offset = r->i;
    r->i += (size_t)len;
    return ND_OK;
}

static int container(struct reader *r, nd_token *t, uint64_t count, bool is_map, nd_error *err)
{
    if (r->depth >= ND_MAX_DEPTH) {
        nd_error_set(err, t->offset, "nesting deeper than %d levels", ND_MAX_DEPTH);
        return ND_ERR_DECODE;
    }
    uint64_t tokens = is_map ? count * 2 : count;
    /* Each element takes at least a byte: a larger count is a truncated or hostile input. */
    if (tokens > r->n - r->i) return fail(err, r->n, "unexpected end of input");
    r->left[r->depth++] = (size_t)tokens;
    t->type = is_map ? ND_T_MAP : ND_T_ARRAY;
    t->v.count = (size_t)count;
    return ND_OK;
}

static int timestamp(struct reader *r, nd_token *t, uint64_t len, nd_error *err)
{
    if (r->n - r->i < len) return fail(err, r->n, "unexpected end of input");
    const unsigned char *p = r->p + r->i;
    int64_t secs;
    uint32_t nsec;
    if (len == 4) {
        secs = (int64_t)be(p, 4);
        nsec = 0;
    } else if (len == 8) {
        uint64_t v = be(p, 8);
        nsec = (uint32_t)(v >> 34);
        secs = (int64_t)(v & 0x3FFFFFFFFULL);
    } else if (len == 12) {
        nsec = (uint32_t)be(p, 4);
        secs = (int64_t)be(p + 4, 8);
    } else {
        return fail(err, t->offset, "timestamp extension of invalid length");
    }
    if (nd_datetime_from_unix(secs, nsec, &t->v.ts) < 0)
        return fail(err, t->offset, "timestamp out of range (years 1..9999)");
    t->type = ND_T_TIMESTAMP;
    r->i += (size_t)len;
    return ND_OK;
}

static int extension(struct reader *r, nd_token *t, uint64_t len, nd_error *err)
{
    if (r->i >= r->n) return fail(err, r->n, "unexpected end of input");
    int8_t type = (int8_t)r->p[r->i++];
    if (type == -1) return timestamp(r, t, len, err);
    if (r->n - r->i < len) return fail(err, r->n, "unexpected end of input");
    r->i += (size_t)len;
    t->type = ND_T_BINARY;
    return ND_OK;
}

static int read_token(struct reader *r, nd_token *t, nd_error *err)
{
    if (r->i >= r->n) return fail(err, r->n, "unexpected end of input");
    t->offset = r->i;
    unsigned c = r->p[r->i++];
    uint64_t v;
    int rc;
    if (c <= 0x7f) {
        t->type = ND_T_INT;
        t->v.i = c;
        return ND_OK;
    }
    if (c >= 0xe0) {
        t->type = ND_T_INT;
        t->v.i = (int8_t)c;
        return ND_OK;
    }
    if (c <= 0x8f) return container(r, t, c & 0x0f, true, err);
    if (c <= 0x9f) return container(r, t, c & 0x0f, false, err);
    if (c <= 0xbf) return string_body(r, t, c & 0x1f, err);
    switch (c) {
    case 0xc0:
        t->type = ND_T_NULL;
        return ND_OK;
    case 0xc2:
    case 0xc3:
        t->type = ND_T_BOOL;
        t->v.b = c == 0xc3;
        return ND_OK;
    case 0xc4:
    case 0xc5:
    case 0xc6: /* bin 8/16/32 */
        if ((rc = take(r, 1 << (c - 0xc4), &v, err)) != ND_OK) return rc;
        if (r->n - r->i < v) return fail(err, r->n, "unexpected end of input");
        r->i += (size_t)v;
        t->type = ND_T_BINARY;
        return ND_OK;
    case 0xc7:
    case 0xc8:
    case 0xc9: /* ext 8/16/32 */
        if ((rc = take(r, 1 << (c - 0xc7), &v, err)) != ND_OK) return rc;
        return extension(r, t, v, err);
    case 0xca:
    case 0xcb: {
        if ((rc = take(r, c == 0xca ? 4 : 8, &v, err)) != ND_OK) return rc;
        t->type = ND_T_FLOAT;
        if (c == 0xca) {
            uint32_t bits = (uint32_t)v;
            float f;
            memcpy(&f, &bits, 4);
            t->v.f = f;
        } else {
            memcpy(&t->v.f, &v, 8);
        }
        return ND_OK;
    }
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: /* uint 8..64 */
        if ((rc = take(r, 1 << (c - 0xcc), &v, err)) != ND_OK) return rc;
        if (v <= INT64_MAX) {
            t->type = ND_T_INT;
            t->v.i = (int64_t)v;
        } else {
            t->type = ND_T_UINT;
            t->v.u = v;
        }
        return ND_OK;
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: { /* int 8..64 */
        int width = 1 << (c - 0xd0);
        if ((rc = take(r, width, &v, err)) != ND_OK) return rc;
        t->type = ND_T_INT;
        if (width < 8 && (v >> (width * 8 - 1))) v |= ~(uint64_t)0 << (width * 8); /* sign-extend */
        t->v.i = (int64_t)v;
        return ND_OK;
    }
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: /* fixext 1..16 */
        return extension(r, t, 1u << (c - 0xd4), err);
    case 0xd9:
    case 0xda:
    case 0xdb: /* str 8/16/32 */
        if ((rc = take(r, 1 << (c - 0xd9), &v, err)) != ND_OK) return rc;
        return string_body(r, t, v, err);
    case 0xdc:
    case 0xdd:
        if ((rc = take(r, c == 0xdc ? 2 : 4, &v, err)) != ND_OK) return rc;
        return container(r, t, v, false, err);
    case 0xde:
    case 0xdf:
        if ((rc = take(r, c == 0xde ? 2 : 4, &v, err)) != ND_OK) return rc;
        return container(r, t, v, true, err);
    default: /* 0xc1 is never used */
        nd_error_set(err, t->offset, "invalid MessagePack type byte 0x%02X", c);
        return ND_ERR_DECODE;
    }
}

/* read_token with the usual cases, a fixstr or a str 8, inlined. */
ND_INLINE int read_value_token(struct reader *r, nd_token *t, nd_error *err)
{
    unsigned c = r->i < r->n ? r->p[r->i] : 0;
    if (c >= 0xa0 && c <= 0xbf) {
        t->offset = r->i++;
        return string_body(r, t, c & 0x1f, err);
    }
    if (c == 0xd9 && r->n - r->i >= 2) {
        t->offset = r->i;
        r->i += 2;
        return string_body(r, t, r->p[r->i - 1], err);
    }
    return read_token(r, t, err);
}

ND_INLINE int reader_next(struct reader *r, nd_token *t, nd_error *err)
{
    if (r->depth > 0) {
        if (r->left[r->depth - 1] == 0) {
            r->depth--;
            t->type = ND_T_END;
            t->offset = r->i;
            return ND_OK;
        }
        r->left[r->depth - 1]--;
    }
    return read_value_token(r, t, err);
}

/* The key of each member the direct path looks for: by field, then ND_MEMBER_TYPE and
 * ND_MEMBER_CONTEXT. */
#define MEMBER_NAME_(e, name, kind) {name, sizeof(name) - 1},
static const nd_strv member_name[ND_MEMBER_COUNT] = {ND_FIELD_LIST(MEMBER_NAME_) MEMBER_NAME_(
    , ND_ODATA_TYPE_KEY, ) MEMBER_NAME_(, ND_ODATA_CONTEXT_KEY, )};
#undef MEMBER_NAME_

ND_INLINE int reader_member(struct reader *r, int which, nd_token *value, nd_error *err)
{
    nd_strv name = member_name[which];
    size_t i = r->i;
    /* a fixstr key: every name is shorter than 32 bytes */
    if (r->left[r->depth - 1] < 2 || r->n - i <= name.len || r->p[i] != (0xa0 | name.len) ||
        !nd_same_bytes(r->p + i + 1, name.ptr, name.len))
        return 0;
    r->left[r->depth - 1] -= 2;
    r->i = i + 1 + name.len;
    int rc = read_value_token(r, value, err);
    return rc != ND_OK ? rc : 1;
}

static int reader_finish(struct reader *r, nd_error *err)
{
    if (r->i != r->n) return fail(err, r->i, "trailing data after the MessagePack map");
    return ND_OK;
}

typedef int (*assembler)(struct reader *r, nd_sink *sink, nd_error *err, const char *format);

static int read_mp(const char *data, size_t n, nd_sink *sink, nd_error *err, assembler assemble_as)
{
    struct reader r;
    r.p = (const unsigned char *)data;
    r.n = n;
    r.i = 0;
    r.depth = 0;
    return assemble_as(&r, sink, err, "MessagePack");
}

int nd_mp_read_connector(const char *data, size_t n, nd_sink *sink, nd_error *err)
{
    return read_mp(data, n, sink, err, assemble);
}

int nd_mp_read_connectors(const char *data, size_t n, nd_sink *sink, nd_error *err)
{
    return read_mp(data, n, sink, err, assemble_array);
}

int nd_mp_read_page(const char *data, size_t n, nd_sink *sink, nd_error *err)
{
    return read_mp(data, n, sink, err, assemble_page);
}
