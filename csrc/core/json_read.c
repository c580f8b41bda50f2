/* JSON tokenizer (RFC 8259, strict): strings are validated UTF-8 with escapes resolved, lone
 * surrogate escapes refused, numbers by the grammar, nesting bounded by ND_MAX_DEPTH. */
#include "connector.h"
#include "scan.h"
#include "token.h"
#include "utf8.h"

struct frame {
    bool is_object;
    bool after_key; /* object: a key was read, its value is next */
    size_t count;   /* members or items read so far */
};

struct reader {
    const unsigned char *p;
    size_t n, i;
    int depth;
    struct frame stack[ND_MAX_DEPTH];
    nd_buf scratch; /* unescaped strings; allocated only when an escape appears */
};

#include "decode_impl.h"

static int fail(nd_error *err, size_t at, const char *msg)
{
    nd_error_set(err, at, "%s", msg);
    return ND_ERR_DECODE;
}

static int fail_end(struct reader *r, nd_error *err)
{
    return fail(err, r->n, "unexpected end of input");
}

ND_INLINE void skip_ws(struct reader *r)
{
    if (ND_LIKELY(r->i < r->n && r->p[r->i] > ' ')) /* compact JSON: no white space at all */
        return;
    while (r->i < r->n) {
        unsigned char c = r->p[r->i];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
        r->i++;
    }
}

/* 0: plain ASCII; 1: '"'; 2: '\\'; 3: control character; 4: first byte of non-ASCII. */
static const uint8_t str_class[256] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

static int hex4(const unsigned char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned c = p[k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v |= (c | 0x20) - 'a' + 10;
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* At a backslash: resolves one escape into the scratch buffer. */
static int read_escape(struct reader *r, nd_error *err)
{
    size_t at = r->i;
    if (r->i + 1 >= r->n) return fail_end(r, err);
    unsigned char e = r->p[r->i + 1];
    char c;
    switch (e) {
    case '"':
    case '\\':
    case '/':
        c = (char)e;
        break;
    case 'b':
        c = '\b';
        break;
    case 'f':
        c = '\f';
        break;
    case 'n':
        c = '\n';
        break;
    case 'r':
        c = '\r';
        break;
    case 't':
        c = '\t';
        break;
    case 'u': {
        uint32_t cp, lo;
        if (r->i + 6 > r->n) return fail_end(r, err);
        if (hex4(r->p + r->i + 2, &cp) < 0)
            return fail(err, at, "invalid \\u escape: expected 4 hex digits");
        r->i += 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(err, at, "lone surrogate escape in string");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (r->i + 6 > r->n || r->p[r->i] != '\\' || r->p[r->i + 1] != 'u' ||
                hex4(r->p + r->i + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
                return fail(err, at, "lone surrogate escape in string");
            r->i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (nd_buf_reserve(&r->scratch, 4) < 0) return ND_ERR_NOMEM;
        r->scratch.len += nd_utf8_put(r->scratch.data + r->scratch.len, cp);
        return ND_OK;
    }
    default:
        return fail(err, at, "invalid escape in string");
    }
    r->i += 2;
    return nd_buf_append(&r->scratch, &c, 1) < 0 ? ND_ERR_NOMEM : ND_OK;
}

/* The rest of a string whose bytes start at `start`, from r->i where a scan stopped at a byte
 * other than the closing quote: an escape, a non-ASCII character, a control character. */
static int read_string_rest(struct reader *r, nd_token *t, nd_error *err, size_t start)
{
    const unsigned char *p = r->p;
    size_t run = start;
    bool ascii = true, escaped = false;
    for (;; r->i = nd_scan_special(p, r->i, r->n, true)) {
        if (r->i >= r->n) return fail_end(r, err);
        switch (str_class[p[r->i]]) {
        case 1: /* closing quote */
            t->type = ND_T_STR;
            t->ascii = ascii;
            if (!escaped) {
                t->s = (const char *)p + start;
                t->n = r->i - start;
                t->content_offset = start;
            } else {
                if (nd_buf_append(&r->scratch, p + run, r->i - run) < 0) return ND_ERR_NOMEM;
                t->s = r->scratch.data;
                t->n = r->scratch.len;
                t->content_offset = (size_t)-1;
            }
            r->i++;
            return ND_OK;
        case 2: {
            if (!escaped) {
                escaped = true;
                r->scratch.len = 0;
            }
            if (nd_buf_append(&r->scratch, p + run, r->i - run) < 0) return ND_ERR_NOMEM;
            size_t before = r->scratch.len;
            int rc = read_escape(r, err);
            if (rc != ND_OK) return rc;
            for (size_t k = before; k < r->scratch.len; k++)
                ascii &= (unsigned char)r->scratch.data[k] < 0x80;
            run = r->i;
            break;
        }
        case 3:
            nd_error_set(err, r->i, "control character U+%04X in string must be escaped", p[r->i]);
            return ND_ERR_DECODE;
        default: {
            size_t len = nd_utf8_seq(p + r->i, r->n - r->i);
            if (!len) return fail(err, r->i, "invalid UTF-8 in string");
            ascii = false;
            r->i += len;
        }
        }
    }
}

/* A string at r->i (its opening quote). Most are plain ASCII: one scan finds their end. */
ND_INLINE int read_string(struct reader *r, nd_token *t, nd_error *err)
{
    size_t start = r->i + 1;
    r->i = nd_scan_special(r->p, start, r->n, true);
    if (ND_UNLIKELY(r->i >= r->n || r->p[r->i] != '"')) return read_string_rest(r, t, err, start);
    t->type = ND_T_STR;
    t->ascii = true;
    t->s = (const char *)r->p + start;
    t->n = r->i - start;
    t->content_offset = start;
    r->i++;
    return ND_OK;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int read_number(struct reader *r, nd_token *t, nd_error *err)
{
    const unsigned char *p = r->p;
    size_t start = r->i;
    bool neg = p[r->i] == '-', is_float = false;
    if (neg) r->i++;
    if (r->i >= r->n) return fail_end(r, err);
    if (p[r->i] == '0') {
        r->i++;
    } else if (is_digit(p[r->i])) {
        while (r->i < r->n && is_digit(p[r->i]))
            r->i++;
    } else {
        return fail(err, r->i, "invalid number");
    }
    size_t int_end = r->i;
    if (r->i < r->n && p[r->i] == '.') {
        is_float = true;
        if (++r->i >= r->n) return fail_end(r, err);
        if (!is_digit(p[r->i]))
            return fail(err, r->i, "invalid number: expected a digit after '.'");
        while (r->i < r->n && is_digit(p[r->i]))
            r->i++;
    }
    if (r->i < r->n && (p[r->i] | 0x20) == 'e') {
        is_float = true;
        if (++r->i < r->n && (p[r->i] == '+' || p[r->i] == '-')) r->i++;
        if (r->i >= r->n) return fail_end(r, err);
        if (!is_digit(p[r->i]))
            return fail(err, r->i, "invalid number: expected a digit in the exponent");
        while (r->i < r->n && is_digit(p[r->i]))
            r->i++;
    }
    t->s = (const char *)p + start;
    t->n = r->i - start;
    if (is_float) {
        t->type = ND_T_FLOAT_TEXT;
        return ND_OK;
    }
    uint64_t u = 0;
    for (size_t k = start + neg; k < int_end; k++) {
        unsigned d = p[k] - '0';
        if (u > (UINT64_MAX - d) / 10) {
            t->type = ND_T_BIGINT;
            return ND_OK;
        }
        u = u * 10 + d;
    }
    if (!neg) {
        t->type = u <= INT64_MAX ? ND_T_INT : ND_T_UINT;
        if (t->type == ND_T_INT)
            t->v.i = (int64_t)u;
        else
            t->v.u = u;
    } else if (u <= (uint64_t)INT64_MAX + 1) {
        t->type = ND_T_INT;
        t->v.i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
    } else {
        t->type = ND_T_BIGINT;
    }
    return ND_OK;
}

static int read_literal(struct reader *r, const char *word, size_t len, nd_error *err)
{
    size_t avail = r->n - r->i;
    if (memcmp(r->p + r->i, word, avail < len ? avail : len) != 0)
        return fail(err, r->i, "invalid literal");
    if (avail < len) return fail_end(r, err);
    r->i += len;
    return ND_OK;
}

static int open_container(struct reader *r, nd_token *t, bool is_object, nd_error *err)
{
    if (r->depth >= ND_MAX_DEPTH) {
        nd_error_set(err, r->i, "nesting deeper than %d levels", ND_MAX_DEPTH);
        return ND_ERR_DECODE;
    }
    r->stack[r->depth++] = (struct frame){is_object, false, 0};
    r->i++;
    t->type = is_object ? ND_T_MAP : ND_T_ARRAY;
    t->v.count = 0;
    return ND_OK;
}

/* A value's first token at r->i (white space already skipped). */
ND_INLINE int read_value_token(struct reader *r, nd_token *t, nd_error *err)
{
    if (r->i >= r->n) return fail_end(r, err);
    t->offset = r->i;
    if (r->p[r->i] == '"') return read_string(r, t, err); /* most values: before the jump table */
    switch (r->p[r->i]) {
    case '{':
        return open_container(r, t, true, err);
    case '[':
        return open_container(r, t, false, err);
    case '"':
        return read_string(r, t, err);
    case 't':
        t->type = ND_T_BOOL;
        t->v.b = true;
        return read_literal(r, "true", 4, err);
    case 'f':
        t->type = ND_T_BOOL;
        t->v.b = false;
        return read_literal(r, "false", 5, err);
    case 'n':
        t->type = ND_T_NULL;
        return read_literal(r, "null", 4, err);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        return read_number(r, t, err);
    case ']':
    case '}':
        return fail(err, r->i, "expected a value");
    default:
        nd_error_set(err, r->i, "unexpected byte 0x%02X", r->p[r->i]);
        return ND_ERR_DECODE;
    }
}

static int close_container(struct reader *r, nd_token *t)
{
    t->offset = r->i++;
    t->type = ND_T_END;
    r->depth--;
    return ND_OK;
}

ND_INLINE int reader_next(struct reader *r, nd_token *t, nd_error *err)
{
    skip_ws(r);
    if (r->depth == 0) return read_value_token(r, t, err);
    struct frame *fr = &r->stack[r->depth - 1];
    if (r->i >= r->n) return fail_end(r, err);
    unsigned char c = r->p[r->i];
    if (!fr->is_object) {
        if (c == ']') return close_container(r, t);
        if (fr->count++ > 0) {
            if (c != ',') return fail(err, r->i, "expected ',' or ']' in array");
            r->i++;
            skip_ws(r);
        }
        return read_value_token(r, t, err);
    }
    if (fr->after_key) {
        if (c != ':') return fail(err, r->i, "expected ':' after object key");
        r->i++;
        skip_ws(r);
        fr->after_key = false;
        fr->count++;
        return read_value_token(r, t, err);
    }
    if (c == '}') return close_container(r, t);
    if (fr->count > 0) {
        if (c != ',') return fail(err, r->i, "expected ',' or '}' in object");
        r->i++;
        skip_ws(r);
        if (r->i >= r->n) return fail_end(r, err);
    }
    if (r->p[r->i] != '"') return fail(err, r->i, "expected a string key");
    t->offset = r->i;
    fr->after_key = true;
    return read_string(r, t, err);
}

/* Each member the direct path looks for, as compact JSON writes it after the previous value:
 * `,"name":`, the first member without its comma; by field, then ND_MEMBER_TYPE and
 * ND_MEMBER_CONTEXT. */
#define MEMBER_HEAD_(e, name, kind) {",\"" name "\":", sizeof(name) + 3},
static const nd_strv member_head[ND_MEMBER_COUNT] = {ND_FIELD_LIST(MEMBER_HEAD_) MEMBER_HEAD_(
    , ND_ODATA_TYPE_KEY, ) MEMBER_HEAD_(, ND_ODATA_CONTEXT_KEY, )};
#undef MEMBER_HEAD_

ND_INLINE int reader_member(struct reader *r, int which, nd_token *value, nd_error *err)
{
    struct frame *fr = &r->stack[r->depth - 1];
    nd_strv head = member_head[which];
    if (fr->count == 0) {
        head.ptr++;
        head.len--;
    }
    if (r->n - r->i < head.len || !nd_same_bytes(r->p + r->i, head.ptr, head.len)) return 0;
    r->i += head.len;
    fr->count++;
    /* compact JSON: a string value right after the colon */
    value->offset = r->i;
    int rc = r->i < r->n && r->p[r->i] == '"' ? read_string(r, value, err)
                                              : (skip_ws(r), read_value_token(r, value, err));
    return rc != ND_OK ? rc : 1;
}

static int reader_finish(struct reader *r, nd_error *err)
{
    skip_ws(r);
    if (r->i != r->n) return fail(err, r->i, "trailing data after the JSON object");
    return ND_OK;
}

typedef int (*assembler)(struct reader *r, nd_sink *sink, nd_error *err, const char *format);

static int read_json(const char *data, size_t n, nd_sink *sink, nd_error *err,
                     assembler assemble_as)
{
    struct reader r;
    r.p = (const unsigned char *)data;
    r.n = n;
    r.i = 0;
    r.depth = 0;
    nd_buf_init_malloc(&r.scratch);
    int rc = assemble_as(&r, sink, err, "JSON");
    nd_buf_free_malloc(&r.scratch);
    return rc;
}

int nd_json_read_connector(const char *data, size_t n, nd_sink *sink, nd_error *err)
{
    return read_json(data, n, sink, err, assemble);
}

int nd_json_read_connectors(const char *data, size_t n, nd_sink *sink, nd_error *err)
{
    return read_json(data, n, sink, err, assemble_array);
}

int nd_json_read_page(const char *data, size_t n, nd_sink *sink, nd_error *err)
{
    return read_json(data, n, sink, err, assemble_page);
}
