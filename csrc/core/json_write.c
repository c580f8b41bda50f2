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

int nd_json_write_str(nd_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    if (nd_buf_reserve(b, n + 2) < 0) return -1;
    nd_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0;; i++) {
        i = nd_scan_special(p, i, n, false);
        if (ND_LIKELY(i == n)) break;
        char e = escape_of[p[i]];
        nd_buf_put(b, s + run, i - run);
        run = i + 1;
        /* Room for this escape plus everything not yet written. */
        if (nd_buf_reserve(b, 6 + (n - run) + 1) < 0) return -1;
        nd_buf_putc(b, '\\');
        if (e == 'u') {
            char u[5] = {'u', '0', '0', hex[p[i] >> 4], hex[p[i] & 15]};
            nd_buf_put(b, u, 5);
        } else {
            nd_buf_putc(b, e);
        }
    }
    nd_buf_put(b, s + run, n - run);
    nd_buf_putc(b, '"');
    return 0;
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
