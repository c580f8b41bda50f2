#include "json_write.h"

#include "connector.h"
#include "scan.h"

/* For each byte: 0 to copy it, else the letter of its short escape, or 'u' for \u00XX. */
static const char escape_of[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u', 'u',  'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 0,   0,   '"', 0,    0,   0,
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   '\\',
};

/* Copies s[0:n] to d, a word at a time, and returns the index of the first byte that needs an
 * escape, or n. d has room for n + 16 bytes: whole words are stored before they are checked, so
 * bytes past the returned index may be written too, for the caller to write over. */
ND_INLINE size_t copy_plain(char *d, const unsigned char *s, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    if (n >= 16) {
        unsigned m;
        for (; n - i >= 16; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
            _mm_storeu_si128((__m128i *)(d + i), v);
            if ((m = nd_special_mask_v(v, false))) return i + (size_t)__builtin_ctz(m);
        }
        if (i == n) return n;
        /* The last 16 bytes, overlapping bytes already copied and found clean. */
        __m128i v = _mm_loadu_si128((const __m128i *)(s + n - 16));
        _mm_storeu_si128((__m128i *)(d + n - 16), v);
        m = nd_special_mask_v(v, false);
        return m ? n - 16 + (size_t)__builtin_ctz(m) : n;
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&                        \
    (defined(__GNUC__) || defined(__clang__))
    if (n >= 8) { /* two words, the second overlapping the first */
        uint64_t w, x, m;
        memcpy(&w, s, 8);
        memcpy(&x, s + n - 8, 8);
        memcpy(d, &w, 8);
        memcpy(d + n - 8, &x, 8);
        if ((m = nd_special_bytes(w, false))) return (size_t)__builtin_ctzll(m) >> 3;
        m = nd_special_bytes(x, false);
        return m ? n - 8 + ((size_t)__builtin_ctzll(m) >> 3) : n;
    }
    if (n >= 4) { /* the same with half words; the upper four bytes of each are not text */
        uint32_t w, x;
        memcpy(&w, s, 4);
        memcpy(&x, s + n - 4, 4);
        memcpy(d, &w, 4);
        memcpy(d + n - 4, &x, 4);
        uint64_t m = nd_special_bytes(w, false) & 0x80808080u;
        if (m) return (size_t)__builtin_ctzll(m) >> 3;
        m = nd_special_bytes(x, false) & 0x80808080u;
        return m ? n - 4 + ((size_t)__builtin_ctzll(m) >> 3) : n;
    }
#endif
    for (; i < n; i++) {
        if (nd_special_byte(s[i], false)) return i;
        d[i] = (char)s[i];
    }
    return n;
}

/* The rest of a string from s[i], a byte that needs an escape; s[0:i] is written already. */
static int write_escaped(nd_buf *b, const char *s, size_t n, size_t i)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t run = i;
    for (;; i++) {
        i = nd_scan_special(p, i, n, false);
        if (i == n) break;
        char e = escape_of[p[i]];
        /* Room for what is not yet written, this escape at its longest, and the quote. */
        if (nd_buf_reserve(b, (i - run) + 6 + (n - i - 1) + 1) < 0) return -1;
        nd_buf_put(b, s + run, i - run);
        run = i + 1;
        nd_buf_putc(b, '\\');
        if (e == 'u') {
            char u[5] = {'u', '0', '0', hex[p[i] >> 4], hex[p[i] & 15]};
            nd_buf_put(b, u, 5);
        } else {
            nd_buf_putc(b, e);
        }
    }
    if (nd_buf_reserve(b, n - run + 1) < 0) return -1;
    nd_buf_put(b, s + run, n - run);
    nd_buf_putc(b, '"');
    return 0;
}

int nd_json_write_str(nd_buf *b, const char *s, size_t n)
{
    if (nd_buf_reserve(b, n + 2 + 16) < 0) return -1;
    char *d = b->data + b->len;
    *d++ = '"';
    size_t i = copy_plain(d, (const unsigned char *)s, n);
    if (ND_LIKELY(i == n)) {
        d[n] = '"';
        b->len += n + 2;
        return 0;
    }
    b->len += 1 + i;
    return write_escaped(b, s, n, i);
}

int nd_json_write_i64(nd_buf *b, int64_t v)
{
    char tmp[24];
    char *end = tmp + sizeof tmp, *p = end;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    return nd_buf_append(b, p, (size_t)(end - p));
}

/* `,"wireName":` for each field, written as one literal. */
#define KEY(s)                                                                                     \
    {                                                                                              \
        ",\"" s "\":", sizeof(",\"" s "\":") - 1                                                   \
    }
static const nd_strv json_key[ND_F_COUNT] = {
    KEY("id"),
    KEY("lastConnectionDateTime"),
    KEY("state"),
    KEY("displayName"),
    KEY("enrolledDateTime"),
    KEY("machineName"),
    KEY("connectorVersion"),
    KEY("roleScopeTagIds"),
};

static int write_str_field(nd_buf *b, nd_field f, nd_strv v)
{
    if (!v.ptr) return 0;
    if (nd_buf_append(b, json_key[f].ptr, json_key[f].len) < 0) return -1;
    return nd_json_write_str(b, v.ptr, v.len);
}

static int write_datetime_field(nd_buf *b, nd_field f, const nd_datetime *dt)
{
    if (!dt->present) return 0;
    if (nd_buf_reserve(b, json_key[f].len + ND_DATETIME_MAX + 2) < 0) return -1;
    nd_buf_put(b, json_key[f].ptr, json_key[f].len);
    nd_buf_putc(b, '"');
    b->len += nd_datetime_format(dt, b->data + b->len);
    nd_buf_putc(b, '"');
    return 0;
}

static int write_list_field(nd_buf *b, nd_field f, const nd_strv *items, size_t n)
{
    if (nd_buf_append(b, json_key[f].ptr, json_key[f].len) < 0) return -1;
    if (nd_buf_append(b, "[", 1) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (i && nd_buf_append(b, ",", 1) < 0) return -1;
        if (nd_json_write_str(b, items[i].ptr, items[i].len) < 0) return -1;
    }
    return nd_buf_append(b, "]", 1);
}

int nd_json_write_connector(nd_buf *b, const nd_connector_view *c)
{
    static const char head[] = "{\"" ND_ODATA_TYPE_KEY "\":\"" ND_ODATA_TYPE "\"";
    if (nd_buf_append(b, head, sizeof head - 1) < 0 || write_str_field(b, ND_F_ID, c->id) < 0 ||
        write_datetime_field(b, ND_F_LAST_CONNECTION, &c->last_connection) < 0 ||
        write_str_field(b, ND_F_STATE, c->state) < 0 ||
        write_str_field(b, ND_F_DISPLAY_NAME, c->display_name) < 0 ||
        write_datetime_field(b, ND_F_ENROLLED, &c->enrolled) < 0 ||
        write_str_field(b, ND_F_MACHINE_NAME, c->machine_name) < 0 ||
        write_str_field(b, ND_F_CONNECTOR_VERSION, c->connector_version) < 0 ||
        (c->has_role_tags &&
         write_list_field(b, ND_F_ROLE_SCOPE_TAG_IDS, c->role_tags, c->n_role_tags) < 0))
        return ND_ERR_NOMEM;
    if (c->n_extra && c->write_extra(c->extra_ctx, b) < 0) return ND_ERR_CALLBACK;
    return nd_buf_append(b, "}", 1) < 0 ? ND_ERR_NOMEM : ND_OK;
}
